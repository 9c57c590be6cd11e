// CommonJS (what `npm init -y` writes): require() of the ESM-only package, no top-level await.
const { AiBadgr, AiBadgrError } = require("aibadgr");

async function main() {
  const client = new AiBadgr({ apiKey: "sk-cjs", baseUrl: process.argv[2] });
  let badOption = null;
  try {
    new AiBadgr({ apiKey: "sk-cjs", timeoutMs: -1 });
  } catch (e) {
    badOption = e instanceof AiBadgrError ? e.kind : String(e);
  }
  const stream = await client.chatStream({ messages: [{ role: "user", content: "hi from require" }] });
  let text = "";
  for await (const piece of stream.text()) text += piece;
  console.log(JSON.stringify({ text, badOption, resolved: require.resolve("aibadgr") }));
}
main().catch((e) => {
  console.log(JSON.stringify({ error: String(e && e.stack), kind: e && e.kind }));
  process.exitCode = 1;
});
