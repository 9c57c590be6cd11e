// Shipped-size entry: chat, a streamed chat and embed with aibadgr (the browser build).
import { AiBadgr } from "aibadgr";

export async function demo(baseUrl, onText) {
  const client = new AiBadgr({ baseUrl });
  const messages = [{ role: "user", content: "Hello!" }];
  const reply = await client.chat({ model: "basic", messages });
  onText(reply.choices[0].message.content);
  const stream = await client.chatStream({ model: "basic", messages });
  for await (const chunk of stream) onText(chunk.choices[0]?.delta?.content ?? "");
  const { data } = await client.embed({ model: "text-embedding-ada-002", input: "Hello!" });
  return data[0].embedding;
}
