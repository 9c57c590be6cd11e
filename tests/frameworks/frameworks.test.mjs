// The package in every stack people build on, each with its tool's default config: a minimal
// app per stack (tests/frameworks/apps/<name>: pinned package.json + package-lock.json, sources
// written the way the tool's starter lays them out, no config file unless the starter writes
// one) gets the packed tarball, is built, runs on 127.0.0.1, and shows a streamed chat arriving
// from the local test server: pages in headless Chromium, routes read as SSE until [DONE].
//
//   Vite 8, 7, 6, 5   dev server (dependency pre-bundling on) and vite build
//   webpack 5         webpack with no config file (entry src/index.js, production mode)
//   Next.js 16        a Node route, an edge route and a client component, built with Turbopack
//                     (the default) and with next build --webpack, served by next start
//   Bun               bun build (browser page) and bun run (a script)
//   wrangler dev      examples/worker as it is, with wrangler's bundling and local workerd
//   Node require()    CommonJS (npm init's "type": "commonjs") requiring the ESM package
// Rows already covered by tests/consumers (esbuild bundle, Miniflare, Deno, tsc --strict, Node
// import) are not repeated here.
//
// node_modules are cached per lockfile under ~/.cache/aibadgr/frameworks (warm runs skip npm);
// apps are prepared and built two at a time (2 cores). Run: bash tests/frameworks/run.sh.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { startServer } from "../server/server.mjs";
import { pkgDir, tempDir, cleanup, run, runOk, lastJson, parseSse, replyTo, timing, printTimings } from "../consumers/lib.mjs";
import { here, apps, prepareApp, freePort, startProcess, readChatSse, pageResult, closeBrowser, shipped, pool } from "./lib.mjs";

const PAGE_APP = path.join(apps, "shared", "page-app.js");
const CONSUMER = path.join(here, "..", "consumers", "consumer.mjs");
const BUN_ENV = { BUN_RUNTIME_TRANSPILER_CACHE_PATH: "0", NO_COLOR: "1" };
const NEXT_ENV = { NEXT_TELEMETRY_DISABLED: "1", AIBADGR_API_KEY: "sk-next" };

let srv; // the API test server
let tarball;
const results = new Map(); // "app/row" → Promise<{ ok, value } | { ok: false, error }>
const sizes = []; // shipped gzip bytes per bundler, printed at the end
const closers = [];

const schedule = pool(Number(process.env.AIBADGR_FRAMEWORKS_JOBS || 2));
// AIBADGR_FRAMEWORKS_ONLY=vite8,next16 runs only those apps (the others' tests are skipped).
const only = process.env.AIBADGR_FRAMEWORKS_ONLY?.split(",").filter(Boolean);
const enabled = (app) => !only || only.includes(app);
/** A test of one app's rows, skipped when the app is filtered out. */
const appTest = (app, name, fn) => test(name, { skip: !enabled(app) && "not in AIBADGR_FRAMEWORKS_ONLY" }, fn);

/**
 * Registers a job: `fn(row)` prepares and builds one app; `row(name, check)` runs a check and
 * records its outcome for the test of that row. The job itself runs in the pool.
 */
const pending = [];
function job(app, rows, fn) {
  if (!enabled(app)) return;
  const settle = {};
  for (const r of rows) {
    results.set(`${app}/${r}`, new Promise((resolve) => (settle[r] = resolve)));
  }
  const row = async (name, check) => {
    try {
      settle[name]({ ok: true, value: await check() });
    } catch (e) {
      settle[name]({ ok: false, error: e });
    }
  };
  pending.push(() => schedule(async () => {
    const t0 = performance.now();
    try {
      await fn(row);
    } catch (e) {
      for (const r of rows) settle[r]({ ok: false, error: e });
    } finally {
      for (const r of rows) settle[r]({ ok: false, error: new Error(`${app}: the job ended without checking ${r}`) });
      timing(app, "prepare + build + every check", performance.now() - t0);
    }
  }));
}

/** The value a row's check returned; throws its error. */
async function outcome(app, r) {
  const o = await results.get(`${app}/${r}`);
  if (!o.ok) throw o.error;
  return o.value;
}

/** Checks a page's window.__result from page-app.js. */
function checkPage(r, prompt) {
  assert.equal(r.text, replyTo(prompt));
  assert.ok(r.chunks >= 3, `streamed in chunks (${r.chunks})`);
  assert.equal(r.isStream, true, "a ChatStream");
  assert.equal(r.isClient, true, "instanceof AiBadgr");
  assert.equal(r.badOption, "config", "a bad option throws an AiBadgrError of kind config at once");
}

