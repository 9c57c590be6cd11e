// Shipped-size entry: chat, a streamed chat and embed with openai-node.
import OpenAI from "openai";

export async function demo(baseURL, onText) {
  const client = new OpenAI({ baseURL, apiKey: "proxy", dangerouslyAllowBrowser: true });
  const messages = [{ role: "user", content: "Hello!" }];
  const reply = await client.chat.completions.create({ model: "basic", messages });
  onText(reply.choices[0].message.content);
  const stream = await client.chat.completions.create({ model: "basic", messages, stream: true });
  for await (const chunk of stream) onText(chunk.choices[0]?.delta?.content ?? "");
  const { data } = await client.embeddings.create({ model: "text-embedding-ada-002", input: "Hello!" });
  return data[0].embedding;
}
