// Bundled by aisdk.test.mjs with esbuild (as an app would be): the AI SDK and aibadgr/ai-sdk in
// one file, aibadgr resolved through its package exports.
import { streamText } from "ai";
import { createAiBadgr } from "aibadgr/ai-sdk";

export async function run(baseUrl) {
  const provider = createAiBadgr({ apiKey: "sk-bundled-123456", baseUrl });
  const r = streamText({ model: provider("premium"), prompt: "from a bundle" });
  let text = "";
  for await (const t of r.textStream) text += t;
  return { text, finish: await r.finishReason };
}
