// Issue 2: the client core through the built package: options, env defaults, model mapping,
// parameter pass-through, headers, chat, chatStream (iteration, text, toSSE, final), embed,
// error kinds, cancellation, pull-driven reading, the one-consumer rule.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { AiBadgr, AiBadgrError, ChatStream, MessageStream, TIERS } from "../../pkg/node.js";
import { bigText } from "../server/util.mjs";
import {
  server, client, rejects, checkError, collect, collectUntilError, chunkText, streamText, parseSse,
  closedPort, fetchBaselineHeaders, uid, sleep, HI, HI_REPLY, SECRET,
} from "./helpers.mjs";

let srv;
let baseline; // header names fetch adds by itself
before(async () => {
  srv = await server();
  baseline = await fetchBaselineHeaders(srv);
});
after(() => srv.close());

/** Runs `fn` with process.env entries set (undefined deletes), restoring them after. */
async function withEnv(vars, fn) {
  const saved = {};
  for (const [k, v] of Object.entries(vars)) {
    saved[k] = process.env[k];
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

const NO_ENV = { AIBADGR_API_KEY: undefined, AIBADGR_BASE_URL: undefined };

// ---------- exports and options ----------

test("exports: TIERS, AiBadgrError, ChatStream and MessageStream are what the contract says", () => {
  assert.deepEqual([...TIERS], ["basic", "normal", "premium"]);
  assert.ok(Object.isFrozen(TIERS));
  assert.ok(AiBadgrError.prototype instanceof Error);
  assert.ok(ChatStream.prototype instanceof ReadableStream);
  assert.ok(MessageStream.prototype instanceof ReadableStream);
  assert.equal(typeof AiBadgr.fromEnv, "function");
});

test("defaults: AIBADGR_API_KEY and AIBADGR_BASE_URL come from process.env", async () => {
  await withEnv({ AIBADGR_API_KEY: "sk-from-process-env", AIBADGR_BASE_URL: srv.url + "/api/v1" }, async () => {
    const c = new AiBadgr();
    assert.equal(c.baseUrl, srv.url + "/api/v1");
    const id = uid("env");
    const r = await c.chat({ messages: HI, _test: { id } });
    assert.equal(r.choices[0].message.content, HI_REPLY);
    const last = await srv.last(id);
    assert.equal(last.path, "/api/v1/chat/completions");
    assert.equal(last.headers.authorization, "Bearer sk-from-process-env");
    assert.equal(last.body.model, "basic", "default model is basic");
    // Explicit options win over the environment.
    const c2 = new AiBadgr({ apiKey: "sk-explicit", baseUrl: srv.url + "/v1" });
    assert.equal(c2.baseUrl, srv.url + "/v1");
    const id2 = uid("env");
    await c2.chat({ messages: HI, _test: { id: id2 } });
    assert.equal((await srv.last(id2)).headers.authorization, "Bearer sk-explicit");
  });
});

test("defaults: baseUrl is https://aibadgr.com/api/v1 without option or env; the model default is basic", async () => {
  await withEnv(NO_ENV, async () => {
    assert.equal(new AiBadgr({ apiKey: "sk-x" }).baseUrl, "https://aibadgr.com/api/v1");
    assert.equal(new AiBadgr().baseUrl, "https://aibadgr.com/api/v1", "no key is fine (a proxy adds it)");
  });
});

test("fromEnv: a Worker-like env object supplies the key and base URL (over process.env)", async () => {
  await withEnv({ AIBADGR_API_KEY: "sk-process-env", AIBADGR_BASE_URL: "https://wrong.example/v1" }, async () => {
    const c = AiBadgr.fromEnv({ AIBADGR_API_KEY: "sk-worker-env", AIBADGR_BASE_URL: srv.url + "/v1/" });
    assert.equal(c.baseUrl, srv.url + "/v1");
    const id = uid("fromenv");
    const r = await c.chat({ messages: HI, _test: { id } });
    assert.equal(r.choices[0].message.content, HI_REPLY);
    assert.equal((await srv.last(id)).headers.authorization, "Bearer sk-worker-env");
  });
});

test("fromEnv: falls back to process.env, and takes options as a second argument", async () => {
  await withEnv({ AIBADGR_API_KEY: "sk-process-env-2", AIBADGR_BASE_URL: srv.url + "/v1" }, async () => {
    const c = AiBadgr.fromEnv({}, { model: "normal" });
    const id = uid("fromenv");
    await c.chat({ messages: HI, _test: { id } });
    const last = await srv.last(id);
    assert.equal(last.headers.authorization, "Bearer sk-process-env-2");
    assert.equal(last.body.model, "normal");
  });
});

test("fromEnv without a key anywhere throws a config error naming AIBADGR_API_KEY", async () => {
  await withEnv(NO_ENV, async () => {
    for (const env of [{}, { AIBADGR_BASE_URL: srv.url }, undefined, { AIBADGR_API_KEY: "" }]) {
      let err;
      try {
        AiBadgr.fromEnv(env);
      } catch (e) {
        err = e;
      }
      assert.ok(err, `fromEnv(${JSON.stringify(env)}) must throw`);
      checkError(err, { kind: "config", param: "AIBADGR_API_KEY", message: /^AIBADGR_API_KEY / });
    }
  });
});

test("baseUrl with a trailing slash: no double slash in the request path", async () => {
  const c = new AiBadgr({ apiKey: "sk-x", baseUrl: srv.url + "/api/v1/" });
  assert.equal(c.baseUrl, srv.url + "/api/v1");
  const id = uid("slash");
  await c.chat({ messages: HI, _test: { id } });
  assert.equal((await srv.last(id)).path, "/api/v1/chat/completions");
  const c2 = new AiBadgr({ apiKey: "sk-x", baseUrl: srv.url + "/" });
  assert.equal(c2.baseUrl, srv.url);
  const id2 = uid("slash");
  await c2.chat({ messages: HI, _test: { id: id2 } });
  assert.equal((await srv.last(id2)).path, "/chat/completions");
});

test("model mapping: aibadgr/<tier> is sent as <tier>; tiers and OpenAI names pass through", async () => {
  const c = client(srv);
  const cases = [
    ["aibadgr/premium", "premium"], ["aibadgr/normal", "normal"], ["aibadgr/basic", "basic"],
    ["basic", "basic"], ["normal", "normal"], ["premium", "premium"],
    ["gpt-4o-mini", "gpt-4o-mini"], ["gpt-3.5-turbo", "gpt-3.5-turbo"], ["openai/gpt-4o", "openai/gpt-4o"],
  ];
  for (const [given, sent] of cases) {
    const id = uid("model");
    const r = await c.chat({ model: given, messages: HI, _test: { id } });
    assert.equal((await srv.last(id)).body.model, sent, given);
    assert.equal(r.model, sent, given);
  }
  // The client's default model follows the same rule.
  const id = uid("model");
  await client(srv, { model: "aibadgr/premium" }).chat({ messages: HI, _test: { id } });
  assert.equal((await srv.last(id)).body.model, "premium");
  // Streams too.
  const id2 = uid("model");
  const s = await c.chatStream({ model: "aibadgr/normal", messages: HI, _test: { id: id2 } });
  assert.equal((await s.final()).model, "normal");
  assert.equal((await srv.last(id2)).body.model, "normal");
});

test("every provider-page parameter and unknown fields are forwarded unchanged", async () => {
  const id = uid("params");
  const req = {
    model: "normal",
    messages: [
      { role: "system", content: "Be brief." },
      { role: "user", content: [{ type: "text", text: "What is the weather in Tokyo?" }] },
    ],
    temperature: 0.7,
    top_p: 0.9,
    max_tokens: 64,
    frequency_penalty: 0.5,
    presence_penalty: -0.5,
    stop: ["\n\n", "END"],
    n: 1,
    tools: [{ type: "function", function: { name: "get_weather", description: "Weather", parameters: { type: "object", properties: { location: { type: "string" } }, required: ["location"] } } }],
    tool_choice: { type: "function", function: { name: "get_weather" } },
    response_format: { type: "json_object" },
    seed: 42,
    user: "user-1234",
    stream: false,
    logit_bias: { 50256: -100 },
    future_param: { nested: [1, "x", null, true, { deep: 1.5 }] },
    metadata: { trace: "abc" },
  };
  const snapshot = structuredClone(req);
  const r = await client(srv).chat({ ...req, _test: { id } });
  assert.deepEqual(req, snapshot, "the caller's request object is not modified");
  const last = await srv.last(id);
  assert.equal(last.method, "POST");
  assert.deepEqual(last.body, snapshot);
  assert.equal(r.choices[0].finish_reason, "tool_calls");
  assert.deepEqual(JSON.parse(r.choices[0].message.tool_calls[0].function.arguments), { location: "Tokyo" });
});

test("headers: exactly Authorization and Content-Type plus the user's (client and call)", async () => {
  // What the client itself sets, seen through a custom fetch.
  const seen = [];
  const rec = (url, init) => {
    seen.push({ url, init });
    return fetch(url, init);
  };
  const c = client(srv, { fetch: rec, headers: { "X-Trace-Id": "trace-1", "x-team": "a" } });
  const id = uid("hdr");
  await c.chat({ messages: HI, _test: { id } }, { headers: { "x-call": "c1", "X-Team": "b" } });
  assert.equal(seen.length, 1);
  assert.equal(seen[0].url, srv.url + "/v1/chat/completions");
  assert.equal(seen[0].init.method, "POST");
  const h = Object.fromEntries(new Headers(seen[0].init.headers));
  assert.deepEqual(h, {
    authorization: `Bearer ${SECRET}`,
    "content-type": "application/json",
    "x-trace-id": "trace-1",
    "x-team": "b",
    "x-call": "c1",
  });
  // What arrives at the server: the platform's own headers plus exactly those.
  const got = (await srv.last(id)).headers;
  assert.deepEqual(Object.keys(got).sort(), [...baseline, "authorization", "content-type", "x-call", "x-team", "x-trace-id"].sort());
  assert.equal(got["content-type"], "application/json");
  assert.equal(got["x-team"], "b", "a call header replaces the client's, case-insensitively");
});

test("headers: without apiKey no Authorization header is sent (same-origin proxy); the server's 401 maps", async () => {
  await withEnv(NO_ENV, async () => {
    const c = new AiBadgr({ baseUrl: srv.url + "/v1" });
    const id = uid("nokey");
    const err = await rejects(c.chat({ messages: HI, _test: { id } }), { kind: "api", status: 401, type: "invalid_request_error" });
    assert.match(err.message, /^401 You didn't provide an API key/);
    const got = (await srv.last(id)).headers;
    assert.deepEqual(Object.keys(got).sort(), [...baseline, "content-type"].sort());
    assert.equal((await srv.id(id)).attempts, 1, "401 is not retried");
  });
});

// ---------- chat and chatStream ----------

test("chat: a ChatCompletion with the reply, finish_reason and usage", async () => {
  const id = uid("chat");
  const r = await client(srv).chat({ messages: HI, _test: { id } });
  assert.equal(r.object, "chat.completion");
  assert.match(r.id, /^chatcmpl-/);
  assert.equal(r.model, "basic");
  assert.equal(r.choices.length, 1);
  assert.deepEqual(r.choices[0].message, { role: "assistant", content: HI_REPLY, refusal: null, annotations: [] });
  assert.equal(r.choices[0].finish_reason, "stop");
  assert.equal(r.usage.total_tokens, r.usage.prompt_tokens + r.usage.completion_tokens);
  assert.equal(r.usage.completion_tokens, 5, "one per streamed word");
  const last = await srv.last(id);
  assert.equal(last.path, "/v1/chat/completions");
  assert.deepEqual(last.body, { messages: HI, model: "basic" });
  assert.equal((await srv.id(id)).attempts, 1);
});

test("chatStream + for await: parsed chunks, stream:true and stream_options.include_usage added", async () => {
  const id = uid("stream");
  const s = await client(srv).chatStream({ messages: HI, _test: { id } });
  assert.ok(s instanceof ChatStream);
  assert.ok(s instanceof ReadableStream);
  const chunks = await collect(s);
  assert.ok(chunks.length >= 5);
  for (const c of chunks) assert.equal(c.object, "chat.completion.chunk");
  assert.equal(chunkText(chunks), HI_REPLY);
  assert.equal(chunks[0].choices[0].delta.role, "assistant");
  const finish = chunks.filter((c) => c.choices[0]?.finish_reason);
  assert.deepEqual(finish.map((c) => c.choices[0].finish_reason), ["stop"]);
  // The usage chunk (choices: []) this client asked for is kept from the loop (issue 10,
  // item 3); its usage is on the stream.
  assert.ok(chunks.every((c) => c.choices.length > 0));
  assert.equal(s.usage.completion_tokens, 5);
  const body = (await srv.last(id)).body;
  assert.deepEqual(body, { messages: HI, model: "basic", stream: true, stream_options: { include_usage: true } });
  assert.deepEqual(await srv.id(id), { attempts: 1, clientAborts: 0, completed: 1 });
});

test("chatStream: stream_options set by the caller is kept as given", async () => {
  const id = uid("so");
  const s = await client(srv).chatStream({ messages: HI, stream: true, stream_options: { include_usage: false }, _test: { id } });
  const chunks = await collect(s);
  assert.equal(chunkText(chunks), HI_REPLY);
  assert.ok(chunks.every((c) => c.usage == null), "no usage chunk when the caller turned it off");
  assert.deepEqual((await srv.last(id)).body.stream_options, { include_usage: false });
});

test("chatStream .text(): a ReadableStream of content strings", async () => {
  const s = await client(srv).chatStream({ messages: HI, _test: { reply: "Grüße 😀 aus Köln, 你好!" } });
  const t = s.text();
  assert.ok(t instanceof ReadableStream);
  const parts = await collect(t);
  assert.ok(parts.length >= 1);
  for (const p of parts) assert.equal(typeof p, "string");
  assert.equal(parts.join(""), "Grüße 😀 aus Köln, 你好!");
});

test("chatStream .toSSE(): SSE bytes ending with data: [DONE], re-parseable to the same chunks", async () => {
  const s = await client(srv).chatStream({ messages: HI });
  const text = await streamText(s.toSSE());
  assert.ok(text.endsWith("data: [DONE]\n\n"), JSON.stringify(text.slice(-40)));
  const events = parseSse(text);
  assert.equal(events.at(-1).data, "[DONE]");
  const chunks = events.slice(0, -1).map((e) => JSON.parse(e.data));
  for (const c of chunks) assert.equal(c.object, "chat.completion.chunk");
  assert.equal(chunkText(chunks), HI_REPLY);
  assert.equal(chunks.at(-1).usage.completion_tokens, 5);
});

test("chatStream .toSSE() through new Response(...) (the Worker pass-through) reads as the same SSE", async () => {
  const s = await client(srv).chatStream({ messages: HI, _test: { reply: "pass through me" } });
  const res = new Response(s.toSSE(), { headers: { "content-type": "text/event-stream" } });
  assert.equal(res.headers.get("content-type"), "text/event-stream");
  const text = await res.text();
  assert.ok(text.endsWith("data: [DONE]\n\n"));
  const chunks = parseSse(text).filter((e) => e.data !== "[DONE]").map((e) => JSON.parse(e.data));
  assert.equal(chunkText(chunks), "pass through me");
});

// A body of the given chunks (each a Uint8Array, one per pull), served for every request;
// with `hang`, it then never sends again nor ends.
function chunkedClient(chunks, { hang = false } = {}) {
  return new AiBadgr({
    apiKey: SECRET, baseUrl: "https://aibadgr.invalid/api/v1", maxRetries: 0,
    fetch: async () => {
      let i = 0;
      const body = new ReadableStream({
        pull(c) {
          if (i < chunks.length) c.enqueue(chunks[i++]);
          else if (hang) return new Promise(() => {});
          else c.close();
        },
      }, { highWaterMark: 0 });
      return new Response(body, { headers: { "content-type": "text/event-stream" } });
    },
  });
}

test("chunks Rust sends as the template's object with another text are what JSON.parse of each event gives, each its own object", async (t) => {
  const enc = new TextEncoder();
  const tail = `"logprobs":null,"x":{"a":[1,{"b":2}],"0":"zero","constructor":"c"}}],"usage":null}`;
  const ev = (id, text, extra = "") => `{"id":"${id}","object":"chat.completion.chunk","created":1,"model":"m"${extra},"choices":[{"index":0,"delta":{"content":${JSON.stringify(text)}},"finish_reason":null,${tail}`;
  const datas = [
    `{"id":"a","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}`,
    // Short strings cross wasm-bindgen's string path by a loop up to 12 bytes of ASCII (glue-patch.mjs).
    ...["Hel", "lo", " wo", "rld", "é😀", "", "abcdefghijkl", "abcdefghijklm", "aé", "~\u007f", "12345678901é"].map((x) => ev("a", x)),
    ev("a", 'say "hi"'), // an escape: the whole chunk
    ...["x", "y", "z"].map((x) => ev("b", x)), // another template
    ...["p", "q", "r"].map((x) => ev("c", x, `,"__proto__":{"polluted":true}`)), // never copied
    ...["s", "t"].map((x) => ev("a", x)),
    `{"id":"a","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}`,
  ];
  const body = () => [...datas.map((d) => enc.encode(`data: ${d}\n\n`)), enc.encode("data: [DONE]\n\n")];
  const want = datas.map((d) => JSON.parse(d));
  // A getter-only accessor a polyfill put on Object.prototype: assigning "usage" to a plain
  // object would throw in strict code; JSON.parse makes an own property regardless.
  Object.defineProperty(Object.prototype, "usage", { configurable: true, get() { return undefined; } });
  t.after(() => { delete Object.prototype.usage; });
  const reads = {
    iter: async (s) => { const out = []; for await (const c of s) out.push(c); return out; },
    reader: async (s) => { const out = []; const r = s.getReader(); for (let x; !(x = await r.read()).done; ) out.push(x.value); return out; },
  };
  for (const [name, read] of Object.entries(reads)) {
    for (const split of [false, true]) {
      // In one read each, and all in one read (the batches then hold many items).
      const chunks = split ? body() : [enc.encode(body().map((b) => new TextDecoder().decode(b)).join(""))];
      const got = await read(await chunkedClient(chunks).chatStream({ model: "basic", messages: HI }));
      assert.equal(got.length, want.length, name);
      for (let i = 0; i < want.length; i++) {
        assert.deepStrictEqual(got[i], want[i], `${name} ${split} chunk ${i}`);
        assert.equal(Object.getPrototypeOf(got[i]), Object.prototype);
        assert.deepEqual(Object.keys(got[i]), Object.keys(want[i]), "the keys in the same order");
        if (Object.hasOwn(want[i], "usage")) assert.ok(Object.hasOwn(got[i], "usage"), `usage is the chunk's own (${i})`);
      }
      const proto = got.find((c) => c.id === "c");
      assert.ok(Object.hasOwn(proto, "__proto__") && Object.getPrototypeOf(proto) === Object.prototype, "__proto__ stays a key");
      // Each chunk is its own: changing one changes no other.
      got[2].x = 1;
      got[3].choices[0].x.a[1].b = 99;
      got[3].choices[0].delta.content = "changed";
      assert.equal(got[4].choices[0].x.a[1].b, 2);
      assert.equal(got[4].choices[0].delta.content, "rld");
      assert.equal(got[5].x, undefined);
    }
  }
});

test("a read holding one templated chunk crosses as its text alone, not as JSON for JSON.parse", async () => {
  const glue = await import("../../pkg/aibadgr.js");
  const Core = Object.values(glue).find((c) => typeof c?.prototype?.feedBytes === "function");
  assert.ok(Core, "the glue exports the stream core");
  const orig = Core.prototype.feedBytes;
  const seen = [];
  Core.prototype.feedBytes = function (bytes, mode) { const out = orig.call(this, bytes, mode); seen.push(out); return out; };
  try {
    const enc = new TextEncoder();
    const ev = (text) => enc.encode(`data: {"id":"a","choices":[{"index":0,"delta":{"content":${JSON.stringify(text)}},"finish_reason":null}]}\n\n`);
    const texts = ["a", "b", "b2", "c", "dé", "e"];
    const s = await chunkedClient([...texts.map(ev), enc.encode("data: [DONE]\n\n")]).chatStream({ model: "basic", messages: HI });
    const got = [];
    for await (const c of s) got.push(c.choices[0].delta.content);
    assert.deepEqual(got, texts);
    // Once a read brought the template (the second chunk teaches it), every later one is the
    // bare string; the end is undefined.
    assert.deepEqual(seen.slice(-4), ["c", "dé", "e", undefined]);
  } finally {
    Core.prototype.feedBytes = orig;
  }
});

test("message events Rust sends as the template's object with another text are what JSON.parse of each event gives", async () => {
  const enc = new TextEncoder();
  const delta = (text) => ({ type: "content_block_delta", index: 0, delta: { type: "text_delta", text } });
  const events = [
    { type: "message_start", message: { id: "m", type: "message", role: "assistant", content: [], model: "x", usage: { input_tokens: 1, output_tokens: 1 } } },
    { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } },
    ...["Hel", "lo", " wo", "rld", 'a "quote"', "é😀", "!"].map(delta),
    { type: "content_block_stop", index: 0 },
    { type: "message_delta", delta: { stop_reason: "end_turn" }, usage: { output_tokens: 7 } },
    { type: "message_stop" },
  ];
  const chunks = events.map((e) => enc.encode(`event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`));
  const s = await chunkedClient(chunks).messagesStream({ model: "basic", max_tokens: 9, messages: HI });
  const got = [];
  for await (const e of s) got.push(e);
  assert.deepStrictEqual(got, events);
  got[3].delta.text = "changed";
  assert.equal(got[4].delta.text, " wo");
  assert.equal((await s.final()).content[0].text, 'Hello worlda "quote"é😀!');
});

test("every consumer gets all the events of a read before it reads again: the rest after the first text, an error, the end", async () => {
  const enc = new TextEncoder();
  const chunk = (delta, finish = null) => `data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":${JSON.stringify(delta)},"finish_reason":${JSON.stringify(finish)}}]}\n\n`;
  const first = enc.encode(chunk({ role: "assistant", content: "" }));
  // After these reads the body is silent forever: whatever a consumer still needs must come
  // from the reads it has, or the consumer waits for ever (and the race below fails).
  const rest = enc.encode(chunk({ content: "A" }) + chunk({ content: "B" }) + chunk({ content: "C" }));
  const error = enc.encode(chunk({ content: "A" }) + `data: {"error":{"message":"overloaded","type":"server_error"}}\n\n`);
  const end = enc.encode(chunk({ content: "A" }) + chunk({}, "stop") + "data: [DONE]\n\n");
  const within = (p, what) => Promise.race([p, sleep(3000).then(() => { throw new Error(`${what}: waited on the silent body`); })]);
  const req = { model: "basic", messages: HI };
  const consumers = {
    iter: async (s, until) => { let t = ""; for await (const c of s) { t += c.choices[0]?.delta?.content ?? ""; if (t === until) break; } return t; },
    reader: async (s, until) => { const r = s.getReader(); let t = ""; for (let x; !(x = await r.read()).done; ) { t += x.value.choices[0]?.delta?.content ?? ""; if (t === until) { r.cancel(); break; } } return t; },
    text: async (s, until) => { let t = ""; for await (const p of s.text()) { t += p; if (t === until) break; } return t; },
    sse: async (s, until) => { let t = ""; for await (const b of s.toSSE()) { t += new TextDecoder().decode(b); if (t.includes(until)) break; } return t; },
  };
  for (const [name, read] of Object.entries(consumers)) {
    const s1 = await chunkedClient([first, rest], { hang: true }).chatStream(req);
    const t1 = await within(read(s1, name === "sse" ? '"C"' : "ABC"), `${name}, the rest of a read`);
    assert.ok(name === "sse" ? t1.includes('"C"') : t1 === "ABC", `${name}: ${t1}`);
    const s2 = await chunkedClient([first, error], { hang: true }).chatStream(req);
    await assert.rejects(within(read(s2, "never"), `${name}, an error`), (e) => e.kind === "stream" && /overloaded/.test(e.message), name);
    const s3 = await chunkedClient([first, end], { hang: true }).chatStream(req);
    const t3 = await within(read(s3, "never"), `${name}, the end`);
    assert.ok(name === "sse" ? t3.endsWith("data: [DONE]\n\n") : t3 === "A", `${name}: ${t3}`);
  }
  const s4 = await chunkedClient([first, end], { hang: true }).chatStream(req);
  assert.equal((await within(s4.final(), "final() alone, the end")).choices[0].message.content, "A");
});

test("chatStream .toSSE() passes a read on as it came when the server framed whole events as toSSE() does; other reads are re-framed", async () => {
  const enc = new TextEncoder();
  const ev = (i) => `{"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"w${i} "},"finish_reason":null}]}`;
  const last = `{"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}`;
  const canonical = [0, 1, 2, 3].map((i) => enc.encode(`data: ${ev(i)}\n\n`));
  const crlf = enc.encode(`data:${ev(4)}\r\n\r\n`); // same event, other framing
  const two = enc.encode(`data: ${ev(5)}\n\ndata: ${ev(6)}\n\n`); // two whole events in one read
  const split = [enc.encode(`data: ${ev(7)}`), enc.encode(`\n\n`)]; // one event over two reads
  const tail = [enc.encode(`data: ${last}\n\n`), enc.encode("data: [DONE]\n\n")];
  const chunks = [...canonical, crlf, two, ...split, ...tail];
  const s = await chunkedClient(chunks).chatStream({ model: "basic", messages: HI });
  const out = [];
  const reader = s.toSSE().getReader();
  for (let r; !(r = await reader.read()).done; ) out.push(r.value);
  const text = out.map((u) => new TextDecoder().decode(u)).join("");
  const want = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => `data: ${ev(i)}\n\n`).join("") + `data: ${last}\n\ndata: [DONE]\n\n`;
  assert.equal(text, want);
  // The reads after the first (which the call read itself to check the first event) pass on
  // as the same objects; the CRLF one and the split event are re-framed copies.
  const same = (c) => out.includes(c);
  assert.deepEqual(canonical.slice(1).map(same), [true, true, true]);
  assert.equal(same(two), true);
  assert.equal(same(crlf), false);
  assert.equal(split.some(same), false);
  assert.deepEqual(tail.map(same), [true, true]);
  assert.equal((await s.final()).choices[0].message.content, "w0 w1 w2 w3 w4 w5 w6 w7 ");
});

test("chatStream .final() alone: the whole ChatCompletion, equal to chat()'s", async () => {
  const c = client(srv);
  const whole = await c.chat({ messages: HI });
  const id = uid("final");
  const s = await c.chatStream({ messages: HI, _test: { id } });
  const f = await s.final();
  assert.equal(f.object, "chat.completion");
  assert.equal(f.model, "basic");
  assert.equal(f.choices.length, 1);
  assert.equal(f.choices[0].index, 0);
  assert.equal(f.choices[0].message.role, "assistant");
  assert.equal(f.choices[0].message.content, HI_REPLY);
  assert.equal(f.choices[0].finish_reason, "stop");
  assert.deepEqual(f.usage, whole.usage);
  assert.equal((await srv.id(id)).completed, 1);
});

test("chatStream .final() after iteration finished resolves to the same completion", async () => {
  const s = await client(srv).chatStream({ messages: HI });
  const chunks = await collect(s);
  const f = await s.final();
  assert.equal(f.choices[0].message.content, chunkText(chunks));
  assert.equal(f.id, chunks[0].id);
  assert.deepEqual(f.usage, s.usage);
  assert.equal(typeof f.usage.total_tokens, "number");
});

test("chatStream .final() beside text() resolves when text() reaches the end", async () => {
  const s = await client(srv).chatStream({ messages: HI });
  const t = s.text();
  const fp = s.final();
  const text = (await collect(t)).join("");
  const f = await fp;
  assert.equal(text, HI_REPLY);
  assert.equal(f.choices[0].message.content, HI_REPLY);
  assert.equal(f.choices[0].finish_reason, "stop");
});

test("chatStream .final() beside for-await started in the same tick (final requested first)", async () => {
  const s = await client(srv).chatStream({ messages: HI });
  const fp = s.final();
  const chunks = await collect(s);
  assert.equal(chunkText(chunks), HI_REPLY);
  assert.equal((await fp).choices[0].message.content, HI_REPLY);
});

test("streamed tool call: tool_calls merged by index, arguments concatenated", async () => {
  const tools = [{ type: "function", function: { name: "get_weather", parameters: { type: "object", properties: { location: { type: "string" }, unit: { type: "string", enum: ["celsius", "fahrenheit"] } } } } }];
  const s = await client(srv).chatStream({ messages: [{ role: "user", content: "Weather in Tokyo?" }], tools, _test: { scenario: "tool_call" } });
  const chunks = await collect(s);
  const fp = s.final();
  const deltas = chunks.flatMap((c) => c.choices[0]?.delta?.tool_calls ?? []);
  assert.ok(deltas.length >= 6, "split over many deltas");
  const args = deltas.map((d) => d.function?.arguments ?? "").join("");
  assert.deepEqual(JSON.parse(args), { location: "Tokyo", unit: "celsius" });
  const f = await fp;
  assert.equal(f.choices[0].finish_reason, "tool_calls");
  assert.equal(f.choices[0].message.content, null);
  assert.deepEqual(f.choices[0].message.tool_calls, [
    { id: deltas[0].id, type: "function", function: { name: "get_weather", arguments: args } },
  ]);
  assert.match(deltas[0].id, /^call_/);
});

test("parallel_tools: two tool calls interleaved by index are merged separately", async () => {
  const s = await client(srv).chatStream({ messages: [{ role: "user", content: "Weather in Oslo and Lima" }], _test: { scenario: "parallel_tools" } });
  const f = await s.final();
  const calls = f.choices[0].message.tool_calls;
  assert.equal(calls.length, 2);
  assert.deepEqual(calls.map((c) => c.function.name), ["get_weather", "get_weather"]);
  assert.deepEqual(JSON.parse(calls[0].function.arguments), { location: "Oslo", unit: "celsius" });
  assert.deepEqual(JSON.parse(calls[1].function.arguments), { location: "Lima", unit: "celsius" });
  assert.notEqual(calls[0].id, calls[1].id);
  assert.equal(f.choices[0].finish_reason, "tool_calls");
});

test("n2: two choices accumulated separately by index", async () => {
  const c = client(srv);
  const s = await c.chatStream({ messages: HI, _test: { scenario: "n2" } });
  const f = await s.final();
  assert.equal(f.choices.length, 2);
  assert.deepEqual(f.choices.map((x) => x.index), [0, 1]);
  assert.equal(f.choices[0].message.content, HI_REPLY);
  assert.equal(f.choices[1].message.content, `Alternative 1: ${HI_REPLY}`);
  assert.deepEqual(f.choices.map((x) => x.finish_reason), ["stop", "stop"]);
  const whole = await c.chat({ messages: HI, _test: { scenario: "n2" } });
  assert.deepEqual(f.usage, whole.usage);
});

// ---------- embed ----------

test("embed: Float32Array vectors by default, equal to the float format", async () => {
  const c = client(srv);
  const id = uid("emb");
  const r = await c.embed({ input: ["hello world", "goodbye moon"], _test: { id } });
  assert.equal(r.object, "list");
  assert.equal(r.model, "text-embedding-ada-002");
  assert.equal(r.data.length, 2);
  assert.deepEqual(r.data.map((d) => d.index), [0, 1]);
  for (const d of r.data) {
    assert.ok(d.embedding instanceof Float32Array);
    assert.equal(d.embedding.length, 1536);
  }
  assert.equal((await srv.last(id)).body.model, "text-embedding-ada-002");
  const floats = await c.embed({ input: ["hello world", "goodbye moon"], encoding_format: "float" });
  for (let i = 0; i < 2; i++) {
    assert.ok(Array.isArray(floats.data[i].embedding), "explicit float → plain arrays");
    assert.deepEqual(Array.from(r.data[i].embedding), floats.data[i].embedding);
  }
  assert.deepEqual(r.usage, floats.usage);
});

test("embed: base64 stays a string (decodes to the same vector); dimensions is forwarded", async () => {
  const c = client(srv);
  const id = uid("emb");
  const b = await c.embed({ input: "hello", encoding_format: "base64", dimensions: 8, _test: { id } });
  assert.equal(typeof b.data[0].embedding, "string");
  const last = await srv.last(id);
  assert.deepEqual(last.body, { input: "hello", encoding_format: "base64", dimensions: 8, model: "text-embedding-ada-002" });
  const buf = Buffer.from(b.data[0].embedding, "base64");
  const vec = new Float32Array(buf.buffer, buf.byteOffset, buf.length / 4);
  const f = await c.embed({ input: "hello", dimensions: 8 });
  assert.ok(f.data[0].embedding instanceof Float32Array);
  assert.equal(f.data[0].embedding.length, 8);
  assert.deepEqual(Array.from(f.data[0].embedding), Array.from(vec));
});

test("embed: embeddingModel option and aibadgr/ prefix", async () => {
  const id = uid("emb");
  const r = await client(srv, { embeddingModel: "text-embedding-3-small" }).embed({ input: "x y", _test: { id } });
  assert.equal((await srv.last(id)).body.model, "text-embedding-3-small");
  assert.equal(r.model, "text-embedding-3-small");
  const id2 = uid("emb");
  await client(srv).embed({ model: "aibadgr/basic", input: [1, 2, 3], _test: { id: id2 } });
  assert.equal((await srv.last(id2)).body.model, "basic");
  assert.deepEqual((await srv.last(id2)).body.input, [1, 2, 3]);
});

// ---------- error kinds ----------

test("error kind api: 401 with status, code, type, requestId; not retried", async () => {
  const id = uid("e401");
  const err = await rejects(client(srv, { apiKey: "bad-key-0000" }).chat({ messages: HI, _test: { id } }), {
    kind: "api", status: 401, code: "invalid_api_key", type: "invalid_request_error", param: undefined, name: "AiBadgrError",
  });
  assert.match(err.message, /^401 Incorrect API key provided\./);
  assert.match(err.requestId, /^req_[0-9a-f]{32}$/);
  assert.equal((await srv.id(id)).attempts, 1);
});

test("error kind api: 400 with param from the error body", async () => {
  const id = uid("e400");
  const err = await rejects(client(srv).chat({ messages: HI, _test: { id, fault: { status: 400, param: "temperature" } } }), {
    kind: "api", status: 400, type: "invalid_request_error", param: "temperature", code: undefined,
    message: "400 Invalid value for 'temperature'.",
  });
  assert.match(err.requestId, /^req_/);
  assert.equal((await srv.id(id)).attempts, 1);
});

test("error kind api: a non-JSON 502 keeps the start of the body in err.body", async () => {
  const id = uid("e502");
  const err = await rejects(client(srv, { maxRetries: 0 }).chat({ messages: HI, _test: { id, fault: "html_502" } }), {
    kind: "api", status: 502,
  });
  assert.match(err.message, /^502 /);
  assert.ok(err.body.startsWith("<html>\n<head><title>502 Bad Gateway</title></head>"), err.body);
  assert.ok(err.body.length <= 512);
  assert.equal((await srv.id(id)).attempts, 1);
});

test("error kind network: nothing listens on the port", async () => {
  const port = await closedPort();
  const c = new AiBadgr({ apiKey: "sk-x", baseUrl: `http://127.0.0.1:${port}/v1`, maxRetries: 0 });
  const err = await rejects(c.chat({ messages: HI }), { kind: "network", status: undefined });
  assert.match(err.message, /could not reach the server/);
  assert.ok(err.cause !== undefined, "the platform error is kept as cause");
});

test("error kind timeout: timeoutMs while waiting for headers; the server sees the close", async () => {
  const id = uid("tmo");
  const err = await rejects(client(srv).chat({ messages: HI, _test: { id, fault: "hang" } }, { timeoutMs: 300 }), {
    kind: "timeout", status: undefined,
  });
  assert.match(err.message, /timeoutMs \(300 ms\)/);
  assert.notEqual(err.name, "AbortError");
  await srv.waitId(id, (s) => s.clientAborts === 1, "clientAborts 1");
  assert.equal((await srv.id(id)).attempts, 1);
});

test("error kind aborted: name AbortError, the server sees the close", async () => {
  const id = uid("abort");
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 100);
  const err = await rejects(client(srv).chat({ messages: HI, _test: { id, fault: "hang" } }, { signal: ac.signal }), {
    kind: "aborted", name: "AbortError",
  });
  assert.ok(err instanceof AiBadgrError);
  await srv.waitId(id, (s) => s.clientAborts === 1, "clientAborts 1");
});

