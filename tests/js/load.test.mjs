// Issue 4, load: 500 concurrent streams and 10 000 sequential requests in one Node process
// (a child started with --expose-gc, so the heap can be measured after gc), all succeeding,
// with the JS heap and the wasm memory ending flat. Prints the figures as one JSON line.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { server } from "./helpers.mjs";

let srv;
before(async () => {
  srv = await server();
});
after(() => srv.close());

function run(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--expose-gc", fileURLToPath(new URL("./load-run.mjs", import.meta.url)), ...args], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`load-run exited ${code}: ${err.slice(-2000)}`));
      resolve(JSON.parse(out.trim().split("\n").at(-1)));
    });
  });
}

test("load: 500 concurrent streams and 10 000 sequential requests succeed; heap and wasm memory end flat", { timeout: 170_000 }, async () => {
  const before = (await srv.stats()).requests;
  const r = await run([srv.url, "500", "10000"]);
  const { raw, ...figures } = r;
  console.log(`LOAD ${JSON.stringify(figures)}`);
  assert.deepEqual({ n: r.concurrent.n, ok: r.concurrent.ok }, { n: 500, ok: 500 }, r.concurrent.firstFailure);
  assert.deepEqual({ n: r.sequential.n, ok: r.sequential.ok }, { n: 10_000, ok: 10_000 }, r.sequential.firstFailure);
  assert.equal((await srv.stats()).requests - before, 300 + 50 + 500 + 10_000, "every request reached the server once");
  assert.deepEqual(r.listeners, { afterStreams: 0, afterSequential: 0, maxDuringSequential: 0 }, "no listener left on the caller's signal");
  const MB = 1048576;
  assert.ok(raw.m2.heapUsed - raw.m1.heapUsed < 10 * MB, `JS heap grew ${(raw.m2.heapUsed - raw.m1.heapUsed) / MB} MB over 10 000 requests`);
  assert.ok(raw.m2.heapUsed - raw.m0.heapUsed < 10 * MB, `JS heap grew ${(raw.m2.heapUsed - raw.m0.heapUsed) / MB} MB over the whole run`);
  assert.ok(raw.m2.wasm - raw.m1.wasm <= 2 * MB, `wasm memory grew ${(raw.m2.wasm - raw.m1.wasm) / MB} MB over 10 000 requests`);
  assert.ok(raw.m1.wasm - raw.m0.wasm <= 16 * MB, `wasm memory grew ${(raw.m1.wasm - raw.m0.wasm) / MB} MB for 500 concurrent streams`);
});
