// The few things Rust cannot define itself: a real Error subclass, ReadableStream subclasses,
// and the timer/abort primitives of the platform. No decisions are made here.
export class AiBadgrError extends Error {
  constructor(message, kind, status, code, type, param, requestId, body, cause, name) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = name || "AiBadgrError";
    this.kind = kind;
    this.status = status;
    this.code = code;
    this.type = type;
    this.param = param;
    this.requestId = requestId;
    this.body = body;
  }
}

// A ReadableStream that `for await` can iterate everywhere (Safari lacks the built-in).
class Iterable extends ReadableStream {}
if (!(Symbol.asyncIterator in ReadableStream.prototype)) {
  Iterable.prototype[Symbol.asyncIterator] = async function* () {
    const reader = this.getReader();
    let done = false;
    try {
      for (;;) {
        const r = await reader.read();
        if (r.done) { done = true; return; }
        yield r.value;
      }
    } finally {
      if (!done) await reader.cancel();
      reader.releaseLock();
    }
  };
}

// The three readers below (the streams' pull source, final()'s drainAlone and the Batches
// iterator of `for await`) run the same loop over a Rust StreamCore, claimed by name (core.claim
// returns the code the loop hands back; no mode number is written here): next(h, mode) drains
// the next batch of chunks, null when Rust needs bytes (await the platform's body reader, hand
// the read to feed), undefined at the end. Rust frames, parses and accumulates. The loop is
// written out in each (not a shared async function) so each read costs one promise, the body's.
// A batch normally leaves nothing before the next read, so the next turn reads at once; Rust
// wraps a batch in More when it has more to give first (the rest of a read after the first
// text, an error after the chunks before it, the end), and h.more makes the next turn drain.
//
// `h.core` is the Rust StreamCore while the stream is live. Once it ended (a drain gave
// undefined), over() swaps in what the end left (the final value, the usage, the error a new
// reader gets) and frees the Rust side at once: otherwise it stays in wasm memory, which never
// shrinks, until GC finds the stream, and thousands of short streams can end between two GCs.
function over(h, mode) {
  h.more = true; // whatever reads next asks the core that is left
  if (h.over) return;
  h.over = true;
  const rust = h.core;
  const why = rust.refusal();
  if (why === undefined) return; // not claimed: cannot happen once a reader drained it
  // The error is made only if someone misuses the ended stream (one error, every time).
  const Core = rust.constructor;
  let err;
  const misuse = () => (err ??= Core.misuse(why));
  const usage = rust.usage();
  const final = rust.final(false);
  Timer.quiet(final);
  rust.free();
  h.core = {
    claim() { throw misuse(); },
    drain(m) { if (m !== mode) throw misuse(); return undefined; },
    feed(done, value, m) { return this.drain(m); },
    feedBytes(bytes, m) { return this.drain(m); },
    reader() { return undefined; },
    fail(e) { return e; },
    cancel() {},
    usage() { return usage; },
    final() { return final; },
    alone() { return false; },
    startAlone() { return undefined; },
  };
}

// Hands a body read to Rust: bytes through wasm-bindgen's one copy into wasm memory; the end,
// or anything else a body yields (Rust tells it apart), as a value.
// Every read restarts the idle clock here, in JavaScript (`h.timer`, the call's Timer), not
// with a call out of wasm per read. For toSSE(), `true` means "these very bytes": the server
// framed whole events as toSSE() does, so the read is passed on, not copied out of wasm.
const feed = (h, r, mode) => {
  h.timer?.touch();
  if (!(r.value instanceof Uint8Array)) return got(h, h.core.feed(r.done, r.value, mode));
  const out = got(h, h.core.feedBytes(r.value, mode));
  return out === true ? r.value : out;
};
// The next batch before any read, when Rust said there is one (h.more); else null: read first.
const next = (h, mode) => {
  if (!h.more) return null;
  h.more = false;
  return got(h, h.core.drain(mode));
};
// A drain's or a feed's result, unwrapped from More (which sets h.more); after the end
// (undefined) every later turn drains too, and gets the end again, never a read.
const got = (h, out) => {
  if (out === undefined) h.more = true;
  else if (out instanceof More) { h.more = true; return out.v; }
  return out;
};
// See the loop's comment above; Rust makes these (glue::More).
export class More { constructor(v) { this.v = v; } }

