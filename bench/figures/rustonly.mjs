// Figure 8: the paths that need no chunk objects. final() alone, text() and toSSE() (read to
// the end) over the same 5000-event in-memory streams as figure 2, against the raw baseline,
// which parses every event in JavaScript. These run in Rust alone, bytes in, result out, so
// they should cost well under a JavaScript parse of every event.
import { chatSse, messagesSse } from "../lib/data.mjs";
import { sseFetch, pathOf } from "../lib/fetch.mjs";
import { interleave, summary, ratios, now, errorText } from "../lib/stats.mjs";
import { num, times, spread, mark } from "../lib/format.mjs";
import { clients } from "../lib/variants.mjs";
import { MODEL, USER, MAX_TOKENS } from "../lib/request.mjs";
import { EVENTS } from "./cpu.mjs";
import { load as loadFloor } from "../floor/floor.mjs";

const gc = globalThis.gc ?? (() => {});
const CHAT = { model: MODEL, messages: USER };
const MSG = { model: MODEL, max_tokens: MAX_TOKENS, messages: USER };

/** Reads a byte stream to the end; returns its chunks (decoded only after the timing). */
async function chunksOf(stream) {
  const out = [];
  for await (const b of stream) out.push(b);
  return out;
}

/** The answer's text in SSE bytes (to check toSSE() kept every piece). */
function textOfSse(chunks, proto) {
  const dec = new TextDecoder();
  const sse = chunks.map((b) => dec.decode(b, { stream: true })).join("") + dec.decode();
  let text = "";
  for (const line of sse.split("\n")) {
    if (!line.startsWith("data: ") || line === "data: [DONE]") continue;
    const ev = JSON.parse(line.slice(6));
    if (proto === "chat") text += ev.choices?.[0]?.delta?.content ?? "";
    else if (ev.type === "content_block_delta" && ev.delta.type === "text_delta") text += ev.delta.text;
  }
  return text;
}

/** The paths measured: `run` is timed, `text` (untimed) gives the answer's text from its result. */
const PATHS = {
  "final()": {
    run: (c, proto) => (proto === "chat" ? c.chatStream(CHAT) : c.messagesStream(MSG)).then((s) => s.final()),
    text: (r, proto) => (proto === "chat" ? r.choices[0].message.content : r.content.map((b) => b.text ?? "").join("")),
  },
  "text()": {
    async run(c, proto) {
      const s = await (proto === "chat" ? c.chatStream(CHAT) : c.messagesStream(MSG));
      let text = "";
      for await (const piece of s.text()) text += piece;
      return text;
    },
    text: (r) => r,
  },
  "toSSE()": {
    run: async (c, proto) => chunksOf((await (proto === "chat" ? c.chatStream(CHAT) : c.messagesStream(MSG))).toSSE()),
    text: textOfSse,
  },
};

