// The contestants. Each variant loads its SDK lazily (so a cold-start child pays only for its
// own), builds a client on a given fetch and base URL, and makes the same calls the idiomatic way
// for that SDK. Every consumer is its own function, so no inline cache is shared between SDKs.
//
//   raw          plain fetch + TextDecoder + line splitting + JSON.parse (bench/lib/raw.mjs)
//   aibadgr      the built package (pkg/node.js), chat API
//   openai       openai-node, chat.completions / embeddings
//   raw-msg      the raw baseline on the Anthropic /messages stream
//   aibadgr-msg  the built package, messages API
//   anthropic    @anthropic-ai/sdk, messages.create({ stream: true })
//   wasm-floor, wasm-floor-msg  figure 3 only (floorVariants): the floor crate (bench/floor)
import path from "node:path";
import { pathToFileURL } from "node:url";
import { MODEL, USER, MAX_TOKENS } from "./request.mjs";
import { toolPackage } from "./env.mjs";

export const API_KEY = "sk-bench-0000";
const EMBED = { model: "text-embedding-ada-002", input: "The quick brown fox jumps over the lazy dog" };
const noop = () => {};

// The text of an Anthropic message event stream (every variant consumes it the same way).
async function messageText(events, onFirst) {
  let text = "";
  for await (const ev of events) {
    if (ev.type === "content_block_delta" && ev.delta.type === "text_delta") {
      if (text === "") onFirst();
      text += ev.delta.text;
    }
  }
  return text;
}

/** All variants. `ctx.pkgDir` is the package to measure. `base` is the server root (no /v1). */
export function variants(ctx) {
  const openai = toolPackage("openai");
  const anthropic = toolPackage("@anthropic-ai/sdk");
  const pkgUrl = pathToFileURL(path.join(ctx.pkgDir, "node.js")).href;
  const rawUrl = new URL("./raw.mjs", import.meta.url).href;
  return [
    {
      name: "raw", proto: "chat", baseline: "raw", version: "-",
      load: () => import(rawUrl),
      make: (m, { fetch, base }) => ({ m, fetch: fetch ?? globalThis.fetch, base: `${base}/v1` }),
      async stream(c, onFirst = noop) {
        const it = await c.m.chatStream(c.fetch, c.base, API_KEY, { model: MODEL, messages: USER, stream_options: { include_usage: true } });
        let text = "";
        for await (const chunk of it) {
          const d = chunk.choices[0]?.delta?.content;
          if (d) { if (text === "") onFirst(); text += d; }
        }
        return text;
      },
      async call(c) {
        return (await c.m.chat(c.fetch, c.base, API_KEY, { model: MODEL, messages: USER })).choices[0].message.content;
      },
      embed: (c) => c.m.embed(c.fetch, c.base, API_KEY, EMBED),
    },
    {
      name: "aibadgr", proto: "chat", baseline: "raw", ours: true, version: ctx.pkgVersion ?? "pkg/",
      load: () => import(pkgUrl),
      make: (m, { fetch, base }) => new m.AiBadgr({ apiKey: API_KEY, baseUrl: `${base}/v1`, ...(fetch ? { fetch } : {}) }),
      async stream(client, onFirst = noop) {
        const s = await client.chatStream({ model: MODEL, messages: USER });
        let text = "";
        for await (const chunk of s) {
          const d = chunk.choices[0]?.delta?.content;
          if (d) { if (text === "") onFirst(); text += d; }
        }
        return text;
      },
      async call(client) {
        return (await client.chat({ model: MODEL, messages: USER })).choices[0].message.content;
      },
      async embed(client) {
        return (await client.embed(EMBED)).data[0].embedding;
      },
    },
    {
      name: "openai", proto: "chat", baseline: "raw", version: openai.version,
      load: () => import(openai.url),
      make: (m, { fetch, base }) => new m.default({ apiKey: API_KEY, baseURL: `${base}/v1`, ...(fetch ? { fetch } : {}) }),
      async stream(client, onFirst = noop) {
        const s = await client.chat.completions.create({ model: MODEL, messages: USER, stream: true, stream_options: { include_usage: true } });
        let text = "";
        for await (const chunk of s) {
          const d = chunk.choices[0]?.delta?.content;
          if (d) { if (text === "") onFirst(); text += d; }
        }
        return text;
      },
      async call(client) {
        return (await client.chat.completions.create({ model: MODEL, messages: USER })).choices[0].message.content;
      },
      async embed(client) {
        return (await client.embeddings.create(EMBED)).data[0].embedding;
      },
    },
    {
      name: "raw-msg", proto: "messages", baseline: "raw-msg", version: "-",
      load: () => import(rawUrl),
      make: (m, { fetch, base }) => ({ m, fetch: fetch ?? globalThis.fetch, base: `${base}/v1` }),
      async stream(c, onFirst = noop) {
        const it = await c.m.messagesStream(c.fetch, c.base, API_KEY, { model: MODEL, max_tokens: MAX_TOKENS, messages: USER });
        return messageText(it, onFirst);
      },
      async call(c) {
        const res = await c.fetch(`${c.base}/messages`, {
          method: "POST",
          headers: { "content-type": "application/json", "x-api-key": API_KEY, "anthropic-version": "2023-06-01" },
          body: JSON.stringify({ model: MODEL, max_tokens: MAX_TOKENS, messages: USER }),
        });
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        return (await res.json()).content[0].text;
      },
    },
    {
      name: "aibadgr-msg", proto: "messages", baseline: "raw-msg", ours: true, version: ctx.pkgVersion ?? "pkg/",
      load: () => import(pkgUrl),
      make: (m, { fetch, base }) => new m.AiBadgr({ apiKey: API_KEY, baseUrl: `${base}/v1`, ...(fetch ? { fetch } : {}) }),
      async stream(client, onFirst = noop) {
        const s = await client.messagesStream({ model: MODEL, max_tokens: MAX_TOKENS, messages: USER });
        return messageText(s, onFirst);
      },
      async call(client) {
        return (await client.messages({ model: MODEL, max_tokens: MAX_TOKENS, messages: USER })).content[0].text;
      },
    },
    {
      name: "anthropic", proto: "messages", baseline: "raw-msg", version: anthropic.version,
      load: () => import(anthropic.url),
      // The SDK appends /v1/messages to baseURL itself.
      make: (m, { fetch, base }) => new m.default({ apiKey: API_KEY, baseURL: base, ...(fetch ? { fetch } : {}) }),
      async stream(client, onFirst = noop) {
        const s = await client.messages.create({ model: MODEL, max_tokens: MAX_TOKENS, messages: USER, stream: true });
        return messageText(s, onFirst);
      },
      async call(client) {
        return (await client.messages.create({ model: MODEL, max_tokens: MAX_TOKENS, messages: USER })).content[0].text;
      },
    },
  ];
}

