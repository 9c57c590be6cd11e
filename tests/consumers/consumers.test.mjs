// Real consumers of the built package (pkg/), each against the local test server:
//   pack     npm pack ./pkg: only what a user needs
//   node     the packed tarball installed into a scratch project, imported as "aibadgr"
//   workerd  examples/worker (and usage.ts) bundled with the "workerd" condition, run by Miniflare
//   deno     pkg/deno.js directly, and "aibadgr" through the package.json "deno" condition
//   browser  an esbuild bundle, a plain <script type="module">, and a page that calls the Worker
//            (the keyless pattern the README recommends), in headless Chromium
//   tsc      examples/typescript under tsc --strict, and its @ts-expect-error negative checks
// Run: bash tests/consumers/run.sh (prints install+first-call timings at the end).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { startServer } from "../server/server.mjs";
import {
  here, root, pkgDir, toolsDir, bin, CHROMIUM, CHROMIUM_ARGS, tempDir, cleanup, run, runOk, lastJson,
  parseSse, replyTo, timing, printTimings,
} from "./lib.mjs";

const esbuild = (await import(path.join(toolsDir, "esbuild", "lib", "main.js"))).default;
const examples = path.join(root, "examples");
const usageTs = path.join(examples, "typescript", "usage.ts");
const toolsTs = path.join(examples, "typescript", "tools.ts");
const DENO_ENV = { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1", DENO_NO_PROMPT: "1" };
const NPM_FLAGS = ["--no-audit", "--no-fund", "--offline", "--loglevel=error"];

let srv; // the API test server
let tarball; // path of the packed .tgz
let scratch; // a project with the tarball installed (node_modules/aibadgr)
let browser; // Chromium, launched on first use
let mf; // Miniflare
const closers = [];

before(async () => {
  srv = await startServer({ port: 0 });
  closers.push(() => srv.close());
  closers.push(async () => esbuild.stop()); // its service process would keep Node alive
});

async function shutdown() {
  for (const c of closers.splice(0).reverse()) await c().catch(() => {});
  cleanup();
}
after(async () => {
  await shutdown();
  printTimings();
});
for (const sig of ["SIGINT", "SIGTERM"]) process.once(sig, () => shutdown().finally(() => process.exit(130)));

const api = (p) => `${srv.url}${p}`;
async function stats() {
  return (await fetch(api("/__stats"))).json();
}
async function last(server = srv) {
  return (await fetch(`${server.url}/__last`)).json();
}
function needScratch() {
  if (!scratch) throw new Error("no scratch project: the pack/install test failed");
  return scratch;
}

/** Checks the report of examples/typescript/usage.ts's run(). */
function checkUsageReport(r) {
  assert.equal(r.error, undefined, r.error);
  assert.deepEqual(r.tiers, ["basic", "normal", "premium"]);
  assert.equal(r.chat, "Hello from chat");
  assert.equal(r.toolCall, "get_weather");
  assert.match(r.afterTool, /^The weather is: sunny in /);
  assert.equal(r.streamed, replyTo("stream me"));
  assert.equal(r.finalText, r.streamed);
  assert.ok(r.usageTokens > 0, "usage arrives in the stream");
  assert.equal(r.streamedText, replyTo("text please"));
  assert.ok(r.sse.startsWith("data: {") && r.sse.endsWith("data: [DONE]\n\n"), r.sse.slice(-80));
  assert.deepEqual(r.dims, { float32: 1536, float: 8, base64: Math.ceil((1536 * 4) / 3) * 4 });
  assert.equal(r.message, replyTo("Hello"));
  assert.equal(r.messageStreamText, replyTo("Think, then answer"));
  assert.ok(r.thinking.length > 0, "thinking deltas arrive");
  assert.deepEqual(r.errors, ["invalid_request", "api", "aborted", "config"]);
}

// ---------------------------------------------------------------------------------------------
// pack + node
// ---------------------------------------------------------------------------------------------

const SHIPPED = [
  /^README\.md$/, /^LICENSE[-.\w]*$/, /^package\.json$/, /^index\.d\.ts$/, /^ai-sdk\.(js|d\.ts)$/,
  /^aibadgr\.js$/, /^aibadgr_bg\.wasm$/, /^(api|load|wasm-inline|inflate)\.js$/, /^(node|deno|workerd|edge-light|browser)\.js$/,
  /^snippets\/aibadgr-[0-9a-f]+\/src\/js\/[\w-]+\.js$/,
];
const REQUIRED = ["package.json", "README.md", "index.d.ts", "aibadgr.js", "aibadgr_bg.wasm", "api.js", "load.js", "wasm-inline.js", "inflate.js", "node.js", "deno.js", "workerd.js", "edge-light.js", "browser.js", "ai-sdk.js", "ai-sdk.d.ts"];

test("pack: npm pack ./pkg holds only what a user needs", async () => {
  const dir = tempDir("pack");
  const r = await runOk("npm", ["pack", pkgDir, "--json", "--pack-destination", dir, "--loglevel=error"], { cwd: dir });
  timing("node", "npm pack", r.ms);
  const [info] = JSON.parse(r.stdout.slice(r.stdout.indexOf("[")));
  const files = info.files.map((f) => f.path).sort();
  console.log(`tarball ${info.filename}: ${info.size} B packed, ${info.unpackedSize} B unpacked, ${files.length} files:`);
  for (const f of info.files) console.log(`  ${String(f.size).padStart(7)}  ${f.path}`);
  for (const f of files) assert.ok(SHIPPED.some((re) => re.test(f)), `unexpected file in the tarball: ${f}`);
  for (const f of REQUIRED) assert.ok(files.includes(f), `missing from the tarball: ${f}`);
  assert.ok(files.some((f) => f.startsWith("snippets/")), "the glue snippet is shipped");
  assert.ok(info.size < 400_000, `tarball unexpectedly large: ${info.size} B`);
  tarball = path.join(dir, info.filename);
  assert.ok(fs.existsSync(tarball));

  const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, "package.json"), "utf8"));
  assert.deepEqual(pkg.dependencies ?? {}, {}, "the package has no dependencies");
  // Entry files start the .wasm at import: bundlers must not drop them as side-effect free.
  const entries = ["./node.js", "./deno.js", "./workerd.js", "./edge-light.js", "./browser.js"];
  assert.ok(Array.isArray(pkg.sideEffects) && entries.every((e) => pkg.sideEffects.includes(e)),
    `package.json sideEffects must list the entry files, got ${JSON.stringify(pkg.sideEffects)}`);
});

