// Builds the publishable npm package into pkg/ from ONE wasm-pack (wasm-bindgen) build:
//   node pkg-template/build.mjs
// pkg/ then holds the .wasm, wasm-bindgen's glue, the per-runtime entry files, the types,
// package.json and README. `npm pack ./pkg` makes the tarball.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const tpl = path.join(root, "pkg-template");
const build = path.join(root, "target", "pkg-build");
const out = path.join(root, "pkg");

// wasm-opt must be binaryen's npm build: Debian's /usr/bin/wasm-opt emits broken modules.
const tools = path.join(root, ".ci", "tools", "node_modules", ".bin");
if (!fs.existsSync(path.join(tools, "wasm-opt"))) {
  console.error("build: .ci/tools is not installed; run .ci/install.sh node first");
  process.exit(1);
}
const env = { ...process.env, PATH: `${tools}:${process.env.HOME}/.cargo/bin:${process.env.PATH}` };

// One build at a time (several test suites may rebuild at once); a lock older than 10 min is stale.
const lock = path.join(root, "target", ".pkg-build.lock");
fs.mkdirSync(path.dirname(lock), { recursive: true });
for (let waited = 0; ; waited += 200) {
  try { fs.mkdirSync(lock); break; } catch {
    try { if (Date.now() - fs.statSync(lock).mtimeMs > 600_000) { fs.rmSync(lock, { recursive: true, force: true }); continue; } } catch {}
    if (waited > 900_000) throw new Error("build: timed out waiting for " + lock);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
  }
}
process.on("exit", () => fs.rmSync(lock, { recursive: true, force: true }));

execFileSync("wasm-pack", ["build", "--release", "--target", "web", "--no-pack", "--out-dir", build, "--out-name", "aibadgr"], {
  cwd: root, env, stdio: ["ignore", "inherit", "inherit"],
});

const cargo = fs.readFileSync(path.join(root, "Cargo.toml"), "utf8");
const version = /^version\s*=\s*"([^"]+)"/m.exec(cargo)[1];

// Writes the package into `dir`.
function assemble(dir) {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  for (const f of ["aibadgr.js", "aibadgr_bg.wasm"]) fs.copyFileSync(path.join(build, f), path.join(dir, f));
  fs.cpSync(path.join(build, "snippets"), path.join(dir, "snippets"), { recursive: true });
  for (const f of ["node.js", "deno.js", "workerd.js", "browser.js", "index.d.ts", "ai-sdk.js", "ai-sdk.d.ts", "README.md"]) {
    fs.copyFileSync(path.join(tpl, f), path.join(dir, f));
  }
  // The shared exports: the wasm-bindgen class and the JS classes from the glue snippet.
  const snippet = fs.readdirSync(path.join(dir, "snippets")).find((d) => d.startsWith("aibadgr-"));
  if (!snippet) throw new Error("build: wasm-bindgen produced no aibadgr snippet directory");
  fs.writeFileSync(path.join(dir, "api.js"),
    `export { AiBadgr } from "./aibadgr.js";\n` +
    `export { AiBadgrError, ChatStream, MessageStream, TIERS } from "./snippets/${snippet}/src/js/glue.js";\n`);
  const pkg = JSON.parse(fs.readFileSync(path.join(tpl, "package.json"), "utf8"));
  pkg.version = version;
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify(pkg, null, 2) + "\n");
}

// Assemble next to pkg/ and swap it in, so readers never see a half-written package.
const staging = path.join(root, "target", "pkg-staging");
const old = path.join(root, "target", "pkg-old");
assemble(staging);
fs.rmSync(old, { recursive: true, force: true });
if (fs.existsSync(out)) fs.renameSync(out, old);
fs.renameSync(staging, out);
fs.rmSync(old, { recursive: true, force: true });

const size = (file) => {
  const b = fs.readFileSync(file);
  return { raw: b.length, gzip: zlib.gzipSync(b, { level: 9 }).length };
};
const wasm = size(path.join(out, "aibadgr_bg.wasm"));
const js = size(path.join(out, "aibadgr.js"));
console.log(`build: pkg/ ready (aibadgr ${version}): .wasm ${wasm.raw} B raw, ${wasm.gzip} B gzip; glue ${js.raw} B raw, ${js.gzip} B gzip`);
