// Issue 4, bad input: every kind is rejected with kind "invalid_request" or "config", `param`
// and the message naming the field, and nothing is sent (the server's request count holds).
// Only the constructor may throw; methods return rejected promises.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { AiBadgr, AiBadgrError } from "../../pkg/node.js";
import { server, HI, HI_REPLY, SECRET } from "./helpers.mjs";

let srv;
let c;
before(async () => {
  delete process.env.AIBADGR_API_KEY; // fromEnv cases must not find a key in the environment
  delete process.env.AIBADGR_BASE_URL;
  srv = await server();
  c = new AiBadgr({ apiKey: SECRET, baseUrl: srv.url });
});
after(() => srv.close());

const OK = { messages: HI };
const M = { model: "basic", max_tokens: 64, messages: HI };
const cyclic = () => {
  const o = { messages: HI, extra: {} };
  o.extra.self = o;
  return o;
};

// [name, call (receives the client), kind, param, message start (defaults to param)]
const CONFIG = (opts) => () => new AiBadgr(opts);
const CASES = [
  // ---- constructor options (config) ----
  ["options not an object", CONFIG("sk-key"), "config", "options"],
  ["options an array", CONFIG([]), "config", "options"],
  ["apiKey a number (non-string key)", CONFIG({ apiKey: 12345 }), "config", "apiKey"],
  ["apiKey an object", CONFIG({ apiKey: { key: "sk" } }), "config", "apiKey"],
  ["apiKey empty", CONFIG({ apiKey: "" }), "config", "apiKey"],
  ["apiKey with a line break", CONFIG({ apiKey: "sk-abc\ndef" }), "config", "apiKey"],
  ["apiKey with surrounding spaces", CONFIG({ apiKey: " sk-abc " }), "config", "apiKey"],
  ["apiKey non-ASCII", CONFIG({ apiKey: "sk-ключ" }), "config", "apiKey"],
  ["baseUrl without scheme", CONFIG({ apiKey: "sk", baseUrl: "aibadgr.com/api/v1" }), "config", "baseUrl"],
  ["baseUrl ftp://", CONFIG({ apiKey: "sk", baseUrl: "ftp://aibadgr.com" }), "config", "baseUrl"],
  ["baseUrl with a query", CONFIG({ apiKey: "sk", baseUrl: "https://aibadgr.com/api/v1?key=1" }), "config", "baseUrl"],
  ["baseUrl without host", CONFIG({ apiKey: "sk", baseUrl: "https://" }), "config", "baseUrl"],
  ["baseUrl with spaces", CONFIG({ apiKey: "sk", baseUrl: "https://aibadgr.com/api v1" }), "config", "baseUrl"],
  ["baseUrl protocol-relative", CONFIG({ apiKey: "sk", baseUrl: "//aibadgr.com" }), "config", "baseUrl"],
  ["baseUrl a number", CONFIG({ apiKey: "sk", baseUrl: 8080 }), "config", "baseUrl"],
  ["fetch a string (non-function)", CONFIG({ apiKey: "sk", fetch: "fetch" }), "config", "fetch"],
  ["fetch an object", CONFIG({ apiKey: "sk", fetch: {} }), "config", "fetch"],
  ["unknown option (typo apikey)", CONFIG({ apikey: "sk" }), "config", "apikey"],
  ["unknown option retries", CONFIG({ apiKey: "sk", retries: 3 }), "config", "retries"],
  ["timeoutMs negative", CONFIG({ apiKey: "sk", timeoutMs: -1 }), "config", "timeoutMs"],
  ["timeoutMs NaN", CONFIG({ apiKey: "sk", timeoutMs: NaN }), "config", "timeoutMs"],
  ["timeoutMs Infinity", CONFIG({ apiKey: "sk", timeoutMs: Infinity }), "config", "timeoutMs"],
  ["timeoutMs a string", CONFIG({ apiKey: "sk", timeoutMs: "1000" }), "config", "timeoutMs"],
  ["idleTimeoutMs zero", CONFIG({ apiKey: "sk", idleTimeoutMs: 0 }), "config", "idleTimeoutMs"],
  ["maxRetries above 10", CONFIG({ apiKey: "sk", maxRetries: 11 }), "config", "maxRetries"],
  ["maxRetries fractional", CONFIG({ apiKey: "sk", maxRetries: 1.5 }), "config", "maxRetries"],
  ["maxRetries negative", CONFIG({ apiKey: "sk", maxRetries: -1 }), "config", "maxRetries"],
  ["headers a string", CONFIG({ apiKey: "sk", headers: "x-a: b" }), "config", "headers"],
  ["headers value a number", CONFIG({ apiKey: "sk", headers: { "x-a": 1 } }), "config", "headers"],
  ["headers name with a space", CONFIG({ apiKey: "sk", headers: { "bad name": "v" } }), "config", "headers"],
  ["headers value with CRLF", CONFIG({ apiKey: "sk", headers: { "x-a": "v\r\nx-injected: 1" } }), "config", "headers"],
  ["fallbackModels not an array", CONFIG({ apiKey: "sk", fallbackModels: "normal" }), "config", "fallbackModels"],
  ["fallbackModels with a number", CONFIG({ apiKey: "sk", fallbackModels: ["normal", 2] }), "config", "fallbackModels"],
  ["allowBrowser a string", CONFIG({ apiKey: "sk", allowBrowser: "yes" }), "config", "allowBrowser"],
  ["model empty", CONFIG({ apiKey: "sk", model: "" }), "config", "model"],
  ["embeddingModel a number", CONFIG({ apiKey: "sk", embeddingModel: 5 }), "config", "embeddingModel"],
  ["fromEnv key not a string", () => AiBadgr.fromEnv({ AIBADGR_API_KEY: 5 }), "config", "AIBADGR_API_KEY"],
  ["fromEnv bad base URL", () => AiBadgr.fromEnv({ AIBADGR_API_KEY: "sk", AIBADGR_BASE_URL: "localhost:8080" }), "config", "baseUrl"],

  // ---- chat requests (invalid_request) ----
  ["request a string", (k) => k.chat("hello"), "invalid_request", "request"],
  ["request null", (k) => k.chat(null), "invalid_request", "request"],
  ["request missing", (k) => k.chat(), "invalid_request", "request"],
  ["request an array", (k) => k.chat([{ role: "user", content: "x" }]), "invalid_request", "request"],
  ["messages missing", (k) => k.chat({ model: "basic" }), "invalid_request", "messages"],
  ["messages not an array", (k) => k.chat({ messages: "hi" }), "invalid_request", "messages"],
  ["messages an object", (k) => k.chat({ messages: { role: "user", content: "x" } }), "invalid_request", "messages"],
  ["messages empty", (k) => k.chat({ messages: [] }), "invalid_request", "messages"],
  ["message not an object", (k) => k.chat({ messages: ["hi"] }), "invalid_request", "messages[0]"],
  ["unknown role", (k) => k.chat({ messages: [{ role: "robot", content: "x" }] }), "invalid_request", "messages[0].role", /^messages\[0\]\.role must be one of "system", /],
  ["role missing", (k) => k.chat({ messages: [{ content: "x" }] }), "invalid_request", "messages[0].role"],
  ["role a number", (k) => k.chat({ messages: [{ role: 1, content: "x" }] }), "invalid_request", "messages[0].role"],
  ["content a number", (k) => k.chat({ messages: [{ role: "user", content: 42 }] }), "invalid_request", "messages[0].content"],
  ["content missing", (k) => k.chat({ messages: [{ role: "user" }] }), "invalid_request", "messages[0].content"],
  ["content part without type", (k) => k.chat({ messages: [{ role: "user", content: [{ text: "x" }] }] }), "invalid_request", "messages[0].content[0]"],
  ["tool message without tool_call_id", (k) => k.chat({ messages: [...HI, { role: "tool", content: "sunny" }] }), "invalid_request", "messages[1].tool_call_id"],
  ["tool_calls not an array", (k) => k.chat({ messages: [{ role: "assistant", content: "x", tool_calls: {} }] }), "invalid_request", "messages[0].tool_calls"],
  ["model a number", (k) => k.chat({ ...OK, model: 42 }), "invalid_request", "model"],
  ["model blank", (k) => k.chat({ ...OK, model: "  " }), "invalid_request", "model"],
  ["temperature NaN", (k) => k.chat({ ...OK, temperature: NaN }), "invalid_request", "temperature", /^temperature .*NaN/],
  ["temperature Infinity", (k) => k.chat({ ...OK, temperature: Infinity }), "invalid_request", "temperature", /^temperature .*Infinity/],
  ["temperature out of range", (k) => k.chat({ ...OK, temperature: 2.5 }), "invalid_request", "temperature"],
  ["temperature a string", (k) => k.chat({ ...OK, temperature: "0.5" }), "invalid_request", "temperature"],
  // JSON.stringify leaves a function out: the request itself is read when its JSON lost a member.
  ["temperature a function", (k) => k.chat({ ...OK, temperature: () => 1 }), "invalid_request", "temperature", /^temperature .*a function/],
  ["top_p NaN beside an undefined member", (k) => k.chat({ ...OK, user: undefined, top_p: NaN }), "invalid_request", "top_p", /NaN/],
  ["top_p negative", (k) => k.chat({ ...OK, top_p: -0.1 }), "invalid_request", "top_p"],
  ["max_tokens fractional", (k) => k.chat({ ...OK, max_tokens: 1.5 }), "invalid_request", "max_tokens"],
  ["max_tokens zero", (k) => k.chat({ ...OK, max_tokens: 0 }), "invalid_request", "max_tokens"],
  ["n zero", (k) => k.chat({ ...OK, n: 0 }), "invalid_request", "n"],
  ["n a string", (k) => k.chat({ ...OK, n: "2" }), "invalid_request", "n"],
  ["frequency_penalty out of range", (k) => k.chat({ ...OK, frequency_penalty: 3 }), "invalid_request", "frequency_penalty"],
  ["presence_penalty -Infinity", (k) => k.chat({ ...OK, presence_penalty: -Infinity }), "invalid_request", "presence_penalty"],
  ["seed fractional", (k) => k.chat({ ...OK, seed: 1.2 }), "invalid_request", "seed"],
  ["seed a BigInt", (k) => k.chat({ ...OK, seed: 10n }), "invalid_request", "seed"],
  ["stop a number", (k) => k.chat({ ...OK, stop: 5 }), "invalid_request", "stop"],
  ["stop with non-strings", (k) => k.chat({ ...OK, stop: ["a", 1] }), "invalid_request", "stop"],
  ["tools not an array", (k) => k.chat({ ...OK, tools: { type: "function" } }), "invalid_request", "tools"],
  ["tool without function name", (k) => k.chat({ ...OK, tools: [{ type: "function", function: {} }] }), "invalid_request", "tools[0]"],
  ["tool not an object", (k) => k.chat({ ...OK, tools: ["get_weather"] }), "invalid_request", "tools[0]"],
  ["tool_choice unknown string", (k) => k.chat({ ...OK, tool_choice: "sometimes" }), "invalid_request", "tool_choice"],
  ["tool_choice a number", (k) => k.chat({ ...OK, tool_choice: 1 }), "invalid_request", "tool_choice"],
  ["response_format a string", (k) => k.chat({ ...OK, response_format: "json" }), "invalid_request", "response_format"],
  ["response_format without type", (k) => k.chat({ ...OK, response_format: {} }), "invalid_request", "response_format"],
  ["user a number", (k) => k.chat({ ...OK, user: 123 }), "invalid_request", "user"],
  ["logprobs a string", (k) => k.chat({ ...OK, logprobs: "yes" }), "invalid_request", "logprobs"],
  ["stream_options a string", (k) => k.chatStream({ ...OK, stream_options: "usage" }), "invalid_request", "stream_options"],
  ["stream: true passed to chat()", (k) => k.chat({ ...OK, stream: true }), "invalid_request", "stream", /^stream .*chatStream\(\)/],
  ["stream: false passed to chatStream()", (k) => k.chatStream({ ...OK, stream: false }), "invalid_request", "stream"],
  ["stream a string", (k) => k.chat({ ...OK, stream: "yes" }), "invalid_request", "stream"],
  ["BigInt in an unknown field", (k) => k.chat({ ...OK, extra: { n: 10n } }), "invalid_request", "request"],
  ["cyclic request", (k) => k.chat(cyclic()), "invalid_request", "request"],

  // ---- call options ----
  ["call options a string", (k) => k.chat(OK, "fast"), ["invalid_request", "config"], "call options"],
  ["signal a string", (k) => k.chat(OK, { signal: "abort" }), "invalid_request", "signal"],
  ["signal a plain object", (k) => k.chat(OK, { signal: {} }), "invalid_request", "signal"],
  ["signal an AbortController (not its signal)", (k) => k.chat(OK, { signal: new AbortController() }), "invalid_request", "signal"],
  ["unknown call option", (k) => k.chat(OK, { timeout: 5 }), "invalid_request", "timeout"],
  ["call timeoutMs zero", (k) => k.chat(OK, { timeoutMs: 0 }), "invalid_request", "timeoutMs"],
  ["call idleTimeoutMs NaN", (k) => k.chatStream(OK, { idleTimeoutMs: NaN }), "invalid_request", "idleTimeoutMs"],
  ["call maxRetries negative", (k) => k.chat(OK, { maxRetries: -1 }), "invalid_request", "maxRetries"],
  ["call headers value an object", (k) => k.chat(OK, { headers: { "x-a": {} } }), "invalid_request", "headers"],
  ["call headers value with a newline", (k) => k.chat(OK, { headers: { "x-a": "a\nb" } }), "invalid_request", "headers"],
  ["call fallbackModels a string", (k) => k.chat(OK, { fallbackModels: "premium" }), "invalid_request", "fallbackModels"],

  // ---- embed ----
  ["embed request a string", (k) => k.embed("hello"), "invalid_request", "request"],
  ["embed input missing", (k) => k.embed({}), "invalid_request", "input"],
  ["embed input empty string", (k) => k.embed({ input: "" }), "invalid_request", "input"],
  ["embed input empty array", (k) => k.embed({ input: [] }), "invalid_request", "input"],
  ["embed input mixed types", (k) => k.embed({ input: ["a", 1] }), "invalid_request", "input[1]"],
  ["embed input empty string item", (k) => k.embed({ input: ["a", ""] }), "invalid_request", "input[1]"],
  ["embed input negative token", (k) => k.embed({ input: [1, -2] }), "invalid_request", "input[1]"],
  ["embed input empty token array", (k) => k.embed({ input: [[1], []] }), "invalid_request", "input[1]"],
  ["embed input an object", (k) => k.embed({ input: { text: "x" } }), "invalid_request", "input"],
  ["embed encoding_format unknown", (k) => k.embed({ input: "x", encoding_format: "binary" }), "invalid_request", "encoding_format"],
  ["embed dimensions zero", (k) => k.embed({ input: "x", dimensions: 0 }), "invalid_request", "dimensions"],
  ["embed dimensions fractional", (k) => k.embed({ input: "x", dimensions: 1.5 }), "invalid_request", "dimensions"],
  ["embed model a number", (k) => k.embed({ input: "x", model: 3 }), "invalid_request", "model"],

  // ---- messages ----
  ["messages max_tokens missing", (k) => k.messages({ model: "basic", messages: HI }), "invalid_request", "max_tokens"],
  ["messages max_tokens a string", (k) => k.messages({ ...M, max_tokens: "64" }), "invalid_request", "max_tokens"],
  ["messages system role", (k) => k.messages({ ...M, messages: [{ role: "system", content: "x" }] }), "invalid_request", "messages[0].role"],
  ["messages API: messages empty", (k) => k.messagesStream({ ...M, messages: [] }), "invalid_request", "messages"],
  ["messages empty content", (k) => k.messages({ ...M, messages: [{ role: "user", content: "" }] }), "invalid_request", "messages[0].content"],
  ["messages top_k negative", (k) => k.messages({ ...M, top_k: -1 }), "invalid_request", "top_k"],
  ["messages temperature above 1", (k) => k.messages({ ...M, temperature: 1.5 }), "invalid_request", "temperature"],
  ["messages system a number", (k) => k.messages({ ...M, system: 5 }), "invalid_request", "system"],
  ["messages stop_sequences a string", (k) => k.messages({ ...M, stop_sequences: "END" }), "invalid_request", "stop_sequences"],
  ["messages tools without name", (k) => k.messages({ ...M, tools: [{ input_schema: {} }] }), "invalid_request", "tools[0]"],
  ["messages tool_choice unknown type", (k) => k.messages({ ...M, tool_choice: { type: "maybe" } }), "invalid_request", "tool_choice"],
  ["messages metadata a string", (k) => k.messages({ ...M, metadata: "u1" }), "invalid_request", "metadata"],
  ["messages stream: true", (k) => k.messages({ ...M, stream: true }), "invalid_request", "stream"],
];

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

