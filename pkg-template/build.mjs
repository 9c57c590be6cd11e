// Builds the publishable npm package into pkg/ from ONE wasm-pack (wasm-bindgen) build:
//   node pkg-template/build.mjs
// pkg/ then holds the .wasm, wasm-bindgen's glue, the per-runtime entry files, the types,
// package.json and README. `npm pack ./pkg` makes the tarball.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { patchGlue, shortened, wasmOptFlags } from "./steps.mjs";

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
// zopfli deflates the embedded .wasm (Debian's zopfli package; .ci/install.sh node installs it).
try { execFileSync("zopfli", ["-h"], { env, stdio: "ignore" }); } catch (e) {
  if (e.code === "ENOENT") {
    console.error("build: zopfli is not installed; run .ci/install.sh node first (or apt-get install zopfli)");
    process.exit(1);
  }
}

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

// The shipped build recompiles the standard library with panic = immediate-abort: a panic
// (none is reachable; see the lints) becomes a bare trap, and the panic-message formatting and
// core::fmt that std's panic path pulls in are gone (-9 kB gzip, bench/README.md). build-std is
// unstable, so RUSTC_BOOTSTRAP=1, as for cargo fuzz; it needs the rust-src component
// (.ci/install.sh core). -Zfmt-debug=none makes every `Debug` implementation print nothing (the
// library formats nothing with `{:?}` outside its tests; the hand-written `Debug`s that hide
// the API key are for native code) and -Zlocation-detail=none drops the file names a panic
// location would carry: -1.0 kB raw, -0.45 kB gzip. Its own target dir: the test builds keep
// their normal flags and cache. std is built with its `optimize_for_size` feature (smaller
// implementations of its sorts, UTF-8 checks and the like): -360 B raw, -214 B gzip, no change
// in the stream A/B (bench/ab.mjs) or figure 5 beyond noise.
const shipEnv = {
  ...env,
  RUSTC_BOOTSTRAP: "1",
  RUSTFLAGS: "-Zunstable-options -Cpanic=immediate-abort -Zfmt-debug=none -Zlocation-detail=none",
  CARGO_UNSTABLE_BUILD_STD: "std,panic_abort",
  CARGO_UNSTABLE_BUILD_STD_FEATURES: "optimize_for_size",
  CARGO_TARGET_DIR: path.join(root, "target", "ship"),
};
// The .wasm is built as a cdylib alone (`cargo rustc --crate-type cdylib`), not through
// `wasm-pack build`: Cargo.toml lists ["cdylib", "rlib"] (the rlib is for the native tests and
// the fuzz crate), and cargo silently drops `lto = true` when an rlib is built beside the cdylib
// (rust-lang/cargo#9672). With LTO: 217662 -> 196613 B raw, 93842 -> 87603 B gzip (2026-12-02).
// Then the two steps wasm-pack ran: wasm-bindgen --target web, and wasm-opt with the flags of
// Cargo.toml's [package.metadata.wasm-pack.profile.release] (steps.mjs reads them, for
// bench/bytes.mjs and bench/lib/names.mjs too).
execFileSync("cargo", ["rustc", "--lib", "--release", "--target", "wasm32-unknown-unknown", "--crate-type", "cdylib"], {
  cwd: root, env: shipEnv, stdio: ["ignore", "inherit", "inherit"],
});
const cargo = fs.readFileSync(path.join(root, "Cargo.toml"), "utf8");
fs.rmSync(build, { recursive: true, force: true });
const compiled = path.join(shipEnv.CARGO_TARGET_DIR, "wasm32-unknown-unknown", "release", "aibadgr.wasm");
execFileSync("wasm-bindgen", ["--target", "web", "--out-dir", build, "--out-name", "aibadgr", compiled], {
  cwd: root, env, stdio: ["ignore", "inherit", "inherit"],
});
const bgWasm = path.join(build, "aibadgr_bg.wasm");
execFileSync("wasm-opt", [...wasmOptFlags(root), bgWasm, "-o", bgWasm], { cwd: root, env, stdio: ["ignore", "inherit", "inherit"] });

const version = /^version\s*=\s*"([^"]+)"/m.exec(cargo)[1];

/** The per-runtime entry files (package.json "exports"), copied as they are. */
const ENTRIES = ["node.js", "deno.js", "browser.js", "workerd.js", "edge-light.js"];

// Writes the package into `dir`.
function assemble(dir) {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  // Short names between the .wasm and its glue (names.mjs): the same module, 6 kB lighter.
  const short = shortened(build);
  fs.writeFileSync(path.join(dir, "aibadgr_bg.wasm"), short.wasm);
  // The URL fallback out, and a short-ASCII path for strings (glue-patch.mjs).
  fs.writeFileSync(path.join(dir, "aibadgr.js"), patchGlue(short.glue));
  fs.cpSync(path.join(build, "snippets"), path.join(dir, "snippets"), { recursive: true });
  for (const f of ENTRIES.concat(["index.d.ts", "ai-sdk.js", "ai-sdk.d.ts", "README.md"])) fs.copyFileSync(path.join(tpl, f), path.join(dir, f));
  const snippet = fs.readdirSync(path.join(dir, "snippets")).find((d) => d.startsWith("aibadgr-"));
  if (!snippet) throw new Error("build: wasm-bindgen produced no aibadgr snippet directory");
  // The loader (the AiBadgr constructor over the wasm-bindgen class), and the .wasm embedded
  // deflated (inflate.js decodes it) for every entry that cannot import it as a module.
  const fill = (f, values) => {
    let text = fs.readFileSync(path.join(tpl, f), "utf8");
    for (const [key, value] of Object.entries(values)) {
      if (!text.includes(key)) throw new Error(`build: ${f} has no ${key}`);
      text = text.replace(key, () => value);
    }
    fs.writeFileSync(path.join(dir, f), text);
  };
  fill("load.js", { __GLUE__: snippet });
  const wasmFile = short.wasm;
  // Deflated by zopfli (raw DEFLATE, what inflate.js reads, like zlib's but searched harder):
  // 4.3 kB smaller than zlib's level 9 (87037 -> 82751 B, 2026-12-02); checked by inflating back.
  const deflated = execFileSync("zopfli", ["--deflate", "-c", path.join(dir, "aibadgr_bg.wasm")], { env, maxBuffer: 1 << 26 });
  if (!zlib.inflateRawSync(deflated).equals(wasmFile)) throw new Error("build: zopfli's output does not inflate back to the .wasm");
  fill("wasm-inline.js", {
    __WASM_DEFLATE_BASE64__: deflated.toString("base64"),
    __WASM_SIZE__: String(wasmFile.length),
  });
  fs.copyFileSync(path.join(tpl, "inflate.js"), path.join(dir, "inflate.js"));
  // The shared exports: the AiBadgr class and the JS classes from the glue snippet.
  fs.writeFileSync(path.join(dir, "api.js"),
    `export { AiBadgr } from "./load.js";\n` +
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
