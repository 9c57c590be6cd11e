// The JavaScript side of the floor crate (bench/floor/src/lib.rs): its package loaded with
// initSync, and a streamed call as a client of that shape makes it. Rust opens the call (the
// AbortController, fetch, the status, the body's reader and its first read); the events are
// then parsed by the raw baseline's own code (bench/lib/raw.mjs `events`) and handed out as
// raw+stream's per-call ReadableStream (`Handed`). So against raw+stream, the only difference
// is that the network part is driven from Rust through wasm-bindgen-futures.
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { events, Handed, chatHeaders, messageHeaders } from "../lib/raw.mjs";
import { FLOOR_PKG } from "./build.mjs";

let loaded;
/** The floor's wasm-bindgen module, instantiated once (bench/floor/build.mjs must have built it). */
export function load() {
  return (loaded ??= (async () => {
    const js = path.join(FLOOR_PKG, "aibadgr_floor.js");
    if (!fs.existsSync(js)) throw new Error("bench: the floor crate is not built (node bench/floor/build.mjs)");
    const m = await import(pathToFileURL(js).href);
    m.initSync({ module: fs.readFileSync(path.join(FLOOR_PKG, "aibadgr_floor_bg.wasm")) });
    return m;
  })());
}

/** POSTs `body` from Rust; resolves, after the first body read, to the events as a stream. */
async function open(m, fetchFn, url, headers, body) {
  const [reader, first, timer] = await m.open(fetchFn, url, JSON.stringify(body), headers);
  const end = () => clearTimeout(timer);
  return new Handed(events(undefined, { reader, first, end })[Symbol.asyncIterator](), end);
}

/** Streamed chat (`fetchFn` undefined: Rust calls the global fetch, as aibadgr does). */
export function chatStream(m, fetchFn, baseUrl, apiKey, body) {
  return open(m, fetchFn, `${baseUrl}/chat/completions`, chatHeaders(apiKey), { ...body, stream: true });
}

/** Streamed Anthropic messages. */
export function messagesStream(m, fetchFn, baseUrl, apiKey, body) {
  return open(m, fetchFn, `${baseUrl}/messages`, messageHeaders(apiKey), { ...body, stream: true });
}
