// Issue 14: tool loops (runTools, runToolsStream, runMessageTools) through the built package,
// against the test server's deterministic tool script.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { server, client, rejects, collect, uid, sleep } from "./helpers.mjs";

let srv;
before(async () => { srv = await server(); });
after(() => srv.close());

const PARAMS = {
  type: "object",
  properties: { location: { type: "string", minLength: 2 }, unit: { type: "string", enum: ["celsius", "fahrenheit"] } },
  required: ["location"],
  additionalProperties: false,
};
const ASK = [{ role: "user", content: "Weather in Paris and Tokyo?" }];

/** A get_weather tool whose run records its calls. */
function weather(run = async (args) => ({ temp: args.location === "Paris" ? 21 : 18, city: args.location })) {
  const calls = [];
  const tool = {
    type: "function",
    function: { name: "get_weather", description: "Weather for a city", parameters: PARAMS },
    run: (args, ctx) => { calls.push({ args, ctx }); return run(args, ctx); },
  };
  return { tool, calls };
}

test("runTools: two parallel calls, results in call order, then the answer; messages, final, steps, usage summed", async () => {
  const id = uid("rt");
  const { tool, calls } = weather();
  const r = await client(srv).runTools({ model: "premium", messages: ASK, tools: [tool], _test: { id, toolCalls: 2 } });
  assert.equal(r.stopReason, "stop");
  assert.equal(r.steps.length, 2);
  assert.deepEqual(calls.map((c) => c.args), [{ location: "Paris", unit: "celsius" }, { location: "Tokyo", unit: "celsius" }]);
  for (const c of calls) {
    assert.ok(c.ctx.signal instanceof AbortSignal, "run gets a signal");
    assert.equal(c.ctx.toolCall.name, "get_weather");
    assert.match(c.ctx.toolCall.id, /^call_/);
  }
  const [s1, s2] = r.steps;
  assert.equal(s1.completion.choices[0].finish_reason, "tool_calls");
  assert.deepEqual(s1.toolCalls.map((t) => [t.name, t.args, t.result, t.error]), [
    ["get_weather", { location: "Paris", unit: "celsius" }, { temp: 21, city: "Paris" }, undefined],
    ["get_weather", { location: "Tokyo", unit: "celsius" }, { temp: 18, city: "Tokyo" }, undefined],
  ]);
  assert.deepEqual(s2.toolCalls, []);
  assert.equal(r.final, s2.completion);
  assert.equal(r.final.choices[0].message.content, 'The weather is: {"temp":21,"city":"Paris"}; {"temp":18,"city":"Tokyo"}');
  // The conversation, ready for the next turn: user, assistant (calls), two tool results in order, assistant.
  assert.deepEqual(r.messages.map((m) => m.role), ["user", "assistant", "tool", "tool", "assistant"]);
  assert.equal(r.messages[2].tool_call_id, s1.toolCalls[0].id);
  assert.equal(r.messages[3].tool_call_id, s1.toolCalls[1].id);
  assert.equal(r.messages[2].content, '{"temp":21,"city":"Paris"}', "a non-string result is sent as JSON");
  assert.equal(r.messages[1].tool_calls.length, 2);
  assert.equal("refusal" in r.messages[1], false, "null members are not sent back");
  // What the server got on step 2 is exactly that conversation minus the last answer.
  const last = await srv.last(id);
  assert.deepEqual(last.body.messages, r.messages.slice(0, 4));
  assert.equal(last.body.tools[0].run, undefined, "run functions are never sent");
  const u1 = s1.completion.usage, u2 = s2.completion.usage;
  assert.equal(r.usage.prompt_tokens, u1.prompt_tokens + u2.prompt_tokens);
  assert.equal(r.usage.completion_tokens, u1.completion_tokens + u2.completion_tokens);
  assert.equal(r.usage.total_tokens, u1.total_tokens + u2.total_tokens);
  assert.equal((await srv.id(id)).attempts, 2);
});

