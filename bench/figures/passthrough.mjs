// Figure 9: Worker pass-through. A Worker that calls the API and hands the streamed answer on
// to its own client: what one 1,000-token answer costs, from the upstream call to the last
// byte of the outgoing stream read (in-memory fetch, so it is CPU). Beside aibadgr's toSSE():
// a byte pipe (new Response(upstream.body): the floor, nothing parsed or tracked), raw
// re-encoding (parse every event, JSON.stringify it back into SSE) and openai-node's
// toReadableStream() (its pass-through: one JSON line per chunk). The goal is on the ratio to the
// raw baseline's parse of every event (figure 2's raw), as figure 8's.
import { chatSse } from "../lib/data.mjs";
import { sseFetch } from "../lib/fetch.mjs";
import { interleave, summary, ratios, now, errorText } from "../lib/stats.mjs";
import { num, times, spread, mark } from "../lib/format.mjs";
import { clients, API_KEY } from "../lib/variants.mjs";
import { MODEL, USER } from "../lib/request.mjs";

const gc = globalThis.gc ?? (() => {});
const TOKENS = 1000;
const CHAT = { model: MODEL, messages: USER };
const enc = new TextEncoder();

/** Reads a byte stream to the end; returns its chunks (checked only after the timing). */
async function drain(stream) {
  const out = [];
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return out;
    out.push(value);
  }
}

/** The answer's text in output bytes: SSE `data:` lines, or JSON lines (openai). */
function textOf(chunks) {
  const dec = new TextDecoder();
  const all = chunks.map((b) => dec.decode(b, { stream: true })).join("") + dec.decode();
  let text = "";
  for (let line of all.split("\n")) {
    if (line.startsWith("data: ")) line = line.slice(6);
    if (!line.startsWith("{")) continue;
    text += JSON.parse(line).choices?.[0]?.delta?.content ?? "";
  }
  return text;
}

/** raw re-encoding: the raw baseline's parsed chunks, stringified back into SSE. */
function reencode(events) {
  const it = events[Symbol.asyncIterator]();
  let ended = false;
  return new ReadableStream({
    async pull(c) {
      if (ended) return c.close();
      const { done, value } = await it.next();
      if (done) { ended = true; c.enqueue(enc.encode("data: [DONE]\n\n")); return; }
      c.enqueue(enc.encode(`data: ${JSON.stringify(value)}\n\n`));
    },
    cancel: () => it.return?.(),
  }, { highWaterMark: 0 });
}

