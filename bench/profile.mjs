#!/usr/bin/env node
// Where the time goes: profiles one variant on one figure's workload with the V8 sampling
// profiler (node:inspector) and prints self time per iteration, grouped by where it lives
// (aibadgr's Rust, the boundary between wasm and JavaScript, JSON.parse, web streams, fetch,
// GC), then the top frames.
//
//   node bench/profile.mjs [--variant aibadgr] [--what stream|ttft|embed] [--reads event|16384|1|plain] [--events 5000]
//                          [--consume iter|final|text|sse|response] [--first] [--names] [--no-inline PATTERN] [--crossings]
//                          [--inclusive [REGEX]] [--primed] [--seconds 5] [--top 25]
//                          [--out FILE.cpuprofile] [--pkg DIR]
//
// stream: 5000-event in-memory streams (figure 2) in the given read size (--events 8: per-call
// overhead, as in figure 3's in-memory column; plain: a plain pull-source body, one event per
// pull); --consume (aibadgr variants only): for-await over chunks (default), or final() alone,
// text() or toSSE() read to the end (figure 8), or toSSE() in a Response read to the end (response: figure 9); ttft: streamed calls to the test server (figure
// 3); embed: in-memory embeddings (figure 5). --first keeps only the samples from each call to its
// first token (stream, ttft): what time to first token is made of. --names profiles a copy of the
// package whose .wasm keeps its function names (bench/lib/names.mjs; the shipped one has none, so
// its frames are `wasm-function[N]`); --no-inline '*embed*' (implies --names) also keeps the
// functions whose names match out of wasm-opt's inlining, which folds a function with one caller
// into it (the whole call path shows as one async closure otherwise). --inclusive adds each
// matching frame's total time with its callees (default: aibadgr's Rust). --crossings counts the calls from Rust into JavaScript
// (every wasm-bindgen import) per iteration and, for streams, up to the first token, instead of
// profiling. --primed runs each iteration as figures 2, 8 and 9 timed theirs before the ninth
// pass (bench/run.mjs --settle gc: gc(), one untimed run, then the timed one; needs node --expose-gc) and keeps only the timed run's samples. --out also writes the raw profile (Chrome DevTools → Performance, or speedscope).
import fs from "node:fs";
import path from "node:path";
import inspector from "node:inspector";
import { snapshotPkg } from "./lib/env.mjs";
import { variants, clients } from "./lib/variants.mjs";
import { chatSse, messagesSse, embeddingBodies, chatJson, messagesJson } from "./lib/data.mjs";
import { sseFetch, routerFetch } from "./lib/fetch.mjs";
import { startServerProcess } from "./lib/server.mjs";
import { namedCopy, countingCopy } from "./lib/names.mjs";

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => {
  if (a.startsWith("--")) acc.push([a.slice(2), all[i + 1] && !all[i + 1].startsWith("--") ? all[i + 1] : "1"]);
  return acc;
}, []));
const name = args.variant ?? "aibadgr";
const what = args.what ?? "stream";
const reads = args.reads === undefined || args.reads === "event" ? "event" : args.reads === "plain" ? "plain" : Number(args.reads);
const consume = args.consume ?? "iter";
const seconds = Number(args.seconds ?? 5);
const top = Number(args.top ?? 25);
const first = args.first !== undefined;
const primed = args.primed !== undefined;
if (primed && (first || typeof globalThis.gc !== "function")) throw new Error("profile: --primed needs node --expose-gc, and not --first");
if (first && what === "embed") throw new Error("profile: --first is for stream and ttft");

const snap = snapshotPkg(args.pkg ? path.resolve(args.pkg) : undefined);
const crossings = args.crossings !== undefined;
const named = crossings ? countingCopy(snap.dir) : args.names !== undefined || args["no-inline"] !== undefined ? namedCopy(snap.dir, args["no-inline"]) : null;
process.on("exit", () => { named?.remove(); snap.remove(); });
const pkgDir = named?.dir ?? snap.dir;
const v = variants({ pkgDir }).find((x) => x.name === name);
if (!v) throw new Error(`profile: no variant ${name}`);