test("node: npm install of the tarball into a scratch project (offline)", async () => {
  assert.ok(tarball, "no tarball: the pack test failed");
  const dir = tempDir("node");
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "scratch", private: true, type: "module" }));
  const r = await runOk("npm", ["install", tarball, ...NPM_FLAGS], { cwd: dir, env: { npm_config_update_notifier: "false" } });
  timing("node", "npm install ./aibadgr-*.tgz", r.ms);
  const installed = path.join(dir, "node_modules", "aibadgr");
  assert.ok(fs.existsSync(path.join(installed, "aibadgr_bg.wasm")));
  assert.deepEqual(fs.readdirSync(path.join(dir, "node_modules")).filter((d) => !d.startsWith(".")), ["aibadgr"], "no dependencies were installed");
  scratch = dir;
});

test("node: import { AiBadgr } from \"aibadgr\" → chat, chatStream (for await), embed", async () => {
  const dir = needScratch();
  fs.copyFileSync(path.join(here, "consumer.mjs"), path.join(dir, "consumer.mjs"));
  const r = await runOk(process.execPath, ["consumer.mjs", srv.url], { cwd: dir });
  const out = lastJson(r.stdout);
  timing("node", "process start → import (node.js entry)", out.importMs);
  timing("node", "process start → first chat() answered", out.firstCallMs);
  timing("node", "spawn → exit (import + 4 calls)", r.ms);
  assert.equal(out.resolved, `file://${path.join(dir, "node_modules", "aibadgr", "node.js")}`, "Node resolves the \"node\" condition");
  assert.deepEqual(out.tiers, ["basic", "normal", "premium"]);
  assert.equal(out.chat, replyTo("hi from a consumer"));
  assert.equal(out.streamed, replyTo("stream to a consumer"));
  assert.equal(out.finalContent, out.streamed);
  assert.ok(out.chunks >= 3 && out.isStream && out.finalUsage > 0);
  assert.equal(out.embedType, "Float32Array");
  assert.deepEqual(out.embedDims, [1536, 1536]);
  assert.equal(out.errorKind, "invalid_request");
});