// A chunk from a batch of chunks (a batch of one template text is that string, not an array).
// Most chunks of a stream are the one before with another
// text; for those Rust sends just the text (pump.rs chunk_item), and the chunk is a copy of
// the template's object with the text put in: what JSON.parse of the chunk gives, for a
// third of its cost. An array brings a new template (its object with "\0" for the text)
// and its first text. Anything else is a chunk as JSON.parse made it.
const chunk = (h, c) => {
  if (typeof c !== "string") {
    if (!Array.isArray(c)) return c;
    h.tpl = template(c[0]);
    c = c[1];
  }
  const t = h.tpl;
  const out = copy(t.obj, t.plan);
  let o = out;
  for (let i = 0; i < t.last; i++) o = o[t.path[i]];
  o[t.path[t.last]] = c;
  return out;
};
// A template: its object, the path to its "\0", and its copy plan: the keys (or indices)
// whose values are objects or arrays, each followed by its own plan, so a copy visits
// only what needs copying. One walk finds both.
const template = (obj) => {
  let path;
  const at = [];
  const plan = (v) => {
    const p = [];
    for (const k of Array.isArray(v) ? v.keys() : Object.keys(v)) {
      const x = v[k];
      at.push(k);
      if (x === "\0") path = at.slice();
      else if (x !== null && typeof x === "object") p.push(k, plan(x));
      at.pop();
    }
    return p;
  };
  const p = plan(obj);
  return { obj, path, last: path.length - 1, plan: p };
};
// A fresh copy of a JSON value by its plan: spread and slice make own data properties, as
// JSON.parse does (no setter a polyfill put on Object.prototype runs; Rust sends no
// __proto__ key), and each nested object or array is copied in turn.
const copy = (v, plan) => {
  const c = Array.isArray(v) ? v.slice() : { ...v };
  for (let i = 0; i < plan.length; i += 2) c[plan[i]] = copy(v[plan[i]], plan[i + 1]);
  return c;
};

const lazy = { highWaterMark: 0 };
// The next macrotask: what a consumer starts in the same tick as final() comes first. Node, Bun
// and Deno's setImmediate does not wait the 1 ms that setTimeout(0) does there.
const soon = typeof setImmediate === "function" ? setImmediate : (f) => setTimeout(f, 0);
// `mode` is a claimed code, or undefined for the stream's own reader (claimed at its first
// pull); `shape`, what a batch is: WHOLE, one value enqueued as it is (text(), toSSE());
// ITEMS, an array whose items are enqueued one by one (partial()); CHUNKS, a batch of chunks,
// each made by chunk() (the stream itself).
const WHOLE = 0;
const ITEMS = 1;
const CHUNKS = 2;
const source = (h, mode, shape) => {
  let reader;
  return {
    async pull(c) {
      mode ??= h.core.claim("reader", false);
      let out = next(h, mode);
      while (out === null) {
        let r;
        try { r = await (reader ??= h.core.reader()).read(); } catch (e) { throw h.core.fail(e); }
        out = feed(h, r, mode);
      }
      if (out === undefined) { over(h, mode); c.close(); }
      else if (shape === CHUNKS) {
        if (typeof out === "string") c.enqueue(chunk(h, out));
        else for (let i = 0; i < out.length; i++) c.enqueue(chunk(h, out[i]));
      }
      else if (shape === ITEMS) for (let i = 0; i < out.length; i++) c.enqueue(out[i]);
      else c.enqueue(out);
    },
    cancel: (r) => h.core.cancel(r),
  };
};

