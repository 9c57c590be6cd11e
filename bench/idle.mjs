#!/usr/bin/env node
// What a pause between calls costs the next call's time to first token, and why (figure 3's
// test-server column pauses 2 ms before each call, as a process waiting on the network does).
// The in-memory streamed calls of figure 3, each after one of these 2 ms pauses:
//   none      no pause (figure 3's in-memory column)
//   sleep     setTimeout(2): the process idles (figure 3's "after 2 ms idle" column)
//   turns     the event loop kept turning (setImmediate) for 2 ms: busy, but no work
//   spin      a synchronous 2 ms loop touching nothing: the CPU never idles
//   thrash    a synchronous 2 ms loop writing over 8 MB: the CPU never idles, its caches go
// If `spin` is as fast as `none` and `thrash` as slow as `sleep`, what idling costs the next
// call is its code and data gone cold, and a client pays it in proportion to what it touches.
//
//   node --expose-gc bench/idle.mjs [--rounds 100] [--pkg DIR]
import path from "node:path";
import { fileURLToPath } from "node:url";
import { variants, clients } from "./lib/variants.mjs";
import { chatSse } from "./lib/data.mjs";
import { sseFetch } from "./lib/fetch.mjs";
import { interleave, summary, diffs, now } from "./lib/stats.mjs";

const argv = process.argv.slice(2);
const opt = (name, def) => { const i = argv.indexOf(`--${name}`); return i >= 0 ? argv[i + 1] : def; };
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const rounds = Number(opt("rounds", 100));
const list = await clients(
  variants({ pkgDir: path.resolve(opt("pkg", path.join(ROOT, "pkg"))) }).filter((v) => v.proto === "chat" && ["raw", "aibadgr", "openai"].includes(v.name)),
  { fetch: sseFetch(chatSse(8).events, "event"), base: "http://bench.invalid" },
);
const want = chatSse(8).text;
const big = new Uint8Array(8 << 20);
const MS = 2;
const pauses = {
  none: async () => {},
  sleep: () => new Promise((r) => setTimeout(r, MS)),
  turns: () => new Promise((r) => { const end = now() + MS; const f = () => (now() >= end ? r() : setImmediate(f)); f(); }),
  spin: async () => { const end = now() + MS; while (now() < end); },
  thrash: async () => { const end = now() + MS; let s = 0; while (now() < end) for (let i = 0; i < big.length; i += 64) s += big[i]++; return s; },
};
// Warm every variant well first (JIT and wasm tier-up), as figure 3's test-server rounds do
// before its in-memory columns.
for (let i = 0; i < 500; i++) for (const v of list) await v.stream(v.client);
console.log(`time to first token (µs, median of ${rounds} rounds, best of 3 calls a turn), in-memory streamed chat; (+N) = over raw`);
for (const [name, pause] of Object.entries(pauses)) {
  const t = await interleave(list, { rounds, warmup: 20 }, async (v) => {
    let best = Infinity;
    for (let k = 0; k < 3; k++) {
      await pause();
      let first = NaN;
      const t0 = now();
      const text = await v.stream(v.client, () => { first = now(); });
      if (text !== want) throw new Error(`idle: ${v.name} gave ${JSON.stringify(text.slice(0, 40))}`);
      best = Math.min(best, (first - t0) * 1000);
    }
    return best;
  });
  console.log(`${name.padEnd(7)} ${list.map((v) => `${v.name} ${summary(t[v.name]).median.toFixed(0)}${v.name === "raw" ? "" : ` (+${summary(diffs(t[v.name], t.raw)).median.toFixed(0)})`}`).join("   ")}`);
}
