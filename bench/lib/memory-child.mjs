// One memory run (figure 6), in its own process started with --expose-gc: builds one variant's
// client on an in-memory fetch, warms it, then measures (after full GCs) the JS heap and the
// .wasm memory (aibadgr; RSS for the others) before, after N requests (a mix of plain calls,
// short streams and embeddings) and after one stream of M events. Prints one JSON line.
// Usage: node --expose-gc bench/lib/memory-child.mjs <variant> <pkg dir> <requests> <events>
import path from "node:path";
import fs from "node:fs";
import { pathToFileURL } from "node:url";
import { variants } from "./variants.mjs";
import { chatJson, messagesJson, chatSse, messagesSse, embeddingBodies, chatSseParts } from "./data.mjs";
import { routerFetch, cyclingStream, respond, pathOf } from "./fetch.mjs";

const [name, pkgDir, requests, events] = process.argv.slice(2);
const N = Number(requests);
const M = Number(events);
const v = variants({ pkgDir }).find((x) => x.name === name);
if (!v) throw new Error(`memory-child: no variant ${name}`);

const emb = embeddingBodies();
const chat = chatSse(12);
const msg = messagesSse(14);
const routes = routerFetch({
  chatJson: chatJson(), messagesJson: messagesJson(), chatSse: chat.events, messagesSse: msg.events,
  embedFloat: emb.float, embedBase64: emb.base64,
});
let long = null; // when set, the next streamed request gets the long stream
const fetch = (input, init) => {
  if (long && pathOf(input).endsWith(long.path)) {
    const body = cyclingStream(long.parts, long.count);
    long = null;
    return Promise.resolve(respond(body, "text/event-stream; charset=utf-8"));
  }
  return routes(input, init);
};
const client = v.make(await v.load(), { fetch, base: "http://bench.invalid" });

// aibadgr: wasm-bindgen's initSync returns the already-initialized instance's exports.
let wasmMemory = null;
if (name.startsWith("aibadgr")) {
  const glue = await import(pathToFileURL(path.join(pkgDir, "aibadgr.js")).href);
  wasmMemory = glue.initSync({ module: fs.readFileSync(path.join(pkgDir, "aibadgr_bg.wasm")) })?.memory ?? null;
}

// Full GCs with pauses between them, so FinalizationRegistry callbacks (which free wasm-side
// objects) get to run before the reading.
async function measure() {
  for (let i = 0; i < 4; i++) {
    globalThis.gc();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const m = process.memoryUsage();
  return { heap: m.heapUsed, external: m.external + m.arrayBuffers, rss: m.rss, wasm: wasmMemory ? wasmMemory.buffer.byteLength : null };
}

const expected = v.proto === "chat" ? chat.text : msg.text;
let bad = null;
async function traffic(n) {
  for (let i = 0; i < n; i++) {
    const k = i % 3;
    if (k === 0) await v.call(client);
    else if (k === 1 || !v.embed) {
      const t = await v.stream(client);
      if (t !== expected) bad = `stream text ${JSON.stringify(t.slice(0, 40))}`;
    } else await v.embed(client);
  }
}

// The long stream: its head, `events` content events cycled from 1000 prepared ones, its tail.
function longParts() {
  if (v.proto === "chat") return chatSseParts();
  const e = messagesSse(1006).events; // start, block start, ping, 1000 deltas, block stop, delta, stop
  const head = new Uint8Array(e.slice(0, 3).reduce((n, x) => n + x.length, 0));
  let at = 0;
  for (const x of e.slice(0, 3)) { head.set(x, at); at += x.length; }
  return { first: head, content: e.slice(3, 1003), tail: e.slice(1003) };
}
const parts = longParts();
const pieceLength = parts.content.map((e) => {
  const ev = JSON.parse(new TextDecoder().decode(e).split("data: ")[1]);
  return v.proto === "chat" ? ev.choices[0].delta.content.length : ev.delta.text.length;
});
/** Streams `count` events; records a problem unless all their text arrived. */
async function longStream(count) {
  long = { path: v.proto === "chat" ? "/chat/completions" : "/messages", parts, count };
  const got = (await v.stream(client)).length;
  let want = 0;
  for (let i = 0; i < count; i++) want += pieceLength[i % pieceLength.length];
  if (got !== want) bad = `long stream: ${got} chars, want ${want}`;
  return got;
}

await traffic(300); // warm: caches, JIT code, pools
await longStream(10_000);
const before = await measure();
await traffic(N);
const afterRequests = await measure();
const chars = await longStream(M);
const afterStream = await measure();
process.stdout.write(`${JSON.stringify({ before, afterRequests, afterStream, chars, bad })}\n`);