test("error kind stream: an error event in the stream rejects the iteration", async () => {
  const s = await client(srv).chatStream({ messages: HI, _test: { fault: "error_event" } });
  const { items, err } = await collectUntilError(s);
  checkError(err, { kind: "stream", type: "server_error", message: "The server had an error while processing your request." });
  assert.equal(chunkText(items), "Hello! You");
});

test("error kinds invalid_request and config: nothing is sent", async () => {
  const before = (await srv.stats()).requests;
  await rejects(client(srv).chat({ messages: [] }), { kind: "invalid_request", param: "messages" });
  assert.throws(() => new AiBadgr({ apiKey: 42 }), (e) => checkError(e, { kind: "config", param: "apiKey" }) && true);
  assert.equal((await srv.stats()).requests, before);
});

// ---------- cancellation ----------

const LONG = Array.from({ length: 60 }, (_, i) => `word${i}`).join(" ");

test("cancel: reader.cancel() aborts the fetch (server sees the close)", async () => {
  const id = uid("cancel");
  const s = await client(srv).chatStream({ messages: HI, _test: { id, reply: LONG, paceMs: 40 } });
  const reader = s.getReader();
  const a = await reader.read();
  const b = await reader.read();
  assert.equal(a.done, false);
  assert.equal(b.value.choices[0].delta.content, "word0");
  await reader.cancel();
  const s2 = await srv.waitId(id, (x) => x.clientAborts === 1, "clientAborts 1");
  assert.equal(s2.completed, 0);
});

