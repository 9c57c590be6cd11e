// Writes a route's result to the socket: JSON bodies and SSE streams, with the body-level faults
// (reset_mid_stream, no_done, malformed_chunk, slow_drip, big_event writes, error_event, hang_body,
// keepalive, split_utf8) and pacing between chunks.
import { sleep } from "./util.mjs";

const WRITE_SLICE = 256 * 1024;

/** Sends a complete JSON response. */
export function sendJson(res, status, obj, headers = {}) {
  const text = JSON.stringify(obj);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Writes one chunk; resolves false when the connection is gone. Waits for 'drain' when needed. */
function write(res, chunk) {
  if (res.destroyed || res.writableEnded) return Promise.resolve(false);
  if (res.write(chunk)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve(!res.destroyed);
    };
    res.once("drain", done);
    res.once("close", done);
  });
}

/** Writes a (possibly huge) text in several socket writes. */
async function writeSliced(res, text) {
  const buf = Buffer.from(text);
  for (let i = 0; i < buf.length; i += WRITE_SLICE) {
    if (!(await write(res, buf.subarray(i, i + WRITE_SLICE)))) return false;
  }
  return true;
}

/** Splits bytes right after every multibyte lead byte and between every "\r\n". */
function awkwardPieces(buf) {
  const out = [];
  let start = 0;
  for (let i = 1; i < buf.length; i++) {
    const midChar = (buf[i] & 0xc0) === 0x80 && (buf[i - 1] & 0xc0) === 0xc0;
    const midCrlf = buf[i] === 0x0a && buf[i - 1] === 0x0d;
    if (midChar || midCrlf) {
      out.push(buf.subarray(start, i));
      start = i;
    }
  }
  out.push(buf.subarray(start));
  return out;
}

/** Writes `buf` as many small writes split at awkward places, pausing so they travel separately. */
async function writeAwkwardly(res, buf, gapMs) {
  for (const piece of awkwardPieces(buf)) {
    if (!(await write(res, piece))) return false;
    await sleep(gapMs, res);
  }
  return true;
}

/** Waits until the written data has left, then closes the socket from the server side. */
async function resetAfterFlush(res, ctx) {
  await sleep(30, res);
  ctx.destroy(false);
}

const MALFORMED = {
  openai: { data: '{"id": "x", "choices": [' },
  anthropic: { event: "content_block_delta", data: '{"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "' },
};
const ERROR_FRAME = {
  openai: { data: JSON.stringify({ error: { message: "The server had an error while processing your request.", type: "server_error", code: null, param: null } }) },
  anthropic: { event: "error", data: JSON.stringify({ type: "error", error: { type: "overloaded_error", message: "Overloaded" } }) },
};

function firstErrorFrame(protocol, type) {
  const message = { overloaded_error: "Overloaded", rate_limit_error: "Rate limit reached", invalid_request_error: "Invalid request" }[type] ?? "Upstream error";
  return protocol === "anthropic"
    ? { event: "error", data: JSON.stringify({ type: "error", error: { type, message } }) }
    : { data: JSON.stringify({ error: { message, type, code: null, param: null } }) };
}

function frameText(f, eol) {
  return (f.event ? `event: ${f.event}${eol}` : "") + `data: ${f.data}${eol}${eol}`;
}

/** Applies the fault's edits to the frame list (cut, insert a broken frame, append an error). */
function editFrames(frames, fault, protocol) {
  const content = frames.flatMap((f, i) => (f.content ? [i] : []));
  const lastContent = content.length ? content[content.length - 1] : frames.length - 1;
  switch (fault.name) {
    case "no_done":
      return frames.slice(0, lastContent + 1);
    case "malformed_chunk": {
      const at = content.length ? content[Math.floor(content.length / 2)] : Math.floor(frames.length / 2);
      return [...frames.slice(0, at), MALFORMED[protocol], ...frames.slice(at)];
    }
    case "error_event": {
      const cut = content.length >= 2 ? content[1] : lastContent;
      return [...frames.slice(0, cut + 1), ERROR_FRAME[protocol]];
    }
    case "error_first":
      // 200 with an event stream whose first event is an error (an overloaded or rate-limited
      // upstream); fault.type picks the error type (default overloaded_error).
      return [firstErrorFrame(protocol, fault.type ?? "overloaded_error")];
    default:
      return frames;
  }
}