test("runTools: a string result is sent as is; the caller's request is not modified", async () => {
  const id = uid("str");
  const { tool } = weather(async () => "sunny, 21°C");
  const req = { messages: ASK, tools: [tool], _test: { id } };
  const r = await client(srv).runTools(req);
  assert.equal(r.messages[2].content, "sunny, 21°C");
  assert.equal(r.final.choices[0].message.content, "The weather is: sunny, 21°C");
  assert.equal(req.messages.length, 1);
});

test("runTools: parallel calls run concurrently; parallelToolCalls: false runs them in order; results keep call order", async () => {
  for (const parallel of [true, false]) {
    const log = [];
    const { tool } = weather(async (args) => {
      log.push(`start ${args.location}`);
      await sleep(args.location === "Paris" ? 60 : 5); // the first call finishes last
      log.push(`end ${args.location}`);
      return args.location;
    });
    const r = await client(srv).runTools({ messages: ASK, tools: [tool], _test: { toolCalls: 2 } }, parallel ? {} : { parallelToolCalls: false });
    assert.deepEqual(log, parallel
      ? ["start Paris", "start Tokyo", "end Tokyo", "end Paris"]
      : ["start Paris", "end Paris", "start Tokyo", "end Tokyo"]);
    assert.deepEqual(r.messages.filter((m) => m.role === "tool").map((m) => m.content), ["Paris", "Tokyo"]);
  }
});

test("runTools: invalid arguments are not run; the model gets the error, corrects itself, and the loop goes on", async () => {
  const id = uid("bad");
  const { tool, calls } = weather();
  const r = await client(srv).runTools({ messages: ASK, tools: [tool], _test: { id, badArgs: "schema" } });
  const first = r.steps[0].toolCalls[0];
  assert.deepEqual(first.args, { location: 42, unit: "celsius", extra: true });
  assert.equal(first.result, undefined);
  assert.match(first.error, /^Error: the arguments for get_weather do not match its parameters:\n- location: must be a string \(got an integer\)\n- extra: is not allowed/);
  assert.equal(r.messages[2].content, first.error, "the model sees what was wrong");
  assert.equal(r.steps.length, 3);
  assert.deepEqual(calls.map((c) => c.args), [{ location: "Paris", unit: "celsius" }], "run only saw the corrected call");
  assert.equal(r.steps[1].toolCalls[0].error, undefined);
  assert.equal(r.stopReason, "stop");
});

