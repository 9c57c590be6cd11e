// aibadgr/ai-sdk driven by the real Vercel AI SDK (`ai`, pinned in package.json) against the
// local test server, through the BUILT package (pkg/ai-sdk.js, which imports pkg/ by its own
// package name).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { streamText, generateText, generateObject, embed, embedMany, stepCountIs, tool, APICallError } from "ai";
import { z } from "zod";
import { createAiBadgr, aibadgr, toChatMessages } from "../../pkg/ai-sdk.js";
import { AiBadgr } from "../../pkg/node.js";
import { startServer } from "../server/server.mjs";

const KEY = "sk-aibadgr-SECRET-aisdk-123456";
let srv;
let provider;
before(async () => {
  srv = await startServer({ port: 0 });
  provider = createAiBadgr({ apiKey: KEY, baseUrl: srv.url + "/v1" });
});
after(() => srv.close());

const stats = async (id) => (await (await fetch(srv.url + "/__stats")).json()).ids[id] ?? { attempts: 0 };
const last = async () => (await fetch(srv.url + "/__last")).json();
let seq = 0;
const uid = () => `aisdk-${process.pid}-${++seq}`;
const collect = async (stream) => {
  const parts = [];
  for await (const p of stream) parts.push(p);
  return parts;
};

test("streamText: text parts in order, finish with usage, response metadata", async () => {
  const r = streamText({ model: provider("premium"), prompt: "Hi there" });
  const parts = await collect(r.fullStream);
  const types = parts.map((p) => p.type);
  assert.equal(types[0], "start");
  const ts = types.indexOf("text-start"), te = types.indexOf("text-end");
  assert.ok(ts > 0 && te > ts, types.join(","));
  assert.ok(types.slice(ts + 1, te).every((t) => t === "text-delta"));
  assert.equal(await r.text, "Hello! You said: Hi there");
  assert.equal(await r.finishReason, "stop");
  const usage = await r.usage;
  assert.equal(usage.inputTokens, 5);
  assert.equal(usage.outputTokens, 5);
  assert.equal(usage.totalTokens, 10);
  const res = await r.response;
  assert.match(res.id, /^chatcmpl-/);
  assert.equal(res.modelId, "premium");
  assert.equal(res.headers["x-ratelimit-limit-requests"], "60");
  const meta = (await r.providerMetadata)?.aibadgr;
  assert.match(meta.requestId, /^req_/);
  assert.equal(meta.attempts, 1);
  assert.deepEqual(meta.rateLimit.tokens, { limit: 150000, remaining: 149984, resetMs: 360000 });
  const sent = await last();
  assert.equal(sent.body.stream, true);
  assert.deepEqual(sent.body.stream_options, { include_usage: true });
  assert.deepEqual(sent.body.messages, [{ role: "user", content: "Hi there" }]);
});

test("streamText: reasoning_content becomes reasoning parts before the text", async () => {
  const r = streamText({
    model: provider("premium"),
    prompt: "Why?",
    providerOptions: { aibadgr: { _test: { scenario: "reasoning", reasoning: "Think first, then answer.", reply: "Because." } } },
  });
  const parts = await collect(r.fullStream);
  const types = parts.map((p) => p.type);
  const rs = types.indexOf("reasoning-start"), re = types.indexOf("reasoning-end"), ts = types.indexOf("text-start");
  assert.ok(rs >= 0 && re > rs && ts > re, types.join(","));
  assert.equal(parts.filter((p) => p.type === "reasoning-delta").map((p) => p.text).join(""), "Think first, then answer.");
  assert.equal(await r.reasoningText, "Think first, then answer.");
  assert.equal(await r.text, "Because.");
  assert.equal((await r.usage).outputTokenDetails.reasoningTokens, 4);
});

test("generateText: reasoning and text of a non-streamed answer", async () => {
  const g = await generateText({ model: provider("basic"), prompt: "Hello", providerOptions: { aibadgr: { _test: { scenario: "reasoning", reasoning: "Greet back." } } } });
  assert.equal(g.reasoningText, "Greet back.");
  assert.equal(g.text, "Hello! You said: Hello");
  assert.equal(g.finishReason, "stop");
  assert.equal(g.response.headers["x-ratelimit-reset-tokens"], "6m0s");
});

