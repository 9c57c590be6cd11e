// Child process for memory.test.mjs (run with --expose-gc): streams N responses in one way of
// reading them and prints the growth of wasm memory and of the JS heap per stream, after GC.
import fs from "node:fs";
import { AiBadgr } from "../../pkg/node.js";
import { initSync } from "../../pkg/aibadgr.js";

const memory = initSync({ module: fs.readFileSync(new URL("../../pkg/aibadgr_bg.wasm", import.meta.url)) }).memory;
const mode = process.argv[2];
const n = Number(process.argv[3] ?? 3000);
const ok = 'data: {"choices":[{"index":0,"delta":{"content":"hi there"},"finish_reason":null}]}\n\n'.repeat(4) +
  'data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n';
const broken = 'data: {"choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":null}]}\n\ndata: {"error":{"message":"boom","type":"server_error"}}\n\n';
const body = mode === "error" ? broken : ok;
const client = new AiBadgr({
  apiKey: "sk-memory-test-1234", baseUrl: "http://127.0.0.1:1/v1", maxRetries: 0,
  fetch: async () => new Response(body, { headers: { "content-type": "text/event-stream" } }),
});
const req = { messages: [{ role: "user", content: "hi" }] };

async function one() {
  const s = await client.chatStream(req);
  if (mode === "iter" || mode === "error") { try { for await (const _ of s); } catch {} }
  else if (mode === "final") await s.final();
  else if (mode === "text") { for await (const _ of s.text()); }
  else if (mode === "cancel") await s.cancel();
  else if (mode === "break") { for await (const _ of s) break; }
}
async function settle() {
  for (let i = 0; i < 8; i++) { gc(); await new Promise((r) => setTimeout(r, 15)); }
  return { wasm: memory.buffer.byteLength, heap: process.memoryUsage().heapUsed };
}
for (let i = 0; i < 300; i++) await one();
const a = await settle();
for (let i = 0; i < n; i++) await one();
const b = await settle();
console.log(JSON.stringify({ mode, n, wasmPerStream: (b.wasm - a.wasm) / n, heapPerStream: (b.heap - a.heap) / n }));
