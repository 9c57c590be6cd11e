// Issue 15 through the built package: `response` metadata and rate limits on every result and
// error, `models()`, `client.usage` / `resetUsage()`, and the logging options.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { AiBadgr } from "../../pkg/node.js";
import { server, client, rejects, uid, sleep, HI, HI_REPLY } from "./helpers.mjs";

let srv;
before(async () => {
  srv = await server();
});
after(() => srv.close());

const RATE = { requests: { limit: 60, remaining: 59, resetMs: 1000 }, tokens: { limit: 150000, remaining: 149984, resetMs: 360000 } };
const MSG = { model: "basic", max_tokens: 64, messages: HI };

/** The test server's Anthropic-style budgets; the resets a minute ahead, in whole seconds. */
function ANTHROPIC_RATE(rl) {
  const reset = rl?.requests?.resetMs;
  assert.ok(reset > 55_000 && reset <= 61_000, `resetMs ${reset}`);
  assert.deepEqual(rl, {
    requests: { limit: 50, remaining: 49, resetMs: reset },
    tokens: { limit: 40000, remaining: 39000, resetMs: rl.tokens?.resetMs },
  });
  assert.ok(Math.abs(rl.tokens.resetMs - reset) < 1000);
}

/** Asserts `v.response` is the metadata of a successful exchange and is non-enumerable. */
function checkResponse(v, { model, attempts = 1, rateLimit = RATE, requestId = /^req_/ } = {}) {
  const r = v.response;
  assert.ok(r, "has response");
  assert.equal(Object.getOwnPropertyDescriptor(v, "response").enumerable, false);
  assert.ok(!Object.keys(v).includes("response"));
  assert.ok(!JSON.stringify(v).includes('"response"'), "JSON.stringify leaves it out");
  assert.equal(r.status, 200);
  assert.match(r.requestId, requestId);
  assert.equal(r.headers["x-request-id"], r.requestId);
  assert.equal(r.attempts, attempts);
  assert.equal(r.model, model);
  assert.equal(typeof r.elapsedMs, "number");
  assert.ok(r.elapsedMs >= 0 && r.elapsedMs < 10_000);
  if (typeof rateLimit === "function") rateLimit(r.rateLimit);
  else assert.deepEqual(r.rateLimit, rateLimit === null ? undefined : rateLimit); // null: expect none
  assert.deepEqual(Object.keys(r), ["status", "headers", "requestId", "attempts", "model", "elapsedMs", "rateLimit"]);
  return r;
}

test("chat, embed and messages results carry response metadata; JSON is unchanged", async () => {
  const c = client(srv);
  const r = await c.chat({ model: "premium", messages: HI });
  assert.equal(r.choices[0].message.content, HI_REPLY);
  checkResponse(r, { model: "premium" });
  assert.deepEqual(JSON.parse(JSON.stringify(r)), { ...r }, "spread and JSON agree");
  const e = await c.embed({ input: ["a", "b"] });
  checkResponse(e, { model: "text-embedding-ada-002" });
  // The messages route sends Anthropic's headers (anthropic-ratelimit-*, resets as RFC 3339
  // times): the same rateLimit shape.
  const m = await c.messages(MSG);
  checkResponse(m, { model: "basic", rateLimit: ANTHROPIC_RATE, requestId: /^req_/ });
  assert.equal(m.response.headers["request-id"], m.response.requestId);
});

test("streams: the stream object has response at once, final()'s value when it ends", async () => {
  const c = client(srv);
  const s = await c.chatStream({ model: "normal", messages: HI });
  const head = checkResponse(s, { model: "normal" });
  const f = await s.final();
  const end = checkResponse(f, { model: "normal" });
  assert.equal(end.requestId, head.requestId);
  assert.ok(end.elapsedMs >= head.elapsedMs, "final's elapsedMs runs to the end of the stream");
  const ms = await c.messagesStream({ ...MSG, _test: { paceMs: 15 } });
  checkResponse(ms, { model: "basic", rateLimit: ANTHROPIC_RATE });
  let n = 0;
  for await (const _ of ms) n++;
  assert.ok(n > 3);
  const mf = await ms.final();
  checkResponse(mf, { model: "basic", rateLimit: ANTHROPIC_RATE });
  assert.ok(mf.response.elapsedMs >= 15 * 3, `elapsedMs ${mf.response.elapsedMs} covers the paced stream`);
});

test("response is built when first read, once: a getter, not a copy made at every answer", async () => {
  const c = client(srv);
  for (const v of [await c.chat({ messages: HI }), await c.chatStream({ messages: HI }), await c.embed({ input: "a" })]) {
    const d = Object.getOwnPropertyDescriptor(v, "response");
    assert.equal(typeof d.get, "function", "an accessor until read");
    assert.equal(d.enumerable, false);
    const first = v.response;
    assert.equal(v.response, first, "the same object on every read");
    assert.equal(first.status, 200);
    v.response = "replaced";
    assert.equal(v.response, "replaced", "writable, as before");
    if (typeof v.final === "function") checkResponse(await v.final(), { model: "basic" });
  }
});