/** Serves `dir` on 127.0.0.1 and returns the result of `page` (e.g. "/index.html") in Chromium. */
async function servePage(dir, page) {
  const site = await startServer({ port: 0, staticDir: dir });
  try {
    return await pageResult(`${site.url}${page}#${encodeURIComponent(srv.url)}`);
  } finally {
    await site.close();
  }
}

const bin = (dir, name) => path.join(dir, "node_modules", ".bin", name);

// ---------------------------------------------------------------------------------------------
// Vite 8, 7, 6, 5: the vanilla starter's layout (index.html + src/main.js), no vite.config
// ---------------------------------------------------------------------------------------------

for (const major of [8, 7, 6, 5]) {
  const app = `vite${major}`;
  job(app, ["dev", "build"], async (row) => {
    const { dir, installMs } = await prepareApp(app, tarball, { [path.join(apps, "vite-src")]: ".", [PAGE_APP]: "src/page-app.js" });
    if (installMs) timing(app, "npm ci (cold cache)", installMs);
    await row("dev", async () => {
      const port = await freePort();
      const dev = await startProcess(bin(dir, "vite"), ["--host", "127.0.0.1", "--port", String(port), "--strictPort"], { cwd: dir, ready: /Local:\s+(http:\/\/127\.0\.0\.1:\d+)/ });
      try {
        return await pageResult(`${dev.match[1]}/#${encodeURIComponent(srv.url)}`);
      } finally {
        await dev.stop();
      }
    });
    await row("build", async () => {
      const t0 = performance.now();
      await runOk(bin(dir, "vite"), ["build"], { cwd: dir, timeoutMs: 300_000 });
      timing(app, "vite build", performance.now() - t0);
      const size = shipped(path.join(dir, "dist"));
      sizes.push({ stack: `Vite ${major} (vite build)`, ...size });
      return { page: await servePage(path.join(dir, "dist"), "/index.html"), size };
    });
  });
}

for (const major of [8, 7, 6, 5]) {
  appTest(`vite${major}`, `Vite ${major}: dev server (dependency pre-bundling) streams a chat in Chromium`, async () => {
    checkPage(await outcome(`vite${major}`, "dev"), "hi from vite");
  });
  appTest(`vite${major}`, `Vite ${major}: vite build, served as static files, streams a chat in Chromium`, async () => {
    const { page, size } = await outcome(`vite${major}`, "build");
    checkPage(page, "hi from vite");
    assert.ok(size.files.every((f) => !f.includes(".wasm")), `nothing to copy: the .wasm is inside the bundle (${size.files.join(", ")})`);
  });
}

// ---------------------------------------------------------------------------------------------
// webpack 5 with no config file
// ---------------------------------------------------------------------------------------------

job("webpack5", ["build"], async (row) => {
  const { dir, installMs } = await prepareApp("webpack5", tarball, { [PAGE_APP]: "src/page-app.js" });
  if (installMs) timing("webpack5", "npm ci (cold cache)", installMs);
  await row("build", async () => {
    const t0 = performance.now();
    await runOk(bin(dir, "webpack"), [], { cwd: dir, timeoutMs: 300_000 });
    timing("webpack5", "webpack (defaults)", performance.now() - t0);
    const size = shipped(path.join(dir, "dist"));
    sizes.push({ stack: "webpack 5", ...size });
    fs.writeFileSync(path.join(dir, "dist", "index.html"), `<!doctype html>\n<meta charset="utf-8">\n<title>aibadgr + webpack</title>\n<script src="main.js"></script>\n`);
    return servePage(path.join(dir, "dist"), "/index.html");
  });
});

appTest("webpack5", "webpack 5: the default build (no config) streams a chat in Chromium", async () => {
  checkPage(await outcome("webpack5", "build"), "hi from webpack");
});

// ---------------------------------------------------------------------------------------------
// Next.js 16: Node route, edge route, client component; Turbopack and --webpack
// ---------------------------------------------------------------------------------------------

