// Figure 5: embeddings decode. An in-memory fetch answers a 1536-dimension embeddings request the
// way the server would: base64 when the request asks for it (aibadgr and openai-node both do, by
// default), float JSON otherwise (raw: fetch + res.json(), i.e. JSON.parse of ~34 kB). Time per
// call until the caller holds a usable vector; ratio to raw's JSON.parse path.
import { embeddingBodies, chatJson, messagesJson, chatSse, messagesSse } from "../lib/data.mjs";
import { routerFetch } from "../lib/fetch.mjs";
import { interleave, summary, ratios, now, errorText } from "../lib/stats.mjs";
import { num, times, spread, mark } from "../lib/format.mjs";
import { clients } from "../lib/variants.mjs";

const gc = globalThis.gc ?? (() => {});

/** Whether `got` holds the same float32 values as `want` (numbers). */
function sameVector(got, want) {
  if (!got || got.length !== want.length) return false;
  for (let i = 0; i < want.length; i++) if (Math.fround(got[i]) !== Math.fround(want[i])) return false;
  return true;
}

export async function run(ctx) {
  const bodies = embeddingBodies();
  const fetch = routerFetch({
    embedFloat: bodies.float, embedBase64: bodies.base64,
    chatJson: chatJson(), messagesJson: messagesJson(), chatSse: chatSse(8).events, messagesSse: messagesSse(10).events,
  });
  const text = new TextDecoder().decode(bodies.float);
  // JSON.parse alone of the float JSON (no fetch, no Response): the floor under raw's path.
  const parseOnly = { name: "JSON.parse only", client: null, embed: async () => JSON.parse(text).data[0].embedding };
  const list = [...(await clients(ctx.variants.filter((v) => v.embed), { fetch, base: "http://bench.invalid" })), parseOnly];
  const plan = ctx.quick ? { rounds: 6, warmup: 2 } : { rounds: 25, warmup: 5 };
  const CALLS = ctx.quick ? 40 : 100;
  const PRIME = 10; // untimed calls first, as the stream figures prime theirs
  const goal = ctx.goals.embedRatio;
  const wrong = new Map();
  const kinds = {};
  const t = await interleave(list, plan, async (v) => {
    ctx.settle();
    for (let i = 0; i < PRIME; i++) await v.embed(v.client);
    const t0 = now();
    let vec;
    for (let i = 0; i < CALLS; i++) vec = await v.embed(v.client);
    const us = ((now() - t0) * 1000) / CALLS;
    kinds[v.name] = vec?.constructor?.name;
    if (!sameVector(vec, bodies.vector)) wrong.set(v.name, `vector differs (${vec?.constructor?.name} of ${vec?.length})`);
    return us;
  }, (v, e) => wrong.set(v.name, errorText(e)));
  const rows = [];
  const data = {};
  for (const v of list) {
    const us = summary(t[v.name]);
    const isBase = v.name === "raw";
    const r = summary(ratios(t[v.name], t.raw));
    const rp = summary(ratios(t[v.name], t[parseOnly.name]));
    data[v.name] = { usPerCall: us, ratio: r, ratioToParseOnly: rp, vector: kinds[v.name] };
    rows.push([
      v.name, v === parseOnly || v.name === "raw" ? "float JSON" : "base64", kinds[v.name] ?? "?", num(us.median),
      isBase ? "1 (baseline)" : `${times(r.median)} raw`,
      isBase ? "" : spread(r, "×"),
      v === parseOnly ? "1" : times(rp.median),
      v.ours ? mark(r.median <= goal) : "",
    ]);
  }
  const headline = [{
    metric: "Embeddings decode (1536 dims)", goal: `≤ ${goal}× raw`,
    aibadgr: times(data.aibadgr?.ratio.median), ok: data.aibadgr?.ratio.median <= goal,
    openai: times(data.openai?.ratio.median), anthropic: "n/a",
  }];
  return {
    id: 5,
    headline,
    title: "Embeddings decode (1536 dimensions, in-memory fetch)",
    goal: `aibadgr ≤ ${goal}× raw (fetch + JSON.parse of the float JSON)`,
    header: ["variant", "wire format", "vector", "µs/call", "median ratio", "p25–p75", "÷ JSON.parse only", "goal"],
    rows,
    notes: [
      `${plan.rounds} rounds (+${plan.warmup} warm-up dropped) of ${CALLS} calls per variant, interleaved in an order shuffled each round; in its turn a variant ${ctx.settled} and makes ${PRIME} untimed calls, then the timed ones.`,
      `Bodies: float JSON ${bodies.float.length} B, base64 JSON ${bodies.base64.length} B (the test server's own embeddings). The goal ratio is to raw = the same in-memory fetch + res.json() (JSON.parse) of the float JSON; "÷ JSON.parse only" divides by a bare JSON.parse of the float text (no fetch, no Response), for scale.`,
      "@anthropic-ai/sdk has no embeddings call.",
    ],
    checks: list.filter((v) => v !== parseOnly).map((v) => ({ name: `embed: ${v.name} returned the expected 1536 floats`, ok: !wrong.has(v.name), detail: wrong.get(v.name) })),
    data,
  };
}
