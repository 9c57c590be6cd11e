// Issue 13: a long answer's accumulated text does not stay in wasm memory (which never
// shrinks): past 16 KB per choice or content block it moves to JavaScript strings, and final()
// puts it back together. Nothing a caller can still ask for is lost, however the stream is read.
// Also: the chunks that take the template fast path (same bytes around another string) give
// the same chunks and result as the parsed path.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import { AiBadgr } from "../../pkg/node.js";
import { initSync } from "../../pkg/aibadgr.js";
import { SECRET } from "./helpers.mjs";

const memory = initSync({ module: fs.readFileSync(new URL("../../pkg/aibadgr_bg.wasm", import.meta.url)) }).memory;
const enc = new TextEncoder();
const CHAT = { model: "basic", messages: [{ role: "user", content: "hi" }] };
const MSG = { model: "basic", max_tokens: 256, messages: [{ role: "user", content: "hi" }] };

/** `n` pieces of text, some with escapes (so not every chunk takes the template path). */
function pieces(n, seed = 0) {
  const words = ["the ", "quick ", "é😀 ", "fox\n", "\"quoted\" ", "tab\t", "jumps ", "over "];
  return Array.from({ length: n }, (_, i) => words[(i * 7 + seed) % words.length]);
}

const chatEvent = (index, content, extra = "") =>
  `data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"basic","choices":[{"index":${index},"delta":{"content":${JSON.stringify(content)}},"logprobs":null,"finish_reason":null}]${extra}}\n\n`;

/** A chat stream of two interleaved choices, then finish, usage and [DONE]. */
function chatBody(n) {
  const a = pieces(n, 0);
  const b = pieces(n, 3);
  const events = ['data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"basic","choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}\n\n'];
  for (let i = 0; i < n; i++) {
    events.push(chatEvent(0, a[i]));
    if (i % 3 === 0) events.push(chatEvent(1, b[i]));
  }
  events.push('data: {"id":"c1","choices":[{"index":0,"delta":{},"finish_reason":"stop"},{"index":1,"delta":{},"finish_reason":"length"}]}\n\n');
  events.push('data: {"id":"c1","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":7,"total_tokens":10}}\n\n', "data: [DONE]\n\n");
  return { events, text: [a.join(""), b.filter((_, i) => i % 3 === 0).join("")] };
}

const msgEvent = (name, data) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;