test(`bad input table has at least 30 distinct kinds (${CASES.length})`, () => {
  assert.ok(CASES.length >= 30);
  assert.equal(new Set(CASES.map((c) => c[0])).size, CASES.length, "case names are distinct");
});

for (const [name, call, kind, param, message] of CASES) {
  test(`bad input: ${name} → ${[kind].flat().join("|")} naming ${param}`, async () => {
    const before = (await srv.stats()).requests;
    let err;
    if (kind === "config") {
      // Only the constructor (and fromEnv) may throw synchronously.
      assert.throws(call, (e) => { err = e; return true; });
    } else {
      let p;
      try {
        p = call(c);
      } catch (e) {
        assert.fail(`threw synchronously instead of returning a rejected promise: ${e?.message}`);
      }
      assert.ok(p instanceof Promise, "returns a promise");
      err = await p.then(() => assert.fail("resolved"), (e) => e);
    }
    assert.ok(err instanceof AiBadgrError, `an AiBadgrError, got ${err?.stack ?? err}`);
    assert.ok([kind].flat().includes(err.kind), `kind ${err.kind} (${err.message})`);
    assert.equal(err.param, param, `param (message: ${err.message})`);
    assert.match(err.message, message ?? new RegExp(`^${escape(param)} `), "the message starts with the field");
    assert.ok(err.message.length > param.length + 5, "the message says what is wrong");
    assert.equal((await srv.stats()).requests, before, "nothing was sent");
  });
}

test("the client still works after all that bad input, and the server saw no request", async () => {
  assert.equal((await srv.stats()).requests, 0);
  const r = await c.chat(OK);
  assert.equal(r.choices[0].message.content, HI_REPLY);
  assert.equal((await srv.stats()).requests, 1);
});