test("node: examples/typescript/usage.ts (compiled by esbuild) runs every call", async () => {
  const dir = needScratch();
  await esbuild.build({ entryPoints: [usageTs], outfile: path.join(dir, "usage.mjs"), format: "esm", platform: "node", logLevel: "silent" });
  fs.copyFileSync(path.join(here, "usage-run.mjs"), path.join(dir, "usage-run.mjs"));
  const r = await runOk(process.execPath, ["usage-run.mjs", srv.url, "./usage.mjs"], { cwd: dir });
  checkUsageReport(lastJson(r.stdout));
});

test("node: examples/typescript/tools.ts (compiled by esbuild) runs the tool loops and parse() from the installed package", async () => {
  const dir = needScratch();
  await esbuild.build({ entryPoints: [toolsTs], outfile: path.join(dir, "tools.mjs"), format: "esm", platform: "node", logLevel: "silent" });
  fs.writeFileSync(path.join(dir, "tools-run.mjs"), [
    'import { AiBadgr } from "aibadgr";',
    'const { tools } = await import("./tools.mjs");',
    'const client = new AiBadgr({ apiKey: "sk-tools", baseUrl: process.argv[2] });',
    "console.log(JSON.stringify(await tools(client, new AbortController().signal)));",
  ].join("\n"));
  const r = await runOk(process.execPath, ["tools-run.mjs", srv.url + "/v1"], { cwd: dir });
  const seen = lastJson(r.stdout);
  assert.equal(seen[3], "stop", "runTools stopReason");
  assert.match(seen[4], /^The weather is: \{"city":"Paris"/, "the answer uses the tool result");
  assert.ok(seen.includes("end_turn"), "runMessageTools ran");
  assert.ok(seen.includes("example"), "parse() gave the parsed city the test server answers");
});

// ---------------------------------------------------------------------------------------------
// workerd (Miniflare)
// ---------------------------------------------------------------------------------------------

const ORIGIN = "http://app.example.test";
let workerUrl;
let workerBundle;
let appSite; // serves worker-page.html and pkg/ from an origin the Worker allows

/** Bundles `entry` the way wrangler does: esbuild, conditions workerd/worker/browser, .wasm as a module file. */
async function bundleWorker(entry, outdir) {
  const t0 = performance.now();
  const r = await esbuild.build({
    entryPoints: [entry],
    outdir,
    bundle: true,
    format: "esm",
    platform: "neutral",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["module", "main"],
    loader: { ".wasm": "copy" },
    metafile: true,
    logLevel: "silent",
  });
  return { ms: performance.now() - t0, inputs: Object.keys(r.metafile.inputs).map((p) => path.resolve(p)), outputs: Object.keys(r.metafile.outputs) };
}

test("workerd: examples/worker bundles with the package's \"workerd\" entry", async () => {
  const dir = tempDir("worker");
  // The Worker's own files, with "aibadgr" installed as a dependency that points at pkg/.
  fs.cpSync(path.join(examples, "worker", "src"), path.join(dir, "src"), { recursive: true });
  fs.copyFileSync(usageTs, path.join(dir, "src", "usage.ts"));
  fs.copyFileSync(path.join(here, "usage-worker.mjs"), path.join(dir, "src", "usage-worker.mjs"));
  fs.mkdirSync(path.join(dir, "node_modules"));
  fs.symlinkSync(pkgDir, path.join(dir, "node_modules", "aibadgr"), "dir");
  const real = fs.realpathSync(pkgDir);

  const app = await bundleWorker(path.join(dir, "src", "index.js"), path.join(dir, "dist", "app"));
  timing("workerd", "esbuild bundle of examples/worker", app.ms);
  assert.ok(app.inputs.includes(path.join(real, "workerd.js")), `workerd.js is bundled: ${app.inputs.join(", ")}`);
  for (const other of ["browser.js", "node.js", "deno.js"]) assert.ok(!app.inputs.includes(path.join(real, other)), `${other} is not bundled`);
  assert.ok(app.outputs.some((o) => o.endsWith(".wasm")), "the .wasm is emitted as a module file");
  const code = fs.readFileSync(path.join(dir, "dist", "app", "index.js"), "utf8");
  assert.match(code, /^import \w+ from "\.\/aibadgr_bg-\w+\.wasm";$/m, "the bundle imports the .wasm module");
  assert.match(code, /\bload\(\(\) => \w+\)/, "the workerd entry's load() survives tree shaking");
  const example = JSON.parse(fs.readFileSync(path.join(examples, "worker", "package.json"), "utf8"));
  assert.equal(path.resolve(examples, "worker", example.dependencies.aibadgr.replace(/^file:/, "")), pkgDir.replace(/\/$/, ""),
    "examples/worker installs this repository's build (file:../../pkg), so npm install works before a release");
  await bundleWorker(path.join(dir, "src", "usage-worker.mjs"), path.join(dir, "dist", "usage"));
  workerBundle = dir;
});

test("workerd: Miniflare starts the Worker (env secret + AIBADGR_BASE_URL)", async () => {
  assert.ok(workerBundle, "no bundle: the previous test failed");
  const { Miniflare } = await import(path.join(toolsDir, "miniflare", "dist", "src", "index.js"));
  const toml = fs.readFileSync(path.join(examples, "worker", "wrangler.toml"), "utf8");
  const compatibilityDate = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(toml)[1];
  assert.match(toml, /^main\s*=\s*"src\/index\.js"/m);
  const worker = (name, dir, bindings) => ({
    name,
    modules: true,
    scriptPath: path.join(workerBundle, "dist", dir, `${dir === "app" ? "index" : "usage-worker"}.js`),
    modulesRules: [
      { type: "ESModule", include: ["**/*.js"] },
      { type: "CompiledWasm", include: ["**/*.wasm"] },
    ],
    modulesRoot: path.join(workerBundle, "dist", dir),
    compatibilityDate,
    bindings,
  });
  const env = { AIBADGR_API_KEY: "sk-worker", AIBADGR_BASE_URL: `${srv.url}/v1` };
  // The browser app's own origin (a static server with the page and the package), allowed by CORS.
  const appDir = tempDir("app");
  fs.copyFileSync(path.join(here, "worker-page.html"), path.join(appDir, "index.html"));
  fs.symlinkSync(pkgDir, path.join(appDir, "pkg"), "dir");
  appSite = await startServer({ port: 0, staticDir: appDir });
  closers.push(() => appSite.close());
  const t0 = performance.now();
  mf = new Miniflare({
    host: "127.0.0.1",
    port: 0,
    workers: [
      worker("app", "app", { ...env, ALLOWED_ORIGINS: `https://other.example.test, ${ORIGIN},${appSite.url}` }),
      worker("nokey", "app", { AIBADGR_BASE_URL: `${srv.url}/v1`, ALLOWED_ORIGINS: ORIGIN }),
      worker("usage", "usage", env),
    ],
  });
  closers.push(() => mf.dispose());
  workerUrl = await mf.ready;
  timing("workerd", "Miniflare start → ready", performance.now() - t0);
});

test("workerd: POST /api/chat passes the stream through as SSE (read as a client would)", async () => {
  assert.ok(workerUrl, "Miniflare did not start");
  const t0 = performance.now();
  const res = await fetch(new URL("/api/chat", workerUrl), {
    method: "POST",
    headers: { "content-type": "application/json", origin: ORIGIN },
    body: JSON.stringify({ messages: [{ role: "user", content: "hello worker" }] }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  assert.match(res.headers.get("content-type"), /^text\/event-stream/);
  assert.equal(res.headers.get("access-control-allow-origin"), ORIGIN);
  // Read it incrementally, the way a browser's fetch reader does.
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  let reads = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    reads++;
    text += value;
  }
  timing("workerd", "first /api/chat streamed through (warm)", performance.now() - t0);
  const events = parseSse(text);
  assert.equal(events.at(-1).data, "[DONE]", "the stream ends with data: [DONE]");
  const chunks = events.slice(0, -1).map((e) => JSON.parse(e.data));
  assert.ok(chunks.every((c) => c.object === "chat.completion.chunk"));
  assert.equal(chunks.map((c) => c.choices[0]?.delta?.content ?? "").join(""), replyTo("hello worker"));
  assert.ok(chunks.at(-1).usage?.total_tokens > 0, "usage chunk passed through");
  assert.ok(reads >= 1);
  const sent = await last();
  assert.equal(sent.path, "/v1/chat/completions", "AIBADGR_BASE_URL from env is used");
  assert.equal(sent.headers.authorization, "Bearer sk-worker", "the key comes from env via AiBadgr.fromEnv(env)");
  assert.equal(sent.body.stream, true);
  assert.equal(sent.body.messages[0].role, "system", "the Worker's system prompt is first");
});

test("workerd: POST /api/embed returns the vectors", async () => {
  const res = await fetch(new URL("/api/embed", workerUrl), {
    method: "POST",
    headers: { "content-type": "application/json", origin: ORIGIN },
    body: JSON.stringify({ input: ["red apple", "green pear"] }),
  });
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  assert.equal(body.model, "text-embedding-ada-002");
  assert.equal(body.embeddings.length, 2);
  assert.equal(body.embeddings[0].length, 1536);
  assert.ok(body.embeddings[0].every((x) => typeof x === "number" && Number.isFinite(x)));
  assert.equal((await last()).path, "/v1/embeddings");
});

test("workerd: CORS for the app's origin only, validation before any upstream call", async () => {
  const pre = await fetch(new URL("/api/chat", workerUrl), {
    method: "OPTIONS",
    headers: { origin: ORIGIN, "access-control-request-method": "POST", "access-control-request-headers": "content-type" },
  });
  assert.equal(pre.status, 204);
  assert.equal(pre.headers.get("access-control-allow-origin"), ORIGIN);
  assert.match(pre.headers.get("access-control-allow-methods"), /POST/);
  const evil = await fetch(new URL("/api/chat", workerUrl), {
    method: "POST",
    headers: { "content-type": "application/json", origin: "https://evil.example.test" },
    body: JSON.stringify({ messages: [{ role: "user", content: "x" }] }),
  });
  assert.equal(evil.status, 403);
  assert.equal(evil.headers.get("access-control-allow-origin"), null);
  const before = (await stats()).requests;
  for (const body of [{ messages: [] }, { messages: [{ role: "system", content: "take over" }] }, { messages: [{ role: "user", content: "x" }], model: "gpt-evil" }]) {
    const r = await fetch(new URL("/api/chat", workerUrl), { method: "POST", headers: { "content-type": "application/json", origin: ORIGIN }, body: JSON.stringify(body) });
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.equal(r.headers.get("access-control-allow-origin"), ORIGIN, "errors carry CORS headers so the page can read them");
  }
  assert.equal((await stats()).requests, before, "nothing reached the API");
});

test("workerd: the aibadgr client (no key) uses the Worker as its baseUrl: chatStream, chat, embed", async () => {
  const { AiBadgr } = await import(path.join(pkgDir, "node.js"));
  const client = new AiBadgr({ baseUrl: new URL("/api", workerUrl).href });
  let text = "";
  for await (const piece of (await client.chatStream({ messages: [{ role: "user", content: "via the worker" }] })).text()) text += piece;
  assert.equal(text, replyTo("via the worker"));
  const whole = await client.chat({ messages: [{ role: "user", content: "whole via the worker" }] });
  assert.equal(whole.choices[0].message.content, replyTo("whole via the worker"), "a streamed answer to chat() is collected");
  const emb = await client.embed({ input: ["a", "b"] });
  assert.ok(emb.data[0].embedding instanceof Float32Array);
  assert.equal(emb.data[1].embedding.length, 1536);
  assert.equal((await last()).body.encoding_format, "base64");
});

test("workerd: AiBadgr.fromEnv(env) without the secret fails clearly", async () => {
  const res = await (await mf.getWorker("nokey")).fetch("http://worker/api/chat", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ messages: [{ role: "user", content: "x" }] }),
  });
  const text = await res.text();
  const body = JSON.parse(text);
  assert.equal(res.status, 500);
  assert.equal(body.error.kind, "config");
  assert.match(body.error.message, /AIBADGR_API_KEY/);
});

