// Figure 2: CPU per streamed event. An in-memory fetch answers with a prepared SSE body of 5000
// events (chat chunks; Anthropic events for the -msg variants and anthropic); each variant
// consumes the whole stream the idiomatic way. Read with one event per read, in 16 KB reads, and
// from a plain pull-source stream (default queuing strategy, one event per pull). Time per event and its ratio to the raw baseline of the same round.
import { chatSse, messagesSse } from "../lib/data.mjs";
import { sseFetch, pathOf } from "../lib/fetch.mjs";
import { interleave, summary, ratios, now, errorText } from "../lib/stats.mjs";
import { num, times, spread, mark } from "../lib/format.mjs";
import { clients } from "../lib/variants.mjs";

export const EVENTS = 5000;
/** Read modes: the body stream kind, and its row label. */
const MODES = [["event", "1 event/read"], [16384, "16 KB reads"], ["plain", "plain pull source"]];
const gc = globalThis.gc ?? (() => {});

export async function run(ctx) {
  const feeds = { chat: chatSse(EVENTS), messages: messagesSse(EVENTS) };
  let current = null;
  const fetch = (input, init) => current[pathOf(input).endsWith("/messages") ? "messages" : "chat"](input, init);
  const list = await clients(ctx.variants, { fetch, base: "http://bench.invalid" });
  const plan = ctx.quick ? { rounds: 6, warmup: 2 } : { rounds: 25, warmup: 5 };
  const goal = ctx.goals.cpuRatio;
  const rows = [];
  const checks = [];
  const data = {};
  const wrong = new Map();
  for (const [mode, label] of MODES) {
    current = { chat: sseFetch(feeds.chat.events, mode), messages: sseFetch(feeds.messages.events, mode) };
    const t = await interleave(list, plan, async (v) => {
      ctx.settle();
      await v.stream(v.client); // primed, as figure 8's (see the note)
      const t0 = now();
      const text = await v.stream(v.client);
      const ms = now() - t0;
      if (text !== feeds[v.proto].text) wrong.set(v.name, `${label}: got ${text.length} chars, want ${feeds[v.proto].text.length}`);
      return ms;
    }, (v, e) => wrong.set(v.name, `${label}: ${errorText(e)}`));
    data[label] = {};
    for (const v of list) {
      const perEvent = summary(t[v.name].map((ms) => (ms * 1000) / EVENTS));
      const isBase = v.baseline === v.name;
      const r = summary(ratios(t[v.name], t[v.baseline]));
      data[label][v.name] = { usPerEvent: perEvent, ratio: r };
      rows.push([
        label, v.name, num(perEvent.median),
        isBase ? "1 (baseline)" : `${times(r.median)} ${v.baseline}`,
        isBase ? "" : spread(r, "×"),
        v.ours ? mark(r.median <= goal) : "",
      ]);
    }
  }
  for (const v of list) {
    checks.push({ name: `stream (in-memory, ${EVENTS} events, every read mode): ${v.name} produced the expected text`, ok: !wrong.has(v.name), detail: wrong.get(v.name) });
  }
  const head = (label, name) => data[label]?.[name]?.ratio.median;
  const headline = MODES.map(([, label]) => label).map((label) => ({
    metric: `CPU per streamed event, ${label}`, goal: `≤ ${goal}× raw`,
    aibadgr: `${times(head(label, "aibadgr"))} (msg ${times(head(label, "aibadgr-msg"))})`,
    ok: head(label, "aibadgr") <= goal && head(label, "aibadgr-msg") <= goal,
    openai: times(head(label, "openai")), anthropic: times(head(label, "anthropic")),
  }));
  return {
    id: 2,
    headline,
    title: `CPU per streamed event (in-memory fetch, ${EVENTS} events)`,
    goal: `aibadgr ≤ ${goal}× raw per event`,
    header: ["reads", "variant", "µs/event", "median ratio", "p25–p75", "goal"],
    rows,
    notes: [
      `${plan.rounds} rounds (+${plan.warmup} warm-up dropped), variants interleaved in an order shuffled each round; in its turn a variant ${ctx.settled}, reads one untimed stream, then the timed one (so the other variants' code that ran just before is not timed with it); ratio = per-round time ÷ the baseline's time in the same round.`,
      "1 event/read: a ReadableStream with highWaterMark 0 that enqueues one event per pull; plain pull source: the same with the default queuing strategy (it pulls one event ahead), as an app or a test double writes it; 16 KB: the whole body in 16 KB reads.",
      `Chat chunks are ${(feeds.chat.events.reduce((n, e) => n + e.length, 0) / EVENTS).toFixed(0)} B/event on average; Anthropic events ${(feeds.messages.events.reduce((n, e) => n + e.length, 0) / EVENTS).toFixed(0)} B/event (the -msg rows and anthropic compare to raw-msg).`,
    ],
    checks,
    data,
  };
}
