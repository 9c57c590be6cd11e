// Type definitions for aibadgr: the AI Badgr client for browsers, Cloudflare Workers, Node and Deno.
// One import works everywhere; no init() call is needed:
//
//   import { AiBadgr } from "aibadgr";
//   const client = new AiBadgr({ apiKey: "sk-..." });
//   const reply = await client.chat({ messages: [{ role: "user", content: "Hi" }] });

// ---------------------------------------------------------------------------------------------
// Module state, models, small shared types
// ---------------------------------------------------------------------------------------------

/**
 * Settles once the WebAssembly module is loaded. Every entry instantiates the `.wasm`
 * synchronously while the import runs (no top-level await), so `ready` is already settled when
 * your code runs and awaiting it is never required. It rejects with the {@link AiBadgrError} of
 * kind `"load"` when the module could not be loaded (that rejection is marked handled); every
 * client call then rejects with the same error.
 */
export declare const ready: Promise<void>;

/** The AI Badgr model tiers, cheapest first: `["basic", "normal", "premium"]`. */
export declare const TIERS: readonly ["basic", "normal", "premium"];

/**
 * An AI Badgr model tier: `"basic"` (simple, high-volume tasks), `"normal"` (general use) or
 * `"premium"` (complex reasoning, production workloads).
 */
export type Tier = (typeof TIERS)[number];

/** AI Badgr's own model names (the models behind the tiers), which the API also accepts. */
export type AiBadgrModel = "phi-3-mini" | "mistral-7b" | "llama3-8b-instruct";

/**
 * A model name: a {@link Tier}, the same tier with the `aibadgr/` prefix (sent as the bare tier),
 * one of AI Badgr's own models ({@link AiBadgrModel}), or any other name the API accepts (OpenAI
 * model names are mapped to AI Badgr tiers by the server). Editors suggest the known names;
 * any string is accepted.
 */
export type ModelName = Tier | `aibadgr/${Tier}` | AiBadgrModel | `aibadgr/${AiBadgrModel}` | (string & {});

/** An embeddings model name: the default `"text-embedding-ada-002"` or any other. */
export type EmbeddingModelName = "text-embedding-ada-002" | `aibadgr/text-embedding-ada-002` | (string & {});

// ---------------------------------------------------------------------------------------------
// Response metadata, rate limits, usage totals, logging
// ---------------------------------------------------------------------------------------------

/** One rate-limit budget, from `x-ratelimit-{limit,remaining,reset}-{requests,tokens}`. */
export interface RateLimitBudget {
  /** What the window allows (`x-ratelimit-limit-*`). */
  readonly limit?: number;
  /** What is left in the window (`x-ratelimit-remaining-*`). */
  readonly remaining?: number;
  /** Milliseconds until the window refills (`x-ratelimit-reset-*`, e.g. `6m0s` → 360000). */
  readonly resetMs?: number;
}

/** The rate-limit state a response reported; parts the server did not send are absent. */
export interface RateLimit {
  /** The request budget. */
  readonly requests?: RateLimitBudget;
  /** The token budget. */
  readonly tokens?: RateLimitBudget;
  /** The wait the server asked for (`retry-after-ms`, else `retry-after` seconds or date), in ms. */
  readonly retryAfterMs?: number;
}

/**
 * What the HTTP exchange behind a result (or an error) looked like: `result.response`,
 * `stream.response`, `(await stream.final()).response`, `err.response`. Non-enumerable, so
 * `JSON.stringify(result)` does not include it.
 */
export interface ResponseInfo {
  /** The HTTP status. */
  readonly status: number;
  /** The response headers, lowercase names (in browsers only the CORS-exposed ones). */
  readonly headers: Readonly<Record<string, string>>;
  /** `x-request-id` (else `request-id`), worth quoting to support. */
  readonly requestId?: string;
  /** HTTP requests made for the call, retries and fallback models included. */
  readonly attempts: number;
  /** The model the answering request was sent with (after any fallback); absent for `models()`. */
  readonly model?: string;
  /**
   * Milliseconds from the call to its result: the whole body for `chat`/`embed`/`messages`,
   * the headers for a stream object, the end of the stream for `final()`'s value.
   */
  readonly elapsedMs: number;
  /** The parsed rate-limit headers; `undefined` when the response had none. */
  readonly rateLimit?: RateLimit;
}

/** A result with its {@link ResponseInfo} attached as `response`. */
export type WithResponse<T> = T & { readonly response: ResponseInfo };

/** Running token totals (see {@link AiBadgr.usage}). */
export interface UsageTotals {
  /** Successful calls (streams once they ended). */
  readonly requests: number;
  /** Input tokens, cached ones included (messages: input + cache read + cache creation). */
  readonly promptTokens: number;
  /** Output tokens. */
  readonly completionTokens: number;
  /** Prompt plus completion tokens. */
  readonly totalTokens: number;
  /** Input tokens served from the prompt cache, where the server reports them (a part of promptTokens). */
  readonly cachedTokens: number;
}

/** `client.usage`: totals since the client was made (or `resetUsage()`). */
export interface ClientUsage {
  /** The sum over every model. */
  readonly total: UsageTotals;
  /** Per model, keyed by the model each request was sent with (after fallback). */
  readonly models: Readonly<Record<string, UsageTotals>>;
}

/** How much the client logs; each level includes the ones before it. */
export type LogLevel = "off" | "error" | "warn" | "info" | "debug";

/** Where log lines go: an object with these methods (`console` is one). Each gets one string. */
export interface Logger {
  error(line: string): void;
  warn(line: string): void;
  info(line: string): void;
  debug(line: string): void;
}

/** One model of `models()`. */
export interface ModelInfo {
  /** The model name to send. */
  id: string;
  /** Always `"model"` on OpenAI-compatible servers. */
  object?: string;
  /** Unix seconds. */
  created?: number;
  /** The owner, e.g. `"aibadgr"`. */
  owned_by?: string;
  /** Other fields pass through. */
  [key: string]: unknown;
}

/** The answer of `GET {baseUrl}/models`. */
export interface ModelList {
  /** Usually `"list"`. */
  object?: string;
  /** The models. */
  data: ModelInfo[];
}

/** A JSON Schema object (for tool parameters and structured output). */
export type JsonSchema = { [key: string]: unknown };

/** HTTP headers as a plain object of names to string values. */
export type HeaderRecord = Readonly<Record<string, string>>;

/** What the client passes to the `fetch` option: always a POST with a JSON body and a signal. */
export interface FetchInit {
  /** Always `"POST"`. */
  method: "POST";
  /** Lower-case header names: authorization, content-type, plus any configured headers. */
  headers: Record<string, string>;
  /** The JSON request body. */
  body: string;
  /** Aborts the request (the caller's signal, timeouts, or a cancelled stream). */
  signal: AbortSignal;
}

/**
 * A `fetch`-compatible function. `globalThis.fetch` fits, as do wrappers that add logging,
 * proxies or test doubles. It must resolve to a standard `Response`.
 */
export type FetchFunction = (url: string, init: FetchInit) => Promise<Response>;

/**
 * An environment object to read settings from, such as a Cloudflare Worker's `env` or
 * `process.env`.
 */
export interface AiBadgrEnv {
  /** The API key (for a Worker: `wrangler secret put AIBADGR_API_KEY`). */
  readonly AIBADGR_API_KEY?: string;
  /** Overrides the base URL, e.g. a proxy's address. */
  readonly AIBADGR_BASE_URL?: string;
  /** The default `logLevel`: `"off"`, `"error"`, `"warn"`, `"info"` or `"debug"`. */
  readonly AIBADGR_LOG?: string;
}

// ---------------------------------------------------------------------------------------------
// Client and call options
// ---------------------------------------------------------------------------------------------