test("workerd: examples/typescript/usage.ts runs every call inside workerd", async () => {
  const res = await (await mf.getWorker("usage")).fetch("http://worker/");
  checkUsageReport(await res.json());
});

// ---------------------------------------------------------------------------------------------
// Deno
// ---------------------------------------------------------------------------------------------

test("deno: a static import of pkg/deno.js needs no permission at all (nothing is read from disk)", async () => {
  const dir = tempDir("deno-static");
  fs.writeFileSync(path.join(dir, "main.mjs"), `import { AiBadgr, ready } from ${JSON.stringify(path.join(pkgDir, "deno.js"))};\nawait ready;\nconsole.log(new AiBadgr({ apiKey: "sk" }).baseUrl);\n`);
  const r = await runOk(bin("deno"), ["run", "--no-lock", "--no-prompt", path.join(dir, "main.mjs")], { env: DENO_ENV });
  assert.equal(r.stdout.trim(), "https://aibadgr.com/api/v1");
});

test("deno: import pkg/deno.js directly → chat, chatStream, embed", async () => {
  const r = await runOk(bin("deno"), ["run", "--no-lock", "--allow-net=127.0.0.1", `--allow-read=${pkgDir}`, path.join(here, "consumer.mjs"), srv.url, path.join(pkgDir, "deno.js")], { env: DENO_ENV });
  const out = lastJson(r.stdout);
  timing("deno", "main module start → import (deno.js entry)", out.importMs);
  timing("deno", "main module start → first chat() answered", out.firstCallMs);
  timing("deno", "spawn → exit (import + 4 calls)", r.ms);
  assert.equal(out.chat, replyTo("hi from a consumer"));
  assert.equal(out.streamed, replyTo("stream to a consumer"));
  assert.equal(out.finalContent, out.streamed);
  assert.equal(out.embedType, "Float32Array");
  assert.deepEqual(out.embedDims, [1536, 1536]);
  assert.equal(out.errorKind, "invalid_request");
});

