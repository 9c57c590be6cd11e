// Figure 6: memory. One child process per variant (node --expose-gc bench/lib/memory-child.mjs):
// after a warm-up, full GCs, then the JS heap and the .wasm memory (aibadgr; process RSS for the
// others, which have no wasm) before, after N requests (plain calls, short streams, embeddings
// in turn; in-memory fetch) and after one stream of M events. Growth = after − before.
import { fileURLToPath } from "node:url";
import { mb, signedMb, mark } from "../lib/format.mjs";
import { runNode, lastJson } from "../lib/child.mjs";

const CHILD = fileURLToPath(new URL("../lib/memory-child.mjs", import.meta.url));

export async function run(ctx) {
  const N = ctx.quick ? 2_000 : 10_000;
  const M = ctx.quick ? 100_000 : 1_000_000;
  const goal = ctx.goals.memBytes;
  const rows = [];
  const data = {};
  const checks = [];
  const leaks = [];
  for (const v of ctx.variants) {
    let out;
    try {
      out = lastJson(await runNode(["--expose-gc", CHILD, v.name, ctx.pkgDir, String(N), String(M)], { timeoutMs: 600_000 }));
    } catch (e) {
      const why = e.message;
      rows.push([v.name, "failed", "", "", "", "", "", "", ""]);
      checks.push({ name: `memory: ${v.name} ran ${N} requests and a ${M}-event stream`, ok: false, detail: why });
      continue;
    }
    const { before: b, afterRequests: q, afterStream: s } = out;
    const wasm = b.wasm !== null;
    const other = (x) => (wasm ? x.wasm : x.rss);
    const growth = {
      heapRequests: q.heap - b.heap, heapStream: s.heap - b.heap,
      otherRequests: other(q) - other(b), otherStream: other(s) - other(b),
    };
    // Ours: JS heap + wasm memory (both deterministic-ish); RSS is shown for the others only.
    const total = wasm ? Math.max(growth.heapRequests + growth.otherRequests, growth.heapStream + growth.otherStream) : Math.max(growth.heapRequests, growth.heapStream);
    data[v.name] = { ...out, growth, total };
    rows.push([
      v.name, mb(b.heap), signedMb(growth.heapRequests), signedMb(growth.heapStream),
      wasm ? "wasm" : "RSS", mb(other(b)), signedMb(growth.otherRequests), signedMb(growth.otherStream),
      v.ours ? mark(total <= goal) : "",
    ]);
    if (wasm) {
      const perEvent = (growth.otherStream - growth.otherRequests) / M;
      leaks.push(`${v.name}: wasm memory grew ${Math.round(growth.otherRequests / N)} B per request over the ${N.toLocaleString("en")} requests, then ${perEvent.toFixed(2)} B per event over the long stream.`);
    }
    checks.push({ name: `memory: ${v.name} ran ${N} requests and a ${M}-event stream with the expected text`, ok: !out.bad, detail: out.bad });
  }
  const tot = (n) => data[n]?.total;
  const headline = [{
    metric: `Memory growth, ${N / 1000}k requests + ${M / 1e6}M events`, goal: `≤ ${mb(goal)}`,
    aibadgr: `${signedMb(tot("aibadgr"))} (msg ${signedMb(tot("aibadgr-msg"))}) heap + wasm`, ok: tot("aibadgr") <= goal && tot("aibadgr-msg") <= goal,
    openai: `${signedMb(tot("openai"))} heap`, anthropic: `${signedMb(tot("anthropic"))} heap`,
  }];
  return {
    id: 6,
    headline,
    title: `Memory before/after ${N.toLocaleString("en")} requests and a ${M.toLocaleString("en")}-event stream`,
    goal: `aibadgr growth (JS heap + wasm memory) ≤ ${mb(goal)}`,
    header: ["variant", "heap before", `Δ heap ${N / 1000}k req`, `Δ heap ${M / 1e6}M ev`, "other", "other before", `Δ ${N / 1000}k req`, `Δ ${M / 1e6}M ev`, "goal"],
    rows,
    notes: [
      "One child process per variant; each measurement after 4 full GCs with pauses (FinalizationRegistry callbacks free wasm-side objects). Before = after a warm-up of 300 requests and a 10k-event stream.",
      "Requests cycle a plain call, a short stream and an embedding (-msg variants and anthropic: a message, then two short streams). The long stream cycles 1000 prepared events; nothing is kept by the feed.",
      "wasm = the instance's memory.buffer.byteLength (it never shrinks: growth is a high-water mark, so a leak shows as steady growth); RSS is noisy and only for scale.",
      ...leaks,
    ],
    checks,
    data,
  };
}
