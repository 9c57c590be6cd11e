// Local AI Badgr test server: OpenAI and Anthropic wire formats, CORS, fault injection, stats.
// Zero dependencies. Usage: node tests/server/server.mjs [--port N] [--pace MS] [--static DIR]
// (also --upstream URL, with the key from AIBADGR_API_KEY). Prints "LISTENING <url>" once ready.
import http from "node:http";
import { randomBytes } from "node:crypto";
import { pathToFileURL } from "node:url";
import { chatCompletions, embeddings, models } from "./openai.mjs";
import { messages } from "./anthropic.mjs";
import { pickFault, applyEarlyFault, openaiError, anthropicError, OPENAI_BAD_KEY, OPENAI_NO_KEY } from "./faults.mjs";
import { deliver, sendJson } from "./deliver.mjs";
import { serveStatic } from "./static.mjs";
import { forward } from "./upstream.mjs";

const ROUTES = {
  "/chat/completions": { name: "chat", method: "POST", protocol: "openai", run: chatCompletions },
  "/embeddings": { name: "embeddings", method: "POST", protocol: "openai", run: embeddings },
  "/messages": { name: "messages", method: "POST", protocol: "anthropic", run: messages },
  "/models": { name: "models", method: "GET", protocol: "openai", run: models },
};
/** OpenAI-style rate-limit headers, sent on every OpenAI-protocol answer (as OpenAI does). */
export const RATE_LIMIT_HEADERS = {
  "x-ratelimit-limit-requests": "60",
  "x-ratelimit-remaining-requests": "59",
  "x-ratelimit-reset-requests": "1s",
  "x-ratelimit-limit-tokens": "150000",
  "x-ratelimit-remaining-tokens": "149984",
  "x-ratelimit-reset-tokens": "6m0s",
};
/**
 * Anthropic-style rate-limit headers, sent on the messages route (as Anthropic does): the
 * names put the budget first, and the resets are RFC 3339 times (here a minute from `now`,
 * whole seconds).
 */
export function anthropicRateLimitHeaders(now = Date.now()) {
  const reset = new Date(Math.ceil((now + 60_000) / 1000) * 1000).toISOString().replace(".000Z", "Z");
  return {
    "anthropic-ratelimit-requests-limit": "50",
    "anthropic-ratelimit-requests-remaining": "49",
    "anthropic-ratelimit-requests-reset": reset,
    "anthropic-ratelimit-tokens-limit": "40000",
    "anthropic-ratelimit-tokens-remaining": "39000",
    "anthropic-ratelimit-tokens-reset": reset,
  };
}
export const EXPOSED_HEADERS = ["x-request-id", "retry-after", "retry-after-ms", "x-should-retry", ...Object.keys(RATE_LIMIT_HEADERS), ...Object.keys(anthropicRateLimitHeaders())];
const EXPOSE = EXPOSED_HEADERS.join(", ");
const MAX_BODY = 64 * 1024 * 1024;

/** Strips an optional `/v1` or `/api/v1` prefix. */
function routePath(pathname) {
  for (const prefix of ["/api/v1", "/v1"]) {
    if (pathname === prefix) return "/";
    if (pathname.startsWith(`${prefix}/`)) return pathname.slice(prefix.length);
  }
  return pathname;
}

/** Reads the whole request body; resolves null when the client went away first. */
function readBody(req) {
  return new Promise((resolve) => {
    const parts = [];
    let size = 0;
    req.on("data", (c) => {
      size += c.length;
      if (size <= MAX_BODY) parts.push(c);
    });
    req.on("end", () => resolve(size > MAX_BODY ? undefined : Buffer.concat(parts).toString("utf8")));
    req.on("error", () => resolve(null));
    req.on("close", () => resolve(null)); // no-op when 'end' came first
  });
}

/** The API key the request carries ("" when absent): Bearer, or x-api-key for /messages. */
function apiKey(req, route) {
  const m = /^Bearer\s+(\S.*)$/i.exec(req.headers.authorization ?? "");
  if (m) return m[1].trim();
  if (route.name === "messages" && req.headers["x-api-key"]) return String(req.headers["x-api-key"]).trim();
  return "";
}

