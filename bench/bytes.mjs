// Where the bytes of the shipped .wasm go, by module (twiggy top over a build with names).
//   node bench/bytes.mjs            prints the tables
//   node bench/bytes.mjs --write    also replaces them in bench/README.md (between the
//                                   <!-- bytes:start --> and <!-- bytes:end --> markers)
// It reuses the shipped build (target/ship, made by `node pkg-template/build.mjs`; run that
// first), runs wasm-bindgen and then wasm-opt with the package's flags plus --debuginfo so the
// function names survive, and sorts twiggy's rows into buckets: each aibadgr module (by the
// first `aibadgr::<module>` in an item's name: an async call flow counts where it starts),
// the standard library, the allocator (talc), wasm-bindgen's shims, and data (string constants and
// tables). The name section itself is left out: the shipped file has none.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { shortened, wasmOptFlags } from "../pkg-template/steps.mjs";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const built = path.join(root, "target", "ship", "wasm32-unknown-unknown", "release", "aibadgr.wasm");
const shipped = path.join(root, "pkg", "aibadgr_bg.wasm");
for (const f of [built, shipped]) {
  if (!fs.existsSync(f)) {
    console.error(`bytes: ${path.relative(root, f)} is missing; run node pkg-template/build.mjs first`);
    process.exit(1);
  }
}
const bin = path.join(root, ".ci", "tools", "node_modules", ".bin");
const env = { ...process.env, PATH: `${bin}:${os.homedir()}/.cargo/bin:${process.env.PATH}` };
const run = (cmd, args) => execFileSync(cmd, args, { env, encoding: "utf8", maxBuffer: 1 << 28 });

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "aibadgr-bytes-"));
try {
  run("wasm-bindgen", ["--target", "web", "--keep-debug", "--out-dir", tmp, built]);
  const named = path.join(tmp, "named.wasm");
  // The package's short import and export names (pkg-template/names.mjs), as shipped.
  const bg = path.join(tmp, "aibadgr_bg.wasm");
  fs.writeFileSync(bg, shortened(tmp).wasm);
  run("wasm-opt", [...wasmOptFlags(root), "--debuginfo", bg, "-o", named]);
  const csv = run("twiggy", ["top", "-n", "1000000", "--format", "csv", named]);
  const rows = csv.trim().split("\n").slice(1).map((line) => {
    // Name may hold commas (and is quoted then); the four numbers are last.
    const m = /^(.*),(\d+),([\d.]+),([\d.]*),([\d.]*)$/.exec(line);
    return m ? { name: m[1].replace(/^"|"$/g, "").replace(/""/g, "\""), size: Number(m[2]) } : null;
  }).filter(Boolean);
  const bucket = (name) => {
    if (/subsection|custom section/.test(name)) return null;
    if (/^data/.test(name)) return "data (strings, tables)";
    const m = /aibadgr\[[0-9a-f]+\]::([a-z_]+)/.exec(name);
    if (m) return m[1];
    if (/talc\[|dlmalloc|__rdl_|__rust_(alloc|dealloc|realloc)/.test(name)) return "allocator (talc)";
    if (/wasm_bindgen|js_sys|web_sys|externref|multivalue shim|__wbg|__wbindgen|__externref/.test(name)) return "wasm-bindgen shims and imports";
    if (/\b(core|alloc|std)\[/.test(name) || /^<(str|\[u8\]|char)>/.test(name)) return "Rust std (core, alloc)";
    return "other (exports, tables, unnamed)";
  };
  const sums = new Map();
  let total = 0;
  for (const r of rows) {
    const b = bucket(r.name);
    if (!b) continue;
    sums.set(b, (sums.get(b) ?? 0) + r.size);
    total += r.size;
  }
  const top = rows.filter((r) => bucket(r.name)).sort((a, b) => b.size - a.size).slice(0, 12);
  const raw = fs.statSync(shipped).size;
  const gz = zlib.gzipSync(fs.readFileSync(shipped), { level: 9 }).length;
  const pct = (n) => ((100 * n) / total).toFixed(1) + " %";
  const short = (n) => n.replace(/\[[0-9a-f]{16}\]/g, "").replace(/aibadgr::/g, "").slice(0, 110);
  const lines = [];
  lines.push(`Measured ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC by \`node bench/bytes.mjs\`: pkg/aibadgr_bg.wasm is ${raw} B raw, ${gz} B gzip -9; the named build's code and data add up to ${total} B.`);
  lines.push("");
  lines.push("| module (where the code starts) | bytes | share |");
  lines.push("|---|---:|---:|");
  for (const [k, v] of [...sums].sort((a, b) => b[1] - a[1])) lines.push(`| ${k} | ${v} | ${pct(v)} |`);
  lines.push("");
  lines.push("| largest items | bytes |");
  lines.push("|---|---:|");
  for (const r of top) lines.push(`| \`${short(r.name).replace(/\|/g, "\\|")}\` | ${r.size} |`);
  const table = lines.join("\n");
  console.log(table);
  if (process.argv.includes("--write")) {
    const readme = path.join(root, "bench", "README.md");
    const text = fs.readFileSync(readme, "utf8");
    const re = /<!-- bytes:start -->[\s\S]*<!-- bytes:end -->/;
    if (!re.test(text)) throw new Error("bytes: bench/README.md has no <!-- bytes:start --> ... <!-- bytes:end --> markers");
    fs.writeFileSync(readme, text.replace(re, () => `<!-- bytes:start -->\n${table}\n<!-- bytes:end -->`));
    console.log("bytes: bench/README.md updated");
  }
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
