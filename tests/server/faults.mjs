// Fault vocabulary of the `_test` body member, and the error bodies both wire formats use.

/** Faults applied while delivering a successful body (stream or JSON), not before it. */
export const BODY_FAULTS = new Set([
  "reset_mid_stream", "no_done", "malformed_chunk", "slow_drip", "big_event",
  "error_event", "hang_body", "keepalive", "split_utf8", "error_first",
]);
/** Faults that replace the whole response before the route runs. */
const EARLY_FAULTS = new Set(["html_502", "reset_before_headers", "empty_200", "wrong_content_type", "hang"]);

/**
 * Normalizes a fault given as a string or object to `{ name, ...params }`, where a status fault is
 * `{ name: "status", status }`. Throws an Error with a readable message for unknown faults.
 */
export function normalizeFault(f) {
  if (f == null || f === "ok") return { name: "ok" };
  if (typeof f === "number") return { name: "status", status: f };
  if (typeof f === "string") f = { name: f };
  if (typeof f !== "object" || Array.isArray(f)) throw new Error(`unknown _test fault: ${JSON.stringify(f)}`);
  if (f.status !== undefined) {
    const status = Number(f.status);
    if (!Number.isInteger(status) || status < 100 || status > 599) throw new Error(`bad _test fault status: ${JSON.stringify(f.status)}`);
    return { ...f, name: "status", status };
  }
  const name = String(f.name ?? "ok");
  if (/^\d{3}$/.test(name)) return { ...f, name: "status", status: Number(name) };
  if (name === "model_not_found") return { ...f, name: "status", status: 404, code: "model_not_found" };
  if (name === "ok" || BODY_FAULTS.has(name) || EARLY_FAULTS.has(name)) return { ...f, name };
  throw new Error(`unknown _test fault: ${JSON.stringify(name)}`);
}

/** Picks this request's fault: `fault` if given, else `plan[attempt]` (past the end → last entry). */
export function pickFault(test, attempt) {
  if (test.fault !== undefined) return normalizeFault(test.fault);
  if (Array.isArray(test.plan) && test.plan.length > 0) return normalizeFault(test.plan[Math.min(attempt, test.plan.length - 1)]);
  return { name: "ok" };
}

/** An OpenAI error body. */
export function openaiError(message, type = "invalid_request_error", param = null, code = null) {
  return { error: { message, type, param, code } };
}

/** An Anthropic error body. */
export function anthropicError(type, message) {
  return { type: "error", error: { type, message } };
}

export const OPENAI_BAD_KEY = openaiError(
  "Incorrect API key provided. You can find your API key at https://aibadgr.com.",
  "invalid_request_error", null, "invalid_api_key",
);
export const OPENAI_NO_KEY = openaiError(
  "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY). You can obtain an API key from https://aibadgr.com.",
  "invalid_request_error", null, null,
);

/** The OpenAI error body for an injected status (fault.message/type/param/code override). */
function openaiStatusBody(status, f, model) {
  const m = model ?? "unknown";
  const table = {
    400: ["Invalid value for '" + (f.param ?? "messages") + "'.", "invalid_request_error", f.param ?? "messages", null],
    401: [OPENAI_BAD_KEY.error.message, "invalid_request_error", null, "invalid_api_key"],
    403: ["You are not allowed to use this model.", "invalid_request_error", null, "permission_denied"],
    404: [`The model \`${m}\` does not exist or you do not have access to it.`, "invalid_request_error", null, "model_not_found"],
    408: ["Request timed out.", "timeout", null, "timeout"],
    409: ["The request conflicts with another request in progress.", "invalid_request_error", null, "conflict"],
    413: ["The request body is too large.", "invalid_request_error", null, "request_too_large"],
    422: ["The request was well-formed but could not be processed.", "invalid_request_error", null, "unprocessable_entity"],
    429: [`Rate limit reached for requests on model \`${m}\`. Please try again later.`, "rate_limit_exceeded", null, "rate_limit_exceeded"],
    500: ["The server had an error while processing your request. Sorry about that!", "server_error", null, null],
    502: ["Bad gateway.", "server_error", null, null],
    503: ["The server is overloaded or not ready yet.", "server_error", null, "service_unavailable"],
    504: ["Gateway timeout.", "server_error", null, null],
    529: ["The engine is currently overloaded, please try again later.", "server_error", null, "overloaded"],
  };
  const [message, type, param, code] = table[status] ?? [`Request failed with status ${status}.`, status >= 500 ? "server_error" : "invalid_request_error", null, null];
  return openaiError(f.message ?? message, f.type ?? type, f.param ?? param, f.code !== undefined ? f.code : code);
}

