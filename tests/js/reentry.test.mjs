// Issue 12, "safe to re-enter": user code that the library runs synchronously (a body's
// cancel() or pull(), an abort listener, Error.prepareStackTrace, a logger, a getter or toJSON
// on the request, a getter a polyfill put on Object.prototype) calls back into the same stream
// or client. Before the fix a RefCell borrow was held across those calls, so the second entry
// panicked and trapped the wasm instance (a WebAssembly.RuntimeError "unreachable"). Each test
// records what every re-entrant call gave, asserts none trapped (errors are AiBadgrErrors that
// say what to do), checks the outer call still ends as it should, and then makes fresh normal
// calls on the same client to show the instance is alive.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { AiBadgr, AiBadgrError } from "../../pkg/node.js";
import { server, client as serverClient, sleep, uid, HI, HI_REPLY, SECRET } from "./helpers.mjs";

const enc = new TextEncoder();
const SSE = { "content-type": "text/event-stream" };
const JSON_TYPE = { "content-type": "application/json" };
const chunk = (content, finish = null) =>
  `data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: content === undefined ? {} : { content }, finish_reason: finish }] })}\n\n`;
const DONE = "data: [DONE]\n\n";
/** An event whose data is not JSON: the stream fails on it. */
const BROKEN = "data: {not json\n\n";
const USAGE = { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 };

/** A normal answer to any request: a whole stream, or a JSON completion ("ok"). */
function normal(init, { usage = true } = {}) {
  const req = JSON.parse(init.body);
  if (req.fail) return new Response(JSON.stringify({ error: { message: "bad thing", type: "invalid_request_error" } }), { status: 400, headers: JSON_TYPE });
  if (req.stream) return new Response(chunk("o") + chunk("k") + chunk(undefined, "stop") + DONE, { headers: SSE });
  const body = { id: "x", object: "chat.completion", created: 1, model: "m", choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "stop" }] };
  if (usage) body.usage = USAGE;
  return new Response(JSON.stringify(body), { headers: JSON_TYPE });
}

/** A client whose first request is answered by `first(url, init)`, every later one normally. */
function setup(first, opts = {}) {
  let n = 0;
  const fetch = async (url, init) => (n++ === 0 && first ? first(url, init) : normal(init, opts));
  return new AiBadgr({ apiKey: SECRET, baseUrl: "https://example.invalid/v1", maxRetries: 0, fetch, ...opts.client });
}

/** A user-made body: `events` enqueued at once, then silence; `hooks` adds pull()/cancel(). */
function body(events, hooks = {}) {
  return new ReadableStream({
    start(c) {
      for (const e of events) c.enqueue(enc.encode(e));
    },
    ...hooks,
  });
}

/** Runs `f` the way re-entrant user code does, recording a value, a throw, or how a promise settled. */
function reenter(log, name, f) {
  const entry = { name, settled: false };
  log.push(entry);
  try {
    const v = f();
    if (v && typeof v.then === "function") {
      entry.pending = v.then(
        (x) => Object.assign(entry, { value: x, settled: true }),
        (e) => Object.assign(entry, { error: e, settled: true }),
      );
    } else Object.assign(entry, { value: v, settled: true });
  } catch (e) {
    Object.assign(entry, { error: e, settled: true });
  }
}

/** Waits for the recorded calls, asserts none trapped and every error is an AiBadgrError; by name. */
async function outcomes(log, names) {
  await Promise.race([Promise.all(log.map((e) => e.pending)), sleep(3000)]);
  if (names) assert.deepEqual(log.map((e) => e.name).sort(), [...names].sort(), "every re-entrant call ran");
  for (const e of log) {
    assert.ok(!(e.error instanceof WebAssembly.RuntimeError), `${e.name}: the wasm instance trapped (${e.error?.message})`);
    assert.ok(e.settled, `${e.name}: never settled`);
    if (e.error !== undefined) {
      assert.ok(e.error instanceof AiBadgrError, `${e.name}: not an AiBadgrError: ${e.error?.stack ?? e.error}`);
      assert.ok(!String(e.error.message).includes(SECRET));
    }
  }
  return Object.fromEntries(log.map((e) => [e.name, e]));
}

