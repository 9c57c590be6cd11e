// OpenAI wire format: POST /chat/completions, POST /embeddings, GET /models.
import { openaiError } from "./faults.mjs";
import {
  ids, FINGERPRINT, pieces, smallPieces, countWords, textOf, promptTokens, lastUserText, toolArgs, bigText, intOr,
} from "./util.mjs";

const bad = (message, param = null, code = null, status = 400) => ({
  type: "json", protocol: "openai", status, body: openaiError(message, "invalid_request_error", param, code),
});

export const NOT_JSON = "We could not parse the JSON body of your request.";

/** Checks the parts of a request every OpenAI route shares: a JSON object with a string model. */
function checkBodyAndModel(body) {
  if (body === undefined) return bad(NOT_JSON);
  if (!body || typeof body !== "object" || Array.isArray(body)) return bad("Invalid type for '$': expected an object.", null, "invalid_type");
  if (body.model === undefined || body.model === null || body.model === "") return bad("you must provide a model parameter", "model", null);
  if (typeof body.model !== "string") return bad(`Invalid type for 'model': expected a string, but got ${typeName(body.model)} instead.`, "model", "invalid_type");
  return null;
}

function typeName(v) {
  if (Array.isArray(v)) return "an array";
  if (v === null) return "null";
  if (Number.isInteger(v)) return "an integer";
  return typeof v === "object" ? "an object" : `a ${typeof v}`;
}

const ROLES = new Set(["system", "developer", "user", "assistant", "tool", "function"]);

function validateChat(body) {
  const e = checkBodyAndModel(body);
  if (e) return e;
  const msgs = body.messages;
  if (msgs === undefined) return bad("Missing required parameter: 'messages'.", "messages", "missing_required_parameter");
  if (!Array.isArray(msgs)) return bad(`Invalid type for 'messages': expected an array of objects, but got ${typeName(msgs)} instead.`, "messages", "invalid_type");
  if (msgs.length === 0) return bad("Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.", "messages", "empty_array");
  for (let i = 0; i < msgs.length; i++) {
    const m = msgs[i];
    if (!m || typeof m !== "object" || Array.isArray(m)) return bad(`Invalid type for 'messages[${i}]': expected an object, but got ${typeName(m)} instead.`, `messages[${i}]`, "invalid_type");
    if (!ROLES.has(m.role)) return bad(`Invalid value: '${m.role}'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'.`, `messages[${i}].role`, "invalid_value");
  }
  if (body.stream !== undefined && body.stream !== null && typeof body.stream !== "boolean") return bad(`Invalid type for 'stream': expected a boolean, but got ${typeName(body.stream)} instead.`, "stream", "invalid_type");
  return null;
}

/** The tool list as `[{ name, schema }]` from OpenAI `tools` (also accepts legacy `functions`). */
function toolList(body) {
  const raw = Array.isArray(body.tools) ? body.tools : Array.isArray(body.functions) ? body.functions.map((f) => ({ function: f })) : [];
  return raw.map((t) => ({ name: t?.function?.name ?? t?.name, schema: t?.function?.parameters ?? t?.parameters })).filter((t) => typeof t.name === "string");
}

/** The default reply text (also used by /messages). */
export function defaultReply(test, fault, userText, toolResult) {
  if (fault.name === "big_event") return bigText(Number(fault.bytes ?? 8_000_000));
  if (typeof test.reply === "string") return test.reply;
  if (toolResult !== undefined) return `The weather is: ${toolResult}`;
  if (fault.name === "split_utf8") return `Héllo wörld — naïve café 你好 😀! You said: ${userText}`;
  return `Hello! You said: ${userText}`;
}

/** How many assistant turns the conversation already has (0 on the first call of a loop). */
const assistantTurns = (msgs) => msgs.filter((m) => m && m.role === "assistant").length;

/**
 * The tool calls of an assistant turn, by the deterministic script: `_test.toolCalls` calls
 * (default 1) with arguments built from each tool's schema. On the first turn `_test.badArgs`
 * ("json": cut-off JSON, "schema": wrong type and an unknown property) or `_test.unknownTool`
 * spoil the first call; the turn after the error result then calls again correctly.
 */