const weather = tool({
  description: "Current weather in a city",
  inputSchema: z.object({ location: z.string(), unit: z.enum(["celsius", "fahrenheit"]) }),
  execute: async ({ location, unit }) => `18 degrees ${unit} in ${location}`,
});

test("generateText: a two-step tool loop (tool call, tool result, answer)", async () => {
  const seen = [];
  const g = await generateText({
    model: provider("premium"),
    system: "You are terse.",
    prompt: "What is the weather in Paris?",
    tools: { get_weather: weather },
    stopWhen: stepCountIs(2),
    onStepFinish: (s) => seen.push(s.finishReason),
  });
  assert.deepEqual(seen, ["tool-calls", "stop"]);
  assert.equal(g.steps.length, 2);
  const call = g.steps[0].toolCalls[0];
  assert.equal(call.toolName, "get_weather");
  assert.deepEqual(call.input, { location: "Paris", unit: "celsius" });
  assert.equal(g.steps[0].toolResults[0].output, "18 degrees celsius in Paris");
  assert.equal(g.text, "The weather is: 18 degrees celsius in Paris");
  // The second request carried the whole conversation in chat form.
  const sent = (await last()).body;
  assert.deepEqual(sent.messages.map((m) => m.role), ["system", "user", "assistant", "tool"]);
  assert.equal(sent.messages[2].tool_calls[0].function.name, "get_weather");
  assert.deepEqual(JSON.parse(sent.messages[2].tool_calls[0].function.arguments), { location: "Paris", unit: "celsius" });
  assert.equal(sent.messages[3].tool_call_id, sent.messages[2].tool_calls[0].id);
  assert.equal(sent.messages[3].content, "18 degrees celsius in Paris");
  assert.equal(sent.tools[0].function.name, "get_weather");
  assert.equal(sent.tools[0].function.parameters.type, "object");
});

test("streamText: tool input start/delta/end and the tool call, then the second step", async () => {
  const r = streamText({ model: provider("premium"), prompt: "Weather in Tokyo?", tools: { get_weather: weather }, stopWhen: stepCountIs(2) });
  const parts = await collect(r.fullStream);
  const types = parts.map((p) => p.type);
  const s = types.indexOf("tool-input-start"), e = types.indexOf("tool-input-end"), c = types.indexOf("tool-call");
  assert.ok(s >= 0 && e > s && c > e, types.join(","));
  const deltas = parts.filter((p) => p.type === "tool-input-delta");
  assert.ok(deltas.length > 2, "arguments arrive in pieces");
  assert.deepEqual(JSON.parse(deltas.map((p) => p.delta).join("")), { location: "Tokyo", unit: "celsius" });
  assert.equal(parts[c].toolName, "get_weather");
  assert.ok(types.includes("tool-result"));
  assert.equal(await r.text, "The weather is: 18 degrees celsius in Tokyo");
  assert.deepEqual((await r.steps).map((x) => x.finishReason), ["tool-calls", "stop"]);
});

test("structured output: generateObject with a zod schema sends json_schema and parses the object", async () => {
  const schema = z.object({ name: z.string(), age: z.number().int() });
  const { object } = await generateObject({ model: provider("premium"), schema, prompt: "Make up a person" });
  assert.deepEqual(object, { name: "example", age: 1 });
  const sent = (await last()).body;
  assert.equal(sent.response_format.type, "json_schema");
  assert.deepEqual(sent.response_format.json_schema.schema.required, ["name", "age"]);
});

test("embed and embedMany: vectors as number arrays, in order, with usage", async () => {
  const m = provider.embedding("text-embedding-ada-002");
  const { embeddings, usage } = await embedMany({ model: m, values: ["sunny day", "rainy day", "sunny beach"] });
  assert.equal(embeddings.length, 3);
  for (const v of embeddings) {
    assert.ok(Array.isArray(v));
    assert.equal(v.length, 1536);
  }
  const dot = (a, b) => a.reduce((s, x, i) => s + x * b[i], 0);
  assert.ok(dot(embeddings[0], embeddings[2]) > dot(embeddings[1], embeddings[2]) - 1, "vectors are real numbers");
  assert.equal(usage.tokens, 6);
  const sent = (await last()).body;
  assert.deepEqual(sent.input, ["sunny day", "rainy day", "sunny beach"]);
  assert.equal(sent.encoding_format, "base64");
  const one = await embed({ model: m, value: "sunny day", providerOptions: { aibadgr: { dimensions: 8 } } });
  assert.equal(one.embedding.length, 8);
});