/** Fresh normal calls on the same client: chat, a streamed chat read three ways, usage. */
async function alive(c) {
  const r = await c.chat({ messages: HI });
  assert.equal(r.choices[0].message.content, "ok");
  const s1 = await c.chatStream({ messages: HI });
  let text = "";
  for await (const t of s1.text()) text += t;
  assert.equal(text, "ok");
  const s2 = await c.chatStream({ messages: HI });
  const chunks = [];
  for await (const x of s2) chunks.push(x);
  assert.ok(chunks.length >= 2);
  assert.equal((await s2.final()).choices[0].message.content, "ok");
  const s3 = await c.chatStream({ messages: HI });
  assert.equal((await s3.final()).choices[0].message.content, "ok");
  assert.equal(typeof c.usage.total.requests, "number");
}

const misuse = /this stream is already being read/;

let srv;
before(async () => {
  srv = await server();
});
after(() => srv.close());

test("a body's cancel() reads the same stream again (final, for await, getReader().read(), text()) when the loop breaks", async () => {
  const log = [];
  let s;
  const c = setup(() =>
    new Response(
      body([chunk("Hel"), chunk("lo")], {
        cancel() {
          reenter(log, "final", () => s.final());
          reenter(log, "for await", async () => {
            for await (const x of s) void x;
          });
          reenter(log, "read", () => s.getReader().read());
          reenter(log, "text", () => s.text());
          reenter(log, "usage", () => s.usage);
        },
      }),
      { headers: SSE },
    ),
  );
  s = await c.chatStream({ messages: HI });
  const got = [];
  for await (const x of s) {
    got.push(x.choices[0].delta.content);
    if (got.length === 2) break;
  }
  assert.deepEqual(got, ["Hel", "lo"]);
  const o = await outcomes(log, ["final", "for await", "read", "text", "usage"]);
  assert.equal(o.final.error?.kind, "aborted", "final() of the cancelled stream rejects with the cancellation");
  assert.match(o.final.error.message, /cancelled/);
  assert.match(o["for await"].error?.message, misuse);
  assert.match(o.read.error?.message, misuse);
  assert.match(o.text.error?.message, misuse);
  assert.equal(o.usage.value, undefined);
  await assert.rejects(s.final(), (e) => e.kind === "aborted");
  await alive(c);
});

test("a body's cancel() reads the stream again when the stream's reader is cancelled", async () => {
  const log = [];
  let s;
  const hooks = {
    cancel() {
      reenter(log, "final", () => s.final());
      reenter(log, "text", () => s.text()); // the stream is locked to the reader
      reenter(log, "usage", () => s.usage);
    },
  };
  const c = setup(() => new Response(body([chunk("a")], hooks), { headers: SSE }));
  s = await c.chatStream({ messages: HI });
  const r = s.getReader();
  assert.equal((await r.read()).value.choices[0].delta.content, "a");
  await r.cancel(new Error("enough"));
  const o = await outcomes(log, ["final", "text", "usage"]);
  assert.equal(o.final.error?.kind, "aborted");
  assert.match(o.text.error?.message, misuse);
  await alive(c);
});

test("a body's cancel() reads the stream again when final(), reading alone, meets a broken chunk", async () => {
  const log = [];
  let s;
  const c = setup(() =>
    new Response(
      body([chunk("a"), BROKEN], {
        cancel() {
          reenter(log, "final", () => s.final());
          reenter(log, "for await", async () => {
            for await (const x of s) void x;
          });
        },
      }),
      { headers: SSE },
    ),
  );
  s = await c.chatStream({ messages: HI });
  const e = await s.final().then(() => assert.fail("final() resolved"), (err) => err);
  assert.equal(e.kind, "stream");
  const o = await outcomes(log, ["final", "for await"]);
  assert.equal(o.final.error, e, "the re-entrant final() rejects with the same error");
  assert.ok(o["for await"].error instanceof AiBadgrError);
  await alive(c);
});