/** Options for `new AiBadgr(options)`. Unknown option names throw an {@link AiBadgrError} of kind `"config"`. */
export interface AiBadgrOptions {
  /**
   * The API key, sent as `Authorization: Bearer <key>`. Defaults to `AIBADGR_API_KEY` from
   * `process.env` where `process` exists. Optional: leave it out when `baseUrl` points at a proxy
   * that adds the key. In a browser page (where `window` and `document` exist) a key is refused
   * unless {@link allowBrowser} is `true`.
   */
  apiKey?: string;
  /**
   * Where requests go. Defaults to `AIBADGR_BASE_URL`, else `"https://aibadgr.com/api/v1"`.
   * A trailing `/` is fine; a path such as `"/api"` means the page's own origin (a same-origin
   * proxy). Queries and fragments are refused.
   */
  baseUrl?: string;
  /** The default chat/messages model. Defaults to `"basic"`. */
  model?: ModelName;
  /** The default embeddings model. Defaults to `"text-embedding-ada-002"`. */
  embeddingModel?: EmbeddingModelName;
  /** Extra headers sent with every request (a plain object of strings). */
  headers?: HeaderRecord;
  /** A custom fetch function. Defaults to the global `fetch`. */
  fetch?: FetchFunction;
  /** Time limit for a whole call, retries and streamed body included, in ms. Defaults to 600000 (10 min). */
  timeoutMs?: number;
  /** The longest a stream may go without data before it is closed, in ms. Defaults to 60000. */
  idleTimeoutMs?: number;
  /** How often a failed request is retried (0 to 10). Defaults to 2. */
  maxRetries?: number;
  /**
   * Models to try in order when the first one fails with a retryable error (after its retries)
   * or is not found, e.g. `["normal", "premium"]`. Not used by `embed`.
   */
  fallbackModels?: readonly ModelName[];
  /**
   * Set to `true` to hold an `apiKey` in a browser page, accepting that every visitor can read
   * it. Prefer a server or Worker that holds the key (see the README).
   */
  allowBrowser?: boolean;
  /**
   * The most bytes one stream event may hold (its data lines plus the line being read).
   * Past it the stream fails with kind `"stream"` naming this option, having held no more than
   * that. Defaults to 16777216 (16 MiB); 1 to 4294967295.
   */
  maxEventBytes?: number;
  /**
   * The most bytes a whole response body may hold (a non-stream answer, or a JSON answer to a
   * stream request). Past it the call fails with kind `"api"` naming this option, having held no
   * more than that. Defaults to 67108864 (64 MiB); 1 to 4294967295.
   */
  maxBodyBytes?: number;
  /**
   * How much to log: `"off"` (the default), `"error"` (failed calls), `"warn"` (retries and
   * fallbacks too), `"info"` (every request, response and stream end too) or `"debug"`
   * (request and response bodies too). Defaults to `AIBADGR_LOG` from `process.env` (or the
   * `env` of `fromEnv`). The API key never appears in a line.
   */
  logLevel?: LogLevel;
  /** Where log lines go. Defaults to the global `console`. */
  logger?: Logger;
}

/**
 * Per-call options, the second argument of every call. Each overrides the client option of the
 * same name for this call. Unknown names reject with an {@link AiBadgrError} of kind `"invalid_request"`.
 */
export interface CallOptions {
  /** Aborts the call (and a stream's body); the promise rejects with `name === "AbortError"`, kind `"aborted"`. */
  signal?: AbortSignal;
  /** Extra headers for this call; they replace client headers of the same name. */
  headers?: HeaderRecord;
  /** Time limit for this whole call, in ms. */
  timeoutMs?: number;
  /** The longest this stream may go without data, in ms. */
  idleTimeoutMs?: number;
  /** How often this call is retried (0 to 10). */
  maxRetries?: number;
  /** Models to fall back to for this call. */
  fallbackModels?: readonly ModelName[];
  /** The most bytes one stream event of this call may hold. */
  maxEventBytes?: number;
  /** The most bytes this call's whole response body may hold. */
  maxBodyBytes?: number;
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/**
 * What kind of failure an {@link AiBadgrError} is:
 * - `"api"`: the server answered with an error status (see `status`, `code`, `type`, `param`);
 * - `"network"`: the server could not be reached, or the connection broke;
 * - `"timeout"`: `timeoutMs` passed, or a stream was idle for `idleTimeoutMs`;
 * - `"aborted"`: the caller's signal aborted, or a stream was cancelled (`name` is `"AbortError"`);
 * - `"stream"`: a stream broke its protocol or carried an error event;
 * - `"invalid_request"`: the request or call options failed validation (nothing was sent);
 * - `"config"`: the client options are unusable;
 * - `"load"`: the WebAssembly module could not be loaded in this runtime (the message says why and
 *   what to do, e.g. a Content-Security-Policy without `'wasm-unsafe-eval'`);
 * - `"output"`: `parse()` got an answer that is not JSON or does not match the schema after
 *   every repair, or a refusal (see `issues`, `text`, `refusal`).
 */
export type AiBadgrErrorKind = "api" | "network" | "timeout" | "aborted" | "stream" | "invalid_request" | "config" | "load" | "output";

/**
 * The one error type every call rejects with. The message says what happened and what to do;
 * for validation errors it starts with the field path (e.g. `messages[0].role must be one of ...`).
 * The API key never appears in any field.
 */
export declare class AiBadgrError extends Error {
  private constructor();
  /** `"AbortError"` for aborts (kind `"aborted"`), else `"AiBadgrError"`. */
  readonly name: "AiBadgrError" | "AbortError";
  /** What kind of failure this is. */
  readonly kind: AiBadgrErrorKind;
  /** The HTTP status, when the server answered. */
  readonly status?: number;
  /** The server's error code (e.g. `"model_not_found"`, `"rate_limit_exceeded"`). */
  readonly code?: string;
  /** The server's error type (e.g. `"invalid_request_error"`, `"authentication_error"`). */
  readonly type?: string;
  /** The request field at fault: from the server, or the field/option that failed validation. */
  readonly param?: string;
  /** The `x-request-id` response header, worth quoting to support. */
  readonly requestId?: string;
  /** The start of an error body that was not JSON (e.g. a proxy's HTML page). */
  readonly body?: string;
  /** Whether another attempt could succeed (a retryable status or a network failure). */
  readonly retryable: boolean;
  /** The response behind the error, when one arrived (status, headers, rate limits, attempts). */
  readonly response?: ResponseInfo;
  /** The underlying error: a fetch `TypeError`, an abort reason, and so on. */
  readonly cause?: unknown;
  /** Kind `"output"`: what does not match, each with its path (keys and indexes) and message. */
  readonly issues?: OutputIssue[];
  /** Kind `"output"`: the model's raw answer text (or the refusal). */
  readonly text?: string;
  /** Kind `"output"`: the model's refusal, when it refused. */
  readonly refusal?: string;
}

// ---------------------------------------------------------------------------------------------
// Streams
// ---------------------------------------------------------------------------------------------

/**
 * The async iterator `for await` uses on a stream: the runtime's own when its type library
 * declares one for `ReadableStream`, else a plain async iterator.
 */
export type StreamIterator<T> = ReadableStream<T> extends { [Symbol.asyncIterator](...args: never[]): infer I }
  ? I
  : AsyncIterableIterator<T>;

/** A `ReadableStream` that `for await` can iterate in every runtime (Safari included). */
export interface IterableStream<T> extends ReadableStream<T> {
  /** Iterates the chunks; leaving the loop early cancels the stream (and its request). */
  [Symbol.asyncIterator](): StreamIterator<T>;
}

/**
 * A streamed chat completion: a real `ReadableStream` of parsed `chat.completion.chunk`
 * objects. Read it one way: iterate it (`for await`), `getReader()`, `pipeTo`, or take
 * {@link text} or {@link toSSE}; {@link final} can be used alone or beside any of them.
 * Past the first event (read before the call resolves), nothing is read from the network
 * until you read. Cancelling (reader `cancel()`, `break`
 * in `for await`, or the call's signal) aborts the request.
 */
export declare class ChatStream extends ReadableStream<ChatCompletionChunk> {
  private constructor();
  /** The response the stream is reading (status, headers, rate limits; `elapsedMs` to the headers). */
  readonly response: ResponseInfo;
  /** The content deltas of the first choice, as strings. Consumes the stream. */
  text(): IterableStream<string>;
  /**
   * The stream re-encoded as server-sent events (`data: {...}` lines, ending with
   * `data: [DONE]`), ready for `new Response(stream.toSSE(), { headers: { "content-type": "text/event-stream" } })`.
   * Consumes the stream.
   */
  toSSE(): IterableStream<Uint8Array>;
  /**
   * The answer (first choice) parsed as JSON while it streams: progressively more complete
   * values, one each time a network read changed it; every value is extended by the next (open
   * strings, arrays and objects are closed; a number or key still being written is left out).
   * For `response_format: { type: "json_schema" }`; use {@link AiBadgr.parse} to validate the
   * whole answer. Consumes the stream.
   */
  partial<T = unknown>(): IterableStream<DeepPartial<T>>;
  /**
   * The whole completion assembled from the chunks (content, tool calls with their full
   * arguments, finish reasons, usage), as a non-streamed call would return it. Alone, it reads
   * the stream itself; beside iteration, `text()` or `toSSE()` it resolves when they finish.
   * It can be called at any time while you hold the stream, also after another reader finished:
   * nothing it returns is dropped. Past 16 KB per choice the content is kept in JavaScript
   * strings, not wasm memory (which never shrinks), so it goes with the stream object.
   */
  final(): Promise<WithResponse<ChatCompletion>>;
  /**
   * The answer's token usage once the stream ended; `undefined` before, or when the server
   * sent none. The usage chunk (`choices: []`) that the client asks for is kept out of
   * iteration unless the request set `stream_options`; its usage is here.
   */
  readonly usage: Usage | undefined;
  /** Iterates the chunks; leaving the loop early cancels the stream (and its request). */
  [Symbol.asyncIterator](): StreamIterator<ChatCompletionChunk>;
}

/**
 * A streamed message (Anthropic Messages API): a real `ReadableStream` of parsed stream events
 * (`ping` keep-alives are skipped). Read it one way: iterate it, `getReader()`, `pipeTo`, or take
 * {@link text} or {@link toSSE}; {@link final} can be used alone or beside any of them. Past the
 * first event, nothing is read from the network until you read; cancelling aborts the request.
 */
export declare class MessageStream extends ReadableStream<MessageStreamEvent> {
  private constructor();
  /** The response the stream is reading (status, headers, rate limits; `elapsedMs` to the headers). */
  readonly response: ResponseInfo;
  /** The text deltas (`text_delta`) as strings. Consumes the stream. */
  text(): IterableStream<string>;
  /** The stream re-encoded as server-sent events with `event:` lines. Consumes the stream. */
  toSSE(): IterableStream<Uint8Array>;
  /** The text parsed as JSON while it streams, progressively more complete (see {@link ChatStream.partial}). */
  partial<T = unknown>(): IterableStream<DeepPartial<T>>;
  /**
   * The whole message assembled from the events (text, thinking and signatures, citations,
   * parsed tool inputs, stop reason, usage). Alone, it reads the stream itself; beside another
   * reader it resolves when that one finishes. It can be called at any time while you hold the
   * stream: nothing it returns is dropped. Past 16 KB per text block the text is kept in
   * JavaScript strings, not wasm memory (which never shrinks), so it goes with the stream object.
   */
  final(): Promise<WithResponse<Message>>;
  /** The message's token usage once the stream ended; `undefined` before. */
  readonly usage: MessagesUsage | undefined;
  /** Iterates the events; leaving the loop early cancels the stream (and its request). */
  [Symbol.asyncIterator](): StreamIterator<MessageStreamEvent>;
}

// ---------------------------------------------------------------------------------------------
// The client
// ---------------------------------------------------------------------------------------------

/**
 * A client for AI Badgr, an OpenAI-compatible LLM API (chat completions, embeddings) that also
 * speaks the Anthropic Messages API. Every call validates the request before sending anything,
 * retries transient failures (network errors, 408/409/429/5xx) with backoff, and rejects with an
 * {@link AiBadgrError}.
 */
export declare class AiBadgr {
  /**
   * Creates a client.
   * @throws {AiBadgrError} kind `"config"` for unusable or unknown options. (If the WebAssembly
   * module failed to load, the constructor still returns, and every call rejects with kind `"load"`.)
   */
  constructor(options?: AiBadgrOptions);