/** The Anthropic error body for an injected status. */
function anthropicStatusBody(status, f, model) {
  const table = {
    400: ["invalid_request_error", "Invalid request."],
    401: ["authentication_error", "invalid x-api-key"],
    403: ["permission_error", "Your API key does not have permission to use the specified resource."],
    404: ["not_found_error", `model: ${model ?? "unknown"}`],
    408: ["timeout_error", "Request timed out."],
    413: ["request_too_large", "Request exceeds the maximum allowed number of bytes."],
    429: ["rate_limit_error", "Number of requests has exceeded your per-minute rate limit."],
    500: ["api_error", "Internal server error"],
    529: ["overloaded_error", "Overloaded"],
  };
  const [type, message] = table[status] ?? [status >= 500 ? "api_error" : "invalid_request_error", `Request failed with status ${status}.`];
  return anthropicError(f.type ?? type, f.message ?? message);
}

/** Headers an injected status fault asks for (retry-after, retry-after-ms, x-should-retry). */
function retryHeaders(f) {
  const h = {};
  if (f.retryAfter !== undefined) h["retry-after"] = String(f.retryAfter);
  if (f.retryAfterMs !== undefined) h["retry-after-ms"] = String(f.retryAfterMs);
  if (f.shouldRetry !== undefined) h["x-should-retry"] = String(f.shouldRetry);
  return h;
}

const HTML_502 = `<html>
<head><title>502 Bad Gateway</title></head>
<body>
<center><h1>502 Bad Gateway</h1></center>
<hr><center>cloudflare</center>
</body>
</html>
<!-- a padding to disable MSIE and Chrome friendly error page -->
<!-- a padding to disable MSIE and Chrome friendly error page -->
<!-- a padding to disable MSIE and Chrome friendly error page -->
`;

/**
 * Applies a fault that replaces the whole response. Returns true when it did (the caller stops).
 * `ctx.destroy()` marks a server-side close so it is not counted as a client abort.
 */
export function applyEarlyFault(res, fault, { protocol, model, ctx }) {
  switch (fault.name) {
    case "status": {
      const headers = retryHeaders(fault);
      let text;
      if (typeof fault.body === "string") {
        text = fault.body;
        let json = true;
        try { JSON.parse(text); } catch { json = false; }
        headers["content-type"] = json ? "application/json" : "text/plain; charset=utf-8";
      } else {
        const body = protocol === "anthropic" ? anthropicStatusBody(fault.status, fault, model) : openaiStatusBody(fault.status, fault, model);
        text = JSON.stringify(body);
        headers["content-type"] = "application/json";
      }
      headers["content-length"] = Buffer.byteLength(text);
      res.writeHead(fault.status, headers);
      res.end(text);
      return true;
    }
    case "html_502":
      res.writeHead(502, { "content-type": "text/html", "content-length": Buffer.byteLength(HTML_502), server: "cloudflare" });
      res.end(HTML_502);
      return true;
    case "reset_before_headers":
      ctx.destroy(true);
      return true;
    case "empty_200":
      res.writeHead(200, { "content-type": "application/json", "content-length": 0 });
      res.end();
      return true;
    case "wrong_content_type":
      res.writeHead(200, { "content-type": "text/plain", "content-length": 2 });
      res.end("OK");
      return true;
    case "hang":
      return true; // never answer; the 'close' listener counts the client's abort
    default:
      return false;
  }
}
