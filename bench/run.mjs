#!/usr/bin/env node
// aibadgr benchmarks side by side with openai-node, @anthropic-ai/sdk and a raw fetch baseline.
//
//   node bench/run.mjs              full run (~5-8 min on 2 cores); rewrites the table in bench/README.md
//   node bench/run.mjs --quick      CI-sized run (~1-2 min); writes nothing
//   node bench/run.mjs --only 1,2   only some figures (1 size, 2 cpu, 3 ttft, 4 cold, 5 embed, 6 memory, 7 scaling,
//                                   8 final()/text()/toSSE(), 9 Worker pass-through)
//   options: --write / --no-write (README), --json FILE (all numbers), --pkg DIR (default pkg/),
//            --settle warm|gc (how figures 2, 5, 8 and 9 start a variant's turn; default warm)
//
// Prints one table per figure, then one line per check and, last, "bench: N passed, N failed".
// Checks: the shipped gzip size within bench/budget.json (deterministic) and every variant
// producing the expected text/vector. Times are reported, never asserted.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import crypto from "node:crypto";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

// Re-run with --expose-gc: the timed figures collect garbage before each measured call.
if (typeof globalThis.gc !== "function") {
  const child = spawn(process.execPath, ["--expose-gc", fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: "inherit" });
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(sig, () => child.kill(sig));
  child.on("exit", (code, sig) => process.exit(code ?? (sig ? 128 + 15 : 1)));
  await new Promise(() => {}); // the child's exit ends this process
}

const { ROOT, BENCH, snapshotPkg } = await import("./lib/env.mjs");
const { variants } = await import("./lib/variants.mjs");
const { figureText } = await import("./lib/format.mjs");

const FIGURES = {
  1: "./figures/size.mjs",
  2: "./figures/cpu.mjs",
  3: "./figures/ttft.mjs",
  4: "./figures/cold.mjs",
  5: "./figures/embed.mjs",
  6: "./figures/memory.mjs",
  7: "./figures/scaling.mjs",
  8: "./figures/rustonly.mjs",
  9: "./figures/passthrough.mjs",
};

/** The issue's goals (issue 7); KB = 1000 bytes, MB = 10^6 bytes. */
export const GOALS = { sizeGzip: 25_000, cpuRatio: 1.25, ttftUs: 100, coldRatio: 1.2, embedRatio: 0.6, memBytes: 1_000_000, scaling: 2.2, rustOnlyRatio: 0.5 };

function parseArgs(argv) {
  const o = { quick: false, write: undefined, only: null, json: null, pkg: path.join(ROOT, "pkg"), settle: "warm" };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => (a.includes("=") ? a.slice(a.indexOf("=") + 1) : argv[++i]);
    if (a === "--quick") o.quick = true;
    else if (a === "--write") o.write = true;
    else if (a === "--no-write") o.write = false;
    else if (a.startsWith("--only")) o.only = val().split(",").map((s) => Number(s.trim()));
    else if (a.startsWith("--json")) o.json = path.resolve(val());
    else if (a.startsWith("--pkg")) o.pkg = path.resolve(val());
    else if (a.startsWith("--settle")) o.settle = val();
    else if (a === "-h" || a === "--help") {
      console.log(fs.readFileSync(fileURLToPath(import.meta.url), "utf8").split("\n").slice(1, 12).map((l) => l.replace(/^\/\/ ?/, "")).join("\n"));
      process.exit(0);
    } else {
      console.error(`bench: unknown argument ${a} (see --help)`);
      process.exit(2);
    }
  }
  if (o.settle !== "warm" && o.settle !== "gc") {
    console.error("bench: --settle is warm or gc");
    process.exit(2);
  }
  if (o.only?.some((n) => !FIGURES[n])) {
    console.error(`bench: --only takes figure numbers 1-${Object.keys(FIGURES).length}`);
    process.exit(2);
  }
  // The README keeps full runs of every figure only, unless asked.
  if (o.write === undefined) o.write = !o.quick && !o.only;
  return o;
}

const opts = parseArgs(process.argv.slice(2));
const snap = snapshotPkg(opts.pkg);
process.on("exit", () => snap.remove());
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => process.exit(130));

const pkgJson = JSON.parse(fs.readFileSync(path.join(snap.dir, "package.json"), "utf8"));
const wasmBytes = fs.readFileSync(path.join(snap.dir, "aibadgr_bg.wasm"));
const budgetFile = path.join(BENCH, "budget.json");
const budget = fs.existsSync(budgetFile) ? JSON.parse(fs.readFileSync(budgetFile, "utf8")) : null;

