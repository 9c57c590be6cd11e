// Issue 4's fault matrix, as data: each case drives the built client against one injected
// fault and asserts the exact outcome (error kind/status, attempts, content, no hang).
// faults.test.mjs runs each case as a test; hygiene.test.mjs runs them all again with console
// capture and checks that the API key shows up in none of the errors they produced.
import assert from "node:assert/strict";
import { AiBadgr } from "../../pkg/node.js";
import { bigText } from "../server/util.mjs";
import { rejects, checkError, collect, collectUntilError, chunkText, closedPort, uid, sleep, HI, HI_REPLY } from "./helpers.mjs";

const REPLY = "one two three four five six seven eight";

/**
 * `env`: `{ srv, key, errors, clientOptions? }` (clientOptions: added to every client, e.g. a
 * logger). Every error a case sees is pushed to `env.errors` (hygiene
 * checks them). Cases build their clients through `mk(env, opts)`.
 */
const mk = (env, opts = {}) => new AiBadgr({ apiKey: env.key, baseUrl: env.srv.url + "/v1", ...env.clientOptions, ...opts });
async function fails(env, p, want) {
  const err = await rejects(p, want);
  env.errors.push(err);
  return err;
}
function seen(env, err, want) {
  checkError(err, want);
  env.errors.push(err);
  return err;
}
const chat = (test, extra = {}) => ({ messages: HI, ...extra, _test: test });
const MSG = (test) => ({ model: "basic", max_tokens: 64, messages: HI, _test: test });

