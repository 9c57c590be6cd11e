// Issue 3: the Anthropic-compatible /messages API through the built package: messages(),
// messagesStream() with every event type, final(), errors, validation and headers.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { AiBadgr, MessageStream } from "../../pkg/node.js";
import {
  server, client, rejects, checkError, collect, collectUntilError, streamText, parseSse,
  fetchBaselineHeaders, uid, HI, HI_REPLY, SECRET,
} from "./helpers.mjs";

let srv;
let baseline;
before(async () => {
  srv = await server();
  baseline = await fetchBaselineHeaders(srv);
});
after(() => srv.close());

const REQ = { model: "basic", max_tokens: 256, messages: HI };
const TOOLS = [{ name: "get_weather", description: "Weather", input_schema: { type: "object", properties: { location: { type: "string" }, unit: { type: "string", enum: ["celsius", "fahrenheit"] } }, required: ["location"] } }];

const textOf = (events) => events
  .filter((e) => e.type === "content_block_delta" && e.delta.type === "text_delta")
  .map((e) => e.delta.text).join("");

test("messages(): an Anthropic Message, POST /messages, anthropic-version header, body forwarded unchanged", async () => {
  const id = uid("msg");
  const req = {
    model: "aibadgr/premium",
    max_tokens: 100,
    system: "Be brief.",
    messages: [{ role: "user", content: [{ type: "text", text: "Hi there" }] }],
    temperature: 0.5,
    top_p: 0.9,
    top_k: 40,
    stop_sequences: ["END"],
    metadata: { user_id: "u-1" },
    unknown_future_field: { a: [1, 2] },
  };
  const snapshot = structuredClone(req);
  const m = await client(srv).messages({ ...req, _test: { id } });
  assert.deepEqual(req, snapshot);
  assert.equal(m.type, "message");
  assert.equal(m.role, "assistant");
  assert.match(m.id, /^msg_01/);
  assert.equal(m.model, "premium");
  assert.deepEqual(m.content, [{ type: "text", text: HI_REPLY }]);
  assert.equal(m.stop_reason, "end_turn");
  assert.equal(m.usage.output_tokens, 5);
  const last = await srv.last(id);
  assert.equal(last.path, "/v1/messages");
  assert.deepEqual(last.body, { ...snapshot, model: "premium" });
  assert.equal(last.headers["anthropic-version"], "2023-06-01");
  assert.equal(last.headers.authorization, `Bearer ${SECRET}`);
  assert.deepEqual(Object.keys(last.headers).sort(), [...baseline, "anthropic-version", "authorization", "content-type"].sort());
  assert.equal((await srv.id(id)).attempts, 1);
});

test("messages(): anthropic-version can be overridden through client and call headers", async () => {
  const id = uid("ver");
  await client(srv, { headers: { "anthropic-version": "2024-01-01" } }).messages({ ...REQ, _test: { id } });
  assert.equal((await srv.last(id)).headers["anthropic-version"], "2024-01-01");
  const id2 = uid("ver");
  await client(srv, { headers: { "anthropic-version": "2024-01-01" } }).messages({ ...REQ, _test: { id: id2 } }, { headers: { "Anthropic-Version": "2025-05-05", "anthropic-beta": "x" } });
  const h = (await srv.last(id2)).headers;
  assert.equal(h["anthropic-version"], "2025-05-05");
  assert.equal(h["anthropic-beta"], "x");
  assert.deepEqual(Object.keys(h).sort(), [...baseline, "anthropic-beta", "anthropic-version", "authorization", "content-type"].sort());
});

test("messagesStream + for await: every event type in order, ping skipped, text intact", async () => {
  const id = uid("ms");
  const s = await client(srv).messagesStream({ ...REQ, _test: { id } });
  assert.ok(s instanceof MessageStream);
  assert.ok(s instanceof ReadableStream);
  const events = await collect(s);
  const types = events.map((e) => e.type);
  assert.ok(!types.includes("ping"), "ping is skipped");
  assert.deepEqual(types, [
    "message_start", "content_block_start",
    ...Array(5).fill("content_block_delta"),
    "content_block_stop", "message_delta", "message_stop",
  ]);
  assert.equal(textOf(events), HI_REPLY);
  assert.equal(events[0].message.role, "assistant");
  assert.equal(events.at(-2).delta.stop_reason, "end_turn");
  const body = (await srv.last(id)).body;
  assert.equal(body.stream, true);
  assert.equal(body.stream_options, undefined, "stream_options is a chat-only addition");
  assert.deepEqual(await srv.id(id), { attempts: 1, clientAborts: 0, completed: 1 });
});

