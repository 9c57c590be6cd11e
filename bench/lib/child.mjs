// Child processes of a run: started with spawn, collected as text, and killed if the run exits
// first (Ctrl-C, a CI timeout), so nothing outlives the benchmark.
import { spawn } from "node:child_process";

const live = new Set();
process.on("exit", () => {
  for (const c of live) c.kill("SIGKILL");
});

/** Runs `node ...args`; resolves `{ status, stdout, stderr }` (status null after a timeout). */
export function runNode(args, { timeoutMs = 120_000 } = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
    live.add(child);
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d) => { stdout += d; });
    child.stderr.setEncoding("utf8").on("data", (d) => { stderr += d; });
    const timer = setTimeout(() => { stderr += `\n(killed after ${timeoutMs / 1000} s)`; child.kill("SIGKILL"); }, timeoutMs);
    const done = (status, error) => {
      clearTimeout(timer);
      live.delete(child);
      resolve({ status, stdout, stderr: error ? `${stderr}\n${error.message}` : stderr });
    };
    child.once("error", (e) => done(null, e));
    child.once("close", (code) => done(code));
  });
}

/** The last stdout line of a child run parsed as JSON, or throws with the tail of its output. */
export function lastJson(r) {
  try {
    return JSON.parse(r.stdout.trim().split("\n").pop());
  } catch {
    throw new Error(`child failed (status ${r.status}): ${(r.stderr || r.stdout).trim().split("\n").slice(-3).join(" / ")}`);
  }
}