export const MATRIX = [
  {
    name: "429 with retry-after (seconds) → waits, retried, then ok (attempts 2)",
    async run(env) {
      const id = uid("429s");
      const t0 = Date.now();
      const r = await mk(env).chat(chat({ id, plan: [{ status: 429, retryAfter: "1" }, "ok"] }));
      assert.equal(r.choices[0].message.content, HI_REPLY);
      assert.ok(Date.now() - t0 >= 900, "retry-after: 1 was honoured");
      assert.equal((await env.srv.id(id)).attempts, 2);
    },
  },
  {
    name: "429 with retry-after-ms (preferred over retry-after) → retried then ok (attempts 2)",
    async run(env) {
      const id = uid("429ms");
      const t0 = Date.now();
      // retry-after says 30 s: a client that ignored retry-after-ms would hit timeoutMs instead.
      const r = await mk(env).chat(chat({ id, plan: [{ status: 429, retryAfterMs: 150, retryAfter: "30" }, "ok"] }), { timeoutMs: 8000 });
      assert.equal(r.choices[0].message.content, HI_REPLY);
      assert.ok(Date.now() - t0 >= 140);
      assert.equal((await env.srv.id(id)).attempts, 2);
    },
  },
  {
    name: "503 twice then success (attempts 3, exponential backoff)",
    async run(env) {
      const id = uid("503x2");
      const t0 = Date.now();
      const r = await mk(env).chat(chat({ id, plan: [503, 503, "ok"] }));
      assert.equal(r.choices[0].message.content, HI_REPLY);
      assert.ok(Date.now() - t0 >= 375 + 750, "backoff 0.5 s then 1 s, minus at most 25 %");
      assert.equal((await env.srv.id(id)).attempts, 3);
    },
  },
  {
    name: "500 until retries run out → kind api status 500 (attempts = maxRetries + 1)",
    async run(env) {
      const id = uid("500");
      const err = await fails(env, mk(env).chat(chat({ id, fault: 500 })), { kind: "api", status: 500, type: "server_error" });
      assert.match(err.message, /^500 The server had an error/);
      assert.equal((await env.srv.id(id)).attempts, 3, "default maxRetries 2");
      const id2 = uid("500");
      await fails(env, mk(env, { maxRetries: 0 }).chat(chat({ id: id2, fault: { status: 500, retryAfterMs: 5 } }), { maxRetries: 4 }), { kind: "api", status: 500 });
      assert.equal((await env.srv.id(id2)).attempts, 5, "the call's maxRetries wins");
    },
  },
  {
    name: "400 is not retried (attempts 1, readable message)",
    async run(env) {
      const id = uid("400");
      await fails(env, mk(env).chat(chat({ id, fault: 400 })), {
        kind: "api", status: 400, param: "messages", type: "invalid_request_error", message: "400 Invalid value for 'messages'.",
      });
      assert.equal((await env.srv.id(id)).attempts, 1);
    },
  },
  {
    name: "401 is not retried (attempts 1, readable message)",
    async run(env) {
      const id = uid("401");
      const err = await fails(env, mk(env).chat(chat({ id, fault: 401 })), { kind: "api", status: 401, code: "invalid_api_key" });
      assert.equal(err.message, "401 Incorrect API key provided. You can find your API key at https://aibadgr.com.");
      assert.equal((await env.srv.id(id)).attempts, 1);
      for (const status of [403, 404, 422]) {
        const idn = uid(`s${status}`);
        await fails(env, mk(env).chat(chat({ id: idn, fault: status })), { kind: "api", status });
        assert.equal((await env.srv.id(idn)).attempts, 1, `${status} not retried`);
      }
    },
  },
  {
    name: "408 and 409 are retried",
    async run(env) {
      for (const status of [408, 409]) {
        const id = uid(`s${status}`);
        const r = await mk(env).chat(chat({ id, plan: [{ status, retryAfterMs: 10 }, "ok"] }));
        assert.equal(r.choices[0].message.content, HI_REPLY);
        assert.equal((await env.srv.id(id)).attempts, 2, `${status} retried`);
      }
    },
  },
  {
    name: "connection reset before headers → retried (network), then ok",
    async run(env) {
      const id = uid("rst");
      const r = await mk(env).chat(chat({ id, plan: ["reset_before_headers", "ok"] }));
      assert.equal(r.choices[0].message.content, HI_REPLY);
      assert.equal((await env.srv.id(id)).attempts, 2);
      const id2 = uid("rst");
      const err = await fails(env, mk(env, { maxRetries: 1 }).chat(chat({ id: id2, fault: "reset_before_headers" })), { kind: "network", status: undefined });
      assert.match(err.message, /could not reach the server/);
      assert.equal((await env.srv.id(id2)).attempts, 2);
      const id3 = uid("rst");
      const s = await mk(env).chatStream(chat({ id: id3, plan: ["reset_before_headers", "ok"] }));
      assert.equal(chunkText(await collect(s)), HI_REPLY, "streams retry before headers too");
      assert.equal((await env.srv.id(id3)).attempts, 2);
    },
  },
  {
    name: "reset mid-stream → kind network, not retried, chunks already read are kept",
    async run(env) {
      const id = uid("rms");
      const s = await mk(env).chatStream(chat({ id, reply: REPLY, fault: { name: "reset_mid_stream", after: 3 } }));
      const { items, err } = await collectUntilError(s);
      seen(env, err, { kind: "network" });
      assert.match(err.message, /connection broke/);
      assert.equal(items.length, 3, "role chunk and two content chunks arrived before the reset");
      assert.equal(chunkText(items), "one two");
      assert.equal((await env.srv.id(id)).attempts, 1, "a stream is not retried after its headers");
      const id2 = uid("rms");
      const err2 = await fails(env, mk(env).chat(chat({ id: id2, fault: { name: "reset_mid_stream", after: 40 } })), { kind: "network" });
      assert.match(err2.message, /connection broke/);
      assert.equal((await env.srv.id(id2)).attempts, 1, "a body read is not retried");
    },
  },
  {
    name: "stream without [DONE] → kind stream (truncated, never a silent success)",
    async run(env) {
      const id = uid("nodone");
      const s = await mk(env).chatStream(chat({ id, reply: REPLY, fault: "no_done" }));
      const fp = s.final();
      const err = await fails(env, fp, { kind: "stream" });
      assert.match(err.message, /cut off/);
      assert.equal((await env.srv.id(id)).attempts, 1);
      const s2 = await mk(env).chatStream(chat({ reply: REPLY, fault: "no_done" }));
      const { items, err: err2 } = await collectUntilError(s2);
      seen(env, err2, { kind: "stream" });
      assert.equal(chunkText(items), REPLY, "the text before the cut was delivered");
    },
  },
  {
    name: "malformed JSON chunk → kind stream",
    async run(env) {
      const s = await mk(env).chatStream(chat({ fault: "malformed_chunk" }));
      const { err } = await collectUntilError(s);
      seen(env, err, { kind: "stream", message: /not valid JSON/ });
      await fails(env, mk(env).chat(chat({ fault: "malformed_chunk" })), { kind: "api", status: 200 });
    },
  },
  {
    name: "HTML 502 page → kind api status 502 with the HTML in err.body; retried when allowed",
    async run(env) {
      const id = uid("html");
      const err = await fails(env, mk(env, { maxRetries: 0 }).chat(chat({ id, fault: "html_502" })), { kind: "api", status: 502 });
      assert.ok(err.body.startsWith("<html>\n<head><title>502 Bad Gateway</title></head>"));
      assert.match(err.message, /^502 Bad Gateway/);
      assert.equal((await env.srv.id(id)).attempts, 1);
      const id2 = uid("html");
      const r = await mk(env).chat(chat({ id: id2, plan: ["html_502", "ok"] }));
      assert.equal(r.choices[0].message.content, HI_REPLY);
      assert.equal((await env.srv.id(id2)).attempts, 2);
      await fails(env, mk(env, { maxRetries: 0 }).chatStream(chat({ fault: "html_502" })), { kind: "api", status: 502 });
    },
  },
  {
    name: "empty 200 body → kind api",
    async run(env) {
      const id = uid("empty");
      const err = await fails(env, mk(env).chat(chat({ id, fault: "empty_200" })), { kind: "api", status: 200 });
      assert.match(err.message, /empty body/);
      assert.equal((await env.srv.id(id)).attempts, 1);
      await fails(env, mk(env).embed({ input: "x", _test: { fault: "empty_200" } }), { kind: "api", status: 200 });
    },
  },
  {
    name: "wrong content type on a stream → kind stream",
    async run(env) {
      const id = uid("ctype");
      const err = await fails(env, mk(env).chatStream(chat({ id, fault: "wrong_content_type" })), { kind: "stream", status: 200, body: "OK" });
      assert.match(err.message, /text\/plain/);
      assert.equal((await env.srv.id(id)).attempts, 1);
    },
  },
  {
    name: "slow drip past idleTimeoutMs → kind timeout, the server sees the close",
    async run(env) {
      const id = uid("drip");
      const s = await mk(env, { idleTimeoutMs: 300 }).chatStream(chat({ id, fault: { name: "slow_drip", gapMs: 5000 } }));
      const items = [];
      let err;
      let last = 0;
      try {
        for await (const c of s) { items.push(c); last = Date.now(); }
      } catch (e) { err = e; }
      const quiet = Date.now() - last;
      seen(env, err, { kind: "timeout", message: /idleTimeoutMs \(300 ms\)/ });
      assert.equal(items.length, 1, "the first chunk came, then silence");
      // The timer takes a read as activity at its next tick (a sixteenth of the timeout), so
      // the abort comes no sooner than the timeout after the read, and at most 2 ticks later
      // (+ 250 ms for a busy machine's timers).
      assert.ok(quiet >= 299 && quiet <= 300 + 2 * (300 / 16) + 250, `aborted ${quiet} ms after the last read`);
      await env.srv.waitId(id, (x) => x.clientAborts === 1, "clientAborts 1");
      // The per-call option also works.
      const id2 = uid("drip");
      const s2 = await mk(env).chatStream(chat({ id: id2, fault: { name: "slow_drip", gapMs: 5000 } }), { idleTimeoutMs: 200 });
      const r2 = await collectUntilError(s2.text());
      seen(env, r2.err, { kind: "timeout" });
      await env.srv.waitId(id2, (x) => x.clientAborts === 1, "clientAborts 1");
    },
  },
  {
    name: "a stream that keeps sending outlives idleTimeoutMs, whoever reads it",
    async run(env) {
      // 8+ events 60 ms apart (~0.5 s in all) under a 250 ms idle timeout: every read must
      // restart the idle clock, in each consumer's read loop.
      const opts = { idleTimeoutMs: 250 };
      const paced = () => mk(env).chatStream(chat({ reply: REPLY, paceMs: 60 }), opts);
      assert.equal(chunkText(await collect(await paced())), REPLY, "for await");
      assert.equal((await collect((await paced()).text())).join(""), REPLY, "text()");
      const sse = new TextDecoder().decode(Buffer.concat(await collect((await paced()).toSSE())));
      assert.match(sse, /data: \[DONE\]/, "toSSE()");
      assert.equal((await (await paced()).final()).choices[0].message.content, REPLY, "final() alone");
      const m = await mk(env).messagesStream(MSG({ reply: REPLY, paceMs: 60 }), opts);
      assert.equal((await collect(m.text())).join(""), REPLY, "messages text()");
    },
  },
  {
    name: "one 8 MB event is parsed correctly",
    async run(env) {
      const bytes = 8_000_000;
      const s = await mk(env).chatStream(chat({ fault: { name: "big_event", bytes } }));
      const chunks = await collect(s);
      const text = chunkText(chunks);
      assert.equal(Buffer.byteLength(text), bytes);
      assert.ok(text === bigText(bytes), "content identical, multibyte characters intact");
      const m = await mk(env).messagesStream(MSG({ fault: { name: "big_event", bytes } }));
      const mt = (await collect(m.text())).join("");
      assert.equal(Buffer.byteLength(mt), bytes);
    },
  },
  {
    name: "error event mid-stream → kind stream; earlier chunks delivered",
    async run(env) {
      const id = uid("errev");
      const s = await mk(env).chatStream(chat({ id, fault: "error_event", paceMs: 20 }));
      const { items, err } = await collectUntilError(s);
      seen(env, err, { kind: "stream", type: "server_error", message: "The server had an error while processing your request." });
      assert.equal(chunkText(items), "Hello! You");
      assert.equal((await env.srv.id(id)).attempts, 1);
    },
  },
  {
    name: "abort before sending: an already-aborted signal sends nothing",
    async run(env) {
      const id = uid("pre");
      const before = (await env.srv.stats()).requests;
      const err = await fails(env, mk(env).chat(chat({ id }), { signal: AbortSignal.abort() }), { kind: "aborted", name: "AbortError" });
      assert.equal(err.cause?.name, "AbortError", "the signal's reason is the cause");
      await fails(env, mk(env).chatStream(chat({ id }), { signal: AbortSignal.abort(new Error("stop")) }), { kind: "aborted", name: "AbortError" });
      await fails(env, mk(env).embed({ input: "x" }, { signal: AbortSignal.abort() }), { kind: "aborted", name: "AbortError" });
      await fails(env, mk(env).messages(MSG({ id }), { signal: AbortSignal.abort() }), { kind: "aborted", name: "AbortError" });
      assert.equal((await env.srv.stats()).requests, before);
      assert.equal((await env.srv.id(id)).attempts, 0);
    },
  },
  {
    name: "abort while waiting for headers → prompt AbortError, the server sees the close",
    async run(env) {
      const id = uid("hang");
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 100);
      const t0 = Date.now();
      await fails(env, mk(env).chat(chat({ id, fault: "hang" }), { signal: ac.signal }), { kind: "aborted", name: "AbortError" });
      assert.ok(Date.now() - t0 < 3000, "prompt");
      await env.srv.waitId(id, (x) => x.clientAborts === 1, "clientAborts 1");
      assert.equal((await env.srv.id(id)).attempts, 1);
      const id2 = uid("hang");
      const ac2 = new AbortController();
      setTimeout(() => ac2.abort(), 100);
      await fails(env, mk(env).chatStream(chat({ id: id2, fault: "hang" }), { signal: ac2.signal }), { kind: "aborted", name: "AbortError" });
      await env.srv.waitId(id2, (x) => x.clientAborts === 1, "clientAborts 1");
    },
  },
  {
    name: "abort while reading a body (hang_body JSON, paced stream) → AbortError, the server sees the close",
    async run(env) {
      const id = uid("hbody");
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 150);
      await fails(env, mk(env).chat(chat({ id, fault: "hang_body" }), { signal: ac.signal }), { kind: "aborted", name: "AbortError" });
      await env.srv.waitId(id, (x) => x.clientAborts === 1, "clientAborts 1");
      const id2 = uid("hbody");
      const ac2 = new AbortController();
      const s = await mk(env).chatStream(chat({ id: id2, fault: "hang_body" }), { signal: ac2.signal });
      const reader = s.getReader();
      assert.equal((await reader.read()).value.object, "chat.completion.chunk");
      const pending = reader.read();
      setTimeout(() => ac2.abort(), 50);
      await fails(env, pending, { kind: "aborted", name: "AbortError" });
      await env.srv.waitId(id2, (x) => x.clientAborts === 1, "clientAborts 1");
      assert.equal((await env.srv.id(id2)).completed, 0);
      const id3 = uid("paced");
      const ac3 = new AbortController();
      const s3 = await mk(env).chatStream(chat({ id: id3, reply: REPLY.repeat(5), paceMs: 50 }), { signal: ac3.signal });
      const t = s3.text().getReader();
      assert.match((await t.read()).value, /^one/);
      ac3.abort();
      await fails(env, t.read(), { kind: "aborted", name: "AbortError" });
      await env.srv.waitId(id3, (x) => x.clientAborts === 1, "clientAborts 1");
    },
  },
  {
    name: "abort during a backoff wait → prompt AbortError, attempts 1",
    async run(env) {
      const id = uid("backoff");
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 100);
      const t0 = Date.now();
      await fails(env, mk(env).chat(chat({ id, plan: [{ status: 503, retryAfter: "5" }, "ok"] }), { signal: ac.signal }), { kind: "aborted", name: "AbortError" });
      assert.ok(Date.now() - t0 < 2500, `prompt (${Date.now() - t0} ms), not after the 5 s wait`);
      assert.equal((await env.srv.id(id)).attempts, 1);
      await sleep(50);
      assert.equal((await env.srv.id(id)).attempts, 1, "no retry after the abort");
    },
  },
  {
    name: "fallback to the next tier after model_not_found; result.model shows who answered",
    async run(env) {
      const id = uid("fb");
      const r = await mk(env, { fallbackModels: ["normal", "premium"] }).chat(chat({ id, plan: ["model_not_found", "ok"] }));
      assert.equal(r.model, "normal");
      assert.equal(r.choices[0].message.content, HI_REPLY);
      assert.equal((await env.srv.last(id)).body.model, "normal");
      assert.equal((await env.srv.id(id)).attempts, 2);
      // Retryable failures fall back after their retries; per-call fallbackModels.
      const id2 = uid("fb");
      const r2 = await mk(env, { maxRetries: 0 }).chat(chat({ id: id2, plan: [503, 503, "ok"] }), { fallbackModels: ["aibadgr/normal", "premium"] });
      assert.equal(r2.model, "premium");
      assert.equal((await env.srv.last(id2)).body.model, "premium");
      assert.equal((await env.srv.id(id2)).attempts, 3);
      // Streams fall back too.
      const id3 = uid("fb");
      const s = await mk(env, { fallbackModels: ["normal"] }).chatStream(chat({ id: id3, plan: ["model_not_found", "ok"] }));
      const f = await s.final();
      assert.equal(f.model, "normal");
      // A non-retryable error does not fall back; all models failing gives the last error.
      const id4 = uid("fb");
      await fails(env, mk(env, { fallbackModels: ["normal"] }).chat(chat({ id: id4, fault: 400 })), { kind: "api", status: 400 });
      assert.equal((await env.srv.id(id4)).attempts, 1);
      const id5 = uid("fb");
      await fails(env, mk(env, { fallbackModels: ["normal", "premium"] }).chat(chat({ id: id5, fault: "model_not_found" })), { kind: "api", status: 404, code: "model_not_found", message: "404 The model `premium` does not exist or you do not have access to it." });
      assert.equal((await env.srv.id(id5)).attempts, 3);
    },
  },
  {
    name: "x-should-retry: false on a 503 → 1 attempt",
    async run(env) {
      const id = uid("xsr");
      await fails(env, mk(env).chat(chat({ id, fault: { status: 503, shouldRetry: false } })), { kind: "api", status: 503 });
      assert.equal((await env.srv.id(id)).attempts, 1);
    },
  },
  {
    name: "x-should-retry: true on a 400 → retried",
    async run(env) {
      const id = uid("xsr");
      const r = await mk(env).chat(chat({ id, plan: [{ status: 400, shouldRetry: true, retryAfterMs: 10 }, "ok"] }));
      assert.equal(r.choices[0].message.content, HI_REPLY);
      assert.equal((await env.srv.id(id)).attempts, 2);
    },
  },
  {
    name: "timeoutMs bounds the whole call including retries → kind timeout",
    async run(env) {
      const id = uid("whole");
      const t0 = Date.now();
      const err = await fails(env, mk(env, { maxRetries: 5 }).chat(chat({ id, fault: { status: 503, retryAfter: "1" } }), { timeoutMs: 1500 }), { kind: "timeout" });
      assert.match(err.message, /timeoutMs \(1500 ms\)/);
      assert.ok(Date.now() - t0 < 4000, "ended by timeoutMs, not by the retries");
      assert.equal((await env.srv.id(id)).attempts, 2, "attempts at 0 s and 1 s; the timeout hit during the second wait");
    },
  },
  {
    name: "network: nothing listening → kind network after the retries",
    async run(env) {
      const port = await closedPort();
      const c = new AiBadgr({ apiKey: env.key, baseUrl: `http://127.0.0.1:${port}`, maxRetries: 1 });
      const err = await fails(env, c.chat(chat({})), { kind: "network", status: undefined });
      assert.match(err.message, /could not reach the server/);
      await fails(env, c.chatStream(chat({}), { maxRetries: 0 }), { kind: "network" });
    },
  },
];
