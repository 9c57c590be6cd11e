// Starts bench/lib/server-child.mjs and resolves to `{ url, close() }`.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export function startServerProcess() {
  const child = spawn(process.execPath, [fileURLToPath(new URL("./server-child.mjs", import.meta.url))], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdin.on("error", () => {}); // EPIPE when the child is gone before close() ends its stdin
    const fail = (e) => reject(new Error(`bench: the test server did not start (${e})`));
    child.once("error", fail);
    child.once("exit", (code) => fail(`exit ${code}`));
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", function onData(d) {
      out += d;
      const m = /LISTENING (\S+)/.exec(out);
      if (!m) return;
      child.stdout.off("data", onData);
      child.removeAllListeners("exit");
      resolve({
        url: m[1],
        close: () => new Promise((done) => {
          if (child.exitCode !== null) return done();
          child.once("exit", () => done());
          child.stdin.end();
          setTimeout(() => { if (child.exitCode === null) child.kill("SIGKILL"); }, 3000).unref();
        }),
      });
    });
  });
}
