// Issue 4, key hygiene: with a recognizable API key, run the whole fault matrix (plus servers
// and fetches that echo the key back) and check the key appears in no error representation
// (message, stack, String, JSON, util.inspect with causes) and in nothing written to the console.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import util from "node:util";
import { AiBadgr } from "../../pkg/node.js";
import { MATRIX } from "./matrix.mjs";
import { server, rejects, checkError, collectUntilError, sleep, uid, HI, SECRET } from "./helpers.mjs";

const KEY = SECRET;
let srv;
before(async () => {
  srv = await server();
});
after(() => srv.close());

/** Every textual form an error takes when shown, logged or serialized. */
function forms(err) {
  return {
    message: err.message,
    stack: err.stack,
    String: String(err),
    JSON: JSON.stringify(err),
    inspect: util.inspect(err, { depth: 5 }),
    inspectHidden: util.inspect(err, { depth: 5, showHidden: true }),
    fields: JSON.stringify([err.kind, err.status, err.code, err.type, err.param, err.requestId, err.body]),
    cause: util.inspect(err.cause, { depth: 5 }),
    causeString: String(err.cause?.message ?? ""),
  };
}

/** Asserts the key appears in none of the error's forms (and in no partial form of it). */
function assertClean(err, where) {
  for (const [form, text] of Object.entries(forms(err))) {
    if (typeof text !== "string") continue;
    assert.ok(!text.includes(KEY), `${where}: the API key appears in ${form}: ${text.slice(0, 300)}`);
    assert.ok(!text.includes("SECRET-1234567890"), `${where}: part of the key appears in ${form}`);
  }
}

/** Captures console.* and process.stdout/stderr writes (passing them through) while `fn` runs. */
async function captureOutput(fn) {
  const lines = [];
  const saved = {};
  for (const m of ["log", "info", "warn", "error", "debug", "trace", "dir"]) {
    saved[m] = console[m];
    console[m] = (...args) => {
      lines.push(util.format(...args));
      return saved[m].apply(console, args);
    };
  }
  const wOut = process.stdout.write;
  const wErr = process.stderr.write;
  process.stdout.write = function (chunk, ...rest) {
    lines.push(String(chunk));
    return wOut.call(this, chunk, ...rest);
  };
  process.stderr.write = function (chunk, ...rest) {
    lines.push(String(chunk));
    return wErr.call(this, chunk, ...rest);
  };
  const onWarning = (w) => lines.push(String(w?.stack ?? w));
  process.on("warning", onWarning);
  try {
    return { result: await fn(), lines };
  } finally {
    Object.assign(console, saved);
    process.stdout.write = wOut;
    process.stderr.write = wErr;
    process.off("warning", onWarning);
  }
}

test("the whole fault matrix with a recognizable key: the key is in no error and no log", { timeout: 120_000 }, async () => {
  const env = { srv, key: KEY, errors: [] };
  const caseFailures = [];
  const { lines } = await captureOutput(async () => {
    for (const c of MATRIX) {
      try {
        await c.run(env);
      } catch (e) {
        // The outcome itself is checked by faults.test.mjs; here only the hygiene counts.
        caseFailures.push(`${c.name}: ${e.message}`);
      }
    }
  });
  assert.ok(env.errors.length >= 30, `the matrix produced errors to check (${env.errors.length})`);
  const kinds = new Set(env.errors.map((e) => e.kind));
  assert.deepEqual([...kinds].sort(), ["aborted", "api", "network", "stream", "timeout"]);
  env.errors.forEach((e, i) => assertClean(e, `matrix error #${i} (${e.kind}: ${e.message.slice(0, 60)})`));
  const printed = lines.join("");
  assert.ok(!printed.includes(KEY), "the key was printed to the console");
  if (caseFailures.length) console.log(`(matrix outcome failures, see faults.test.mjs: ${caseFailures.length})`);
});

