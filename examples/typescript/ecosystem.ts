// The issue-15 surface, typed: response metadata and rate limits, models(), usage totals,
// logging options and model-name suggestions. tsc --strict checks it (tests/consumers).
import {
  AiBadgr,
  AiBadgrError,
  type ClientUsage,
  type Logger,
  type LogLevel,
  type ModelList,
  type ModelName,
  type RateLimit,
  type ResponseInfo,
  type UsageTotals,
} from "aibadgr";

/** Model names suggest the tiers and AI Badgr's own models, and accept any string. */
export const names: ModelName[] = ["basic", "aibadgr/premium", "phi-3-mini", "mistral-7b", "llama3-8b-instruct", "my-proxy-model"];

const lines: string[] = [];
const logger: Logger = {
  error: (l) => lines.push(l),
  warn: (l) => lines.push(l),
  info: (l) => lines.push(l),
  debug: (l) => lines.push(l),
};
const level: LogLevel = "debug";

/** Reads every new member once. */
export async function ecosystem(baseUrl: string): Promise<{ rate: RateLimit | undefined; usage: UsageTotals; models: string[] }> {
  const client = new AiBadgr({ apiKey: "sk-demo-123456", baseUrl, logLevel: level, logger, model: "phi-3-mini" });
  const r = await client.chat({ messages: [{ role: "user", content: "hi" }] });
  const info: ResponseInfo = r.response;
  const status: number = info.status;
  const id: string | undefined = info.requestId;
  const remaining: number | undefined = info.rateLimit?.tokens?.remaining;
  const resetMs: number | undefined = info.rateLimit?.requests?.resetMs;
  const wait: number | undefined = info.rateLimit?.retryAfterMs;
  const header: string | undefined = info.headers["x-ratelimit-limit-requests"];
  void [status, id, remaining, resetMs, wait, header, info.attempts, info.elapsedMs, info.model];
  const s = await client.chatStream({ messages: [{ role: "user", content: "hi" }] });
  const headStatus: number = s.response.status;
  const f = await s.final();
  const endMs: number = f.response.elapsedMs;
  const m = await client.messagesStream({ model: "basic", max_tokens: 9, messages: [{ role: "user", content: "hi" }] });
  const mf = await m.final();
  const e = await client.embed({ input: "x" });
  void [headStatus, endMs, mf.response.attempts, e.response.rateLimit, (await client.messages({ model: "basic", max_tokens: 9, messages: [{ role: "user", content: "hi" }] })).response.status];
  const list: ModelList = await client.models({ timeoutMs: 5000 });
  try {
    await client.chat({ messages: [{ role: "user", content: "hi" }] }, { maxRetries: 0 });
  } catch (err) {
    if (err instanceof AiBadgrError) {
      const retryable: boolean = err.retryable;
      const limit: RateLimit | undefined = err.response?.rateLimit;
      void [retryable, limit];
    }
  }
  const usage: ClientUsage = client.usage;
  const premium: UsageTotals | undefined = usage.models["premium"];
  void premium;
  client.resetUsage();
  return { rate: info.rateLimit, usage: usage.total, models: list.data.map((x) => x.id) };
}

export function wrongEcosystem(client: AiBadgr): void {
  // @ts-expect-error: not a log level
  new AiBadgr({ logLevel: "verbose" });
  // @ts-expect-error: usage is read-only
  client.usage = { total: client.usage.total, models: {} };
  // @ts-expect-error: a logger needs all four methods
  new AiBadgr({ logger: { info: (l: string) => l } });
}