export function scriptCalls(tools, test, userText, turns, pick) {
  const count = intOr(test.toolCalls, 1, 8, 1);
  const calls = [];
  for (let i = 0; i < count; i++) {
    const t = pick(i);
    let name = t.name;
    let args = toolArgs(t.schema, userText, i);
    if (i === 0 && turns === 0) {
      if (test.unknownTool) name = `${t.name}_v2`;
      if (test.badArgs === "schema") args = { ...args, location: 42, extra: true };
    }
    calls.push({ name, args, raw: i === 0 && turns === 0 && test.badArgs === "json" ? JSON.stringify(args).slice(0, -4) : undefined });
  }
  return calls;
}

/**
 * The answer to a `json_schema` request: JSON matching the schema (its required properties, as
 * `toolArgs` builds them), unless `_test.structured`
 * plays a server that ignores it: "prose" answers prose on the first turn, "missing" leaves
 * out the first required property on the first turn, "never" answers prose every time,
 * "fenced" wraps the JSON in a Markdown code fence, "refuse" refuses.
 */
export function structuredReply(schema, test, turns, userText = "") {
  const value = toolArgs(schema, userText, 0);
  const mode = test.structured;
  if (mode === "never" || (mode === "prose" && turns === 0)) return { text: "Sure! Paris is a lovely city of about two million people." };
  if (mode === "refuse") return { refusal: "I can't help with that." };
  if (mode === "missing" && turns === 0 && value && typeof value === "object") {
    const [first] = Array.isArray(schema?.required) ? schema.required : Object.keys(value);
    const { [first]: _, ...rest } = value;
    return { text: JSON.stringify(rest) };
  }
  const json = JSON.stringify(value);
  return { text: mode === "fenced" ? "```json\n" + json + "\n```" : json };
}

/**
 * The schema a JSON answer must match: `json_schema.schema`, or, for `json_object`, a schema
 * given in a system message ("... JSON Schema ...:\n{...}", as clients that fall back write it).
 */
function answerSchema(body) {
  const rf = body.response_format;
  const any = { properties: { answer: {} }, required: ["answer"] };
  if (rf?.type === "json_schema") return rf.json_schema?.schema ?? any;
  if (rf?.type !== "json_object") return undefined;
  const sys = body.messages.find((m) => m?.role === "system" && typeof m.content === "string" && m.content.includes("JSON Schema"));
  try { return sys ? JSON.parse(sys.content.slice(sys.content.indexOf("\n") + 1)) : any; } catch { return any; }
}

/** The text of the tool results at the end of the conversation, joined. */
function trailingToolText(msgs) {
  const out = [];
  for (let i = msgs.length - 1; i >= 0 && msgs[i]?.role === "tool"; i--) out.unshift(textOf(msgs[i].content));
  return out.length ? out.join("; ") : undefined;
}

/** Decides what the assistant answers: `{ choices: [{ text } | { calls }], finish }`. */
function planChat(body, test, fault) {
  const msgs = body.messages;
  const last = msgs[msgs.length - 1];
  const userText = lastUserText(msgs);
  const tools = toolList(body);
  const scenario = test.scenario;
  const forced = body.tool_choice?.function?.name;
  const pick = (i) => tools.find((t) => t.name === forced) ?? tools[i] ?? tools[0] ?? { name: "get_weather", schema: null };
  const turns = assistantTurns(msgs);
  const auto = !scenario && typeof test.reply !== "string" && tools.length > 0 && last.role === "user" && body.tool_choice !== "none";
  // After a spoiled first call (bad arguments, unknown tool), the model corrects itself once.
  const fix = !scenario && (test.badArgs || test.unknownTool) && tools.length > 0 && last.role === "tool" && turns === 1;
  if (scenario === "tool_call" || scenario === "parallel_tools" || auto || fix) {
    const script = scriptCalls(tools, scenario === "parallel_tools" ? { ...test, toolCalls: 2 } : test, userText, fix ? 1 : turns, pick);
    const calls = script.map((c) => ({ id: ids.call(), name: c.name, args: c.raw ?? JSON.stringify(c.args) }));
    return { choices: [{ calls }], finish: test.finishReason ?? "tool_calls" };
  }
  const toolResult = last.role === "tool" ? trailingToolText(msgs) : undefined;
  // Structured output: an object that fits the requested JSON schema (or a JSON object).
  const schema = answerSchema(body);
  if (schema !== undefined && toolResult === undefined && typeof test.reply !== "string") {
    const r = structuredReply(schema, test, turns, userText);
    return { choices: [{ text: r.text ?? null, refusal: r.refusal }], finish: test.finishReason ?? "stop" };
  }
  const text = defaultReply(test, fault, userText, toolResult);
  // `_test.scenario: "reasoning"`: reasoning_content (DeepSeek / vLLM style) before the answer.
  const reasoning = scenario === "reasoning" ? (typeof test.reasoning === "string" ? test.reasoning : `The user said "${userText}". A short friendly answer fits.`) : undefined;
  if (reasoning !== undefined) return { choices: [{ text, reasoning }], finish: test.finishReason ?? "stop" };
  const n = scenario === "n2" ? 2 : intOr(body.n, 1, 8, 1);
  const choices = [];
  const whole = fault.name === "big_event"; // one chunk carries the whole text
  for (let i = 0; i < n; i++) choices.push({ text: i === 0 ? text : `Alternative ${i}: ${text}`, whole });
  return { choices, finish: test.finishReason ?? "stop" };
}