test("an abort passes through: streamText stops and the request is cancelled", async () => {
  const id = uid();
  const ctrl = new AbortController();
  let aborted = false;
  const r = streamText({
    model: provider("premium"),
    prompt: "one two three four five six seven eight nine ten",
    abortSignal: ctrl.signal,
    providerOptions: { aibadgr: { _test: { id, paceMs: 40 } } },
    onAbort: () => { aborted = true; },
  });
  let n = 0;
  const got = [];
  for await (const t of r.textStream) {
    got.push(t);
    if (++n === 2) ctrl.abort();
  }
  assert.ok(aborted, "onAbort ran");
  assert.ok(got.join("").length < "Hello! You said: one two three four five six seven eight nine ten".length);
  const end = Date.now() + 3000;
  while ((await stats(id)).clientAborts !== 1 && Date.now() < end) await new Promise((res) => setTimeout(res, 20));
  assert.equal((await stats(id)).clientAborts, 1, "the HTTP request was aborted");
});

test("cancelling the model's stream (no abort signal) closes the request at once", async () => {
  const id = uid();
  const { stream } = await provider("premium").doStream({ prompt: [{ role: "user", content: [{ type: "text", text: "a b c d e f g h" }] }], providerOptions: { aibadgr: { _test: { id, paceMs: 200 } } } });
  const reader = stream.getReader();
  const first = [];
  for (let i = 0; i < 3; i++) first.push((await reader.read()).value.type);
  assert.deepEqual(first, ["stream-start", "response-metadata", "text-start"]);
  const t0 = Date.now();
  await reader.cancel("enough");
  const end = Date.now() + 3000;
  while ((await stats(id)).clientAborts !== 1 && Date.now() < end) await new Promise((res) => setTimeout(res, 20));
  assert.equal((await stats(id)).clientAborts, 1, "the HTTP request was aborted");
  assert.ok(Date.now() - t0 < 1000, "without waiting for the next chunk");
});

test("an abort before the answer rejects generateText with an AbortError", async () => {
  const ctrl = new AbortController();
  const p = generateText({ model: provider("basic"), prompt: "hi", abortSignal: ctrl.signal, providerOptions: { aibadgr: { _test: { fault: "hang" } } } });
  setTimeout(() => ctrl.abort(), 50);
  await assert.rejects(p, (e) => e.name === "AbortError");
});

test("an API error surfaces as an AI SDK APICallError with statusCode and isRetryable", async () => {
  const bad = createAiBadgr({ apiKey: "bad-key-1234", baseUrl: srv.url + "/v1" });
  const err = await generateText({ model: bad("premium"), prompt: "hi" }).then(() => null, (e) => e);
  assert.ok(err, "rejected");
  assert.ok(APICallError.isInstance(err), `not an APICallError: ${err}`);
  assert.equal(err.statusCode, 401);
  assert.equal(err.isRetryable, false);
  assert.equal(err.url, srv.url + "/v1/chat/completions");
  assert.equal(err.responseHeaders["x-ratelimit-limit-requests"], "60");
  assert.match(err.message, /Incorrect API key/);
  assert.equal(err.kind, "api"); // still this package's error too
  assert.ok(!JSON.stringify(err).includes("requestBodyValues"), "the SDK fields stay out of the error's JSON");
  // The same through streamText: the error part carries the APICallError.
  const r = streamText({ model: bad("premium"), prompt: "hi", onError: () => {} });
  const parts = await collect(r.fullStream);
  const e = parts.find((p) => p.type === "error")?.error;
  assert.ok(APICallError.isInstance(e));
  assert.equal(e.statusCode, 401);
});