const NEXT_ROWS = ["turbopack/node", "turbopack/edge", "turbopack/client", "webpack/node", "webpack/edge", "webpack/client"];
job("next16", NEXT_ROWS, async (row) => {
  const { dir, installMs } = await prepareApp("next16", tarball, { [PAGE_APP]: "app/page-app.js" });
  if (installMs) timing("next16", "npm ci (cold cache)", installMs);
  for (const bundler of ["turbopack", "webpack"]) {
    fs.rmSync(path.join(dir, ".next"), { recursive: true, force: true });
    const t0 = performance.now();
    const build = await run(bin(dir, "next"), bundler === "webpack" ? ["build", "--webpack"] : ["build"], { cwd: dir, env: NEXT_ENV, timeoutMs: 600_000 });
    timing("next16", `next build (${bundler})`, performance.now() - t0);
    if (build.code !== 0) {
      const err = new Error(`next build (${bundler}) exited with ${build.code}\n${build.stdout.slice(-3000)}\n${build.stderr.slice(-3000)}`);
      for (const r of ["node", "edge", "client"]) await row(`${bundler}/${r}`, () => { throw err; });
      continue;
    }
    const chunks = path.join(dir, ".next", "static");
    const marker = /const b64 = "([A-Za-z0-9+/]{64})/.exec(fs.readFileSync(path.join(pkgDir, "wasm-inline.js"), "utf8"))[1];
    const size = shipped(chunks, (f) => fs.readFileSync(path.join(chunks, f), "latin1").includes(marker));
    sizes.push({ stack: `Next.js 16 client component (${bundler}), the chunks that carry aibadgr`, ...size });
    const port = await freePort();
    const server = await startProcess(bin(dir, "next"), ["start", "-H", "127.0.0.1", "-p", String(port)], {
      cwd: dir, env: { ...NEXT_ENV, AIBADGR_BASE_URL: srv.url }, ready: /Ready in|started server|Local:/,
    });
    const origin = `http://127.0.0.1:${port}`;
    // A failed row carries what next start printed (a route's error is logged there, not sent).
    const logged = (check) => async () => {
      try {
        return await check();
      } catch (e) {
        e.message += `\n--- next start output\n${server.output().slice(-3000)}`;
        throw e;
      }
    };
    try {
      await row(`${bundler}/node`, logged(() => readChatSse(`${origin}/api/node`, { content: `node route, ${bundler}` })));
      await row(`${bundler}/edge`, logged(() => readChatSse(`${origin}/api/edge`, { content: `edge route, ${bundler}` })));
      await row(`${bundler}/client`, logged(() => pageResult(`${origin}/chat#${encodeURIComponent(srv.url)}`)));
    } finally {
      const out = server.output();
      await server.stop();
      if (process.env.AIBADGR_FRAMEWORKS_VERBOSE) console.log(out);
    }
  }
});

for (const bundler of ["turbopack", "webpack"]) {
  const how = bundler === "webpack" ? "next build --webpack" : "next build (Turbopack)";
  for (const [rt, what] of [["node", "a Node.js route handler"], ["edge", "an edge route handler (runtime = \"edge\")"]]) {
    appTest("next16", `Next.js 16, ${how}: ${what} streams SSE until [DONE]`, async () => {
      const r = await outcome("next16", `${bundler}/${rt}`);
      assert.match(r.type, /^text\/event-stream/);
      assert.equal(r.done, true, `the body ends with data: [DONE]: ${r.raw.slice(-200)}`);
      assert.equal(r.text, replyTo(`${rt} route, ${bundler}`));
      assert.ok(r.chunks.length >= 3);
    });
  }
  appTest("next16", `Next.js 16, ${how}: a client component (pre-rendered, then in Chromium) streams a chat`, async () => {
    checkPage(await outcome("next16", `${bundler}/client`), "hi from a client component");
  });
}

// ---------------------------------------------------------------------------------------------
// Bun: bun build for a page, bun run for a script
// ---------------------------------------------------------------------------------------------

job("bun", ["build", "run"], async (row) => {
  const { dir, installMs } = await prepareApp("bun", tarball, { [PAGE_APP]: "src/page-app.js", [CONSUMER]: "consumer.mjs" });
  if (installMs) timing("bun", "npm ci (cold cache)", installMs);
  await row("build", async () => {
    await runOk(bin(dir, "bun"), ["build", "./src/app.js", "--outdir", "./dist"], { cwd: dir, env: BUN_ENV });
    const size = shipped(path.join(dir, "dist"));
    sizes.push({ stack: "bun build", ...size });
    fs.writeFileSync(path.join(dir, "dist", "index.html"), `<!doctype html>\n<meta charset="utf-8">\n<title>aibadgr + bun build</title>\n<script type="module" src="app.js"></script>\n`);
    return { page: await servePage(path.join(dir, "dist"), "/index.html"), files: fs.readdirSync(path.join(dir, "dist")) };
  });
  await row("run", async () => {
    const r = await runOk(bin(dir, "bun"), ["run", "consumer.mjs", srv.url], { cwd: dir, env: BUN_ENV });
    return { out: lastJson(r.stdout), dir };
  });
});

appTest("bun", "Bun: bun build (default target browser) streams a chat in Chromium, nothing copied", async () => {
  const { page, files } = await outcome("bun", "build");
  checkPage(page, "hi from bun build");
  assert.deepEqual(files.filter((f) => f.endsWith(".wasm")), [], "no .wasm beside the bundle");
});

