// A hostile server must not take the client down: every limit ends a call with a clear error
// that names the limit and its option, within seconds and with bounded memory, and the same
// client then works normally (a panic or out-of-memory trap would kill the wasm instance and
// every later call). Each case runs in Node (free, and with wasm memory capped at 128 MiB and
// --max-old-space-size=128) and in workerd (Miniflare, wasm memory capped at 128 MiB), against
// tests/server/hostile.mjs, which generates the big bodies as streams.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startHostile } from "../server/hostile.mjs";
import { CASES, capMemory } from "./hostile-cases.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
const pkg = path.join(root, "pkg");
const MiB = 1024 * 1024;
const NAMES = Object.keys(CASES);

let srv;
const runs = {}; // runtime → { case name → outcome }

before(async () => {
  srv = await startHostile({ port: 0 });
});
after(async () => {
  await srv?.close();
});

function child(args, nodeArgs = []) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [...nodeArgs, path.join(here, "hostile-run.mjs"), ...args], { maxBuffer: 16 * MiB, timeout: 240_000 }, (err, stdout, stderr) => {
      const lines = stdout.trim().split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
      if (err && lines.length < args.length - 2) return reject(new Error(`child failed (${err.message}): ${stderr.slice(-2000)}`));
      resolve(Object.fromEntries(lines.map((r) => [r.name, r])));
    });
  });
}

const mb = (n) => (n == null ? "n/a" : `${(n / MiB).toFixed(1)} MiB`);
function report(runtime, r) {
  const grow = (k) => (r.before?.[k] == null ? "n/a" : mb(r.after[k] - r.before[k]));
  console.log(`${runtime} ${r.name}: ${r.ms} ms, rss ${mb(r.before?.rss)} -> ${mb(r.after?.rss)} (+${grow("rss")}), wasm ${mb(r.before?.wasm)} -> ${mb(r.after?.wasm)} (+${grow("wasm")}); ${r.error ? `${r.error.kind}: ${r.error.message}` : `ok: ${JSON.stringify(r.result)?.slice(0, 60)}`}`);
}

/** What each case must end in. `capped`: under the 128 MiB cap, where a success may become an error. */
function check(runtime, r, capped) {
  assert.ok(r, `${runtime}: the case did not run (the process was killed?)`);
  report(runtime, r);
  assert.equal(r.normalAfter, true, `${runtime} ${r.name}: the client does not work after the case: ${r.normalError}`);
  const err = (kind, re) => {
    assert.ok(r.error, `${runtime} ${r.name}: expected an error, got ${JSON.stringify(r.result)?.slice(0, 200)}`);
    assert.equal(r.error.name === "AiBadgrError" || r.error.name === "AbortError", true, `${r.name}: not an AiBadgrError: ${r.error.name}`);
    assert.equal(r.error.kind, kind, `${runtime} ${r.name}: ${r.error.message}`);
    assert.match(r.error.message, re);
  };
  const okOrLimit = (want) => {
    if (capped && r.error) return err("api", /maxBodyBytes|larger/);
    assert.equal(r.error, null, `${runtime} ${r.name}: ${r.error?.message}`);
    assert.deepEqual(r.result, want);
  };
  switch (r.name) {
    case "sse_no_line_end":
      err("stream", /^a stream event is larger than maxEventBytes \(16777216 bytes\); raise maxEventBytes/);
      assert.ok(r.ms < 15_000, `took ${r.ms} ms`);
      if (r.before.wasm != null) assert.ok(r.after.wasm - r.before.wasm <= 48 * MiB, `wasm grew ${mb(r.after.wasm - r.before.wasm)}`);
      if (r.before.rss != null) assert.ok(r.after.rss - r.before.rss <= 160 * MiB, `rss grew ${mb(r.after.rss - r.before.rss)}`);
      break;
    case "sse_no_line_end_call_limit":
      err("stream", /maxEventBytes \(1048576 bytes\)/);
      break;
    case "content_blocks":
      err("stream", /more than 4096 content blocks/);
      break;
    case "json_50mb":
    case "json_50mb_length":
      okOrLimit(50 * MiB);
      break;
    case "json_50mb_call_limit":
    case "json_50mb_length_call_limit":
      err("api", /^the response body is larger than maxBodyBytes \(1048576 bytes\); raise maxBodyBytes/);
      assert.equal(r.error.status, 200);
      break;
    case "json_50mb_stream_request":
      err("api", /maxBodyBytes \(8388608 bytes\)/);
      break;
    case "whitespace_20mb_stream":
      err("stream", /instead of an event stream/);
      assert.ok(r.ms < 10_000, `took ${r.ms} ms`);
      break;
    case "whitespace_20mb":
      okOrLimit(0);
      break;
    case "nested_100k_stream":
      err("stream", /not valid JSON|nesting/);
      break;
    case "nested_100k":
      if (capped && r.error) err("api", /JSON|nesting/);
      else okOrLimit("deep");
      break;
    case "html_key_page":
      err("api", /^502 Bad Gateway/);
      assert.equal(r.error.status, 502);
      assert.ok(r.error.bodyLength > 0 && r.error.bodyLength <= 512 + 16, `body of ${r.error.bodyLength}`);
      assert.deepEqual(r.error.keyPieces, [], "a piece of the key reached the error");
      break;
    default:
      assert.fail(`no expectation for ${r.name}`);
  }
}

