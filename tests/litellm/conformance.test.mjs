// Conformance through a real LiteLLM proxy (started by tests/litellm/run.sh): the built package
// talks to LiteLLM, whose models point at the local test server. Every API call is made with the
// base URL given both as http://127.0.0.1:PORT and http://127.0.0.1:PORT/v1.
// Env: LITELLM_URL, LITELLM_MASTER_KEY, AIBADGR_TEST_SERVER (the upstream test server, for /__last).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { embeddings as serverEmbeddings } from "../server/openai.mjs";

const { AiBadgr, AiBadgrError, ChatStream, MessageStream } = await import(new URL("../../pkg/node.js", import.meta.url));

const LITELLM = process.env.LITELLM_URL;
const KEY = process.env.LITELLM_MASTER_KEY;
const UPSTREAM = process.env.AIBADGR_TEST_SERVER;
if (!LITELLM || !KEY || !UPSTREAM) throw new Error("run through tests/litellm/run.sh (LITELLM_URL, LITELLM_MASTER_KEY, AIBADGR_TEST_SERVER)");

const BASES = [
  ["root", LITELLM],
  ["/v1", `${LITELLM}/v1`],
];

let seq = 0;
const uid = (tag) => `ll-${tag}-${++seq}-${Date.now().toString(36)}`;

/** What the upstream (test server) received for the request tagged `id`. */
async function upstreamSaw(id) {
  const r = await fetch(`${UPSTREAM}/__last?id=${encodeURIComponent(id)}`);
  return r.json();
}

const WEATHER_TOOL = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Current weather for a city",
    parameters: {
      type: "object",
      properties: { location: { type: "string" }, unit: { type: "string", enum: ["celsius", "fahrenheit"] } },
      required: ["location"],
    },
  },
};
const WEATHER_TOOL_ANTHROPIC = {
  name: "get_weather",
  description: "Current weather for a city",
  input_schema: WEATHER_TOOL.function.parameters,
};

async function collect(readable) {
  const out = [];
  for await (const x of readable) out.push(x);
  return out;
}

function assertNoKey(err) {
  const seen = `${err.message} ${JSON.stringify(err)} ${err.body ?? ""} ${String(err.cause ?? "")}`;
  assert.ok(!seen.includes(KEY), "the master key must not appear in errors");
}

/** Runs `fn`, expects an AiBadgrError, returns it. */
async function rejects(fn) {
  try {
    await fn();
  } catch (e) {
    assert.ok(e instanceof AiBadgrError, `expected AiBadgrError, got ${e?.constructor?.name}: ${e?.message}`);
    assertNoKey(e);
    return e;
  }
  assert.fail("expected the call to reject");
}

/**
 * Awaits a messages()/messagesStream() call; a bare 404 from LiteLLM's router (not an API error
 * about a model) becomes an explicit failure: LiteLLM serves POST /v1/messages only.
 */
async function viaMessagesRoute(baseUrl, promise) {
  try {
    return await promise;
  } catch (e) {
    if (e instanceof AiBadgrError && e.status === 404 && !/does not exist|model/i.test(e.message)) {
      throw new assert.AssertionError({
        message: `LiteLLM has no POST /messages route (only /v1/messages); the client, given baseUrl ${baseUrl}, posted to ${new URL(baseUrl).pathname.replace(/\/$/, "")}/messages and got: ${e.message}`,
      });
    }
    throw e;
  }
}

