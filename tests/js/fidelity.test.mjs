// Issue 10: what real providers and proxies send, through the built package. Each framing is a
// fixture in tests/fixtures/providers/ (served by a custom fetch, as the server sent it), or a
// fault of the local test server; one test per item of the issue.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { AiBadgr } from "../../pkg/node.js";
import { server, client, rejects, checkError, collect, collectUntilError, streamText, parseSse, uid, HI, HI_REPLY, SECRET } from "./helpers.mjs";

let srv;
before(async () => { srv = await server(); });
after(() => srv.close());

const fixture = (name) => readFileSync(new URL(`../fixtures/providers/${name}`, import.meta.url), "utf8");
const CHAT = { model: "basic", messages: HI };
const MSG = { model: "basic", max_tokens: 256, messages: HI };

/** A client whose fetch answers every request with the fixture `name` (status 200, SSE). */
function serving(name, opts = {}) {
  const body = fixture(name);
  return new AiBadgr({
    apiKey: SECRET, baseUrl: "https://aibadgr.invalid/api/v1", maxRetries: 0,
    fetch: async () => new Response(body, { headers: { "content-type": "text/event-stream" } }),
    ...opts,
  });
}

async function readerItems(stream) {
  const reader = stream.getReader();
  const out = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return out;
    out.push(value);
  }
}

test("1. tool_use blocks that each hold a fragment of the arguments never fail iteration, getReader() or toSSE()", async () => {
  const c = serving("litellm_messages_tool_fragments.sse");
  const events = await collect(await c.messagesStream(MSG));
  assert.equal(events.length, 15);
  assert.equal(events.at(-1).type, "message_stop");
  assert.equal((await readerItems(await c.messagesStream(MSG))).length, 15);
  const sse = parseSse(await streamText((await c.messagesStream(MSG)).toSSE()));
  assert.equal(sse.length, 15);
  const s = await c.messagesStream(MSG);
  await collect(s);
  const m = await s.final();
  assert.deepEqual(m.content, [
    { type: "text", text: "Let me look that up." },
    { type: "tool_use", id: "call_w1", name: "get_weather", input: { city: "Paris" } },
  ]);
  assert.equal(m.stop_reason, "tool_use");
});

test("2. a message cut by max_tokens inside a tool input resolves final() with a best-effort input and the raw text", async () => {
  const c = serving("anthropic_max_tokens_tool_input.sse");
  const s = await c.messagesStream(MSG);
  const events = await collect(s);
  assert.equal(events.at(-1).type, "message_stop");
  const m = await s.final();
  assert.equal(m.stop_reason, "max_tokens");
  assert.deepEqual(m.usage, { input_tokens: 50, output_tokens: 64 });
  assert.equal(m.content[0].text, "Writing the file.");
  assert.deepEqual(m.content[1].input, { filename: "a.txt", lines: ["one", "tw"] });
  assert.equal(m.content[1].partial_json, '{"filename": "a.txt", "lines": ["one", "tw');
  // final() alone (no other consumer) and messages() (a streamed answer to a plain call).
  assert.deepEqual((await (await c.messagesStream(MSG)).final()).content[1].input, { filename: "a.txt", lines: ["one", "tw"] });
  assert.equal((await c.messages(MSG)).stop_reason, "max_tokens");
});

test("2. chat cut by max_tokens inside tool arguments: final() keeps the arguments string as sent", async () => {
  const s = await serving("openai_max_tokens_tool_args.sse").chatStream(CHAT);
  const f = await s.final();
  assert.equal(f.choices[0].finish_reason, "length");
  assert.equal(f.choices[0].message.tool_calls[0].function.arguments, '{"filename": "a.txt", "lines": ["one", "tw');
  assert.equal(f.usage.total_tokens, 56);
});

