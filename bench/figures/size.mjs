// Figure 1: shipped bytes. esbuild --bundle --minify --format=esm --platform=browser of an entry
// per variant (bench/entries/*.mjs: chat, a streamed chat, embed); min, gzip -9 and brotli -q11
// (node:zlib) of every output file. aibadgr's browser entry embeds the .wasm (base64) in its JS, so
// the bundle is all it ships; a build whose bundle neither embeds nor emits it adds the .wasm
// (then served as its own file). Deterministic.
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { createRequire } from "node:module";
import { BENCH, TOOLS, toolPackage } from "../lib/env.mjs";
import { kb, mark } from "../lib/format.mjs";

const require = createRequire(import.meta.url);

/** `{ min, gzip, brotli }` of some bytes. */
export function sizes(buf) {
  return {
    min: buf.length,
    gzip: zlib.gzipSync(buf, { level: 9 }).length,
    brotli: zlib.brotliCompressSync(buf, {
      params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: buf.length },
    }).length,
  };
}

const add = (a, b) => ({ min: a.min + b.min, gzip: a.gzip + b.gzip, brotli: a.brotli + b.brotli });

/** The start of the embedded .wasm's base64 text in pkg/wasm-inline.js (undefined: not embedded). */
function embedMarker(pkgDir) {
  const file = path.join(pkgDir, "wasm-inline.js");
  if (!fs.existsSync(file)) return undefined;
  return /const b64 = "([A-Za-z0-9+/]{64})/.exec(fs.readFileSync(file, "utf8"))?.[1];
}

/** Bundles one entry; returns `{ js, assets: [{ file, ...sizes }], embedsWasm }`. */
async function bundle(esbuild, entry, pkgDir) {
  const marker = embedMarker(pkgDir);
  const aibadgr = {
    name: "aibadgr-snapshot",
    setup(b) {
      b.onResolve({ filter: /^aibadgr$/ }, () => ({ path: path.join(pkgDir, "browser.js") }));
    },
  };
  const r = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    write: false,
    outdir: "/bench-out",
    loader: { ".wasm": "file" },
    nodePaths: [TOOLS],
    plugins: [aibadgr],
    logLevel: "silent",
  });
  let js = { min: 0, gzip: 0, brotli: 0 };
  const assets = [];
  let embedsWasm = false;
  for (const f of r.outputFiles) {
    const s = sizes(Buffer.from(f.contents));
    if (f.path.endsWith(".js")) {
      js = add(js, s);
      embedsWasm ||= marker !== undefined && Buffer.from(f.contents).includes(marker);
    } else assets.push({ file: path.basename(f.path), ...s });
  }
  return { js, assets, embedsWasm };
}

export async function run(ctx) {
  const esbuild = require(path.join(TOOLS, "esbuild"));
  const wasmFile = path.join(ctx.pkgDir, "aibadgr_bg.wasm");
  const wasm = sizes(fs.readFileSync(wasmFile));
  const entries = [
    { name: "raw", version: "-" },
    { name: "aibadgr", version: ctx.pkgVersion, ours: true },
    { name: "openai", version: toolPackage("openai").version },
    { name: "anthropic", version: toolPackage("@anthropic-ai/sdk").version },
  ];
  const goal = ctx.goals.sizeGzip;
  const budget = ctx.budget?.aibadgr?.gzipBytes;
  const rows = [];
  const data = {};
  for (const e of entries) {
    const b = await bundle(esbuild, path.join(BENCH, "entries", `${e.name}.mjs`), ctx.pkgDir);
    let total = b.js;
    let parts = `JS ${kb(b.js.gzip)}`;
    for (const a of b.assets) { total = add(total, a); parts += ` + ${a.file} ${kb(a.gzip)}`; }
    if (b.embedsWasm) parts += " (the .wasm embedded)";
    if (e.name === "aibadgr" && !b.embedsWasm && !b.assets.some((a) => a.file.endsWith(".wasm"))) {
      total = add(total, wasm);
      parts += ` + .wasm ${kb(wasm.gzip)}`;
    }
    data[e.name] = { js: b.js, assets: b.assets, wasm: e.name === "aibadgr" ? wasm : undefined, total };
    rows.push([
      e.name, e.version, kb(total.min), kb(total.gzip), kb(total.brotli),
      parts,
      e.ours ? mark(total.gzip <= goal) : "",
    ]);
  }
  const ours = data.aibadgr.total.gzip;
  const checks = [];
  if (budget !== undefined) {
    checks.push({
      name: `size: aibadgr shipped gzip ${ours} B ≤ budget ${budget} B (bench/budget.json)`,
      ok: ours <= budget,
      deterministic: true,
    });
  }
  const raw = data.raw.total.gzip;
  return {
    id: 1,
    headline: [{ metric: "Shipped bytes, gzip (JS + .wasm)", goal: `≤ ${kb(goal)}`, aibadgr: kb(ours), ok: ours <= goal, openai: kb(data.openai.total.gzip), anthropic: kb(data.anthropic.total.gzip) }],
    title: "Shipped bytes (browser bundle: chat + streamed chat + embed)",
    goal: `aibadgr ≤ ${kb(goal)} gzip total (JS + .wasm)`,
    header: ["variant", "version", "min", "gzip", "brotli", "gzip parts", "goal"],
    rows,
    notes: [
      `esbuild ${require(path.join(TOOLS, "esbuild", "package.json")).version} --bundle --minify --format=esm --platform=browser; gzip -9, brotli -q11; 1 kB = 1000 B.`,
      "anthropic's entry makes a message and a streamed message (the SDK has no chat completions or embeddings).",
      `aibadgr = bundled JS (entry, loader, glue, wasm-bindgen JS and aibadgr_bg.wasm, ${wasm.min} B raw, embedded as base64). openai is ${(data.openai.total.gzip / ours).toFixed(1)}× aibadgr gzip; raw is ${raw} B.`,
      budget !== undefined ? `CI budget (bench/budget.json): ${budget} B gzip; measured ${ours} B.` : "no budget file",
    ],
    checks,
    data,
  };
}
