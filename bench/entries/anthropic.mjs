// Shipped-size entry: @anthropic-ai/sdk has no chat completions or embeddings, so: a message and
// a streamed message.
import Anthropic from "@anthropic-ai/sdk";

export async function demo(baseURL, onText) {
  const client = new Anthropic({ baseURL, apiKey: "proxy", dangerouslyAllowBrowser: true });
  const messages = [{ role: "user", content: "Hello!" }];
  const reply = await client.messages.create({ model: "basic", max_tokens: 1024, messages });
  onText(reply.content[0].text);
  const stream = await client.messages.create({ model: "basic", max_tokens: 1024, messages, stream: true });
  for await (const ev of stream) if (ev.type === "content_block_delta" && ev.delta.type === "text_delta") onText(ev.delta.text);
}