const ctx = {
  pkgDir: snap.dir,
  pkgVersion: pkgJson.version,
  quick: opts.quick,
  // How a timed figure starts a variant's turn (figures 2, 5, 8, 9; each then runs the turn's
  // untimed priming and its timed part): warm, nothing (the process as a server runs it, in a
  // steady state of its own collections); gc, a forced full collection first (so no garbage of
  // the variant before is left), which the next 10-15k body reads pay for: body reads alone
  // cost 3× as much right after it (bench/README.md, ninth pass).
  settle: opts.settle === "gc" ? () => globalThis.gc() : () => {},
  // The note's words for it: "in its turn a variant <settled>, then …".
  settled: opts.settle === "gc"
    ? "runs gc() (a forced full collection, which the next 10-15k body reads pay for: bench/README.md, ninth pass)"
    : "starts as it finds the process (no forced collection: one right before cost the next 10-15k body reads up to 3× as much, bench/README.md, ninth pass; `--settle gc` measures that way)",
  goals: GOALS,
  budget,
};
ctx.variants = variants(ctx);

// Figures 3 and 8 measure the floor crate (bench/floor) beside aibadgr: build it first unless
// it is up to date (a cold build takes about 20 s); a failed build fails the run here.
const figures = opts.only ?? Object.keys(FIGURES).map(Number);
if (figures.some((n) => n === 3 || n === 8)) {
  const { buildFloor } = await import("./floor/build.mjs");
  try {
    const r = buildFloor();
    if (r.built) console.log(`bench: built the floor crate (bench/floor) in ${r.seconds.toFixed(1)} s`);
  } catch (e) {
    console.error(e.message);
    console.log("bench: 0 passed, 1 failed");
    process.exit(1);
  }
}

const started = new Date();
const header = [
  `Run: ${started.toISOString().slice(0, 16).replace("T", " ")} UTC, ${opts.quick ? "quick" : "full"} mode, turns start ${opts.settle}; ` +
    `Node ${process.version}, ${os.cpus().length}× ${os.cpus()[0]?.model?.trim() ?? "cpu"}, load ${os.loadavg().map((x) => x.toFixed(2)).join(" ")}.`,
  `aibadgr ${pkgJson.version}: aibadgr_bg.wasm ${wasmBytes.length} B (sha256 ${crypto.createHash("sha256").update(wasmBytes).digest("hex").slice(0, 12)}); ` +
    `variants: ${ctx.variants.map((v) => `${v.name}${v.version !== "-" ? ` ${v.version}` : ""}`).join(", ")}.`,
];
console.log(header.join("\n"));

const results = [];
const checks = [];
for (const n of figures) {
  const t0 = Date.now();
  let fig;
  try {
    const mod = await import(FIGURES[n]);
    fig = await mod.run(ctx);
  } catch (e) {
    fig = { id: n, title: `figure ${n} failed`, goal: "-", header: ["error"], rows: [[String(e?.stack ?? e).split("\n").slice(0, 4).join(" / ")]], checks: [{ name: `figure ${n} ran`, ok: false, detail: String(e?.message ?? e) }] };
  }
  fig.seconds = (Date.now() - t0) / 1000;
  results.push(fig);
  checks.push(...(fig.checks ?? []));
  console.log(`\n${figureText(fig)}\n(figure ${n}: ${fig.seconds.toFixed(1)} s)`);
}

// The goals at a glance.
const { table, mark } = await import("./lib/format.mjs");
const lines = results.flatMap((f) => f.headline ?? []);
const summaryText = [
  "### At a glance (aibadgr vs the goals of issue 7)",
  "",
  table(["figure", "goal", "aibadgr", "", "openai", "anthropic"], lines.map((h) => [h.metric, h.goal, h.aibadgr, mark(h.ok), h.openai, h.anthropic])),
].join("\n");
if (lines.length) console.log(`\n${summaryText}`);

console.log("\nChecks:");
for (const c of checks) console.log(`${c.ok ? "ok  " : "FAIL"} ${c.name}${!c.ok && c.detail ? ` — ${c.detail}` : ""}`);

if (opts.write) {
  const readme = path.join(BENCH, "README.md");
  const START = "<!-- bench:results:start -->";
  const END = "<!-- bench:results:end -->";
  const text = fs.readFileSync(readme, "utf8");
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  if (a < 0 || b < a) {
    console.log(`bench: ${readme} has no ${START} … ${END} section; not written`);
  } else {
    const body = [header.join("\n\n"), "", summaryText, "", ...results.map((f) => figureText(f) + "\n")].join("\n");
    fs.writeFileSync(readme, `${text.slice(0, a + START.length)}\n${body}\n${text.slice(b)}`);
    console.log(`bench: wrote the results into ${path.relative(process.cwd(), readme) || readme}`);
  }
}
if (opts.json) {
  fs.writeFileSync(opts.json, JSON.stringify({ header, goals: GOALS, results: results.map(({ id, title, goal, header: h, rows, notes, data, seconds }) => ({ id, title, goal, header: h, rows, notes, data, seconds })), checks }, null, 2));
}

const passed = checks.filter((c) => c.ok).length;
const failed = checks.length - passed;
console.log(`bench: ${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
