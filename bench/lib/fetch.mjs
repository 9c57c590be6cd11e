// In-memory `fetch` functions: each call answers at once with a fresh Response whose body is a
// pull-driven ReadableStream over prepared bytes, so a figure measures the client, not a network.

/** Joins byte arrays into one. */
export function concat(parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

/** A body that hands out one prepared chunk per read (one pull enqueues one chunk). */
export function chunkStream(chunks) {
  let i = 0;
  return new ReadableStream({
    pull(c) {
      if (i < chunks.length) c.enqueue(chunks[i++]);
      else c.close();
    },
  }, { highWaterMark: 0 });
}

/**
 * A plain pull-source body, as an app or a test double writes it: one prepared chunk per pull
 * and the default queuing strategy (high-water mark 1, so the stream pulls one ahead).
 */
export function plainStream(chunks) {
  let i = 0;
  return new ReadableStream({
    pull(c) {
      if (i < chunks.length) c.enqueue(chunks[i++]);
      else c.close();
    },
  });
}

/** A body that hands out `bytes` in reads of `size` bytes (views, created on demand). */
export function slicedStream(bytes, size) {
  let at = 0;
  return new ReadableStream({
    pull(c) {
      if (at < bytes.length) { c.enqueue(bytes.subarray(at, at + size)); at += size; }
      else c.close();
    },
  }, { highWaterMark: 0 });
}

/** A body of `first`, then `count` events cycling through `content`, then `tail` (nothing stored). */
export function cyclingStream({ first, content, tail }, count) {
  let i = -1;
  let t = 0;
  return new ReadableStream({
    pull(c) {
      if (i < 0) { c.enqueue(first); i = 0; }
      else if (i < count) c.enqueue(content[i++ % content.length]);
      else if (t < tail.length) c.enqueue(tail[t++]);
      else c.close();
    },
  }, { highWaterMark: 0 });
}

const SSE = "text/event-stream; charset=utf-8";
const JSON_TYPE = "application/json";

/** A 200 Response around a body stream (or bytes). */
export function respond(body, contentType) {
  return new Response(body, { status: 200, headers: { "content-type": contentType, "x-request-id": "req_bench" } });
}

/** The path of a fetch input (string, URL or Request). */
export function pathOf(input) {
  const u = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
  const q = u.indexOf("?");
  return q < 0 ? u : u.slice(0, q);
}

/**
 * A fetch that answers every request with `events` as SSE: `mode` "event" (one event per
 * read, `events` as prepared), "plain" (one event per pull of a plain pull-source stream,
 * see plainStream) or a number (reads of that many bytes of the whole body).
 */
export function sseFetch(events, mode) {
  const whole = typeof mode === "number" ? concat(events) : null;
  return async (input, init) => {
    if (init?.signal?.aborted) throw init.signal.reason;
    return respond(whole ? slicedStream(whole, mode) : mode === "plain" ? plainStream(events) : chunkStream(events), SSE);
  };
}

/** Whether a request body (string) asked for a stream. Cheap, and good enough for our own bodies. */
export function wantsStream(init) {
  const b = init?.body;
  return typeof b === "string" && /"stream"\s*:\s*true/.test(b);
}

/**
 * A fetch for mixed traffic: chat (JSON or SSE), embeddings (float or base64 by the request's
 * encoding_format) and messages (JSON or SSE), from prepared bytes.
 */
export function routerFetch({ chatJson, chatSse, embedFloat, embedBase64, messagesJson, messagesSse }) {
  return async (input, init) => {
    if (init?.signal?.aborted) throw init.signal.reason;
    const path = pathOf(input);
    if (path.endsWith("/chat/completions")) {
      return wantsStream(init) ? respond(chunkStream(chatSse), SSE) : respond(chatJson, JSON_TYPE);
    }
    if (path.endsWith("/messages")) {
      return wantsStream(init) ? respond(chunkStream(messagesSse), SSE) : respond(messagesJson, JSON_TYPE);
    }
    if (path.endsWith("/embeddings")) {
      const b64 = typeof init?.body === "string" && /"encoding_format"\s*:\s*"base64"/.test(init.body);
      return respond(b64 ? embedBase64 : embedFloat, JSON_TYPE);
    }
    return new Response('{"error":{"message":"not found"}}', { status: 404, headers: { "content-type": JSON_TYPE } });
  };
}
