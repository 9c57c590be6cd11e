/* @ts-self-types="./ai-sdk.d.ts" */
// aibadgr/ai-sdk: a Vercel AI SDK provider (language model and embedding model specification
// v4) built on this package's own client, so every call keeps its retries, timeouts, fallback
// tiers, validation and tolerant stream parsing. This file only adapts shapes: the AI SDK's
// prompt and options to a chat request, chat chunks to the SDK's stream parts, errors to the
// SDK's APICallError contract. It imports nothing from the AI SDK at run time.
import { AiBadgr } from "aibadgr";

const SPEC = "v4";
const AI_ERROR = Symbol.for("vercel.ai.error");
const API_CALL_ERROR = Symbol.for("vercel.ai.error.AI_APICallError");
const NO_SUCH_MODEL = Symbol.for("vercel.ai.error.AI_NoSuchModelError");
const UNSUPPORTED = Symbol.for("vercel.ai.error.AI_UnsupportedFunctionalityError");
// Provider options (`providerOptions.aibadgr`) that are this client's per-call options; every
// other key is added to the request body (for example `user`, `logprobs` or a server extension).
const CALL_OPTION_KEYS = ["fallbackModels", "timeoutMs", "idleTimeoutMs", "maxRetries"];

const hidden = (o, k, v) => Object.defineProperty(o, k, { value: v, configurable: true, writable: true, enumerable: false });

/** Marks an AiBadgrError with the AI SDK's APICallError contract (non-enumerable fields). */
function sdkError(e, url, body, ownRetries) {
  if (!e || typeof e !== "object" || (e.kind !== "api" && e.kind !== "network")) return e;
  hidden(e, AI_ERROR, true);
  hidden(e, API_CALL_ERROR, true);
  hidden(e, "statusCode", e.status);
  hidden(e, "url", url);
  hidden(e, "requestBodyValues", body);
  hidden(e, "responseHeaders", e.response?.headers);
  hidden(e, "responseBody", e.body);
  // aibadgr already retried (maxRetries); the AI SDK retries on top only when it was told not to.
  hidden(e, "isRetryable", e.retryable === true && ownRetries === 0);
  hidden(e, "data", e.code || e.type ? { error: { message: e.message, type: e.type, code: e.code, param: e.param } } : undefined);
  return e;
}

function markedError(symbol, name, message, extra) {
  const e = new Error(message);
  e.name = name;
  hidden(e, AI_ERROR, true);
  hidden(e, symbol, true);
  return Object.assign(e, extra);
}

const unsupported = (functionality) =>
  markedError(UNSUPPORTED, "AI_UnsupportedFunctionalityError", `aibadgr does not support ${functionality}`, { functionality });

// ---- prompt → chat messages ----

