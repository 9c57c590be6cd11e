// Figure 3: warm time-to-first-token overhead over raw. The local test server runs in its own
// process on 127.0.0.1; in this process every variant's client is built once and warmed, then
// rounds interleave the variants: time from the call to the first non-empty content delta.
// Overhead = that time minus the baseline's in the same round; median and p25–p75 in µs.
import dc from "node:diagnostics_channel";
import { interleave, summary, diffs, now, errorText } from "../lib/stats.mjs";
import { num, spread, mark } from "../lib/format.mjs";
import { clients } from "../lib/variants.mjs";
import { startServerProcess } from "../lib/server.mjs";
import { chatSse, messagesSse } from "../lib/data.mjs";
import { sseFetch, pathOf } from "../lib/fetch.mjs";

/** Lets the previous call's tail (socket bookkeeping here and in the server) finish first. */
const BURST = 3;
const settle = () => new Promise((resolve) => setTimeout(resolve, 2));
export const REPLY = "Hello! You said: Say something long.";

export async function run(ctx) {
  const srv = await startServerProcess();
  let connects = 0;
  const onConnect = () => { connects++; };
  dc.subscribe("undici:client:connected", onConnect);
  try {
    const list = await clients(ctx.variants, { base: srv.url });
    const plan = ctx.quick ? { rounds: 30, warmup: 5 } : { rounds: 150, warmup: 15 };
    const goal = ctx.goals.ttftUs;
    const wrong = new Map();
    const conns = Object.fromEntries(list.map((v) => [v.name, 0]));
    // Each turn makes BURST calls in a row and keeps the fastest: scheduling noise on a shared
    // machine only ever adds time, so the minimum of a few is the cleanest reading of a turn.
    const t = await interleave(list, plan, async (v) => {
      let best = Infinity;
      for (let k = 0; k < BURST; k++) {
        await settle();
        const c0 = connects;
        let first = NaN;
        const t0 = now();
        const text = await v.stream(v.client, () => { first = now(); });
        conns[v.name] += connects - c0;
        if (text !== REPLY) wrong.set(v.name, `got ${JSON.stringify(text.slice(0, 80))}`);
        best = Math.min(best, (first - t0) * 1000);
      }
      return best;
    }, (v, e) => wrong.set(v.name, errorText(e)));
    // The same calls against an in-memory fetch (a short stream, answered at once): no network
    // and no server, so what is left is each client's own work up to the first token.
    const short = { chat: chatSse(8), messages: messagesSse(10) };
    const memFetch = { chat: sseFetch(short.chat.events, "event"), messages: sseFetch(short.messages.events, "event") };
    const fetch = (input, init) => memFetch[pathOf(input).endsWith("/messages") ? "messages" : "chat"](input, init);
    const memList = await clients(ctx.variants, { fetch, base: "http://bench.invalid" });
    const memPlan = ctx.quick ? { rounds: 30, warmup: 10 } : { rounds: 150, warmup: 30 };
    const m = await interleave(memList, memPlan, async (v) => {
      let best = Infinity;
      for (let k = 0; k < 5; k++) {
        let first = NaN;
        const t0 = now();
        const text = await v.stream(v.client, () => { first = now(); });
        if (text !== short[v.proto].text) wrong.set(v.name, `in-memory: got ${JSON.stringify(text.slice(0, 80))}`);
        best = Math.min(best, (first - t0) * 1000);
      }
      return best;
    }, (v, e) => wrong.set(v.name, `in-memory: ${errorText(e)}`));
    const rows = [];
    const data = {};
    for (const v of list) {
      const abs = summary(t[v.name]);
      const isBase = v.baseline === v.name;
      const d = summary(diffs(t[v.name], t[v.baseline]));
      const mAbs = summary(m[v.name]);
      const md = summary(diffs(m[v.name], m[v.baseline]));
      data[v.name] = { ttftUs: abs, overheadUs: d, connections: conns[v.name], inMemoryTtftUs: mAbs, inMemoryOverheadUs: md };
      rows.push([
        v.name, num(abs.median),
        isBase ? "0 (baseline)" : `${d.median >= 0 ? "+" : ""}${num(d.median)} vs ${v.baseline}`,
        isBase ? "" : spread(d, " µs"),
        num(mAbs.median),
        isBase ? "0 (baseline)" : `${md.median >= 0 ? "+" : ""}${num(md.median)}`,
        v.ours ? mark(d.median <= goal) : "",
      ]);
    }
    const checks = list.map((v) => ({
      name: `stream (test server, ${(plan.rounds + plan.warmup) * BURST} calls): ${v.name} produced the expected text`,
      ok: !wrong.has(v.name), detail: wrong.get(v.name),
    }));
    const reconnecting = list.filter((v) => conns[v.name] > 1).map((v) => `${v.name} ${conns[v.name]}`);
    const o = (n) => data[n]?.overheadUs.median;
    const us = (x) => (Number.isFinite(x) ? `${x >= 0 ? "+" : ""}${num(x)} µs` : "n/a");
    const headline = [{
      metric: "Warm TTFT overhead over raw (test server)", goal: `≤ ${goal} µs`,
      aibadgr: `${us(o("aibadgr"))} (msg ${us(o("aibadgr-msg"))})`, ok: o("aibadgr") <= goal && o("aibadgr-msg") <= goal,
      openai: us(o("openai")), anthropic: us(o("anthropic")),
    }];
    return {
      id: 3,
      headline,
      title: "Warm time to first token, overhead over raw (test server on 127.0.0.1)",
      goal: `aibadgr ≤ ${goal} µs over raw`,
      header: ["variant", "TTFT µs (best of 3)", "median overhead µs", "p25–p75", "in-memory TTFT µs", "in-memory overhead µs", "goal"],
      rows,
      notes: [
        `${plan.rounds} rounds (+${plan.warmup} warm-up dropped), variants interleaved in rotating order; in its turn a variant makes ${BURST} calls and keeps the fastest (noise only adds time); a 2 ms pause before each call; one keep-alive connection pool (Node's global fetch) for all.`,
        "TTFT = from the call (create/chatStream/fetch) to the first non-empty text delta; the rest of the stream is then read (untimed) so the connection returns to the pool.",
        `in-memory: the same calls on an in-memory fetch answering at once with a short stream (best of 5 per turn, ${memPlan.rounds} rounds): each client's own work before the first token, without network noise. The goal is judged on the test-server column.`,
        reconnecting.length ? `New connections opened during calls: ${reconnecting.join(", ")} (a reconnect costs the call that makes it).` : "No variant opened extra connections (keep-alive reused throughout).",
      ],
      checks,
      data,
    };
  } finally {
    dc.unsubscribe("undici:client:connected", onConnect);
    await srv.close();
  }
}
