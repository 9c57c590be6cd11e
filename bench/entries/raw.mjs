// Shipped-size entry: chat, a streamed chat and embed with the raw baseline (bench/lib/raw.mjs).
import { chat, chatStream, embed } from "../lib/raw.mjs";

export async function demo(baseUrl, onText) {
  const messages = [{ role: "user", content: "Hello!" }];
  const reply = await chat(fetch, baseUrl, "proxy", { model: "basic", messages });
  onText(reply.choices[0].message.content);
  const stream = await chatStream(fetch, baseUrl, "proxy", { model: "basic", messages });
  for await (const chunk of stream) onText(chunk.choices[0]?.delta?.content ?? "");
  return embed(fetch, baseUrl, "proxy", { model: "text-embedding-ada-002", input: "Hello!" });
}
