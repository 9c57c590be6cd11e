// Shared helpers for the consumers suite: tool paths, subprocesses, SSE parsing, timings.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const here = path.dirname(fileURLToPath(import.meta.url));
export const root = path.resolve(here, "../..");
export const pkgDir = path.join(root, "pkg");
export const toolsDir = path.join(root, ".ci", "tools", "node_modules");
export const bin = (name) => path.join(toolsDir, ".bin", name);
export const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
export const CHROMIUM_ARGS = [
  "--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
  "--disable-component-update", "--disable-sync", "--no-first-run",
];

/** A fresh temporary directory, removed by cleanup(). */
const temps = [];
export function tempDir(prefix) {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), `aibadgr-${prefix}-`));
  temps.push(d);
  return d;
}
export function cleanup() {
  if (process.env.KEEP_TMP) return;
  for (const d of temps.splice(0)) fs.rmSync(d, { recursive: true, force: true });
}

/**
 * Runs a command; resolves { code, stdout, stderr, ms }. Rejects on spawn failure only.
 * `timeoutMs` kills the process (code null) so a hung consumer cannot hang the suite.
 */
export function run(cmd, args, { cwd, env, timeoutMs = 120_000, input } = {}) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", (e) => { clearTimeout(timer); reject(e); });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: performance.now() - t0 });
    });
    // A child that exits (or closes its stdin) before reading it makes the write fail with
    // EPIPE on the pipe; unhandled, that error ends the test process (a frameworks run failed so
    // once). What the child did is in its exit code and output, so the error is dropped.
    child.stdin.on("error", () => {});
    child.stdin.end(input ?? "");
  });
}

/** Like run(), but throws with the output when the exit code is not 0. */
export async function runOk(cmd, args, opts) {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) {
    throw new Error(`${path.basename(cmd)} ${args.join(" ")} exited with ${r.code}\n--- stdout\n${r.stdout.slice(-4000)}\n--- stderr\n${r.stderr.slice(-4000)}`);
  }
  return r;
}

/** The last line of `stdout` that parses as JSON. */
export function lastJson(stdout) {
  const lines = stdout.trim().split("\n").reverse();
  for (const l of lines) {
    try { return JSON.parse(l); } catch {}
  }
  throw new Error(`no JSON line in output:\n${stdout.slice(-2000)}`);
}

/**
 * Parses an SSE body the way a browser's EventSource does: events separated by blank lines,
 * `data:` lines joined with "\n", comments ignored. Returns [{ event, data }].
 */
export function parseSse(text) {
  const events = [];
  for (const block of text.replace(/\r\n?/g, "\n").split("\n\n")) {
    let event;
    const data = [];
    for (const line of block.split("\n")) {
      if (line === "" || line.startsWith(":")) continue;
      const i = line.indexOf(":");
      const field = i < 0 ? line : line.slice(0, i);
      const value = i < 0 ? "" : line.slice(i + 1).replace(/^ /, "");
      if (field === "data") data.push(value);
      else if (field === "event") event = value;
    }
    if (data.length) events.push({ event, data: data.join("\n") });
  }
  return events;
}

/** The text the test server answers to a last user message `text` (no _test.reply). */
export const replyTo = (text) => `Hello! You said: ${text}`;

/** Install+first-call figures, printed at the end of the suite. */
export const timings = [];
export function timing(runtime, what, ms) {
  timings.push({ runtime, what, ms: Math.round(ms) });
}
export function printTimings() {
  if (!timings.length) return;
  console.log("consumers timings (ms; informational, not asserted):");
  for (const t of timings) console.log(`  ${t.runtime.padEnd(18)} ${t.what.padEnd(48)} ${String(t.ms).padStart(6)}`);
}