test("a 401 body that echoes the key comes out redacted (OpenAI and Anthropic shapes)", async () => {
  const c = new AiBadgr({ apiKey: KEY, baseUrl: srv.url });
  const e1 = await rejects(c.chat({ messages: HI, _test: { fault: { status: 401, message: `Incorrect API key provided: ${KEY}. Check it.` } } }), {
    kind: "api", status: 401, message: /^401 Incorrect API key provided: /,
  });
  assertClean(e1, "openai 401");
  assert.match(e1.message, /Check it\.$/, "the rest of the message is kept");
  const e2 = await rejects(c.messages({ model: "basic", max_tokens: 5, messages: HI, _test: { fault: { status: 401, message: `invalid x-api-key ${KEY}` } } }), {
    kind: "api", status: 401, type: "authentication_error",
  });
  assertClean(e2, "anthropic 401");
  const e3 = await rejects(c.chatStream({ messages: HI, _test: { fault: { status: 401, message: `key ${KEY} revoked` } } }), { kind: "api", status: 401 });
  assertClean(e3, "stream 401");
});

test("the key echoed in param/code/type, in an HTML body or a plain-text body is redacted", async () => {
  const c = new AiBadgr({ apiKey: KEY, baseUrl: srv.url, maxRetries: 0 });
  const e1 = await rejects(c.chat({ messages: HI, _test: { fault: { status: 400, param: KEY, code: `bad_${KEY}`, type: KEY, message: KEY } } }), { kind: "api", status: 400 });
  assertClean(e1, "param/code/type");
  const e2 = await rejects(c.chat({ messages: HI, _test: { fault: { status: 502, body: `<html><body>upstream said Bearer ${KEY}</body></html>` } } }), { kind: "api", status: 502 });
  assertClean(e2, "html body");
  assert.match(e2.body, /^<html><body>upstream said Bearer /);
  const e3 = await rejects(c.embed({ input: "x", _test: { fault: { status: 503, body: `overloaded (${KEY})` } } }), { kind: "api", status: 503 });
  assertClean(e3, "text body");
});

/** A fetch that answers every request with `make()`'s Response. */
const fakeFetch = (make) => async () => make();

test("the key echoed inside a stream's error event or a 200 JSON error is redacted", async () => {
  const sse = `data: {"id":"x","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"hi"}}]}\n\n`
    + `data: {"error":{"message":"key ${KEY} was revoked","type":"invalid_request_error","code":"${KEY}","param":null}}\n\n`;
  const c = new AiBadgr({ apiKey: KEY, baseUrl: "https://example.invalid/v1", fetch: fakeFetch(() => new Response(sse, { headers: { "content-type": "text/event-stream" } })) });
  const s = await c.chatStream({ messages: HI });
  const { err } = await collectUntilError(s);
  checkError(err, { kind: "stream" });
  assertClean(err, "stream error event");
  const body = JSON.stringify({ error: { message: `Incorrect API key ${KEY}`, type: "invalid_request_error", code: null, param: null } });
  const c2 = new AiBadgr({ apiKey: KEY, baseUrl: "https://example.invalid/v1", fetch: fakeFetch(() => new Response(body, { status: 200, headers: { "content-type": "application/json" } })) });
  const e2 = await rejects(c2.chat({ messages: HI }), { kind: "api" });
  assertClean(e2, "200 json error");
  const e3 = await rejects(c2.chatStream({ messages: HI }), {});
  assertClean(e3, "200 json error on a stream");
  const e4 = await rejects(new AiBadgr({ apiKey: KEY, baseUrl: "https://example.invalid/v1", maxRetries: 0, fetch: fakeFetch(() => new Response(`<p>${KEY}</p>`, { status: 200, headers: { "content-type": "text/html" } })) }).chatStream({ messages: HI }), { kind: "stream" });
  assertClean(e4, "html on a stream");
});