test("3. the loop everyone writes survives the usage chunk; usage still reaches final(), toSSE() and stream.usage", async () => {
  const c = client(srv);
  const s = await c.chatStream({ ...CHAT, _test: { id: uid("usage") } });
  assert.equal(s.usage, undefined, "no usage before the end");
  let text = "";
  let chunks = 0;
  for await (const chunk of s) {
    text += chunk.choices[0].delta.content ?? ""; // the provider page's own example
    chunks++;
  }
  assert.equal(text, HI_REPLY);
  assert.ok(chunks > 1);
  assert.equal(typeof s.usage?.total_tokens, "number", "stream.usage once it ended");
  assert.deepEqual((await s.final()).usage, s.usage);
  // The same through getReader() and with the fixture's recorded usage chunk.
  const r = await serving("openai_usage_chunk.sse").chatStream(CHAT);
  const items = await readerItems(r);
  assert.ok(items.every((c) => c.choices.length > 0));
  assert.deepEqual(r.usage, { prompt_tokens: 9, completion_tokens: 2, total_tokens: 11, prompt_tokens_details: { cached_tokens: 0 } });
  // toSSE() consumers (a Worker passing the answer on) get the usage chunk.
  const sse = parseSse(await streamText((await serving("openai_usage_chunk.sse").chatStream(CHAT)).toSSE()));
  assert.ok(sse.some((e) => e.data.includes('"usage"') && JSON.parse(e.data).choices.length === 0));
  assert.equal(sse.at(-1).data, "[DONE]");
  // A caller who asked for stream_options gets every chunk the server sent.
  const own = await collect(await serving("openai_usage_chunk.sse").chatStream({ ...CHAT, stream_options: { include_usage: true } }));
  assert.equal(own.at(-1).choices.length, 0);
  assert.equal(own.at(-1).usage.total_tokens, 11);
});

test("4. Azure's placeholder first chunk: final() takes id, model and created from the real chunks", async () => {
  const s = await serving("azure_placeholder.sse").chatStream(CHAT);
  const chunks = await collect(s);
  assert.ok(chunks.every((c) => c.choices.length > 0), "the placeholder (choices: []) is not a chunk for the loop");
  const f = await s.final();
  assert.equal(f.id, "chatcmpl-AZ9");
  assert.equal(f.model, "gpt-4o-2024-11-20");
  assert.equal(f.created, 1764590001);
  assert.equal(f.choices[0].message.content, "Bonjour!");
});

test("5. Mistral's content parts: text parts join into content and text(), thinking parts into the reasoning", async () => {
  const c = serving("mistral_content_parts.sse");
  let t = "";
  for await (const piece of (await c.chatStream(CHAT)).text()) t += piece;
  assert.equal(t, "2 + 2 = 4");
  const f = await (await c.chatStream(CHAT)).final();
  assert.equal(f.choices[0].message.content, "2 + 2 = 4");
  assert.equal(f.choices[0].message.reasoning_content, "The user asks 2+2. That is 4.");
  assert.equal((await c.chat(CHAT)).choices[0].message.content, "2 + 2 = 4");
});

test("6. fields final() does not know pass through (Perplexity, Groq, Cerebras, Azure)", async () => {
  const p = await (await serving("perplexity_citations.sse").chatStream(CHAT)).final();
  assert.deepEqual(p.citations, ["https://a.example/1", "https://b.example/2"]);
  assert.equal(p.search_results.length, 2);
  const g = await (await serving("groq_x_groq.sse").chatStream(CHAT)).final();
  assert.equal(g.x_groq.id, "req_01abc");
  assert.equal(g.x_groq.usage.total_tokens, 14);
  assert.equal(g.system_fingerprint, "fp_gq");
  const cb = await (await serving("cerebras_time_info.sse").chatStream(CHAT)).final();
  assert.equal(cb.time_info.total_time, 0.004);
  const az = await (await serving("azure_placeholder.sse").chatStream(CHAT)).final();
  assert.equal(az.prompt_filter_results[0].prompt_index, 0);
  assert.ok("content_filter_results" in az.choices[0]);
});

test("7. parallel tool calls all at index 0 are told apart by a new id", async () => {
  const f = await (await serving("parallel_tool_calls_index0.sse").chatStream(CHAT)).final();
  assert.deepEqual(f.choices[0].message.tool_calls.map((t) => [t.id, t.function.arguments]), [
    ["call_paris", '{"city": "Paris"}'],
    ["call_tokyo", '{"city": "Tokyo"}'],
  ]);
});

test("8. unknown Anthropic delta and block types are kept; a spliced stream fails with kind stream", async () => {
  const m = await (await serving("anthropic_unknown_deltas.sse").messagesStream(MSG)).final();
  assert.deepEqual(m.content[0], { type: "compaction", content: "Summary of the earlier conversation." });
  assert.deepEqual(m.content[1], { type: "container_upload", file_id: "file_01", extra: { a: 1 } });
  const { items, err } = await collectUntilError(await serving("anthropic_spliced.sse").messagesStream(MSG));
  assert.equal(items.length, 3, "the events before the second message_start are delivered");
  checkError(err, { kind: "stream", message: /spliced/ });
});

