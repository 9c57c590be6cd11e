// The bytes every variant is fed: SSE bodies and JSON bodies built by the local test server's own
// wire-format modules (tests/server), so they look exactly like what the server (and OpenAI /
// Anthropic) send. Built once per run; every variant gets the very same bytes.
import { chatCompletions, embeddings } from "../../tests/server/openai.mjs";
import { messages } from "../../tests/server/anthropic.mjs";

import { MODEL, USER, MAX_TOKENS } from "./request.mjs";

const enc = new TextEncoder();
const OK = { name: "ok" };

const WORDS = ("the of and to in is that for it as with was on be by this are from at or an have not " +
  "which but all were when we there can more if will one about up out them so some what would into " +
  "has time only could new these two may first then do any like my now over such our man me even " +
  "most made after also did many before must through back years where much your way well down " +
  "should because each just those people how too little state good very make world still own see " +
  "streaming tokens arrive quickly, one small piece at a time; parsers must keep up.").split(" ");

/** Deterministic reply text of `n` words (the stream splits it into one word per event). */
export function replyText(n) {
  const out = [];
  for (let i = 0; i < n; i++) out.push(WORDS[(i * 7 + (i >> 3)) % WORDS.length]);
  return out.join(" ");
}

function frameText(f) {
  return (f.event ? `event: ${f.event}\n` : "") + `data: ${f.data}\n\n`;
}

/** A streamed chat response with exactly `events` SSE events (role, content…, finish, usage, [DONE]). */
export function chatSse(events) {
  const text = replyText(events - 4);
  const body = { model: MODEL, messages: USER, stream: true, stream_options: { include_usage: true } };
  const r = chatCompletions(body, { reply: text }, OK);
  const frames = r.frames.map(frameText);
  if (frames.length !== events) throw new Error(`bench: chat stream has ${frames.length} events, wanted ${events}`);
  return { text, events: frames.map((s) => enc.encode(s)), contentType: "text/event-stream; charset=utf-8" };
}

/** A streamed Anthropic messages response with exactly `events` events (start…deltas…stop). */
export function messagesSse(events) {
  const text = replyText(events - 6);
  const body = { model: MODEL, max_tokens: MAX_TOKENS, messages: USER, stream: true };
  const r = messages(body, { reply: text }, OK);
  const frames = r.frames.map(frameText);
  if (frames.length !== events) throw new Error(`bench: messages stream has ${frames.length} events, wanted ${events}`);
  return { text, events: frames.map((s) => enc.encode(s)), contentType: "text/event-stream; charset=utf-8" };
}

/** A chat stream whose single content event carries `bytes` bytes of text (plus role/finish/[DONE]). */
export function bigEventSse(bytes) {
  const body = { model: MODEL, messages: USER, stream: true };
  const r = chatCompletions(body, {}, { name: "big_event", bytes });
  const frames = r.frames.map(frameText);
  const text = JSON.parse(r.frames.find((f) => f.content).data).choices[0].delta.content;
  return { text, events: frames.map((s) => enc.encode(s)), contentType: "text/event-stream; charset=utf-8" };
}

/**
 * A very long chat stream generated lazily: `{ first, content: [1000 events], tail }`; the
 * memory figure cycles through `content` so the feed itself holds no memory.
 */
export function chatSseParts() {
  const { events } = chatSse(1004);
  return { first: events[0], content: events.slice(1, 1001), tail: events.slice(1001) };
}

/** Non-streamed chat completion JSON (for chat()). */
export function chatJson() {
  const r = chatCompletions({ model: MODEL, messages: USER }, { reply: "Hello there! A short answer." }, OK);
  return enc.encode(JSON.stringify(r.body));
}

/** Non-streamed Anthropic message JSON (for messages()). */
export function messagesJson() {
  const r = messages({ model: MODEL, max_tokens: MAX_TOKENS, messages: USER }, { reply: "Hello there! A short answer." }, OK);
  return enc.encode(JSON.stringify(r.body));
}

/** The embeddings response for one input, as floats and as base64 (1536 dimensions). */
export function embeddingBodies(input = "The quick brown fox jumps over the lazy dog") {
  const make = (encoding_format) => {
    const r = embeddings({ model: "text-embedding-ada-002", input, encoding_format });
    return enc.encode(JSON.stringify(r.body));
  };
  const float = make("float");
  const vector = JSON.parse(new TextDecoder().decode(float)).data[0].embedding;
  return { float, base64: make("base64"), vector };
}