test("a fetch failure whose message echoes the key is redacted, cause included", async () => {
  const failing = async (url, init) => {
    throw new TypeError(`fetch failed for ${url} with ${init.headers.authorization}`, { cause: new Error(`ECONNRESET ${KEY}`) });
  };
  const c = new AiBadgr({ apiKey: KEY, baseUrl: "https://example.invalid/v1", fetch: failing, maxRetries: 0 });
  const err = await rejects(c.chat({ messages: HI }), { kind: "network" });
  assertClean(err, "network error");
});

test("config and validation errors never carry the key", async () => {
  for (const opts of [{ apiKey: `${KEY}\n` }, { apiKey: ` ${KEY}` }, { apiKey: `${KEY}é` }, { apiKey: KEY, baseUrl: `https://x.com/?key=${KEY}` }, { apiKey: KEY, timeoutMs: KEY }]) {
    let err;
    try {
      new AiBadgr(opts);
    } catch (e) {
      err = e;
    }
    checkError(err, { kind: "config" });
    assertClean(err, `config ${Object.keys(opts).join(",")}`);
  }
  const c = new AiBadgr({ apiKey: KEY, baseUrl: srv.url });
  const e1 = await rejects(c.chat({ messages: HI }, { headers: { authorization: `Bearer ${KEY}\n` } }), { kind: "invalid_request", param: "headers" });
  assertClean(e1, "header value");
  const e2 = await rejects(c.chat({ messages: [{ role: KEY, content: "x" }] }), { kind: "invalid_request", param: "messages[0].role" });
  assertClean(e2, "role");
});

// ---- logging (issue 15): every line at every level, the key in none ----

/** A logger that records `[method, line]` for each call. */
function recorder() {
  const lines = [];
  const logger = Object.fromEntries(["error", "warn", "info", "debug"].map((m) => [m, (line, ...rest) => {
    assert.equal(rest.length, 0, "one string per line");
    assert.equal(typeof line, "string");
    lines.push([m, line]);
  }]));
  return { logger, lines };
}

/** Runs every kind of call and outcome once with `opts` (a key echoed everywhere it can be). */
async function everyLine(opts) {
  const c = new AiBadgr({ apiKey: KEY, baseUrl: srv.url + "/v1", ...opts });
  const said = [{ role: "user", content: `my key is ${KEY}` }];
  await c.chat({ messages: said });
  await (await c.chatStream({ messages: said })).final();
  await c.embed({ input: `embed ${KEY}` });
  await c.messages({ model: "basic", max_tokens: 9, messages: said });
  await (await c.messagesStream({ model: "basic", max_tokens: 9, messages: said })).final();
  await c.models();
  await c.chat({ messages: HI, _test: { id: uid("log503"), plan: [{ status: 503, retryAfterMs: 1, message: `overloaded ${KEY}` }, "ok"] } });
  await c.chat({ messages: HI, _test: { id: uid("log404"), plan: [{ status: 404, code: "model_not_found", message: `no model for ${KEY}` }, "ok"] } }, { fallbackModels: ["normal"] });
  await c.chat({ messages: HI, _test: { fault: { status: 401, message: `Incorrect API key provided: ${KEY}` } } }).catch(() => {});
  const s = await c.chatStream({ messages: HI, _test: { fault: "error_event", message: `stream broke for ${KEY}` } });
  await s.final().catch(() => {});
  const ctrl = new AbortController();
  const p = c.chat({ messages: HI, _test: { fault: "hang" } }, { signal: ctrl.signal });
  setTimeout(() => ctrl.abort(new Error(`stop ${KEY}`)), 20);
  await p.catch(() => {});
  const failing = new AiBadgr({ apiKey: KEY, baseUrl: "https://example.invalid/v1", maxRetries: 0, ...opts, fetch: async () => { throw new TypeError(`fetch failed with ${KEY}`); } });
  await failing.chat({ messages: HI }).catch(() => {});
  await sleep(20); // stream-end lines are written a microtask after the stream ends
}

