// Forwards API requests to a real OpenAI-compatible base URL, adding the API key server-side.
import { sendJson } from "./deliver.mjs";
import { openaiError } from "./faults.mjs";

const PASS_REQUEST = ["content-type", "accept", "anthropic-version", "anthropic-beta"];
const PASS_RESPONSE = ["cache-control", "retry-after", "retry-after-ms", "x-should-retry", "x-request-id"];

/**
 * Forwards one request to `${baseUrl}${route}` and pipes the answer back as it arrives (status and
 * content-type preserved). `body` is the parsed JSON minus `_test` (or undefined: `raw` is sent).
 */
export async function forward(req, res, { baseUrl, apiKey }, route, search, raw, body, ctx) {
  const headers = { authorization: `Bearer ${apiKey}` };
  for (const k of PASS_REQUEST) if (req.headers[k]) headers[k] = req.headers[k];
  const ac = new AbortController();
  res.on("close", () => ac.abort());
  let up;
  try {
    up = await fetch(String(baseUrl).replace(/\/+$/, "") + route + search, {
      method: req.method,
      headers,
      body: req.method === "GET" || req.method === "HEAD" ? undefined : body !== undefined ? JSON.stringify(body) : raw,
      signal: ac.signal,
    });
  } catch (e) {
    if (!res.destroyed) sendJson(res, 502, openaiError(`The upstream request failed: ${e.message}.`, "server_error"));
    return;
  }
  const out = { "content-type": up.headers.get("content-type") ?? "application/octet-stream" };
  for (const k of PASS_RESPONSE) if (up.headers.has(k)) out[k] = up.headers.get(k);
  res.writeHead(up.status, out);
  res.flushHeaders();
  try {
    for await (const chunk of up.body ?? []) {
      if (res.destroyed) return;
      if (!res.write(chunk)) await new Promise((r) => { res.once("drain", r); res.once("close", r); });
    }
    res.end();
  } catch {
    ctx.destroy(false);
  }
}