test("runTools: unparseable (cut-off) arguments and an unknown tool name become tool errors", async () => {
  const { tool, calls } = weather();
  const r = await client(srv).runTools({ messages: ASK, tools: [tool], _test: { badArgs: "json" } });
  const first = r.steps[0].toolCalls[0];
  assert.match(first.error, /^Error: the arguments for get_weather are not valid JSON \(/);
  assert.deepEqual(first.args, { location: "Paris", unit: "celsi" }, "cut-off arguments are shown as far as they go");
  assert.equal(calls.length, 1, "only the corrected call ran");

  const u = await client(srv).runTools({ messages: ASK, tools: [tool], _test: { unknownTool: true } });
  const bad = u.steps[0].toolCalls[0];
  assert.equal(bad.name, "get_weather_v2");
  assert.equal(bad.error, 'Error: there is no tool named "get_weather_v2"; the tools are get_weather. Call one of them.');
  assert.equal(u.steps[1].toolCalls[0].name, "get_weather");
  assert.equal(u.stopReason, "stop");
});

test("runTools: a run that throws (sync or async) is reported to the model and the loop goes on", async () => {
  for (const run of [() => { throw new Error("boom"); }, async () => { throw new TypeError("kaput"); }, () => Promise.reject("plain")]) {
    const { tool } = weather(run);
    const r = await client(srv).runTools({ messages: ASK, tools: [tool] });
    const tc = r.steps[0].toolCalls[0];
    assert.match(tc.error, /^Error: get_weather failed: (boom|kaput|plain)$/);
    assert.equal(r.messages[2].content, tc.error);
    assert.equal(r.final.choices[0].message.content, `The weather is: ${tc.error}`);
    assert.equal(r.stopReason, "stop");
  }
});

test("runTools: maxSteps bounds a model that always calls tools: stopReason max_steps, results kept", async () => {
  const id = uid("max");
  const { tool, calls } = weather(async () => "again");
  const r = await client(srv).runTools({ messages: ASK, tools: [tool], _test: { id, scenario: "tool_call" } }, { maxSteps: 3 });
  assert.equal(r.stopReason, "max_steps");
  assert.equal(r.steps.length, 3);
  assert.equal(calls.length, 3);
  assert.equal((await srv.id(id)).attempts, 3, "exactly maxSteps model calls");
  assert.equal(r.messages.at(-1).role, "tool", "the last results are in messages, ready for the next turn");
  const d = await client(srv).runTools({ messages: ASK, tools: [tool], _test: { scenario: "tool_call" } });
  assert.equal(d.steps.length, 10, "maxSteps defaults to 10");
});

test("runTools: finish_reason length ends the loop with stopReason length", async () => {
  const { tool } = weather();
  const r = await client(srv).runTools({ messages: [{ role: "user", content: "Hi" }], tools: [tool], tool_choice: "none", _test: { finishReason: "length" } });
  assert.equal(r.stopReason, "length");
  assert.equal(r.steps.length, 1);
});

test("runTools: the signal reaches running tools and cancels the loop; no further model call", async () => {
  const id = uid("abort");
  const ctrl = new AbortController();
  let seen;
  const { tool } = weather((args, { signal }) => new Promise((resolve, reject) => {
    seen = signal;
    signal.addEventListener("abort", () => reject(signal.reason));
    setTimeout(() => ctrl.abort(new Error("user left")), 20);
  }));
  await rejects(client(srv).runTools({ messages: ASK, tools: [tool], _test: { id } }, { signal: ctrl.signal }), { kind: "aborted", name: "AbortError" });
  assert.equal(seen.aborted, true, "the tool's signal aborted with the caller's");
  await sleep(50);
  assert.equal((await srv.id(id)).attempts, 1);
  // Already aborted: nothing is sent.
  const id2 = uid("pre");
  await rejects(client(srv).runTools({ messages: ASK, tools: [tool], _test: { id: id2 } }, { signal: AbortSignal.abort() }), { kind: "aborted" });
  assert.equal((await srv.id(id2)).attempts, 0);
});

test("runTools: the signal cancels the current model call", async () => {
  const id = uid("abortcall");
  const ctrl = new AbortController();
  const { tool } = weather(async () => { setTimeout(() => ctrl.abort(), 30); return "ok"; });
  // Step 2 hangs until the client goes away.
  await rejects(client(srv).runTools({ messages: ASK, tools: [tool], _test: { id, plan: ["ok", "hang"] } }, { signal: ctrl.signal }), { kind: "aborted" });
  await srv.waitId(id, (s) => s.clientAborts >= 1, "the hanging step call to be aborted");
});

test("runTools: retries apply to every step", async () => {
  const id = uid("retry");
  const { tool } = weather();
  const r = await client(srv).runTools({ messages: ASK, tools: [tool], _test: { id, plan: ["ok", { status: 503, retryAfterMs: 0 }, "ok"] } }, { maxRetries: 1 });
  assert.equal(r.stopReason, "stop");
  assert.equal(r.steps.length, 2);
  assert.equal((await srv.id(id)).attempts, 3, "step 2 was retried once");
});

test("runTools: timeoutMs applies to every step", async () => {
  const id = uid("timeout");
  const { tool } = weather();
  await rejects(client(srv).runTools({ messages: ASK, tools: [tool], _test: { id, plan: ["ok", "hang"] } }, { timeoutMs: 400, maxRetries: 0 }), { kind: "timeout" });
  assert.equal((await srv.id(id)).attempts, 2, "the first step finished, the second timed out");
});

test("runTools: fallback models apply to every step", async () => {
  const id = uid("fb");
  const { tool } = weather();
  const r = await client(srv).runTools({ model: "premium", messages: ASK, tools: [tool], _test: { id, plan: ["ok", "model_not_found", "ok"] } }, { fallbackModels: ["normal"] });
  assert.equal(r.steps[0].completion.model, "premium");
  assert.equal(r.steps[1].completion.model, "normal");
});

test("runTools: reasoning_content is kept on assistant messages (DeepSeek round-trip)", async () => {
  const bodies = [];
  const completion = (message, finish) => ({ id: "x", object: "chat.completion", created: 1, model: "m", choices: [{ index: 0, message, finish_reason: finish }] });
  const replies = [
    completion({ role: "assistant", content: null, reasoning_content: "I need the weather.", tool_calls: [{ id: "c1", type: "function", function: { name: "get_weather", arguments: '{"location":"Oslo"}' } }] }, "tool_calls"),
    completion({ role: "assistant", content: "Cold." }, "stop"),
  ];
  const fetch = async (url, init) => {
    bodies.push(JSON.parse(init.body));
    return new Response(JSON.stringify(replies[bodies.length - 1]), { headers: { "content-type": "application/json" } });
  };
  const { tool } = weather(async () => "cold");
  const r = await client(srv, { fetch }).runTools({ messages: ASK, tools: [tool] });
  assert.equal(bodies[1].messages[1].reasoning_content, "I need the weather.");
  assert.equal(r.messages[1].reasoning_content, "I need the weather.");
  assert.equal(r.usage, undefined, "no usage reported: undefined");
});

test("runToolsStream: chunk, step and tool_result events in order; final() is the runTools result", async () => {
  const id = uid("rts");
  const { tool } = weather();
  const live = await client(srv).runToolsStream({ messages: ASK, tools: [tool], _test: { id, toolCalls: 2 } });
  assert.ok(live instanceof ReadableStream);
  const events = await collect(live);
  const kinds = events.map((e) => `${e.type}:${e.step}`);
  const firstTool = kinds.indexOf("tool_result:0");
  assert.ok(kinds.slice(0, kinds.indexOf("step:0")).every((k) => k === "chunk:0"), kinds.join());
  assert.equal(kinds[firstTool - 1], "step:0");
  assert.deepEqual(kinds.slice(firstTool, firstTool + 2), ["tool_result:0", "tool_result:0"]);
  assert.equal(kinds.at(-1), "step:1");
  assert.ok(kinds.includes("chunk:1"));
  const tr = events.filter((e) => e.type === "tool_result");
  assert.deepEqual(tr.map((e) => [e.name, e.result, e.error]), [["get_weather", { temp: 21, city: "Paris" }, undefined], ["get_weather", { temp: 18, city: "Tokyo" }, undefined]]);
  assert.match(tr[0].id, /^call_/);
  const text = events.filter((e) => e.type === "chunk" && e.step === 1).map((e) => e.chunk.choices?.[0]?.delta?.content ?? "").join("");
  assert.equal(text, 'The weather is: {"temp":21,"city":"Paris"}; {"temp":18,"city":"Tokyo"}');
  const r = await live.final();
  assert.equal(r.stopReason, "stop");
  assert.equal(r.steps.length, 2);
  assert.equal(r.final.choices[0].message.content, text);
  assert.equal(r.steps[0].completion.choices[0].message.tool_calls.length, 2);
  assert.equal(events.find((e) => e.type === "step" && e.step === 1).completion, r.final);
  assert.deepEqual(r.messages.map((m) => m.role), ["user", "assistant", "tool", "tool", "assistant"]);
  assert.ok(r.usage.total_tokens > 0);
});

test("runToolsStream: final() alone works; an API error rejects the call; cancel stops the loop", async () => {
  const { tool } = weather();
  const live = await client(srv).runToolsStream({ messages: ASK, tools: [tool] });
  const r = await live.final();
  assert.equal(r.stopReason, "stop");

  await rejects(client(srv, { apiKey: "bad-key-1234" }).runToolsStream({ messages: ASK, tools: [tool] }), { kind: "api", status: 401 });

  const id = uid("cancel");
  const s = await client(srv).runToolsStream({ messages: ASK, tools: [tool], _test: { id } });
  const reader = s.getReader();
  await reader.read();
  await reader.cancel();
  await rejects(s.final(), { kind: "aborted" });
  await sleep(50);
  assert.equal((await srv.id(id)).attempts, 1, "no step after the cancel");
});

const MTOOLS = [{ name: "get_weather", description: "Weather", input_schema: PARAMS }];

test("runMessageTools: tool_use / tool_result blocks, parallel calls, is_error for bad input, usage summed", async () => {
  const id = uid("mt");
  const seen = [];
  const tools = [{ ...MTOOLS[0], run: async (args) => { seen.push(args); return { temp: 5 }; } }];
  const r = await client(srv).runMessageTools({ model: "basic", max_tokens: 200, messages: ASK, tools, _test: { id, toolCalls: 2 } });
  assert.equal(r.stopReason, "end_turn");
  assert.equal(r.steps.length, 2);
  assert.equal(seen.length, 2);
  assert.deepEqual(r.messages.map((m) => m.role), ["user", "assistant", "user", "assistant"]);
  const results = r.messages[2].content;
  assert.deepEqual(results.map((b) => [b.type, b.tool_use_id, b.content]), [
    ["tool_result", r.steps[0].toolCalls[0].id, '{"temp":5}'],
    ["tool_result", r.steps[0].toolCalls[1].id, '{"temp":5}'],
  ]);
  assert.match(r.steps[0].toolCalls[0].id, /^toolu_01/);
  assert.equal(r.final.content[0].text, 'The weather is: {"temp":5}; {"temp":5}');
  assert.equal(r.usage.input_tokens, r.steps[0].completion.usage.input_tokens + r.steps[1].completion.usage.input_tokens);
  assert.equal(r.usage.output_tokens, r.steps[0].completion.usage.output_tokens + r.steps[1].completion.usage.output_tokens);

  const b = await client(srv).runMessageTools({ model: "basic", max_tokens: 200, messages: ASK, tools, _test: { badArgs: "schema" } });
  const block = b.messages[2].content[0];
  assert.equal(block.is_error, true);
  assert.match(block.content, /- location: must be a string \(got an integer\)/);
  assert.equal(b.steps.length, 3);
});

test("tool loops: bad input is rejected before anything is sent", async () => {
  const id = uid("badinput");
  const c = client(srv);
  const { tool } = weather();
  const cases = [
    [() => c.runTools({ messages: ASK, tools: [{ type: "function", function: { name: "x", parameters: {} } }], _test: { id } }), "tools[0].run", /must be a function/],
    [() => c.runTools({ messages: ASK, tools: [], _test: { id } }), "tools", /at least one tool/],
    [() => c.runTools({ messages: ASK, _test: { id } }), "tools", /at least one tool/],
    [() => c.runTools({ messages: ASK, tools: [tool], _test: { id } }, { maxSteps: 0 }), "maxSteps", /whole number from 1/],
    [() => c.runTools({ messages: ASK, tools: [tool], _test: { id } }, { maxSteps: 2.5 }), "maxSteps", /whole number/],
    [() => c.runTools({ messages: ASK, tools: [tool], _test: { id } }, { parallelToolCalls: "yes" }), "parallelToolCalls", /true or false/],
    [() => c.runTools({ messages: ASK, tools: [tool], _test: { id } }, { timeoutMs: -1 }), "timeoutMs", /./],
    [() => c.runTools("hi"), "request", /must be an object/],
    [() => c.runMessageTools({ max_tokens: 9, messages: ASK, tools: [{ name: "t" }], _test: { id } }), "tools[0].run", /must be a function/],
  ];
  for (const [call, param, message] of cases) await rejects(call, { kind: "invalid_request", param, message });
  for (const m of ["runTools", "runToolsStream", "runMessageTools"]) {
    for (const [req, opts] of [[null], [1], ["x"], [{ messages: ASK, tools: [tool], _test: { id } }, 7]]) {
      const p = c[m](req, opts);
      assert.ok(p instanceof Promise, `${m} never throws synchronously`);
      await rejects(p, { kind: "invalid_request" });
    }
  }
  assert.equal((await srv.id(id)).attempts, 0);
});
