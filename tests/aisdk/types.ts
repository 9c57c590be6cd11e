// aibadgr/ai-sdk's types with the AI SDK's: the provider is a ProviderV4, its models are the
// AI SDK's LanguageModelV4 / EmbeddingModelV4, and model names are suggested. tsc checks it.
import type { EmbeddingModelV4, LanguageModelV4, ProviderV4 } from "@ai-sdk/provider";
import { generateText, embedMany, streamText } from "ai";
import { aibadgr, createAiBadgr, toChatMessages, type AiBadgrProvider } from "aibadgr/ai-sdk";
import { AiBadgr } from "aibadgr";

const provider: AiBadgrProvider = createAiBadgr({ apiKey: "sk-123456", baseUrl: "http://127.0.0.1:1/v1", maxRetries: 0, logLevel: "warn" });
const asProvider: ProviderV4 = provider;
const chat: LanguageModelV4 = provider("premium");
const own: LanguageModelV4 = aibadgr.languageModel("llama3-8b-instruct");
const emb: EmbeddingModelV4 = provider.embedding("text-embedding-ada-002");
const fromClient = createAiBadgr({ client: new AiBadgr({ apiKey: "sk-123456" }) });
const client: AiBadgr = fromClient.client;

export async function use(): Promise<string> {
  const g = await generateText({ model: provider("basic"), prompt: "hi", providerOptions: { aibadgr: { fallbackModels: ["normal"], user: "u" } } });
  const s = streamText({ model: aibadgr("phi-3-mini"), prompt: "hi" });
  const e = await embedMany({ model: emb, values: ["a"] });
  void [asProvider, chat, own, client.usage.total.requests, e.embeddings.length, await s.text];
  return g.text + toChatMessages([{ role: "user", content: [{ type: "text", text: "x" }] }]).length;
}

// @ts-expect-error: not a provider option of the client
createAiBadgr({ apiKeyy: "x" });