test("response.attempts counts retries and fallback models; model is the one that answered", async () => {
  const c = client(srv, { fallbackModels: ["normal"] });
  let id = uid("att");
  const r = await c.chat({ model: "premium", messages: HI, _test: { id, plan: [{ status: 503, retryAfterMs: 1 }, { status: 503, retryAfterMs: 1 }, { status: 503, retryAfterMs: 1 }, "ok"] } });
  checkResponse(r, { model: "normal", attempts: 4 });
  id = uid("att");
  const r2 = await c.chat({ messages: HI, _test: { id, plan: [{ status: 429, retryAfterMs: 1 }, "ok"] } });
  checkResponse(r2, { model: "basic", attempts: 2 });
});

test("rate limits: parsed durations, retry-after in ms, undefined without headers", async () => {
  const hdrs = (h) => async () => new Response(JSON.stringify({ id: "x", object: "chat.completion", choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "stop" }] }), { headers: { "content-type": "application/json", ...h } });
  const mk = (h) => new AiBadgr({ apiKey: "k-123456", baseUrl: "https://example.invalid/v1", fetch: hdrs(h) });
  const r = await mk({ "x-ratelimit-reset-tokens": "1h2m3.5s", "x-ratelimit-reset-requests": "20ms", "x-ratelimit-remaining-tokens": "7", "retry-after": "2" }).chat({ messages: HI });
  assert.deepEqual(r.response.rateLimit, { requests: { resetMs: 20 }, tokens: { remaining: 7, resetMs: 3723500 }, retryAfterMs: 2000 });
  const r2 = await mk({}).chat({ messages: HI });
  assert.equal(r2.response.rateLimit, undefined);
  assert.ok("rateLimit" in r2.response);
  const r3 = await mk({ "x-ratelimit-limit-requests": "lots" }).chat({ messages: HI });
  assert.equal(r3.response.rateLimit, undefined, "garbage is ignored");
});

test("errors carry the response they came with (status, headers, rate limits, attempts)", async () => {
  const c = client(srv, { maxRetries: 1 });
  const id = uid("err");
  const e = await rejects(c.chat({ model: "premium", messages: HI, _test: { id, fault: { status: 429, retryAfter: "1" } } }), { kind: "api", status: 429 });
  assert.equal(Object.getOwnPropertyDescriptor(e, "response").enumerable, false);
  assert.equal(e.response.status, 429);
  assert.equal(e.response.attempts, 2);
  assert.equal(e.response.model, "premium");
  assert.equal(e.response.requestId, e.requestId);
  assert.deepEqual(e.response.rateLimit, { ...RATE, retryAfterMs: 1000 });
  assert.equal(e.retryable, true);
  assert.ok(!JSON.stringify(e).includes("rateLimit"));
  const bad = await rejects(client(srv, { apiKey: "bad-key-123" }).chat({ messages: HI }), { kind: "api", status: 401 });
  assert.equal(bad.response.status, 401);
  assert.equal(bad.retryable, false);
  // A network failure had no response.
  const net = await rejects(new AiBadgr({ apiKey: "k-123456", baseUrl: "https://example.invalid/v1", maxRetries: 0, fetch: async () => { throw new TypeError("fetch failed"); } }).chat({ messages: HI }), { kind: "network" });
  assert.equal(net.response, undefined);
  assert.equal(net.retryable, true);
  // A stream that breaks after its headers: the error carries the stream's response.
  const s = await c.chatStream({ messages: HI, _test: { fault: "error_event" } });
  const se = await s.final().then(() => null, (x) => x);
  assert.equal(se.kind, "stream");
  assert.equal(se.response.status, 200);
  assert.equal(se.response.requestId, s.response.requestId);
});

