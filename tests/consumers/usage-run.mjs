// Runs examples/typescript/usage.ts's run() against a server and prints its report as JSON.
// Copied into a project where "aibadgr" is installed. Node: pass the esbuild-compiled usage.mjs;
// Deno runs the .ts itself.
//   node usage-run.mjs http://127.0.0.1:PORT ./usage.mjs
//   deno run --allow-net=127.0.0.1 --allow-read usage-run.mjs http://127.0.0.1:PORT ./usage.ts
import { AiBadgr } from "aibadgr";

const [baseUrl, usage] = globalThis.Deno ? Deno.args : process.argv.slice(2);
const { run } = await import(usage);
console.log(JSON.stringify(await run(new AiBadgr({ apiKey: "sk-usage", baseUrl }))));