// The profiler's clock (µs, monotonic) for --first windows.
const clock = () => Number(process.hrtime.bigint() / 1000n);
const windows = [];
let srv = null;
let work;
const streamed = (c) => Object.assign(() => {
  const t0 = clock();
  return c.stream(c.client, () => windows.push([t0, clock()]));
}, { first: (onFirst) => c.stream(c.client, onFirst) });
if (what === "stream") {
  const events = Number(args.events ?? 5000);
  const feed = v.proto === "chat" ? chatSse(events) : messagesSse(Math.max(events, 7));
  const [c] = await clients([v], { fetch: sseFetch(feed.events, reads), base: "http://bench.invalid" });
  work = streamed(c);
  if (consume !== "iter") {
    if (!v.ours) throw new Error("profile: --consume is for the aibadgr variants");
    const req = v.proto === "chat" ? { model: "basic", messages: [{ role: "user", content: "hi" }] } : { model: "basic", max_tokens: 256, messages: [{ role: "user", content: "hi" }] };
    const open = () => (v.proto === "chat" ? c.client.chatStream(req) : c.client.messagesStream(req));
    const read = async (it) => { for await (const _ of it); };
    // response: figure 9's Worker pass-through, toSSE() in a Response whose body is read.
    const body = async (b) => { const r = b.getReader(); while (!(await r.read()).done); };
    const how = { final: (s) => s.final(), text: (s) => read(s.text()), sse: (s) => read(s.toSSE()), response: (s) => body(new Response(s.toSSE()).body) }[consume];
    if (!how) throw new Error("profile: --consume is iter, final, text, sse or response");
    work = async () => how(await open());
  }
} else if (what === "embed") {
  if (!v.embed) throw new Error(`profile: ${name} has no embeddings`);
  const e = embeddingBodies();
  const fetch = routerFetch({ embedFloat: e.float, embedBase64: e.base64, chatJson: chatJson(), messagesJson: messagesJson(), chatSse: [], messagesSse: [] });
  const [c] = await clients([v], { fetch, base: "http://bench.invalid" });
  work = () => c.embed(c.client);
} else if (what === "ttft") {
  srv = await startServerProcess();
  const [c] = await clients([v], { base: srv.url });
  work = streamed(c);
} else throw new Error(`profile: --what is stream, ttft or embed`);

// Warm up until the engine has optimized the hot code (wasm is tiered up after many calls).
for (let i = 0, t = performance.now(); i < 30 || performance.now() - t < 1000; i++) await work();
windows.length = 0;
if (crossings) {
  const counts = globalThis.__aibadgrCrossings;
  if (!counts) throw new Error(`profile --crossings: ${name} does not load aibadgr's .wasm`);
  const N = 200;
  let early = null;
  counts.clear();
  for (let i = 0; i < N; i++) {
    if (i === 0 && work.first) await work.first(() => { early = new Map(counts); });
    else await work();
  }
  await new Promise((r) => setTimeout(r, 20)); // what the calls left for later (drains, logs)
  const sum = (m) => [...m.values()].reduce((a, b) => a + b, 0);
  const show = (m, div) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top).forEach(([k, c]) => console.log(`${(c / div).toFixed(1).padStart(8)}  ${k}`));
  console.log(`${name} / ${what}: calls from Rust into JavaScript (wasm-bindgen imports), ${N} iterations`);
  if (early) { console.log(`\nUp to the first token of one call: ${sum(early)}`); show(early, 1); }
  console.log(`\nPer iteration: ${(sum(counts) / N).toFixed(1)}`);
  show(counts, N);
  process.exit(0);
}
const session = new inspector.Session();
session.connect();
const post = (m, p) => new Promise((res, rej) => session.post(m, p, (e, r) => (e ? rej(e) : res(r))));
await post("Profiler.enable");
await post("Profiler.setSamplingInterval", { interval: 100 });
await post("Profiler.start");
const t0 = performance.now();
let n = 0;
while (performance.now() - t0 < seconds * 1000) {
  if (primed) { gc(); await work(); }
  const start = clock();
  await work();
  if (primed) windows.push([start, clock()]);
  n++;
}
const { profile } = await post("Profiler.stop");
session.disconnect();
if (srv) await srv.close();
if (args.out) fs.writeFileSync(args.out, JSON.stringify(profile));

