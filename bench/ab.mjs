#!/usr/bin/env node
// A/B of two builds of the package in one process, interleaved: for a change to the stream
// paths, before it is in a full bench run. Each round reads one 5000-event in-memory stream
// with each build (alternating which goes first) and prints each build's median µs per event
// and the median of the per-round ratio B/A (below 1: B is faster).
//
//   node --expose-gc bench/ab.mjs DIR_A DIR_B [--reads event,plain,16384] [--consume iter|final|text|sse|response]
//                                 [--api chat|messages] [--rounds 30] [--settle warm|gc]
//   node bench/ab.mjs DIR_A DIR_B --what ttft [--api chat|messages] [--rounds 300]
//
// DIR_A/DIR_B: package directories (a copy of pkg/ before and after the change: `cp -r pkg /tmp/a`).
// --reads as in figure 2 (event: one event per pull, highWaterMark 0; plain: a plain pull source;
// a number: reads of that many bytes); --consume as in figure 8 (iter: for await over chunks;
// response: toSSE() in a Response whose body is read, as figure 9's Worker pass-through).
// --what ttft: figure 3's test-server calls instead (the test server in its own process, a 2 ms
// pause before each call, raw's call in the same round): each build's median time to the first
// text, and the median per-round difference B - A in µs (below 0: B is faster).
import path from "node:path";
import { chatSse, messagesSse } from "./lib/data.mjs";
import { sseFetch } from "./lib/fetch.mjs";
import { now } from "./lib/stats.mjs";
import { MODEL, USER, MAX_TOKENS } from "./lib/request.mjs";
import { startServerProcess } from "./lib/server.mjs";
import { variants, clients } from "./lib/variants.mjs";

const argv = process.argv.slice(2);
const dirs = argv.filter((a, i) => !a.startsWith("--") && !(i > 0 && argv[i - 1].startsWith("--")));
const opt = (name, def) => { const i = argv.indexOf(`--${name}`); return i >= 0 ? argv[i + 1] : def; };
if (dirs.length !== 2) {
  console.error("usage: node --expose-gc bench/ab.mjs DIR_A DIR_B [--reads event,plain,16384] [--consume iter|final|text|sse|response] [--api chat|messages]");
  process.exit(2);
}
const EVENTS = 5000;
const api = opt("api", "chat");
const consume = opt("consume", "iter");
const what = opt("what", "stream");
const rounds = Number(opt("rounds", what === "ttft" ? 300 : 30));
const settle = opt("settle", "warm");
if (settle !== "warm" && settle !== "gc") { console.error("ab: --settle is warm or gc"); process.exit(2); }
const warmup = 5;
const reads = opt("reads", "event,plain").split(",").map((m) => (m === "event" || m === "plain" ? m : Number(m)));
const mods = await Promise.all(dirs.map((d) => import(path.resolve(d, "node.js"))));
const feed = api === "chat" ? chatSse(EVENTS) : messagesSse(EVENTS);
const gc = globalThis.gc ?? (() => {});
const dec = new TextDecoder();

/** Reads one stream the chosen way; returns the answer's text (checked against the feed's). */
async function one(client) {
  const s = api === "chat" ? await client.chatStream({ model: MODEL, messages: USER }) : await client.messagesStream({ model: MODEL, max_tokens: MAX_TOKENS, messages: USER });
  let text = "";
  if (consume === "final") {
    const f = await s.final();
    return api === "chat" ? f.choices[0].message.content : f.content.map((b) => b.text ?? "").join("");
  }
  if (consume === "text") { for await (const p of s.text()) text += p; return text; }
  if (consume === "sse") { let n = 0; for await (const b of s.toSSE()) n += dec.decode(b).length; return n > 0 ? feed.text : ""; }
  if (consume === "response") {
    // Figure 9's Worker pass-through: toSSE() handed to a Response, whose body is read.
    const r = new Response(s.toSSE()).body.getReader();
    let n = 0;
    for (let x; !(x = await r.read()).done; ) n += x.value.length;
    return n > 0 ? feed.text : "";
  }
  if (api === "chat") for await (const c of s) { const d = c.choices[0]?.delta?.content; if (d) text += d; }
  else for await (const e of s) if (e.type === "content_block_delta" && e.delta.type === "text_delta") text += e.delta.text;
  return text;
}

const median = (xs) => xs.slice().sort((a, b) => a - b)[xs.length >> 1];
if (what === "ttft") {
  const srv = await startServerProcess();
  try {
    // Figure 3's own calls (bench/lib/variants.mjs): each build's aibadgr variant and raw.
    const name = api === "chat" ? "aibadgr" : "aibadgr-msg";
    const pick = (dir, n) => variants({ pkgDir: path.resolve(dir) }).find((v) => v.name === n);
    const list = await clients([pick(dirs[0], name), pick(dirs[1], name), pick(dirs[0], api === "chat" ? "raw" : "raw-msg")], { base: srv.url });
    const settle = () => new Promise((r) => setTimeout(r, 2));
    const one = async (v) => {
      await settle();
      let first = NaN;
      const t0 = now();
      await v.stream(v.client, () => { first = now(); });
      return (first - t0) * 1000;
    };
    const t = [[], [], []];
    for (let round = 0; round < rounds + 30; round++) {
      const order = [0, 1, 2];
      for (let i = 0; i < round % 3; i++) order.push(order.shift());
      for (const k of order) {
        const us = await one(list[k]);
        if (Number.isNaN(us)) throw new Error(`ab: ${"ABR"[k]} gave no text`);
        if (round >= 30) t[k].push(us);
      }
    }
    const d = median(t[1].map((x, i) => x - t[0][i]));
    console.log(`${api} ttft on the test server: raw ${median(t[2]).toFixed(0)} µs, A ${median(t[0]).toFixed(0)} µs (+${median(t[0].map((x, i) => x - t[2][i])).toFixed(0)}), B ${median(t[1]).toFixed(0)} µs (+${median(t[1].map((x, i) => x - t[2][i])).toFixed(0)}), B - A ${d.toFixed(1)} µs (median of ${rounds} rounds)`);
  } finally {
    await srv.close();
  }
  process.exit(0);
}
for (const mode of reads) {
  const fetch = sseFetch(feed.events, mode);
  const clients = mods.map((m) => new m.AiBadgr({ apiKey: "sk-ab", baseUrl: "http://bench.invalid", fetch, maxRetries: 0 }));
  const t = [[], []];
  for (let round = 0; round < rounds + warmup; round++) {
    for (const k of round % 2 ? [1, 0] : [0, 1]) {
      if (settle === "gc") gc(); // as bench/run.mjs --settle gc (default warm: no forced collection)
      await one(clients[k]); // primed, as figures 2, 8 and 9 are
      const t0 = now();
      const text = await one(clients[k]);
      const ms = now() - t0;
      if (text !== feed.text) throw new Error(`ab: build ${"AB"[k]} gave ${text.length} chars, want ${feed.text.length}`);
      if (round >= warmup) t[k].push(ms);
    }
  }
  const ratio = median(t[1].map((x, i) => x / t[0][i]));
  const us = (k) => ((median(t[k]) * 1000) / EVENTS).toFixed(2);
  console.log(`${api} ${consume}, reads ${mode}: A ${us(0)} µs/event, B ${us(1)} µs/event, B/A ${ratio.toFixed(3)} (median of ${rounds} rounds)`);
}
