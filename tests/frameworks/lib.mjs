// Helpers of the frameworks suite: cached app installs keyed by lockfile, the packed tarball
// unpacked into each app, long-running dev/prod servers, SSE reading, Chromium pages, gzip sizes.
import { spawn } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { fileURLToPath } from "node:url";
import { toolsDir, CHROMIUM, CHROMIUM_ARGS, runOk, parseSse } from "../consumers/lib.mjs";

export const here = path.dirname(fileURLToPath(import.meta.url));
export const apps = path.join(here, "apps");
export const cacheRoot = process.env.AIBADGR_FRAMEWORKS_CACHE || path.join(os.homedir(), ".cache", "aibadgr", "frameworks");
const NPM_ENV = { npm_config_update_notifier: "false", npm_config_fund: "false", npm_config_audit: "false" };

/** Copies `src` (a file or a directory) into `dest`, overwriting. */
function copy(src, dest) {
  fs.cpSync(src, dest, { recursive: true, force: true });
}

/**
 * The app's working directory under the cache, keyed by a hash of its package-lock.json, with
 * node_modules installed by `npm ci` once per lockfile (warm runs skip npm). Returns
 * { dir, installMs } (0 when the cache was warm).
 */
export async function installApp(name) {
  const src = path.join(apps, name);
  const lock = path.join(src, "package-lock.json");
  const hash = crypto.createHash("sha256").update(fs.readFileSync(lock)).digest("hex").slice(0, 16);
  const dir = path.join(cacheRoot, `${name}-${hash}`);
  const stamp = path.join(dir, "node_modules", ".aibadgr-installed");
  if (fs.existsSync(stamp)) return { dir, installMs: 0 };
  // A new lockfile: drop this app's caches for older ones.
  if (fs.existsSync(cacheRoot)) {
    for (const old of fs.readdirSync(cacheRoot)) if (old.startsWith(`${name}-`) && /^[0-9a-f]{16}$/.test(old.slice(name.length + 1))) fs.rmSync(path.join(cacheRoot, old), { recursive: true, force: true });
  }
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  copy(path.join(src, "package.json"), path.join(dir, "package.json"));
  copy(lock, path.join(dir, "package-lock.json"));
  const r = await runOk("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: dir, env: NPM_ENV, timeoutMs: 600_000 });
  fs.mkdirSync(path.dirname(stamp), { recursive: true });
  fs.writeFileSync(stamp, new Date().toISOString());
  return { dir, installMs: r.ms };
}

/**
 * installApp(), then the app's sources copied fresh, old build output removed, and the packed
 * tarball unpacked as node_modules/aibadgr (what `npm install aibadgr-*.tgz` writes for a
 * package with no dependencies and no install scripts). `extra` maps source paths (files or
 * directories) to paths inside the app. Returns { dir, installMs }.
 */
export async function prepareApp(name, tarball, extra = {}) {
  const src = path.join(apps, name);
  const { dir, installMs } = await installApp(name);
  for (const out of ["dist", ".next", path.join("node_modules", ".vite"), "src", "app"]) fs.rmSync(path.join(dir, out), { recursive: true, force: true });
  for (const f of fs.readdirSync(src)) if (f !== "node_modules") copy(path.join(src, f), path.join(dir, f));
  for (const [from, to] of Object.entries(extra)) copy(from, path.join(dir, to));
  const mod = path.join(dir, "node_modules", "aibadgr");
  fs.rmSync(mod, { recursive: true, force: true });
  fs.mkdirSync(mod, { recursive: true });
  await runOk("tar", ["-xzf", tarball, "-C", mod, "--strip-components=1"]);
  return { dir, installMs };
}

/** A free TCP port on 127.0.0.1 (for tools that take a port number, not 0). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * Starts a long-running command (its own process group) and resolves once `ready` matches its
 * output (stdout or stderr): { match, output(), stop() }. Rejects with the output when the
 * process exits first or `timeoutMs` passes.
 */
export function startProcess(cmd, args, { cwd, env, ready, timeoutMs = 120_000 }) {
  const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let out = "";
  const stop = () => new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once("close", resolve);
    try { process.kill(-child.pid, "SIGTERM"); } catch { resolve(); }
    setTimeout(() => { try { process.kill(-child.pid, "SIGKILL"); } catch {} }, 5000).unref();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { stop(); reject(new Error(`${cmd} ${args.join(" ")}: not ready after ${timeoutMs} ms\n${out.slice(-4000)}`)); }, timeoutMs);
    const onData = (d) => {
      out += d;
      const m = ready.exec(out.replace(/\x1b\[[0-9;]*m/g, ""));
      if (m) { clearTimeout(timer); resolve({ match: m, output: () => out, stop }); }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("error", (e) => { clearTimeout(timer); reject(e); });
    child.on("close", (code) => { clearTimeout(timer); reject(new Error(`${cmd} ${args.join(" ")} exited with ${code} before it was ready\n${out.slice(-4000)}`)); });
  });
}

