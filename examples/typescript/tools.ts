// Tool loops and structured output, typed. CI checks it with `tsc --strict --noEmit`
// (tests/consumers), and the lines marked @ts-expect-error prove that wrong uses fail to compile:
// `args` is inferred from each tool's `parameters` literal, `parsed` from a Standard Schema's
// output type or a `json_schema.schema` literal.
import {
  AiBadgr,
  AiBadgrError,
  type FromSchema,
  type StandardSchemaV1,
  type ToolRun,
  type MessageToolRun,
  type OutputIssue,
} from "aibadgr";

/** A tiny Standard Schema (what zod's `z.object(...)` exposes as `~standard`). */
const City: StandardSchemaV1<unknown, { city: string; population: number }> = {
  "~standard": {
    version: 1,
    vendor: "example",
    validate: (v) =>
      typeof v === "object" && v !== null && "city" in v && "population" in v
        ? { value: { city: String(v.city), population: Number(v.population) } }
        : { issues: [{ message: "expected { city, population }", path: [] }] },
  },
};

type Weather = FromSchema<{
  type: "object";
  properties: { city: { type: "string" }; unit: { enum: ["celsius", "fahrenheit"] }; days: { type: "integer" } };
  required: ["city"];
}>;
const w: Weather = { city: "Paris", unit: "celsius" };
// @ts-expect-error: city is required
const w2: Weather = { unit: "celsius" };
// @ts-expect-error: unit is one of the enum values
const w3: Weather = { city: "Paris", unit: "kelvin" };

/** Runs every typed call against `client`. */
export async function tools(client: AiBadgr, signal: AbortSignal): Promise<string[]> {
  const seen: string[] = [String(w.city), String(w2), String(w3)];
  const run: ToolRun = await client.runTools(
    {
      model: "premium",
      messages: [{ role: "user", content: "Weather in Paris?" }],
      tools: [
        {
          type: "function",
          function: {
            name: "get_weather",
            parameters: { type: "object", properties: { location: { type: "string" }, days: { type: "integer" } }, required: ["location"] },
          },
          run: async (args, { signal, toolCall }) => {
            const city: string = args.location;
            const days: number | undefined = args.days;
            // @ts-expect-error: no such parameter
            args.country;
            signal.throwIfAborted();
            return { city, days, id: toolCall.id };
          },
        },
        {
          type: "function",
          function: { name: "now", parameters: { type: "object", properties: {} } },
          run: () => new Date().toISOString(),
        },
      ],
    },
    { maxSteps: 5, parallelToolCalls: false, signal },
  );
  seen.push(run.stopReason, String(run.final.choices[0]?.message.content), String(run.messages.length));
  for (const step of run.steps) for (const c of step.toolCalls) seen.push(c.name, c.error ?? "ok");
  if (run.usage) seen.push(String(run.usage.total_tokens));

  const live = await client.runToolsStream({
    messages: [{ role: "user", content: "Weather in Tokyo?" }],
    tools: [{ type: "function", function: { name: "get_weather", parameters: { type: "object", properties: { location: { type: "string" } } } }, run: (a) => a.location ?? "?" }],
  });
  for await (const e of live) {
    if (e.type === "chunk") seen.push(e.chunk.choices[0]?.delta.content ?? "");
    else if (e.type === "tool_result") seen.push(e.name);
    else seen.push(String(e.completion.choices.length));
  }
  seen.push((await live.final()).stopReason);

  const m: MessageToolRun = await client.runMessageTools({
    max_tokens: 200,
    messages: [{ role: "user", content: "Weather in Oslo?" }],
    tools: [{ name: "get_weather", input_schema: { type: "object", properties: { location: { type: "string" } }, required: ["location"] }, run: (input) => input.location.toUpperCase() }],
  });
  seen.push(m.stopReason);

  // @ts-expect-error: every tool needs a run function
  await client.runTools({ messages: [], tools: [{ type: "function", function: { name: "x" } }] }).catch(() => undefined);

  const format = {
    type: "json_schema",
    json_schema: { name: "city", schema: { type: "object", properties: { city: { type: "string" }, population: { type: "integer" } }, required: ["city", "population"] } },
  } as const;
  const r = await client.parse({ messages: [{ role: "user", content: "Paris?" }], response_format: format });
  const city: string = r.choices[0]!.message.parsed.city;
  const pop: number = r.choices[0]!.message.parsed.population;
  seen.push(city, String(pop));

  const s = await client.parse({ messages: [{ role: "user", content: "Paris?" }], response_format: format }, { schema: City, repair: 2 });
  const p: { city: string; population: number } = s.choices[0]!.message.parsed;
  // @ts-expect-error: the Standard Schema's output has no such member
  s.choices[0]!.message.parsed.country;
  seen.push(p.city);

  try {
    await client.parse({ messages: [{ role: "user", content: "?" }] }, { repair: 0 });
  } catch (e) {
    if (e instanceof AiBadgrError && e.kind === "output") {
      const issues: OutputIssue[] = e.issues ?? [];
      seen.push(String(issues.length), e.text ?? "", e.refusal ?? "");
    }
  }

  const stream = await client.chatStream({ messages: [{ role: "user", content: "Paris?" }], response_format: format });
  for await (const part of stream.partial<{ city: string; population: number }>()) {
    seen.push(part.city ?? "");
  }
  return seen;
}
