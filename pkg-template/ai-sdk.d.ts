// Types of aibadgr/ai-sdk, the Vercel AI SDK provider. They come from @ai-sdk/provider (an
// optional peer dependency: install it, or `ai`, which depends on it, to type-check this entry).
import type { EmbeddingModelV4, LanguageModelV4, LanguageModelV4Prompt, ProviderV4 } from "@ai-sdk/provider";
import type { AiBadgr, AiBadgrOptions, ChatMessage, EmbeddingModelName, ModelName } from "aibadgr";

/** Options of {@link createAiBadgr}: the client's options, or an existing client. */
export interface AiBadgrProviderSettings extends AiBadgrOptions {
  /**
   * A client to use instead of making one. Its retries are unknown to the provider, so errors
   * then say `isRetryable: false` (the client already retried).
   */
  client?: AiBadgr;
}

/**
 * Provider options, under `providerOptions.aibadgr` of an AI SDK call: `fallbackModels`,
 * `timeoutMs`, `idleTimeoutMs` and `maxRetries` are this call's client options; any other key is
 * added to the request body as is (for example `user`, or `reasoning_effort`).
 */
export interface AiBadgrCallProviderOptions {
  fallbackModels?: readonly ModelName[];
  timeoutMs?: number;
  idleTimeoutMs?: number;
  maxRetries?: number;
  [bodyField: string]: unknown;
}

/** The AI Badgr provider: `aibadgr("premium")` is a chat language model. */
export interface AiBadgrProvider extends ProviderV4 {
  /** A chat language model (`POST /chat/completions`). */
  (modelId: ModelName): LanguageModelV4;
  /** A chat language model (`POST /chat/completions`). */
  languageModel(modelId: ModelName): LanguageModelV4;
  /** A chat language model (`POST /chat/completions`). */
  chat(modelId: ModelName): LanguageModelV4;
  /** An embedding model (`POST /embeddings`); defaults to `"text-embedding-ada-002"`. */
  embeddingModel(modelId?: EmbeddingModelName): EmbeddingModelV4;
  /** The same as {@link embeddingModel}. */
  embedding(modelId?: EmbeddingModelName): EmbeddingModelV4;
  /** The same as {@link embeddingModel}. */
  textEmbeddingModel(modelId?: EmbeddingModelName): EmbeddingModelV4;
  /** AI Badgr has no image models: throws an AI SDK NoSuchModelError. */
  imageModel(modelId: string): never;
  /** The client the provider calls through (made on first use): `usage`, `models()`, ... */
  readonly client: AiBadgr;
}

/**
 * Creates a provider. Without `apiKey` or `baseUrl` it reads `AIBADGR_API_KEY` (and
 * `AIBADGR_BASE_URL`) from `process.env` on first use, like `AiBadgr.fromEnv()`.
 */
export declare function createAiBadgr(settings?: AiBadgrProviderSettings): AiBadgrProvider;

/** The default provider, configured from the environment on first use. */
export declare const aibadgr: AiBadgrProvider;

/** Converts an AI SDK prompt to chat messages (what the provider sends). */
export declare function toChatMessages(prompt: LanguageModelV4Prompt): ChatMessage[];