/**
 * POSTs `body` to `url` and reads the answer as SSE until `data: [DONE]`; returns the streamed
 * text (the chat chunks' content deltas joined) and the events.
 */
export async function readChatSse(url, body) {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const raw = await res.text();
  if (res.status !== 200) throw new Error(`POST ${url}: ${res.status}\n${raw.slice(0, 2000)}`);
  const type = res.headers.get("content-type") ?? "";
  const events = parseSse(raw);
  const done = events.at(-1)?.data === "[DONE]";
  const chunks = events.filter((e) => e.data !== "[DONE]").map((e) => JSON.parse(e.data));
  return { type, done, raw, text: chunks.map((c) => c.choices?.[0]?.delta?.content ?? "").join(""), chunks };
}

let browser; // a promise, so that jobs asking at the same time share one Chromium
/** Headless Chromium, launched on first use; close with closeBrowser(). */
function getBrowser() {
  browser ??= import(path.join(toolsDir, "playwright-core", "index.mjs")).then(({ chromium }) => chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS }));
  return browser;
}
export async function closeBrowser() {
  if (browser) await (await browser.catch(() => null))?.close().catch(() => {});
  browser = undefined;
}

/**
 * Opens `url` and waits for the page to set window.__result (surviving a reload, which Vite's
 * dev server does after optimizing dependencies); returns it, or throws with the console.
 */
export async function pageResult(url, timeoutMs = 60_000) {
  const page = await (await getBrowser()).newPage();
  const logs = [];
  page.on("console", (m) => logs.push(`${m.type()}: ${m.text()}`));
  page.on("pageerror", (e) => logs.push(`pageerror: ${e.message}`));
  page.on("requestfailed", (r) => logs.push(`requestfailed: ${r.url()} ${r.failure()?.errorText}`));
  try {
    await page.goto(url);
    const end = Date.now() + timeoutMs;
    for (;;) {
      try {
        await page.waitForFunction(() => window.__result !== undefined, null, { timeout: Math.max(1, end - Date.now()) });
        const result = await page.evaluate(() => window.__result);
        if (!result) throw new Error(`the page reported nothing; console:\n${logs.join("\n")}`);
        if (!result.ok) throw new Error(`${result.error}\nconsole:\n${logs.join("\n")}`);
        return result;
      } catch (e) {
        if (/context was destroyed|navigat/i.test(String(e)) && Date.now() < end) continue;
        if (/Timeout/i.test(String(e))) throw new Error(`no result from ${url} in ${timeoutMs} ms; console:\n${logs.join("\n")}`);
        throw e;
      }
    }
  } finally {
    await page.close().catch(() => {});
  }
}

/** gzip -9 bytes of a file. */
export const gzipSize = (file) => zlib.gzipSync(fs.readFileSync(file), { level: 9 }).length;

/** Every file under `dir` (relative paths). */
export function walk(dir, base = dir) {
  const out = [];
  if (!fs.existsSync(dir)) return out;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p, base));
    else out.push(path.relative(base, p));
  }
  return out;
}

/** The gzip bytes of the built JS and .wasm files under `dir` that `filter` keeps. */
export function shipped(dir, filter = () => true) {
  let total = 0;
  const files = [];
  for (const f of walk(dir)) {
    if (!/\.(m?js|wasm)$/.test(f) || !filter(f)) continue;
    const g = gzipSize(path.join(dir, f));
    total += g;
    files.push(`${f} ${g} B`);
  }
  return { total, files };
}

/** A small pool: runs at most `n` of the queued async jobs at once; each call returns its promise. */
export function pool(n) {
  let active = 0;
  const queue = [];
  const next = () => {
    if (active >= n || !queue.length) return;
    active++;
    const { job, resolve, reject } = queue.shift();
    job().then(resolve, reject).finally(() => { active--; next(); });
  };
  return (job) => new Promise((resolve, reject) => { queue.push({ job, resolve, reject }); next(); });
}