// Self time per node from samples × time deltas (only inside the windows with --first).
const byId = new Map(profile.nodes.map((x) => [x.id, x]));
const parent = new Map();
for (const x of profile.nodes) for (const c of x.children ?? []) parent.set(c, x.id);
const self = new Map();
let at = profile.startTime;
let w = 0;
for (let i = 0; i < profile.samples.length; i++) {
  at += profile.timeDeltas[i] ?? 0;
  const dt = profile.timeDeltas[i + 1] ?? 0;
  if (first || primed) {
    while (w < windows.length && windows[w][1] < at) w++;
    if (!(w < windows.length && windows[w][0] <= at)) continue;
  }
  self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + dt);
}
const total = [...self.values()].reduce((a, b) => a + b, 0);

// What each wasm-bindgen import in the package's aibadgr.js does, by line: JSON, copies, other.
const glueLines = fs.readFileSync(path.join(pkgDir, "aibadgr.js"), "utf8").split("\n");
const COPIES = /^(getStringFromWasm0|passStringToWasm0|decodeText|getArray\w+FromWasm0|get\w+Memory0|getDataViewMemory0)$/;
const CALLS = /^(makeMutClosure|real|handleError|addToExternrefTable0|takeFromExternrefTable0|__wrap|_wbg_cb_unref|isLikeNone|__destroy_into_raw)$|closures|externref|__wbindgen_/;
function bindgenGroup(cf) {
  const fn = cf.functionName;
  if (COPIES.test(fn)) return "boundary: string and byte copies (wasm-bindgen JS)";
  if (CALLS.test(fn)) return "boundary: calls, closures, caught errors (wasm-bindgen JS)";
  const body = glueLines.slice(cf.lineNumber, cf.lineNumber + 3).join(" ");
  if (/JSON\.(parse|stringify)/.test(body)) return "JSON.parse / JSON.stringify (called from Rust)";
  if (/getStringFromWasm0|getArray\w+FromWasm0|passStringToWasm0/.test(body)) return "boundary: string and byte copies (wasm-bindgen JS)";
  return "boundary: other imports (wasm-bindgen JS)";
}
/** The nearest ancestor frame that is JavaScript with a URL. */
function jsCaller(id) {
  for (let x = parent.get(id); x !== undefined; x = parent.get(x)) {
    const u = byId.get(x).callFrame.url ?? "";
    if (u && !u.startsWith("wasm://")) return u;
  }
  return "";
}
function groupOf(id) {
  const cf = byId.get(id).callFrame;
  const u = cf.url ?? "";
  const fn = cf.functionName;
  if (u.startsWith("wasm://") || /^(js-to-wasm|wasm-to-js)/.test(fn)) {
    if (/undici/.test(jsCaller(id))) return "Node: fetch and HTTP (undici, its llhttp wasm)";
    return /^(js-to-wasm|wasm-to-js)/.test(fn) ? "boundary: calls, closures, caught errors (wasm-bindgen JS)" : "wasm: aibadgr's Rust";
  }
  if (u.includes("/snippets/")) return "aibadgr glue.js";
  if (/aibadgr-(bench|named)-[^/]+\/pkg\//.test(u)) return u.endsWith("/aibadgr.js") ? bindgenGroup(cf) : "aibadgr loader JS";
  if (u.includes("/openai/") || u.includes("/@anthropic-ai/")) return "SDK JS";
  if (u.includes("/bench/")) return "bench: consumer loop, raw baseline, fetch stub";
  if (/webstreams|readablestream|queuingstrategies|transformstream/.test(u) || /^(ReadableStream|readableStream|setupReadableStream|createReadableStream|makeTransferable)/.test(fn)) return "Node: web streams (ReadableStream)";
  if (/undici|fetch/.test(u)) return "Node: fetch and HTTP (undici, its llhttp wasm)";
  if (/encoding/.test(u) || fn === "decodeUTF8") return "Node: TextDecoder";
  if (u.startsWith("node:") || u.includes("internal/")) return "Node: other (timers, AbortController, microtasks)";
  if (fn === "(garbage collector)") return "GC";
  if (fn === "(program)" || fn === "(idle)") return "V8: program, idle";
  if (!u && fn === "writev") return "native: socket writes";
  return u ? "other JS" : "native builtins";
}
const frames = new Map();
const groups = new Map();
for (const [id, us] of self) {
  const cf = byId.get(id).callFrame;
  const key = `${cf.functionName || "(anonymous)"}  ${cf.url ? `${path.basename(cf.url)}:${cf.lineNumber + 1}` : ""}`;
  frames.set(key, (frames.get(key) ?? 0) + us);
  const g = groupOf(id);
  groups.set(g, (groups.get(g) ?? 0) + us);
}
const calls = first ? windows.length : n;
const per = (us) => `${(us / calls).toFixed(1).padStart(8)} µs ${((100 * us) / total).toFixed(1).padStart(5)}%`;
const readsName = reads === "event" ? "1 event/read" : reads === "plain" ? "plain pull source" : `${reads} B reads`;
const head = `${name} / ${what}${what === "stream" ? ` ${consume} (${readsName}, ${args.events ?? 5000} events)` : ""}${named ? ", named .wasm" : ""}`;
console.log(`${head}: ${n} iterations in ${seconds} s, ${((seconds * 1e6) / n).toFixed(0)} µs each${first ? `; up to the first token: ${(total / calls).toFixed(1)} µs of samples per call` : ""}${primed ? ` (each after gc() and an untimed one); ${(total / calls).toFixed(0)} µs of samples per timed iteration` : ""}`);
console.log(`\nBy group (self time per ${first ? "call, up to its first token" : "iteration"}):`);
for (const [g, us] of [...groups].sort((a, b) => b[1] - a[1])) console.log(`${per(us)}  ${g}`);
console.log(`\nTop ${top} frames (self time):`);
for (const [k, us] of [...frames].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${per(us)}  ${k}`);

// --inclusive PATTERN: total time (self + callees) of each frame whose name matches, counted once
// per sample however deep it recurses. With --no-inline, Rust's call tree: what one step costs.
if (args.inclusive !== undefined) {
  const pat = new RegExp(args.inclusive === "1" ? "aibadgr::" : args.inclusive);
  const clean = (s) => s.replace(/\[[0-9a-f]{16}\]/g, "");
  const incl = new Map();
  for (const [id, us] of self) {
    const seen = new Set();
    for (let x = id; x !== undefined; x = parent.get(x)) {
      const cf = byId.get(x).callFrame;
      const key = `${clean(cf.functionName || "(anonymous)")}  ${cf.url && !cf.url.startsWith("wasm://") ? `${path.basename(cf.url)}:${cf.lineNumber + 1}` : ""}`;
      if (seen.has(key) || !pat.test(key)) continue;
      seen.add(key);
      incl.set(key, (incl.get(key) ?? 0) + us);
    }
  }
  console.log(`\nInclusive time of the frames matching ${pat}:`);
  for (const [k, us] of [...incl].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${per(us)}  ${k}`);
}