test("cancel: break out of for await aborts the fetch", async () => {
  const id = uid("break");
  const s = await client(srv).chatStream({ messages: HI, _test: { id, reply: LONG, paceMs: 40 } });
  let n = 0;
  for await (const chunk of s) {
    assert.equal(chunk.object, "chat.completion.chunk");
    if (++n === 3) break;
  }
  const s2 = await srv.waitId(id, (x) => x.clientAborts === 1, "clientAborts 1");
  assert.equal(s2.completed, 0);
});

test("cancel: the signal aborts a stream being read (AbortError) and the fetch", async () => {
  const id = uid("sig");
  const ac = new AbortController();
  const s = await client(srv).chatStream({ messages: HI, _test: { id, reply: LONG, paceMs: 40 } }, { signal: ac.signal });
  const items = [];
  let err;
  try {
    for await (const c of s) {
      items.push(c);
      if (items.length === 2) ac.abort();
    }
  } catch (e) {
    err = e;
  }
  checkError(err, { kind: "aborted", name: "AbortError" });
  assert.ok(items.length >= 2 && items.length < 20, `stopped early (${items.length})`);
  const s2 = await srv.waitId(id, (x) => x.clientAborts === 1, "clientAborts 1");
  assert.equal(s2.completed, 0);
});

test("cancel: cancelling text() aborts the fetch too", async () => {
  const id = uid("tcancel");
  const s = await client(srv).chatStream({ messages: HI, _test: { id, reply: LONG, paceMs: 40 } });
  const r = s.text().getReader();
  assert.match((await r.read()).value, /^word0/);
  await r.cancel();
  await srv.waitId(id, (x) => x.clientAborts === 1, "clientAborts 1");
});

