// Small helpers shared by the test server modules: ids, text pieces, token counts, tool arguments.
import { randomBytes } from "node:crypto";

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/** Returns `prefix` followed by `n` random characters from `alphabet`. */
export function randomId(prefix, n, alphabet = ALNUM) {
  let s = prefix;
  for (const b of randomBytes(n)) s += alphabet[b % alphabet.length];
  return s;
}

export const ids = {
  chat: () => randomId("chatcmpl-", 29),
  call: () => randomId("call_", 24),
  message: () => randomId("msg_01", 22, BASE58),
  toolUse: () => randomId("toolu_01", 22, BASE58),
  signature: () => "Eq" + randomBytes(72).toString("base64"),
};

/** The system fingerprint every chat response of this server carries. */
export const FINGERPRINT = "fp_aibadgr0001";

/** Splits text into stream pieces the way a tokenizer would: words with their leading whitespace. */
export function pieces(text) {
  if (!text) return [];
  return text.match(/\s*\S+|\s+$/g) ?? [text];
}

/** Splits a string into pieces of 3 to 6 characters (tool-call argument deltas). */
export function smallPieces(text) {
  const out = [];
  const sizes = [3, 5, 4, 6];
  for (let i = 0, k = 0; i < text.length; k++) {
    const n = sizes[k % sizes.length];
    out.push(text.slice(i, i + n));
    i += n;
  }
  return out;
}

/** Counts words, a rough stand-in for tokens (at least 1 for non-empty text). */
export function countWords(text) {
  return (String(text ?? "").match(/\S+/g) ?? []).length;
}

/** Flattens OpenAI or Anthropic message content (string or array of parts/blocks) to text. */
export function textOf(content) {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return content == null ? "" : JSON.stringify(content);
  return content
    .map((p) => {
      if (typeof p === "string") return p;
      if (!p || typeof p !== "object") return "";
      if (typeof p.text === "string") return p.text;
      if (p.type === "tool_result") return textOf(p.content);
      return "";
    })
    .filter((s) => s !== "")
    .join(" ");
}

/** Counts words in every message of a request (prompt-token estimate). */
export function promptTokens(messages, system) {
  let n = countWords(textOf(system));
  for (const m of Array.isArray(messages) ? messages : []) {
    if (!m || typeof m !== "object") continue;
    n += countWords(textOf(m.content)) + 3;
    if (Array.isArray(m.tool_calls)) for (const c of m.tool_calls) n += countWords(c?.function?.arguments);
  }
  return Math.max(n, 1);
}

/** Text of the last user message (text parts only; tool results excluded). */
export function lastUserText(messages) {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m && m.role === "user") {
      const c = Array.isArray(m.content) ? m.content.filter((b) => b?.type !== "tool_result") : m.content;
      return textOf(c);
    }
  }
  return "";
}

const DEFAULT_LOCATIONS = ["Paris", "Tokyo", "Lima", "Oslo"];

/** Capitalised place names after "in"/"at"/"for" in the user's text ("weather in New York" → "New York"). */
function locations(text) {
  const re = /\b(?:in|at|for|and)\s+([A-Z][\p{L}.'-]*(?:\s+[A-Z][\p{L}.'-]*)*)/gu;
  return [...String(text).matchAll(re)].map((m) => m[1]);
}

/**
 * Builds plausible arguments for the `index`-th tool call from a JSON schema: `location` (from the
 * user's text, else Paris/Tokyo) plus `unit` when present; otherwise every required property.
 */
export function toolArgs(schema, userText, index = 0) {
  const props = schema && typeof schema === "object" && schema.properties && typeof schema.properties === "object" ? schema.properties : null;
  const loc = locations(userText)[index] ?? DEFAULT_LOCATIONS[index % DEFAULT_LOCATIONS.length];
  if (!props) return { location: loc, unit: "celsius" };
  const out = {};
  if ("location" in props) {
    out.location = loc;
    if ("unit" in props) out.unit = props.unit?.enum?.includes("celsius") ? "celsius" : (props.unit?.enum?.[0] ?? "celsius");
    return out;
  }
  const required = Array.isArray(schema.required) ? schema.required : [];
  for (const k of required) {
    const t = props[k]?.type;
    out[k] = props[k]?.enum?.[0] ?? (t === "number" || t === "integer" ? 1 : t === "boolean" ? true : t === "array" ? [] : t === "object" ? {} : "example");
  }
  return out;
}

/** `bytes` bytes of UTF-8 text: ASCII filler with "é", "€" and "😀" (2, 3 and 4 bytes) spread inside. */
export function bigText(bytes) {
  const filler = "The quick brown fox jumps over the lazy dog. ";
  const special = ["é", "€", "😀"];
  if (bytes < 9) return "x".repeat(Math.max(0, bytes));
  const ascii = bytes - 9;
  const cut = [Math.floor(ascii / 4), Math.floor(ascii / 2), Math.floor((3 * ascii) / 4), ascii];
  const base = filler.repeat(Math.ceil(ascii / filler.length) + 1).slice(0, ascii);
  return base.slice(0, cut[0]) + special[0] + base.slice(cut[0], cut[1]) + special[1] + base.slice(cut[1], cut[2]) + special[2] + base.slice(cut[2]);
}

/** Resolves after `ms`, or as soon as `res` closes (so loops stop when the client goes away). */
export function sleep(ms, res) {
  if (!(ms > 0)) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      res?.off("close", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    res?.once("close", done);
  });
}

/** Clamps an optional integer option. */
export function intOr(v, lo, hi, dflt) {
  return Number.isInteger(v) && v >= lo && v <= hi ? v : dflt;
}
