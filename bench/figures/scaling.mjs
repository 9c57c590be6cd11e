// Figure 7: scaling. One big event (a chat chunk whose content is S bytes, with multibyte
// characters) delivered in 1-byte reads; time for S = 1 MB over time for S = 0.5 MB. Linear
// work gives 2×; anything that rescans or recopies the pending line per read grows toward 4×.
import { bigEventSse } from "../lib/data.mjs";
import { sseFetch } from "../lib/fetch.mjs";
import { interleave, summary, ratios, now, errorText } from "../lib/stats.mjs";
import { num, times, spread, mark } from "../lib/format.mjs";
import { clients } from "../lib/variants.mjs";

const gc = globalThis.gc ?? (() => {});
const NAMES = ["raw", "aibadgr", "openai"];

export async function run(ctx) {
  const big = ctx.quick ? 256_000 : 1_000_000;
  const sizes = [big, big / 2];
  const feeds = sizes.map((s) => bigEventSse(s));
  let feed = null;
  const fetch = (input, init) => sseFetch(feed.events, 1)(input, init);
  const list = await clients(ctx.variants.filter((v) => NAMES.includes(v.name)), { fetch, base: "http://bench.invalid" });
  const plan = ctx.quick ? { rounds: 3, warmup: 1 } : { rounds: 5, warmup: 1 };
  const goal = ctx.goals.scaling;
  const wrong = new Map();
  // One turn = the big and the half-size stream back to back, so both see the same conditions.
  const turns = await interleave(list, plan, async (v) => {
    const ms = [];
    for (const f of feeds) {
      feed = f;
      gc();
      const t0 = now();
      const text = await v.stream(v.client);
      ms.push(now() - t0);
      if (text !== f.text) wrong.set(v.name, `${f.text.length}-char event: got ${text.length} chars`);
    }
    return ms;
  }, (v, e) => wrong.set(v.name, errorText(e)));
  const rows = [];
  const data = {};
  for (const v of list) {
    const big1 = turns[v.name].map((x) => (Array.isArray(x) ? x[0] : NaN));
    const half = turns[v.name].map((x) => (Array.isArray(x) ? x[1] : NaN));
    const r = summary(ratios(big1, half));
    const perByte = summary(big1.map((ms) => (ms * 1e6) / sizes[0])); // ns per byte
    data[v.name] = { bigMs: summary(big1), halfMs: summary(half), ratio: r, nsPerRead: perByte };
    rows.push([
      v.name, num(summary(half).median), num(summary(big1).median), num(perByte.median),
      times(r.median), spread(r, "×"),
      v.ours ? mark(r.median <= goal) : "",
    ]);
  }
  const label = (b) => (b >= 1e6 ? `${b / 1e6} MB` : `${b / 1e3} kB`);
  const headline = [{
    metric: `Scaling, ${label(sizes[0])} vs ${label(sizes[1])} event in 1-byte reads`, goal: `≤ ${goal}×`,
    aibadgr: times(data.aibadgr?.ratio.median), ok: data.aibadgr?.ratio.median <= goal,
    openai: times(data.openai?.ratio.median), anthropic: "n/a",
  }];
  return {
    id: 7,
    headline,
    title: `Scaling: one ${label(sizes[0])} event vs one ${label(sizes[1])} event, in 1-byte reads`,
    goal: `aibadgr ≤ ${goal}× (linear = 2×)`,
    header: ["variant", `${label(sizes[1])} ms`, `${label(sizes[0])} ms`, "ns/read", "median ratio", "p25–p75", "goal"],
    rows,
    notes: [
      `${plan.rounds} rounds (+${plan.warmup} warm-up dropped), variants interleaved in an order shuffled each round; in its turn a variant reads the big event, then the half-size one. In-memory fetch; the event text contains é, € and 😀, so reads split UTF-8 sequences.`,
      ctx.quick ? "Quick mode uses 256 kB / 128 kB events; the full run uses 1 MB / 0.5 MB." : "openai is shown for scale.",
    ],
    checks: list.map((v) => ({ name: `scaling: ${v.name} reassembled the big events exactly`, ok: !wrong.has(v.name), detail: wrong.get(v.name) })),
    data,
  };
}