export async function run(ctx) {
  const feed = chatSse(TOKENS + 4);
  let current = null;
  const fetch = (input, init) => current(input, init);
  const pick = ctx.variants.filter((v) => ["raw", "aibadgr", "openai"].includes(v.name));
  const made = Object.fromEntries((await clients(pick, { fetch, base: "http://bench.invalid" })).map((v) => [v.name, v]));
  const raw = made.raw;
  const list = [
    { name: "raw", label: "raw (parse every event, no output)", baseline: "raw", measure: async () => raw.stream(raw.client), text: (r) => r },
    {
      name: "byte pipe", label: "byte pipe: new Response(upstream.body)", baseline: "raw",
      async measure() {
        const res = await raw.client.m.post(raw.client.fetch, `${raw.client.base}/chat/completions`, API_KEY, { ...CHAT, stream: true });
        return drain(new Response(res.body, { headers: { "content-type": "text/event-stream" } }).body);
      },
      text: textOf,
    },
    {
      // What any pass-through that looks at the bytes (to track usage, the end, errors) adds
      // to the byte pipe: one stream layer, each read enqueued unchanged by a pull source.
      name: "stream layer", label: "byte pipe through a stream: each read passed on by a pull source (floor for anything that inspects)", baseline: "raw",
      async measure() {
        const res = await raw.client.m.post(raw.client.fetch, `${raw.client.base}/chat/completions`, API_KEY, { ...CHAT, stream: true });
        const reader = res.body.getReader();
        const out = new ReadableStream({
          async pull(c) { const r = await reader.read(); if (r.done) c.close(); else c.enqueue(r.value); },
          cancel: (why) => reader.cancel(why),
        }, { highWaterMark: 0 });
        return drain(new Response(out).body);
      },
      text: textOf,
    },
    {
      name: "raw re-encoding", label: "raw re-encoding: parse, JSON.stringify back into SSE", baseline: "raw",
      async measure() {
        const events = await raw.client.m.chatStream(raw.client.fetch, raw.client.base, API_KEY, { ...CHAT, stream_options: { include_usage: true } });
        return drain(new Response(reencode(events)).body);
      },
      text: textOf,
    },
    {
      name: "openai toReadableStream()", label: `openai ${made.openai.version} toReadableStream()`, baseline: "raw",
      async measure() {
        const s = await made.openai.client.chat.completions.create({ ...CHAT, stream: true, stream_options: { include_usage: true } });
        return drain(new Response(s.toReadableStream()).body);
      },
      text: textOf,
    },
    {
      name: "aibadgr toSSE()", label: "aibadgr toSSE()", baseline: "raw", ours: true,
      async measure() {
        const s = await made.aibadgr.client.chatStream(CHAT);
        return drain(new Response(s.toSSE()).body);
      },
      text: textOf,
    },
  ];
  const plan = ctx.quick ? { rounds: 8, warmup: 3 } : { rounds: 40, warmup: 8 };
  const goal = ctx.goals.rustOnlyRatio;
  const rows = [];
  const checks = [];
  const data = {};
  const wrong = new Map();
  for (const [mode, label] of [["event", "1 event/read"], [16384, "16 KB reads"]]) {
    current = sseFetch(feed.events, mode);
    const t = await interleave(list, plan, async (v) => {
      ctx.settle();
      await v.measure(); // primed, as figures 2 and 8 (see their notes)
      // Five answers per turn: one is about a millisecond, close to the timer's noise.
      const results = [];
      const t0 = now();
      for (let i = 0; i < 5; i++) results.push(await v.measure());
      const ms = (now() - t0) / 5;
      for (const r of results) {
        const text = v.text(r);
        if (text !== feed.text) wrong.set(v.name, `${label}: got ${text.length} chars, want ${feed.text.length}`);
      }
      return ms;
    }, (v, e) => wrong.set(v.name, `${label}: ${errorText(e)}`));
    data[label] = {};
    for (const v of list) {
      const ms = summary(t[v.name]);
      const isBase = v.baseline === v.name;
      const r = summary(ratios(t[v.name], t[v.baseline]));
      data[label][v.name] = { ms, ratio: r };
      rows.push([
        label, v.label, num(ms.median),
        isBase ? "1 (baseline)" : `${times(r.median)} raw`,
        isBase ? "" : spread(r, "×"),
        v.ours ? mark(r.median <= goal) : "",
      ]);
    }
  }
  for (const v of list) {
    checks.push({ name: `pass-through (${TOKENS}-token answer, both read sizes): ${v.name} passed every piece on`, ok: !wrong.has(v.name), detail: wrong.get(v.name) });
  }
  const at = (label, name) => data[label]?.[name];
  const headline = [{
    metric: `Worker pass-through, ms per ${TOKENS}-token answer (1 event/read · 16 KB)`, goal: `toSSE() ≤ ${goal}× raw`,
    aibadgr: `${num(at("1 event/read", "aibadgr toSSE()")?.ms.median)} · ${num(at("16 KB reads", "aibadgr toSSE()")?.ms.median)} ms (${times(at("1 event/read", "aibadgr toSSE()")?.ratio.median)} · ${times(at("16 KB reads", "aibadgr toSSE()")?.ratio.median)})`,
    ok: ["1 event/read", "16 KB reads"].every((l) => at(l, "aibadgr toSSE()")?.ratio.median <= goal),
    openai: `${num(at("1 event/read", "openai toReadableStream()")?.ms.median)} · ${num(at("16 KB reads", "openai toReadableStream()")?.ms.median)} ms`,
    anthropic: "n/a",
  }];
  return {
    id: 9,
    headline,
    title: `Worker pass-through: CPU ms per ${TOKENS.toLocaleString("en")}-token answer (in-memory fetch)`,
    goal: `aibadgr toSSE() ≤ ${goal}× raw (a JavaScript parse of every event)`,
    header: ["reads", "variant", "ms/answer", "median ratio", "p25–p75", "goal"],
    rows,
    notes: [
      `${plan.rounds} rounds (+${plan.warmup} warm-up dropped) of 5 answers per variant, interleaved in an order shuffled each round; in its turn a variant ${ctx.settled} and makes one untimed answer, then the timed ones; ms = per answer, from the upstream call to the outgoing stream's last byte read.`,
      `The answer: role, ${TOKENS} one-word content chunks, finish, usage, [DONE] (${feed.events.reduce((n, e) => n + e.length, 0).toLocaleString("en")} B), as figure 2's. Each output is wrapped in a Response (what a Worker returns) and read to the end; its text is checked after the timing.`,
      "byte pipe passes bytes on and knows nothing (no usage, no truncation check, no error event); byte pipe through a stream adds the one stream layer that anything reading the bytes on their way needs (each read enqueued unchanged by a pull source, highWaterMark 0, as toSSE()'s), still parsing nothing; toSSE() tracks usage, the end of the answer and errors, and passes a read on as it came when it holds whole events framed as toSSE() frames them (else each event's own data bytes, re-framed as `data:` lines, never re-encoded as JSON).",
    ],
    checks,
    data,
  };
}
