// Issue 4: the fault matrix through the built package (cases in matrix.mjs), and the
// browser-page rule for apiKey (checked in a child process that fakes a page).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { MATRIX } from "./matrix.mjs";
import { server, SECRET } from "./helpers.mjs";

let env;
before(async () => {
  env = { srv: await server(), key: SECRET, errors: [] };
});
after(() => env.srv.close());

for (const c of MATRIX) {
  test(c.name, { timeout: 30_000 }, () => c.run(env));
}

const PKG = new URL("../../pkg/node.js", import.meta.url).href;

/** Runs `code` (an ES module) in a fresh node with a fake page (or worker) global; returns its JSON. */
function inChild(code) {
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", code], {
    env: { PATH: process.env.PATH }, // no AIBADGR_API_KEY from the environment
    encoding: "utf8",
    timeout: 20_000,
  });
  return JSON.parse(out.trim().split("\n").at(-1));
}

const PROBE = `
const { AiBadgr } = await import(${JSON.stringify(PKG)});
const out = {};
const tryNew = (name, opts) => {
  try { const c = new AiBadgr(opts); out[name] = { ok: true, baseUrl: c.baseUrl }; }
  catch (e) { out[name] = { ok: false, kind: e.kind, param: e.param, message: e.message, isError: e instanceof Error }; }
};
tryNew("key", { apiKey: "sk-page-key", baseUrl: "https://aibadgr.com/api/v1" });
tryNew("allow", { apiKey: "sk-page-key", allowBrowser: true });
tryNew("proxy", { baseUrl: "/api/ai" });
tryNew("proxyDefault", {});
try { AiBadgr.fromEnv({ AIBADGR_API_KEY: "sk-page-key" }); out.fromEnv = { ok: true }; }
catch (e) { out.fromEnv = { ok: false, kind: e.kind, param: e.param }; }
console.log(JSON.stringify(out));
`;

test("browser page (window + document): apiKey needs allowBrowser; no apiKey is fine", () => {
  const r = inChild(`globalThis.window = globalThis; globalThis.document = { title: "page" };\n${PROBE}`);
  assert.equal(r.key.ok, false);
  assert.equal(r.key.isError, true);
  assert.equal(r.key.kind, "config");
  assert.equal(r.key.param, "apiKey");
  assert.match(r.key.message, /^apiKey /);
  assert.match(r.key.message, /server or Worker/);
  assert.doesNotMatch(r.key.message, /sk-page-key/);
  assert.deepEqual(r.allow, { ok: true, baseUrl: "https://aibadgr.com/api/v1" });
  assert.deepEqual(r.proxy, { ok: true, baseUrl: "/api/ai" });
  assert.deepEqual(r.proxyDefault, { ok: true, baseUrl: "https://aibadgr.com/api/v1" });
  assert.deepEqual(r.fromEnv, { ok: false, kind: "config", param: "apiKey" });
});

test("not a page: a worker-like global (self, no document) and Node may hold the key", () => {
  const worker = inChild(`globalThis.self = globalThis;\n${PROBE}`);
  assert.equal(worker.key.ok, true);
  assert.equal(worker.fromEnv.ok, true);
  const windowOnly = inChild(`globalThis.window = globalThis;\n${PROBE}`);
  assert.equal(windowOnly.key.ok, true, "window without document is not a page");
  const plain = inChild(PROBE);
  assert.equal(plain.key.ok, true);
});