for (const [label, baseUrl] of BASES) {
  describe(`LiteLLM, baseUrl ${label}`, () => {
    const client = new AiBadgr({ apiKey: KEY, baseUrl, model: "budget-basic", maxRetries: 0, timeoutMs: 30_000 });

    // ---------------- chat ----------------
    test("chat: content, model, usage", async () => {
      const id = uid("chat");
      const r = await client.chat({ messages: [{ role: "user", content: "hi there" }], _test: { id } });
      assert.equal(r.object, "chat.completion");
      assert.equal(r.model, "budget-basic");
      assert.equal(r.choices[0].message.role, "assistant");
      assert.equal(r.choices[0].message.content, "Hello! You said: hi there");
      assert.equal(r.choices[0].finish_reason, "stop");
      assert.ok(r.usage.total_tokens > 0);
      const up = await upstreamSaw(id);
      assert.equal(up.body.model, "basic", "LiteLLM maps budget-basic to the upstream model basic");
      assert.match(up.path, /\/chat\/completions$/);
    });

    test("chat: every tier model group, extra fields pass through the proxy", async () => {
      for (const [model, upstream] of [["budget-normal", "normal"], ["budget-premium", "premium"]]) {
        const id = uid("tier");
        const r = await client.chat({ model, messages: [{ role: "user", content: "tier?" }], _test: { id, reply: `from ${upstream}` } });
        assert.equal(r.model, model);
        assert.equal(r.choices[0].message.content, `from ${upstream}`);
        assert.equal((await upstreamSaw(id)).body.model, upstream);
      }
    });

    test("chat: non-streamed tool call", async () => {
      const r = await client.chat({ messages: [{ role: "user", content: "What is the weather in Paris?" }], tools: [WEATHER_TOOL] });
      const c = r.choices[0];
      assert.equal(c.finish_reason, "tool_calls");
      assert.equal(c.message.tool_calls.length, 1);
      assert.equal(c.message.tool_calls[0].type, "function");
      assert.equal(c.message.tool_calls[0].function.name, "get_weather");
      assert.equal(typeof JSON.parse(c.message.tool_calls[0].function.arguments).location, "string");
    });

    // ---------------- models, response metadata, usage totals (issue 15) ----------------
    test("models(): GET /models lists the proxy's model groups", async () => {
      const list = await client.models();
      const ids = list.data.map((m) => m.id).sort();
      for (const want of ["budget-basic", "budget-normal", "budget-premium", "text-embedding-ada-002"]) assert.ok(ids.includes(want), `${want} in ${ids}`);
      assert.equal(list.response.status, 200);
      assert.equal(list.response.attempts, 1);
      const bad = await rejects(() => new AiBadgr({ apiKey: "sk-wrong-key-123", baseUrl, maxRetries: 0 }).models());
      assert.ok(bad.status === 401 || bad.status === 400, `status ${bad.status}`);
      assert.equal(bad.response.status, bad.status);
    });

    test("response metadata and usage totals through the proxy", async () => {
      const c = new AiBadgr({ apiKey: KEY, baseUrl, model: "budget-basic", maxRetries: 0, timeoutMs: 30_000 });
      const r = await c.chat({ messages: [{ role: "user", content: "hi there" }] });
      assert.equal(r.response.status, 200);
      assert.equal(r.response.model, "budget-basic");
      assert.equal(typeof r.response.elapsedMs, "number");
      assert.equal(r.response.headers["content-type"].split(";")[0], "application/json");
      assert.ok(!JSON.stringify(r).includes('"response"'));
      const s = await c.chatStream({ messages: [{ role: "user", content: "stream please" }] });
      assert.equal(s.response.status, 200);
      const f = await s.final();
      assert.equal(f.response.model, "budget-basic");
      const m = await viaMessagesRoute(baseUrl, c.messages({ max_tokens: 64, messages: [{ role: "user", content: "hi" }] }));
      const u = c.usage.models["budget-basic"];
      assert.equal(u.requests, 3);
      const prompt = r.usage.prompt_tokens + f.usage.prompt_tokens + m.usage.input_tokens + (m.usage.cache_read_input_tokens ?? 0) + (m.usage.cache_creation_input_tokens ?? 0);
      assert.equal(u.promptTokens, prompt);
      assert.equal(u.completionTokens, r.usage.completion_tokens + f.usage.completion_tokens + m.usage.output_tokens);
      assert.equal(c.usage.total.requests, 3);
    });

    // ---------------- chatStream ----------------
    test("chatStream: for-await chunks, final() with usage", async () => {
      const s = await client.chatStream({ messages: [{ role: "user", content: "stream please" }] });
      assert.ok(s instanceof ChatStream);
      assert.ok(s instanceof ReadableStream);
      // final() beside iteration: asked for once the iteration holds the stream.
      const chunks = [];
      let fin;
      for await (const c of s) {
        fin ??= s.final();
        chunks.push(c);
      }
      assert.ok(chunks.length >= 3, `got ${chunks.length} chunks`);
      for (const c of chunks) assert.equal(c.object, "chat.completion.chunk");
      const text = chunks.map((c) => c.choices?.[0]?.delta?.content ?? "").join("");
      assert.equal(text, "Hello! You said: stream please");
      const f = await fin;
      assert.equal(f.object, "chat.completion");
      assert.equal(f.model, "budget-basic");
      assert.equal(f.choices[0].message.content, "Hello! You said: stream please");
      assert.equal(f.choices[0].finish_reason, "stop");
      // LiteLLM forwards stream_options.include_usage and sends a usage chunk (with a non-empty
      // choices array: [{index:0, delta:{}}]).
      assert.ok(f.usage && f.usage.total_tokens > 0, `usage: ${JSON.stringify(f.usage)}`);
    });

    test("chatStream: text()", async () => {
      // Paced upstream (the _test member passes through the proxy), so deltas arrive in separate
      // reads: text() must hand them over as they come (deltas of one read are joined).
      const s = await client.chatStream({ messages: [{ role: "user", content: "text only" }], _test: { paceMs: 15 } });
      const parts = await collect(s.text());
      assert.ok(parts.length >= 2, `text() gave ${parts.length} part(s)`);
      assert.ok(parts.every((p) => typeof p === "string"));
      assert.equal(parts.join(""), "Hello! You said: text only");
    });

    test("chatStream: toSSE() re-emits the chunks and ends with [DONE]; final() beside it", async () => {
      const s = await client.chatStream({ messages: [{ role: "user", content: "sse out" }] });
      const sseStream = s.toSSE();
      const fin = s.final();
      const bytes = await collect(sseStream);
      assert.ok(bytes.every((b) => b instanceof Uint8Array));
      const sse = Buffer.concat(bytes.map((b) => Buffer.from(b))).toString("utf8");
      const datas = sse.split(/\n\n/).map((f) => f.trim()).filter(Boolean);
      assert.equal(datas.at(-1), "data: [DONE]");
      const parsed = datas.slice(0, -1).map((d) => {
        assert.match(d, /^data: /);
        return JSON.parse(d.slice(6));
      });
      assert.equal(parsed.map((c) => c.choices?.[0]?.delta?.content ?? "").join(""), "Hello! You said: sse out");
      assert.equal((await fin).choices[0].message.content, "Hello! You said: sse out");
    });

    test("chatStream: streamed tool call assembled by final()", async () => {
      const s = await client.chatStream({ messages: [{ role: "user", content: "What is the weather in Paris?" }], tools: [WEATHER_TOOL] });
      const f = await s.final();
      const c = f.choices[0];
      assert.equal(c.finish_reason, "tool_calls");
      assert.equal(c.message.tool_calls.length, 1);
      const call = c.message.tool_calls[0];
      assert.match(call.id, /^call_/);
      assert.equal(call.type, "function");
      assert.equal(call.function.name, "get_weather");
      const args = JSON.parse(call.function.arguments);
      assert.equal(typeof args.location, "string");
      assert.ok(args.location.length > 0);
    });

    test("chatStream: break in for-await cancels the stream", async () => {
      const s = await client.chatStream({ messages: [{ role: "user", content: "one two three four five six seven eight" }], _test: { paceMs: 20 } });
      let n = 0;
      for await (const _ of s) if (++n === 2) break;
      assert.equal(n, 2);
      // The client is usable afterwards.
      const r = await client.chat({ messages: [{ role: "user", content: "after" }] });
      assert.equal(r.choices[0].message.content, "Hello! You said: after");
    });

    // ---------------- embed ----------------
    test("embed: default Float32Array vectors, matching the upstream's", async () => {
      const input = ["The quick brown fox", "jumps over the lazy dog"];
      const r = await client.embed({ input });
      assert.equal(r.data.length, 2);
      const want = serverEmbeddings({ model: "x", input }).body.data;
      for (let i = 0; i < 2; i++) {
        const v = r.data[i].embedding;
        assert.ok(v instanceof Float32Array, `embedding is ${v?.constructor?.name}`);
        assert.equal(v.length, 1536);
        assert.equal(r.data[i].index, i);
        for (let j = 0; j < v.length; j++) assert.equal(v[j], Math.fround(want[i].embedding[j]), `data[${i}][${j}]`);
      }
      assert.ok(r.usage.prompt_tokens > 0);
    });

    test("embed: encoding_format float gives number arrays", async () => {
      const r = await client.embed({ input: "hello", encoding_format: "float" });
      const v = r.data[0].embedding;
      assert.ok(Array.isArray(v), `embedding is ${v?.constructor?.name}`);
      assert.equal(v.length, 1536);
      assert.ok(v.every((x) => typeof x === "number" && Number.isFinite(x)));
      const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
      assert.ok(Math.abs(norm - 1) < 1e-3, `norm ${norm}`);
    });

    // ---------------- messages (LiteLLM translates to upstream chat completions) ----------------
    test("messages: text, stop_reason, usage", async () => {
      const id = uid("msg");
      const r = await viaMessagesRoute(baseUrl, client.messages({ max_tokens: 100, system: "Be brief.", messages: [{ role: "user", content: "hello claude" }], _test: { id } }));
      assert.equal(r.type, "message");
      assert.equal(r.role, "assistant");
      assert.equal(r.model, "budget-basic");
      assert.equal(r.content[0].type, "text");
      assert.equal(r.content[0].text, "Hello! You said: hello claude");
      assert.equal(r.stop_reason, "end_turn");
      assert.ok(r.usage.input_tokens > 0 && r.usage.output_tokens > 0);
      const up = await upstreamSaw(id);
      assert.match(up.path, /\/chat\/completions$/, "LiteLLM translated /v1/messages to chat completions");
      assert.equal(up.body.messages[0].role, "system");
    });

    test("messages: tool_use through the translation", async () => {
      const r = await viaMessagesRoute(baseUrl, client.messages({ max_tokens: 100, messages: [{ role: "user", content: "What is the weather in Paris?" }], tools: [WEATHER_TOOL_ANTHROPIC] }));
      assert.equal(r.stop_reason, "tool_use");
      const tu = r.content.find((b) => b.type === "tool_use");
      assert.ok(tu, JSON.stringify(r.content));
      assert.equal(tu.name, "get_weather");
      assert.equal(typeof tu.input.location, "string");
    });

    test("messagesStream: event types, final() text and stop_reason", async () => {
      const s = await viaMessagesRoute(baseUrl, client.messagesStream({ max_tokens: 100, messages: [{ role: "user", content: "stream claude" }] }));
      assert.ok(s instanceof MessageStream);
      assert.ok(s instanceof ReadableStream);
      const events = [];
      let fin;
      for await (const e of s) {
        fin ??= s.final();
        events.push(e);
      }
      const types = events.map((e) => e.type);
      assert.equal(types[0], "message_start");
      assert.equal(types.at(-1), "message_stop");
      for (const t of ["content_block_start", "content_block_delta", "content_block_stop", "message_delta"]) assert.ok(types.includes(t), `${t} in ${types}`);
      assert.ok(!types.includes("ping"), "ping events are skipped");
      const text = events.filter((e) => e.type === "content_block_delta" && e.delta.type === "text_delta").map((e) => e.delta.text).join("");
      assert.equal(text, "Hello! You said: stream claude");
      const f = await fin;
      assert.equal(f.type, "message");
      assert.equal(f.role, "assistant");
      assert.equal(f.content.filter((b) => b.type === "text").map((b) => b.text).join(""), "Hello! You said: stream claude");
      assert.equal(f.stop_reason, "end_turn");
      // LiteLLM's message_start carries input_tokens 0; the real count comes in message_delta.
      assert.ok(f.usage && f.usage.output_tokens > 0 && f.usage.input_tokens > 0, `usage: ${JSON.stringify(f.usage)}`);
    });

    test("messagesStream: text() and toSSE() with event: lines", async () => {
      const s1 = await viaMessagesRoute(baseUrl, client.messagesStream({ max_tokens: 100, messages: [{ role: "user", content: "text claude" }] }));
      assert.equal((await collect(s1.text())).join(""), "Hello! You said: text claude");
      const s2 = await viaMessagesRoute(baseUrl, client.messagesStream({ max_tokens: 100, messages: [{ role: "user", content: "sse claude" }] }));
      const sse = Buffer.concat((await collect(s2.toSSE())).map((b) => Buffer.from(b))).toString("utf8");
      const frames = sse.split(/\n\n/).map((f) => f.trim()).filter(Boolean);
      assert.match(frames[0], /^event: message_start\ndata: /);
      assert.match(frames.at(-1), /^event: message_stop\ndata: /);
    });

    test("messagesStream: streamed tool_use assembled by final()", async () => {
      const s = await viaMessagesRoute(baseUrl, client.messagesStream({ max_tokens: 100, messages: [{ role: "user", content: "What is the weather in Paris?" }], tools: [WEATHER_TOOL_ANTHROPIC] }));
      const f = await s.final();
      assert.equal(f.stop_reason, "tool_use");
      const tu = f.content.find((b) => b.type === "tool_use");
      assert.ok(tu, JSON.stringify(f.content));
      assert.equal(tu.name, "get_weather");
      assert.equal(typeof tu.input.location, "string");
    });

    test("messagesStream with tools: for await, getReader() and toSSE() read every event; final() has the call (issue 10, item 1)", async () => {
      const req = () => ({ max_tokens: 100, messages: [{ role: "user", content: "What is the weather in Paris?" }], tools: [WEATHER_TOOL_ANTHROPIC] });
      const events = [];
      for await (const e of await viaMessagesRoute(baseUrl, client.messagesStream(req()))) events.push(e);
      assert.equal(events.at(-1).type, "message_stop");
      const starts = events.filter((e) => e.type === "content_block_start" && e.content_block.type === "tool_use");
      assert.ok(starts.length >= 1, JSON.stringify(events.map((e) => e.type)));
      const reader = (await viaMessagesRoute(baseUrl, client.messagesStream(req()))).getReader();
      let n = 0;
      for (let r; !(r = await reader.read()).done; ) n++;
      assert.ok(n >= events.length - 2, `getReader() read ${n} of about ${events.length} events`);
      const s = await viaMessagesRoute(baseUrl, client.messagesStream(req()));
      const sse = Buffer.concat((await collect(s.toSSE())).map((b) => Buffer.from(b))).toString("utf8");
      assert.match(sse.trim().split(/\n\n/).at(-1), /^event: message_stop\n/);
      const f = await s.final();
      const calls = f.content.filter((b) => b.type === "tool_use");
      assert.equal(calls.length, 1, JSON.stringify(f.content));
      assert.equal(calls[0].name, "get_weather");
      assert.equal(typeof calls[0].input.location, "string");
      assert.equal(calls[0].partial_json, undefined);
    });

    // ---------------- errors through the proxy ----------------
    test("error: a key LiteLLM does not know → kind api, 4xx, readable message", async () => {
      const bad = new AiBadgr({ apiKey: "sk-not-a-known-key", baseUrl, model: "budget-basic", maxRetries: 0 });
      const e = await rejects(() => bad.chat({ messages: [{ role: "user", content: "hi" }] }));
      assert.equal(e.kind, "api");
      // 401 with a key database; without one (as here) LiteLLM answers 400 "No connected db.".
      assert.ok(e.status === 401 || e.status === 400, `status ${e.status}`);
      assert.ok(e.message.length > 0 && !/^\s*\{/.test(e.message), `readable message: ${e.message}`);
      assert.ok(!e.message.includes("sk-not-a-known-key"));
    });

    test("error: upstream rejects LiteLLM's key → kind api 401", async () => {
      const e = await rejects(() => client.chat({ model: "budget-upstream-badkey", messages: [{ role: "user", content: "hi" }] }));
      assert.equal(e.kind, "api");
      assert.equal(e.status, 401);
      assert.match(e.message, /api key/i);
    });

    test("error: unknown model → kind api 400 with a readable message (chat, stream, embed)", async () => {
      const calls = [
        () => client.chat({ model: "no-such-model", messages: [{ role: "user", content: "hi" }] }),
        () => client.chatStream({ model: "no-such-model", messages: [{ role: "user", content: "hi" }] }),
        () => client.embed({ model: "no-such-model", input: "hi" }),
      ];
      for (const call of calls) {
        const e = await rejects(call);
        assert.equal(e.kind, "api");
        assert.ok(e.status === 400 || e.status === 404, `status ${e.status}`);
        assert.match(e.message, /no-such-model/);
        assert.ok(!/^\s*\{/.test(e.message), `readable message: ${e.message}`);
      }
    });

    test("error: unknown model on messages → kind api 400, Anthropic-shaped body parsed", async () => {
      const e = await rejects(() => viaMessagesRoute(baseUrl, client.messages({ model: "no-such-model", max_tokens: 10, messages: [{ role: "user", content: "hi" }] })));
      assert.equal(e.kind, "api");
      assert.ok(e.status === 400 || e.status === 404, `status ${e.status}`);
      assert.match(e.message, /no-such-model/);
      assert.equal(e.type, "invalid_request_error");
    });

    test("error: upstream model_not_found comes back as 404", async () => {
      const e = await rejects(() => client.chat({ messages: [{ role: "user", content: "hi" }], _test: { fault: "model_not_found" } }));
      assert.equal(e.kind, "api");
      assert.equal(e.status, 404);
      assert.match(e.message, /does not exist/);
    });

    test("retry: an upstream 429 passed on by LiteLLM is retried by the client", async () => {
      // LiteLLM renames the upstream's retry-after to llm_provider-retry-after, so the client
      // falls back to its own backoff (~0.5 s): fine, only the outcome is asserted.
      const id = uid("retry");
      const r = await client.chat({ messages: [{ role: "user", content: "retry me" }], _test: { id, plan: [{ status: 429, retryAfterMs: 50 }, "ok"] } }, { maxRetries: 2 });
      assert.equal(r.choices[0].message.content, "Hello! You said: retry me");
      const stats = await (await fetch(`${UPSTREAM}/__stats`)).json();
      assert.equal(stats.ids[id].attempts, 2);
    });

    test("fallbackModels: upstream model_not_found (404 through LiteLLM) moves to the next model group", async () => {
      const id = uid("fallback");
      const r = await client.chat({ messages: [{ role: "user", content: "fall back" }], _test: { id, plan: ["model_not_found", "ok"] } }, { fallbackModels: ["budget-normal"] });
      assert.equal(r.model, "budget-normal");
      assert.equal(r.choices[0].message.content, "Hello! You said: fall back");
      assert.equal((await upstreamSaw(id)).body.model, "normal");
    });

    test("stream: upstream reset mid-stream → kind stream (chat and messages)", async () => {
      const s = await client.chatStream({ messages: [{ role: "user", content: "a b c d e f g h" }], _test: { fault: { name: "reset_mid_stream", after: 2 } } });
      const e1 = await rejects(() => collect(s));
      assert.equal(e1.kind, "stream");
      const m = await viaMessagesRoute(baseUrl, client.messagesStream({ max_tokens: 100, messages: [{ role: "user", content: "a b c d e f g h" }], _test: { fault: { name: "reset_mid_stream", after: 2 } } }));
      const e2 = await rejects(() => collect(m));
      assert.equal(e2.kind, "stream");
    });

    test("client validation still happens before the proxy", async () => {
      const e = await rejects(() => viaMessagesRoute(baseUrl, client.messages({ messages: [{ role: "user", content: "hi" }] })));
      assert.equal(e.kind, "invalid_request");
      assert.match(e.message, /max_tokens/);
    });
  });
}