async function nodeRun(mode) {
  if (!runs[mode]) {
    runs[mode] = mode === "node"
      ? child([srv.url, "0", ...NAMES])
      : child([srv.url, "128", ...NAMES], ["--max-old-space-size=128"]);
  }
  return runs[mode];
}

for (const name of NAMES) {
  test(`node: ${name} ends cleanly and the client lives`, async () => check("node", (await nodeRun("node"))[name], false));
}
for (const name of NAMES) {
  test(`node, 128 MiB wasm + 128 MB heap: ${name} ends in an error or a result, never a dead instance`, async () =>
    check("node-128", (await nodeRun("node-128"))[name], true));
}

// workerd: the package's workerd entry with its .wasm capped at 128 MiB, one client for all cases.
let mf;
async function workerdRun() {
  if (runs.workerd) return runs.workerd;
  runs.workerd = (async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aibadgr-hostile-"));
    fs.cpSync(pkg, dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "aibadgr_bg.wasm"), capMemory(fs.readFileSync(path.join(pkg, "aibadgr_bg.wasm")), 128 * 16));
    fs.copyFileSync(path.join(here, "hostile-cases.mjs"), path.join(dir, "hostile-cases.js"));
    fs.writeFileSync(path.join(dir, "worker.js"), `
import { AiBadgr } from "./workerd.js";
import { initSync } from "./aibadgr.js";
import wasm from "./aibadgr_bg.wasm";
import { KEY, runCase } from "./hostile-cases.js";
const { memory } = initSync({ module: wasm });
let client;
export default {
  async fetch(req, env) {
    client ??= new AiBadgr({ apiKey: KEY, baseUrl: env.BASE + "/v1", maxRetries: 0 });
    const name = new URL(req.url).searchParams.get("case");
    return Response.json(await runCase(client, name, () => ({ rss: null, wasm: memory.buffer.byteLength })));
  },
};
`);
    const { Miniflare } = await import(path.join(root, ".ci", "tools", "node_modules", "miniflare", "dist", "src", "index.js"));
    mf = new Miniflare({
      host: "127.0.0.1",
      port: 0,
      modules: true,
      scriptPath: path.join(dir, "worker.js"),
      modulesRoot: dir,
      modulesRules: [
        { type: "ESModule", include: ["**/*.js"] },
        { type: "CompiledWasm", include: ["**/*.wasm"] },
      ],
      compatibilityDate: "2025-01-01",
      bindings: { BASE: srv.url },
    });
    const url = await mf.ready;
    const out = {};
    for (const name of NAMES) {
      const res = await fetch(new URL(`/?case=${name}`, url));
      out[name] = res.ok ? await res.json() : { name, workerStatus: res.status, text: await res.text() };
    }
    await mf.dispose();
    mf = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
    return out;
  })();
  return runs.workerd;
}
after(async () => {
  await mf?.dispose();
});

for (const name of NAMES) {
  test(`workerd, 128 MiB wasm: ${name} ends cleanly and the Worker's client lives`, async () =>
    check("workerd", (await workerdRun())[name], true));
}

test("maxEventBytes and maxBodyBytes: bad values are refused with a clear error, nothing sent", async () => {
  const { AiBadgr } = await import("../../pkg/node.js");
  for (const opt of ["maxEventBytes", "maxBodyBytes"]) {
    for (const bad of [0, -1, 1.5, 2 ** 32, NaN, "1024", null]) {
      assert.throws(() => new AiBadgr({ apiKey: "sk-x-1234", baseUrl: srv.url, [opt]: bad }), (e) =>
        e.kind === "config" && e.param === opt && e.message === `${opt} must be a whole number of bytes from 1 to 4294967295`);
    }
    const c = new AiBadgr({ apiKey: "sk-x-1234", baseUrl: srv.url + "/v1", [opt]: 4096 });
    const before = srv.stats.requests;
    await assert.rejects(c.chat({ messages: [{ role: "user", content: "hi" }] }, { [opt]: 0 }), (e) =>
      e.kind === "invalid_request" && e.param === opt);
    assert.equal(srv.stats.requests, before, "nothing was sent");
    assert.equal((await c.chat({ messages: [{ role: "user", content: "hi" }] }, { [opt]: 1 << 20 })).choices[0].message.content, "fine");
  }
  assert.throws(() => new AiBadgr({ maxEventByte: 1 }), (e) => /the options are .*maxEventBytes, maxBodyBytes/.test(e.message));
});
