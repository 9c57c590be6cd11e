// Copies of a built package for profile.mjs: one whose .wasm keeps its function names
// (`--names`), one whose wasm-bindgen imports count their calls (`--crossings`).
// The shipped .wasm has no name section (wasm-opt strips it), so its frames show as
// `wasm-function[N]`. This runs the same wasm-bindgen and wasm-opt -Oz steps as the package build
// on the same compiled module (target/ship, written by pkg-template/build.mjs), with names kept
// (-g), and checks that the JavaScript it generates is the package's own: the code profiled is
// the shipped code, only named.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { execFileSync } from "node:child_process";
import { ROOT } from "./env.mjs";
import { patchGlue, shortened, wasmOptFlags } from "../../pkg-template/steps.mjs";

const MODULE = path.join(ROOT, "target", "ship", "wasm32-unknown-unknown", "release", "aibadgr.wasm");
const BIN = path.join(ROOT, ".ci", "tools", "node_modules", ".bin");

/**
 * The wasm-opt flags of the package build (Cargo.toml's wasm-pack profile), plus -g. `noInline`
 * (a name pattern, `*` wildcards) keeps those functions out of wasm-opt's inlining, so a function
 * with one caller (which -Oz folds into it) gets its own frame; the code is then not quite the
 * shipped code, so use it to find where time goes, not to time it.
 */
function optFlags(noInline) {
  return [...(noInline ? [`--no-inline=${noInline}`] : []), ...wasmOptFlags(ROOT), "-g"];
}

/**
 * Writes a copy of the package in `pkgDir` with a named .wasm (embedded as the package embeds
 * it) and returns `{ dir, remove() }`; `noInline` as in optFlags. Throws when target/ship does not hold this build.
 */
export function namedCopy(pkgDir, noInline) {
  if (!fs.existsSync(MODULE)) throw new Error(`profile --names: ${path.relative(ROOT, MODULE)} is missing; run node pkg-template/build.mjs`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "aibadgr-named-"));
  const remove = () => fs.rmSync(tmp, { recursive: true, force: true });
  try {
    const wb = path.join(tmp, "wb");
    execFileSync("wasm-bindgen", ["--target", "web", "--out-dir", wb, "--out-name", "aibadgr", MODULE], { stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, PATH: `${process.env.HOME}/.cargo/bin:${process.env.PATH}` } });
    // The package's short import and export names (pkg-template/names.mjs), applied the same way.
    const short = shortened(wb);
    fs.writeFileSync(path.join(wb, "aibadgr_bg.wasm"), short.wasm);
    if (patchGlue(short.glue) !== fs.readFileSync(path.join(pkgDir, "aibadgr.js"), "utf8")) {
      throw new Error("profile --names: target/ship holds another build than the package; run node pkg-template/build.mjs");
    }
    const named = path.join(tmp, "named.wasm");
    execFileSync(path.join(BIN, "wasm-opt"), [...optFlags(noInline), path.join(wb, "aibadgr_bg.wasm"), "-o", named], { stdio: ["ignore", "ignore", "inherit"] });
    const dir = path.join(tmp, "pkg");
    fs.cpSync(pkgDir, dir, { recursive: true });
    const bytes = fs.readFileSync(named);
    fs.writeFileSync(path.join(dir, "aibadgr_bg.wasm"), bytes);
    const inline = fs.readFileSync(path.join(ROOT, "pkg-template", "wasm-inline.js"), "utf8")
      .replace("__WASM_DEFLATE_BASE64__", () => zlib.deflateRawSync(bytes, { level: 9 }).toString("base64"))
      .replace("__WASM_SIZE__", String(bytes.length));
    fs.writeFileSync(path.join(dir, "wasm-inline.js"), inline);
    return { dir, remove };
  } catch (e) {
    remove();
    throw e;
  }
}

/**
 * Writes a copy of the package in `pkgDir` whose every wasm-bindgen import (each call from
 * Rust into JavaScript) counts its calls in `globalThis.__aibadgrCrossings` (a Map from the
 * import's name and first statement to a count); returns `{ dir, remove() }`.
 */
export function countingCopy(pkgDir) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "aibadgr-named-"));
  const dir = path.join(tmp, "pkg");
  fs.cpSync(pkgDir, dir, { recursive: true });
  const file = path.join(dir, "aibadgr.js");
  const js = fs.readFileSync(file, "utf8");
  const hook = /\n    return \{\n        __proto__: null,\n        "a": import0,/;
  if (!hook.test(js)) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw new Error("profile --crossings: wasm-bindgen's import object is not where this expects it (aibadgr.js)");
  }
  const wrap = `
    const counts = globalThis.__aibadgrCrossings = new Map();
    for (const k of Object.keys(import0)) {
      const f = import0[k];
      if (typeof f !== "function") continue;
      const first = String(f).split("\\n").slice(1).map((l) => l.trim()).find((l) => l && !l.startsWith("//")) ?? "";
      const key = k.replace(/_[0-9a-f]{16}$/, "") + "  " + first.slice(0, 70);
      import0[k] = function (...a) { counts.set(key, (counts.get(key) ?? 0) + 1); return f.apply(this, a); };
    }`;
  fs.writeFileSync(file, js.replace(hook, (m) => wrap + m));
  return { dir, remove: () => fs.rmSync(tmp, { recursive: true, force: true }) };
}
