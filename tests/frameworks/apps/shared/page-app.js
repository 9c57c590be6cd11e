// The app every bundler builds for the browser rows: imports "aibadgr" (no config, no copied
// file), checks that a bad option throws at once, then streams a chat straight to the test
// server (cross-origin; its URL follows "#" in the page URL) and reports in window.__result.
import { AiBadgr, AiBadgrError, ChatStream, ready } from "aibadgr";

export async function run(baseUrl, prompt) {
  const t0 = performance.now();
  try {
    await ready;
    let badOption = null;
    try {
      new AiBadgr({ baseUrl, timeoutMs: -1 });
    } catch (e) {
      badOption = e instanceof AiBadgrError ? e.kind : `not an AiBadgrError: ${e}`;
    }
    // The test server wants a key; a real page would leave it out and call its own server.
    const client = new AiBadgr({ baseUrl, apiKey: "sk-page", allowBrowser: true });
    const stream = await client.chatStream({ messages: [{ role: "user", content: prompt }] });
    let text = "";
    let chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      text += chunk.choices[0]?.delta?.content ?? "";
    }
    return {
      ok: true, text, chunks, badOption, isStream: stream instanceof ChatStream, isClient: client instanceof AiBadgr,
      ms: performance.now() - t0,
    };
  } catch (e) {
    return { ok: false, error: String(e?.stack ?? e), kind: e?.kind };
  }
}
