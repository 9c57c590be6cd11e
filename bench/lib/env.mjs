// Where things are: the repo, the pinned tools, the SDK entry points, and a private snapshot of
// pkg/ (the lead may rebuild pkg/ while a run is going; one run measures one build).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
export const BENCH = path.join(ROOT, "bench");
export const TOOLS = path.join(ROOT, ".ci", "tools", "node_modules");

/** Picks the ESM file of a package's "." export (conditions: import, then default). */
function esmEntry(pkgDir) {
  const pj = JSON.parse(fs.readFileSync(path.join(pkgDir, "package.json"), "utf8"));
  let e = pj.exports?.["."] ?? pj.exports ?? pj.module ?? pj.main;
  const pick = (x) => {
    if (typeof x === "string") return x;
    if (!x || typeof x !== "object") return undefined;
    for (const k of ["import", "node", "default"]) if (k in x) { const r = pick(x[k]); if (r) return r; }
    return undefined;
  };
  e = pick(e);
  if (!e) throw new Error(`bench: no ESM entry in ${pkgDir}/package.json`);
  return path.join(pkgDir, e);
}

/** Version and ESM entry URL of a pinned npm package in .ci/tools. */
export function toolPackage(name) {
  const dir = path.join(TOOLS, name);
  if (!fs.existsSync(path.join(dir, "package.json"))) {
    throw new Error(`bench: ${name} is not installed in .ci/tools (run .ci/install.sh node)`);
  }
  const { version } = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
  return { name, version, dir, url: pathToFileURL(esmEntry(dir)).href };
}

const NEEDED = ["node.js", "browser.js", "api.js", "aibadgr.js", "aibadgr_bg.wasm", "package.json"];

/**
 * Copies pkg/ to a temporary directory so the whole run (and its child processes) measures one
 * build. Retries briefly when a rebuild is swapping pkg/ in at that moment.
 */
export function snapshotPkg(src = path.join(ROOT, "pkg")) {
  const dest = fs.mkdtempSync(path.join(os.tmpdir(), "aibadgr-bench-"));
  for (let attempt = 0; ; attempt++) {
    try {
      for (const f of NEEDED) if (!fs.existsSync(path.join(src, f))) throw new Error(`pkg/${f} is missing`);
      fs.cpSync(src, path.join(dest, "pkg"), { recursive: true });
      for (const f of NEEDED) if (!fs.existsSync(path.join(dest, "pkg", f))) throw new Error(`pkg/${f} is missing`);
      break;
    } catch (e) {
      fs.rmSync(path.join(dest, "pkg"), { recursive: true, force: true });
      if (attempt >= 50) {
        fs.rmSync(dest, { recursive: true, force: true });
        throw new Error(`bench: cannot read the built package (${e.message}); build it with node pkg-template/build.mjs`);
      }
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
  return { dir: path.join(dest, "pkg"), remove: () => fs.rmSync(dest, { recursive: true, force: true }) };
}
