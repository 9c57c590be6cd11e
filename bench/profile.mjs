#!/usr/bin/env node
// Where the time goes: profiles one variant on one figure's workload with the V8 sampling
// profiler (node:inspector) and prints the top frames by self time, grouped by where they live.
//
//   node bench/profile.mjs [--variant aibadgr] [--what stream|ttft|embed] [--reads event|16384|1|plain] [--events 5000]
//                          [--consume iter|final|text|sse] [--seconds 5] [--top 25] [--out FILE.cpuprofile] [--pkg DIR]
//
// stream: 5000-event in-memory streams (figure 2) in the given read size (--events 8: per-call
// overhead, as in figure 3's in-memory column); --consume (aibadgr variants only): for-await over
// chunks (default), or final() alone, text() or toSSE() read to the end (figure 8); ttft: streamed calls to
// the test server (figure 3); embed: in-memory embeddings (figure 5). --out also writes the raw
// profile (open it in Chrome DevTools → Performance, or speedscope).
import fs from "node:fs";
import path from "node:path";
import inspector from "node:inspector";
import { snapshotPkg } from "./lib/env.mjs";
import { variants, clients } from "./lib/variants.mjs";
import { chatSse, messagesSse, embeddingBodies, chatJson, messagesJson } from "./lib/data.mjs";
import { sseFetch, routerFetch, pathOf } from "./lib/fetch.mjs";
import { startServerProcess } from "./lib/server.mjs";

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

const snap = snapshotPkg(args.pkg ? path.resolve(args.pkg) : undefined);
process.on("exit", () => snap.remove());
const v = variants({ pkgDir: snap.dir }).find((x) => x.name === name);
if (!v) throw new Error(`profile: no variant ${name}`);

let srv = null;
let work;
if (what === "stream") {
  const events = Number(args.events ?? 5000);
  const feed = v.proto === "chat" ? chatSse(events) : messagesSse(Math.max(events, 7));
  const [c] = await clients([v], { fetch: sseFetch(feed.events, reads), base: "http://bench.invalid" });
  work = () => c.stream(c.client);
  if (consume !== "iter") {
    if (!v.ours) throw new Error("profile: --consume is for the aibadgr variants");
    const req = v.proto === "chat" ? { model: "basic", messages: [{ role: "user", content: "hi" }] } : { model: "basic", max_tokens: 256, messages: [{ role: "user", content: "hi" }] };
    const open = () => (v.proto === "chat" ? c.client.chatStream(req) : c.client.messagesStream(req));
    const read = async (it) => { for await (const _ of it); };
    const how = { final: (s) => s.final(), text: (s) => read(s.text()), sse: (s) => read(s.toSSE()) }[consume];
    if (!how) throw new Error("profile: --consume is iter, final, text or sse");
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
  work = () => c.stream(c.client);
} else throw new Error(`profile: --what is stream, ttft or embed`);

for (let i = 0; i < 30; i++) await work(); // warm
const session = new inspector.Session();
session.connect();
const post = (m, p) => new Promise((res, rej) => session.post(m, p, (e, r) => (e ? rej(e) : res(r))));
await post("Profiler.enable");
await post("Profiler.setSamplingInterval", { interval: 100 });
await post("Profiler.start");
const t0 = performance.now();
let n = 0;
while (performance.now() - t0 < seconds * 1000) { await work(); n++; }
const { profile } = await post("Profiler.stop");
session.disconnect();
if (srv) await srv.close();
if (args.out) fs.writeFileSync(args.out, JSON.stringify(profile));

// Self time per frame from samples × time deltas.
const byId = new Map(profile.nodes.map((x) => [x.id, x]));
const self = new Map();
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i];
  self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
}
const total = [...self.values()].reduce((a, b) => a + b, 0);
const frames = new Map();
const groups = new Map();
function groupOf(cf) {
  const u = cf.url ?? "";
  if (u.startsWith("wasm://")) return "wasm (aibadgr's Rust; for ttft also undici's llhttp)";
  if (u.includes("/snippets/")) return "aibadgr glue.js";
  if (/aibadgr-bench-[^/]+\/pkg\//.test(u)) return "aibadgr wasm-bindgen JS";
  if (u.includes("/openai/") || u.includes("/@anthropic-ai/")) return "SDK JS";
  if (u.includes("/bench/")) return "bench (consumer, fetch stub)";
  if (u.startsWith("node:") || u.includes("internal/")) return "Node internals (streams, fetch, TextDecoder)";
  if (cf.functionName === "(garbage collector)") return "GC";
  if (cf.functionName === "(program)" || cf.functionName === "(idle)") return "V8/program/idle";
  if (!u && cf.functionName === "writev") return "native: socket writes";
  return u ? "other JS" : "native (builtins: decode, JSON.parse via callers, …)";
}
for (const [id, us] of self) {
  const cf = byId.get(id).callFrame;
  const key = `${cf.functionName || "(anonymous)"}  ${cf.url ? `${path.basename(cf.url)}:${cf.lineNumber + 1}` : ""}`;
  frames.set(key, (frames.get(key) ?? 0) + us);
  const g = groupOf(cf);
  groups.set(g, (groups.get(g) ?? 0) + us);
}
const pct = (us) => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
console.log(`${name} / ${what}${what === "stream" ? ` ${consume} (${reads === "event" ? "1 event/read" : reads === "plain" ? "plain pull source" : `${reads} B reads`})` : ""}: ${n} iterations in ${seconds} s, ${((seconds * 1e6) / n).toFixed(0)} µs each`);
console.log("\nBy group (self time):");
for (const [g, us] of [...groups].sort((a, b) => b[1] - a[1])) console.log(`${pct(us)}  ${g}`);
console.log(`\nTop ${top} frames (self time):`);
for (const [k, us] of [...frames].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(us)}  ${k}`);