/** A messages stream: a long text block, a tool_use block, a second long text block. */
function messagesBody(n) {
  const a = pieces(n, 1);
  const b = pieces(n, 5);
  const events = [
    msgEvent("message_start", { type: "message_start", message: { id: "m1", type: "message", role: "assistant", model: "basic", content: [], stop_reason: null, usage: { input_tokens: 3, output_tokens: 1 } } }),
    msgEvent("content_block_start", { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } }),
    ...a.map((t) => msgEvent("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: t } })),
    msgEvent("content_block_stop", { type: "content_block_stop", index: 0 }),
    msgEvent("content_block_start", { type: "content_block_start", index: 1, content_block: { type: "tool_use", id: "t1", name: "f", input: {} } }),
    msgEvent("content_block_delta", { type: "content_block_delta", index: 1, delta: { type: "input_json_delta", partial_json: '{"a":1}' } }),
    msgEvent("content_block_stop", { type: "content_block_stop", index: 1 }),
    msgEvent("content_block_start", { type: "content_block_start", index: 2, content_block: { type: "text", text: "" } }),
    ...b.map((t) => msgEvent("content_block_delta", { type: "content_block_delta", index: 2, delta: { type: "text_delta", text: t } })),
    msgEvent("content_block_stop", { type: "content_block_stop", index: 2 }),
    msgEvent("message_delta", { type: "message_delta", delta: { stop_reason: "end_turn" }, usage: { output_tokens: 9 } }),
    msgEvent("message_stop", { type: "message_stop" }),
  ];
  return { events, text: [a.join(""), b.join("")] };
}

/** A client whose fetch streams `events`: one event per read, or the whole body in `size`-byte reads. */
function serving(events, size) {
  const bytes = events.map((e) => enc.encode(e));
  const whole = new Uint8Array(bytes.reduce((n, b) => n + b.length, 0));
  let at = 0;
  for (const b of bytes) { whole.set(b, at); at += b.length; }
  return new AiBadgr({
    apiKey: SECRET, baseUrl: "https://aibadgr.invalid/v1", maxRetries: 0,
    fetch: async () => {
      let i = 0;
      let pos = 0;
      const body = new ReadableStream({
        pull(c) {
          if (size === "event") { if (i < bytes.length) c.enqueue(bytes[i++]); else c.close(); }
          else if (pos < whole.length) { c.enqueue(whole.subarray(pos, pos + size)); pos += size; }
          else c.close();
        },
      }, { highWaterMark: 0 });
      return new Response(body, { headers: { "content-type": "text/event-stream" } });
    },
  });
}

function checkChat(result, text) {
  assert.equal(result.choices.length, 2);
  assert.equal(result.choices[0].message.content, text[0]);
  assert.equal(result.choices[1].message.content, text[1]);
  assert.equal(result.choices[0].finish_reason, "stop");
  assert.equal(result.choices[1].finish_reason, "length");
  assert.deepEqual(result.usage, { prompt_tokens: 3, completion_tokens: 7, total_tokens: 10 });
}

function checkMessages(result, text) {
  assert.equal(result.content.length, 3);
  assert.equal(result.content[0].text, text[0]);
  assert.deepEqual(result.content[1], { type: "tool_use", id: "t1", name: "f", input: { a: 1 } });
  assert.equal(result.content[2].text, text[1]);
  assert.equal(result.stop_reason, "end_turn");
}

// 6000 pieces ≈ 40 KB per text: past the 16 KB kept in wasm, twice over.
const N = 6000;

for (const size of ["event", 16384, 61]) {
  const reads = size === "event" ? "one event per read" : `${size} B reads`;
  test(`chat, ${reads}: final() after iteration, alone, beside text() and beside iteration has the whole long answer`, async () => {
    const { events, text } = chatBody(N);
    const c = serving(events, size);
    let s = await c.chatStream(CHAT);
    let got = "";
    for await (const chunk of s) got += chunk.choices[0]?.index === 0 ? (chunk.choices[0].delta.content ?? "") : "";
    assert.equal(got, text[0], "iteration gave every piece");
    checkChat(await s.final(), text);
    assert.deepEqual(s.usage, { prompt_tokens: 3, completion_tokens: 7, total_tokens: 10 });

    checkChat(await (await c.chatStream(CHAT)).final(), text);

    s = await c.chatStream(CHAT);
    const fin = s.final();
    let t = "";
    for await (const piece of s.text()) t += piece;
    assert.equal(t, text[0]);
    checkChat(await fin, text);

    s = await c.chatStream(CHAT);
    const early = s.final();
    for await (const _ of s);
    checkChat(await early, text);
  });

  test(`messages, ${reads}: final() after iteration, alone and beside text() has every long text block`, async () => {
    const { events, text } = messagesBody(N);
    const c = serving(events, size);
    let s = await c.messagesStream(MSG);
    let got = "";
    for await (const ev of s) if (ev.type === "content_block_delta" && ev.index === 0) got += ev.delta.text;
    assert.equal(got, text[0]);
    checkMessages(await s.final(), text);

    checkMessages(await (await c.messagesStream(MSG)).final(), text);

    s = await c.messagesStream(MSG);
    const fin = s.final();
    let t = "";
    for await (const piece of s.text()) t += piece;
    assert.equal(t, text[0] + text[1]);
    checkMessages(await fin, text);
  });
}

test("a non-streaming call whose server streamed a long answer anyway gets the whole of it", async () => {
  const { events, text } = chatBody(N);
  checkChat(await serving(events, 16384).chat(CHAT), text);
});

test("a long answer leaves no wasm memory behind: answers of 1.4 MB of text grow the instance by less than 1 MB", async () => {
  for (const [kind, body] of [["chat", chatBody], ["messages", messagesBody]]) {
    // Warm up with a short answer (the instance's first pages), then one long one.
    const short = body(50);
    const call = (c) => (kind === "chat" ? c.chatStream(CHAT) : c.messagesStream(MSG));
    for (const size of ["event", 16384]) await (await call(serving(short.events, size))).final();
    const before = memory.buffer.byteLength;
    const long = body(100_000); // ≈ 0.7 MB per text, two texts
    const c = serving(long.events, 16384);
    const s = await call(c);
    let n = 0;
    for await (const _ of s) n++;
    assert.ok(n > 100_000);
    for (const r of [await s.final(), await (await call(c)).final()]) {
      if (kind === "chat") checkChat(r, long.text); else checkMessages(r, long.text);
    }
    const grown = memory.buffer.byteLength - before;
    assert.ok(grown < 1 << 20, `${kind}: wasm memory grew ${grown} B over two 1.4 MB answers`);
  }
});
