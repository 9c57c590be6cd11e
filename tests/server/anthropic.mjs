// Anthropic wire format: POST /messages (JSON and SSE), with tool_use, thinking and citations.
import { anthropicError } from "./faults.mjs";
import { defaultReply, scriptCalls } from "./openai.mjs";
import { ids, pieces, smallPieces, countWords, textOf, promptTokens, lastUserText, toolArgs } from "./util.mjs";

const bad = (message) => ({ type: "json", protocol: "anthropic", status: 400, body: anthropicError("invalid_request_error", message) });

function validate(body) {
  if (body === undefined) return bad("There was an error parsing the body of your request: it is not valid JSON.");
  if (!body || typeof body !== "object" || Array.isArray(body)) return bad("Input should be a valid dictionary or object to extract fields from");
  if (body.model === undefined || body.model === null) return bad("model: Field required");
  if (typeof body.model !== "string" || body.model === "") return bad("model: Input should be a valid string");
  if (body.max_tokens === undefined || body.max_tokens === null) return bad("max_tokens: Field required");
  if (!Number.isInteger(body.max_tokens) || body.max_tokens < 1) return bad("max_tokens: Input should be a valid integer greater than or equal to 1");
  if (body.messages === undefined || body.messages === null) return bad("messages: Field required");
  if (!Array.isArray(body.messages)) return bad("messages: Input should be a valid list");
  if (body.messages.length === 0) return bad("messages: List should have at least 1 item after validation, not 0");
  for (let i = 0; i < body.messages.length; i++) {
    const m = body.messages[i];
    if (!m || typeof m !== "object" || (m.role !== "user" && m.role !== "assistant")) return bad(`messages.${i}.role: Input should be 'user' or 'assistant'`);
  }
  return null;
}

const CITATION = { type: "char_location", cited_text: "The sky is", document_index: 0, document_title: "Doc", start_char_index: 0, end_char_index: 10 };

/** Decides the content blocks: `{ blocks: [{ type, ... }], stop }`. */
function plan(body, test, fault) {
  const msgs = body.messages;
  const last = msgs[msgs.length - 1];
  const userText = lastUserText(msgs);
  const toolResult = last.role === "user" && Array.isArray(last.content) ? last.content.find((b) => b?.type === "tool_result") : undefined;
  const tools = Array.isArray(body.tools) ? body.tools.filter((t) => typeof t?.name === "string") : [];
  const scenario = test.scenario;
  const forced = body.tool_choice?.type === "tool" ? body.tool_choice.name : undefined;
  const pick = (i) => tools.find((t) => t.name === forced) ?? tools[i] ?? tools[0] ?? { name: "get_weather" };
  const auto = !scenario && typeof test.reply !== "string" && tools.length > 0 && last.role === "user" && !toolResult && body.tool_choice?.type !== "none";
  const stop = (s) => test.finishReason ?? s;
  const turns = msgs.filter((m) => m?.role === "assistant").length;
  // After a spoiled first call (bad input, unknown tool), the model corrects itself once.
  const fix = !scenario && (test.badArgs || test.unknownTool) && tools.length > 0 && toolResult && turns === 1;

  if (scenario === "tool_call" || scenario === "parallel_tools" || auto || fix) {
    const withSchema = (i) => { const t = pick(i); return { name: t.name, schema: t.input_schema }; };
    const script = scriptCalls(tools, scenario === "parallel_tools" ? { ...test, toolCalls: 2 } : test, userText, fix ? 1 : turns, withSchema);
    const blocks = script.map((c) => ({ type: "tool_use", id: ids.toolUse(), name: c.name, input: c.args }));
    return { blocks, stop: stop("tool_use") };
  }
  const results = toolResult ? last.content.filter((b) => b?.type === "tool_result").map((b) => textOf(b.content)).join("; ") : undefined;
  const text = defaultReply(test, fault, userText, results);
  const whole = fault.name === "big_event";
  if (scenario === "thinking") {
    const thinking = `The user said "${userText}". A short, friendly answer will do.`;
    return { blocks: [{ type: "thinking", thinking, signature: ids.signature() }, { type: "text", text }], stop: stop("end_turn") };
  }
  if (scenario === "citations") return { blocks: [{ type: "text", text, citations: [CITATION] }], stop: stop("end_turn") };
  return { blocks: [{ type: "text", text, whole }], stop: stop("end_turn") };
}

/** The delta events of one block, each `{ delta, tokens }`. */
function blockDeltas(b) {
  if (b.type === "tool_use") return ["", ...smallPieces(JSON.stringify(b.input))].map((p) => ({ type: "input_json_delta", partial_json: p }));
  if (b.type === "thinking") return [...pieces(b.thinking).map((p) => ({ type: "thinking_delta", thinking: p })), { type: "signature_delta", signature: b.signature }];
  const text = (b.whole ? [b.text] : pieces(b.text)).map((p) => ({ type: "text_delta", text: p }));
  return b.citations ? [...b.citations.map((c) => ({ type: "citations_delta", citation: c })), ...text] : text;
}

function startShape(b) {
  if (b.type === "tool_use") return { type: "tool_use", id: b.id, name: b.name, input: {} };
  if (b.type === "thinking") return { type: "thinking", thinking: "", signature: "" };
  return b.citations ? { type: "text", text: "", citations: [] } : { type: "text", text: "" };
}

function finalShape(b) {
  if (b.type === "tool_use") return { type: "tool_use", id: b.id, name: b.name, input: b.input };
  if (b.type === "thinking") return { type: "thinking", thinking: b.thinking, signature: b.signature };
  return b.citations ? { type: "text", text: b.text, citations: b.citations } : { type: "text", text: b.text };
}

function outputTokens(blocks) {
  let n = 0;
  for (const b of blocks) n += b.whole ? countWords(b.text) : blockDeltas(b).length;
  return Math.max(n, 1);
}

/** POST /messages. */
export function messages(body, test, fault) {
  const err = validate(body);
  if (err) return err;
  const { blocks, stop } = plan(body, test, fault);
  const id = ids.message();
  const input = promptTokens(body.messages, body.system);
  const output = outputTokens(blocks);
  if (body.stream !== true || test.ignoreStream) {
    return {
      type: "json", protocol: "anthropic", status: 200,
      body: { id, type: "message", role: "assistant", model: body.model, content: blocks.map(finalShape), stop_reason: stop, stop_sequence: null, usage: { input_tokens: input, output_tokens: output } },
    };
  }
  const ev = (type, rest, content = false) => ({ event: type, data: JSON.stringify({ type, ...rest }), content });
  const frames = [
    ev("message_start", { message: { id, type: "message", role: "assistant", model: body.model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: input, output_tokens: 1 } } }),
  ];
  blocks.forEach((b, index) => {
    frames.push(ev("content_block_start", { index, content_block: startShape(b) }));
    if (index === 0) frames.push(ev("ping", {}));
    for (const delta of blockDeltas(b)) frames.push(ev("content_block_delta", { index, delta }, true));
    frames.push(ev("content_block_stop", { index }));
  });
  frames.push(ev("message_delta", { delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: output } }));
  frames.push(ev("message_stop", {}));
  return { type: "sse", protocol: "anthropic", frames };
}