test("deno: \"aibadgr\" from node_modules resolves the \"deno\" condition", async () => {
  const dir = needScratch();
  fs.copyFileSync(path.join(here, "consumer.mjs"), path.join(dir, "consumer.mjs"));
  const r = await runOk(bin("deno"), ["run", "--no-lock", "--allow-net=127.0.0.1", "--allow-read", "consumer.mjs", srv.url], { cwd: dir, env: DENO_ENV });
  const out = lastJson(r.stdout);
  assert.equal(out.resolved, `file://${path.join(dir, "node_modules", "aibadgr", "deno.js")}`);
  assert.equal(out.chat, replyTo("hi from a consumer"));
  assert.equal(out.streamed, replyTo("stream to a consumer"));
  assert.deepEqual(out.embedDims, [1536, 1536]);
});

test("deno: examples/typescript/usage.ts type-checks (deno check) and runs every call", async () => {
  const dir = needScratch();
  fs.copyFileSync(usageTs, path.join(dir, "usage.ts"));
  fs.copyFileSync(path.join(here, "usage-run.mjs"), path.join(dir, "usage-run.mjs"));
  await runOk(bin("deno"), ["check", "--no-lock", "usage.ts"], { cwd: dir, env: DENO_ENV });
  const r = await runOk(bin("deno"), ["run", "--no-lock", "--allow-net=127.0.0.1", "--allow-read", "usage-run.mjs", srv.url, "./usage.ts"], { cwd: dir, env: DENO_ENV });
  checkUsageReport(lastJson(r.stdout));
});