// final() alone: the same loop in the mode startAlone() claimed, which makes no chunks; the
// stream's end (or error) settles final()'s promise, so nothing is left to throw here.
async function drainAlone(h, mode) {
  const core = h.core;
  const reader = core.reader();
  try {
    for (let out = next(h, mode); out !== undefined; out = next(h, mode)) {
      while (out === null) {
        let r;
        try { r = await reader.read(); } catch (e) { throw core.fail(e); }
        out = feed(h, r, mode);
      }
    }
    over(h, mode);
  } catch {}
}

// `for await` over a stream, its text(), toSSE() or partial(): an iterator written out, not an
// async generator. A generator's `yield` awaits its value and settles next()'s promise a tick
// later; here next() is one async call whose only await is the body's read (an async generator
// cost 1.3 µs more per event than the read itself, this 0.5: bench/README.md, eighth pass).
// It behaves as the generator did: the stream is claimed at the first next() (`start` gives
// the mode), calls made while one is pending wait their turn, and once the loop stops early
// (return(), or an error) `end(false)` cancels the stream; at the end `end(true)` runs.
class Batches {
  constructor(h, shape, start, end) {
    this.h = h; this.shape = shape; this.start = start; this.end = end;
    this.mode = undefined; this.core = undefined; this.reader = undefined;
    this.items = null; this.at = 0; this.done = false; this.busy = false; this.queue = null;
  }
  [Symbol.asyncIterator]() { return this; }
  next() { return this.busy ? this.wait(false) : this.step(); }
  return(value) { return this.busy ? this.wait(true, value) : this.stop(value); }
  wait(stop, value) {
    return new Promise((resolve, reject) => (this.queue ??= []).push([stop, value, resolve, reject]));
  }
  // A call has settled: the next one that waited its turn starts in a microtask, so the one
  // before settles first (calls settle in order, as a generator's do) and none jumps the queue.
  settled() {
    if (this.queue === null || this.queue.length === 0) this.busy = false;
    else queueMicrotask(() => {
      const q = this.queue.shift();
      this.busy = false;
      (q[0] ? this.stop(q[1]) : this.step()).then(q[2], q[3]);
    });
  }
  async step() {
    this.busy = true;
    const h = this.h;
    try {
      if (this.done) return { done: true, value: undefined };
      if (this.core === undefined) {
        this.mode = this.start();
        this.core = h.core;
        this.reader = this.core.reader();
      }
      const mode = this.mode;
      for (;;) {
        const items = this.items;
        if (items !== null) {
          const v = items[this.at++];
          if (this.at >= items.length) this.items = null;
          return { done: false, value: this.shape === CHUNKS ? chunk(h, v) : v };
        }
        let out = next(h, mode);
        while (out === null) {
          let r;
          try { r = await this.reader.read(); } catch (e) { throw this.core.fail(e); }
          out = feed(h, r, mode);
        }
        if (out === undefined) {
          this.done = true;
          this.end(true, this.core);
          return { done: true, value: undefined };
        }
        if (this.shape === WHOLE) return { done: false, value: out };
        if (this.shape === CHUNKS && typeof out === "string") return { done: false, value: chunk(h, out) };
        if (out.length > 0) { this.items = out; this.at = 0; }
      }
    } catch (e) {
      // (A claim that failed took nothing: there is nothing to cancel.)
      if (!this.done) { this.done = true; if (this.core !== undefined) await this.end(false, this.core); }
      throw e;
    } finally {
      this.settled();
    }
  }
  async stop(value) {
    this.busy = true;
    try {
      if (!this.done) {
        this.done = true;
        this.items = null;
        if (this.core !== undefined) await this.end(false, this.core);
      }
      return { done: true, value };
    } finally {
      this.settled();
    }
  }
}

// What text(), toSSE() and partial() return: a ReadableStream whose `for await` reads batches
// directly, as the response stream's does, holding the stream's lock meanwhile (as the built-in
// iterator does), and cancelling it when the loop stops early.
class Sub extends Iterable {
  #h;
  #mode;
  #shape;
  constructor(h, mode, shape) { super(source(h, mode, shape), lazy); this.#h = h; this.#mode = mode; this.#shape = shape; }
  [Symbol.asyncIterator]() {
    const h = this.#h;
    const mode = this.#mode;
    let lock;
    return new Batches(h, this.#shape, () => { lock = this.getReader(); return mode; }, (finished) => {
      if (!finished) return lock.cancel().finally(() => lock.releaseLock());
      over(h, mode);
      lock.releaseLock();
    });
  }
}

