// Child process of hostile.test.mjs: loads the built package (with its wasm memory capped at
// 128 MiB when asked), runs the named hostile cases against the hostile server at `baseUrl`
// and prints one JSON line per case.
//   node [--max-old-space-size=128] tests/js/hostile-run.mjs <baseUrl> <capMiB|0> <case>...
import fs from "node:fs";
import { KEY, runCase, capMemory } from "./hostile-cases.mjs";

const [baseUrl, cap, ...names] = process.argv.slice(2);
let bytes = fs.readFileSync(new URL("../../pkg/aibadgr_bg.wasm", import.meta.url));
if (Number(cap) > 0) bytes = capMemory(bytes, Number(cap) * 16);
const { initSync } = await import("../../pkg/aibadgr.js");
const { memory } = initSync({ module: bytes });
const { AiBadgr } = await import("../../pkg/api.js");
const client = new AiBadgr({ apiKey: KEY, baseUrl: `${baseUrl}/v1`, maxRetries: 0 });
const mem = () => ({ rss: process.memoryUsage().rss, wasm: memory.buffer.byteLength });
for (const name of names) console.log(JSON.stringify(await runCase(client, name, mem)));