test("messagesStream .text(): the text deltas only", async () => {
  const s = await client(srv).messagesStream({ ...REQ, _test: { scenario: "thinking" } });
  const parts = await collect(s.text());
  for (const p of parts) assert.equal(typeof p, "string");
  assert.equal(parts.join(""), HI_REPLY, "no thinking text in text()");
});

test("messagesStream .toSSE(): event: lines re-encoded, parseable back to the same events", async () => {
  const s = await client(srv).messagesStream(REQ);
  const text = await streamText(s.toSSE());
  assert.ok(text.startsWith("event: message_start\ndata: "), text.slice(0, 40));
  const evs = parseSse(text);
  for (const e of evs) assert.equal(JSON.parse(e.data).type, e.event, "event: names match the data");
  const parsed = evs.map((e) => JSON.parse(e.data)).filter((e) => e.type !== "ping");
  assert.equal(textOf(parsed), HI_REPLY);
  assert.equal(evs.at(-1).event, "message_stop");
  // And through a Response, as a Worker would pass it on.
  const s2 = await client(srv).messagesStream(REQ);
  const t2 = await new Response(s2.toSSE(), { headers: { "content-type": "text/event-stream" } }).text();
  assert.equal(textOf(parseSse(t2).map((e) => JSON.parse(e.data))), HI_REPLY);
});

test("messagesStream tool_call: input_json_delta pieces; final() parses the tool_use input", async () => {
  const s = await client(srv).messagesStream({ ...REQ, messages: [{ role: "user", content: "Weather in Lima?" }], tools: TOOLS, _test: { scenario: "tool_call" } });
  const events = await collect(s);
  const f = await s.final();
  const start = events.find((e) => e.type === "content_block_start");
  assert.equal(start.content_block.type, "tool_use");
  const pieces = events.filter((e) => e.delta?.type === "input_json_delta").map((e) => e.delta.partial_json);
  assert.ok(pieces.length >= 6, "split over many deltas");
  assert.deepEqual(JSON.parse(pieces.join("")), { location: "Lima", unit: "celsius" });
  assert.deepEqual(f.content, [{ type: "tool_use", id: start.content_block.id, name: "get_weather", input: { location: "Lima", unit: "celsius" } }]);
  assert.match(start.content_block.id, /^toolu_01/);
  assert.equal(f.stop_reason, "tool_use");
});

test("messagesStream parallel tool_use blocks: both inputs parsed", async () => {
  const s = await client(srv).messagesStream({ ...REQ, messages: [{ role: "user", content: "Weather in Oslo and Tokyo" }], tools: TOOLS, _test: { scenario: "parallel_tools" } });
  const f = await s.final();
  assert.deepEqual(f.content.map((b) => [b.type, b.name, b.input]), [
    ["tool_use", "get_weather", { location: "Oslo", unit: "celsius" }],
    ["tool_use", "get_weather", { location: "Tokyo", unit: "celsius" }],
  ]);
});

test("messagesStream thinking: thinking_delta and signature_delta; final() has the thinking block", async () => {
  const s = await client(srv).messagesStream({ ...REQ, _test: { scenario: "thinking" } });
  const events = await collect(s);
  const f = await s.final();
  const thinking = events.filter((e) => e.delta?.type === "thinking_delta").map((e) => e.delta.thinking).join("");
  assert.equal(thinking, 'The user said "Hi there". A short, friendly answer will do.');
  const sigs = events.filter((e) => e.delta?.type === "signature_delta");
  assert.equal(sigs.length, 1);
  assert.match(sigs[0].delta.signature, /^Eq/);
  assert.deepEqual(f.content, [
    { type: "thinking", thinking, signature: sigs[0].delta.signature },
    { type: "text", text: HI_REPLY },
  ]);
  assert.equal(textOf(events), HI_REPLY);
});