test("a body's pull() calls back into the stream while final() reads it alone", async () => {
  const log = [];
  let s;
  let sent = 0;
  const parts = [chunk("a"), chunk("b"), chunk(undefined, "stop"), DONE];
  const c = setup(() =>
    new Response(
      new ReadableStream({
        pull(ctl) {
          if (sent > 0) {
            reenter(log, `usage ${sent}`, () => s.usage);
            reenter(log, `final ${sent}`, () => s.final());
            reenter(log, `text ${sent}`, () => s.text());
          }
          if (sent < parts.length) ctl.enqueue(enc.encode(parts[sent++]));
          else ctl.close();
        },
      }, { highWaterMark: 0 }),
      { headers: SSE },
    ),
  );
  s = await c.chatStream({ messages: HI });
  const done = await s.final();
  assert.equal(done.choices[0].message.content, "ab");
  const o = await outcomes(log);
  assert.ok(log.length >= 6, "pull() re-entered while final() read the body");
  for (const [name, e] of Object.entries(o)) {
    if (name.startsWith("final")) assert.equal(e.value?.choices[0].message.content, "ab", `${name} resolves with the result`);
    if (name.startsWith("text")) assert.match(e.error?.message, /final\(\) is already reading this stream/);
  }
  await alive(c);
});

test("a body's pull() calls back into the stream when the rest of the body is read after [DONE]", async () => {
  const log = [];
  let s;
  const c = setup(() =>
    new Response(
      new ReadableStream({
        start(ctl) {
          ctl.enqueue(enc.encode(chunk("x") + chunk(undefined, "stop") + DONE));
        },
        // Only the read after [DONE] (which keeps the connection for reuse) finds no bytes queued.
        pull(ctl) {
          reenter(log, "final", () => s.final());
          reenter(log, "usage", () => s.usage);
          reenter(log, "text", () => s.text());
          ctl.close();
        },
      }, { highWaterMark: 0 }),
      { headers: SSE },
    ),
  );
  s = await c.chatStream({ messages: HI });
  let text = "";
  for await (const t of s.text()) text += t;
  assert.equal(text, "x");
  const o = await outcomes(log, ["final", "usage", "text"]);
  assert.equal(o.final.value?.choices[0].message.content, "x");
  assert.match(o.text.error?.message, misuse);
  await alive(c);
});

test("a body that fails with an error whose message getter calls back into the stream while a read is pending", async () => {
  const log = [];
  let s;
  let ctl;
  const c = setup(() =>
    new Response(
      new ReadableStream({
        start(x) {
          ctl = x;
          x.enqueue(enc.encode(chunk("a")));
        },
      }),
      { headers: SSE },
    ),
  );
  s = await c.chatStream({ messages: HI });
  const it = s[Symbol.asyncIterator]();
  assert.equal((await it.next()).value.choices[0].delta.content, "a");
  const pending = it.next(); // the body has nothing more yet
  await sleep(10);
  // The library reads the failure's message (and, to keep the key out, its cause's).
  ctl.error({
    get message() {
      reenter(log, "final", () => s.final());
      reenter(log, "usage", () => s.usage);
      reenter(log, "iterate", () => s[Symbol.asyncIterator]().next());
      return "boom";
    },
  });
  const e = await pending.then(() => assert.fail("resolved"), (err) => err);
  assert.equal(e.kind, "network");
  assert.match(e.message, /connection broke.*boom/);
  const o = await outcomes(log);
  assert.equal(o.final.error, e, "final() from the getter rejects with the stream's error, once it exists");
  await alive(c);
});