const KINDS = {
  request: /^aibadgr: (POST|GET) (http:\/\/127\.0\.0\.1:\d+|https:\/\/example\.invalid)\/v1\/(chat\/completions|embeddings|messages|models)( model=\S+)?( stream)?$/,
  response: /^aibadgr: 200 in \d+ ms, request id (req_\S+)(, \d+ attempts)?$/,
  retry: /^aibadgr: retry 1 of 2 in \d+ ms after: 503 /,
  fallback: /^aibadgr: model basic failed \(404 .*\); falling back to normal$/,
  failed: /^aibadgr: failed \((api, status 401|stream|aborted|network)\): /,
  streamEnd: /^aibadgr: stream ended after \d+ events in \d+ ms, tokens \d+ prompt \+ \d+ completion = \d+$/,
  body: /^aibadgr: (request|response) body: /,
};

test("logging: every line at every level goes to the logger as one string, the key in none", async () => {
  const want = { off: [], error: ["failed"], warn: ["failed", "retry", "fallback"], info: ["failed", "retry", "fallback", "request", "response", "streamEnd"], debug: Object.keys(KINDS) };
  for (const [level, kinds] of Object.entries(want)) {
    const { logger, lines } = recorder();
    const { lines: printed } = await captureOutput(() => everyLine({ logLevel: level, logger }));
    assert.ok(!printed.join("").includes(KEY), `${level}: the key reached the console`);
    for (const [m, line] of lines) {
      assert.ok(!line.includes(KEY) && !line.includes("SECRET-1234567890"), `${level}: the key is in a log line: ${line.slice(0, 200)}`);
      const kind = Object.keys(KINDS).find((k) => KINDS[k].test(line));
      assert.ok(kind, `${level}: a line of no known kind: ${line.slice(0, 200)}`);
      assert.ok(kinds.includes(kind), `${level}: a ${kind} line at level ${level}: ${line}`);
      const method = { failed: /aborted/.test(line) ? "warn" : "error", retry: "warn", fallback: "warn", body: "debug" }[kind] ?? "info";
      assert.equal(m, method, `${kind} lines go to logger.${method}: ${line}`);
    }
    for (const k of kinds) assert.ok(lines.some(([, l]) => KINDS[k].test(l)), `${level}: no ${k} line`);
    if (level === "debug") {
      assert.ok(lines.some(([, l]) => l.includes("my key is [redacted]")), "bodies are logged with the key redacted");
      assert.ok(lines.some(([, l]) => /request id req_/.test(l)));
    }
  }
});

test("logging to the default console, and through AIBADGR_LOG, never prints the key", async () => {
  const { lines } = await captureOutput(() => everyLine({ logLevel: "debug" }));
  const text = lines.join("");
  assert.ok(text.includes("aibadgr: POST"), "lines reached console");
  assert.ok(!text.includes(KEY), "the key reached the console");
  process.env.AIBADGR_LOG = "info";
  try {
    const { lines: l2 } = await captureOutput(() => everyLine({}));
    assert.ok(l2.some((l) => l.includes("aibadgr: stream ended")));
    assert.ok(!l2.some((l) => l.includes("request body")), "info does not log bodies");
    assert.ok(!l2.join("").includes(KEY));
  } finally {
    delete process.env.AIBADGR_LOG;
  }
});

test("the whole fault matrix at debug level: no log line carries the key", { timeout: 120_000 }, async () => {
  const { logger, lines } = recorder();
  const env = { srv, key: KEY, errors: [], clientOptions: { logLevel: "debug", logger } };
  await captureOutput(async () => {
    for (const c of MATRIX) await c.run(env).catch(() => {});
  });
  assert.ok(lines.length > 100, `the matrix logged (${lines.length} lines)`);
  for (const [, line] of lines) assert.ok(!line.includes(KEY), `the key is in a log line: ${line.slice(0, 200)}`);
  assert.ok(env.errors.length >= 30);
  env.errors.forEach((e, i) => assertClean(e, `matrix error #${i}`));
  for (const e of env.errors) if (e.response) assert.ok(!JSON.stringify(e.response).includes(KEY), "err.response");
});
