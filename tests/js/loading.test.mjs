// How the package loads its .wasm: synchronously at import in every entry (no top-level await,
// so require() and every bundler target accept it), the AiBadgr constructor over the
// wasm-bindgen class (its methods and getters unchanged, instanceof for new and fromEnv), and a
// failed load that surfaces as a catchable AiBadgrError of kind "load" on every call.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { AiBadgr, AiBadgrError, ready } from "../../pkg/node.js";
import { AiBadgr as WasmClass } from "../../pkg/aibadgr.js";

const pkgDir = fileURLToPath(new URL("../../pkg/", import.meta.url));
const require = createRequire(import.meta.url);
const esbuild = require(path.join(pkgDir, "..", ".ci", "tools", "node_modules", "esbuild"));

/** Runs `code` (an ES module) in a child Node with `flags`; returns its last stdout line as JSON. */
function child(code, flags = [], cwd = pkgDir) {
  const r = spawnSync(process.execPath, [...flags, "--input-type=module", "-e", code], { cwd, encoding: "utf8" });
  assert.equal(r.status, 0, `child exited ${r.status}\n${r.stdout}\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").at(-1));
}

// What a script reports about a client whose module failed to load (pasted into children).
const PROBE = `
  const out = { imported: true };
  try { await m.ready; out.ready = "resolved"; } catch (e) { out.ready = { isError: e instanceof m.AiBadgrError, kind: e.kind, message: e.message }; }
  const client = new m.AiBadgr({ apiKey: "sk-load-SECRET" });
  out.constructed = client instanceof m.AiBadgr;
  try { await client.chat({ messages: [{ role: "user", content: "x" }] }); out.chat = "resolved"; } catch (e) { out.chat = { isError: e instanceof m.AiBadgrError, kind: e.kind, message: e.message }; }
  try { await client.chatStream({ messages: [{ role: "user", content: "x" }] }); } catch (e) { out.stream = e.kind; }
  try { client.baseUrl; out.getter = "returned"; } catch (e) { out.getter = e.kind; }
  try { m.AiBadgr.fromEnv({ AIBADGR_API_KEY: "sk" }); out.fromEnv = "returned"; } catch (e) { out.fromEnv = e.kind; }
  client.free();
  out.text = JSON.stringify(out);
  console.log(JSON.stringify(out));
`;

test("loading: the entries hold no top-level await (esbuild can emit each as CommonJS)", async () => {
  const files = fs.readdirSync(pkgDir, { recursive: true }).filter((f) => f.endsWith(".js"));
  assert.ok(files.length >= 8, files.join(", "));
  for (const f of files) {
    const code = fs.readFileSync(path.join(pkgDir, f), "utf8");
    await assert.doesNotReject(esbuild.transform(code, { format: "cjs", loader: "js" }), `${f} must not use top-level await`);
  }
});

test("loading: no file of the package uses import.meta.url (bundlers would emit the .wasm as an unused asset)", () => {
  const files = fs.readdirSync(pkgDir, { recursive: true }).filter((f) => f.endsWith(".js"));
  for (const f of files) assert.doesNotMatch(fs.readFileSync(path.join(pkgDir, f), "utf8"), /import\.meta\.url/, f);
});

test("loading: the .wasm stays far below Chrome's 8 MB limit for synchronous compiles on the main thread", () => {
  // Above it, new WebAssembly.Module() throws a RangeError in a page and the browser entry
  // would have to compile asynchronously (and the constructor could not validate at once).
  const size = fs.statSync(path.join(pkgDir, "aibadgr_bg.wasm")).size;
  assert.ok(size < 2_000_000, `aibadgr_bg.wasm is ${size} B`);
});

test("loading: require(\"aibadgr\") works from CommonJS (Node ≥ 20.19 loads ESM without top-level await)", () => {
  const r = spawnSync(process.execPath, ["-e", `
    const { AiBadgr, AiBadgrError } = require(${JSON.stringify(path.join(pkgDir, "node.js"))});
    let kind; try { new AiBadgr({ timeoutMs: -1 }); } catch (e) { kind = e instanceof AiBadgrError && e.kind; }
    console.log(JSON.stringify({ baseUrl: new AiBadgr({ apiKey: "sk" }).baseUrl, kind }));`], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { baseUrl: "https://aibadgr.com/api/v1", kind: "config" });
});

test("loading: ready is settled at import; AiBadgr is the wasm-bindgen class under a constructor sharing its prototype", async () => {
  await ready;
  assert.equal(AiBadgr.prototype, WasmClass.prototype, "one prototype: every Rust method and getter appears without JS edits");
  for (const key of Reflect.ownKeys(WasmClass.prototype)) {
    if (key !== "constructor") assert.deepEqual(Object.getOwnPropertyDescriptor(AiBadgr.prototype, key), Object.getOwnPropertyDescriptor(WasmClass.prototype, key), String(key));
  }
  for (const key of Reflect.ownKeys(WasmClass)) {
    if (!["prototype", "length", "name"].includes(key)) assert.equal(AiBadgr[key], WasmClass[key], `static ${String(key)} is the wasm-bindgen one`);
  }
  const client = new AiBadgr({ apiKey: "sk-x", baseUrl: "http://127.0.0.1:9/v1" });
  assert.ok(client instanceof AiBadgr);
  assert.equal(client.constructor, AiBadgr);
  assert.equal(client.baseUrl, "http://127.0.0.1:9/v1");
  const fromEnv = AiBadgr.fromEnv({ AIBADGR_API_KEY: "sk-env" });
  assert.ok(fromEnv instanceof AiBadgr, "fromEnv returns an AiBadgr");
  class Mine extends AiBadgr {
    hello() { return `hi ${this.baseUrl}`; }
  }
  const mine = new Mine({ apiKey: "sk", baseUrl: "http://127.0.0.1:9" });
  assert.ok(mine instanceof Mine && mine instanceof AiBadgr);
  assert.equal(mine.hello(), "hi http://127.0.0.1:9");
  assert.throws(() => AiBadgr({}), TypeError, "calling it without new is a TypeError");
});

test("loading: option errors still throw from the constructor and fromEnv, at once", () => {
  assert.throws(() => new AiBadgr({ timeoutMs: -1 }), (e) => e instanceof AiBadgrError && e.kind === "config" && /timeoutMs/.test(e.message));
  assert.throws(() => new AiBadgr({ nope: 1 }), (e) => e instanceof AiBadgrError && e.kind === "config");
  assert.throws(() => AiBadgr.fromEnv({}), (e) => e instanceof AiBadgrError && e.kind === "config" && /AIBADGR_API_KEY/.test(e.message));
});

function checkFailedLoad(out, pattern) {
  assert.equal(out.imported, true, "the import itself succeeds");
  assert.equal(out.ready.isError, true, "ready rejects with an AiBadgrError");
  assert.equal(out.ready.kind, "load");
  assert.match(out.ready.message, pattern);
  assert.equal(out.constructed, true, "the constructor still returns a client");
  assert.deepEqual(out.chat, out.ready, "a call rejects with the same AiBadgrError");
  assert.equal(out.stream, "load");
  assert.equal(out.getter, "load", "a getter throws it");
  assert.equal(out.fromEnv, "load", "fromEnv throws it");
  assert.doesNotMatch(out.text, /SECRET/, "the key appears nowhere");
}

test("loading: Node without WebAssembly (--jitless): a catchable AiBadgrError of kind load on every call", () => {
  const out = child(`const m = await import("./node.js"); ${PROBE}`, ["--jitless"]);
  checkFailedLoad(out, /no WebAssembly.*--jitless/);
  // Nobody awaiting `ready` must not end the process with an unhandled rejection.
  const quiet = child(`await import("./node.js"); await new Promise((r) => setTimeout(r, 50)); console.log("{\\"exited\\":\\"normally\\"}");`, ["--jitless"]);
  assert.deepEqual(quiet, { exited: "normally" });
});

test("loading: a broken .wasm import (a bundler that turned it into a URL) → AiBadgrError of kind load naming the URL", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aibadgr-load-"));
  try {
    // workerd.js imports the .wasm as a module; esbuild's "file" loader makes that import a URL string.
    await esbuild.build({ entryPoints: [path.join(pkgDir, "workerd.js")], bundle: true, format: "esm", platform: "neutral", outfile: path.join(dir, "worker.mjs"), loader: { ".wasm": "file" }, logLevel: "silent" });
    const out = child(`const m = await import("./worker.mjs"); ${PROBE}`, [], dir);
    checkFailedLoad(out, /aibadgr_bg-\w+\.wasm.*\(a URL\?\) instead of a WebAssembly\.Module; configure your bundler/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("loading: a WebAssembly.Module from another realm (what Next.js hands an edge route) is instantiated", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aibadgr-realm-"));
  try {
    // The workerd/edge entries import the .wasm as a module; here that import yields a Module
    // compiled in a separate vm context, as Next.js's edge sandbox does.
    const realm = {
      name: "foreign-module",
      setup(b) {
        b.onResolve({ filter: /\.wasm(\?module)?$/ }, (a) => ({ path: path.join(a.resolveDir, a.path.replace(/\?module$/, "")), namespace: "realm" }));
        b.onLoad({ filter: /.*/, namespace: "realm" }, (a) => ({
          contents: `import vm from "node:vm"; import fs from "node:fs";\nexport default vm.runInNewContext("new WebAssembly.Module(b)", { b: fs.readFileSync(${JSON.stringify(a.path)}) });`,
          loader: "js", resolveDir: pkgDir,
        }));
      },
    };
    for (const entry of ["edge-light.js", "workerd.js"]) {
      const out = path.join(dir, `${entry}.mjs`);
      await esbuild.build({ entryPoints: [path.join(pkgDir, entry)], bundle: true, format: "esm", platform: "node", outfile: out, plugins: [realm], logLevel: "silent" });
      const r = child(`
        const m = await import(${JSON.stringify(out)});
        let kind; try { new m.AiBadgr({ timeoutMs: -1 }); } catch (e) { kind = e.kind; }
        const c = new m.AiBadgr({ apiKey: "sk", baseUrl: "http://127.0.0.1:9/v1" });
        console.log(JSON.stringify({ ready: await m.ready.then(() => "ok", (e) => e.message), baseUrl: c.baseUrl, kind, isClient: c instanceof m.AiBadgr }));`);
      assert.deepEqual(r, { ready: "ok", baseUrl: "http://127.0.0.1:9/v1", kind: "config", isClient: true }, entry);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("loading: a runtime that forbids compiling from bytes gets told which export condition to use", () => {
  // What workerd and Vercel's edge runtime throw when code compiles wasm from bytes.
  const out = child(`
    const real = WebAssembly.Module;
    WebAssembly.Module = function () { throw new WebAssembly.CompileError("WebAssembly.Module(): Wasm code generation disallowed by embedder"); };
    WebAssembly.Module.prototype = real.prototype;
    const m = await import("./browser.js"); ${PROBE}`);
  checkFailedLoad(out, /forbids compiling WebAssembly from bytes.*"workerd" or "edge-light" export condition/);
});
