#!/usr/bin/env node
// Where a streamed call's time to first token goes, phase by phase, on the test server as
// figure 3 calls it (the server in its own process, a 2 ms pause before each call, one keep-alive
// pool): for raw and for aibadgr, the median time from the call to each mark, and the median
// time each phase took (a mark minus the one before, per call). The calls are figure 3's own
// (bench/lib/variants.mjs); the marks come from a fetch wrapper, the response body's reader and
// a wrapper around aibadgr's method, so the package is measured as shipped.
//
//   node bench/timeline.mjs [--api chat|messages] [--calls 500] [--pkg DIR] [--no-pause]
//
// Marks: `returned` chatStream()/messagesStream() gave its promise back (aibadgr only: its checks
// and the request's JSON); `fetch called` / `fetch returned` (fetch's own synchronous work);
// `headers` fetch resolved; `reader` the body's getReader(); `first bytes` the first body read
// resolved; `opened` the stream the call resolves to (aibadgr only: raw's iterator is made
// before anything is read, so raw goes from its first bytes to its first text); `first text`
// the first text delta. The pause makes every call start cold, as on the test server in figure 3;
// --no-pause runs the calls back to back instead.
import path from "node:path";
import { snapshotPkg } from "./lib/env.mjs";
import { startServerProcess } from "./lib/server.mjs";
import { variants, clients } from "./lib/variants.mjs";
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

const srv = await startServerProcess();
// Figure 3's own calls (bench/lib/variants.mjs) on the marking fetch. aibadgr's method is
// wrapped to mark when it returned and when its promise settled (the stream opened); raw's
// iterator is lazy (made before anything is read), so it goes from its first bytes to its text.
const names = api === "chat" ? ["raw", "aibadgr"] : ["raw-msg", "aibadgr-msg"];
const list = await clients(variants({ pkgDir: snap.dir }).filter((v) => names.includes(v.name)), { base: srv.url, fetch: marking });
const ours = list.find((v) => v.ours).client;
for (const method of ["chatStream", "messagesStream"]) {
  const call = ours[method].bind(ours);
  ours[method] = (...args) => {
    const p = call(...args);
    marks.returned = now();
    p.then(() => { marks.opened = now(); }, () => {});
    return p;
  };
}
const ORDER = ["returned", "fetchCalled", "fetchReturned", "headers", "reader", "firstBytes", "opened", "firstText"];
const LABEL = { returned: "returned", fetchCalled: "fetch called", fetchReturned: "fetch returned", headers: "headers", reader: "reader", firstBytes: "first bytes", opened: "opened", firstText: "first text" };
const rows = { raw: [], aibadgr: [] };
const settle = () => new Promise((r) => (pause ? setTimeout(r, 2) : setImmediate(r)));
try {
  for (let i = 0; i < calls + 50; i++) {
    for (const v of i % 2 ? list.slice().reverse() : list) {
      const name = v.ours ? "aibadgr" : "raw";
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
console.log(`${api} on the test server, ${calls} calls each${pause ? ", a 2 ms pause before each" : ", back to back"}: median µs from the call (phase: median of each call's mark minus the one before)`);
console.log(`${"mark".padEnd(16)}${"raw".padStart(8)}${"phase".padStart(8)}${"aibadgr".padStart(10)}${"phase".padStart(8)}${"extra".padStart(8)}`);
for (const k of ORDER) {
  const cell = (name) => {
    const r = rows[name];
    if (r[0][k] === undefined) return ["", "", undefined];
    const prev = ORDER.slice(0, ORDER.indexOf(k)).reverse().find((p) => r[0][p] !== undefined);
    const phase = median(r.map((x) => x[k] - (prev ? x[prev] : 0)));
    return [median(r.map((x) => x[k])).toFixed(0), phase.toFixed(0), phase];
  };
  const [ra, rp, rpv] = cell("raw");
  const [aa, ap, apv] = cell("aibadgr");
  const extra = apv === undefined ? "" : rpv === undefined ? `+${apv.toFixed(0)}` : `${apv - rpv >= 0 ? "+" : ""}${(apv - rpv).toFixed(0)}`;
  console.log(`${LABEL[k].padEnd(16)}${ra.padStart(8)}${rp.padStart(8)}${aa.padStart(10)}${ap.padStart(8)}${extra.padStart(8)}`);
}
