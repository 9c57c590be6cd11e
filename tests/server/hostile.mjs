// A hostile AI Badgr-compatible server for tests/js/hostile.test.mjs: every big answer is
// generated as a stream (never one giant string), honours backpressure and stops as soon as
// the client goes away. The request body's `_hostile` member picks the case; without it the
// server gives a small normal answer (chat, chat stream, message, message stream).
import http from "node:http";
import { pathToFileURL } from "node:url";

const MB = 1024 * 1024;

/** The cases: what each one sends. */
export const CASES = {
  /** 300 MB of `data:` with no line end, as an event stream. */
  sse_no_line_end: "300 MB of data: with no line end",
  /** A messages stream that opens 200,000 content blocks. */
  content_blocks: "200,000 content blocks",
  /** A 50 MB chat completion, chunked (no content-length). */
  json_50mb: "a 50 MB JSON answer (chunked)",
  /** The same with a content-length header. */
  json_50mb_length: "a 50 MB JSON answer (content-length)",
  /** 20 MB of blank lines and then `{}`, with no content type. */
  whitespace_20mb: "20 MB of whitespace before {}",
  /** 100,000 nested brackets: as the JSON body, or inside one stream event. */
  nested_100k: "100,000 nested brackets",
  /** A 502 HTML page of about 1 MB that repeats the request's key. */
  html_key_page: "a 1 MB HTML error page that echoes the key",
};

function readBody(req) {
  return new Promise((resolve) => {
    const parts = [];
    req.on("data", (c) => parts.push(c));
    req.on("end", () => resolve(Buffer.concat(parts).toString("utf8")));
    req.on("error", () => resolve(""));
  });
}

/**
 * Writes `piece(i, left)` buffers until `total` units are sent (bytes, or `units(b)` of each
 * buffer), waiting for the socket to drain, and stops when the client goes away.
 */
async function pump(res, total, piece, units = (b) => b.length) {
  let sent = 0;
  let gone = false;
  res.on("close", () => { gone = true; });
  for (let i = 0; sent < total && !gone; i++) {
    const b = piece(i, total - sent);
    sent += units(b);
    if (!res.write(b)) {
      await new Promise((r) => {
        const done = () => { res.off("drain", done); res.off("close", done); r(); };
        res.on("drain", done);
        res.on("close", done);
      });
    }
  }
  return { sent, gone };
}

const filler = (n, byte) => Buffer.alloc(n, byte);