function usageOf(body, plan) {
  const prompt = promptTokens(body.messages);
  let completion = 0;
  for (const c of plan.choices) {
    if (c.calls) for (const call of c.calls) completion += smallPieces(call.args).length + 2;
    else completion += Math.max(c.whole ? countWords(c.text ?? c.refusal) : pieces(c.text ?? c.refusal).length, 1);
  }
  const reasoning = pieces(plan.choices[0]?.reasoning ?? "").length;
  completion += reasoning;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: reasoning, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
}

function chatJson(body, plan) {
  return {
    type: "json", protocol: "openai", status: 200,
    body: {
      id: ids.chat(),
      object: "chat.completion",
      created: Math.floor(Date.now() / 1000),
      model: body.model,
      choices: plan.choices.map((c, index) => ({
        index,
        message: c.calls
          ? { role: "assistant", content: null, tool_calls: c.calls.map((k) => ({ id: k.id, type: "function", function: { name: k.name, arguments: k.args } })), refusal: null, annotations: [] }
          : { role: "assistant", content: c.text, ...(c.reasoning !== undefined ? { reasoning_content: c.reasoning } : {}), refusal: c.refusal ?? null, annotations: [] },
        logprobs: null,
        finish_reason: plan.finish,
      })),
      usage: usageOf(body, plan),
      service_tier: "default",
      system_fingerprint: FINGERPRINT,
    },
  };
}

function chatFrames(body, plan) {
  const includeUsage = body.stream_options?.include_usage === true;
  const base = { id: ids.chat(), object: "chat.completion.chunk", created: Math.floor(Date.now() / 1000), model: body.model, service_tier: "default", system_fingerprint: FINGERPRINT };
  const chunk = (index, delta, finish = null) => ({
    data: JSON.stringify({ ...base, choices: [{ index, delta, logprobs: null, finish_reason: finish }], ...(includeUsage ? { usage: null } : {}) }),
  });
  const content = (f) => ({ ...f, content: true });
  const frames = [];
  const calls = plan.choices[0].calls;
  if (calls) {
    const header = (k, i) => ({ index: i, id: k.id, type: "function", function: { name: k.name, arguments: "" } });
    const args = (i, piece) => content(chunk(0, { tool_calls: [{ index: i, function: { arguments: piece } }] }));
    if (calls.length === 1) {
      // As OpenAI sends it: role and the first tool-call header in one delta.
      frames.push(content(chunk(0, { role: "assistant", content: null, tool_calls: [header(calls[0], 0)] })));
      for (const p of smallPieces(calls[0].args)) frames.push(args(0, p));
    } else {
      // Parallel calls: both headers, then argument pieces interleaved by index.
      frames.push(chunk(0, { role: "assistant", content: null }));
      calls.forEach((k, i) => frames.push(content(chunk(0, { tool_calls: [header(k, i)] }))));
      const split = calls.map((k) => smallPieces(k.args));
      for (let j = 0; j < Math.max(...split.map((s) => s.length)); j++) {
        split.forEach((s, i) => { if (j < s.length) frames.push(args(i, s[j])); });
      }
    }
    frames.push(chunk(0, {}, plan.finish));
  } else {
    const split = plan.choices.map((c) => (c.whole ? [c.text ?? c.refusal] : c.refusal ? pieces(c.refusal) : smallPieces(c.text).length && c.text.startsWith("{") ? smallPieces(c.text) : pieces(c.text)));
    plan.choices.forEach((_, i) => frames.push(chunk(i, { role: "assistant", content: "" })));
    for (const p of pieces(plan.choices[0].reasoning ?? "")) frames.push(content(chunk(0, { reasoning_content: p })));
    for (let j = 0; j < Math.max(...split.map((s) => s.length)); j++) {
      split.forEach((s, i) => { if (j < s.length) frames.push(content(chunk(i, plan.choices[i].refusal ? { refusal: s[j] } : { content: s[j] }))); });
    }
    plan.choices.forEach((_, i) => frames.push(chunk(i, {}, plan.finish)));
  }
  if (includeUsage) frames.push({ data: JSON.stringify({ ...base, choices: [], usage: usageOf(body, plan) }) });
  frames.push({ data: "[DONE]" });
  return { type: "sse", protocol: "openai", frames };
}