test("messagesStream citations: citations_delta events; final() keeps the citation", async () => {
  const s = await client(srv).messagesStream({ ...REQ, _test: { scenario: "citations" } });
  const events = await collect(s);
  const f = await s.final();
  const cits = events.filter((e) => e.delta?.type === "citations_delta").map((e) => e.delta.citation);
  const CITATION = { type: "char_location", cited_text: "The sky is", document_index: 0, document_title: "Doc", start_char_index: 0, end_char_index: 10 };
  assert.deepEqual(cits, [CITATION]);
  assert.equal(f.content.length, 1);
  assert.equal(f.content[0].type, "text");
  assert.equal(f.content[0].text, HI_REPLY);
  assert.deepEqual(f.content[0].citations, [CITATION]);
});

test("messagesStream final(): text joined, stop_reason, usage merged from message_start and message_delta", async () => {
  const c = client(srv);
  const whole = await c.messages(REQ);
  const s = await c.messagesStream(REQ);
  const events = await collect(s);
  const f = await s.final();
  const start = events[0].message;
  const delta = events.find((e) => e.type === "message_delta");
  assert.equal(f.id, start.id);
  assert.equal(f.type, "message");
  assert.equal(f.role, "assistant");
  assert.equal(f.model, "basic");
  assert.deepEqual(f.content, [{ type: "text", text: HI_REPLY }]);
  assert.equal(f.stop_reason, "end_turn");
  assert.equal(f.usage.input_tokens, start.usage.input_tokens);
  assert.equal(f.usage.output_tokens, delta.usage.output_tokens);
  assert.equal(f.usage.input_tokens, whole.usage.input_tokens);
  assert.equal(f.usage.output_tokens, whole.usage.output_tokens);
  assert.notEqual(start.usage.output_tokens, delta.usage.output_tokens, "the later count wins");
});

test("messagesStream final() alone and beside text()", async () => {
  const c = client(srv);
  const f1 = await (await c.messagesStream(REQ)).final();
  assert.deepEqual(f1.content, [{ type: "text", text: HI_REPLY }]);
  const s = await c.messagesStream(REQ);
  const t = s.text();
  const fp = s.final();
  assert.equal((await collect(t)).join(""), HI_REPLY);
  assert.deepEqual((await fp).content, [{ type: "text", text: HI_REPLY }]);
});

test("messagesStream final() requested first, then for await in the same tick", async () => {
  const s = await client(srv).messagesStream({ ...REQ, _test: { scenario: "thinking" } });
  const fp = s.final();
  const events = await collect(s);
  assert.equal(textOf(events), HI_REPLY);
  const f = await fp;
  assert.deepEqual(f.content.map((b) => b.type), ["thinking", "text"]);
  assert.equal(f.content[1].text, HI_REPLY);
});

test("messagesStream error event → kind stream with type overloaded_error", async () => {
  const id = uid("merr");
  const s = await client(srv).messagesStream({ ...REQ, _test: { id, fault: "error_event" } });
  const it = s[Symbol.asyncIterator](); // iteration claims the stream first
  const fp = s.final(); // then final() waits beside it
  fp.catch(() => {});
  const { items, err } = await collectUntilError(it);
  checkError(err, { kind: "stream", type: "overloaded_error", message: "Overloaded" });
  assert.equal(items[0].type, "message_start");
  await rejects(fp, { kind: "stream", type: "overloaded_error" });
  assert.equal((await srv.id(id)).attempts, 1, "a stream is not retried");
});

test("messagesStream truncated (no message_stop) → kind stream", async () => {
  const s = await client(srv).messagesStream({ ...REQ, _test: { fault: "no_done" } });
  const { items, err } = await collectUntilError(s);
  checkError(err, { kind: "stream", message: /message_stop/ });
  assert.equal(textOf(items), HI_REPLY, "everything before the cut arrived");
});

test("messagesStream malformed event → kind stream", async () => {
  const s = await client(srv).messagesStream({ ...REQ, _test: { fault: "malformed_chunk" } });
  const { err } = await collectUntilError(s);
  checkError(err, { kind: "stream", message: /not valid JSON/ });
});