export async function run(ctx) {
  const feeds = { chat: chatSse(EVENTS), messages: messagesSse(EVENTS) };
  let current = null;
  const fetch = (input, init) => current[pathOf(input).endsWith("/messages") ? "messages" : "chat"](input, init);
  const base = ctx.variants.filter((v) => ["raw", "aibadgr", "raw-msg", "aibadgr-msg"].includes(v.name));
  const made = await clients(base, { fetch, base: "http://bench.invalid" });
  const floor = await loadFloor();
  const bodyBytes = Object.fromEntries(Object.entries(feeds).map(([k, f]) => [k, f.events.reduce((n, e) => n + e.length, 0)]));
  const list = [];
  for (const v of made) {
    if (!v.ours) {
      list.push({ ...v, label: `${v.name} (parse every event)`, measure: () => v.stream(v.client), text: (r) => r });
      // The floor: the same body read to its end with its reader, nothing parsed.
      const path = v.proto === "chat" ? "/chat/completions" : "/messages";
      // The body's reader, and what a floor that counted the bytes it took gives back.
      const bodyReader = async () => (await v.client.fetch(`${v.client.base}${path}`, { method: "POST", body: "{}" })).body.getReader();
      const tookAll = (n) => (n === bodyBytes[v.proto] ? feeds[v.proto].text : `${n} bytes taken of ${bodyBytes[v.proto]}`);
      list.push({
        ...v, name: `${v.name} floor`, label: "body reads alone (floor)", baseline: v.name,
        async measure() {
          const reader = await bodyReader();
          while (!(await reader.read()).done);
          return feeds[v.proto].text;
        },
        text: (r) => r,
      });
      // The floor of anything that processes the bytes in Rust: the same reads, each handed
      // to the floor crate's take() (wasm-bindgen copies it into wasm memory, as aibadgr's
      // feedBytes gets it); the byte count it gives back checks that every byte went in.
      list.push({
        ...v, name: `${v.name} wasm floor`, label: "body reads handed to wasm (floor for Rust processing)", baseline: v.name,
        async measure() {
          const reader = await bodyReader();
          let n = 0;
          for (let r; !(r = await reader.read()).done; ) n += floor.take(r.value);
          return tookAll(n);
        },
        text: (r) => r,
      });
      // The floor for text()'s for-await: the same reads handed to wasm, each then handed out
      // by an async iterator whose next() is one async function (as text()'s iterator is,
      // glue.js Batches), to a for-await loop: one promise and one result object per read.
      list.push({
        ...v, name: `${v.name} iter floor`, label: "body reads handed to wasm, then out through an async iterator (floor for text()'s for-await)", baseline: v.name,
        async measure() {
          const reader = await bodyReader();
          let n = 0;
          const it = {
            [Symbol.asyncIterator]() { return this; },
            async next() {
              const r = await reader.read();
              if (r.done) return { done: true, value: undefined };
              n += floor.take(r.value);
              return { done: false, value: r.value };
            },
          };
          for await (const _ of it);
          return tookAll(n);
        },
        text: (r) => r,
      });
      // The floor for toSSE() and for text() read as a stream (getReader(), pipeTo()): each
      // body read passed on by a pull source (as theirs is), read to its end, nothing parsed.
      list.push({
        ...v, name: `${v.name} stream floor`, label: "body reads passed on through a stream (floor for a stream out)", baseline: v.name,
        async measure() {
          const reader = await bodyReader();
          const out = new ReadableStream({
            async pull(c) { const r = await reader.read(); if (r.done) c.close(); else c.enqueue(r.value); },
            cancel: (why) => reader.cancel(why),
          }, { highWaterMark: 0 });
          await chunksOf(out);
          return feeds[v.proto].text;
        },
        text: (r) => r,
      });
      continue;
    }
    for (const [p, f] of Object.entries(PATHS)) {
      list.push({ ...v, name: `${v.name} ${p}`, label: `${v.name} ${p}`, measure: () => f.run(v.client, v.proto), text: (r) => f.text(r, v.proto) });
    }
  }
  const plan = ctx.quick ? { rounds: 6, warmup: 2 } : { rounds: 25, warmup: 5 };
  const goal = ctx.goals.rustOnlyRatio;
  const rows = [];
  const checks = [];
  const data = {};
  const wrong = new Map();
  for (const [mode, label] of [["event", "1 event/read"], [16384, "16 KB reads"]]) {
    current = { chat: sseFetch(feeds.chat.events, mode), messages: sseFetch(feeds.messages.events, mode) };
    const t = await interleave(list, plan, async (v) => {
      ctx.settle();
      await v.measure(); // primed: see the note (what ran just before would be timed too)
      const t0 = now();
      const result = await v.measure();
      const ms = now() - t0;
      const text = v.text(result);
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
        label, v.label, num(perEvent.median),
        isBase ? "1 (baseline)" : `${times(r.median)} ${v.baseline}`,
        isBase ? "" : spread(r, "×"),
        v.ours ? mark(r.median <= goal) : "",
      ]);
    }
  }
  for (const v of list) {
    checks.push({ name: `rust-only paths (in-memory, ${EVENTS} events, both read sizes): ${v.name} produced the expected text`, ok: !wrong.has(v.name), detail: wrong.get(v.name) });
  }
  const r = (label, name) => data[label]?.[name]?.ratio.median;
  const headline = Object.keys(PATHS).map((p) => {
    const all = ["1 event/read", "16 KB reads"].flatMap((label) => [r(label, `aibadgr ${p}`), r(label, `aibadgr-msg ${p}`)]);
    return {
      metric: `${p} (no chunk objects), 1 event/read · 16 KB`, goal: `≤ ${goal}× raw`,
      aibadgr: `${times(r("1 event/read", `aibadgr ${p}`))} · ${times(r("16 KB reads", `aibadgr ${p}`))} (msg ${times(r("1 event/read", `aibadgr-msg ${p}`))} · ${times(r("16 KB reads", `aibadgr-msg ${p}`))})`,
      ok: all.every((x) => x <= goal),
      openai: "–", anthropic: "–",
    };
  });
  return {
    id: 8,
    headline,
    title: `Paths without chunk objects: final() alone, text(), toSSE() (in-memory fetch, ${EVENTS} events)`,
    goal: `aibadgr ≤ ${goal}× raw (a JavaScript parse of every event)`,
    header: ["reads", "variant", "µs/event", "median ratio", "p25–p75", "goal"],
    rows,
    notes: [
      `${plan.rounds} rounds (+${plan.warmup} warm-up dropped), variants interleaved in an order shuffled each round; in its turn a variant ${ctx.settled}, reads one untimed stream, then the timed one (so the other variants' code that ran just before is not timed with it); ratio = per-round time ÷ the baseline's time in the same round.`,
      "body reads alone: the same body read to its end with getReader(), nothing parsed; what any consumer of these reads pays before doing anything.",
      "body reads handed to wasm: the same reads, each one's bytes passed to a Rust function (bench/floor's take(), built at opt-level 3) that wasm-bindgen copies them into wasm memory for, by the same passArray8ToWasm0 (malloc + Uint8Array.set) as aibadgr's feedBytes: the floor for anything that processes the bytes in Rust, final() among them.",
      "The order of the rows is shuffled each round (it was rotated by one until 2026-12-02, which kept a row after the same one: the row right after raw's parse, body reads alone then, ran 1.1-3.4 µs/event slower for it; bench/README.md, sixth pass).",
      "body reads handed to wasm, then out through an async iterator: the same reads handed to the floor crate's take(), each then given to a for-await loop by an iterator whose next() is one async function awaiting the read, as text()'s is: the floor for text() read with for await (its iterator reads the batches directly, not through its stream).",
      "body reads passed on through a stream: each read enqueued unchanged by a pull source (highWaterMark 0, as text()'s and toSSE()'s) and read with for await, nothing parsed: the floor for anything that hands back a stream read as a stream, as toSSE() is (and text() through getReader() or pipeTo()).",
      "The same bodies and read modes as figure 2. raw = the raw baseline's for-await over parsed chunks (figure 2's raw row); final() is awaited alone (nothing else reads the stream); text() and toSSE() are read to the end (toSSE() decoded as text, then checked to hold every piece).",
    ],
    checks,
    data,
  };
}