test("retries: aibadgr's own by default (isRetryable false after them), the AI SDK's when maxRetries is 0", async () => {
  let id = uid();
  const err = await generateText({ model: provider("premium"), prompt: "hi", maxRetries: 2, providerOptions: { aibadgr: { _test: { id, fault: { status: 503, retryAfterMs: 1 } } } } }).then(() => null, (e) => e);
  assert.ok(APICallError.isInstance(err));
  assert.equal(err.statusCode, 503);
  assert.equal(err.isRetryable, false, "aibadgr already retried");
  assert.equal((await stats(id)).attempts, 3, "1 + aibadgr's 2 retries, none added by the AI SDK");
  const handOver = createAiBadgr({ apiKey: KEY, baseUrl: srv.url + "/v1", maxRetries: 0 });
  id = uid();
  const g = await generateText({ model: handOver("premium"), prompt: "Hi there", maxRetries: 2, providerOptions: { aibadgr: { _test: { id, plan: [{ status: 503, retryAfterMs: 1 }, "ok"] } } } });
  assert.equal(g.text, "Hello! You said: Hi there");
  assert.equal((await stats(id)).attempts, 2, "the AI SDK retried the retryable 503 once");
});

test("fallback tiers and call options through providerOptions.aibadgr", async () => {
  const id = uid();
  const g = await generateText({
    model: provider("premium"),
    prompt: "Hi there",
    providerOptions: { aibadgr: { fallbackModels: ["normal"], maxRetries: 0, user: "u-1", _test: { id, plan: [{ status: 503 }, "ok"] } } },
  });
  assert.equal(g.text, "Hello! You said: Hi there");
  assert.equal(g.providerMetadata.aibadgr.model, "normal");
  assert.equal(g.providerMetadata.aibadgr.attempts, 2);
  const sent = (await last()).body;
  assert.equal(sent.model, "normal");
  assert.equal(sent.user, "u-1");
  assert.equal(sent.fallbackModels, undefined, "call options are not sent");
});

test("bad input is this package's clear validation error, and nothing is sent", async () => {
  const before = (await (await fetch(srv.url + "/__stats")).json()).requests;
  const err = await generateText({ model: provider("premium"), prompt: "hi", temperature: Number.NaN }).then(() => null, (e) => e);
  assert.ok(err);
  assert.match(String(err.message), /temperature/);
  assert.equal((await (await fetch(srv.url + "/__stats")).json()).requests, before);
});

test("the provider's client keeps usage totals; the default provider reads the environment lazily", async () => {
  const p = createAiBadgr({ apiKey: KEY, baseUrl: srv.url + "/v1" });
  await generateText({ model: p("basic"), prompt: "Hi there" });
  const r = streamText({ model: p("basic"), prompt: "Hi there" });
  await r.text;
  await new Promise((res) => setTimeout(res, 10));
  assert.ok(p.client instanceof AiBadgr);
  assert.deepEqual(p.client.usage.models.basic, { requests: 2, promptTokens: 10, completionTokens: 10, totalTokens: 20, cachedTokens: 0 });
  assert.equal(aibadgr.specificationVersion, "v4");
  assert.equal(aibadgr("premium").modelId, "premium");
  assert.equal(aibadgr.embedding().modelId, "text-embedding-ada-002");
  assert.throws(() => aibadgr.imageModel("x"), (e) => e.name === "AI_NoSuchModelError");
});

test("prompt conversion: images, text files, tool results of every output type", () => {
  const img = new Uint8Array([137, 80, 78, 71]);
  const msgs = toChatMessages([
    { role: "user", content: [{ type: "text", text: "look" }, { type: "file", mediaType: "image/png", data: { type: "data", data: img } }, { type: "file", mediaType: "image", data: { type: "url", url: new URL("https://x.test/a.jpg") } }, { type: "file", mediaType: "text/plain", data: { type: "text", text: "notes" } }] },
    { role: "assistant", content: [{ type: "reasoning", text: "hmm" }, { type: "text", text: "calling" }, { type: "tool-call", toolCallId: "c1", toolName: "f", input: { a: 1 } }] },
    { role: "tool", content: [
      { type: "tool-result", toolCallId: "c1", toolName: "f", output: { type: "json", value: { ok: true } } },
      { type: "tool-result", toolCallId: "c2", toolName: "f", output: { type: "error-text", value: "boom" } },
      { type: "tool-result", toolCallId: "c3", toolName: "f", output: { type: "execution-denied" } },
    ] },
  ]);
  assert.deepEqual(msgs[0].content, [
    { type: "text", text: "look" },
    { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw==" } },
    { type: "image_url", image_url: { url: "https://x.test/a.jpg" } },
    { type: "text", text: "notes" },
  ]);
  assert.deepEqual(msgs[1], { role: "assistant", content: "calling", tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: '{"a":1}' } }] });
  assert.deepEqual(msgs.slice(2).map((m) => m.content), ['{"ok":true}', "boom", "Tool execution denied."]);
  assert.throws(() => toChatMessages([{ role: "user", content: [{ type: "file", mediaType: "audio/mp3", data: { type: "data", data: "AAAA" } }] }]), (e) => e.name === "AI_UnsupportedFunctionalityError");
});