function base64(bytes) {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** A file part's data as a URL (http(s) or data:). */
function fileUrl(part, mediaType) {
  const d = part.data;
  if (d instanceof URL) return d.href;
  if (typeof d === "string") return /^(https?|data):/i.test(d) ? d : `data:${mediaType};base64,${d}`;
  if (d instanceof Uint8Array) return `data:${mediaType};base64,${base64(d)}`;
  if (d?.type === "url") return String(d.url);
  if (d?.type === "data") return fileUrl({ data: d.data }, mediaType);
  throw unsupported(`file data of type ${JSON.stringify(d?.type)}`);
}

function userPart(part) {
  if (part.type === "text") return { type: "text", text: part.text };
  if (part.type !== "file") throw unsupported(`user content part ${JSON.stringify(part.type)}`);
  if (part.data?.type === "text") return { type: "text", text: part.data.text };
  const mediaType = part.mediaType === "image" || part.mediaType === "image/*" ? "image/jpeg" : part.mediaType;
  if (mediaType?.startsWith("image/")) return { type: "image_url", image_url: { url: fileUrl(part, mediaType) } };
  if (mediaType === "application/pdf") {
    return { type: "file", file: { filename: part.filename ?? "document.pdf", file_data: fileUrl(part, mediaType) } };
  }
  throw unsupported(`file parts of media type ${mediaType}`);
}

function toolOutput(output) {
  switch (output?.type) {
    case "text":
    case "error-text":
      return output.value;
    case "execution-denied":
      return output.reason ?? "Tool execution denied.";
    default:
      return JSON.stringify(output?.value ?? null);
  }
}

/** Converts the AI SDK's prompt to chat messages. */
export function toChatMessages(prompt) {
  const out = [];
  for (const m of prompt) {
    switch (m.role) {
      case "system":
        out.push({ role: "system", content: m.content });
        break;
      case "user":
        if (m.content.length === 1 && m.content[0].type === "text") out.push({ role: "user", content: m.content[0].text });
        else out.push({ role: "user", content: m.content.map(userPart) });
        break;
      case "assistant": {
        let text = "";
        const calls = [];
        for (const p of m.content) {
          if (p.type === "text") text += p.text;
          else if (p.type === "tool-call") {
            const args = typeof p.input === "string" ? p.input : JSON.stringify(p.input ?? {});
            calls.push({ id: p.toolCallId, type: "function", function: { name: p.toolName, arguments: args } });
          }
        }
        out.push(calls.length ? { role: "assistant", content: text || null, tool_calls: calls } : { role: "assistant", content: text });
        break;
      }
      case "tool":
        for (const p of m.content) {
          if (p.type === "tool-result") out.push({ role: "tool", tool_call_id: p.toolCallId, content: toolOutput(p.output) });
        }
        break;
      default:
        throw unsupported(`messages with role ${JSON.stringify(m.role)}`);
    }
  }
  return out;
}

// ---- options → request ----

function chatRequest(modelId, o) {
  const warnings = [];
  const body = { model: modelId, messages: toChatMessages(o.prompt) };
  const put = (k, v) => { if (v !== undefined) body[k] = v; };
  put("max_tokens", o.maxOutputTokens);
  put("temperature", o.temperature);
  put("top_p", o.topP);
  put("frequency_penalty", o.frequencyPenalty);
  put("presence_penalty", o.presencePenalty);
  put("stop", o.stopSequences?.length ? o.stopSequences : undefined);
  put("seed", o.seed);
  if (o.topK !== undefined) warnings.push({ type: "unsupported", feature: "topK" });
  if (o.reasoning !== undefined && o.reasoning !== "provider-default") put("reasoning_effort", o.reasoning);
  if (o.responseFormat?.type === "json") {
    body.response_format = o.responseFormat.schema
      ? { type: "json_schema", json_schema: { name: o.responseFormat.name ?? "response", description: o.responseFormat.description, schema: o.responseFormat.schema } }
      : { type: "json_object" };
  }
  const tools = [];
  for (const t of o.tools ?? []) {
    if (t.type !== "function") {
      warnings.push({ type: "unsupported", feature: `provider tool ${t.name}` });
      continue;
    }
    const fn = { name: t.name, description: t.description, parameters: t.inputSchema };
    if (t.strict !== undefined) fn.strict = t.strict;
    tools.push({ type: "function", function: fn });
  }
  if (tools.length) {
    body.tools = tools;
    const c = o.toolChoice;
    if (c) body.tool_choice = c.type === "tool" ? { type: "function", function: { name: c.toolName } } : c.type;
  }
  const { callOptions, extra } = providerOptions(o);
  Object.assign(body, extra);
  return { body, warnings, callOptions: { ...callOptions, ...common(o) } };
}

function providerOptions(o) {
  const callOptions = {};
  const extra = {};
  for (const [k, v] of Object.entries(o.providerOptions?.aibadgr ?? {})) {
    if (CALL_OPTION_KEYS.includes(k)) callOptions[k] = v;
    else extra[k] = v;
  }
  return { callOptions, extra };
}

function common(o) {
  const out = {};
  if (o.abortSignal) out.signal = o.abortSignal;
  const headers = Object.fromEntries(Object.entries(o.headers ?? {}).filter(([, v]) => v !== undefined));
  if (Object.keys(headers).length) out.headers = headers;
  return out;
}

// ---- results → AI SDK shapes ----

const FINISH = { stop: "stop", length: "length", content_filter: "content-filter", tool_calls: "tool-calls", function_call: "tool-calls" };
const finishReason = (raw) => ({ unified: raw == null ? "other" : FINISH[raw] ?? "other", raw: raw ?? undefined });

/** Chat usage in the AI SDK's shape (cached and reasoning tokens split out where reported). */
function sdkUsage(u) {
  const n = (v) => (typeof v === "number" ? v : undefined);
  const prompt = n(u?.prompt_tokens);
  const completion = n(u?.completion_tokens);
  const cached = n(u?.prompt_tokens_details?.cached_tokens);
  const reasoning = n(u?.completion_tokens_details?.reasoning_tokens);
  return {
    inputTokens: { total: prompt, noCache: prompt !== undefined && cached !== undefined ? prompt - cached : prompt, cacheRead: cached, cacheWrite: undefined },
    outputTokens: { total: completion, text: completion !== undefined && reasoning !== undefined ? completion - reasoning : completion, reasoning },
    ...(u ? { raw: u } : {}),
  };
}

const reasoningOf = (o) => (typeof o?.reasoning_content === "string" && o.reasoning_content !== "" ? o.reasoning_content : typeof o?.reasoning === "string" ? o.reasoning : "");

function metadata(res) {
  return {
    id: res.id ?? undefined,
    modelId: res.model ?? undefined,
    timestamp: typeof res.created === "number" ? new Date(res.created * 1000) : undefined,
  };
}

function providerMetadata(response) {
  if (!response) return undefined;
  const m = { requestId: response.requestId ?? null, attempts: response.attempts, model: response.model ?? null };
  if (response.rateLimit) m.rateLimit = response.rateLimit;
  return { aibadgr: m };
}

// ---- the models ----

class ChatModel {
  constructor(modelId, provider) {
    this.specificationVersion = SPEC;
    this.provider = "aibadgr.chat";
    this.modelId = modelId;
    this.supportedUrls = { "image/*": [/^https?:\/\/.*$/] };
    this._p = provider;
  }

  async doGenerate(o) {
    const { body, warnings, callOptions } = chatRequest(this.modelId, o);
    const client = this._p.client();
    let res;
    try {
      res = await client.chat(body, callOptions);
    } catch (e) {
      throw sdkError(e, this._p.url("/chat/completions"), body, this._p.ownRetries);
    }
    const choice = res.choices?.[0] ?? {};
    const msg = choice.message ?? {};
    const content = [];
    const reasoning = reasoningOf(msg);
    if (reasoning) content.push({ type: "reasoning", text: reasoning });
    if (typeof msg.content === "string" && msg.content !== "") content.push({ type: "text", text: msg.content });
    for (const c of msg.tool_calls ?? []) {
      content.push({ type: "tool-call", toolCallId: c.id, toolName: c.function?.name, input: c.function?.arguments || "{}" });
    }
    return {
      content,
      finishReason: finishReason(choice.finish_reason),
      usage: sdkUsage(res.usage),
      providerMetadata: providerMetadata(res.response),
      request: { url: this._p.url("/chat/completions"), body },
      response: { ...metadata(res), headers: res.response?.headers, body: res },
      warnings,
    };
  }

  async doStream(o) {
    const { body, warnings, callOptions } = chatRequest(this.modelId, o);
    const url = this._p.url("/chat/completions");
    const ownRetries = this._p.ownRetries;
    let stream;
    try {
      stream = await this._p.client().chatStream(body, callOptions);
    } catch (e) {
      throw sdkError(e, url, body, ownRetries);
    }
    const response = stream.response;
    const it = stream[Symbol.asyncIterator]();
    const raw = o.includeRawChunks === true;
    let first = true, text = false, thinking = false, usage, finish, done = false;
    const calls = []; // { id, name, args, ended }, in order
    const atIndex = new Map(); // index → the call its pieces go to
    const endCall = (c, out) => {
      if (c.ended) return;
      c.ended = true;
      out.push({ type: "tool-input-end", id: c.id });
      out.push({ type: "tool-call", toolCallId: c.id, toolName: c.name, input: c.args || "{}" });
    };
    const parts = (chunk) => {
      const out = [];
      if (raw) out.push({ type: "raw", rawValue: chunk });
      if (first) {
        first = false;
        out.push({ type: "response-metadata", ...metadata(chunk) });
      }
      if (chunk.usage) usage = chunk.usage;
      const choice = chunk.choices?.[0];
      if (!choice) return out;
      const d = choice.delta ?? {};
      const r = reasoningOf(d);
      if (r) {
        if (!thinking) out.push({ type: "reasoning-start", id: "reasoning-0" });
        thinking = true;
        out.push({ type: "reasoning-delta", id: "reasoning-0", delta: r });
      }
      if (typeof d.content === "string" && d.content !== "") {
        if (thinking) out.push({ type: "reasoning-end", id: "reasoning-0" });
        thinking = false;
        if (!text) out.push({ type: "text-start", id: "txt-0" });
        text = true;
        out.push({ type: "text-delta", id: "txt-0", delta: d.content });
      }
      for (const t of d.tool_calls ?? []) {
        if (thinking) out.push({ type: "reasoning-end", id: "reasoning-0" });
        thinking = false;
        const i = typeof t.index === "number" ? t.index : calls.length;
        let c = atIndex.get(i);
        // Some servers send parallel calls all at index 0: a new id there is a new call.
        if (!c || (typeof t.id === "string" && t.id !== "" && c.sentId && t.id !== c.id)) {
          const sentId = typeof t.id === "string" && t.id !== "";
          c = { id: sentId ? t.id : `call-${calls.length}`, sentId, name: t.function?.name ?? "", args: "", ended: false };
          calls.push(c);
          atIndex.set(i, c);
          out.push({ type: "tool-input-start", id: c.id, toolName: c.name });
        }
        const piece = t.function?.arguments;
        if (typeof piece === "string" && piece !== "" && !c.ended) {
          c.args += piece;
          out.push({ type: "tool-input-delta", id: c.id, delta: piece });
        }
      }
      if (choice.finish_reason) {
        finish = choice.finish_reason;
        for (const c of calls) if (c) endCall(c, out);
      }
      return out;
    };
    const close = () => {
      const out = [];
      if (thinking) out.push({ type: "reasoning-end", id: "reasoning-0" });
      if (text) out.push({ type: "text-end", id: "txt-0" });
      for (const c of calls) if (c) endCall(c, out);
      // The usage chunk (choices: []) is kept out of iteration; its usage is on the stream.
      out.push({ type: "finish", finishReason: finishReason(finish), usage: sdkUsage(usage ?? stream.usage), providerMetadata: providerMetadata(response) });
      return out;
    };
    const sdkStream = new ReadableStream({
      start(c) {
        c.enqueue({ type: "stream-start", warnings });
      },
      async pull(c) {
        if (done) return;
        try {
          for (;;) {
            const r = await it.next();
            const out = r.done ? close() : parts(r.value);
            for (const p of out) c.enqueue(p);
            if (r.done) {
              done = true;
              c.close();
              return;
            }
            if (out.length) return;
          }
        } catch (e) {
          done = true;
          if (e?.kind === "aborted" || e?.name === "AbortError") {
            c.error(e);
            return;
          }
          c.enqueue({ type: "error", error: sdkError(e, url, body, ownRetries) });
          finish = undefined;
          const out = close();
          const fin = out[out.length - 1];
          fin.finishReason = { unified: "error", raw: undefined };
          for (const p of out) c.enqueue(p);
          c.close();
        }
      },
      async cancel(reason) {
        done = true;
        // Cancel the client's stream itself (it aborts the request at once, even while a read
        // is pending), then let the iterator finish.
        try {
          await stream.cancel(reason);
        } catch {}
        it.return?.().catch?.(() => {});
      },
    }, { highWaterMark: 0 });
    return { stream: sdkStream, request: { url, body }, response: { headers: response?.headers } };
  }
}

class EmbeddingModel {
  constructor(modelId, provider) {
    this.specificationVersion = SPEC;
    this.provider = "aibadgr.embedding";
    this.modelId = modelId;
    this.maxEmbeddingsPerCall = 2048;
    this.supportsParallelCalls = true;
    this._p = provider;
  }

  async doEmbed(o) {
    const { callOptions, extra } = providerOptions(o);
    const body = { model: this.modelId, input: o.values, ...extra };
    if (o.dimensions !== undefined) body.dimensions = o.dimensions;
    let res;
    try {
      res = await this._p.client().embed(body, { ...callOptions, ...common(o) });
    } catch (e) {
      throw sdkError(e, this._p.url("/embeddings"), body, this._p.ownRetries);
    }
    const data = [...(res.data ?? [])].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
    return {
      embeddings: data.map((d) => Array.from(d.embedding ?? [])),
      usage: typeof res.usage?.prompt_tokens === "number" ? { tokens: res.usage.prompt_tokens } : undefined,
      providerMetadata: providerMetadata(res.response),
      response: { headers: res.response?.headers },
      warnings: [],
    };
  }
}

/**
 * Creates an AI SDK provider. Options are `new AiBadgr(options)`'s (apiKey, baseUrl,
 * fallbackModels, maxRetries, timeoutMs, logLevel, ...), or `{ client }` to use an existing
 * client. Without an apiKey it reads AIBADGR_API_KEY like `AiBadgr.fromEnv()`, on first use.
 */
export function createAiBadgr(options = {}) {
  const { client: given, ...clientOptions } = options ?? {};
  let client = given;
  const state = {
    // aibadgr's own retries (the client default is 2); with a given client they are unknown,
    // so they are assumed on.
    ownRetries: given ? undefined : clientOptions.maxRetries ?? 2,
    client() {
      if (!client) client = clientOptions.apiKey !== undefined ? new AiBadgr(clientOptions) : AiBadgr.fromEnv(undefined, clientOptions);
      return client;
    },
    url(path) {
      return this.client().baseUrl + path;
    },
  };
  const languageModel = (modelId) => new ChatModel(modelId, state);
  const provider = (modelId) => languageModel(modelId);
  provider.specificationVersion = SPEC;
  provider.languageModel = languageModel;
  provider.chat = languageModel;
  provider.embeddingModel = (modelId = "text-embedding-ada-002") => new EmbeddingModel(modelId, state);
  provider.embedding = provider.embeddingModel;
  provider.textEmbeddingModel = provider.embeddingModel;
  provider.imageModel = (modelId) => {
    throw markedError(NO_SUCH_MODEL, "AI_NoSuchModelError", `aibadgr has no image model ${JSON.stringify(modelId)}`, { modelId, modelType: "imageModel" });
  };
  Object.defineProperty(provider, "client", { get: () => state.client(), enumerable: false });
  return provider;
}

/** The default provider: AIBADGR_API_KEY (and AIBADGR_BASE_URL) from the environment. */
export const aibadgr = createAiBadgr();
