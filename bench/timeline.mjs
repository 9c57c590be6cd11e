#!/usr/bin/env node
// Where a streamed call's time to first token goes, phase by phase, on the test server as
// figure 3 calls it (the server in its own process, a 2 ms pause before each call, one keep-alive
// pool): for raw, for the floor crate (wasm-floor: bench/floor, a Rust crate that calls fetch
// itself and does nothing else) and for aibadgr, the median time from the call to each mark,
// and the median time each phase took (a mark minus the one before, per call). The calls are
// figure 3's own (bench/lib/variants.mjs); the marks come from a fetch wrapper, the response
// body's reader and a wrapper around the floor's and aibadgr's methods, so the package is
// measured as shipped.
//
//   node bench/timeline.mjs [--api chat|messages] [--calls 500] [--pkg DIR] [--no-pause]
//
// Marks: `returned` chatStream()/messagesStream() gave its promise back (the floor and aibadgr:
// aibadgr's checks and the request's JSON); `fetch called` / `fetch returned` (fetch's own
// synchronous work); `headers` fetch resolved; `reader` the body's getReader(); `first bytes`
// the first body read resolved; `opened` the stream the call resolves to (the floor and aibadgr:
// raw's iterator is made before anything is read, so raw goes from its first bytes to its first
// text); `first text` the first text delta. The pause makes every call start cold, as on the
// test server in figure 3; --no-pause runs the calls back to back instead. Columns: each mark
// and phase, what the phase takes beyond raw's ("extra"), and aibadgr's beyond the floor's.
import path from "node:path";
import { snapshotPkg } from "./lib/env.mjs";
import { startServerProcess } from "./lib/server.mjs";
import { variants, clients, floorVariants } from "./lib/variants.mjs";
import { buildFloor } from "./floor/build.mjs";
import { now } from "./lib/stats.mjs";

const argv = process.argv.slice(2);
const opt = (name, def) => { const i = argv.indexOf(`--${name}`); return i >= 0 ? argv[i + 1] : def; };
const api = opt("api", "chat");
const calls = Number(opt("calls", 500));
const pause = !argv.includes("--no-pause");
const snap = snapshotPkg(opt("pkg") ? path.resolve(opt("pkg")) : undefined);
process.on("exit", () => snap.remove());

let marks = {};
const real = globalThis.fetch;
// Marks fetch and the body's first read, for whichever client calls it.
const marking = (input, init) => {
  marks.fetchCalled = now();
  const p = real(input, init);
  marks.fetchReturned = now();
  return p.then((res) => {
    marks.headers = now();
    const body = res.body;
    const getReader = body.getReader.bind(body);
    body.getReader = (...a) => {
      marks.reader ??= now();
      const reader = getReader(...a);
      const read = reader.read.bind(reader);
      reader.read = () => read().then((r) => { marks.firstBytes ??= now(); return r; });
      return reader;
    };
    return res;
  });
};

buildFloor();
const srv = await startServerProcess();
// Figure 3's own calls (bench/lib/variants.mjs) on the marking fetch: raw, the floor crate's
// (wasm-floor) and aibadgr's. The floor's and aibadgr's methods are wrapped to mark when they
// returned and when their promise settled (the stream opened); raw's iterator is lazy (made
// before anything is read), so it goes from its first bytes to its text.
const names = api === "chat" ? ["raw", "wasm-floor", "aibadgr"] : ["raw-msg", "wasm-floor-msg", "aibadgr-msg"];
const all = [...variants({ pkgDir: snap.dir }), ...floorVariants()];
const list = await clients(names.map((n) => all.find((v) => v.name === n)), { base: srv.url, fetch: marking });
const marked = (call) => (...args) => {
  const p = call(...args);
  marks.returned = now();
  p.then(() => { marks.opened = now(); }, () => {});
  return p;
};
const ours = list.find((v) => v.ours).client;
for (const method of ["chatStream", "messagesStream"]) ours[method] = marked(ours[method].bind(ours));
const floor = list[1].client;
floor.f = { chatStream: marked(floor.f.chatStream), messagesStream: marked(floor.f.messagesStream) };
const ORDER = ["returned", "fetchCalled", "fetchReturned", "headers", "reader", "firstBytes", "opened", "firstText"];
const LABEL = { returned: "returned", fetchCalled: "fetch called", fetchReturned: "fetch returned", headers: "headers", reader: "reader", firstBytes: "first bytes", opened: "opened", firstText: "first text" };
const COLS = ["raw", "wasm-floor", "aibadgr"];
const rows = Object.fromEntries(COLS.map((c) => [c, []]));
const settle = () => new Promise((r) => (pause ? setTimeout(r, 2) : setImmediate(r)));
try {
  for (let i = 0; i < calls + 50; i++) {
    for (let j = 0; j < list.length; j++) {
      const k = (i + j) % list.length; // rotated each round
      const v = list[k];
      const name = COLS[k];
      await settle();
      marks = {};
      const t0 = now();
      await v.stream(v.client, () => { marks.firstText = now(); });
      if (marks.firstText === undefined) throw new Error(`timeline: ${name} gave no text`);
      if (i >= 50) rows[name].push(Object.fromEntries(Object.entries(marks).map(([k, v]) => [k, (v - t0) * 1000])));
    }
  }
} finally {
  await srv.close();
}
const median = (xs) => xs.slice().sort((a, b) => a - b)[xs.length >> 1];
console.log(`${api} on the test server, ${calls} calls each${pause ? ", a 2 ms pause before each" : ", back to back"}: median µs from the call (phase: median of each call's mark minus the one before; extra: that phase minus raw's, and aibadgr's minus wasm-floor's)`);
console.log(`${"mark".padEnd(16)}${"raw".padStart(8)}${"phase".padStart(8)}${"wasm-floor".padStart(12)}${"phase".padStart(8)}${"extra".padStart(8)}${"aibadgr".padStart(10)}${"phase".padStart(8)}${"extra".padStart(8)}${"-floor".padStart(8)}`);
const signed = (x) => `${x >= 0 ? "+" : ""}${x.toFixed(0)}`;
for (const k of ORDER) {
  const cell = (name) => {
    const r = rows[name];
    if (r[0][k] === undefined) return ["", "", undefined];
    const prev = ORDER.slice(0, ORDER.indexOf(k)).reverse().find((p) => r[0][p] !== undefined);
    const phase = median(r.map((x) => x[k] - (prev ? x[prev] : 0)));
    return [median(r.map((x) => x[k])).toFixed(0), phase.toFixed(0), phase];
  };
  const over = (a, b) => (a === undefined ? "" : b === undefined ? `+${a.toFixed(0)}` : signed(a - b));
  const [ra, rp, rpv] = cell("raw");
  const [fa, fp, fpv] = cell("wasm-floor");
  const [aa, ap, apv] = cell("aibadgr");
  console.log(`${LABEL[k].padEnd(16)}${ra.padStart(8)}${rp.padStart(8)}${fa.padStart(12)}${fp.padStart(8)}${over(fpv, rpv).padStart(8)}${aa.padStart(10)}${ap.padStart(8)}${over(apv, rpv).padStart(8)}${over(apv, fpv).padStart(8)}`);
}