test("pull-driven: an unread stream does not drain the server; reading does", async () => {
  const id = uid("pull");
  const bytes = 16_000_000; // far more than the socket buffers hold
  const s = await client(srv).chatStream({ messages: HI, _test: { id, fault: { name: "big_event", bytes } } });
  await sleep(600);
  assert.deepEqual(await srv.id(id), { attempts: 1, clientAborts: 0, completed: 0 }, "nothing pulled yet: the server is held back");
  const text = (await collect(s.text())).join("");
  assert.equal(Buffer.byteLength(text), bytes);
  assert.ok(text === bigText(bytes));
  await srv.waitId(id, (x) => x.completed === 1, "completed 1");
});

// ---------- one consumer ----------

test("one consumer: text() or toSSE() after iteration started → invalid_request", async () => {
  const s = await client(srv).chatStream({ messages: HI });
  const it = s[Symbol.asyncIterator]();
  const first = await it.next();
  assert.equal(first.done, false);
  assert.throws(() => s.text(), (e) => checkError(e, { kind: "invalid_request" }) && true);
  assert.throws(() => s.toSSE(), (e) => checkError(e, { kind: "invalid_request" }) && true);
  // The iteration itself goes on undisturbed.
  const rest = [];
  for (let r = await it.next(); !r.done; r = await it.next()) rest.push(r.value);
  assert.equal(chunkText([first.value, ...rest]), HI_REPLY);
});