test("a cancel reason whose getters call back into the stream", async () => {
  const log = [];
  const c = setup(() => new Response(body([chunk("a")]), { headers: SSE }));
  const s = await c.chatStream({ messages: HI });
  const r = s.getReader();
  await r.read();
  // The reason becomes the error's cause; its message and stack are read to keep the key out.
  const touch = (name) => {
    reenter(log, `${name} final`, () => s.final());
    reenter(log, `${name} usage`, () => s.usage);
    reenter(log, `${name} text`, () => s.text());
  };
  await r.cancel({
    get message() {
      touch("message");
      return "enough";
    },
    get stack() {
      touch("stack");
      return "at nowhere";
    },
  });
  const o = await outcomes(log);
  assert.ok(log.length > 0, "the library read the reason");
  for (const [k, e] of Object.entries(o)) if (k.endsWith("final")) assert.equal(e.error?.kind, "aborted", k);
  await assert.rejects(s.final(), (e) => e.kind === "aborted" && e.name === "AbortError");
  await alive(c);
});

for (const how of ["break", "reader.cancel()", "a broken chunk", "final() and a broken chunk"]) {
  test(`an abort listener on the signal the fetch was given calls final(), text(), iterates and starts a call (the stream ends by ${how})`, async () => {
    const log = [];
    let s;
    let c;
    c = setup((url, init) => {
      init.signal.addEventListener("abort", () => {
        reenter(log, "final", () => s.final());
        reenter(log, "text", () => s.text());
        reenter(log, "for await", async () => {
          for await (const x of s) void x;
        });
        reenter(log, "chat", () => c.chat({ messages: HI }));
        reenter(log, "usage", () => c.usage.total.requests);
      });
      const events = how.includes("broken") ? [chunk("a"), BROKEN] : [chunk("a"), chunk("b")];
      return new Response(body(events), { headers: SSE });
    });
    s = await c.chatStream({ messages: HI });
    if (how === "break") {
      for await (const x of s) if (x) break;
    } else if (how === "reader.cancel()") {
      const r = s.getReader();
      await r.read();
      await r.cancel();
    } else if (how === "a broken chunk") {
      await assert.rejects(async () => {
        for await (const x of s) void x;
      }, (e) => e.kind === "stream");
    } else {
      await assert.rejects(s.final(), (e) => e.kind === "stream");
    }
    const o = await outcomes(log, ["final", "text", "for await", "chat", "usage"]);
    assert.equal(o.final.error?.kind, how.includes("broken") ? "stream" : "aborted", "final() rejects with the stream's error");
    assert.equal(o.chat.value?.choices[0].message.content, "ok", "a new call from the listener works");
    await alive(c);
  });
}

test("the caller's AbortSignal: its listener calls final(), text(), iterates and starts new calls while a read is pending", async () => {
  const c = serverClient(srv, { maxRetries: 0 });
  const ac = new AbortController();
  const s = await c.chatStream({ messages: HI, _test: { id: uid("reentry"), fault: "hang_body" } }, { signal: ac.signal });
  const log = [];
  ac.signal.addEventListener("abort", () => {
    reenter(log, "final", () => s.final());
    reenter(log, "text", () => s.text());
    reenter(log, "for await", async () => {
      for await (const x of s) void x;
    });
    reenter(log, "chat", () => c.chat({ messages: HI }));
    reenter(log, "stream", async () => (await c.chatStream({ messages: HI })).final());
  });
  const r = s.getReader();
  await r.read(); // the event the server sent
  const pending = r.read(); // the server sends nothing more
  await sleep(30);
  ac.abort();
  await assert.rejects(pending, (e) => e.kind === "aborted" && e.name === "AbortError");
  const o = await outcomes(log, ["final", "text", "for await", "chat", "stream"]);
  assert.equal(o.final.error?.kind, "aborted");
  assert.match(o.text.error?.message, misuse);
  assert.equal(o.chat.value?.choices[0].message.content, HI_REPLY);
  assert.equal(o.stream.value?.choices[0].message.content, HI_REPLY);
  assert.equal((await c.chat({ messages: HI })).choices[0].message.content, HI_REPLY);
});

/**
 * Installs an Error.prepareStackTrace that, while `arm(fn)` allows it, runs `fn` once (the
 * library reads `err.stack` of every error it makes); removed after the test.
 */