test("messages() validation: max_tokens, roles, empty messages, stream:true; nothing sent", async () => {
  const c = client(srv);
  const before = (await srv.stats()).requests;
  const cases = [
    [{ model: "basic", messages: HI }, "max_tokens", /^max_tokens is required/],
    [{ ...REQ, messages: [{ role: "system", content: "x" }] }, "messages[0].role", /^messages\[0\]\.role must be one of "user", "assistant"/],
    [{ ...REQ, messages: [{ role: "user", content: "hi" }, { role: "tool", content: "x" }] }, "messages[1].role", /^messages\[1\]\.role /],
    [{ ...REQ, messages: [] }, "messages", /^messages /],
    [{ ...REQ, messages: "hi" }, "messages", /^messages /],
    [{ ...REQ, max_tokens: 0 }, "max_tokens", /^max_tokens /],
    [{ ...REQ, stream: true }, "stream", /^stream .*messagesStream/],
  ];
  for (const [req, param, message] of cases) {
    await rejects(c.messages(req), { kind: "invalid_request", param, message });
  }
  await rejects(c.messagesStream({ model: "basic", messages: HI }), { kind: "invalid_request", param: "max_tokens" });
  assert.equal((await srv.stats()).requests, before, "nothing was sent");
});

test("Anthropic-style error bodies map onto AiBadgrError", async () => {
  const c = client(srv, { maxRetries: 0 });
  const id = uid("a401");
  const e401 = await rejects(client(srv, { apiKey: "bad-key-1" }).messages({ ...REQ, _test: { id } }), {
    kind: "api", status: 401, type: "authentication_error", message: "401 invalid x-api-key",
  });
  assert.match(e401.requestId, /^req_/);
  assert.equal((await srv.id(id)).attempts, 1);
  await rejects(c.messages({ ...REQ, _test: { fault: 529 } }), { kind: "api", status: 529, type: "overloaded_error", message: "529 Overloaded" });
  await rejects(c.messages({ ...REQ, _test: { fault: 400 } }), { kind: "api", status: 400, type: "invalid_request_error", message: "400 Invalid request." });
  await rejects(c.messages({ ...REQ, _test: { fault: 429 } }), {
    kind: "api", status: 429, type: "rate_limit_error", message: "429 Number of requests has exceeded your per-minute rate limit.",
  });
  await rejects(c.messagesStream({ ...REQ, _test: { fault: "model_not_found" } }), { kind: "api", status: 404, type: "not_found_error", message: "404 model: basic" });
});

test("messages retries like chat: 529 then success", async () => {
  const id = uid("a529");
  const m = await client(srv).messages({ ...REQ, _test: { id, plan: [{ status: 529, retryAfterMs: 20 }, "ok"] } });
  assert.deepEqual(m.content, [{ type: "text", text: HI_REPLY }]);
  assert.equal((await srv.id(id)).attempts, 2);
});

test("messages(): the default client model and the aibadgr/ prefix apply; bare host → /v1/messages", async () => {
  const id = uid("mdl");
  await new AiBadgr({ apiKey: "sk-x", baseUrl: srv.url, model: "aibadgr/normal" }).messages({ max_tokens: 5, messages: HI, _test: { id } });
  const last = await srv.last(id);
  assert.equal(last.path, "/v1/messages", "a base URL without a path gets /v1/messages (proxy root)");
  assert.equal(last.body.model, "normal");
  const id2 = uid("mdl");
  await new AiBadgr({ apiKey: "sk-x", baseUrl: srv.url + "/api/v1/" }).messagesStream({ max_tokens: 5, messages: HI, _test: { id: id2 } }).then((s) => s.final());
  assert.equal((await srv.last(id2)).path, "/api/v1/messages");
  // chat keeps the base URL as given.
  const id3 = uid("mdl");
  await new AiBadgr({ apiKey: "sk-x", baseUrl: srv.url }).chat({ messages: HI, _test: { id: id3 } });
  assert.equal((await srv.last(id3)).path, "/chat/completions");
});