// The iterators of the stream, text(), toSSE() and partial() are written out (not async
// generators): they must keep what a generator guarantees.
test("iterators: next() calls made before the last settled get the items in order, as a generator's do", { timeout: 10_000 }, async () => {
  const enc = new TextEncoder();
  const ev = (t) => enc.encode(`data: {"choices":[{"index":0,"delta":{"content":${JSON.stringify(t)}},"finish_reason":null}]}\n\n`);
  const words = ["a", "b", "c", "d", "e"];
  const c = chunkedClient([...words.map(ev), enc.encode("data: [DONE]\n\n")]);
  const it = (await c.chatStream({ messages: HI }))[Symbol.asyncIterator]();
  const order = [];
  const all = await Promise.all(Array.from({ length: 8 }, (_, k) => it.next().then((r) => { order.push(k); return r; })));
  assert.deepEqual(order, [0, 1, 2, 3, 4, 5, 6, 7], "the calls settle in the order they were made");
  assert.deepEqual(all.map((r) => r.done), [false, false, false, false, false, true, true, true]);
  assert.deepEqual(all.slice(0, 5).map((r) => r.value.choices[0].delta.content), words);
  const t = (await c.chatStream({ messages: HI })).text()[Symbol.asyncIterator]();
  const pieces = await Promise.all(Array.from({ length: 7 }, () => t.next()));
  assert.deepEqual(pieces.map((r) => r.value), [...words, undefined, undefined]);
});