function stackHook(t) {
  const saved = Error.prepareStackTrace;
  let touch;
  Error.prepareStackTrace = (err, frames) => {
    const f = touch;
    touch = undefined;
    if (f) f();
    return `${err.name}: ${err.message}\n${frames.map((x) => `    at ${x}`).join("\n")}`;
  };
  t.after(() => {
    Error.prepareStackTrace = saved;
  });
  return {
    arm(f) {
      touch = f;
    },
    get ran() {
      return touch === undefined;
    },
  };
}

/** Calls every kind of entry into a stream and a client, as `tag name`. */
const touchAll = (log, tag, s, c) => () => {
  reenter(log, `${tag} final`, () => s.final());
  reenter(log, `${tag} usage`, () => s.usage);
  // Read to the end: the first next() starts inside the hook; final() above settles only once
  // the iteration that took the stream ends (a first batch may end right after the first text).
  reenter(log, `${tag} iterate`, () => {
    const it = s[Symbol.asyncIterator]();
    const step = () => it.next().then((r) => (r.done ? r : step()));
    return step();
  });
  reenter(log, `${tag} client.usage`, () => c.usage.total.requests);
  reenter(log, `${tag} chat`, () => c.chat({ messages: HI }));
};

test("Error.prepareStackTrace touches the stream and the client while the error of a stream failing mid-way is made", async (t) => {
  const hook = stackHook(t);
  const log = [];
  const c = setup(() => new Response(body([chunk("a"), BROKEN]), { headers: SSE }));
  const s = await c.chatStream({ messages: HI });
  const it = s[Symbol.asyncIterator]();
  assert.equal((await it.next()).value.choices[0].delta.content, "a");
  hook.arm(touchAll(log, "failing", s, c));
  const e = await it.next().then(() => assert.fail("resolved"), (err) => err);
  assert.ok(hook.ran, "prepareStackTrace ran for the stream's error");
  assert.equal(e.kind, "stream");
  const o = await outcomes(log);
  assert.equal(o["failing final"].error, e, "final() from prepareStackTrace rejects with the stream's error, once it exists");
  assert.match(o["failing iterate"].error?.message, misuse);
  assert.equal(o["failing chat"].value?.choices[0].message.content, "ok");
  await alive(c);
});

test("Error.prepareStackTrace touches the stream and the client while a misuse error (a second consumer) is made", async (t) => {
  const hook = stackHook(t);
  const log = [];
  const c = setup(() => new Response(body([chunk("a"), chunk("b"), chunk(undefined, "stop"), DONE]), { headers: SSE }));
  const s = await c.chatStream({ messages: HI });
  const got = [];
  for await (const x of s) {
    got.push(x);
    if (got.length === 1) {
      hook.arm(touchAll(log, "misuse", s, c));
      assert.throws(() => s.text(), (err) => err instanceof AiBadgrError && misuse.test(err.message));
      assert.ok(hook.ran);
    }
  }
  assert.equal(got.length, 3);
  const o = await outcomes(log);
  assert.equal(o["misuse final"].value?.choices[0].message.content, "ab");
  await alive(c);
});

test("Error.prepareStackTrace touches a stream and the client while errors outside streams are made (a 400, a bad request)", async (t) => {
  const hook = stackHook(t);
  const log = [];
  const c = setup(null);
  const s = await c.chatStream({ messages: HI });
  hook.arm(touchAll(log, "api", s, c));
  await assert.rejects(c.chat({ messages: HI, fail: true }), (err) => err.kind === "api" && err.status === 400);
  assert.ok(hook.ran);
  hook.arm(touchAll(log, "invalid", s, c));
  await assert.rejects(c.chat({ messages: "nope" }), (err) => err.kind === "invalid_request");
  assert.ok(hook.ran);
  const o = await outcomes(log);
  for (const tag of ["api", "invalid"]) {
    assert.equal(o[`${tag} chat`]?.value?.choices[0].message.content, "ok", `${tag}: chat() from prepareStackTrace`);
    assert.equal(o[`${tag} final`]?.value?.choices[0].message.content, "ok", `${tag}: final() from prepareStackTrace`);
  }
  await alive(c);
});