  /**
   * Creates a client from an environment object such as a Worker's `env`, falling back to
   * `process.env`: `AIBADGR_API_KEY` (required) and `AIBADGR_BASE_URL`. `options` add to or
   * override them.
   * @throws {AiBadgrError} kind `"config"` when no API key is set.
   */
  static fromEnv(env?: AiBadgrEnv | null, options?: AiBadgrOptions): AiBadgr;

  /** The base URL requests go to (without a trailing `/`). */
  readonly baseUrl: string;

  /**
   * Creates a chat completion: `POST {baseUrl}/chat/completions`. Use {@link chatStream} to stream.
   */
  chat(request: ChatCompletionRequest, options?: CallOptions): Promise<WithResponse<ChatCompletion>>;

  /**
   * Streams a chat completion. Resolves to a {@link ChatStream} once the response headers
   * arrived (errors before that reject here). Adds `stream: true` and, unless given,
   * `stream_options: { include_usage: true }`.
   */
  chatStream(request: ChatCompletionStreamRequest, options?: CallOptions): Promise<ChatStream>;

  /**
   * Creates embeddings: `POST {baseUrl}/embeddings`. Without `encoding_format` the vectors are
   * fetched compactly (base64) and arrive as `Float32Array`s.
   */
  embed(request: EmbeddingRequest & { encoding_format?: undefined }, options?: CallOptions): Promise<WithResponse<EmbeddingResponse<Float32Array>>>;
  /** Creates embeddings with `encoding_format: "float"`: the vectors arrive as `number[]`. */
  embed(request: EmbeddingRequest & { encoding_format: "float" }, options?: CallOptions): Promise<WithResponse<EmbeddingResponse<number[]>>>;
  /** Creates embeddings with `encoding_format: "base64"`: the vectors arrive as base64 strings (little-endian float32). */
  embed(request: EmbeddingRequest & { encoding_format: "base64" }, options?: CallOptions): Promise<WithResponse<EmbeddingResponse<string>>>;
  /** Creates embeddings; the vector type follows `encoding_format`. */
  embed(request: EmbeddingRequest, options?: CallOptions): Promise<WithResponse<EmbeddingResponse<Float32Array | number[] | string>>>;

  /**
   * Creates a message with the Anthropic-compatible Messages API: `POST {baseUrl}/messages`
   * (with `anthropic-version: 2023-06-01`). `max_tokens` is required. Use {@link messagesStream} to stream.
   */
  messages(request: MessagesRequest, options?: CallOptions): Promise<WithResponse<Message>>;

  /**
   * Streams a message. Resolves to a {@link MessageStream} once the response headers arrived.
   */
  messagesStream(request: MessagesStreamRequest, options?: CallOptions): Promise<MessageStream>;

  /**
   * Lists the models the server offers: `GET {baseUrl}/models`, with the same retries,
   * timeouts and errors as every call. Rejects (kind `"api"`) when the answer is not a model list.
   */
  models(options?: CallOptions): Promise<WithResponse<ModelList>>;

  /**
   * Token usage since the client was made (or {@link resetUsage}), per model and in total.
   * Every successful call counts; streams once they end. Chat and embeddings usage is read
   * from `prompt_tokens` / `completion_tokens` / `prompt_tokens_details.cached_tokens`; messages
   * usage from `input_tokens + cache_read_input_tokens + cache_creation_input_tokens` (prompt),
   * `output_tokens` (completion) and `cache_read_input_tokens` (cached). A snapshot: read it again
   * for new totals.
   */
  readonly usage: ClientUsage;

  /** Sets every usage total back to zero. */
  resetUsage(): void;

  /**
   * Runs a tool loop: calls the model, runs the tools it asks for, sends the results back, and
   * repeats until the model answers (or `maxSteps` model calls were made). Arguments are parsed
   * and checked against each tool's `parameters` before `run` is called; invalid arguments, an
   * unknown tool or a `run` that throws become a tool message with the error, and the loop goes
   * on. `args` is typed from a `parameters` literal (see {@link FromSchema}).
   */
  runTools<const P extends readonly JsonSchema[]>(
    request: RunToolsRequest & { tools: { [K in keyof P]: RunnableTool<P[K]> } },
    options?: RunToolsOptions,
  ): Promise<ToolRun>;

  /**
   * The tool loop with every step streamed. Resolves (once the first step's stream opened) to a
   * stream of {@link ToolRunEvent}s; `final()` resolves like {@link runTools}. Cancelling the
   * stream aborts the loop.
   */
  runToolsStream<const P extends readonly JsonSchema[]>(
    request: RunToolsRequest & { tools: { [K in keyof P]: RunnableTool<P[K]> } },
    options?: RunToolsOptions,
  ): Promise<ToolRunStream>;

  /** The tool loop for the Messages API (`tool_use` / `tool_result` blocks). */
  runMessageTools<const P extends readonly JsonSchema[]>(
    request: RunMessageToolsRequest & { tools: { [K in keyof P]: RunnableMessagesTool<P[K]> } },
    options?: RunToolsOptions,
  ): Promise<MessageToolRun>;

  /**
   * Creates a chat completion whose answer must be JSON: checked against
   * `response_format.json_schema.schema` (the subset {@link FromSchema} describes) and then
   * against `options.schema` (any Standard Schema: zod, valibot, arktype). A non-matching answer
   * is repaired up to `repair` times (default 1) by appending what is wrong to the
   * conversation; then, or on a refusal, it rejects with kind `"output"`.
   */
  parse<S extends StandardSchemaV1>(request: ChatCompletionRequest, options: ParseOptions & { schema: S }): Promise<ParsedCompletion<StandardSchemaV1.InferOutput<S>>>;
  /** `parse()` without a Standard Schema: `parsed` is typed from a `json_schema.schema` literal. */
  parse<const F extends JsonSchema>(
    request: ChatCompletionRequest & { response_format: { type: "json_schema"; json_schema: { name: string; schema: F } } },
    options?: ParseOptions,
  ): Promise<ParsedCompletion<FromSchema<F>>>;
  /** `parse()` with any response format: `parsed` is `unknown`. */
  parse(request: ChatCompletionRequest, options?: ParseOptions): Promise<ParsedCompletion<unknown>>;

