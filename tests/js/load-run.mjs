// Load run (child process of load.test.mjs, started with --expose-gc): 500 concurrent streams,
// then 10 000 sequential chat requests, against the server URL in argv[2]. Prints one JSON line
// with the outcome and the memory figures (JS heap after gc, wasm linear memory).
import { getEventListeners } from "node:events";
import { AiBadgr } from "../../pkg/node.js";
import { initSync } from "../../pkg/aibadgr.js";

const url = process.argv[2];
const CONCURRENT = Number(process.argv[3] ?? 500);
const SEQUENTIAL = Number(process.argv[4] ?? 10_000);
if (typeof globalThis.gc !== "function") throw new Error("run with --expose-gc");
const wasm = initSync(); // the package already initialized it: this returns its exports
const client = new AiBadgr({ apiKey: "sk-load-test", baseUrl: url });
const HI = [{ role: "user", content: "Hi" }];
const tick = () => new Promise((r) => setTimeout(r, 10));

async function mem() {
  for (let i = 0; i < 6; i++) {
    globalThis.gc();
    await tick(); // lets FinalizationRegistry callbacks (wasm-bindgen objects) run
  }
  const m = process.memoryUsage();
  return { heapUsed: m.heapUsed, wasm: wasm.memory.buffer.byteLength, rss: m.rss, external: m.external };
}

async function streamOne(i, signal) {
  const reply = `stream ${i} says hello to everyone`;
  const s = await client.chatStream({ messages: HI, _test: { reply } }, { signal });
  let text;
  if (i % 3 === 0) {
    text = "";
    for await (const c of s) text += c.choices[0]?.delta?.content ?? "";
  } else if (i % 3 === 1) {
    text = "";
    for await (const t of s.text()) text += t;
  } else {
    text = (await s.final()).choices[0].message.content;
  }
  return text === reply;
}

// Warm-up: JIT, connection pool, wasm allocator high-water marks.
for (let i = 0; i < 300; i++) await client.chat({ messages: HI, _test: { reply: `w${i}` } });
await Promise.all(Array.from({ length: 50 }, (_, i) => streamOne(i)));
const m0 = await mem();

const ac = new AbortController();
let t = Date.now();
const results = await Promise.all(Array.from({ length: CONCURRENT }, (_, i) => streamOne(i, ac.signal).catch((e) => `${e.kind}: ${e.message}`)));
const concurrent = { n: CONCURRENT, ok: results.filter((r) => r === true).length, ms: Date.now() - t, firstFailure: results.find((r) => r !== true) };
const listenersAfterStreams = getEventListeners(ac.signal, "abort").length;
const m1 = await mem();

t = Date.now();
let ok = 0;
let firstFailure;
let maxListeners = 0;
for (let i = 0; i < SEQUENTIAL; i++) {
  try {
    const r = await client.chat({ messages: HI, _test: { reply: `r${i}` } }, { signal: ac.signal });
    if (r.choices[0].message.content === `r${i}`) ok++;
    else firstFailure ??= `content ${JSON.stringify(r.choices[0].message.content)} for ${i}`;
  } catch (e) {
    firstFailure ??= `${e.kind}: ${e.message}`;
  }
  if (i % 1000 === 0) maxListeners = Math.max(maxListeners, getEventListeners(ac.signal, "abort").length);
}
const sequential = { n: SEQUENTIAL, ok, ms: Date.now() - t, firstFailure };
const listenersAfterSequential = getEventListeners(ac.signal, "abort").length;
const m2 = await mem();

const MB = (b) => Math.round((b / 1048576) * 100) / 100;
console.log(JSON.stringify({
  concurrent,
  sequential,
  listeners: { afterStreams: listenersAfterStreams, afterSequential: listenersAfterSequential, maxDuringSequential: maxListeners },
  heapMB: { start: MB(m0.heapUsed), afterConcurrent: MB(m1.heapUsed), end: MB(m2.heapUsed) },
  wasmMB: { start: MB(m0.wasm), afterConcurrent: MB(m1.wasm), end: MB(m2.wasm) },
  rssMB: { start: MB(m0.rss), afterConcurrent: MB(m1.rss), end: MB(m2.rss) },
  raw: { m0, m1, m2 },
}));
