// A route handler (node runtime) that streams a chat to its caller as SSE, the key from the env.
import { AiBadgr } from "aibadgr";

export async function POST(request) {
  const { content } = await request.json();
  const client = AiBadgr.fromEnv(process.env);
  const stream = await client.chatStream({ messages: [{ role: "user", content }] });
  return new Response(stream.toSSE(), { headers: { "content-type": "text/event-stream" } });
}