function newState() {
  return { requests: 0, preflights: 0, open: 0, clientAborts: 0, ids: new Map(), last: null, lastById: new Map() };
}

/**
 * Starts the server. Resolves to `{ url, port, close }`; `close()` destroys open sockets.
 * `paceMs` is the default delay between streamed chunks; `staticDir` serves files for other GET
 * paths; `upstream: { baseUrl, apiKey }` forwards API routes to a real server instead;
 * `intercept(req, res, url)` runs first on every request (after the common headers are set) and
 * may answer it itself (returning true) or adjust it (returning false): the demo server uses it.
 */
export async function startServer({ port = 0, host = "127.0.0.1", paceMs = 0, staticDir, upstream, intercept } = {}) {
  let state = newState();
  let closing = false;
  let counter = 0;
  const sockets = new Set();

  const idStats = (st, id) => {
    if (!st.ids.has(id)) st.ids.set(id, { attempts: 0, clientAborts: 0, completed: 0 });
    return st.ids.get(id);
  };

  function control(req, res, path, url) {
    req.resume();
    const want = { "/__stats": "GET", "/__last": "GET", "/__reset": "POST" }[path];
    if (!want) return sendJson(res, 404, openaiError(`Invalid URL (${req.method} ${url.pathname})`));
    if (req.method !== want) return methodNotAllowed(res, want, "openai");
    if (path === "/__stats") {
      const { requests, preflights, open, clientAborts } = state;
      return sendJson(res, 200, { requests, preflights, open, clientAborts, ids: Object.fromEntries(state.ids) });
    }
    if (path === "/__last") {
      const id = url.searchParams.get("id");
      return sendJson(res, 200, (id === null ? state.last : state.lastById.get(id)) ?? null);
    }
    state = newState();
    return sendJson(res, 200, { ok: true });
  }

  function methodNotAllowed(res, allow, protocol) {
    const msg = `Method Not Allowed. This endpoint accepts ${allow} only.`;
    sendJson(res, 405, protocol === "anthropic" ? anthropicError("invalid_request_error", msg) : openaiError(msg), { allow: `${allow}, OPTIONS` });
  }

  async function api(req, res, url, path) {
    const st = state; // a /__reset during this request must not mix old and new counters
    const ctx = {
      ids: null,
      serverClosed: false,
      /** Closes the socket from the server side (reset=true: TCP RST where available). */
      destroy(reset) {
        ctx.serverClosed = true;
        const s = res.socket ?? req.socket;
        if (reset && typeof s?.resetAndDestroy === "function") s.resetAndDestroy();
        else s?.destroy();
      },
    };
    st.requests++;
    st.open++;
    res.on("close", () => {
      st.open--;
      if (res.writableFinished) {
        if (ctx.ids) ctx.ids.completed++;
      } else if (!ctx.serverClosed && !closing) {
        st.clientAborts++;
        if (ctx.ids) ctx.ids.clientAborts++;
      }
    });

    const route = ROUTES[path];
    const raw = await readBody(req);
    if (raw === null) return; // client left while sending
    let body;
    try {
      body = raw === "" ? undefined : JSON.parse(raw);
    } catch {
      body = undefined;
    }
    let test = {};
    if (body && typeof body === "object" && !Array.isArray(body) && "_test" in body) {
      const { _test, ...rest } = body;
      if (_test && typeof _test === "object" && !Array.isArray(_test)) test = _test;
      body = rest;
    }
    const record = { method: req.method, path: url.pathname, url: req.url, headers: { ...req.headers }, body: body !== undefined ? body : raw || null };
    st.last = record;
    let attempt = 0;
    if (typeof test.id === "string") {
      ctx.ids = idStats(st, test.id);
      attempt = ctx.ids.attempts++;
      st.lastById.set(test.id, record);
    }

    if (raw === undefined) return sendJson(res, 413, openaiError("The request body is too large.", "invalid_request_error", null, "request_too_large"));
    if (!route) return sendJson(res, 404, openaiError(`Invalid URL (${req.method} ${url.pathname})`));
    if (req.method !== route.method) return methodNotAllowed(res, route.method, route.protocol);
    if (route.protocol === "anthropic") {
      res.setHeader("request-id", res.getHeader("x-request-id"));
      if (!upstream) for (const [k, v] of Object.entries(anthropicRateLimitHeaders())) res.setHeader(k, v);
    } else if (!upstream) for (const [k, v] of Object.entries(RATE_LIMIT_HEADERS)) res.setHeader(k, v);

    if (upstream) return forward(req, res, upstream, path, url.search, raw, body, ctx);

    let fault;
    try {
      fault = pickFault(test, attempt);
    } catch (e) {
      return sendJson(res, 400, openaiError(e.message, "invalid_request_error", "_test", null));
    }
    const model = body && typeof body.model === "string" ? body.model : undefined;
    if (applyEarlyFault(res, fault, { protocol: route.protocol, model, ctx })) return;

    const key = apiKey(req, route);
    if (!key || key.startsWith("bad")) {
      if (route.protocol === "anthropic") {
        return sendJson(res, 401, anthropicError("authentication_error", key ? "invalid x-api-key" : "x-api-key header is required"));
      }
      return sendJson(res, 401, key ? OPENAI_BAD_KEY : OPENAI_NO_KEY);
    }
    const result = route.run(body, test, fault);
    const pace = typeof test.paceMs === "number" && test.paceMs >= 0 ? test.paceMs : paceMs;
    await deliver(res, result, fault, { paceMs: pace, ctx });
  }

  async function handle(req, res) {
    const url = new URL(req.url, "http://localhost");
    const path = routePath(url.pathname);
    res.setHeader("access-control-allow-origin", "*");
    res.setHeader("access-control-expose-headers", EXPOSE);
    res.setHeader("x-request-id", `req_${(++counter).toString(16).padStart(6, "0")}${randomBytes(13).toString("hex")}`);
    if (intercept && (await intercept(req, res, url))) return;
    if (req.method === "OPTIONS") {
      state.preflights++;
      req.resume();
      res.writeHead(204, {
        "access-control-allow-methods": "GET, POST, OPTIONS",
        "access-control-allow-headers": req.headers["access-control-request-headers"] || "authorization, content-type",
        "access-control-max-age": "600",
        vary: "Access-Control-Request-Headers",
      });
      return res.end();
    }
    if (path.startsWith("/__")) return control(req, res, path, url);
    if (!ROUTES[path] && staticDir && (req.method === "GET" || req.method === "HEAD")) {
      req.resume();
      return serveStatic(req, res, staticDir, url.pathname);
    }
    return api(req, res, url, path);
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err) => {
      if (!res.headersSent && !res.destroyed) sendJson(res, 500, openaiError(`Test server bug: ${err.message}`, "server_error"));
      else res.destroy();
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.setNoDelay(true);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const actualPort = server.address().port;
  let closed;
  return {
    url: `http://${host}:${actualPort}`,
    port: actualPort,
    close() {
      if (!closed) {
        closing = true;
        closed = new Promise((resolve) => server.close(() => resolve()));
        for (const s of sockets) s.destroy();
        server.closeAllConnections?.();
      }
      return closed;
    },
  };
}

function argValue(args, name) {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const upstreamUrl = argValue(args, "--upstream");
  const srv = await startServer({
    port: Number(argValue(args, "--port") ?? 0),
    paceMs: Number(argValue(args, "--pace") ?? 0),
    staticDir: argValue(args, "--static"),
    upstream: upstreamUrl ? { baseUrl: upstreamUrl, apiKey: process.env.AIBADGR_API_KEY ?? "" } : undefined,
  });
  process.stdout.write(`LISTENING ${srv.url}\n`);
  const stop = () => srv.close().then(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}
