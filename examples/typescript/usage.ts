// Every call and stream helper of aibadgr, typed. CI checks it with `tsc --strict --noEmit`
// (tests/consumers/run.sh), and the lines marked @ts-expect-error prove that wrong calls fail
// to compile. `run()` also executes it all against a server (the consumers suite runs it in Deno).
import {
  AiBadgr,
  AiBadgrError,
  ChatStream,
  MessageStream,
  TIERS,
  ready,
  type AiBadgrErrorKind,
  type AiBadgrOptions,
  type CallOptions,
  type ChatCompletion,
  type ChatCompletionChunk,
  type ChatMessage,
  type ChatTool,
  type ContentBlockParam,
  type EmbeddingResponse,
  type Message,
  type MessageParam,
  type MessageStreamEvent,
  type MessagesTool,
  type Tier,
} from "aibadgr";

/** What run() saw, for the caller to check. */
export interface Report {
  tiers: readonly Tier[];
  chat: string;
  toolCall: string;
  afterTool: string;
  streamed: string;
  streamedText: string;
  sse: string;
  finalText: string;
  usageTokens: number;
  dims: { float32: number; float: number; base64: number };
  message: string;
  messageStreamText: string;
  thinking: string;
  errors: AiBadgrErrorKind[];
}

const weather: ChatTool = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Gets the current weather in a city",
    parameters: {
      type: "object",
      properties: { location: { type: "string" }, unit: { type: "string", enum: ["celsius", "fahrenheit"] } },
      required: ["location"],
    },
  },
};

const weatherTool: MessagesTool = {
  name: "get_weather",
  description: "Gets the current weather in a city",
  input_schema: { type: "object", properties: { location: { type: "string" } }, required: ["location"] },
};

/** Creates clients every supported way (types only matter here). */
export function clients(baseUrl: string): AiBadgr[] {
  const options: AiBadgrOptions = {
    apiKey: "sk-example",
    baseUrl,
    model: "aibadgr/premium",
    embeddingModel: "text-embedding-ada-002",
    headers: { "x-trace-id": "usage-ts" },
    fetch: (url, init) => fetch(url, init),
    timeoutMs: 30_000,
    idleTimeoutMs: 10_000,
    maxRetries: 1,
    fallbackModels: ["normal", "premium"],
    allowBrowser: true,
  };
  const fromEnv = AiBadgr.fromEnv({ AIBADGR_API_KEY: "sk-example", AIBADGR_BASE_URL: baseUrl }, { model: "normal" });
  const plain = new AiBadgr({ apiKey: "sk-example", baseUrl, allowBrowser: true });
  const url: string = plain.baseUrl;
  void url;
  return [new AiBadgr(options), fromEnv, plain];
}