/** Streams SSE frames with the fault applied. */
async function deliverSse(res, result, fault, { paceMs, ctx }) {
  const name = fault.name;
  const eol = name === "keepalive" || name === "split_utf8" ? "\r\n" : "\n";
  res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", connection: "keep-alive", ...result.headers });
  res.flushHeaders();
  const texts = editFrames(result.frames, fault, result.protocol).map((f) => frameText(f, eol));

  if (name === "split_utf8") {
    if (await writeAwkwardly(res, Buffer.from(texts.join("")), Math.max(paceMs, 2))) res.end();
    return;
  }
  const resetAfter = name === "reset_mid_stream" ? Math.max(0, Number(fault.after ?? 3)) : -1;
  if (resetAfter === 0) return resetAfterFlush(res, ctx);
  for (let i = 0; i < texts.length; i++) {
    if (i > 0) {
      await sleep(name === "slow_drip" ? Number(fault.gapMs ?? 2000) : paceMs, res);
      if (name === "keepalive" && !(await write(res, `: ping${eol}${eol}`))) return;
    }
    if (!(await writeSliced(res, texts[i]))) return;
    if (name === "hang_body") return; // one chunk, then silence until the client leaves
    if (i + 1 === resetAfter) return resetAfterFlush(res, ctx);
  }
  if (resetAfter > 0) return resetAfterFlush(res, ctx);
  res.end();
}

/** Sends a 200 JSON body with the fault applied (non-streaming requests). */
async function deliverJsonBody(res, result, fault, { paceMs, ctx }) {
  const buf = Buffer.from(JSON.stringify(result.body));
  const headers = { "content-type": "application/json", ...result.headers };
  switch (fault.name) {
    case "reset_mid_stream":
    case "hang_body": {
      res.writeHead(200, { ...headers, "content-length": buf.length });
      await write(res, buf.subarray(0, Math.min(Math.floor(buf.length / 2), Number(fault.after ?? 64))));
      if (fault.name === "reset_mid_stream") await resetAfterFlush(res, ctx);
      return; // hang_body: never finish
    }
    case "slow_drip": {
      res.writeHead(200, headers);
      const third = Math.ceil(buf.length / 3);
      for (let i = 0; i < buf.length; i += third) {
        if (i > 0) await sleep(Number(fault.gapMs ?? 2000), res);
        if (!(await write(res, buf.subarray(i, i + third)))) return;
      }
      res.end();
      return;
    }
    case "split_utf8":
      res.writeHead(200, headers);
      if (await writeAwkwardly(res, buf, Math.max(paceMs, 2))) res.end();
      return;
    case "malformed_chunk": {
      const bad = '{"id": "x", "choices": [';
      res.writeHead(200, { ...headers, "content-length": bad.length });
      res.end(bad);
      return;
    }
    case "error_event":
      sendJson(res, 500, result.protocol === "anthropic"
        ? { type: "error", error: { type: "api_error", message: "Internal server error" } }
        : JSON.parse(ERROR_FRAME.openai.data));
      return;
    default:
      res.writeHead(200, { ...headers, "content-length": buf.length });
      if (await writeSliced(res, buf)) res.end();
  }
}

/**
 * Delivers a route result: `{ type: "json", status, body, headers?, protocol }` or
 * `{ type: "sse", frames: [{ event?, data, content? }], protocol }`. Body faults apply to
 * successful results only; errors are sent plainly.
 */
export async function deliver(res, result, fault, opts) {
  if (result.type === "sse") return deliverSse(res, result, fault, opts);
  if (result.status !== 200) return sendJson(res, result.status, result.body, result.headers);
  return deliverJsonBody(res, result, fault, opts);
}
