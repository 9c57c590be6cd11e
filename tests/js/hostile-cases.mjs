// The hostile cases, run the same way in Node (hostile-run.mjs) and in workerd (the Worker
// that hostile.test.mjs builds): each hostile call, then normal calls on the same client to
// prove the wasm instance lives. Plain ES module with no imports: it is copied into the Worker.

/** The key the clients send (no piece of it occurs in file paths or stacks); html_key_page echoes it. */
export const KEY = "sk-hx-7Q2vN9pLw4Zt8Rk3Ym6Bc1Df5Gh0Js";

const MiB = 1024 * 1024;

/** Every 8-byte piece of the key found in `text` (there must be none). */
export function keyPieces(text) {
  const found = [];
  for (let i = 0; i + 8 <= KEY.length; i++) if (text.includes(KEY.slice(i, i + 8))) found.push(KEY.slice(i, i + 8));
  return found;
}

async function drainStream(s) {
  let n = 0;
  for await (const _ of s) n++;
  return n;
}

/** name → [description, async (client, req) => result summary]; throws are what is checked. */
export const CASES = {
  sse_no_line_end: async (c) => drainStream(await c.chatStream({ messages: HI, _hostile: "sse_no_line_end" })),
  sse_no_line_end_call_limit: async (c) =>
    drainStream(await c.chatStream({ messages: HI, _hostile: "sse_no_line_end" }, { maxEventBytes: MiB })),
  content_blocks: async (c) => (await c.messagesStream({ max_tokens: 10, messages: HI, _hostile: "content_blocks" })).final(),
  json_50mb: async (c) => (await c.chat({ messages: HI, _hostile: "json_50mb" })).choices[0].message.content.length,
  json_50mb_length: async (c) => (await c.chat({ messages: HI, _hostile: "json_50mb_length" })).choices[0].message.content.length,
  json_50mb_call_limit: async (c) => c.chat({ messages: HI, _hostile: "json_50mb" }, { maxBodyBytes: MiB }),
  json_50mb_length_call_limit: async (c) => c.chat({ messages: HI, _hostile: "json_50mb_length" }, { maxBodyBytes: MiB }),
  json_50mb_stream_request: async (c) => (await c.chatStream({ messages: HI, _hostile: "json_50mb" }, { maxBodyBytes: 8 * MiB })).final(),
  whitespace_20mb_stream: async (c) => drainStream(await c.chatStream({ messages: HI, _hostile: "whitespace_20mb" })),
  whitespace_20mb: async (c) => Object.keys(await c.chat({ messages: HI, _hostile: "whitespace_20mb" })).length,
  nested_100k_stream: async (c) => drainStream(await c.chatStream({ messages: HI, _hostile: "nested_100k" })),
  nested_100k: async (c) => (await c.chat({ messages: HI, _hostile: "nested_100k" })).choices[0].message.content,
  html_key_page: async (c) => c.chat({ messages: HI, _hostile: "html_key_page" }),
};

const HI = [{ role: "user", content: "hi" }];

/** Normal calls that must all work after any hostile one. */
async function normalCalls(c) {
  // The cases run with maxRetries 0; these calls may retry a connection the runtime lost (under
  // load, workerd has dropped its keep-alive connection after a 50 MB body): what they check is
  // that the instance still works, not the network.
  const o = { maxRetries: 2 };
  const a = (await c.chat({ messages: HI }, o)).choices[0].message.content;
  let b = "";
  for await (const t of (await c.chatStream({ messages: HI }, o)).text()) b += t;
  const m = await (await c.messagesStream({ max_tokens: 10, messages: HI }, o)).final();
  return a === "fine" && b === "fine" && m.content[0].text === "fine";
}

/**
 * Runs case `name` on `client`: returns what happened (the error's kind, message, status, body
 * size and any piece of the key in its texts; or the result), how long it took, memory before
 * and after (`memory()` gives `{ rss, wasm }`), and whether normal calls work afterwards.
 */
export async function runCase(client, name, memory) {
  const before = memory();
  const t0 = Date.now();
  const out = { name, ms: 0, before, after: null, error: null, result: null, normalAfter: false };
  try {
    out.result = await CASES[name](client);
  } catch (e) {
    const texts = [String(e?.message), String(e?.body ?? ""), String(e), String(e?.stack ?? ""), JSON.stringify(e ?? null)].join("\n");
    out.error = {
      name: e?.name, kind: e?.kind, status: e?.status, message: String(e?.message).slice(0, 300),
      bodyLength: e?.body == null ? null : String(e.body).length, keyPieces: keyPieces(texts),
    };
  }
  out.ms = Date.now() - t0;
  out.after = memory();
  try {
    out.normalAfter = await normalCalls(client);
  } catch (e) {
    out.normalAfter = false;
    out.normalError = String(e?.message ?? e);
  }
  return out;
}

/**
 * Returns `bytes` (a .wasm module) with its memory given a maximum of `pages` 64 KiB pages, so
 * an allocation past it fails as it would under a 128 MB isolate limit (an out-of-memory
 * trap), instead of growing the process.
 */
export function capMemory(bytes, pages) {
  const b = new Uint8Array(bytes);
  const leb = (n) => { const o = []; do { let x = n & 0x7f; n >>>= 7; if (n) x |= 0x80; o.push(x); } while (n); return o; };
  const read = (at) => { let n = 0, shift = 0, i = at; for (;;) { const x = b[i++]; n |= (x & 0x7f) << shift; shift += 7; if (!(x & 0x80)) return [n >>> 0, i]; } };
  let at = 8;
  const parts = [b.subarray(0, 8)];
  let patched = false;
  while (at < b.length) {
    const id = b[at];
    const [size, start] = read(at + 1);
    const end = start + size;
    if (id === 5) {
      let [count, i] = read(start);
      const body = [...leb(count)];
      for (let k = 0; k < count; k++) {
        const flags = b[i];
        let min; [min, i] = read(i + 1);
        if (flags & 1) [, i] = read(i);
        body.push(flags | 1, ...leb(min), ...leb(pages));
      }
      parts.push(new Uint8Array([5, ...leb(body.length), ...body]));
      patched = true;
    } else {
      parts.push(b.subarray(at, end));
    }
    at = end;
  }
  if (!patched) throw new Error("the module defines no memory to cap");
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}
