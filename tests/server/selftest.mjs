// Self-test of the local test server: every route, CORS, auth, scenarios, faults and stats.
// Run: node --test tests/server/   (selftest.test.mjs imports this file so the runner finds it)
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { spawn } from "node:child_process";
import { mkdtemp, writeFile, mkdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startServer, RATE_LIMIT_HEADERS, EXPOSED_HEADERS } from "./server.mjs";

const KEY = "sk-test-123";
let srv;
let U;

before(async () => {
  srv = await startServer();
  U = srv.url;
});
after(async () => {
  await srv.close();
});

// ---- helpers ----

function post(p, body, { key = KEY, headers = {}, signal, raw } = {}) {
  return fetch(U + p, {
    method: "POST",
    headers: { "content-type": "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers },
    body: raw ?? JSON.stringify(body),
    signal,
  });
}

const chat = (extra = {}) => ({ model: "aibadgr/premium", messages: [{ role: "user", content: "hi there" }], ...extra });
const msg = (extra = {}) => ({ model: "premium", max_tokens: 256, messages: [{ role: "user", content: "hi there" }], ...extra });

/** Parses SSE text into [{ event, data, comment }] (CRLF or LF line ends). */
function parseSse(text) {
  const out = [];
  for (const block of text.replace(/\r\n/g, "\n").split("\n\n")) {
    if (!block.trim()) continue;
    const ev = { event: undefined, data: undefined, comments: [] };
    for (const line of block.split("\n")) {
      if (line.startsWith(":")) ev.comments.push(line.slice(1).trim());
      else if (line.startsWith("event: ")) ev.event = line.slice(7);
      else if (line.startsWith("data: ")) ev.data = ev.data === undefined ? line.slice(6) : `${ev.data}\n${line.slice(6)}`;
    }
    out.push(ev);
  }
  return out;
}

const dataOf = (events) => events.filter((e) => e.data !== undefined && e.data !== "[DONE]").map((e) => JSON.parse(e.data));

async function stats() {
  return (await fetch(`${U}/__stats`)).json();
}

async function waitFor(cond, ms = 3000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await cond();
    if (v) return v;
    if (Date.now() > end) throw new Error("timed out waiting for condition");
    await new Promise((r) => setTimeout(r, 20));
  }
}

let idCounter = 0;
const uid = (name) => `${name}-${++idCounter}-${Date.now()}`;

/** Raw HTTP request; resolves { status, headers, chunks: Buffer[] } or rejects on socket errors. */
function rawPost(p, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = http.request(U + p, { method: "POST", agent: false, headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json", "content-length": Buffer.byteLength(data), ...headers } }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, chunks }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(data);
  });
}

function cosine(a, b) {
  let d = 0;
  for (let i = 0; i < a.length; i++) d += a[i] * b[i];
  return d;
}

// ---- routing, CORS, auth ----

describe("routing", () => {
  it("accepts no prefix, /v1 and /api/v1", async () => {
    for (const p of ["/chat/completions", "/v1/chat/completions", "/api/v1/chat/completions"]) {
      const r = await post(p, chat());
      assert.equal(r.status, 200, p);
      assert.equal((await r.json()).object, "chat.completion");
    }
  });
  it("answers unknown paths with a 404 OpenAI error", async () => {
    const r = await post("/v1/nope", {});
    assert.equal(r.status, 404);
    const b = await r.json();
    assert.equal(b.error.type, "invalid_request_error");
    assert.match(b.error.message, /Invalid URL \(POST \/v1\/nope\)/);
  });
  it("answers a wrong method with 405", async () => {
    const r = await fetch(`${U}/v1/chat/completions`, { headers: { authorization: `Bearer ${KEY}` } });
    assert.equal(r.status, 405);
    assert.ok((await r.json()).error.message);
    assert.equal((await fetch(`${U}/__stats`, { method: "POST" })).status, 405);
  });
  it("lists the tiers at GET /models", async () => {
    const r = await fetch(`${U}/api/v1/models`, { headers: { authorization: `Bearer ${KEY}` } });
    const b = await r.json();
    assert.deepEqual(b.data.map((m) => m.id), ["basic", "normal", "premium"]);
  });
});

describe("CORS", () => {
  const check = (r) => {
    assert.equal(r.headers.get("access-control-allow-origin"), "*");
    assert.equal(
      r.headers.get("access-control-expose-headers"),
      EXPOSED_HEADERS.join(", "),
    );
  };
  it("sends OpenAI's rate-limit headers on OpenAI routes, errors included", async () => {
    for (const r of [await post("/chat/completions", chat()), await post("/chat/completions", chat(), { key: "bad-key" })]) {
      for (const [k, v] of Object.entries(RATE_LIMIT_HEADERS)) assert.equal(r.headers.get(k), v, k);
      await r.text();
    }
  });
  it("is on success, error, SSE and control responses", async () => {
    check(await post("/chat/completions", chat()));
    check(await post("/chat/completions", chat(), { key: "bad-key" }));
    const s = await post("/chat/completions", chat({ stream: true }));
    check(s);
    await s.text();
    check(await post("/chat/completions", chat({ _test: { fault: "429" } })));
    check(await fetch(`${U}/__stats`));
  });
  it("answers preflight with 204, echoes requested headers, counts preflights only", async () => {
    const before = await stats();
    const r = await fetch(`${U}/v1/chat/completions`, {
      method: "OPTIONS",
      headers: { origin: "http://localhost:9999", "access-control-request-method": "POST", "access-control-request-headers": "authorization,content-type,x-custom" },
    });
    assert.equal(r.status, 204);
    check(r);
    assert.equal(r.headers.get("access-control-allow-methods"), "GET, POST, OPTIONS");
    assert.equal(r.headers.get("access-control-allow-headers"), "authorization,content-type,x-custom");
    assert.equal(r.headers.get("access-control-max-age"), "600");
    const d = await fetch(`${U}/v1/messages`, { method: "OPTIONS" });
    assert.equal(d.headers.get("access-control-allow-headers"), "authorization, content-type");
    const after = await stats();
    assert.equal(after.preflights, before.preflights + 2);
    assert.equal(after.requests, before.requests);
  });
});

