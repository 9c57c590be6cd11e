// The raw baseline: plain fetch + TextDecoder + line splitting + JSON.parse. What a careful
// developer writes without any SDK, and the practical floor the SDKs are measured against.
// It handles what OpenAI and Anthropic actually send (one `data:` line per event, "\n" or "\r\n"
// line ends, lines split across reads, UTF-8 split across reads) and no more. Each read's text is
// scanned once, so a huge line arriving in tiny reads costs linear time.

/** The request headers of each API (also the floor crate's calls, bench/floor/floor.mjs). */
export const chatHeaders = (apiKey) => ({ "content-type": "application/json", authorization: `Bearer ${apiKey}` });
export const messageHeaders = (apiKey) => ({ "content-type": "application/json", "x-api-key": apiKey, "anthropic-version": "2023-06-01" });

/** POSTs JSON (with `signal` when given); returns the Response, or throws on a non-2xx status. */
export async function post(fetchFn, url, apiKey, body, signal) {
  const init = {
    method: "POST",
    headers: chatHeaders(apiKey),
    body: JSON.stringify(body),
  };
  if (signal) init.signal = signal;
  const res = await fetchFn(url, init);
  if (!res.ok) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
  return res;
}

/**
 * Yields the parsed JSON of every `data:` line of an SSE response (skipping `[DONE]`). `from`
 * (the floor crate's calls, bench/floor): `{ reader, first, end }`, the body's reader with its
 * first read already made, and a function called once the events end.
 */
export async function* events(res, from) {
  const reader = from ? from.reader : res.body.getReader();
  let first = from?.first;
  const decoder = new TextDecoder();
  let carry = ""; // the start of a line that has not ended yet
  let eof = false;
  try {
    for (;;) {
      const { done, value } = first ?? (await reader.read());
      first = undefined;
      if (done) { eof = true; return; }
      const text = decoder.decode(value, { stream: true });
      let start = 0;
      let nl;
      while ((nl = text.indexOf("\n", start)) !== -1) {
        let line = text.slice(start, nl);
        start = nl + 1;
        if (carry) { line = carry + line; carry = ""; }
        if (!line.startsWith("data:")) continue; // blank line, event:, id:, comment
        let data = line.slice(line.charCodeAt(5) === 32 ? 6 : 5);
        if (data.endsWith("\r")) data = data.slice(0, -1);
        if (data === "[DONE]") continue; // the body ends right after it: read on to the end
        yield JSON.parse(data);
      }
      if (start < text.length) carry += text.slice(start);
    }
  } finally {
    if (!eof) reader.cancel().catch(() => {}); // the consumer stopped early
    from?.end();
  }
}

/**
 * A ReadableStream whose `for await` takes the items straight from its source's iterator
 * (figure 3's raw+stream and the floor crate's calls): a stream made per call, as aibadgr's.
 * `done` is called when the stream ends or is cancelled.
 */
export class Handed extends ReadableStream {
  #it;
  constructor(it, done) {
    super({
      async pull(c) { const r = await it.next(); if (r.done) { done(); c.close(); } else c.enqueue(r.value); },
      cancel() { done(); return it.return?.(); },
    }, { highWaterMark: 0 });
    this.#it = it;
  }
  [Symbol.asyncIterator]() { return this.#it; }
}

/** Chat completion (JSON). */
export async function chat(fetchFn, baseUrl, apiKey, body) {
  return (await post(fetchFn, `${baseUrl}/chat/completions`, apiKey, body)).json();
}

/** Streamed chat: an async iterable of chat.completion.chunk objects. */
export async function chatStream(fetchFn, baseUrl, apiKey, body, signal) {
  const res = await post(fetchFn, `${baseUrl}/chat/completions`, apiKey, { ...body, stream: true }, signal);
  return events(res);
}

/** Embeddings as float JSON: the vector of the first input, a plain number[]. */
export async function embed(fetchFn, baseUrl, apiKey, body) {
  const res = await post(fetchFn, `${baseUrl}/embeddings`, apiKey, body);
  return (await res.json()).data[0].embedding;
}

/** Streamed Anthropic messages: an async iterable of message events. */
export async function messagesStream(fetchFn, baseUrl, apiKey, body, signal) {
  const init = {
    method: "POST",
    headers: messageHeaders(apiKey),
    body: JSON.stringify({ ...body, stream: true }),
  };
  if (signal) init.signal = signal;
  const res = await fetchFn(`${baseUrl}/messages`, init);
  if (!res.ok) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
  return events(res);
}