/** POST /chat/completions. */
export function chatCompletions(body, test, fault) {
  const err = validateChat(body);
  if (err) return err;
  // `_test.rejectJsonSchema` plays a server that does not accept the json_schema format.
  if (test.rejectJsonSchema && body.response_format?.type === "json_schema") {
    return bad("Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model.", "response_format", null);
  }
  const plan = planChat(body, test, fault);
  // `_test.ignoreStream` plays a server that ignores `stream: true` and answers with one JSON body.
  return body.stream === true && !test.ignoreStream ? chatFrames(body, plan) : chatJson(body, plan);
}

// ---- embeddings ----

function fnv1a(s) {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A seeded pseudo-random generator (mulberry32): numbers in [0, 1). Also bench/lib/stats.mjs's. */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A deterministic unit vector: each word adds ±1 (and ±0.5) at hashed dimensions, plus a little
 * noise seeded by the whole text, so texts sharing words have a visibly higher cosine similarity.
 */
export function embedWords(words, seedText, dims) {
  const v = new Float64Array(dims);
  for (const w of words) {
    const h1 = fnv1a(w);
    const h2 = fnv1a(`${w}#2`);
    v[h1 % dims] += h1 & 1 ? 1 : -1;
    v[h2 % dims] += h2 & 1 ? 0.5 : -0.5;
  }
  const rnd = mulberry32(fnv1a(seedText));
  for (let i = 0; i < dims; i++) v[i] += (rnd() - 0.5) * 0.02;
  let norm = 0;
  for (const x of v) norm += x * x;
  norm = Math.sqrt(norm) || 1;
  return Array.from(v, (x) => Math.fround(x / norm));
}

function inputItems(input) {
  const isTokens = (a) => Array.isArray(a) && a.length > 0 && a.every((t) => Number.isInteger(t) && t >= 0);
  if (typeof input === "string") return input === "" ? null : [input];
  if (!Array.isArray(input) || input.length === 0) return null;
  if (input.every((s) => typeof s === "string" && s !== "")) return input;
  if (isTokens(input)) return [input];
  if (input.every(isTokens)) return input;
  return null;
}

function toBase64(vec) {
  const buf = Buffer.alloc(vec.length * 4);
  vec.forEach((x, i) => buf.writeFloatLE(x, i * 4));
  return buf.toString("base64");
}

/** POST /embeddings. */
export function embeddings(body) {
  const err = checkBodyAndModel(body);
  if (err) return err;
  if (body.input === undefined) return bad("Missing required parameter: 'input'.", "input", "missing_required_parameter");
  const items = inputItems(body.input);
  if (!items) return bad("'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.", "input", "invalid_value");
  const dims = body.dimensions ?? 1536;
  if (!Number.isInteger(dims) || dims < 1 || dims > 3072) return bad(`Invalid 'dimensions': expected an integer between 1 and 3072, but got ${JSON.stringify(dims)} instead.`, "dimensions", "invalid_value");
  const format = body.encoding_format ?? "float";
  if (format !== "float" && format !== "base64") return bad(`Invalid value: '${format}'. Supported values are: 'float' and 'base64'.`, "encoding_format", "invalid_value");
  let tokens = 0;
  const data = items.map((item, index) => {
    const words = typeof item === "string" ? (item.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) : item.map((t) => `tok${t}`);
    tokens += typeof item === "string" ? Math.max(countWords(item), 1) : item.length;
    const vec = embedWords(words, typeof item === "string" ? item : item.join(","), dims);
    return { object: "embedding", index, embedding: format === "base64" ? toBase64(vec) : vec };
  });
  return {
    type: "json", protocol: "openai", status: 200,
    body: { object: "list", data, model: body.model, usage: { prompt_tokens: tokens, total_tokens: tokens } },
  };
}

/** GET /models: the three AI Badgr tiers. */
export function models() {
  const created = 1735689600;
  return {
    type: "json", protocol: "openai", status: 200,
    body: { object: "list", data: ["basic", "normal", "premium"].map((id) => ({ id, object: "model", created, owned_by: "aibadgr" })) },
  };
}