test("9. an error event before the first token is retried like its status, transparently", async () => {
  const c = client(srv, { maxRetries: 2 });
  for (const [method, req] of [["chatStream", CHAT], ["messagesStream", MSG]]) {
    const id = uid("first");
    const s = await c[method]({ ...req, _test: { id, plan: ["error_first", "ok"] } });
    const items = await collect(s);
    assert.ok(items.length > 2, method);
    assert.equal((await srv.id(id)).attempts, 2, `${method}: retried once`);
    const rid = uid("first-rl");
    await collect(await c[method]({ ...req, _test: { id: rid, plan: [{ name: "error_first", type: "rate_limit_error" }, "ok"] } }));
    assert.equal((await srv.id(rid)).attempts, 2, `${method}: rate_limit_error retried`);
  }
  // Not retryable (a 400's type): one attempt, and the stream fails with the server's message.
  const id = uid("first-400");
  const s = await c.chatStream({ ...CHAT, _test: { id, fault: { name: "error_first", type: "invalid_request_error" } } });
  const { items, err } = await collectUntilError(s);
  assert.equal(items.length, 0);
  checkError(err, { kind: "stream", type: "invalid_request_error", message: "Invalid request" });
  assert.equal((await srv.id(id)).attempts, 1);
  // Retries used up: the error reaches the caller as the stream's error, as before.
  const used = uid("first-max");
  const e = await collectUntilError(await client(srv, { maxRetries: 1 }).messagesStream({ ...MSG, _test: { id: used, fault: "error_first" } }));
  checkError(e.err, { kind: "stream", type: "overloaded_error" });
  assert.equal((await srv.id(used)).attempts, 2);
  // After a chunk was delivered it is a stream error, earlier chunks kept, no retry.
  const late = uid("late");
  const l = await collectUntilError(await c.chatStream({ ...CHAT, _test: { id: late, fault: "error_event" } }));
  assert.ok(l.items.length > 0);
  checkError(l.err, { kind: "stream" });
  assert.equal((await srv.id(late)).attempts, 1);
});

test("9. an error event before the first token falls back to the next model like its status", async () => {
  const id = uid("first-fb");
  const c = client(srv, { maxRetries: 0, fallbackModels: ["premium"] });
  const s = await c.chatStream({ ...CHAT, _test: { id, plan: ["error_first", "ok"] } });
  assert.equal((await collect(s)).length > 1, true);
  assert.equal((await srv.id(id)).attempts, 2);
  assert.equal((await srv.last(id)).body.model, "premium");
});

test("10. reasoning round-trip: the tool-calling message carries reasoning_content and goes back unchanged", async () => {
  const f = await (await serving("deepseek_reasoning_tool.sse").chatStream(CHAT)).final();
  const msg = f.choices[0].message;
  assert.equal(msg.reasoning_content, "I need the weather. Call the tool.");
  assert.equal(msg.tool_calls[0].id, "call_ds");
  const id = uid("ds");
  const messages = [...HI, msg, { role: "tool", tool_call_id: "call_ds", content: '{"temp":21}' }];
  await client(srv).chat({ model: "basic", messages, _test: { id } });
  const sent = (await srv.last(id)).body.messages[1];
  assert.deepEqual(sent, msg);
  // An assistant message with only `reasoning` is accepted too.
  await client(srv).chat({ model: "basic", messages: [...HI, { role: "assistant", content: null, reasoning: "hm" }, ...HI] });
});

test("already right, kept tested: repeated tool-call names, legacy function_call beside tool_calls, an empty event stream", async () => {
  const l = await (await serving("llamacpp_repeated_name.sse").chatStream(CHAT)).final();
  assert.deepEqual(l.choices[0].message.tool_calls.map((t) => t.function), [{ name: "get_weather", arguments: '{"city": "Oslo"}' }]);
  const g = await (await serving("legacy_function_call_beside_tools.sse").chatStream(CHAT)).final();
  assert.equal(g.choices[0].message.tool_calls.length, 1);
  assert.deepEqual(g.choices[0].message.function_call, { name: "lookup", arguments: '{"q": 1}' });
  const empty = new AiBadgr({
    apiKey: SECRET, baseUrl: "https://aibadgr.invalid/api/v1", maxRetries: 0,
    fetch: async () => new Response("", { headers: { "content-type": "text/event-stream" } }),
  });
  await rejects(async () => collect(await empty.chatStream(CHAT)), { kind: "stream" });
});