// A streamed response: a real ReadableStream of parsed events, plus text(), toSSE(), final().
class ResponseStream extends Iterable {
  #h;
  constructor(core, timer) { const h = { core, timer, more: true, tpl: undefined }; super(source(h, undefined, CHUNKS), lazy); this.#h = h; }
  text() { return this.#sub("text"); }
  // Progressively more complete parsed values of the answer (structured output as it streams).
  partial() { return this.#sub("partial"); }
  toSSE() { return this.#sub("sse"); }
  final() {
    const h = this.#h;
    const p = h.core.final(this.locked);
    if (h.core.alone()) soon(() => { const m = h.core.startAlone(); if (m !== undefined) drainAlone(h, m); });
    return p;
  }
  // The answer's token usage once the stream ended (undefined before).
  get usage() { return this.#h.core.usage(); }
  #sub(name) { const m = this.#h.core.claim(name, this.locked); return new Sub(this.#h, m, name === "partial" ? ITEMS : WHOLE); }
  // `for await` reads batches directly (one promise per event, not several through the
  // stream's queue); getReader(), pipeTo() and new Response(stream) use the stream itself.
  [Symbol.asyncIterator]() {
    const h = this.#h;
    let mode;
    return new Batches(h, CHUNKS, () => (mode = h.core.claim("iter", this.locked)), (finished, core) => {
      if (finished) over(h, mode);
      else core.cancel();
    });
  }
}
export class ChatStream extends ResponseStream {}
export class MessageStream extends ResponseStream {}

// What runToolsStream() resolves to: the loop's events, pushed by Rust; final() is its result.
class ToolRunStream extends Iterable {
  #final;
  constructor(source, final) { super(source); this.#final = final; }
  final() { return this.#final; }
}

// The Rust tool loop's end of a ToolRunStream: push() events; ready() waits (only while
// someone reads the stream) until the reader wants more; cancel() aborts the loop.
export class Channel {
  constructor(ctrl, final) {
    this.wake = undefined;
    this.stream = new ToolRunStream({
      start: (c) => { this.c = c; },
      pull: () => this.#wake(),
      cancel: (r) => { this.cancelled = true; ctrl.abort(r); this.#wake(); },
    }, final);
  }
  #wake() { const w = this.wake; this.wake = undefined; if (w) w(); }
  push(v) { try { this.c.enqueue(v); } catch {} }
  ready() {
    if (this.cancelled || !this.stream.locked || this.c.desiredSize > 0) return undefined;
    return new Promise((r) => { this.wake = r; });
  }
  close() { try { this.c.close(); } catch {} }
  error(e) { try { this.c.error(e); } catch {} }
}

// Objects built in one call where Rust would set each property (each set crosses the boundary
// twice), and values built only when first read.
export class Shape {
  // fetch()'s init: a POST of `body`, or a GET when `body` is undefined.
  static init(headers, body, signal) {
    return body === undefined ? { method: "GET", headers, signal } : { method: "POST", headers, body, signal };
  }
  // A body's bytes to its end, as one Uint8Array (the only chunk as it is); stops (cancelling
  // the rest) once they are more than `limit` bytes, or gives null at a chunk that is not bytes.
  // Rust decides what that means, and copies the bytes out once.
  static async read(reader, limit) {
    const chunks = [];
    let total = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!(value instanceof Uint8Array)) { Timer.quiet(reader.cancel()); return null; }
      chunks.push(value);
      total += value.length;
      if (total > limit) { Timer.quiet(reader.cancel()); break; }
    }
    if (chunks.length === 1) return chunks[0];
    const out = new Uint8Array(total);
    let at = 0;
    for (const c of chunks) { out.set(c, at); at += c.length; }
    return out;
  }
  // Header names and values joined by "\0" (neither may hold one) as an object.
  static headers(pairs) {
    const h = {};
    const p = pairs.split("\0");
    for (let i = 0; i + 1 < p.length; i += 2) h[p[i]] = p[i + 1];
    return h;
  }
  // `target.response` (non-enumerable, writable) as a getter: the metadata costs more to build
  // than most callers ever need (reading headers), so it is built from its parts when first read.
  static response(target, headers, status, attempts, model, elapsedMs, build) {
    let value;
    let built = false;
    Object.defineProperty(target, "response", {
      get() {
        if (!built) { value = build([headers, status, attempts, model, elapsedMs]); built = true; }
        return value;
      },
      set(v) { value = v; built = true; },
      configurable: true,
    });
  }
}

export const TIERS = Object.freeze(["basic", "normal", "premium"]);

function unref(t) { if (t && typeof t.unref === "function") t.unref(); return t; }

// One timer per call: aborts `ctrl` with `reason` once `ms` pass and, after idle(), with
// `idleReason` once `idleMs` pass without touch(). One setTimeout at a time. touch() runs at
// every body read, so it only sets a flag (a Date.now() per read was 3-4 % of a stream's
// time, bench/README.md, eighth pass): the timer fires every sixteenth of the idle timeout
// (`first`, given from the start, so that idle() changes nothing armed), takes a flag it finds
// as activity at that moment, and aborts once that moment is `idleMs` ago. A recorded moment is
// at most one tick after the real read, never before it, so the idle abort comes no sooner
// than `idleMs` after the last read and at most two ticks (1/8 of it) later; the whole-call
// deadline stays exact. The abort reasons are call.rs's TIMEOUT and IDLE (kept here so that
// no string crosses per call).
export class Timer {
  constructor(ms, ctrl, first) {
    const now = Date.now();
    this.ctrl = ctrl; this.reason = "aibadgr:timeout"; this.end = now + ms;
    this.idleMs = Infinity; this.idleReason = "aibadgr:idle"; this.last = 0; this.seen = false;
    this.tick = first / 16;
    this.arm(Math.min(ms, this.tick));
  }
  arm(ms) {
    this.t = unref(setTimeout(() => {
      const now = Date.now();
      if (this.seen) { this.seen = false; this.last = now; }
      if (now >= this.end) this.ctrl.abort(this.reason);
      else if (now >= this.last + this.idleMs) this.ctrl.abort(this.idleReason);
      else this.arm(Math.min(this.end - now, this.tick));
    }, ms));
  }
  idle(ms) { this.idleMs = ms; this.last = Date.now(); }
  touch() { this.seen = true; }
  stop() { clearTimeout(this.t); }

  // Aborts `ctrl` when `signal` aborts; returns the function that removes the listener.
  static link(signal, ctrl) {
    const on = () => ctrl.abort(signal.reason);
    signal.addEventListener("abort", on, { once: true });
    return () => signal.removeEventListener("abort", on);
  }

  // Resolves after `ms`, or rejects with the signal's reason as soon as it aborts.
  static sleep(ms, signal) {
    return new Promise((resolve, reject) => {
      const abort = () => { clearTimeout(t); reject(signal.reason); };
      const t = setTimeout(() => { signal.removeEventListener("abort", abort); resolve(); }, ms);
      signal.addEventListener("abort", abort, { once: true });
    });
  }

  // Reads what is left of a body after its end marker ([DONE], message_stop), usually just the
  // end of the response, so the runtime can reuse the connection; cancels it instead if more
  // data keeps coming or it does not end within `ms`.
  static drain(reader, ms) {
    const stop = () => Timer.quiet(reader.cancel());
    const t = unref(setTimeout(stop, ms));
    (async () => {
      try {
        for (let n = 0; n < 64; n++) if ((await reader.read()).done) return;
        stop();
      } catch {} finally { clearTimeout(t); }
    })();
  }

  // Marks a fire-and-forget promise as handled (Node ends the process on unhandled rejections).
  static quiet(p) { if (p && typeof p.then === "function") p.then(undefined, () => {}); }
}

