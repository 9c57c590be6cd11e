// What build.mjs does to wasm-bindgen's output, shared with bench/bytes.mjs and
// bench/lib/names.mjs so that what they measure or profile is made the way the package is.
import fs from "node:fs";
import path from "node:path";
import { shortenNames } from "./names.mjs";

export { patchGlue } from "./glue-patch.mjs";

/** The shipped build's wasm-opt flags: Cargo.toml's [package.metadata.wasm-pack.profile.release] `wasm-opt`. */
export function wasmOptFlags(root) {
  const m = /^wasm-opt\s*=\s*(\[.*\])/m.exec(fs.readFileSync(path.join(root, "Cargo.toml"), "utf8"));
  if (!m) throw new Error("build: Cargo.toml has no wasm-opt = [...] line");
  return JSON.parse(m[1]);
}

/** A wasm-bindgen output directory's module and glue with the package's short names (names.mjs): `{ wasm, glue }`. */
export function shortened(dir) {
  return shortenNames(fs.readFileSync(path.join(dir, "aibadgr_bg.wasm")), fs.readFileSync(path.join(dir, "aibadgr.js"), "utf8"), "./aibadgr_bg.js");
}