test("models(): GET /models with the usual retries, errors and answer validation", async () => {
  const c = client(srv);
  const list = await c.models();
  assert.deepEqual(list.data.map((m) => m.id), ["basic", "normal", "premium"]);
  assert.equal(list.response.status, 200);
  assert.equal(list.response.model, undefined);
  const last = await srv.last();
  assert.equal(last.method, "GET");
  assert.equal(last.path, "/v1/models");
  assert.equal(last.headers.authorization, "Bearer sk-aibadgr-SECRET-1234567890");
  assert.equal(last.headers["content-type"], undefined, "a GET sends no content type");
  await rejects(client(srv, { apiKey: "bad-key-123" }).models(), { kind: "api", status: 401 });
  let calls = 0;
  const flaky = async (url, init) => {
    calls++;
    assert.equal(init.method, "GET");
    assert.equal(init.body, undefined);
    return calls === 1 ? new Response("busy", { status: 503, headers: { "retry-after-ms": "1" } }) : new Response(JSON.stringify({ object: "list", data: [{ id: "m1" }] }), { headers: { "content-type": "application/json" } });
  };
  const r = await new AiBadgr({ apiKey: "k-123456", baseUrl: "https://example.invalid/v1", fetch: flaky }).models();
  assert.deepEqual(r.data, [{ id: "m1" }]);
  assert.equal(r.response.attempts, 2);
  for (const body of [{ data: "nope" }, { data: [{ name: "x" }] }, { object: "list" }]) {
    const e = await rejects(new AiBadgr({ apiKey: "k-123456", baseUrl: "https://example.invalid/v1", fetch: async () => new Response(JSON.stringify(body), { headers: { "content-type": "application/json" } }) }).models(), { kind: "api", status: 200 });
    assert.match(e.message, /not a model list/);
    assert.ok(e.body.length > 0);
  }
  await rejects(c.models({ nope: 1 }), { kind: "invalid_request", param: "nope" });
  const ctrl = new AbortController();
  ctrl.abort();
  await rejects(c.models({ signal: ctrl.signal }), { kind: "aborted" });
  assert.equal(c.usage.total.requests, 0, "models() is not a usage request");
});

test("usage: totals per model across chat, streams (once ended), embed and messages; resetUsage()", async () => {
  const c = client(srv);
  const zero = { requests: 0, promptTokens: 0, completionTokens: 0, totalTokens: 0, cachedTokens: 0 };
  assert.deepEqual(c.usage, { total: zero, models: {} });
  const r = await c.chat({ model: "premium", messages: HI });
  const s = await c.chatStream({ model: "premium", messages: HI });
  assert.equal(c.usage.total.requests, 1, "a stream counts once it ends");
  const f = await s.final();
  await c.embed({ input: "one two three" });
  const m = await c.messages(MSG);
  const ms = await c.messagesStream(MSG);
  for await (const _ of ms) { /* read to the end */ }
  const u = c.usage;
  const chatTok = (x) => ({ p: x.usage.prompt_tokens, c: x.usage.completion_tokens });
  const p = chatTok(r).p + chatTok(f).p, k = chatTok(r).c + chatTok(f).c;
  assert.deepEqual(u.models.premium, { requests: 2, promptTokens: p, completionTokens: k, totalTokens: p + k, cachedTokens: 0 });
  assert.deepEqual(u.models["text-embedding-ada-002"], { requests: 1, promptTokens: 3, completionTokens: 0, totalTokens: 3, cachedTokens: 0 });
  const mi = m.usage.input_tokens * 2, mo = m.usage.output_tokens * 2;
  assert.deepEqual(u.models.basic, { requests: 2, promptTokens: mi, completionTokens: mo, totalTokens: mi + mo, cachedTokens: 0 });
  assert.equal(u.total.requests, 5);
  assert.equal(u.total.totalTokens, p + k + 3 + mi + mo);
  // A failed call adds nothing; a cancelled stream adds nothing.
  await c.chat({ messages: HI, _test: { fault: { status: 400 } } }).catch(() => {});
  const cut = await c.chatStream({ messages: HI });
  await cut.cancel();
  assert.equal(c.usage.total.requests, 5);
  c.usage.total.requests = 99; // a snapshot: changing it changes nothing
  assert.equal(c.usage.total.requests, 5);
  c.resetUsage();
  assert.deepEqual(c.usage, { total: zero, models: {} });
});