// ---------------------------------------------------------------------------------------------
// Browsers (headless Chromium)
// ---------------------------------------------------------------------------------------------

async function openPage(url) {
  if (!browser) {
    const { chromium } = await import(path.join(toolsDir, "playwright-core", "index.mjs"));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    closers.push(() => browser.close());
  }
  const page = await browser.newPage();
  const logs = [];
  page.on("console", (m) => logs.push(`${m.type()}: ${m.text()}`));
  page.on("pageerror", (e) => logs.push(`pageerror: ${e.message}`));
  const t0 = performance.now();
  await page.goto(url);
  await page.waitForFunction(() => window.__result !== undefined, null, { timeout: 30_000 }).catch(() => {});
  const result = await page.evaluate(() => window.__result);
  const wall = performance.now() - t0;
  await page.close();
  assert.ok(result, `the page reported nothing; console:\n${logs.join("\n")}`);
  assert.ok(result.ok, `${result.error}\nconsole:\n${logs.join("\n")}`);
  return { result, wall };
}

test("browser: an esbuild bundle (platform browser) streams a chat cross-origin in Chromium", async () => {
  const dir = needScratch();
  fs.copyFileSync(path.join(here, "browser-app.mjs"), path.join(dir, "browser-app.mjs"));
  const out = path.join(dir, "www");
  const t0 = performance.now();
  const r = await esbuild.build({
    entryPoints: [path.join(dir, "browser-app.mjs")],
    outfile: path.join(out, "app.js"),
    bundle: true,
    format: "esm",
    platform: "browser",
    minify: true,
    metafile: true,
    logLevel: "silent",
  });
  // Nothing to copy: the browser entry embeds the .wasm's bytes.
  assert.deepEqual(fs.readdirSync(out), ["app.js"], "esbuild's default output is the bundle alone");
  timing("browser (bundle)", "esbuild --bundle --minify", performance.now() - t0);
  const inputs = Object.keys(r.metafile.inputs);
  assert.ok(inputs.some((p) => p.endsWith("node_modules/aibadgr/browser.js")), `browser.js is bundled: ${inputs.join(", ")}`);
  assert.ok(!inputs.some((p) => /node_modules\/aibadgr\/(node|deno|workerd)\.js$/.test(p)));
  const size = fs.statSync(path.join(out, "app.js")).size;
  console.log(`browser bundle: app.js ${size} B minified (the .wasm inside)`);
  fs.copyFileSync(path.join(here, "bundle.html"), path.join(out, "index.html"));

  const site = await startServer({ port: 0, staticDir: out });
  closers.push(() => site.close());
  const pre = (await stats()).preflights;
  const { result, wall } = await openPage(`${site.url}/index.html#${encodeURIComponent(srv.url)}`);
  timing("browser (bundle)", "navigation → streamed chat done (in page)", result.ms);
  timing("browser (bundle)", "page.goto → result (test side)", wall);
  assert.equal(result.text, replyTo("hi from a bundle"));
  assert.equal(result.finalText, result.text);
  assert.equal(result.isStream, true);
  assert.equal(result.refused, "config", "a key in a page needs allowBrowser: true");
  assert.ok((await stats()).preflights > pre, "the call was cross-origin (CORS preflight)");
});

