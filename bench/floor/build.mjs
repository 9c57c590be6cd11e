#!/usr/bin/env node
// Builds the floor crate (bench/floor: a Rust crate that calls fetch itself and does nothing
// else) into target/floor/pkg: `cargo build --release --target wasm32-unknown-unknown` in its
// own target dir (target/floor, so it never waits on the main build's lock), then
// `wasm-bindgen --target web`. Skips both when the pkg holds a build of these very sources.
//
//   node bench/floor/build.mjs      (bench/run.mjs calls buildFloor() before figures 3 and 8)
import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "..", "..");
const target = path.join(root, "target", "floor");
export const FLOOR_PKG = path.join(target, "pkg");
const INPUTS = ["Cargo.toml", "Cargo.lock", "src/lib.rs", "build.mjs"];
const OUTPUTS = ["aibadgr_floor.js", "aibadgr_floor_bg.wasm", ".stamp"];

/** The hash of the sources a build was made from. */
const stamp = () => {
  const h = crypto.createHash("sha256");
  for (const f of INPUTS) h.update(f).update("\0").update(fs.readFileSync(path.join(here, f))).update("\0");
  return h.digest("hex");
};

/**
 * Builds the floor's package unless it is up to date; returns `{ dir, built, seconds }`.
 * Throws an Error that says what failed (with the tool's last lines) when a step fails.
 */
export function buildFloor() {
  const want = stamp();
  const have = fs.existsSync(path.join(FLOOR_PKG, ".stamp")) ? fs.readFileSync(path.join(FLOOR_PKG, ".stamp"), "utf8") : "";
  if (have === want && OUTPUTS.every((f) => fs.existsSync(path.join(FLOOR_PKG, f)))) return { dir: FLOOR_PKG, built: false, seconds: 0 };
  const t0 = Date.now();
  const env = { ...process.env, PATH: `${process.env.HOME}/.cargo/bin:${process.env.PATH}`, CARGO_TARGET_DIR: target };
  const step = (what, cmd, args) => {
    try {
      execFileSync(cmd, args, { cwd: here, env, stdio: ["ignore", "pipe", "pipe"], maxBuffer: 1 << 26 });
    } catch (e) {
      const out = `${e.stdout ?? ""}${e.stderr ?? ""}`.trim().split("\n").slice(-30).join("\n");
      throw new Error(`bench: building the floor crate failed at ${what} (${cmd} ${args.join(" ")}): ${e.code === "ENOENT" ? `${cmd} is not installed` : `exit ${e.status}`}\n${out}\n(rerun: node bench/floor/build.mjs)`);
    }
  };
  step("cargo build", "cargo", ["build", "--release", "--target", "wasm32-unknown-unknown", "--locked"]);
  const staging = `${FLOOR_PKG}-staging-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  step("wasm-bindgen", "wasm-bindgen", ["--target", "web", "--out-dir", staging, path.join(target, "wasm32-unknown-unknown", "release", "aibadgr_floor.wasm")]);
  fs.writeFileSync(path.join(staging, ".stamp"), want);
  fs.rmSync(FLOOR_PKG, { recursive: true, force: true });
  fs.renameSync(staging, FLOOR_PKG);
  return { dir: FLOOR_PKG, built: true, seconds: (Date.now() - t0) / 1000 };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const r = buildFloor();
    const wasm = fs.statSync(path.join(r.dir, "aibadgr_floor_bg.wasm")).size;
    console.log(`floor: ${path.relative(process.cwd(), r.dir) || r.dir} ${r.built ? `built in ${r.seconds.toFixed(1)} s` : "up to date"} (.wasm ${wasm} B)`);
  } catch (e) {
    console.error(e.message);
    process.exit(1);
  }
}
