// The app a bundler builds for the browser test: a streamed chat from a page, straight to the
// API (cross-origin). The API's base URL comes after "#" in the page URL.
import { AiBadgr, AiBadgrError, ChatStream } from "aibadgr";

try {
  const baseUrl = decodeURIComponent(location.hash.slice(1));
  // A page may hold a key only with allowBrowser: true; without it the client refuses.
  let refused = null;
  try {
    new AiBadgr({ apiKey: "sk-browser", baseUrl });
  } catch (e) {
    refused = e instanceof AiBadgrError ? e.kind : String(e);
  }
  const client = new AiBadgr({ apiKey: "sk-browser", baseUrl, allowBrowser: true });
  const stream = await client.chatStream({ messages: [{ role: "user", content: "hi from a bundle" }] });
  const isStream = stream instanceof ChatStream && stream instanceof ReadableStream;
  const final = stream.final();
  let text = "";
  for await (const piece of stream.text()) text += piece;
  const whole = await final;
  window.__result = { ok: true, text, isStream, refused, finalText: whole.choices[0].message.content, ms: performance.now() };
} catch (e) {
  window.__result = { ok: false, error: String(e?.stack ?? e), kind: e?.kind };
}