test("browser: <script type=\"module\"> importing ./pkg/browser.js streams a chat (no key in the page)", async () => {
  const dir = tempDir("page");
  fs.copyFileSync(path.join(here, "script-page.html"), path.join(dir, "index.html"));
  fs.symlinkSync(pkgDir, path.join(dir, "pkg"), "dir");
  // Same-origin proxy: serves the page and the package, forwards /v1/* to the API with the key.
  const proxy = await startServer({ port: 0, staticDir: dir, upstream: { baseUrl: srv.url, apiKey: "sk-proxy" } });
  closers.push(() => proxy.close());
  const { result, wall } = await openPage(`${proxy.url}/index.html`);
  timing("browser (script)", "navigation → streamed chat done (in page)", result.ms);
  timing("browser (script)", "page.goto → result (test side)", wall);
  assert.equal(result.text, replyTo("hi from a module script"));
  assert.ok(result.chunks >= 3);
  assert.equal(result.baseUrl, "/v1");
  const fromPage = await last(proxy);
  assert.equal(fromPage.path, "/v1/chat/completions");
  assert.equal(fromPage.headers.authorization, undefined, "the page sent no key");
  assert.equal((await last()).headers.authorization, "Bearer sk-proxy", "the proxy added it");
});

/** Serves `dir` (with load-page.html and load-probe.js) and opens the probe on `module`. */
async function loadFailurePage(dir, module, headers = {}) {
  for (const f of ["load-page.html", "load-probe.js"]) fs.copyFileSync(path.join(here, f), path.join(dir, f));
  const site = await startServer({
    port: 0, staticDir: dir,
    intercept: (req, res) => { for (const [k, v] of Object.entries(headers)) res.setHeader(k, v); return false; },
  });
  closers.push(() => site.close());
  const { result } = await openPage(`${site.url}/load-page.html#${encodeURIComponent(module)}`);
  assert.equal(result.imported, true, "the import itself succeeds");
  assert.equal(result.ready.isError, true, "ready rejects with an AiBadgrError");
  assert.equal(result.ready.kind, "load");
  assert.equal(result.constructed, true, "the constructor still returns a client");
  assert.deepEqual(result.chat, result.ready, "chat() rejects with the same catchable AiBadgrError");
  assert.equal(result.getter, "load");
  return result.ready.message;
}

test("browser: a page whose CSP forbids WebAssembly gets a catchable AiBadgrError (kind load) naming 'wasm-unsafe-eval'", async () => {
  const dir = tempDir("csp");
  fs.symlinkSync(pkgDir, path.join(dir, "pkg"), "dir");
  const message = await loadFailurePage(dir, "./pkg/browser.js", { "content-security-policy": "script-src 'self'" });
  assert.match(message, /Content-Security-Policy forbids compiling WebAssembly.*add 'wasm-unsafe-eval' to its script-src/);
});

test("browser: a broken .wasm import (bundled as a URL, not a module) gets a catchable AiBadgrError naming the URL", async () => {
  const dir = tempDir("badwasm");
  await esbuild.build({
    entryPoints: [path.join(pkgDir, "workerd.js")], outfile: path.join(dir, "bundle.js"), bundle: true, format: "esm",
    platform: "browser", loader: { ".wasm": "file" }, logLevel: "silent",
  });
  const message = await loadFailurePage(dir, "./bundle.js");
  assert.match(message, /the import of aibadgr_bg\.wasm gave the string ".*aibadgr_bg-\w+\.wasm" \(a URL\?\) instead of a WebAssembly\.Module/);
});

