// A Cloudflare Worker that keeps the AI Badgr key out of web pages: the page calls this Worker,
// the Worker holds the key (a secret) and streams AI Badgr's answer straight through.
//
//   POST /api/chat        { messages: [{ role: "user" | "assistant", content: "..." }], model?, temperature?, max_tokens? }
//                         -> text/event-stream of chat.completion.chunk events, ending with `data: [DONE]`
//   POST /api/embed       { input: "text" | ["text", ...] }
//                         -> { model, embeddings: number[][], usage }
// The same under the OpenAI paths, so a page can use the aibadgr client itself with
// `new AiBadgr({ baseUrl: "https://<worker>/api" })` (no key): POST /api/chat/completions (always
// streamed) and POST /api/embeddings (the OpenAI response shape).
//
// Only the origins listed in ALLOWED_ORIGINS may call it from a browser (CORS). The page never
// sees the key; it can only ask for what this file allows (roles, models, sizes below).
import { AiBadgr, AiBadgrError, TIERS } from "aibadgr";

const MAX_BODY_BYTES = 64 * 1024;
const MAX_MESSAGES = 50;
const MAX_TOKENS = 1024;
const MAX_EMBED_INPUTS = 16;
const SYSTEM_PROMPT = "You are a helpful assistant.";

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const origin = request.headers.get("origin");
    const allowed = allowedOrigin(origin, env, url);
    if (origin && !allowed) return json({ error: { message: "this origin may not call this API" } }, 403);
    const cors = corsHeaders(allowed);

    if (request.method === "OPTIONS") {
      return new Response(null, {
        status: 204,
        headers: { ...cors, "access-control-allow-methods": "POST, OPTIONS", "access-control-allow-headers": "content-type", "access-control-max-age": "600" },
      });
    }
    const route = {
      "/api/chat": chat,
      "/api/chat/completions": chat,
      "/api/embed": embed,
      "/api/embeddings": embeddings,
    }[url.pathname];
    if (!route) return json({ error: { message: "not found" } }, 404, cors);
    if (request.method !== "POST") return json({ error: { message: "use POST" } }, 405, { ...cors, allow: "POST, OPTIONS" });

    let body;
    try {
      body = await readJson(request);
    } catch (e) {
      return json({ error: { message: e.message } }, 400, cors);
    }
    try {
      // The key comes from the secret AIBADGR_API_KEY (and AIBADGR_BASE_URL, if set) in env.
      const client = AiBadgr.fromEnv(env);
      return await route(client, body, cors);
    } catch (e) {
      return failure(e, cors);
    }
  },
};

/** POST /api/chat: checks what the page asks for, then passes the stream through as SSE. */
async function chat(client, body, cors) {
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0 || messages.length > MAX_MESSAGES) {
    return invalid(`messages must be an array of 1 to ${MAX_MESSAGES} messages`, cors);
  }
  for (const [i, m] of messages.entries()) {
    if (!m || (m.role !== "user" && m.role !== "assistant") || typeof m.content !== "string" || m.content === "") {
      return invalid(`messages[${i}] must be { role: "user" | "assistant", content: "non-empty text" }`, cors);
    }
  }
  const model = body.model ?? "basic";
  if (!TIERS.includes(model)) return invalid(`model must be one of ${TIERS.join(", ")}`, cors);
  const request = {
    model,
    // Copy only the fields the page may set; the system prompt is the Worker's.
    messages: [{ role: "system", content: SYSTEM_PROMPT }, ...messages.map(({ role, content }) => ({ role, content }))],
    max_tokens: Math.min(Number.isInteger(body.max_tokens) && body.max_tokens > 0 ? body.max_tokens : MAX_TOKENS, MAX_TOKENS),
  };
  if (typeof body.temperature === "number") request.temperature = body.temperature;

  const stream = await client.chatStream(request);
  return new Response(stream.toSSE(), {
    headers: { ...cors, "content-type": "text/event-stream", "cache-control": "no-store" },
  });
}

/** POST /api/embed: embeddings as plain number arrays. */
async function embed(client, body, cors) {
  if (!validInput(body.input)) return invalid(INPUT_RULE, cors);
  const res = await client.embed({ input: body.input });
  return json({ model: res.model, embeddings: res.data.map((d) => Array.from(d.embedding)), usage: res.usage }, 200, cors);
}

/** POST /api/embeddings: the OpenAI response shape (what the aibadgr client in a page expects). */
async function embeddings(client, body, cors) {
  if (!validInput(body.input)) return invalid(INPUT_RULE, cors);
  const format = body.encoding_format === "float" ? "float" : "base64";
  return json(await client.embed({ input: body.input, encoding_format: format }), 200, cors);
}

const INPUT_RULE = `input must be a non-empty string or an array of 1 to ${MAX_EMBED_INPUTS} non-empty strings`;
function validInput(input) {
  return typeof input === "string"
    ? input !== ""
    : Array.isArray(input) && input.length > 0 && input.length <= MAX_EMBED_INPUTS && input.every((s) => typeof s === "string" && s !== "");
}

/** The request's JSON body, refusing bodies over MAX_BODY_BYTES. */
async function readJson(request) {
  const type = request.headers.get("content-type") ?? "";
  if (!type.includes("application/json")) throw new Error("send a JSON body (content-type: application/json)");
  const text = await request.text();
  if (text.length > MAX_BODY_BYTES) throw new Error("the request body is too large");
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error("the request body is not valid JSON");
  }
  if (!body || typeof body !== "object" || Array.isArray(body)) throw new Error("the request body must be a JSON object");
  return body;
}

/** The request's Origin if it may call this Worker (listed, or the Worker's own origin); else null. */
function allowedOrigin(origin, env, url) {
  if (!origin) return null;
  if (origin === url.origin) return origin;
  const list = String(env.ALLOWED_ORIGINS ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  return list.includes(origin) ? origin : null;
}

function corsHeaders(origin) {
  return origin ? { "access-control-allow-origin": origin, vary: "Origin" } : { vary: "Origin" };
}

function json(value, status = 200, headers = {}) {
  return new Response(JSON.stringify(value), { status, headers: { ...headers, "content-type": "application/json" } });
}

function invalid(message, cors) {
  return json({ error: { message, kind: "invalid_request" } }, 400, cors);
}

/** Maps a failure to a response the page can show; details stay in the Worker's logs. */
function failure(e, cors) {
  if (!(e instanceof AiBadgrError)) {
    console.error("worker error", e);
    return json({ error: { message: "internal error" } }, 500, cors);
  }
  console.error("AI Badgr call failed", e.kind, e.status, e.code, e.requestId, e.message);
  const status = {
    invalid_request: 400,
    timeout: 504,
    network: 502,
    stream: 502,
    aborted: 499,
    config: 500,
  }[e.kind] ?? (e.status === 429 ? 429 : e.status >= 400 && e.status < 500 && e.status !== 401 && e.status !== 403 ? 400 : 502);
  const message = e.kind === "config" ? "the Worker is not configured (set the AIBADGR_API_KEY secret)" : e.message;
  return json({ error: { message, kind: e.kind, code: e.code, requestId: e.requestId } }, status, cors);
}