test("iterators: return() while a next() is pending waits for it, then cancels the body; later calls are done", { timeout: 10_000 }, async () => {
  const enc = new TextEncoder();
  const ev = (t) => enc.encode(`data: {"choices":[{"index":0,"delta":{"content":${JSON.stringify(t)}},"finish_reason":null}]}\n\n`);
  for (const pick of [(s) => s, (s) => s.text(), (s) => s.toSSE()]) {
    let cancelled;
    let release;
    const c = new AiBadgr({
      apiKey: SECRET, baseUrl: "https://aibadgr.invalid/api/v1", maxRetries: 0,
      fetch: async () => {
        let i = 0;
        const body = new ReadableStream({
          pull(ctl) {
            if (i++ === 0) ctl.enqueue(ev("a"));
            else return new Promise((r) => { release = () => { ctl.enqueue(ev("b")); r(); }; });
          },
          cancel(why) { cancelled = why ?? "cancelled"; },
        }, { highWaterMark: 0 });
        return new Response(body, { headers: { "content-type": "text/event-stream" } });
      },
    });
    const s = await c.chatStream({ messages: HI });
    const it = pick(s)[Symbol.asyncIterator]();
    assert.equal((await it.next()).done, false);
    const pending = it.next();
    const stopped = it.return("why");
    await new Promise((r) => setTimeout(r, 5));
    assert.equal(cancelled, undefined, "not cancelled while the read is pending");
    release();
    assert.equal((await pending).done, false, "the pending call gets its item");
    assert.deepEqual(await stopped, { done: true, value: "why" });
    assert.ok(cancelled !== undefined, "then the body is cancelled");
    assert.deepEqual(await it.next(), { done: true, value: undefined });
  }
});