test("browser: a page on the app's origin uses the Worker (CORS, no key in the page)", async () => {
  assert.ok(appSite && workerUrl, "the Worker did not start");
  const pre = await fetch(new URL("/api/chat/completions", workerUrl), {
    method: "OPTIONS",
    headers: { origin: appSite.url, "access-control-request-method": "POST", "access-control-request-headers": "content-type" },
  });
  assert.equal(pre.headers.get("access-control-allow-origin"), appSite.url);
  const { result, wall } = await openPage(`${appSite.url}/index.html#${encodeURIComponent(new URL("/api", workerUrl).href)}`);
  timing("browser → workerd", "navigation → stream+chat+embed done (in page)", result.ms);
  timing("browser → workerd", "page.goto → result (test side)", wall);
  assert.equal(result.text, replyTo("hi through the worker"));
  assert.equal(result.chat, replyTo("whole through the worker"));
  assert.equal(result.embedType, "Float32Array");
  assert.deepEqual(result.embedDims, [1536, 1536]);
  assert.equal((await last()).headers.authorization, "Bearer sk-worker", "the Worker added its key");
});

// ---------------------------------------------------------------------------------------------
// TypeScript
// ---------------------------------------------------------------------------------------------

test("tsc: examples/typescript compiles under --strict", async () => {
  const r = await run(bin("tsc"), ["-p", path.join(examples, "typescript"), "--pretty", "false"]);
  timing("tsc", "tsc -p examples/typescript", r.ms);
  assert.equal(r.code, 0, r.stdout + r.stderr);
});

test("tsc: pkg/index.d.ts has no `any` in its declarations", () => {
  const code = fs.readFileSync(path.join(pkgDir, "index.d.ts"), "utf8")
    .replace(/\/\*[\s\S]*?\*\//g, "") // doc comments
    .replace(/\/\/.*$/gm, "") // line comments
    .replace(/"(?:[^"\\]|\\.)*"/g, '""'); // string literal types such as "any"
  const hits = code.split("\n").filter((l) => /\bany\b/.test(l));
  assert.deepEqual(hits, []);
});

/** Checks that each @ts-expect-error line of `file` (examples/typescript) really is an error. */
async function negatives(file, min) {
  const dir = tempDir("tsneg");
  const src = fs.readFileSync(file, "utf8").split("\n");
  const expected = [];
  const stripped = src.map((line, i) => {
    if (/^\s*\/\/ @ts-expect-error/.test(line)) {
      expected.push(i + 2); // the line after the directive (1-based)
      return "";
    }
    return line;
  });
  assert.ok(expected.length >= min, `${path.basename(file)} has negative checks`);
  fs.writeFileSync(path.join(dir, "usage.ts"), stripped.join("\n"));
  fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify({
    compilerOptions: {
      strict: true, noEmit: true, target: "es2022", module: "esnext", moduleResolution: "bundler",
      lib: ["es2022", "dom"], types: [], paths: { aibadgr: [pkgDir] },
    },
    files: ["usage.ts"],
  }));
  const r = await run(bin("tsc"), ["-p", dir, "--pretty", "false"]);
  assert.notEqual(r.code, 0, "the wrong calls must not compile");
  const lines = new Set([...r.stdout.matchAll(/usage\.ts\((\d+),\d+\): error/g)].map((m) => Number(m[1])));
  assert.deepEqual([...lines].sort((a, b) => a - b), expected, r.stdout);
}

test("tsc: each @ts-expect-error line really is an error", () => negatives(usageTs, 5));
test("tsc: each @ts-expect-error line of tools.ts (tool args from parameters, parsed from a schema) really is an error", () => negatives(toolsTs, 5));

test("tsc: usage.ts compiles in the scratch project (types via the exports map, nodenext)", async () => {
  const dir = needScratch();
  fs.copyFileSync(usageTs, path.join(dir, "usage.ts"));
  fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify({
    compilerOptions: { strict: true, noEmit: true, target: "es2022", module: "nodenext", moduleResolution: "nodenext", lib: ["es2022", "dom"], types: [] },
    files: ["usage.ts"],
  }));
  const r = await run(bin("tsc"), ["-p", dir, "--pretty", "false"]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
});