/**
 * A logger whose methods (plain, and looked up through getters) call `touch(where)`, once per
 * `where` (a call made from the logger logs too).
 */
function touchyLogger(f, lines) {
  const seen = new Set();
  const touch = (where) => {
    if (!f.armed || seen.has(where)) return;
    seen.add(where);
    f(where);
  };
  const method = (name) => (line) => {
    lines.push(line);
    touch(name);
  };
  return {
    // The library looks a method up as it logs (a stream's end and failure do so at once).
    get info() {
      touch("get info");
      return method("info");
    },
    get error() {
      touch("get error");
      return method("error");
    },
    warn: method("warn"),
    debug: method("debug"),
  };
}

test("a logger calls back into the stream and the client as the stream ends", async () => {
  const log = [];
  const lines = [];
  let s;
  let c;
  const touch = (where) => {
    reenter(log, `${where} final`, () => s?.final());
    reenter(log, `${where} usage`, () => s?.usage);
    reenter(log, `${where} client.usage`, () => c.usage.total.requests);
    reenter(log, `${where} reset`, () => c.resetUsage());
  };
  c = setup(() => new Response(body([chunk("a"), chunk(undefined, "stop"), DONE]), { headers: SSE }), { client: { logger: touchyLogger(touch, lines), logLevel: "debug" } });
  s = await c.chatStream({ messages: HI });
  touch.armed = true; // from here on: the stream's end
  let text = "";
  for await (const x of s.text()) text += x;
  assert.equal(text, "a");
  await sleep(20);
  const o = await outcomes(log);
  assert.ok(o["get info final"], "the logger was looked up while the stream ended");
  assert.ok(lines.some((l) => /stream/.test(l)), "the stream's end was logged");
  await alive(c);
});

test("a logger calls back into the stream and the client as the stream fails", async () => {
  const log = [];
  const lines = [];
  let s;
  let c;
  const touch = (where) => {
    reenter(log, `${where} final`, () => s?.final());
    reenter(log, `${where} usage`, () => s?.usage);
    reenter(log, `${where} chat`, () => c.chat({ messages: HI }));
  };
  c = setup(() => new Response(body([chunk("a"), BROKEN]), { headers: SSE }), { client: { logger: touchyLogger(touch, lines), logLevel: "info" } });
  s = await c.chatStream({ messages: HI });
  touch.armed = true; // from here on: the stream's failure
  await assert.rejects(async () => {
    for await (const x of s) void x;
  }, (e) => e.kind === "stream");
  await sleep(20);
  const o = await outcomes(log);
  assert.equal(o["get error final"]?.error?.kind, "stream", "the error logger was looked up while the stream failed");
  assert.ok(lines.some((l) => /not valid JSON/.test(l)));
  await alive(c);
});

test("a getter or toJSON on the request calls into the client while the request is read and serialized", async () => {
  const log = [];
  const c = setup(null);
  const open = await c.chatStream({ messages: HI });
  const msg = {
    role: "user",
    get content() {
      reenter(log, "getter chat", () => c.chat({ messages: HI }));
      reenter(log, "getter usage", () => c.usage.total.requests);
      reenter(log, "getter final", () => open.final());
      return "Hi there";
    },
  };
  const r = await c.chat({ messages: [msg] });
  assert.equal(r.choices[0].message.content, "ok");
  const req = {
    toJSON() {
      reenter(log, "toJSON chat", () => c.chat({ messages: HI }));
      reenter(log, "toJSON stream", async () => (await c.chatStream({ messages: HI })).final());
      reenter(log, "toJSON bad call", () => c.chat({ messages: "nope" }));
      return { messages: HI };
    },
  };
  const r2 = await c.chat(req);
  assert.equal(r2.choices[0].message.content, "ok");
  const o = await outcomes(log);
  assert.equal(o["getter chat"].value?.choices[0].message.content, "ok");
  assert.equal(o["getter final"].value?.choices[0].message.content, "ok");
  assert.equal(o["toJSON stream"].value?.choices[0].message.content, "ok");
  assert.equal(o["toJSON bad call"].error?.kind, "invalid_request");
  await alive(c);
});