appTest("bun", "Bun: bun run of a script importing \"aibadgr\" → chat, chatStream, embed", async () => {
  const { out, dir } = await outcome("bun", "run");
  assert.equal(out.resolved, `file://${path.join(dir, "node_modules", "aibadgr", "node.js")}`, "Bun resolves the \"node\" condition");
  assert.equal(out.chat, replyTo("hi from a consumer"));
  assert.equal(out.streamed, replyTo("stream to a consumer"));
  assert.equal(out.finalContent, out.streamed);
  assert.deepEqual(out.embedDims, [1536, 1536]);
  assert.equal(out.errorKind, "invalid_request");
});

// ---------------------------------------------------------------------------------------------
// wrangler dev: examples/worker as it is, bundled by wrangler and run in its local workerd
// ---------------------------------------------------------------------------------------------

const WORKER_ORIGIN = "http://localhost:5173"; // listed in examples/worker/wrangler.toml
job("wrangler", ["dev"], async (row) => {
  const example = path.join(here, "..", "..", "examples", "worker");
  const { dir, installMs } = await prepareApp("wrangler", tarball, { [path.join(example, "src")]: "src", [path.join(example, "wrangler.toml")]: "wrangler.toml" });
  if (installMs) timing("wrangler", "npm ci (cold cache)", installMs);
  // The secret and the base URL the way the example's README says: a .dev.vars file.
  fs.writeFileSync(path.join(dir, ".dev.vars"), `AIBADGR_API_KEY=sk-wrangler\nAIBADGR_BASE_URL=${srv.url}\n`);
  await row("dev", async () => {
    const port = await freePort();
    const dev = await startProcess(bin(dir, "wrangler"), ["dev", "--ip", "127.0.0.1", "--port", String(port)], {
      cwd: dir, env: { CI: "true", WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" }, ready: /Ready on (http:\/\/127\.0\.0\.1:\d+)/, timeoutMs: 180_000,
    });
    try {
      const res = await fetch(`${dev.match[1]}/api/chat`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: WORKER_ORIGIN },
        body: JSON.stringify({ messages: [{ role: "user", content: "hi from wrangler dev" }] }),
      });
      const raw = await res.text();
      if (res.status !== 200) throw new Error(`POST /api/chat: ${res.status} ${raw.slice(0, 1000)}\n${dev.output().slice(-3000)}`);
      return { raw, type: res.headers.get("content-type"), cors: res.headers.get("access-control-allow-origin") };
    } finally {
      await dev.stop();
    }
  });
});

appTest("wrangler", "wrangler dev: examples/worker (wrangler's own bundling, local workerd) streams SSE until [DONE]", async () => {
  const { raw, type, cors } = await outcome("wrangler", "dev");
  assert.match(type, /^text\/event-stream/);
  assert.equal(cors, WORKER_ORIGIN);
  const events = parseSse(raw);
  assert.equal(events.at(-1)?.data, "[DONE]");
  const text = events.slice(0, -1).map((e) => JSON.parse(e.data).choices?.[0]?.delta?.content ?? "").join("");
  assert.equal(text, replyTo("hi from wrangler dev"));
});

// ---------------------------------------------------------------------------------------------
// Node require() from CommonJS (no dependencies to install)
// ---------------------------------------------------------------------------------------------

appTest("node-cjs", `Node ${process.version}: require("aibadgr") from a CommonJS project streams a chat`, async () => {
  const { dir } = await prepareApp("node-cjs", tarball);
  const r = await runOk(process.execPath, ["index.js", srv.url], { cwd: dir });
  const out = lastJson(r.stdout);
  assert.equal(out.error, undefined, out.error);
  assert.equal(out.text, replyTo("hi from require"));
  assert.equal(out.badOption, "config");
  assert.equal(out.resolved, path.join(dir, "node_modules", "aibadgr", "node.js"), "require() resolves the \"node\" condition");
});

// ---------------------------------------------------------------------------------------------

before(async () => {
  srv = await startServer({ port: 0 });
  closers.push(() => srv.close());
  const dir = tempDir("frameworks-pack");
  const r = await runOk("npm", ["pack", pkgDir, "--json", "--pack-destination", dir, "--loglevel=error"], { cwd: dir });
  tarball = path.join(dir, JSON.parse(r.stdout.slice(r.stdout.indexOf("[")))[0].filename);
  for (const start of pending) start();
});

after(async () => {
  for (const c of closers.splice(0).reverse()) await c().catch(() => {});
  await closeBrowser();
  cleanup();
  console.log("shipped gzip -9 bytes per bundler (JS + any .wasm the build emits):");
  for (const s of sizes) console.log(`  ${s.stack.padEnd(72)} ${String(s.total).padStart(7)} B   ${s.files.join(", ")}`);
  printTimings();
});
