// A consumer script for Node and Deno: imports the package (argument 2, default "aibadgr",
// resolved from this file's location, so copy it into a project where "aibadgr" is installed),
// calls chat, chatStream (for await) and embed against the base URL in argument 1, and prints
// one JSON line with what came back and how long the first call took since process start.
//   node consumer.mjs http://127.0.0.1:PORT [specifier]
//   deno run --allow-net=127.0.0.1 --allow-read consumer.mjs http://127.0.0.1:PORT [specifier]
const args = globalThis.Deno ? Deno.args : process.argv.slice(2);
const [baseUrl, specifier = "aibadgr"] = args;
const mod = await import(specifier);
const imported = performance.now();
const { AiBadgr, AiBadgrError, ChatStream, TIERS, ready } = mod;
await ready;

const client = new AiBadgr({ apiKey: "sk-consumer", baseUrl });
const chat = await client.chat({ messages: [{ role: "user", content: "hi from a consumer" }] });
const firstCall = performance.now();

const stream = await client.chatStream({ messages: [{ role: "user", content: "stream to a consumer" }] });
const isStream = stream instanceof ReadableStream && stream instanceof ChatStream;
const final = stream.final();
let streamed = "";
let chunks = 0;
for await (const chunk of stream) {
  chunks++;
  streamed += chunk.choices[0]?.delta?.content ?? "";
}
const whole = await final;

const emb = await client.embed({ input: ["one", "two"] });

let errorKind = null;
try {
  await client.chat({ messages: [{ role: "robot", content: "x" }] });
} catch (e) {
  errorKind = e instanceof AiBadgrError ? e.kind : `not an AiBadgrError: ${e}`;
}

console.log(JSON.stringify({
  resolved: typeof import.meta.resolve === "function" ? import.meta.resolve(specifier) : null,
  tiers: TIERS,
  chat: chat.choices[0].message.content,
  streamed,
  chunks,
  isStream,
  finalContent: whole.choices[0].message.content,
  finalUsage: whole.usage?.total_tokens ?? null,
  embedType: emb.data[0].embedding.constructor.name,
  embedDims: emb.data.map((d) => d.embedding.length),
  errorKind,
  importMs: imported,
  firstCallMs: firstCall,
}));