test("a getter a polyfill put on Object.prototype calls the client while a result's usage is counted", async (t) => {
  const log = [];
  let c;
  let s;
  let on = false;
  // A result without `usage` makes the library look it up through the prototype chain.
  Object.defineProperty(Object.prototype, "usage", {
    configurable: true,
    get() {
      if (on) {
        reenter(log, "client.usage", () => c.usage.total.requests);
        reenter(log, "reset", () => c.resetUsage());
        reenter(log, "final", () => s.final());
      }
      return undefined;
    },
  });
  t.after(() => {
    delete Object.prototype.usage;
  });
  c = setup(null, { usage: false });
  s = await c.chatStream({ messages: HI });
  on = true;
  assert.equal((await c.chat({ messages: HI })).choices[0].message.content, "ok");
  on = false;
  const o = await outcomes(log);
  assert.ok(log.length > 0, "the getter ran");
  assert.equal(o.final.value?.choices[0].message.content, "ok");
  delete Object.prototype.usage;
  await alive(c);
});

test("a `then` getter a polyfill put on Object.prototype calls back into the stream as final() is resolved", async (t) => {
  const log = [];
  let s;
  let on = false;
  // Resolving a promise with an object looks up its `then`.
  Object.defineProperty(Object.prototype, "then", {
    configurable: true,
    get() {
      if (on && this.object === "chat.completion") {
        on = false;
        reenter(log, "usage", () => s.usage);
        reenter(log, "final", () => s.final());
        reenter(log, "text", () => s.text());
      }
      return undefined;
    },
  });
  t.after(() => {
    delete Object.prototype.then;
  });
  const c = setup(null);
  s = await c.chatStream({ messages: HI });
  on = true;
  const r = await s.final();
  assert.equal(r.choices[0].message.content, "ok");
  delete Object.prototype.then;
  const o = await outcomes(log, ["usage", "final", "text"]);
  assert.equal(o.final.value?.choices[0].message.content, "ok");
  assert.match(o.text.error?.message, /final\(\) is already reading this stream/);
  await alive(c);
});

test("a custom fetch and tool functions call back into the client and the running tool stream", async () => {
  const log = [];
  let c;
  let rs;
  let fetches = 0;
  const fetch = (url, init) => {
    if (fetches++ === 1) {
      reenter(log, "fetch usage", () => c.usage.total.requests);
      reenter(log, "fetch chat", () => c.chat({ messages: HI }));
      reenter(log, "fetch final", () => rs?.final());
    }
    return globalThis.fetch(url, init);
  };
  c = serverClient(srv, { fetch, maxRetries: 0 });
  const tool = {
    type: "function",
    function: { name: "get_weather", description: "Weather for a city", parameters: { type: "object", properties: { location: { type: "string" } }, required: ["location"] } },
    run: (args) => {
      reenter(log, `tool ${args.location} usage`, () => c.usage.total.requests);
      reenter(log, `tool ${args.location} chat`, () => c.chat({ messages: HI }));
      reenter(log, `tool ${args.location} final`, () => rs.final());
      return { temp: 20 };
    },
  };
  rs = await c.runToolsStream({ messages: [{ role: "user", content: "Weather in Paris and Tokyo?" }], tools: [tool], _test: { id: uid("rt"), toolCalls: 2 } });
  const types = [];
  for await (const ev of rs) types.push(ev.type);
  assert.ok(types.includes("tool_result") && types.includes("step"));
  const done = await rs.final();
  assert.equal(done.stopReason, "stop");
  const o = await outcomes(log);
  assert.ok(Object.keys(o).some((k) => k.startsWith("tool ")), "the tools ran");
  for (const [k, e] of Object.entries(o)) if (k.endsWith(" chat")) assert.equal(e.value?.choices[0].message.content, HI_REPLY, k);
  assert.equal((await c.chat({ messages: HI })).choices[0].message.content, HI_REPLY);
});