describe("auth", () => {
  it("rejects a missing key with 401", async () => {
    const r = await post("/chat/completions", chat(), { key: null });
    assert.equal(r.status, 401);
    assert.equal((await r.json()).error.type, "invalid_request_error");
  });
  it("rejects keys starting with bad, without echoing the key", async () => {
    const r = await post("/chat/completions", chat(), { key: "bad-secret-999" });
    assert.equal(r.status, 401);
    const text = await r.text();
    assert.ok(!text.includes("bad-secret-999"));
    assert.deepEqual(JSON.parse(text), {
      error: { message: "Incorrect API key provided. You can find your API key at https://aibadgr.com.", type: "invalid_request_error", param: null, code: "invalid_api_key" },
    });
  });
  it("accepts x-api-key on /messages and answers Anthropic-style 401s", async () => {
    const ok = await post("/v1/messages", msg(), { key: null, headers: { "x-api-key": KEY, "anthropic-version": "2023-06-01" } });
    assert.equal(ok.status, 200);
    const r = await post("/v1/messages", msg(), { key: null, headers: { "x-api-key": "bad-1" } });
    assert.equal(r.status, 401);
    assert.deepEqual(await r.json(), { type: "error", error: { type: "authentication_error", message: "invalid x-api-key" } });
    const none = await post("/v1/messages", msg(), { key: null });
    assert.equal(none.status, 401);
    assert.equal((await none.json()).error.type, "authentication_error");
  });
  it("sends a unique x-request-id on every response", async () => {
    const a = await post("/chat/completions", chat());
    const b = await post("/nope", {});
    assert.match(a.headers.get("x-request-id"), /^req_[0-9a-f]+$/);
    assert.match(b.headers.get("x-request-id"), /^req_[0-9a-f]+$/);
    assert.notEqual(a.headers.get("x-request-id"), b.headers.get("x-request-id"));
  });
});

// ---- chat completions ----