test("the provider is its own entry: the main entry does not load it, and it imports nothing from the AI SDK", () => {
  const pkg = JSON.parse(fs.readFileSync(new URL("../../pkg/package.json", import.meta.url), "utf8"));
  assert.deepEqual(pkg.exports["./ai-sdk"], { types: "./ai-sdk.d.ts", default: "./ai-sdk.js" });
  assert.equal(pkg.peerDependenciesMeta["@ai-sdk/provider"].optional, true);
  assert.equal(pkg.dependencies, undefined);
  for (const f of ["node.js", "browser.js", "workerd.js", "deno.js", "api.js"]) {
    assert.ok(!fs.readFileSync(new URL(`../../pkg/${f}`, import.meta.url), "utf8").includes("ai-sdk"), f);
  }
  const src = fs.readFileSync(new URL("../../pkg/ai-sdk.js", import.meta.url), "utf8");
  const imports = [...src.matchAll(/^\s*import\s[^;]*?from\s+"([^"]+)"/gm)].map((m) => m[1]);
  assert.deepEqual(imports, ["aibadgr"]);
});

test("types: pkg/ai-sdk.d.ts with the AI SDK's own types under tsc --strict (tests/aisdk/types.ts)", () => {
  const tsc = new URL("../../.ci/tools/node_modules/.bin/tsc", import.meta.url).pathname;
  const r = spawnSync(tsc, ["-p", new URL(".", import.meta.url).pathname, "--pretty", "false"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

test("bundled with esbuild (aibadgr resolved through its exports), the provider streams", async () => {
  const esbuild = new URL("../../.ci/tools/node_modules/.bin/esbuild", import.meta.url).pathname;
  const pkg = new URL("../../pkg", import.meta.url).pathname;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aibadgr-aisdk-"));
  try {
    const out = path.join(dir, "app.mjs");
    const r = spawnSync(esbuild, [new URL("./bundle-entry.mjs", import.meta.url).pathname, "--bundle", "--format=esm", "--platform=node", `--alias:aibadgr=${pkg}`, `--outfile=${out}`, "--log-level=error",
      // The usual banner for an ESM Node bundle whose dependencies require() Node built-ins.
      "--banner:js=import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);"], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    const code = fs.readFileSync(out, "utf8");
    assert.ok(code.includes("aibadgr_bg.wasm") && code.includes("initSync"), "the node entry of aibadgr is in the bundle");
    fs.copyFileSync(path.join(pkg, "aibadgr_bg.wasm"), path.join(dir, "aibadgr_bg.wasm")); // the entry reads it next to itself
    const app = await import(out);
    assert.deepEqual(await app.run(srv.url + "/v1"), { text: "Hello! You said: from a bundle", finish: "stop" });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("tool calls all at index 0, told apart by id (some compatible servers), become two tool calls", async () => {
  const body = fs.readFileSync(new URL("../fixtures/providers/parallel_tool_calls_index0.sse", import.meta.url), "utf8");
  const p = createAiBadgr({
    apiKey: KEY, baseUrl: "https://aibadgr.invalid/api/v1", maxRetries: 0,
    fetch: async () => new Response(body, { headers: { "content-type": "text/event-stream" } }),
  });
  const r = streamText({ model: p("basic"), prompt: "Weather in Paris and Tokyo?" });
  const calls = (await collect(r.fullStream)).filter((x) => x.type === "tool-call");
  assert.deepEqual(calls.map((c) => [c.toolCallId, c.input]), [
    ["call_paris", { city: "Paris" }],
    ["call_tokyo", { city: "Tokyo" }],
  ]);
});
