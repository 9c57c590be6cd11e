// Streams must not keep memory once they are over, however they were read or ended: wasm
// memory never shrinks, so the client frees its side when a stream ends, and nothing it
// holds may keep the stream's JavaScript objects alive (a failed or cancelled stream's error
// once did, through its unformatted stack).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const child = fileURLToPath(new URL("./memory-run.mjs", import.meta.url));

for (const mode of ["iter", "final", "text", "cancel", "break", "error"]) {
  test(`streams read by ${mode} leave no memory behind`, () => {
    const out = execFileSync(process.execPath, ["--expose-gc", child, mode, "3000"], { encoding: "utf8" });
    const r = JSON.parse(out.trim().split("\n").pop());
    console.log(JSON.stringify(r));
    // Before the fix: ~1150 B of wasm per stream read to the end, and every cancelled or
    // failed stream kept its objects (about 2 KB of heap each) for good.
    assert.ok(r.wasmPerStream < 250, `wasm memory grew ${r.wasmPerStream} B per stream`);
    assert.ok(r.heapPerStream < 600, `JS heap grew ${r.heapPerStream} B per stream`);
    // Issue 13: a stream read to its end frees its Rust side at once, not when GC finds the
    // stream (before: ~85 B of wasm per stream until then, a high-water mark that stays).
    if (["iter", "final", "text"].includes(mode)) assert.ok(r.wasmPerStream < 16, `wasm memory grew ${r.wasmPerStream} B per stream read to its end`);
  });
}