describe("chat completions", () => {
  it("validates the body like the real API", async () => {
    let r = await post("/chat/completions", null, { raw: "{not json" });
    assert.equal(r.status, 400);
    assert.equal((await r.json()).error.message, "We could not parse the JSON body of your request.");
    r = await post("/chat/completions", { messages: [{ role: "user", content: "x" }] });
    assert.equal(r.status, 400);
    assert.equal((await r.json()).error.param, "model");
    r = await post("/chat/completions", { model: "basic" });
    assert.equal((await r.json()).error.param, "messages");
    r = await post("/chat/completions", { model: "basic", messages: [] });
    assert.equal(r.status, 400);
    assert.equal((await r.json()).error.param, "messages");
  });

  it("answers a chat.completion object", async () => {
    const r = await post("/chat/completions", chat());
    assert.equal(r.headers.get("content-type"), "application/json");
    const b = await r.json();
    assert.match(b.id, /^chatcmpl-/);
    assert.equal(b.object, "chat.completion");
    assert.equal(b.model, "aibadgr/premium");
    assert.ok(Number.isInteger(b.created) && Math.abs(b.created - Date.now() / 1000) < 60);
    assert.ok(b.system_fingerprint);
    assert.deepEqual(Object.keys(b.choices[0]), ["index", "message", "logprobs", "finish_reason"]);
    assert.equal(b.choices[0].message.role, "assistant");
    assert.equal(b.choices[0].message.content, "Hello! You said: hi there");
    assert.equal(b.choices[0].message.refusal, null);
    assert.equal(b.choices[0].finish_reason, "stop");
    assert.equal(b.usage.total_tokens, b.usage.prompt_tokens + b.usage.completion_tokens);
  });

  it("streams chunks exactly like OpenAI", async () => {
    const r = await post("/chat/completions", chat({ stream: true, _test: { reply: "One two three" } }));
    assert.equal(r.headers.get("content-type"), "text/event-stream; charset=utf-8");
    assert.equal(r.headers.get("cache-control"), "no-cache");
    const text = await r.text();
    assert.ok(text.startsWith("data: {"));
    assert.ok(text.endsWith("data: [DONE]\n\n"));
    const events = parseSse(text);
    const chunks = dataOf(events);
    assert.deepEqual(chunks[0].choices[0].delta, { role: "assistant", content: "" });
    assert.deepEqual(chunks.slice(1, -1).map((c) => c.choices[0].delta.content), ["One", " two", " three"]);
    const last = chunks[chunks.length - 1];
    assert.deepEqual(last.choices[0].delta, {});
    assert.equal(last.choices[0].finish_reason, "stop");
    for (const c of chunks) {
      assert.equal(c.id, chunks[0].id);
      assert.equal(c.created, chunks[0].created);
      assert.equal(c.object, "chat.completion.chunk");
      assert.equal(c.model, "aibadgr/premium");
      assert.equal(c.system_fingerprint, chunks[0].system_fingerprint);
      assert.ok(!("usage" in c));
    }
  });

  it("adds usage:null and a final usage chunk only with include_usage", async () => {
    const r = await post("/chat/completions", chat({ stream: true, stream_options: { include_usage: true } }));
    const chunks = dataOf(parseSse(await r.text()));
    const usage = chunks[chunks.length - 1];
    assert.deepEqual(usage.choices, []);
    assert.ok(usage.usage.total_tokens > 0);
    for (const c of chunks.slice(0, -1)) assert.equal(c.usage, null);
  });

  it("paces streamed chunks with _test.paceMs", async () => {
    const t0 = Date.now();
    await (await post("/chat/completions", chat({ stream: true, _test: { reply: "a b c d", paceMs: 40 } }))).text();
    assert.ok(Date.now() - t0 >= 200);
  });

  it("answers a tool call when tools are given, with location from the text", async () => {
    const tools = [{ type: "function", function: { name: "get_weather", parameters: { type: "object", properties: { location: { type: "string" }, unit: { type: "string", enum: ["celsius", "fahrenheit"] } }, required: ["location"] } } }];
    const messages = [{ role: "user", content: "What's the weather like in New York?" }];
    const b = await (await post("/chat/completions", { model: "basic", messages, tools })).json();
    assert.equal(b.choices[0].finish_reason, "tool_calls");
    const call = b.choices[0].message.tool_calls[0];
    assert.equal(b.choices[0].message.content, null);
    assert.match(call.id, /^call_/);
    assert.equal(call.function.name, "get_weather");
    assert.deepEqual(JSON.parse(call.function.arguments), { location: "New York", unit: "celsius" });

    // streamed: header delta, then 3-6 char argument pieces
    const chunks = dataOf(parseSse(await (await post("/chat/completions", { model: "basic", messages, tools, stream: true })).text()));
    const first = chunks[0].choices[0].delta;
    assert.equal(first.role, "assistant");
    assert.deepEqual(first.tool_calls[0].function, { name: "get_weather", arguments: "" });
    assert.equal(first.tool_calls[0].type, "function");
    const pieces = chunks.slice(1, -1).map((c) => c.choices[0].delta.tool_calls[0].function.arguments);
    assert.ok(pieces.length > 3);
    assert.ok(pieces.slice(0, -1).every((p) => p.length >= 3 && p.length <= 6));
    assert.deepEqual(JSON.parse(pieces.join("")), { location: "New York", unit: "celsius" });
    assert.equal(chunks[chunks.length - 1].choices[0].finish_reason, "tool_calls");

    // round trip: the tool result comes back in the answer
    const round = await (await post("/chat/completions", {
      model: "basic", tools,
      messages: [...messages, b.choices[0].message, { role: "tool", tool_call_id: call.id, content: "22°C and sunny" }],
    })).json();
    assert.equal(round.choices[0].message.content, "The weather is: 22°C and sunny");
    assert.equal(round.choices[0].finish_reason, "stop");
  });

  it("interleaves parallel tool calls by index", async () => {
    const chunks = dataOf(parseSse(await (await post("/chat/completions", chat({ stream: true, _test: { scenario: "parallel_tools" } }))).text()));
    const deltas = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    const order = deltas.map((d) => d.index);
    assert.ok(order.includes(0) && order.includes(1));
    assert.ok(order.some((v, i) => i > 0 && v !== order[i - 1] && i > 2), "indices alternate");
    const args = [0, 1].map((i) => JSON.parse(deltas.filter((d) => d.index === i).map((d) => d.function.arguments).join("")));
    assert.deepEqual(args, [{ location: "Paris", unit: "celsius" }, { location: "Tokyo", unit: "celsius" }]);
    assert.equal(new Set(deltas.filter((d) => d.id).map((d) => d.id)).size, 2);
  });

  it("tool script: toolCalls, badArgs, unknownTool spoil only the first turn; the next turn corrects it; results answer", async () => {
    const tools = [{ type: "function", function: { name: "get_weather", parameters: { type: "object", properties: { location: { type: "string" } }, required: ["location"] } } }];
    const user = [{ role: "user", content: "Weather in Paris and Oslo?" }];
    const ask = async (messages, _test) => (await (await post("/chat/completions", { model: "basic", tools, messages, _test })).json()).choices[0].message;
    const two = await ask(user, { toolCalls: 2 });
    assert.deepEqual(two.tool_calls.map((c) => JSON.parse(c.function.arguments)), [{ location: "Paris" }, { location: "Oslo" }]);
    const json = await ask(user, { badArgs: "json" });
    assert.throws(() => JSON.parse(json.tool_calls[0].function.arguments));
    const schema = await ask(user, { badArgs: "schema" });
    assert.deepEqual(JSON.parse(schema.tool_calls[0].function.arguments), { location: 42, extra: true });
    const unknown = await ask(user, { unknownTool: true });
    assert.equal(unknown.tool_calls[0].function.name, "get_weather_v2");
    const err = { role: "tool", tool_call_id: unknown.tool_calls[0].id, content: "Error: no such tool" };
    const fixed = await ask([...user, unknown, err], { unknownTool: true });
    assert.equal(fixed.tool_calls[0].function.name, "get_weather");
    const results = [{ role: "tool", tool_call_id: "a", content: "sunny" }, { role: "tool", tool_call_id: "b", content: "rain" }];
    assert.equal((await ask([...user, two, ...results], {})).content, "The weather is: sunny; rain");
  });

  it("json_schema: matching JSON by default; prose, missing, fenced, refuse and never modes", async () => {
    const schema = { type: "object", properties: { city: { type: "string" }, n: { type: "integer", minimum: 3 } }, required: ["city", "n"] };
    const response_format = { type: "json_schema", json_schema: { name: "c", schema } };
    const first = async (_test, messages = [{ role: "user", content: "hi" }]) => (await (await post("/chat/completions", { model: "basic", messages, response_format, _test })).json()).choices[0].message;
    assert.deepEqual(JSON.parse((await first({})).content), { city: "example", n: 1 });
    assert.match((await first({ structured: "prose" })).content, /^Sure!/);
    const later = [{ role: "user", content: "hi" }, { role: "assistant", content: "x" }, { role: "user", content: "fix it" }];
    assert.deepEqual(JSON.parse((await first({ structured: "prose" }, later)).content), { city: "example", n: 1 });
    assert.deepEqual(JSON.parse((await first({ structured: "missing" })).content), { n: 1 });
    assert.match((await first({ structured: "never" }, later)).content, /^Sure!/);
    assert.match((await first({ structured: "fenced" })).content, /^```json\n\{/);
    const refused = await first({ structured: "refuse" });
    assert.equal(refused.refusal, "I can't help with that.");
    assert.equal(refused.content, null);
  });

  it("interleaves two choices with scenario n2", async () => {
    const chunks = dataOf(parseSse(await (await post("/chat/completions", chat({ stream: true, _test: { scenario: "n2", reply: "a b" } }))).text()));
    const text = [0, 1].map((i) => chunks.map((c) => c.choices[0]).filter((c) => c.index === i).map((c) => c.delta.content ?? "").join(""));
    assert.deepEqual(text, ["a b", "Alternative 1: a b"]);
    const idx = chunks.map((c) => c.choices[0].index);
    assert.deepEqual(idx.slice(0, 4), [0, 1, 0, 1]);
    const b = await (await post("/chat/completions", chat({ _test: { scenario: "n2" } }))).json();
    assert.equal(b.choices.length, 2);
  });

  it("streams reasoning_content before the answer with scenario reasoning, and counts it", async () => {
    const chunks = dataOf(parseSse(await (await post("/chat/completions", chat({ stream: true, stream_options: { include_usage: true }, _test: { scenario: "reasoning", reasoning: "think hard", reply: "ok" } }))).text()));
    const deltas = chunks.filter((c) => c.choices.length).map((c) => c.choices[0].delta);
    assert.equal(deltas.map((d) => d.reasoning_content ?? "").join(""), "think hard");
    assert.equal(deltas.map((d) => d.content ?? "").join(""), "ok");
    const firstText = deltas.findIndex((d) => d.content);
    assert.ok(deltas.slice(firstText).every((d) => d.reasoning_content === undefined));
    assert.equal(chunks.at(-1).usage.completion_tokens_details.reasoning_tokens, 2);
    const b = await (await post("/chat/completions", chat({ _test: { scenario: "reasoning", reasoning: "hmm" } }))).json();
    assert.equal(b.choices[0].message.reasoning_content, "hmm");
  });

  it("answers response_format json_schema with an object that fits the schema", async () => {
    const schema = { type: "object", properties: { name: { type: "string" }, age: { type: "integer" } }, required: ["name", "age"] };
    const b = await (await post("/chat/completions", chat({ response_format: { type: "json_schema", json_schema: { name: "person", schema } } }))).json();
    assert.deepEqual(JSON.parse(b.choices[0].message.content), { name: "example", age: 1 });
  });
});

// ---- embeddings ----

describe("embeddings", () => {
  it("returns unit-length deterministic vectors with OpenAI shape", async () => {
    const input = ["the cat sat on the mat", "the cat sat on a rug", "quantum flux capacitor"];
    const b = await (await post("/v1/embeddings", { model: "text-embedding-3-small", input })).json();
    assert.equal(b.object, "list");
    assert.equal(b.model, "text-embedding-3-small");
    assert.ok(b.usage.prompt_tokens > 0 && b.usage.total_tokens === b.usage.prompt_tokens);
    assert.equal(b.data.length, 3);
    b.data.forEach((d, i) => {
      assert.equal(d.object, "embedding");
      assert.equal(d.index, i);
      assert.equal(d.embedding.length, 1536);
      assert.ok(Math.abs(cosine(d.embedding, d.embedding) - 1) < 1e-5);
    });
    const [a, c, q] = b.data.map((d) => d.embedding);
    assert.ok(cosine(a, c) > 0.4, `similar ${cosine(a, c)}`);
    assert.ok(Math.abs(cosine(a, q)) < 0.2, `unrelated ${cosine(a, q)}`);
    const again = await (await post("/v1/embeddings", { model: "m", input: input[0] })).json();
    assert.deepEqual(again.data[0].embedding, a);
  });
  it("honours dimensions, token inputs and base64", async () => {
    const f = await (await post("/embeddings", { model: "m", input: [[1, 2, 3], [4, 5]], dimensions: 8 })).json();
    assert.equal(f.data.length, 2);
    assert.equal(f.data[0].embedding.length, 8);
    const single = await (await post("/embeddings", { model: "m", input: [1, 2, 3], dimensions: 8 })).json();
    assert.equal(single.data.length, 1);
    const b64 = await (await post("/embeddings", { model: "m", input: "hello world", encoding_format: "base64", dimensions: 16 })).json();
    const flt = await (await post("/embeddings", { model: "m", input: "hello world", encoding_format: "float", dimensions: 16 })).json();
    const buf = Buffer.from(b64.data[0].embedding, "base64");
    assert.equal(buf.length, 64);
    const decoded = Array.from({ length: 16 }, (_, i) => buf.readFloatLE(i * 4));
    assert.deepEqual(decoded, flt.data[0].embedding);
  });
  it("rejects bad input and missing model", async () => {
    for (const input of [undefined, "", [], [1, "a"], {}, [[]]]) {
      const r = await post("/embeddings", { model: "m", input });
      assert.equal(r.status, 400, JSON.stringify(input));
      assert.equal((await r.json()).error.param, "input");
    }
    const r = await post("/embeddings", { input: "x" });
    assert.equal((await r.json()).error.param, "model");
  });
});

// ---- messages ----

describe("messages", () => {
  it("validates like Anthropic", async () => {
    let r = await post("/v1/messages", { model: "m", messages: [{ role: "user", content: "x" }] });
    assert.equal(r.status, 400);
    assert.deepEqual(await r.json(), { type: "error", error: { type: "invalid_request_error", message: "max_tokens: Field required" } });
    r = await post("/v1/messages", { max_tokens: 5, messages: [{ role: "user", content: "x" }] });
    assert.equal((await r.json()).error.message, "model: Field required");
    r = await post("/v1/messages", { model: "m", max_tokens: 5, messages: [] });
    assert.equal(r.status, 400);
    assert.equal((await r.json()).error.type, "invalid_request_error");
  });

  it("answers a message object", async () => {
    const b = await (await post("/v1/messages", msg({ system: "be nice" }))).json();
    assert.match(b.id, /^msg_/);
    assert.equal(b.type, "message");
    assert.equal(b.role, "assistant");
    assert.equal(b.model, "premium");
    assert.deepEqual(b.content, [{ type: "text", text: "Hello! You said: hi there" }]);
    assert.equal(b.stop_reason, "end_turn");
    assert.equal(b.stop_sequence, null);
    assert.ok(b.usage.input_tokens > 0 && b.usage.output_tokens > 0);
  });

  it("streams the Anthropic event sequence exactly", async () => {
    const r = await post("/v1/messages", msg({ stream: true, _test: { reply: "Hi you" } }));
    assert.equal(r.headers.get("content-type"), "text/event-stream; charset=utf-8");
    const text = await r.text();
    assert.ok(text.startsWith('event: message_start\ndata: {"type":"message_start","message":{'));
    const events = parseSse(text);
    assert.deepEqual(events.map((e) => e.event), [
      "message_start", "content_block_start", "ping", "content_block_delta", "content_block_delta",
      "content_block_stop", "message_delta", "message_stop",
    ]);
    const d = events.map((e) => JSON.parse(e.data));
    d.forEach((x, i) => assert.equal(x.type, events[i].event));
    const start = d[0].message;
    assert.deepEqual(start.content, []);
    assert.equal(start.stop_reason, null);
    assert.equal(start.usage.output_tokens, 1);
    assert.deepEqual(d[1], { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } });
    assert.deepEqual(d[3].delta, { type: "text_delta", text: "Hi" });
    assert.deepEqual(d[4].delta, { type: "text_delta", text: " you" });
    assert.deepEqual(d[6], { type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: 2 } });
  });

  it("streams tool_use with input_json_delta and does the tool_result round trip", async () => {
    const tools = [{ name: "get_weather", description: "w", input_schema: { type: "object", properties: { location: { type: "string" }, unit: { type: "string" } } } }];
    const messages = [{ role: "user", content: "Weather in Paris?" }];
    const events = parseSse(await (await post("/v1/messages", msg({ tools, messages, stream: true }))).text());
    const d = events.map((e) => JSON.parse(e.data));
    const block = d.find((x) => x.type === "content_block_start").content_block;
    assert.equal(block.type, "tool_use");
    assert.match(block.id, /^toolu_/);
    assert.equal(block.name, "get_weather");
    assert.deepEqual(block.input, {});
    const parts = d.filter((x) => x.type === "content_block_delta").map((x) => x.delta);
    assert.ok(parts.every((p) => p.type === "input_json_delta"));
    assert.equal(parts[0].partial_json, "");
    assert.ok(parts.length > 3);
    assert.deepEqual(JSON.parse(parts.map((p) => p.partial_json).join("")), { location: "Paris", unit: "celsius" });
    assert.equal(d.find((x) => x.type === "message_delta").delta.stop_reason, "tool_use");

    const b = await (await post("/v1/messages", msg({ tools, messages }))).json();
    assert.equal(b.stop_reason, "tool_use");
    const use = b.content[0];
    const round = await (await post("/v1/messages", msg({
      tools,
      messages: [...messages, { role: "assistant", content: b.content }, { role: "user", content: [{ type: "tool_result", tool_use_id: use.id, content: "15°C" }] }],
    }))).json();
    assert.equal(round.content[0].text, "The weather is: 15°C");
    assert.equal(round.stop_reason, "end_turn");
  });

  it("streams a thinking block with a signature, then text", async () => {
    const d = parseSse(await (await post("/v1/messages", msg({ stream: true, _test: { scenario: "thinking" } }))).text()).map((e) => JSON.parse(e.data));
    const starts = d.filter((x) => x.type === "content_block_start");
    assert.deepEqual(starts.map((s) => s.content_block.type), ["thinking", "text"]);
    const deltas = d.filter((x) => x.type === "content_block_delta");
    const kinds = deltas.map((x) => x.delta.type);
    const sig = kinds.indexOf("signature_delta");
    assert.ok(sig > 1 && kinds.slice(0, sig).every((k) => k === "thinking_delta"));
    assert.equal(deltas[sig].index, 0);
    assert.ok(kinds.slice(sig + 1).every((k) => k === "text_delta"));
    const b = await (await post("/v1/messages", msg({ _test: { scenario: "thinking" } }))).json();
    assert.equal(b.content[0].type, "thinking");
    assert.ok(b.content[0].signature);
  });

  it("streams a citations_delta", async () => {
    const d = parseSse(await (await post("/v1/messages", msg({ stream: true, _test: { scenario: "citations" } }))).text()).map((e) => JSON.parse(e.data));
    const c = d.find((x) => x.delta?.type === "citations_delta");
    assert.deepEqual(c.delta.citation, { type: "char_location", cited_text: "The sky is", document_index: 0, document_title: "Doc", start_char_index: 0, end_char_index: 10 });
    const b = await (await post("/v1/messages", msg({ _test: { scenario: "citations" } }))).json();
    assert.equal(b.content[0].citations.length, 1);
  });
});

// ---- faults ----

describe("status faults", () => {
  const cases = [
    ["429", 429, "rate_limit_exceeded", "rate_limit_exceeded"],
    ["500", 500, "server_error", null],
    ["503", 503, "server_error", "service_unavailable"],
    ["400", 400, "invalid_request_error", null],
    ["401", 401, "invalid_request_error", "invalid_api_key"],
    ["404", 404, "invalid_request_error", "model_not_found"],
    ["model_not_found", 404, "invalid_request_error", "model_not_found"],
    ["529", 529, "server_error", "overloaded"],
    [{ status: 408 }, 408, "timeout", "timeout"],
    [{ status: 409 }, 409, "invalid_request_error", "conflict"],
    [{ status: 422 }, 422, "invalid_request_error", "unprocessable_entity"],
  ];
  for (const [fault, status, type, code] of cases) {
    it(`OpenAI ${JSON.stringify(fault)}`, async () => {
      const r = await post("/chat/completions", chat({ model: "gpt-x", _test: { fault } }));
      assert.equal(r.status, status);
      const b = await r.json();
      assert.equal(b.error.type, type);
      assert.equal(b.error.code, code);
      assert.ok("param" in b.error && b.error.message);
      if (status === 404) assert.match(b.error.message, /^The model `gpt-x` does not exist/);
      if (status === 400) assert.equal(b.error.param, "messages");
    });
  }
  it("sets retry headers and custom bodies", async () => {
    const r = await post("/chat/completions", chat({ _test: { fault: { status: 429, retryAfter: "2", retryAfterMs: "150", shouldRetry: "true" } } }));
    assert.equal(r.headers.get("retry-after"), "2");
    assert.equal(r.headers.get("retry-after-ms"), "150");
    assert.equal(r.headers.get("x-should-retry"), "true");
    const date = new Date(Date.now() + 3000).toUTCString();
    const d = await post("/chat/completions", chat({ _test: { fault: { status: 503, retryAfter: date, shouldRetry: "false" } } }));
    assert.equal(d.headers.get("retry-after"), date);
    assert.equal(d.headers.get("x-should-retry"), "false");
    const c = await post("/chat/completions", chat({ _test: { fault: { status: 500, body: "plain oops" } } }));
    assert.equal(c.status, 500);
    assert.equal(await c.text(), "plain oops");
  });
  it("uses Anthropic error bodies on /messages", async () => {
    const expect = { 429: "rate_limit_error", 500: "api_error", 529: "overloaded_error", 400: "invalid_request_error", 404: "not_found_error", 401: "authentication_error" };
    for (const [status, type] of Object.entries(expect)) {
      const r = await post("/v1/messages", msg({ _test: { fault: status } }));
      assert.equal(r.status, Number(status));
      const b = await r.json();
      assert.equal(b.type, "error");
      assert.equal(b.error.type, type);
      assert.ok(b.error.message);
    }
    const nf = await (await post("/v1/messages", msg({ _test: { fault: "model_not_found" } }))).json();
    assert.equal(nf.error.type, "not_found_error");
  });
  it("rejects an unknown fault name with a 400 naming _test", async () => {
    const r = await post("/chat/completions", chat({ _test: { fault: "explode" } }));
    assert.equal(r.status, 400);
    assert.equal((await r.json()).error.param, "_test");
  });
});

describe("transport faults", () => {
  it("html_502 sends an HTML page", async () => {
    const r = await post("/chat/completions", chat({ _test: { fault: "html_502" } }));
    assert.equal(r.status, 502);
    assert.equal(r.headers.get("content-type"), "text/html");
    assert.match(await r.text(), /<title>502 Bad Gateway<\/title>/);
  });
  it("reset_before_headers drops the connection", async () => {
    await assert.rejects(post("/chat/completions", chat({ _test: { fault: "reset_before_headers" } })));
  });
  it("empty_200 and wrong_content_type", async () => {
    const e = await post("/chat/completions", chat({ _test: { fault: "empty_200" } }));
    assert.equal(e.status, 200);
    assert.equal(e.headers.get("content-type"), "application/json");
    assert.equal(await e.text(), "");
    const w = await post("/chat/completions", chat({ stream: true, _test: { fault: "wrong_content_type" } }));
    assert.equal(w.headers.get("content-type"), "text/plain");
    assert.equal(await w.text(), "OK");
  });
  it("reset_mid_stream sends N chunks then breaks the body", async () => {
    const r = await post("/chat/completions", chat({ stream: true, _test: { fault: { name: "reset_mid_stream", after: 2 }, reply: "a b c d e f" } }));
    assert.equal(r.status, 200);
    const reader = r.body.getReader();
    let text = "";
    await assert.rejects(async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        text += Buffer.from(value).toString();
      }
    });
    assert.equal(parseSse(text).length, 2);
    const j = await post("/chat/completions", chat({ _test: { fault: "reset_mid_stream" } }));
    await assert.rejects(j.text());
  });
  it("no_done ends cleanly without finish_reason or [DONE]", async () => {
    const text = await (await post("/chat/completions", chat({ stream: true, _test: { fault: "no_done" } }))).text();
    assert.ok(!text.includes("[DONE]"));
    assert.ok(dataOf(parseSse(text)).every((c) => c.choices[0].finish_reason === null));
    const m = await (await post("/v1/messages", msg({ stream: true, _test: { fault: "no_done" } }))).text();
    assert.ok(!m.includes("message_stop"));
    assert.ok(m.includes("text_delta"));
  });
  it("malformed_chunk puts invalid JSON mid-stream", async () => {
    const events = parseSse(await (await post("/chat/completions", chat({ stream: true, _test: { fault: "malformed_chunk" } }))).text());
    const bad = events.findIndex((e) => e.data === '{"id": "x", "choices": [');
    assert.ok(bad > 0 && bad < events.length - 1);
    assert.equal(events[events.length - 1].data, "[DONE]");
  });
  it("slow_drip waits gapMs between chunks; the client can cancel (counted as abort)", async () => {
    const id = uid("drip");
    const r = await post("/chat/completions", chat({ stream: true, _test: { id, fault: { name: "slow_drip", gapMs: 150 } } }));
    const reader = r.body.getReader();
    const t0 = Date.now();
    const first = await reader.read();
    assert.ok(Buffer.from(first.value).toString().startsWith("data: "));
    await reader.read();
    assert.ok(Date.now() - t0 >= 120, `gap ${Date.now() - t0}`);
    await reader.cancel();
    await waitFor(async () => (await stats()).ids[id]?.clientAborts === 1);
  });
  it("big_event sends one chunk of that many bytes, in several writes", async () => {
    const bytes = 3_000_000;
    const r = await rawPost("/chat/completions", chat({ stream: true, _test: { fault: { name: "big_event", bytes } } }));
    assert.ok(r.chunks.length > 3);
    const chunks = dataOf(parseSse(Buffer.concat(r.chunks).toString("utf8")));
    const big = chunks.find((c) => (c.choices[0]?.delta.content ?? "").length > 1000).choices[0].delta.content;
    assert.equal(Buffer.byteLength(big), bytes);
    assert.ok(big.includes("é") && big.includes("€") && big.includes("😀"));
    assert.equal(chunks[chunks.length - 1].choices[0].finish_reason, "stop");
  });
  it("error_event sends an error payload mid-stream (both formats)", async () => {
    const events = parseSse(await (await post("/chat/completions", chat({ stream: true, _test: { fault: "error_event", reply: "a b c d" } }))).text());
    const last = JSON.parse(events[events.length - 1].data);
    assert.deepEqual(last, { error: { message: "The server had an error while processing your request.", type: "server_error", code: null, param: null } });
    assert.equal(dataOf(events).filter((c) => c.choices?.[0]?.delta.content).length, 2);
    const m = parseSse(await (await post("/v1/messages", msg({ stream: true, _test: { fault: "error_event" } }))).text());
    assert.equal(m[m.length - 1].event, "error");
    assert.deepEqual(JSON.parse(m[m.length - 1].data), { type: "error", error: { type: "overloaded_error", message: "Overloaded" } });
  });
  it("hang never answers; the client's abort is counted", async () => {
    const id = uid("hang");
    const ac = new AbortController();
    const p = post("/chat/completions", chat({ _test: { id, fault: "hang" } }), { signal: ac.signal });
    await waitFor(async () => (await stats()).ids[id]?.attempts === 1);
    assert.ok((await stats()).open >= 1);
    ac.abort();
    await assert.rejects(p);
    const s = await waitFor(async () => {
      const st = await stats();
      return st.ids[id].clientAborts === 1 ? st : null;
    });
    assert.equal(s.ids[id].completed, 0);
    assert.ok(s.clientAborts >= 1);
  });
  it("hang_body sends headers and one chunk, then nothing", async () => {
    const id = uid("hangbody");
    const r = await post("/chat/completions", chat({ stream: true, _test: { id, fault: "hang_body" } }));
    assert.equal(r.status, 200);
    const reader = r.body.getReader();
    const first = await reader.read();
    assert.equal(parseSse(Buffer.from(first.value).toString()).length, 1);
    const next = await Promise.race([reader.read(), new Promise((res) => setTimeout(() => res("timeout"), 200))]);
    assert.equal(next, "timeout");
    await reader.cancel();
    await waitFor(async () => (await stats()).ids[id]?.clientAborts === 1);
  });
  it("keepalive uses CRLF and ': ping' comments", async () => {
    const text = await (await post("/chat/completions", chat({ stream: true, _test: { fault: "keepalive" } }))).text();
    assert.ok(text.includes(": ping\r\n\r\n"));
    assert.ok(!/[^\r]\n/.test(text));
    const events = parseSse(text);
    assert.equal(events[events.length - 1].data, "[DONE]");
    assert.equal(dataOf(events).map((c) => c.choices[0].delta.content ?? "").join(""), "Hello! You said: hi there");
  });
  it("split_utf8 splits writes inside characters and inside CRLF", async () => {
    const r = await rawPost("/chat/completions", chat({ stream: true, _test: { fault: "split_utf8" } }));
    const midChar = r.chunks.some((c) => {
      const last = c[c.length - 1];
      return (last & 0xc0) === 0xc0;
    });
    const midCrlf = r.chunks.some((c) => c[c.length - 1] === 0x0d);
    assert.ok(midChar, "some read ends after a lead byte");
    assert.ok(midCrlf, "some read ends after \\r");
    const content = dataOf(parseSse(Buffer.concat(r.chunks).toString("utf8"))).map((c) => c.choices[0].delta.content ?? "").join("");
    assert.equal(content, "Héllo wörld — naïve café 你好 😀! You said: hi there");
  });
  it("applies body faults to non-streaming JSON too", async () => {
    const slow = await rawPost("/chat/completions", chat({ _test: { fault: { name: "slow_drip", gapMs: 30 } } }));
    assert.ok(slow.chunks.length >= 2);
    assert.equal(JSON.parse(Buffer.concat(slow.chunks)).object, "chat.completion");
    const split = await rawPost("/v1/messages", msg({ _test: { fault: "split_utf8" } }));
    assert.ok(split.chunks.length > 3);
    assert.match(JSON.parse(Buffer.concat(split.chunks)).content[0].text, /^Héllo wörld/);
    const bad = await post("/chat/completions", chat({ _test: { fault: "malformed_chunk" } }));
    assert.equal(bad.status, 200);
    await assert.rejects(bad.json());
    const err = await post("/chat/completions", chat({ _test: { fault: "error_event" } }));
    assert.equal(err.status, 500);
    assert.equal((await err.json()).error.type, "server_error");
    const big = await (await post("/v1/messages", msg({ stream: true, _test: { fault: { name: "big_event", bytes: 100000 } } }))).text();
    const text = parseSse(big).map((e) => JSON.parse(e.data)).filter((d) => d.delta?.type === "text_delta");
    assert.equal(text.length, 1);
    assert.equal(Buffer.byteLength(text[0].delta.text), 100000);
  });
  it("server-side resets are not counted as client aborts", async () => {
    const id = uid("reset");
    await assert.rejects(post("/chat/completions", chat({ _test: { id, fault: "reset_before_headers" } })));
    const r = await post("/chat/completions", chat({ stream: true, _test: { id, fault: "reset_mid_stream" } }));
    await assert.rejects(r.text());
    await new Promise((res) => setTimeout(res, 100));
    assert.deepEqual((await stats()).ids[id], { attempts: 2, clientAborts: 0, completed: 0 });
  });
});

// ---- plan, stats, records ----

describe("plan and stats", () => {
  it("follows a plan per id: 503, 503, then ok (and ok past the end)", async () => {
    const id = uid("plan");
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await post("/chat/completions", chat({ _test: { id, plan: ["503", "503", "ok"] } }))).status);
    assert.deepEqual(statuses, [503, 503, 200, 200]);
    const s = await waitFor(async () => {
      const st = await stats();
      return st.ids[id]?.completed === 4 ? st : null;
    });
    assert.deepEqual(s.ids[id], { attempts: 4, clientAborts: 0, completed: 4 });
  });
  it("records the last request with lowercased headers and _test stripped", async () => {
    const id = uid("rec");
    await post("/v1/chat/completions", chat({ temperature: 0.5, _test: { id } }), { headers: { "X-Custom-Thing": "yes" } });
    await post("/chat/completions", chat({ _test: { id: uid("other") } }));
    const last = await (await fetch(`${U}/__last?id=${encodeURIComponent(id)}`)).json();
    assert.equal(last.method, "POST");
    assert.equal(last.path, "/v1/chat/completions");
    assert.equal(last.headers["x-custom-thing"], "yes");
    assert.equal(last.headers.authorization, `Bearer ${KEY}`);
    assert.deepEqual(last.body, chat({ temperature: 0.5 }));
    await post("/chat/completions", null, { raw: "{oops" });
    assert.equal((await (await fetch(`${U}/__last`)).json()).body, "{oops");
    await post("/chat/completions", chat({ _test: { id: uid("other") } }));
    const overall = await (await fetch(`${U}/__last`)).json();
    assert.equal(overall.path, "/chat/completions");
    assert.ok(!("_test" in overall.body));
  });
  it("/__reset clears counters and records; control calls are not counted", async () => {
    assert.equal((await fetch(`${U}/__reset`, { method: "POST" })).status, 200);
    await fetch(`${U}/__stats`);
    await fetch(`${U}/__last`);
    const s = await stats();
    assert.deepEqual(s, { requests: 0, preflights: 0, open: 0, clientAborts: 0, ids: {} });
    assert.equal(await (await fetch(`${U}/__last`)).json(), null);
    await post("/chat/completions", chat());
    assert.equal((await stats()).requests, 1);
  });
});

// ---- static, upstream, lifecycle ----

describe("static files", () => {
  let dir;
  let s;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "aibadgr-static-"));
    await mkdir(path.join(dir, "pkg"));
    await writeFile(path.join(dir, "index.html"), "<h1>demo</h1>");
    await writeFile(path.join(dir, "pkg", "a.wasm"), Buffer.from([0, 97, 115, 109]));
    await writeFile(path.join(dir, "app.mjs"), "export {}");
    s = await startServer({ staticDir: dir });
  });
  after(async () => {
    await s.close();
    await rm(dir, { recursive: true, force: true });
  });
  it("serves files with content types, index.html for /, no traversal", async () => {
    const i = await fetch(`${s.url}/`);
    assert.equal(i.headers.get("content-type"), "text/html; charset=utf-8");
    assert.equal(await i.text(), "<h1>demo</h1>");
    assert.equal((await fetch(`${s.url}/pkg/a.wasm`)).headers.get("content-type"), "application/wasm");
    assert.equal((await fetch(`${s.url}/app.mjs`)).headers.get("content-type"), "text/javascript; charset=utf-8");
    assert.equal((await fetch(`${s.url}/missing.js`)).status, 404);
    for (const p of ["/..%2f..%2fetc%2fpasswd", "/%2e%2e/%2e%2e/etc/passwd", "/pkg/..%2f..%2f..%2fetc/passwd"]) {
      const r = await fetch(s.url + p);
      assert.equal(r.status, 404, p);
    }
    const api = await fetch(`${s.url}/v1/chat/completions`, { method: "POST", headers: { authorization: `Bearer ${KEY}` }, body: JSON.stringify(chat()) });
    assert.equal(api.status, 200);
  });
});

describe("upstream forwarding", () => {
  let upstreamSrv;
  let proxy;
  before(async () => {
    upstreamSrv = await startServer();
    proxy = await startServer({ upstream: { baseUrl: `${upstreamSrv.url}/api/v1`, apiKey: "sk-upstream" } });
  });
  after(async () => {
    await proxy.close();
    await upstreamSrv.close();
  });
  it("adds the key server-side and pipes streams through with CORS", async () => {
    const r = await fetch(`${proxy.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(chat({ stream: true, _test: { id: "up" } })) });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("access-control-allow-origin"), "*");
    assert.equal(r.headers.get("content-type"), "text/event-stream; charset=utf-8");
    const events = parseSse(await r.text());
    assert.equal(events[events.length - 1].data, "[DONE]");
    const last = await (await fetch(`${upstreamSrv.url}/__last`)).json();
    assert.equal(last.path, "/api/v1/chat/completions");
    assert.equal(last.headers.authorization, "Bearer sk-upstream");
    assert.ok(!("_test" in last.body));
    const e = await fetch(`${proxy.url}/v1/messages`, { method: "POST", body: JSON.stringify({ model: "m" }) });
    assert.equal(e.status, 400);
    assert.equal((await e.json()).error.message, "max_tokens: Field required");
    assert.equal((await (await fetch(`${proxy.url}/__stats`)).json()).requests, 2);
  });
});