/** Runs every call against `client` and reports what came back. */
export async function run(client: AiBadgr): Promise<Report> {
  await ready;
  const tiers: readonly Tier[] = TIERS;
  const call: CallOptions = { signal: new AbortController().signal, timeoutMs: 20_000, maxRetries: 0, headers: { "x-call": "1" } };

  // chat(): a whole completion.
  const completion: ChatCompletion = await client.chat(
    {
      model: "basic",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: [{ type: "text", text: "Hi" }] },
      ],
      temperature: 0.2,
      top_p: 1,
      max_tokens: 64,
      stop: ["\n\n"],
      seed: 7,
      user: "user-1",
      response_format: { type: "text" },
      _test: { reply: "Hello from chat" }, // unknown fields pass through
    },
    call,
  );
  const chat = completion.choices[0]?.message.content ?? "";

  // Tools: the model calls get_weather; answer it and pass its message back.
  const history: ChatMessage[] = [{ role: "user", content: "Weather in Paris?" }];
  const toolReply = await client.chat({ messages: history, tools: [weather], tool_choice: "auto", parallel_tool_calls: false });
  const assistant = toolReply.choices[0]!.message;
  const toolCall = assistant.tool_calls?.[0];
  let afterTool = "";
  if (toolCall) {
    const args = JSON.parse(toolCall.function.arguments) as { location?: string };
    history.push(assistant, { role: "tool", tool_call_id: toolCall.id, content: `sunny in ${args.location ?? "?"}` });
    afterTool = (await client.chat({ messages: history, tools: [weather] })).choices[0]?.message.content ?? "";
  }

  // chatStream(): iterate the chunks, with final() beside it.
  const stream: ChatStream = await client.chatStream({ messages: [{ role: "user", content: "stream me" }] });
  const whole = stream.final();
  let streamed = "";
  for await (const chunk of stream) {
    const c: ChatCompletionChunk = chunk;
    streamed += c.choices[0]?.delta.content ?? "";
  }
  const finished = await whole;
  const finalText = finished.choices[0]?.message.content ?? "";
  const usageTokens = finished.usage?.total_tokens ?? 0;

  // text(): only the content, as strings.
  let streamedText = "";
  for await (const piece of (await client.chatStream({ messages: [{ role: "user", content: "text please" }] })).text()) {
    streamedText += piece;
  }

  // toSSE(): bytes to pass on, e.g. `new Response(stream.toSSE(), { headers: { "content-type": "text/event-stream" } })`.
  const sseStream: ReadableStream<Uint8Array> = (await client.chatStream({ messages: [{ role: "user", content: "sse" }] })).toSSE();
  const sse = await new Response(sseStream).text();

  // getReader() works too: it is a real ReadableStream.
  const readable = await client.chatStream({ messages: [{ role: "user", content: "reader" }] }, { idleTimeoutMs: 5_000 });
  const isStream: boolean = readable instanceof ReadableStream && readable instanceof ChatStream;
  const reader = readable.getReader();
  const first = await reader.read();
  if (!first.done) void first.value.id;
  await reader.cancel(); // stops the request
  void isStream;

  // embed(): Float32Array by default; number[] or base64 text with encoding_format.
  const vectors: EmbeddingResponse<Float32Array> = await client.embed({ input: ["one", "two"] });
  const float32: Float32Array = vectors.data[0]!.embedding;
  const asNumbers = await client.embed({ input: "three", encoding_format: "float", dimensions: 8 });
  const numbers: number[] = asNumbers.data[0]!.embedding;
  const asBase64 = await client.embed({ input: [1, 2, 3], encoding_format: "base64" });
  const b64: string = asBase64.data[0]!.embedding;

  // messages(): the Anthropic-compatible API (max_tokens is required).
  const msg: Message = await client.messages({
    max_tokens: 256,
    system: "Be brief.",
    messages: [{ role: "user", content: "Hello" }],
    temperature: 0.5,
    top_k: 40,
    stop_sequences: ["END"],
    metadata: { user_id: "user-1" },
  });
  let message = "";
  for (const block of msg.content) {
    if (block.type === "text") message += block.text;
  }

  // Tool use round trip with content blocks.
  const toolMsg = await client.messages({ max_tokens: 256, tools: [weatherTool], tool_choice: { type: "auto" }, messages: [{ role: "user", content: "Weather in Oslo?" }] });
  const use = toolMsg.content.find((b) => b.type === "tool_use");
  if (use && use.type === "tool_use") {
    const result: ContentBlockParam = { type: "tool_result", tool_use_id: use.id, content: "cloudy" };
    const convo: MessageParam[] = [
      { role: "user", content: "Weather in Oslo?" },
      { role: "assistant", content: toolMsg.content },
      { role: "user", content: [result] },
    ];
    await client.messages({ max_tokens: 256, tools: [weatherTool], messages: convo });
  }

  // messagesStream(): every event type, narrowed by `type`.
  const events: MessageStream = await client.messagesStream({
    max_tokens: 512,
    thinking: { type: "enabled", budget_tokens: 256 },
    messages: [{ role: "user", content: "Think, then answer" }],
    _test: { scenario: "thinking" },
  });
  const done = events.final();
  let messageStreamText = "";
  let thinking = "";
  for await (const ev of events) {
    const e: MessageStreamEvent = ev;
    switch (e.type) {
      case "message_start":
        void e.message.usage.input_tokens;
        break;
      case "content_block_start":
        void e.content_block.type;
        break;
      case "content_block_delta":
        switch (e.delta.type) {
          case "text_delta": messageStreamText += e.delta.text; break;
          case "thinking_delta": thinking += e.delta.thinking; break;
          case "signature_delta": void e.delta.signature; break;
          case "input_json_delta": void e.delta.partial_json; break;
          case "citations_delta": void e.delta.citation.cited_text; break;
        }
        break;
      case "content_block_stop":
        void e.index;
        break;
      case "message_delta":
        void e.delta.stop_reason;
        void e.usage.output_tokens;
        break;
      case "message_stop":
        break;
    }
  }
  const finalMessage = await done;
  void finalMessage.stop_reason;
  const messageText = await (await client.messagesStream({ max_tokens: 64, messages: [{ role: "user", content: "x" }] })).text().getReader().read();
  void messageText.value;
  const messageSse = await new Response((await client.messagesStream({ max_tokens: 64, messages: [{ role: "user", content: "x" }] })).toSSE()).text();
  void messageSse;

  // Errors: one class; branch on kind.
  const errors: AiBadgrErrorKind[] = [];
  const attempts: (() => Promise<unknown>)[] = [
    () => client.chat({ messages: [{ role: "user", content: "x" }], temperature: 9 }), // invalid_request: nothing sent
    () => new AiBadgr({ apiKey: "bad-key", baseUrl: client.baseUrl, allowBrowser: true }).chat({ messages: [{ role: "user", content: "x" }] }), // api 401
    () => client.chat({ messages: [{ role: "user", content: "x" }] }, { signal: AbortSignal.abort() }), // aborted
  ];
  for (const attempt of attempts) {
    try {
      await attempt();
    } catch (err) {
      if (err instanceof AiBadgrError) {
        errors.push(err.kind);
        const detail: (string | number | undefined)[] = [err.status, err.code, err.type, err.param, err.requestId, err.body];
        void detail;
        if (err.kind === "aborted" && err.name !== "AbortError") throw new Error("aborts are AbortErrors");
      } else {
        throw err;
      }
    }
  }
  try {
    new AiBadgr({ timeoutMs: -1 });
  } catch (err) {
    if (err instanceof AiBadgrError) errors.push(err.kind); // config
  }

  return {
    tiers,
    chat,
    toolCall: toolCall?.function.name ?? "",
    afterTool,
    streamed,
    streamedText,
    sse,
    finalText,
    usageTokens,
    dims: { float32: float32.length, float: numbers.length, base64: b64.length },
    message,
    messageStreamText,
    thinking,
    errors,
  };
}