test("iterators: after the stream's error, and after a claim that failed, next() is done and nothing else is cancelled", { timeout: 10_000 }, async () => {
  const enc = new TextEncoder();
  const c = chunkedClient([enc.encode(`data: {"choices":[{"index":0,"delta":{"content":"a"},"finish_reason":null}]}\n\n`), enc.encode("data: {not json\n\n")]);
  for (const pick of [(s) => s, (s) => s.text()]) {
    const it = pick(await c.chatStream({ messages: HI }))[Symbol.asyncIterator]();
    assert.equal((await it.next()).done, false);
    const e = await it.next().then(() => assert.fail("resolved"), (err) => err);
    checkError(e, { kind: "stream" });
    assert.deepEqual(await it.next(), { done: true, value: undefined });
  }
  const s = await c.chatStream({ messages: HI });
  const t = s.text();
  const taken = s[Symbol.asyncIterator]();
  await taken.next().then(() => assert.fail("resolved"), (err) => checkError(err, { kind: "invalid_request" }));
  assert.deepEqual(await taken.next(), { done: true, value: undefined });
  assert.deepEqual(await taken.return(), { done: true, value: undefined });
  const pieces = [];
  const err = await (async () => { for await (const p of t) pieces.push(p); })().then(() => assert.fail("resolved"), (x) => x);
  assert.deepEqual(pieces, ["a"], "text(), which holds the stream, is untouched by the claim that failed");
  checkError(err, { kind: "stream" });
});

test("one consumer: iteration or toSSE() after text() → invalid_request", async () => {
  const s = await client(srv).chatStream({ messages: HI });
  const t = s.text();
  assert.throws(() => s.toSSE(), (e) => checkError(e, { kind: "invalid_request" }) && true);
  const { err } = await collectUntilError(s);
  checkError(err, { kind: "invalid_request" });
  assert.equal((await collect(t)).join(""), HI_REPLY, "text() still reads the whole reply");
});