describe("lifecycle", () => {
  it("close() destroys open sockets and resolves", async () => {
    const s = await startServer();
    const p = fetch(`${s.url}/chat/completions`, { method: "POST", headers: { authorization: `Bearer ${KEY}` }, body: JSON.stringify(chat({ _test: { fault: "hang" } })) });
    await waitFor(async () => (await (await fetch(`${s.url}/__stats`)).json()).open === 1);
    await s.close();
    await assert.rejects(p);
  });
  it("runs as a script: one LISTENING line, clean exit on SIGTERM", async () => {
    const script = fileURLToPath(new URL("./server.mjs", import.meta.url));
    const child = spawn(process.execPath, [script, "--port", "0", "--pace", "1"], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    const url = await new Promise((resolve, reject) => {
      child.stdout.on("data", (c) => {
        out += c;
        const m = /^LISTENING (http:\/\/127\.0\.0\.1:\d+)\n/.exec(out);
        if (m) resolve(m[1]);
      });
      child.on("exit", (code) => reject(new Error(`exited early: ${code}`)));
    });
    const r = await fetch(`${url}/v1/chat/completions`, { method: "POST", headers: { authorization: `Bearer ${KEY}` }, body: JSON.stringify(chat()) });
    assert.equal(r.status, 200);
    const code = await new Promise((resolve) => {
      child.removeAllListeners("exit");
      child.on("exit", (c) => resolve(c));
      child.kill("SIGTERM");
    });
    assert.equal(code, 0);
    assert.equal(out, `LISTENING ${url}\n`);
  });
});