test("usage: cached tokens from chat (prompt_tokens_details) and messages (cache_read_input_tokens)", async () => {
  const answer = (body) => async () => new Response(JSON.stringify(body), { headers: { "content-type": "application/json" } });
  const chat = new AiBadgr({ apiKey: "k-123456", baseUrl: "https://example.invalid/v1", fetch: answer({ id: "x", object: "chat.completion", choices: [], usage: { prompt_tokens: 100, completion_tokens: 5, total_tokens: 105, prompt_tokens_details: { cached_tokens: 64 } } }) });
  await chat.chat({ model: "premium", messages: HI });
  assert.deepEqual(chat.usage.models.premium, { requests: 1, promptTokens: 100, completionTokens: 5, totalTokens: 105, cachedTokens: 64 });
  const msgs = new AiBadgr({ apiKey: "k-123456", baseUrl: "https://example.invalid/v1", fetch: answer({ id: "m", type: "message", role: "assistant", content: [], usage: { input_tokens: 10, output_tokens: 7, cache_read_input_tokens: 200, cache_creation_input_tokens: 30 } }) });
  await msgs.messages(MSG);
  assert.deepEqual(msgs.usage.models.basic, { requests: 1, promptTokens: 240, completionTokens: 7, totalTokens: 247, cachedTokens: 200 });
  const none = new AiBadgr({ apiKey: "k-123456", baseUrl: "https://example.invalid/v1", fetch: answer({ id: "x", object: "chat.completion", choices: [] }) });
  await none.chat({ messages: HI });
  assert.deepEqual(none.usage.models.basic, { requests: 1, promptTokens: 0, completionTokens: 0, totalTokens: 0, cachedTokens: 0 });
  // Counts that are not plain whole numbers in JSON (read from the object then), and ones that
  // are not numbers or are negative (ignored), as before.
  const odd = new AiBadgr({ apiKey: "k-123456", baseUrl: "https://example.invalid/v1", fetch: answer({ id: "x", object: "chat.completion", choices: [], usage: { prompt_tokens: 12.7, completion_tokens: "3", total_tokens: -1, prompt_tokens_details: { cached_tokens: 2 } } }) });
  await odd.chat({ messages: HI });
  assert.deepEqual(odd.usage.models.basic, { requests: 1, promptTokens: 12, completionTokens: 0, totalTokens: 12, cachedTokens: 2 });
});

test("logLevel, logger and AIBADGR_LOG: validated, filtered, and a throwing logger breaks nothing", async () => {
  assert.throws(() => client(srv, { logLevel: "verbose" }), (e) => e.kind === "config" && e.param === "logLevel" && /"off", "error", "warn", "info" or "debug"/.test(e.message));
  assert.throws(() => client(srv, { logger: "console" }), (e) => e.kind === "config" && e.param === "logger");
  process.env.AIBADGR_LOG = "loud";
  try {
    assert.throws(() => client(srv), (e) => e.kind === "config" && e.param === "AIBADGR_LOG");
  } finally {
    delete process.env.AIBADGR_LOG;
  }
  const lines = [];
  const logger = { error: (l) => lines.push(["error", l]), warn: (l) => lines.push(["warn", l]), info: (l) => lines.push(["info", l]), debug: (l) => lines.push(["debug", l]) };
  await client(srv, { logger }).chat({ messages: HI });
  assert.deepEqual(lines, [], "off by default");
  await client(srv, { logger, logLevel: "info" }).chat({ messages: HI });
  assert.deepEqual(lines.map(([m]) => m), ["info", "info"]);
  assert.match(lines[0][1], /^aibadgr: POST http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions model=basic$/);
  assert.match(lines[1][1], /^aibadgr: 200 in \d+ ms, request id req_\w+$/);
  lines.length = 0;
  process.env.AIBADGR_LOG = "WARN";
  try {
    const c = client(srv, { logger });
    await c.chat({ messages: HI });
    await c.chat({ messages: HI, _test: { id: uid("warn"), plan: [{ status: 500, retryAfterMs: 1 }, "ok"] } });
  } finally {
    delete process.env.AIBADGR_LOG;
  }
  assert.equal(lines.length, 1);
  assert.equal(lines[0][0], "warn");
  assert.match(lines[0][1], /^aibadgr: retry 1 of 2 in 1 ms after: 500 /);
  // AIBADGR_LOG from the env object given to fromEnv (a Worker's env).
  lines.length = 0;
  await AiBadgr.fromEnv({ AIBADGR_API_KEY: "sk-env-123456", AIBADGR_BASE_URL: srv.url + "/v1", AIBADGR_LOG: "info" }, { logger }).models();
  assert.deepEqual(lines.map(([m, l]) => [m, l.replace(/\d+ ms.*/, "")]), [["info", `aibadgr: GET ${srv.url}/v1/models`], ["info", "aibadgr: 200 in "]]);
  // A logger that throws, or lacks a method (falls back to log(), else nothing).
  const angry = { error() { throw new Error("x"); }, warn() { throw new Error("x"); }, info() { throw new Error("x"); }, debug() { throw new Error("x"); } };
  const c2 = client(srv, { logger: angry, logLevel: "debug" });
  assert.equal((await c2.chat({ messages: HI })).choices[0].message.content, HI_REPLY);
  assert.equal((await (await c2.chatStream({ messages: HI })).final()).choices[0].message.content, HI_REPLY);
  const only = [];
  await client(srv, { logger: { log: (l) => only.push(l) }, logLevel: "info" }).chat({ messages: HI });
  assert.equal(only.length, 2);
  // A logger that calls back into the stream as it ends does not break it.
  let s;
  const reentrant = { info: () => { s.final(); s.response; } };
  const c3 = client(srv, { logger: reentrant, logLevel: "info" });
  s = await c3.chatStream({ messages: HI });
  assert.equal((await s.final()).choices[0].message.content, HI_REPLY);
  await sleep(10);
});
