// Figure 4: cold start. Fresh `node` processes, one per variant per round (interleaved, shuffled
// order), each importing its SDK (aibadgr: reading and instantiating the .wasm) and making one
// streamed call to the test server; time from process start to the first token, ratio to raw.
import { fileURLToPath } from "node:url";
import { interleave, summary, ratios, errorText } from "../lib/stats.mjs";
import { num, times, spread, mark } from "../lib/format.mjs";
import { startServerProcess } from "../lib/server.mjs";
import { runNode, lastJson } from "../lib/child.mjs";
import { REPLY } from "./ttft.mjs";

const CHILD = fileURLToPath(new URL("../lib/cold-child.mjs", import.meta.url));

export async function run(ctx) {
  const srv = await startServerProcess();
  try {
    const plan = ctx.quick ? { rounds: 4, warmup: 1 } : { rounds: 20, warmup: 3 };
    const goal = ctx.goals.coldRatio;
    const wrong = new Map();
    const loads = Object.fromEntries(ctx.variants.map((v) => [v.name, []]));
    const t = await interleave(ctx.variants, plan, async (v, round) => {
      const out = lastJson(await runNode([CHILD, v.name, srv.url, ctx.pkgDir], { timeoutMs: 60_000 }));
      if (out.text !== REPLY) wrong.set(v.name, `got ${JSON.stringify(String(out.text).slice(0, 80))}`);
      if (round >= plan.warmup) loads[v.name].push(out.load);
      return out.first;
    }, (v, e) => wrong.set(v.name, errorText(e)));
    const rows = [];
    const data = {};
    for (const v of ctx.variants) {
      const first = summary(t[v.name]);
      const load = summary(loads[v.name]);
      const isBase = v.baseline === v.name;
      const r = summary(ratios(t[v.name], t[v.baseline]));
      data[v.name] = { firstTokenMs: first, loadMs: load, ratio: r };
      rows.push([
        v.name, num(load.median), num(first.median),
        isBase ? "1 (baseline)" : `${times(r.median)} ${v.baseline}`,
        isBase ? "" : spread(r, "×"),
        v.ours ? mark(r.median <= goal) : "",
      ]);
    }
    const r = (n) => data[n]?.ratio.median;
    const headline = [{
      metric: "Cold start to first token", goal: `≤ ${goal}× raw`,
      aibadgr: `${times(r("aibadgr"))} (msg ${times(r("aibadgr-msg"))})`, ok: r("aibadgr") <= goal && r("aibadgr-msg") <= goal,
      openai: times(r("openai")), anthropic: times(r("anthropic")),
    }];
    return {
      id: 4,
      headline,
      title: "Cold start: fresh process → import (+ instantiate) → first streamed token",
      goal: `aibadgr ≤ ${goal}× raw`,
      header: ["variant", "import + client ms", "first token ms", "median ratio", "p25–p75", "goal"],
      rows,
      notes: [
        `${plan.rounds} rounds (+${plan.warmup} warm-up dropped) of one fresh \`node\` process per variant, interleaved in an order shuffled each round; times are ms since the process started (Node's performance.timeOrigin), so the first-token time includes Node's own start-up (the same for everyone).`,
        "import + client = dynamic import of the SDK (aibadgr: pkg/node.js, which reads and instantiates the .wasm) and building the client; raw imports only bench/lib/raw.mjs.",
      ],
      checks: ctx.variants.map((v) => ({ name: `cold start: ${v.name} streamed the expected text`, ok: !wrong.has(v.name), detail: wrong.get(v.name) })),
      data,
    };
  } finally {
    await srv.close();
  }
}