// ---- Wrong calls that must not compile ----
export function wrongCalls(client: AiBadgr): void {
  // @ts-expect-error: messages is required
  void client.chat({});
  // @ts-expect-error: chat() does not stream; use chatStream()
  void client.chat({ messages: [{ role: "user", content: "x" }], stream: true });
  // @ts-expect-error: not a role
  void client.chat({ messages: [{ role: "robot", content: "x" }] });
  // @ts-expect-error: a tool message needs tool_call_id
  void client.chat({ messages: [{ role: "tool", content: "x" }] });
  // @ts-expect-error: max_tokens is required by the messages API
  void client.messages({ messages: [{ role: "user", content: "x" }] });
  // @ts-expect-error: the messages API has no system role in messages
  void client.messagesStream({ max_tokens: 1, messages: [{ role: "system", content: "x" }] });
  // @ts-expect-error: input is required
  void client.embed({ model: "text-embedding-ada-002" });
  // @ts-expect-error: an unknown client option
  void new AiBadgr({ apiKye: "sk" });
  // @ts-expect-error: an unknown call option
  void client.chat({ messages: [{ role: "user", content: "x" }] }, { retries: 3 });
  void (async () => {
    // @ts-expect-error: with encoding_format "float" the vectors are number[], not Float32Array
    const v: Float32Array = (await client.embed({ input: "x", encoding_format: "float" })).data[0]!.embedding;
    // @ts-expect-error: chunks are objects, not strings
    for await (const chunk of await client.chatStream({ messages: [{ role: "user", content: "x" }] })) { const s: string = chunk; void s; }
    // @ts-expect-error: error kinds are a closed set
    const k: AiBadgrErrorKind = "http";
    void v; void k;
  })();
}