/**
 * Figure 3's floor of the architecture the product mandates (bench/floor: a Rust crate that
 * calls fetch itself through web-sys and awaits through wasm-bindgen-futures, nothing else),
 * on each API. Its calls are raw+stream's (bench/floor/floor.mjs), so its overhead over raw is
 * the floor of a crate that calls fetch itself and returns a ReadableStream. Not in
 * `variants()`: only figure 3 runs it (bench/floor/build.mjs must have built it).
 */
export function floorVariants() {
  const url = new URL("../floor/floor.mjs", import.meta.url).href;
  const load = async () => { const f = await import(url); return { f, m: await f.load() }; };
  const make = ({ f, m }, { fetch, base }) => ({ f, m, fetch, base: `${base}/v1` });
  return [
    {
      name: "wasm-floor", proto: "chat", baseline: "raw", version: "-", load, make,
      async stream(c, onFirst = noop) {
        const s = await c.f.chatStream(c.m, c.fetch, c.base, API_KEY, { model: MODEL, messages: USER, stream_options: { include_usage: true } });
        let text = "";
        for await (const chunk of s) {
          const d = chunk.choices[0]?.delta?.content;
          if (d) { if (text === "") onFirst(); text += d; }
        }
        return text;
      },
    },
    {
      name: "wasm-floor-msg", proto: "messages", baseline: "raw-msg", version: "-", load, make,
      async stream(c, onFirst = noop) {
        const s = await c.f.messagesStream(c.m, c.fetch, c.base, API_KEY, { model: MODEL, max_tokens: MAX_TOKENS, messages: USER });
        return messageText(s, onFirst);
      },
    },
  ];
}

/** Loads and builds one client per variant: `[{ ...variant, client }]`. */
export async function clients(list, opts) {
  const out = [];
  for (const v of list) out.push({ ...v, client: v.make(await v.load(), opts) });
  return out;
}