  /**
   * Releases the client's WebAssembly memory now instead of at garbage collection. The client
   * must not be used afterwards. Optional.
   */
  free(): void;
}

// ---------------------------------------------------------------------------------------------
// Chat completions: request
// ---------------------------------------------------------------------------------------------

/** A text part of a message's content. */
export interface ChatTextPart {
  /** Always `"text"`. */
  type: "text";
  /** The text. */
  text: string;
}

/** An image part of a user message. */
export interface ChatImagePart {
  /** Always `"image_url"`. */
  type: "image_url";
  /** The image. */
  image_url: {
    /** An `https:` URL or a `data:image/...;base64,` URL. */
    url: string;
    /** How closely the model looks at the image. */
    detail?: "auto" | "low" | "high";
  };
}

/** An audio part of a user message. */
export interface ChatAudioPart {
  /** Always `"input_audio"`. */
  type: "input_audio";
  /** The audio. */
  input_audio: {
    /** Base64-encoded audio. */
    data: string;
    /** The audio format. */
    format: "wav" | "mp3";
  };
}

/** A file part of a user message (e.g. a PDF). */
export interface ChatFilePart {
  /** Always `"file"`. */
  type: "file";
  /** The file. */
  file: {
    /** The file as a base64 `data:` URL. */
    file_data?: string;
    /** The id of an uploaded file. */
    file_id?: string;
    /** The file's name. */
    filename?: string;
  };
}

/** A refusal part of an assistant message. */
export interface ChatRefusalPart {
  /** Always `"refusal"`. */
  type: "refusal";
  /** The refusal text. */
  refusal: string;
}

/** A part of a user message's content. */
export type ChatContentPart = ChatTextPart | ChatImagePart | ChatAudioPart | ChatFilePart;

/** Instructions for the model (role `"system"`). */
export interface ChatSystemMessage {
  /** Always `"system"`. */
  role: "system";
  /** The message text, or its parts. */
  content: string | readonly ChatTextPart[];
  /** An optional participant name. */
  name?: string;
}

/** Instructions for the model (role `"developer"`, the newer name for `"system"`). */
export interface ChatDeveloperMessage {
  /** Always `"developer"`. */
  role: "developer";
  /** The message text, or its parts. */
  content: string | readonly ChatTextPart[];
  /** An optional participant name. */
  name?: string;
}

/** A message from the user: text, or parts (text, images, audio, files). */
export interface ChatUserMessage {
  /** Always `"user"`. */
  role: "user";
  /** The message text, or its parts. */
  content: string | readonly ChatContentPart[];
  /** An optional participant name. */
  name?: string;
}

/**
 * A message from the assistant (an earlier reply in the conversation). `content` may be left
 * out or `null` only when `tool_calls` (or `refusal`) is given. A
 * {@link ChatCompletionMessage} from a response can be passed back as it is.
 */
export interface ChatAssistantMessage {
  /** Always `"assistant"`. */
  role: "assistant";
  /** The reply text (or text and refusal parts); may be `null` when `tool_calls` is given. */
  content?: string | readonly (ChatTextPart | ChatRefusalPart)[] | null;
  /** An optional participant name. */
  name?: string;
  /** The tools the assistant called. */
  tool_calls?: readonly ChatToolCall[];
  /** The assistant's refusal. */
  refusal?: string | null;
  /** @deprecated Use `tool_calls`. */
  function_call?: ChatFunctionCall | null;
}

/** The result of a tool call, answering the call with id `tool_call_id`. */
export interface ChatToolMessage {
  /** Always `"tool"`. */
  role: "tool";
  /** The tool's result. */
  content: string | readonly ChatTextPart[];
  /** The `id` of the tool call this answers. */
  tool_call_id: string;
}

/** @deprecated The result of a legacy function call; use {@link ChatToolMessage}. */
export interface ChatFunctionMessage {
  /** Always `"function"`. */
  role: "function";
  /** The function's result. */
  content: string | null;
  /** The function's name. */
  name: string;
}

/** Any message of a chat conversation. */
export type ChatMessage =
  | ChatSystemMessage
  | ChatDeveloperMessage
  | ChatUserMessage
  | ChatAssistantMessage
  | ChatToolMessage
  | ChatFunctionMessage;

/** The role of a chat message. */
export type ChatRole = ChatMessage["role"];

/** A function the model may call. */
export interface ChatFunctionDefinition {
  /** The function's name (letters, digits, `_` and `-`, up to 64 characters). */
  name: string;
  /** What the function does, so the model knows when to call it. */
  description?: string;
  /** The arguments as a JSON Schema object. */
  parameters?: JsonSchema;
  /** Whether the model must follow the schema exactly. */
  strict?: boolean | null;
}

/** A tool the model may call: `{ type: "function", function: { name, description, parameters } }`. */
export interface ChatTool {
  /** Always `"function"`. */
  type: "function";
  /** The function's name, description and parameters. */
  function: ChatFunctionDefinition;
}

/**
 * Whether and which tool the model calls: `"none"`, `"auto"` (default when tools are given),
 * `"required"`, or one named function.
 */
export type ChatToolChoice = "none" | "auto" | "required" | { type: "function"; function: { name: string } };

/** The output format: plain text, any JSON object, or JSON matching a schema. */
export type ChatResponseFormat =
  | { type: "text" }
  | { type: "json_object" }
  | {
      /** Always `"json_schema"`. */
      type: "json_schema";
      /** The schema the output must match. */
      json_schema: {
        /** The schema's name. */
        name: string;
        /** What the output is for. */
        description?: string;
        /** The JSON Schema the output must match. */
        schema?: JsonSchema;
        /** Whether the output must follow the schema exactly. */
        strict?: boolean | null;
      };
    };

/** Stream options (for {@link AiBadgr.chatStream}). */
export interface ChatStreamOptions {
  /** Send a last chunk with token usage (the client sets this to `true` unless you set stream_options). */
  include_usage?: boolean;
  /** Whether to pad chunks against length side channels. */
  include_obfuscation?: boolean;
}

/** The request fields shared by {@link ChatCompletionRequest} and {@link ChatCompletionStreamRequest}. */
export interface ChatCompletionRequestBase {
  /** The conversation so far (at least one message). */
  messages: readonly ChatMessage[];
  /** The model; defaults to the client's `model` (`"basic"`). `"aibadgr/premium"` is sent as `"premium"`. */
  model?: ModelName;
  /** Sampling temperature, 0 to 2: higher is more random. */
  temperature?: number | null;
  /** Nucleus sampling, 0 to 1: only tokens in the top `top_p` probability mass. */
  top_p?: number | null;
  /** The most tokens to generate (at least 1). */
  max_tokens?: number | null;
  /** The most tokens to generate, reasoning included (newer name of `max_tokens`). */
  max_completion_tokens?: number | null;
  /** Penalizes tokens by how often they appeared, -2 to 2. */
  frequency_penalty?: number | null;
  /** Penalizes tokens that appeared at all, -2 to 2. */
  presence_penalty?: number | null;
  /** Up to 4 sequences where generation stops. */
  stop?: string | readonly string[] | null;
  /** How many choices to generate (1 to 128). */
  n?: number | null;
  /** A seed for best-effort reproducible sampling. */
  seed?: number | null;
  /** An identifier of your end user, for abuse monitoring. */
  user?: string;
  /** Tools (functions) the model may call. */
  tools?: readonly ChatTool[];
  /** Whether and which tool the model calls. */
  tool_choice?: ChatToolChoice;
  /** Whether the model may call several tools at once. */
  parallel_tool_calls?: boolean;
  /** The output format (e.g. `{ type: "json_object" }`). */
  response_format?: ChatResponseFormat;
  /** Whether to return log probabilities of the output tokens. */
  logprobs?: boolean | null;
  /** How many most likely tokens to return at each position (0 to 20; needs `logprobs`). */
  top_logprobs?: number | null;
  /** Biases tokens: token id (as a string) to a bias from -100 to 100. */
  logit_bias?: Readonly<Record<string, number>> | null;
  /** Stream options; only for {@link AiBadgr.chatStream}. */
  stream_options?: ChatStreamOptions | null;
  /** How much a reasoning model reasons. */
  reasoning_effort?: "none" | "minimal" | "low" | "medium" | "high" | null;
  /** Key-value pairs stored with the request. */
  metadata?: Readonly<Record<string, string>> | null;
  /** Whether the provider may store the completion. */
  store?: boolean | null;
  /** The processing tier to use. */
  service_tier?: "auto" | "default" | "flex" | "priority" | null;
  /** Other fields are sent as they are (for provider-specific parameters). */
  [key: string]: unknown;
}

/** A request for {@link AiBadgr.chat}. */
export interface ChatCompletionRequest extends ChatCompletionRequestBase {
  /** Must be left out (or `false`): `chat()` returns a whole completion; use `chatStream()` to stream. */
  stream?: false;
}

/** A request for {@link AiBadgr.chatStream}. */
export interface ChatCompletionStreamRequest extends ChatCompletionRequestBase {
  /** May be left out: `chatStream()` always streams. */
  stream?: true;
}

// ---------------------------------------------------------------------------------------------
// Chat completions: response and chunks
// ---------------------------------------------------------------------------------------------

/** Why a choice stopped: a natural stop, the token limit, tool calls, or a content filter. */
export type ChatFinishReason = "stop" | "length" | "tool_calls" | "content_filter" | "function_call";

/** A tool call the model made. `function.arguments` is JSON text (parse it yourself). */
export interface ChatToolCall {
  /** The call's id; answer it with a `tool` message carrying this `tool_call_id`. */
  id: string;
  /** Always `"function"`. */
  type: "function";
  /** The function called, with its JSON arguments. */
  function: ChatFunctionCall;
}

/** A function name and its JSON-encoded arguments. */
export interface ChatFunctionCall {
  /** The function to call. */
  name: string;
  /** The arguments as JSON text, e.g. `{"location":"Paris"}` (may be invalid JSON; check it). */
  arguments: string;
}

/** Token usage of a request. */
export interface Usage {
  /** Tokens in the prompt. */
  prompt_tokens: number;
  /** Tokens generated. */
  completion_tokens: number;
  /** The sum of both. */
  total_tokens: number;
  /** A breakdown of the prompt tokens. */
  prompt_tokens_details?: {
    /** Prompt tokens served from the cache. */
    cached_tokens?: number;
    /** Audio prompt tokens. */
    audio_tokens?: number;
  } | null;
  /** A breakdown of the generated tokens. */
  completion_tokens_details?: {
    /** Tokens spent on reasoning. */
    reasoning_tokens?: number;
    /** Audio tokens generated. */
    audio_tokens?: number;
    /** Predicted tokens that appeared in the output. */
    accepted_prediction_tokens?: number;
    /** Predicted tokens that did not. */
    rejected_prediction_tokens?: number;
  } | null;
}

/** One token's log probability. */
export interface ChatTokenLogprob {
  /** The token. */
  token: string;
  /** Its log probability. */
  logprob: number;
  /** Its UTF-8 bytes, if it has a byte representation. */
  bytes: number[] | null;
  /** The most likely tokens at this position. */
  top_logprobs: { token: string; logprob: number; bytes: number[] | null }[];
}

/** Log probabilities of a choice's tokens. */
export interface ChatChoiceLogprobs {
  /** Of the content tokens. */
  content: ChatTokenLogprob[] | null;
  /** Of the refusal tokens. */
  refusal?: ChatTokenLogprob[] | null;
}

/** The assistant's reply in a completion. Pass it back in `messages` to continue the conversation. */
export interface ChatCompletionMessage {
  /** Always `"assistant"`. */
  role: "assistant";
  /** The reply text; `null` when the model only called tools. */
  content: string | null;
  /** The model's refusal, if it refused. */
  refusal?: string | null;
  /** The tools the model called. */
  tool_calls?: ChatToolCall[];
  /** Reasoning text, from models and servers that return it. */
  reasoning_content?: string;
  /** URL citations and similar annotations, when the server sends them. */
  annotations?: unknown[];
  /** @deprecated The legacy function call. */
  function_call?: ChatFunctionCall | null;
}

/** One choice of a completion. */
export interface ChatCompletionChoice {
  /** The choice's index (0 unless `n` > 1). */
  index: number;
  /** The reply. */
  message: ChatCompletionMessage;
  /** Why it stopped (`null` only when a stream ended without saying). */
  finish_reason: ChatFinishReason | null;
  /** Token log probabilities, when requested. */
  logprobs?: ChatChoiceLogprobs | null;
}

/** A chat completion (`object: "chat.completion"`). */
export interface ChatCompletion {
  /** The completion's id. */
  id: string;
  /** Always `"chat.completion"`. */
  object: "chat.completion";
  /** Unix time (seconds) it was created. */
  created: number;
  /** The model that answered. */
  model: string;
  /** The choices (one unless `n` > 1). */
  choices: ChatCompletionChoice[];
  /** Token usage (`null` when a stream did not report it). */
  usage?: Usage | null;
  /** The backend configuration fingerprint. */
  system_fingerprint?: string | null;
  /** The processing tier used. */
  service_tier?: string | null;
}

/** A piece of a tool call in a stream. Pieces with the same `index` form one call. */
export interface ChatToolCallDelta {
  /** Which call of the message this piece belongs to. */
  index: number;
  /** The call's id (in its first piece). */
  id?: string;
  /** Always `"function"`. */
  type?: "function";
  /** The next piece of the function's name and arguments. */
  function?: {
    /** The function's name (in its first piece). */
    name?: string;
    /** The next piece of the JSON arguments. */
    arguments?: string;
  };
}

/** What a chunk adds to a choice. */
export interface ChatCompletionDelta {
  /** `"assistant"`, in the first chunk. */
  role?: "assistant";
  /** The next piece of text. */
  content?: string | null;
  /** The next piece of a refusal. */
  refusal?: string | null;
  /** Pieces of tool calls. */
  tool_calls?: ChatToolCallDelta[];
  /** The next piece of reasoning text, from servers that send it. */
  reasoning_content?: string | null;
  /** @deprecated A piece of the legacy function call. */
  function_call?: { name?: string; arguments?: string } | null;
}

/** One choice's part of a chunk. */
export interface ChatCompletionChunkChoice {
  /** The choice's index. */
  index: number;
  /** What this chunk adds. */
  delta: ChatCompletionDelta;
  /** Why the choice stopped, in its last chunk; else `null`. */
  finish_reason: ChatFinishReason | null;
  /** Log probabilities of this chunk's tokens, when requested. */
  logprobs?: ChatChoiceLogprobs | null;
}

/** One streamed chunk (`object: "chat.completion.chunk"`). */
export interface ChatCompletionChunk {
  /** The completion's id (the same in every chunk). */
  id: string;
  /** Always `"chat.completion.chunk"`. */
  object: "chat.completion.chunk";
  /** Unix time (seconds) the completion was created. */
  created: number;
  /** The model that answers. */
  model: string;
  /** The choices this chunk adds to; empty in the final usage chunk. */
  choices: ChatCompletionChunkChoice[];
  /** Token usage, in the final chunk when `stream_options.include_usage` is set; else `null` or absent. */
  usage?: Usage | null;
  /** The backend configuration fingerprint. */
  system_fingerprint?: string | null;
  /** The processing tier used. */
  service_tier?: string | null;
}

// ---------------------------------------------------------------------------------------------
// Embeddings
// ---------------------------------------------------------------------------------------------

/** A request for {@link AiBadgr.embed}. */
export interface EmbeddingRequest {
  /**
   * What to embed: a string, up to 2048 strings, an array of token ids, or up to 2048 arrays of
   * token ids. Strings must not be empty.
   */
  input: string | readonly string[] | readonly number[] | readonly (readonly number[])[];
  /** The model; defaults to the client's `embeddingModel` (`"text-embedding-ada-002"`). */
  model?: EmbeddingModelName;
  /**
   * Leave it out to get `Float32Array`s (fetched compactly as base64 and decoded); `"float"`
   * returns `number[]`, `"base64"` returns the base64 text.
   */
  encoding_format?: "float" | "base64";
  /** Shortens the vectors to this many dimensions (models that support it). */
  dimensions?: number;
  /** An identifier of your end user, for abuse monitoring. */
  user?: string;
  /** Other fields are sent as they are. */
  [key: string]: unknown;
}

/** One embedding vector. */
export interface Embedding<V = Float32Array> {
  /** Always `"embedding"`. */
  object: "embedding";
  /** The input's index. */
  index: number;
  /** The vector: a `Float32Array` by default; `number[]` or a base64 string with `encoding_format`. */
  embedding: V;
}

/** The response of {@link AiBadgr.embed}. */
export interface EmbeddingResponse<V = Float32Array> {
  /** Always `"list"`. */
  object: "list";
  /** One embedding per input, in input order. */
  data: Embedding<V>[];
  /** The model that answered. */
  model: string;
  /** Token usage. */
  usage: {
    /** Tokens in the input. */
    prompt_tokens: number;
    /** The same number. */
    total_tokens: number;
  };
}

// ---------------------------------------------------------------------------------------------
// Messages (Anthropic-compatible): request
// ---------------------------------------------------------------------------------------------

/** Marks a prompt prefix for caching. */
export interface CacheControl {
  /** Always `"ephemeral"`. */
  type: "ephemeral";
  /** How long the cache entry lives. */
  ttl?: "5m" | "1h";
}

/** A citation of a character range in a plain-text document. */
export interface CharLocationCitation {
  /** Always `"char_location"`. */
  type: "char_location";
  /** The text being cited. */
  cited_text: string;
  /** Which document is cited (0-based, in request order). */
  document_index: number;
  /** The cited document's title. */
  document_title?: string | null;
  /** Where the cited text starts (character offset). */
  start_char_index: number;
  /** Where the cited text ends (exclusive). */
  end_char_index: number;
  /** The cited document's file id, for uploaded files. */
  file_id?: string | null;
}

/** A citation of a page range in a PDF. */
export interface PageLocationCitation {
  /** Always `"page_location"`. */
  type: "page_location";
  /** The text being cited. */
  cited_text: string;
  /** Which document is cited (0-based, in request order). */
  document_index: number;
  /** The cited document's title. */
  document_title?: string | null;
  /** The first cited page (1-based). */
  start_page_number: number;
  /** The page after the last cited one. */
  end_page_number: number;
  /** The cited document's file id, for uploaded files. */
  file_id?: string | null;
}

/** A citation of content blocks in a custom-content document. */
export interface ContentBlockLocationCitation {
  /** Always `"content_block_location"`. */
  type: "content_block_location";
  /** The text being cited. */
  cited_text: string;
  /** Which document is cited (0-based, in request order). */
  document_index: number;
  /** The cited document's title. */
  document_title?: string | null;
  /** The first cited block (0-based). */
  start_block_index: number;
  /** The block after the last cited one. */
  end_block_index: number;
  /** The cited document's file id, for uploaded files. */
  file_id?: string | null;
}

/** A citation of a web search result. */
export interface WebSearchResultLocationCitation {
  /** Always `"web_search_result_location"`. */
  type: "web_search_result_location";
  /** The text being cited. */
  cited_text: string;
  /** The URL. */
  url: string;
  /** The title. */
  title?: string | null;
  /** An opaque reference; pass it back unchanged. */
  encrypted_index: string;
}

/** A citation of a search result block. */
export interface SearchResultLocationCitation {
  /** Always `"search_result_location"`. */
  type: "search_result_location";
  /** The text being cited. */
  cited_text: string;
  /** The cited search result's source. */
  source: string;
  /** The title. */
  title?: string | null;
  /** Which search result is cited. */
  search_result_index: number;
  /** The first cited block (0-based). */
  start_block_index: number;
  /** The block after the last cited one. */
  end_block_index: number;
}

/** A citation supporting a text block. */
export type TextCitation =
  | CharLocationCitation
  | PageLocationCitation
  | ContentBlockLocationCitation
  | WebSearchResultLocationCitation
  | SearchResultLocationCitation;

/** Text content. */
export interface TextBlockParam {
  /** Always `"text"`. */
  type: "text";
  /** The text (not empty). */
  text: string;
  /** Citations, when passing back an earlier reply. */
  citations?: readonly TextCitation[] | null;
  /** Caches the prompt up to and including this block. */
  cache_control?: CacheControl | null;
}

/** An image, inline (base64) or by URL. */
export interface ImageBlockParam {
  /** Always `"image"`. */
  type: "image";
  /** Where the image comes from: base64 data or a URL. */
  source:
    | { type: "base64"; media_type: "image/jpeg" | "image/png" | "image/gif" | "image/webp"; data: string }
    | { type: "url"; url: string };
  /** Caches the prompt up to and including this block. */
  cache_control?: CacheControl | null;
}

/** A document (PDF, plain text or custom content) the model can read and cite. */
export interface DocumentBlockParam {
  /** Always `"document"`. */
  type: "document";
  /** The document: a PDF, plain text, a URL, or content blocks. */
  source:
    | { type: "base64"; media_type: "application/pdf"; data: string }
    | { type: "text"; media_type: "text/plain"; data: string }
    | { type: "url"; url: string }
    | { type: "content"; content: string | readonly (TextBlockParam | ImageBlockParam)[] };
  /** The document's title. */
  title?: string | null;
  /** Context about the document (not cited). */
  context?: string | null;
  /** Whether the model cites it. */
  citations?: { enabled?: boolean } | null;
  /** Caches the prompt up to and including this block. */
  cache_control?: CacheControl | null;
}

/** A tool call made by the assistant (when passing back an earlier reply). */
export interface ToolUseBlockParam {
  /** Always `"tool_use"`. */
  type: "tool_use";
  /** The call's id. */
  id: string;
  /** The tool's name. */
  name: string;
  /** The tool's input (an object matching its `input_schema`). */
  input: unknown;
  /** Caches the prompt up to and including this block. */
  cache_control?: CacheControl | null;
}

/** The result of a tool call, in a user message. */
export interface ToolResultBlockParam {
  /** Always `"tool_result"`. */
  type: "tool_result";
  /** The `id` of the `tool_use` block this answers. */
  tool_use_id: string;
  /** The result. */
  content?: string | readonly (TextBlockParam | ImageBlockParam | DocumentBlockParam)[];
  /** Whether the tool failed. */
  is_error?: boolean;
  /** Caches the prompt up to and including this block. */
  cache_control?: CacheControl | null;
}

/** The assistant's earlier reasoning (pass it back unchanged, signature included). */
export interface ThinkingBlockParam {
  /** Always `"thinking"`. */
  type: "thinking";
  /** The reasoning text. */
  thinking: string;
  /** Verifies the reasoning when it is passed back; keep it unchanged. */
  signature: string;
}

/** The assistant's earlier reasoning in encrypted form (pass it back unchanged). */
export interface RedactedThinkingBlockParam {
  /** Always `"redacted_thinking"`. */
  type: "redacted_thinking";
  /** The encrypted reasoning; pass it back unchanged. */
  data: string;
}

/** A server tool call (e.g. web search) made by the assistant, passed back unchanged. */
export interface ServerToolUseBlockParam {
  /** Always `"server_tool_use"`. */
  type: "server_tool_use";
  /** The call's id. */
  id: string;
  /** The server tool's name (e.g. `web_search`). */
  name: string;
  /** The tool's input. */
  input: unknown;
  /** Caches the prompt up to and including this block. */
  cache_control?: CacheControl | null;
}

/** A web search tool result, passed back unchanged. */
export interface WebSearchToolResultBlockParam {
  /** Always `"web_search_tool_result"`. */
  type: "web_search_tool_result";
  /** The id of the server tool call these results answer. */
  tool_use_id: string;
  /** The results, or why the search failed. */
  content: readonly WebSearchResult[] | WebSearchToolResultError;
  /** Caches the prompt up to and including this block. */
  cache_control?: CacheControl | null;
}

/** A content block of a message in a request. */
export type ContentBlockParam =
  | TextBlockParam
  | ImageBlockParam
  | DocumentBlockParam
  | ToolUseBlockParam
  | ToolResultBlockParam
  | ThinkingBlockParam
  | RedactedThinkingBlockParam
  | ServerToolUseBlockParam
  | WebSearchToolResultBlockParam;

/**
 * A message of the conversation: text or content blocks. A {@link Message}'s `content` from a
 * response can be passed back as an assistant message's content.
 */
export interface MessageParam {
  /** Who wrote it. */
  role: "user" | "assistant";
  /** Text (not empty) or at least one content block. */
  content: string | readonly ContentBlockParam[];
}

/** A tool the model may call: `{ name, description, input_schema }`. */
export interface MessagesTool {
  /** Leave it out (or `"custom"`) for your own tools. */
  type?: "custom";
  /** The tool's name. */
  name: string;
  /** What the tool does. */
  description?: string;
  /** The input as a JSON Schema object. */
  input_schema: JsonSchema;
  /** Caches the prompt up to and including this block. */
  cache_control?: CacheControl | null;
}

/** A tool the server runs (e.g. `{ type: "web_search_20250305", name: "web_search", max_uses: 3 }`). */
export interface MessagesServerTool {
  /** The versioned tool type. */
  type: `${string}_${number}`;
  /** The tool's name. */
  name: string;
  /** The tool's own settings. */
  [key: string]: unknown;
}

/** Whether and which tool the model uses. */
export type MessagesToolChoice =
  | { type: "auto"; disable_parallel_tool_use?: boolean }
  | { type: "any"; disable_parallel_tool_use?: boolean }
  | { type: "tool"; name: string; disable_parallel_tool_use?: boolean }
  | { type: "none" };

/** Extended thinking settings. */
export type ThinkingConfig = { type: "enabled"; budget_tokens: number } | { type: "disabled" };

/** The request fields shared by {@link MessagesRequest} and {@link MessagesStreamRequest}. */
export interface MessagesRequestBase {
  /** The most tokens to generate (required by the Messages API). */
  max_tokens: number;
  /** The conversation so far; roles alternate between `"user"` and `"assistant"`. */
  messages: readonly MessageParam[];
  /** The model; defaults to the client's `model` (`"basic"`). */
  model?: ModelName;
  /** The system prompt: text or text blocks. */
  system?: string | readonly TextBlockParam[];
  /** Sampling temperature, 0 to 1. */
  temperature?: number;
  /** Nucleus sampling, 0 to 1. */
  top_p?: number;
  /** Samples only from the `top_k` most likely tokens. */
  top_k?: number;
  /** Sequences where generation stops. */
  stop_sequences?: readonly string[];
  /** Tools the model may use. */
  tools?: readonly (MessagesTool | MessagesServerTool)[];
  /** Whether and which tool the model uses. */
  tool_choice?: MessagesToolChoice;
  /** Request metadata. */
  metadata?: { user_id?: string | null };
  /** Extended thinking. */
  thinking?: ThinkingConfig;
  /** The processing tier to use. */
  service_tier?: "auto" | "standard_only";
  /** Other fields are sent as they are. */
  [key: string]: unknown;
}

/** A request for {@link AiBadgr.messages}. */
export interface MessagesRequest extends MessagesRequestBase {
  /** Must be left out (or `false`): use `messagesStream()` to stream. */
  stream?: false;
}

/** A request for {@link AiBadgr.messagesStream}. */
export interface MessagesStreamRequest extends MessagesRequestBase {
  /** May be left out: `messagesStream()` always streams. */
  stream?: true;
}

// ---------------------------------------------------------------------------------------------
// Messages: response
// ---------------------------------------------------------------------------------------------

/** Why the message stopped. */
export type StopReason = "end_turn" | "max_tokens" | "stop_sequence" | "tool_use" | "pause_turn" | "refusal";

/** Text the model wrote. */
export interface TextBlock {
  /** Always `"text"`. */
  type: "text";
  /** The text. */
  text: string;
  /** Citations supporting the text, when documents with citations were given. */
  citations?: TextCitation[] | null;
}

/** The model's reasoning (extended thinking). */
export interface ThinkingBlock {
  /** Always `"thinking"`. */
  type: "thinking";
  /** The reasoning text. */
  thinking: string;
  /** Verifies the reasoning when passed back. */
  signature: string;
}

/** Reasoning the model returned in encrypted form. */
export interface RedactedThinkingBlock {
  /** Always `"redacted_thinking"`. */
  type: "redacted_thinking";
  /** The encrypted reasoning; pass it back unchanged. */
  data: string;
}

/** A call of one of your tools. */
export interface ToolUseBlock {
  /** Always `"tool_use"`. */
  type: "tool_use";
  /** The call's id; answer it with a `tool_result` block carrying this `tool_use_id`. */
  id: string;
  /** The tool's name. */
  name: string;
  /**
   * The input, parsed (an object matching the tool's `input_schema`). When a stream was cut
   * off inside it (`stop_reason: "max_tokens"`), a best-effort parse of what arrived.
   */
  input: unknown;
  /** Only when the streamed input was not complete JSON: the raw text that arrived. */
  partial_json?: string;
}

/** A call of a server tool (e.g. web search). */
export interface ServerToolUseBlock {
  /** Always `"server_tool_use"`. */
  type: "server_tool_use";
  /** The call's id. */
  id: string;
  /** The server tool's name (e.g. `web_search`). */
  name: string;
  /** The tool's input. */
  input: unknown;
}

/** One web search result. */
export interface WebSearchResult {
  /** Always `"web_search_result"`. */
  type: "web_search_result";
  /** The URL. */
  url: string;
  /** The title. */
  title: string;
  /** Opaque page content; pass it back unchanged. */
  encrypted_content: string;
  /** How old the page is, when known. */
  page_age?: string | null;
}

/** A failed web search. */
export interface WebSearchToolResultError {
  /** Always `"web_search_tool_result_error"`. */
  type: "web_search_tool_result_error";
  /** Why the search failed (e.g. `max_uses_exceeded`). */
  error_code: string;
}

/** The results of a web search. */
export interface WebSearchToolResultBlock {
  /** Always `"web_search_tool_result"`. */
  type: "web_search_tool_result";
  /** The id of the server tool call these results answer. */
  tool_use_id: string;
  /** The results, or why the search failed. */
  content: WebSearchResult[] | WebSearchToolResultError;
}

/** A content block of a reply. */
export type ContentBlock =
  | TextBlock
  | ThinkingBlock
  | RedactedThinkingBlock
  | ToolUseBlock
  | ServerToolUseBlock
  | WebSearchToolResultBlock;

/** Token usage of a message. */
export interface MessagesUsage {
  /** Tokens in the input. */
  input_tokens: number;
  /** Tokens generated. */
  output_tokens: number;
  /** Input tokens written to the cache. */
  cache_creation_input_tokens?: number | null;
  /** Input tokens read from the cache. */
  cache_read_input_tokens?: number | null;
  /** Server tool use counts. */
  server_tool_use?: { web_search_requests: number } | null;
  /** The processing tier used. */
  service_tier?: string | null;
}

/** A reply of the Messages API (`type: "message"`). */
export interface Message {
  /** The message's id. */
  id: string;
  /** Always `"message"`. */
  type: "message";
  /** Always `"assistant"`. */
  role: "assistant";
  /** The model that answered. */
  model: string;
  /** The content blocks (text, thinking, tool calls...). */
  content: ContentBlock[];
  /** Why it stopped (`null` only when a stream ended without saying). */
  stop_reason: StopReason | null;
  /** The stop sequence that ended it, if one did. */
  stop_sequence: string | null;
  /** Token usage. */
  usage: MessagesUsage;
}

// ---------------------------------------------------------------------------------------------
// Messages: stream events
// ---------------------------------------------------------------------------------------------

/** The first event: the message with empty content. */
export interface MessageStartEvent {
  /** Always `"message_start"`. */
  type: "message_start";
  /** The message so far: id, model and input usage, with empty content. */
  message: Message;
}

/** A content block begins (text empty, tool input `{}`). */
export interface ContentBlockStartEvent {
  /** Always `"content_block_start"`. */
  type: "content_block_start";
  /** The block's index in `content`. */
  index: number;
  /** The block as it starts (text empty, tool input `{}`). */
  content_block: ContentBlock;
}

/** The next piece of a text block. */
export interface TextDelta {
  /** Always `"text_delta"`. */
  type: "text_delta";
  /** The next piece of text. */
  text: string;
}

/** The next piece of a tool call's input, as JSON text (complete only at the block's end). */
export interface InputJSONDelta {
  /** Always `"input_json_delta"`. */
  type: "input_json_delta";
  /** The next piece of the input's JSON text. */
  partial_json: string;
}

/** The next piece of a thinking block. */
export interface ThinkingDelta {
  /** Always `"thinking_delta"`. */
  type: "thinking_delta";
  /** The next piece of reasoning. */
  thinking: string;
}

/** A thinking block's signature. */
export interface SignatureDelta {
  /** Always `"signature_delta"`. */
  type: "signature_delta";
  /** The thinking block's signature. */
  signature: string;
}

/** A citation added to a text block. */
export interface CitationsDelta {
  /** Always `"citations_delta"`. */
  type: "citations_delta";
  /** The citation. */
  citation: TextCitation;
}

/** What a `content_block_delta` adds. */
export type ContentBlockDelta = TextDelta | InputJSONDelta | ThinkingDelta | SignatureDelta | CitationsDelta;

/** A piece of the content block at `index`. */
export interface ContentBlockDeltaEvent {
  /** Always `"content_block_delta"`. */
  type: "content_block_delta";
  /** The block's index in `content`. */
  index: number;
  /** What this event adds to the block. */
  delta: ContentBlockDelta;
}

/** The content block at `index` is complete. */
export interface ContentBlockStopEvent {
  /** Always `"content_block_stop"`. */
  type: "content_block_stop";
  /** The block's index in `content`. */
  index: number;
}

/** Usage in a `message_delta` event: cumulative counts. */
export interface MessageDeltaUsage {
  /** Tokens generated so far. */
  output_tokens: number;
  /** Tokens in the input, when the server repeats it. */
  input_tokens?: number | null;
  /** Input tokens written to the cache. */
  cache_creation_input_tokens?: number | null;
  /** Input tokens read from the cache. */
  cache_read_input_tokens?: number | null;
  /** Server tool use counts. */
  server_tool_use?: { web_search_requests: number } | null;
}

/** Top-level changes near the end: the stop reason and final usage. */
export interface MessageDeltaEvent {
  /** Always `"message_delta"`. */
  type: "message_delta";
  /** The stop reason and stop sequence. */
  delta: {
    /** Why it stopped, once known. */
    stop_reason: StopReason | null;
    /** The stop sequence that ended it, if one did. */
    stop_sequence: string | null;
  };
  /** Token usage so far (cumulative). */
  usage: MessageDeltaUsage;
}

/** The last event. */
export interface MessageStopEvent {
  /** Always `"message_stop"`. */
  type: "message_stop";
}

/**
 * An event of a {@link MessageStream}. (`ping` keep-alives are skipped; an `error` event rejects
 * the stream with an {@link AiBadgrError} of kind `"stream"`.)
 */
export type MessageStreamEvent =
  | MessageStartEvent
  | ContentBlockStartEvent
  | ContentBlockDeltaEvent
  | ContentBlockStopEvent
  | MessageDeltaEvent
  | MessageStopEvent;

// ---------------------------------------------------------------------------------------------
// Tools and structured output
// ---------------------------------------------------------------------------------------------

/** Collapses an intersection into one object type (for readable hover text). */
type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** The `required` names of an object schema. */
type RequiredOf<S> = S extends { required: readonly (infer R)[] } ? R : never;

/** The value type of one JSON Schema `type` name. */
type FromType<T, S> = T extends "string"
  ? string
  : T extends "number" | "integer"
    ? number
    : T extends "boolean"
      ? boolean
      : T extends "null"
        ? null
        : T extends "array"
          ? S extends { items: infer I }
            ? FromSchema<I>[]
            : unknown[]
          : T extends "object"
            ? FromObject<S>
            : unknown;

/** The value type of an object schema: `required` properties required, the rest optional. */
type FromObject<S> = S extends { properties: infer P }
  ? Simplify<
      { -readonly [K in keyof P as K extends RequiredOf<S> ? K : never]: FromSchema<P[K]> } & {
        -readonly [K in keyof P as K extends RequiredOf<S> ? never : K]?: FromSchema<P[K]>;
      }
    >
  : { [key: string]: unknown };

/**
 * The TypeScript type of values matching a JSON Schema literal (write it inline, or `as const`):
 * `type` (one or a list), `properties` + `required`, `items`, `enum`, `const`. Anything it
 * cannot read is `unknown`.
 */
export type FromSchema<S> = S extends { const: infer C }
  ? C
  : S extends { enum: readonly (infer E)[] }
    ? E
    : S extends { type: readonly (infer T)[] }
      ? FromType<T, S>
      : S extends { type: infer T }
        ? FromType<T, S>
        : S extends { properties: object }
          ? FromObject<S>
          : unknown;

/** Every member optional, at every depth: what `partial()` gives while the answer streams. */
export type DeepPartial<T> = T extends readonly (infer I)[]
  ? DeepPartial<I>[]
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

/** What a tool's `run` gets beside its arguments. */
export interface ToolContext<A = unknown> {
  /** Aborts when the loop's signal aborts (or the stream is cancelled): pass it on to `fetch`. */
  signal: AbortSignal;
  /** The call being run: its id, the tool's name, and the checked arguments. */
  toolCall: { id: string; name: string; args: A };
}

/** A chat tool with the function that runs it. A non-string result is sent to the model as JSON. */
export interface RunnableTool<P = JsonSchema> {
  /** Always `"function"`. */
  type: "function";
  /** The function's name, description and parameters (checked before `run` is called). */
  function: { name: string; description?: string; parameters?: P; strict?: boolean | null };
  /** Runs the tool with arguments that matched `parameters`; may be async; a throw is sent to the model. */
  run(args: FromSchema<P>, context: ToolContext<FromSchema<P>>): unknown;
}

/** A Messages API tool with the function that runs it. */
export interface RunnableMessagesTool<P = JsonSchema> {
  /** Leave it out (or `"custom"`). */
  type?: "custom";
  /** The tool's name. */
  name: string;
  /** What the tool does. */
  description?: string;
  /** The input as a JSON Schema object (checked before `run` is called). */
  input_schema: P;
  /** Caches the prompt up to and including this block. */
  cache_control?: CacheControl | null;
  /** Runs the tool with input that matched `input_schema`; may be async; a throw is sent as `is_error`. */
  run(input: FromSchema<P>, context: ToolContext<FromSchema<P>>): unknown;
}

/** A chat request for {@link AiBadgr.runTools}: `tools` carry their `run` functions. */
export interface RunToolsRequest extends Omit<ChatCompletionRequestBase, "tools"> {
  /** Must be left out: `runToolsStream()` streams. */
  stream?: false;
}

/** A Messages request for {@link AiBadgr.runMessageTools}. */
export interface RunMessageToolsRequest extends Omit<MessagesRequestBase, "tools"> {
  /** Must be left out. */
  stream?: false;
}

/** Options of a tool loop: the call options (applied to every step) plus the loop's own. */
export interface RunToolsOptions extends CallOptions {
  /** The most model calls (default 10); then the loop ends with `stopReason: "max_steps"`. */
  maxSteps?: number;
  /** Run a step's tool calls concurrently (default `true`); `false` runs them in order. Results always go back in call order. */
  parallelToolCalls?: boolean;
}

/** One tool call of a step, as it was run. */
export interface ToolCallRecord {
  /** The call's id. */
  id: string;
  /** The tool's name as the model wrote it. */
  name: string;
  /** The parsed arguments (as far as they go, when they were cut off or not JSON). */
  args: unknown;
  /** What `run` returned (`undefined` when it was not run or threw). */
  result: unknown;
  /** What went wrong, as sent to the model: invalid arguments, unknown tool, or the throw. */
  error: string | undefined;
}

/** One model call of a tool loop and the tools it ran. */
export interface ToolStep<C> {
  /** The step's completion (a `Message` for the Messages API). */
  completion: C;
  /** The tool calls of this step, in call order (empty for the last step). */
  toolCalls: ToolCallRecord[];
}

/**
 * Why a loop ended: the last completion's `finish_reason` (`"stop"`, `"length"`,
 * `"content_filter"`, ...) or `stop_reason` (`"end_turn"`, `"max_tokens"`, ...), or
 * `"max_steps"` when `maxSteps` model calls were made.
 */
export type ToolStopReason = "max_steps" | ChatFinishReason | (string & {});

/** What a chat tool loop resolves to. */
export interface ToolRun {
  /** The whole conversation, tool calls and results included: ready for the next turn. */
  messages: ChatMessage[];
  /** The last completion. */
  final: ChatCompletion;
  /** Every model call, in order. */
  steps: ToolStep<ChatCompletion>[];
  /** Why the loop ended. */
  stopReason: ToolStopReason;
  /** The token usage summed over every step (`undefined` when the server reported none). */
  usage: Usage | undefined;
}

/** What a Messages tool loop resolves to. */
export interface MessageToolRun {
  /** The whole conversation, `tool_use` and `tool_result` blocks included. */
  messages: MessageParam[];
  /** The last message. */
  final: Message;
  /** Every model call, in order. */
  steps: ToolStep<Message>[];
  /** Why the loop ended. */
  stopReason: ToolStopReason;
  /** The token usage summed over every step. */
  usage: MessagesUsage | undefined;
}

/** An event of {@link AiBadgr.runToolsStream}; `step` counts model calls from 0. */
export type ToolRunEvent =
  | { type: "chunk"; step: number; chunk: ChatCompletionChunk }
  | { type: "tool_result"; step: number; id: string; name: string; result: unknown; error: string | undefined }
  | { type: "step"; step: number; completion: ChatCompletion };

/** What {@link AiBadgr.runToolsStream} resolves to. */
export interface ToolRunStream extends IterableStream<ToolRunEvent> {
  /** The loop's result, the same object {@link AiBadgr.runTools} resolves to. */
  final(): Promise<ToolRun>;
}

/** A problem `parse()` found: where (keys and indexes; empty for the whole answer) and what. */
export interface OutputIssue {
  /** The path to the value, e.g. `["cities", 0, "name"]`. */
  path: (string | number)[];
  /** What is wrong, e.g. `"is required"`. */
  message: string;
}

/** Options of {@link AiBadgr.parse}: the call options plus the schema and repair count. */
export interface ParseOptions extends CallOptions {
  /** A Standard Schema (zod, valibot, arktype...) checked after the JSON Schema; its output is `parsed`. */
  schema?: StandardSchemaV1;
  /** How many times to ask the model to fix a non-matching answer (default 1, at most 10). */
  repair?: number;
}

/** A completion whose first choice carries the validated answer. */
export interface ParsedCompletion<T> extends ChatCompletion {
  /** The choices; the first one's message has `parsed`. */
  choices: (ChatCompletionChoice & { message: ChatCompletionMessage & { parsed: T } })[];
}

/** The Standard Schema interface (standardschema.dev), which zod, valibot and arktype implement. */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  /** The Standard Schema properties. */
  readonly "~standard": StandardSchemaV1.Props<Input, Output>;
}

/** Types of the Standard Schema interface. */
export declare namespace StandardSchemaV1 {
  /** The `~standard` member. */
  export interface Props<Input = unknown, Output = Input> {
    /** The version of the interface. */
    readonly version: 1;
    /** The library that made the schema. */
    readonly vendor: string;
    /** Checks a value. */
    readonly validate: (value: unknown) => Result<Output> | Promise<Result<Output>>;
    /** The input and output types, for inference only. */
    readonly types?: { readonly input: Input; readonly output: Output } | undefined;
  }
  /** A check's result. */
  export type Result<Output> = { readonly value: Output; readonly issues?: undefined } | { readonly issues: ReadonlyArray<Issue> };
  /** One problem a check found. */
  export interface Issue {
    /** What is wrong. */
    readonly message: string;
    /** Where. */
    readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined;
  }
  /** The output type of a schema. */
  export type InferOutput<S extends StandardSchemaV1> = NonNullable<S["~standard"]["types"]>["output"];
}