async function normal(res, route, stream) {
  if (route === "messages") {
    if (!stream) {
      return json(res, 200, { id: "msg_ok", type: "message", role: "assistant", model: "basic", content: [{ type: "text", text: "fine" }], stop_reason: "end_turn", stop_sequence: null, usage: { input_tokens: 1, output_tokens: 1 } });
    }
    res.writeHead(200, { "content-type": "text/event-stream" });
    const ev = (name, data) => `event: ${name}\ndata: ${JSON.stringify({ type: name, ...data })}\n\n`;
    res.end(
      ev("message_start", { message: { id: "msg_ok", type: "message", role: "assistant", model: "basic", content: [], usage: { input_tokens: 1 } } }) +
      ev("content_block_start", { index: 0, content_block: { type: "text", text: "" } }) +
      ev("content_block_delta", { index: 0, delta: { type: "text_delta", text: "fine" } }) +
      ev("content_block_stop", { index: 0 }) +
      ev("message_delta", { delta: { stop_reason: "end_turn" }, usage: { output_tokens: 1 } }) +
      ev("message_stop", {}),
    );
    return;
  }
  if (!stream) {
    return json(res, 200, { id: "c_ok", object: "chat.completion", created: 1, model: "basic", choices: [{ index: 0, message: { role: "assistant", content: "fine" }, finish_reason: "stop" }] });
  }
  res.writeHead(200, { "content-type": "text/event-stream" });
  const chunk = (delta, finish) => `data: ${JSON.stringify({ id: "c_ok", object: "chat.completion.chunk", created: 1, model: "basic", choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  res.end(chunk({ role: "assistant", content: "fine" }, null) + chunk({}, "stop") + "data: [DONE]\n\n");
}

function json(res, status, v) {
  const text = JSON.stringify(v);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

/** A 50 MB chat completion: the content is `x` repeated. */
async function bigJson(res, withLength) {
  const content = 50 * MB;
  const head = Buffer.from('{"id":"c_big","object":"chat.completion","created":1,"model":"basic","choices":[{"index":0,"message":{"role":"assistant","content":"');
  const tail = Buffer.from('"},"finish_reason":"stop"}]}');
  const total = head.length + content + tail.length;
  res.writeHead(200, { "content-type": "application/json", ...(withLength ? { "content-length": total } : {}) });
  const x = filler(64 * 1024, 0x78);
  res.write(head);
  const r = await pump(res, content, (_, left) => (left >= x.length ? x : x.subarray(0, left)));
  if (!r.gone) res.end(tail);
}

async function hostile(res, which, route, stream, key) {
  switch (which) {
    case "sse_no_line_end": {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write("data: ");
      const x = filler(64 * 1024, 0x78);
      const r = await pump(res, 300 * 1000 * 1000, () => x);
      if (!r.gone) res.end();
      return;
    }
    case "content_blocks": {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(`event: message_start\ndata: {"type":"message_start","message":{"id":"m","type":"message","role":"assistant","model":"basic","content":[],"usage":{"input_tokens":1}}}\n\n`);
      const n = 200_000;
      const per = 500; // events per write
      const r = await pump(res, n * 1, (i) => {
        let s = "";
        for (let k = i * per; k < (i + 1) * per && k < n; k++) {
          s += `event: content_block_start\ndata: {"type":"content_block_start","index":${k},"content_block":{"type":"text","text":"b"}}\n\n`;
        }
        return Buffer.from(s);
      }, () => per);
      if (!r.gone) res.end(`event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":1}}\n\nevent: message_stop\ndata: {"type":"message_stop"}\n\n`);
      return;
    }
    case "json_50mb":
      return bigJson(res, false);
    case "json_50mb_length":
      return bigJson(res, true);
    case "whitespace_20mb": {
      // No content type, so a stream request sniffs the body; a plain request parses it.
      res.writeHead(200, stream ? {} : { "content-type": "application/json" });
      const line = Buffer.concat([filler(1023, 0x20), Buffer.from("\n")]);
      const chunk = Buffer.concat(Array(64).fill(line));
      const r = await pump(res, 20 * MB, () => chunk);
      if (!r.gone) res.end("{}");
      return;
    }
    case "nested_100k": {
      const n = 100_000;
      if (stream) {
        res.writeHead(200, { "content-type": "text/event-stream" });
        res.write("data: ");
        res.write("[".repeat(n) + "]".repeat(n));
        res.end("\n\n");
      } else {
        res.writeHead(200, { "content-type": "application/json" });
        res.write('{"choices":[{"index":0,"message":{"role":"assistant","content":"deep"},"finish_reason":"stop"}],"deep":');
        res.write("[".repeat(n) + "]".repeat(n));
        res.end("}");
      }
      return;
    }
    case "html_key_page": {
      const unit = Buffer.from(key || "no-key");
      res.writeHead(502, { "content-type": "text/html" });
      res.write("<html><body><h1>502</h1><p>");
      const block = Buffer.concat(Array(Math.ceil(64 * 1024 / unit.length)).fill(unit));
      const r = await pump(res, 1 * MB, () => block);
      if (!r.gone) res.end("</p></body></html>");
      return;
    }
    default:
      return json(res, 400, { error: { message: `unknown _hostile case ${which}`, type: "invalid_request_error" } });
  }
}

/** Starts the server on `port` (0: any free port). Resolves to `{ url, close, stats }`. */
export function startHostile({ port = 0, host = "127.0.0.1" } = {}) {
  const sockets = new Set();
  const stats = { requests: 0, cases: {} };
  const server = http.createServer(async (req, res) => {
    res.setHeader("access-control-allow-origin", "*");
    res.setHeader("access-control-allow-headers", "*");
    if (req.method === "OPTIONS") return res.end();
    stats.requests++;
    const text = await readBody(req);
    let body = {};
    try { body = JSON.parse(text); } catch {}
    const route = req.url.includes("/messages") ? "messages" : "chat";
    const key = /^Bearer\s+(.*)$/i.exec(req.headers.authorization ?? "")?.[1] ?? "";
    const which = body._hostile;
    if (which) stats.cases[which] = (stats.cases[which] ?? 0) + 1;
    try {
      if (which) await hostile(res, which, route, body.stream === true, key);
      else await normal(res, route, body.stream === true);
    } catch {
      res.destroy();
    }
  });
  server.on("connection", (s) => { sockets.add(s); s.on("close", () => sockets.delete(s)); });
  return new Promise((resolve) => {
    server.listen(port, host, () => {
      const url = `http://${host}:${server.address().port}`;
      resolve({
        url,
        stats,
        close: () => new Promise((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); }),
      });
    });
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const port = Number(process.argv[process.argv.indexOf("--port") + 1]) || 0;
  const s = await startHostile({ port });
  console.log(`LISTENING ${s.url}`);
}
