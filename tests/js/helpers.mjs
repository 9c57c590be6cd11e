// Shared helpers of the JS-level suite (not a test file: node --test only runs *.test.mjs here).
// The suite uses the BUILT package exactly as a user would, against the local test server.
import assert from "node:assert/strict";
import { startServer } from "../server/server.mjs";
import { AiBadgr, AiBadgrError } from "../../pkg/node.js";

export { startServer };

/** The user message most tests send, and the reply the test server gives to it. */
export const HI = [{ role: "user", content: "Hi there" }];
export const HI_REPLY = "Hello! You said: Hi there";

/** A recognizable API key: it must never show up in an error or a log. */
export const SECRET = "sk-aibadgr-SECRET-1234567890";

let seq = 0;
/** A fresh `_test.id`, so the server's per-id counters belong to one test. */
export const uid = (prefix = "t") => `${prefix}-${process.pid}-${++seq}`;

/** Starts a server and returns it with control-endpoint helpers. */
export async function server(opts = {}) {
  const srv = await startServer({ port: 0, ...opts });
  const get = async (path) => {
    const r = await fetch(srv.url + path);
    assert.equal(r.status, 200, `GET ${path}`);
    return r.json();
  };
  return {
    ...srv,
    stats: () => get("/__stats"),
    /** Per-id counters `{ attempts, clientAborts, completed }` (zeros when the id never arrived). */
    async id(id) {
      const s = await get("/__stats");
      return s.ids[id] ?? { attempts: 0, clientAborts: 0, completed: 0 };
    },
    last: (id) => get(id === undefined ? "/__last" : `/__last?id=${encodeURIComponent(id)}`),
    /** Polls until `pred(idStats)` holds (the server sees a close a moment after the client). */
    async waitId(id, pred, what = "condition", ms = 5000) {
      const end = Date.now() + ms;
      for (;;) {
        const s = await this.id(id);
        if (pred(s)) return s;
        if (Date.now() > end) assert.fail(`timed out waiting for ${what} on id ${id}: ${JSON.stringify(s)}`);
        await sleep(20);
      }
    },
  };
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A client for `srv` (the recognizable key unless `apiKey` is given). */
export function client(srv, opts = {}) {
  return new AiBadgr({ apiKey: SECRET, baseUrl: srv.url + "/v1", ...opts });
}

/**
 * Awaits `p` (a promise, or a function returning one), asserts it rejects with an
 * AiBadgrError whose listed fields equal `want` exactly (`message` may be a RegExp), and
 * returns the error.
 */
export async function rejects(p, want = {}) {
  if (typeof p === "function") p = p();
  let err;
  try {
    const v = await p;
    assert.fail(`expected a rejection ${JSON.stringify(want)}, got a value: ${String(JSON.stringify(v)).slice(0, 200)}`);
  } catch (e) {
    if (e instanceof assert.AssertionError) throw e;
    err = e;
  }
  checkError(err, want);
  return err;
}

/** Asserts `err` is an AiBadgrError with fields equal to `want` (message may be a RegExp). */
export function checkError(err, want = {}) {
  assert.ok(err instanceof AiBadgrError, `not an AiBadgrError: ${err?.stack ?? err}`);
  assert.ok(err instanceof Error);
  for (const [k, v] of Object.entries(want)) {
    if (v instanceof RegExp) assert.match(String(err[k]), v, `err.${k}`);
    else assert.deepEqual(err[k], v, `err.${k} (message: ${err.message})`);
  }
  return err;
}

/** Reads a ReadableStream (or async iterable) to an array. */
export async function collect(stream) {
  const out = [];
  for await (const x of stream) out.push(x);
  return out;
}

/** Reads a stream until it errors; returns `{ items, err }` (err undefined if it ended). */
export async function collectUntilError(stream) {
  const items = [];
  try {
    for await (const x of stream) items.push(x);
    return { items, err: undefined };
  } catch (err) {
    return { items, err };
  }
}

/** Content text of chat chunks (choice 0). */
export const chunkText = (chunks) => chunks.map((c) => c.choices?.[0]?.delta?.content ?? "").join("");

/** Decodes a ReadableStream<Uint8Array> to text. */
export async function streamText(stream) {
  const dec = new TextDecoder();
  let s = "";
  for await (const b of stream) {
    assert.ok(b instanceof Uint8Array, "toSSE() chunks are Uint8Array");
    s += dec.decode(b, { stream: true });
  }
  return s + dec.decode();
}

/** Parses SSE text into `[{ event, data }]` (the simple framing the client emits). */
export function parseSse(text) {
  const out = [];
  for (const block of text.split("\n\n")) {
    if (!block) continue;
    let event;
    const data = [];
    for (const line of block.split("\n")) {
      if (line.startsWith("event: ")) event = line.slice(7);
      else if (line.startsWith("data: ")) data.push(line.slice(6));
      else assert.fail(`unexpected SSE line: ${JSON.stringify(line)}`);
    }
    out.push({ event, data: data.join("\n") });
  }
  return out;
}

/** A port nothing listens on (bound, then closed). */
export async function closedPort() {
  const net = await import("node:net");
  const s = net.createServer();
  await new Promise((r) => s.listen(0, "127.0.0.1", r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

/** The header names plain `fetch` sends by itself on a JSON POST (host, user-agent, ...). */
export async function fetchBaselineHeaders(srv) {
  const id = uid("baseline");
  await fetch(srv.url + "/v1/chat/completions", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "basic", messages: HI, _test: { id } }),
  }).then((r) => r.arrayBuffer());
  const last = await srv.last(id);
  return Object.keys(last.headers).filter((h) => h !== "content-type").sort();
}
