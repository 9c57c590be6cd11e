// The demo page in a real browser: playwright-core (from .ci/tools) drives Debian's Chromium
// against the real launcher (www/serve.mjs) with its built-in backend. Saves tests/out/demo.png
// (laptop width, after a chat, the tool call and the embeddings) and tests/out/demo-phone.png.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const require = createRequire(path.join(root, ".ci/tools/package.json"));
const { chromium } = require("playwright-core");
const outDir = path.join(root, "tests/out");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];
const WAIT = { timeout: 20_000 };

const servers = []; // child processes
let base; // http://127.0.0.1:<port> of the demo server with the built-in backend
let browser;
let page;
const pageErrors = [];
const consoleErrors = [];

/**
 * Starts `node www/serve.mjs` on a free port (built-in backend unless `extraEnv` sets a key);
 * resolves `{ url, output() }`.
 */
function startDemo(extraEnv = {}) {
  const env = { ...process.env, PORT: "0", DEMO_PACE_MS: "40" };
  delete env.AIBADGR_API_KEY;
  delete env.AIBADGR_BASE_URL;
  Object.assign(env, extraEnv);
  const server = spawn(process.execPath, [path.join(root, "www/serve.mjs")], { env, stdio: ["ignore", "pipe", "pipe"] });
  servers.push(server);
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`demo server did not start:\n${out}`)), 15_000);
    const onData = (d) => {
      out += d;
      const m = /LISTENING (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1], output: () => out });
      }
    };
    server.stdout.on("data", onData);
    server.stderr.on("data", onData);
    server.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`demo server exited (${code}):\n${out}`));
    });
  });
}

const control = async (p, init) => (await fetch(base + p, init)).json();
const text = (sel) => page.locator(sel).innerText();

async function openPage(width = 1280, height = 900, url = base) {
  const context = await browser.newContext({ viewport: { width, height }, deviceScaleFactor: 1 });
  const p = await context.newPage();
  p.on("pageerror", (e) => pageErrors.push(e.message));
  p.on("console", (m) => { if (m.type() === "error") consoleErrors.push(m.text()); });
  await p.goto(`${url}/`);
  await p.waitForSelector("body[data-ready='1']", WAIT);
  return p;
}

/** Sends a prompt from the composer and waits until the chat is back to a resting state. */
async function send(prompt, settle = ["done"]) {
  await page.fill("#prompt", prompt);
  await page.click("#send");
  await page.waitForFunction((states) => states.includes(document.body.dataset.chat), settle, WAIT);
}

async function simulate(value) {
  await page.selectOption("#sim", value);
}

before(async () => {
  fs.mkdirSync(outDir, { recursive: true });
  base = (await startDemo()).url;
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
  page = await openPage();
});

after(async () => {
  await browser?.close();
  for (const s of servers) s.kill("SIGTERM");
});

describe("demo page", () => {
  it("loads the package and labels the built-in backend", async () => {
    assert.match(await text("#backend-text"), /built-in local backend/);
    assert.match(await text("#pkg-size"), /\d+ KB \.wasm/);
    assert.equal(await page.isEnabled("#send"), true);
    assert.equal(await page.isDisabled("#stop"), true);
    assert.equal(await page.isVisible("#sim"), true, "the failure simulator shows with the local backend");
    assert.equal(await text("#st-status-text"), "idle");
  });

  it("streams tokens as they arrive, with time to first token, tokens/s and usage", async () => {
    await page.evaluate(() => {
      const rec = { mutations: [], frames: [], stop: false };
      window.__rec = rec;
      const log = document.querySelector("#log");
      const last = () => log.querySelector(".msg.assistant:last-of-type .text");
      new MutationObserver(() => { const t = last(); if (t) rec.mutations.push(t.textContent.length); })
        .observe(log, { childList: true, subtree: true, characterData: true });
      const tick = () => {
        const t = last();
        if (t) rec.frames.push(t.textContent.length);
        if (!rec.stop) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
    const prompt = "Tell me how streaming works when every token is painted in the browser as soon as it arrives";
    await send(prompt);
    const rec = await page.evaluate(() => { window.__rec.stop = true; return window.__rec; });
    const reply = await text("#log .msg.assistant:last-of-type .text");
    assert.equal(reply, `Hello! You said: ${prompt}`);
    const between = (xs) => new Set(xs.filter((n) => n > 0 && n < reply.length));
    assert.ok(between(rec.mutations).size >= 5, `DOM grew in steps: ${[...between(rec.mutations)]}`);
    assert.ok(between(rec.frames).size >= 2, `more than one painted frame before the end: ${[...between(rec.frames)]}`);

    assert.match(await text("#st-ttft"), /^\d+ ms$|^\d+\.\d+ s$/);
    const tps = Number(await text("#st-tps"));
    assert.ok(tps > 0 && tps < 1000, `tokens/s ${tps}`);
    const usage = /^(\d+) \+ (\d+) = (\d+)$/.exec(await text("#st-usage"));
    assert.ok(usage, "usage shows prompt + completion = total");
    assert.equal(Number(usage[1]) + Number(usage[2]), Number(usage[3]));
    assert.equal(Number(usage[2]), reply.split(/\s+/).length, "completion tokens from final()");
    assert.equal(await text("#st-attempts"), "1");
    assert.match(await text("#st-status-text"), /^done in /);
    assert.match(await text("#log .msg.assistant:last-of-type .meta"), /^basic · \d+ tokens · /);
  });

  it("sends the tier chosen in the selector as the model", async () => {
    await page.click(".tiers label:has(input[value='premium'])");
    await send("Which tier is this?");
    const last = await control("/__last");
    assert.equal(last.body.model, "premium");
    assert.equal(last.headers.authorization, "Bearer local-demo", "the key is added by the server, not the page");
    assert.match(await text("#log .msg.assistant:last-of-type .meta"), /^premium · /);
    await page.click(".tiers label:has(input[value='basic'])");
  });

  it("Stop aborts mid-stream: no more tokens, the request is closed, the UI is idle and says stopped", async () => {
    await control("/__reset", { method: "POST" });
    await page.click("#clear");
    await page.click(".chip[data-prompt='long']");
    await page.waitForFunction(() => (document.querySelector("#log .msg.assistant .text")?.textContent.length ?? 0) > 40, null, WAIT);
    assert.equal(await page.isEnabled("#stop"), true);
    await page.click("#stop");
    await page.waitForSelector("body[data-chat='stopped']", WAIT);
    const atStop = (await text("#log .msg.assistant .text")).length;
    const full = `Hello! You said: ${await page.locator("#log .msg.user .text").textContent()}`.length;
    assert.ok(atStop < full / 2, `stopped early (${atStop} of ${full} characters)`);

    // The server saw the client close the stream.
    let stats;
    for (let i = 0; i < 50; i++) {
      stats = await control("/__stats");
      if (stats.clientAborts >= 1 && stats.open === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(stats.clientAborts, 1, "the fetch was aborted");
    assert.equal(stats.open, 0);

    await page.waitForTimeout(600); // at 40 ms a token, a live stream would grow by ~15 tokens here
    assert.equal((await text("#log .msg.assistant .text")).length, atStop, "no tokens after Stop");
    assert.equal(await text("#st-status-text"), "stopped");
    assert.match(await text("#log .msg.assistant .meta"), /^stopped by you after \d+ tokens?$/);
    assert.equal(await page.locator("#log .msg.assistant.stopped").count(), 1);
    assert.equal(await page.locator("#log .msg.streaming").count(), 0, "no caret left");
    assert.equal(await page.isEnabled("#send"), true);
    assert.equal(await page.isDisabled("#stop"), true);
    assert.equal(await page.isHidden("#chat-error"), true, "a stop is not an error");
  });

  it("runs the tool example: the model calls get_weather, the page answers, the reply uses it", async () => {
    await page.fill("#tool-prompt", "What's the weather in Lisbon today?");
    await page.click("#tool-run");
    await page.waitForSelector("#tool-steps[data-done='1']", WAIT);
    const call = await text("#tool-call");
    assert.match(call, /^get_weather\(\{.*"location":"Lisbon".*\}\)$/);
    const result = /^→ "(.*)"$/.exec(await text("#tool-result"));
    assert.ok(result, "the tool result is shown");
    assert.match(result[1], /^-?\d+ °C and .+ in Lisbon, wind \d+ km\/h$/);
    assert.equal(await text("#tool-answer"), `The weather is: ${result[1]}`);
    const last = await control("/__last");
    const toolMsg = last.body.messages.at(-1);
    assert.equal(toolMsg.role, "tool");
    assert.equal(toolMsg.content, result[1]);
    assert.equal(last.body.messages.at(-2).tool_calls[0].id, toolMsg.tool_call_id);
    for (const s of ["call", "run", "answer"]) assert.equal(await page.getAttribute(`[data-step='${s}']`, "data-state"), "done");
  });

  it("runs the embeddings example: a table of cosine similarities from Float32Arrays", async () => {
    const read = async () => {
      await page.waitForSelector("#heat:not([hidden]) td", WAIT);
      return page.$$eval("#heat tbody tr", (rows) => rows.map((r) => [...r.querySelectorAll("td")].map((td) => Number(td.textContent))));
    };
    await page.click("#embed-run");
    const m = await read();
    assert.equal(m.length, 4);
    for (const row of m) {
      assert.equal(row.length, 4);
      for (const v of row) assert.ok(Number.isFinite(v) && v >= -1 && v <= 1, `similarity ${v}`);
    }
    for (let i = 0; i < 4; i++) assert.equal(m[i][i], 1);
    assert.equal(m[0][1], m[1][0], "symmetric");
    assert.ok(m[0][1] > m[0][2], "the two cat sentences are closer than cat and revenue");
    assert.ok(m[2][3] > m[0][2], "the two revenue sentences are closer than cat and revenue");
    assert.match(await text("#embed-meta"), /^4 × 1536-dim Float32Array · /);

    // Editable: make D a copy of A and compare again.
    await page.fill("#sentences li:nth-child(4) input", await page.inputValue("#sentences li:nth-child(1) input"));
    await page.evaluate(() => document.querySelector("#heat").setAttribute("hidden", ""));
    await page.click("#embed-run");
    const m2 = await read();
    assert.equal(m2[0][3], 1);
  });

  it("the client's retry shows: a 429 once, then the answer", async () => {
    await simulate("429-once");
    await send("Are you there?");
    assert.equal(await text("#log .msg.assistant:last-of-type .text"), "Hello! You said: Are you there?");
    assert.equal(await text("#st-attempts"), "2 (1 retry)");
    assert.equal(await page.isHidden("#chat-error"), true);
    await simulate("");
  });

  it("a rejected key is explained (what happened, what to do), never a stack", async () => {
    await simulate("401");
    await send("hello there", ["error"]);
    await simulate("");
    const box = await text("#chat-error");
    assert.match(box, /The API key was rejected\./);
    assert.match(box, /What to do: Check AIBADGR_API_KEY/);
    assert.match(box, /HTTP 401 · invalid_api_key · request id req_/);
    assert.doesNotMatch(box, /\bat \S+:\d+|AiBadgrError|wasm-function|undefined|\[object/);
    assert.equal(await page.inputValue("#prompt"), "hello there", "the unsent message is back in the box");
    assert.equal(await text("#st-status-text"), "error");
    assert.equal(await page.isEnabled("#send"), true);
    assert.equal(await text("#st-attempts"), "1", "a 401 is not retried");
  });

  it("a dropped server connection is explained too", async () => {
    await page.route("**/api/v1/chat/completions", (route) => route.abort("connectionrefused"));
    try {
      await send("anyone home?", ["error"]);
    } finally {
      await page.unroute("**/api/v1/chat/completions");
    }
    const box = await text("#chat-error");
    assert.match(box, /The connection to the server failed\./);
    assert.match(box, /What to do: Check that the demo server is still running/);
    assert.doesNotMatch(box, /\bat \S+:\d+|AiBadgrError|wasm-function|\[object/);
    assert.equal(await text("#st-attempts"), "3 (2 retries)", "network errors are retried twice");
    await page.click("#chat-error .err-close");
    assert.equal(await page.isHidden("#chat-error"), true);
  });

  it("fits a phone (390 px): no horizontal overflow", async () => {
    const phone = await openPage(390, 844);
    try {
      await phone.fill("#prompt", "Hi from a phone");
      await phone.click("#send");
      await phone.waitForSelector("body[data-chat='done']", WAIT);
      await phone.click("#embed-run");
      await phone.waitForSelector("#heat:not([hidden]) td", WAIT);
      const o = await phone.evaluate(() => {
        const vw = document.documentElement.clientWidth;
        const wide = [...document.querySelectorAll("body *")]
          .filter((e) => !e.closest(".heat-wrap, pre, .sr-only, [hidden]") && e.getBoundingClientRect().right > vw + 0.5)
          .map((e) => e.id || e.className || e.tagName);
        return { vw, sw: document.documentElement.scrollWidth, wide };
      });
      assert.equal(o.vw, 390);
      assert.ok(o.sw <= o.vw, `page is ${o.sw}px wide at ${o.vw}px`);
      assert.deepEqual(o.wide, [], "elements past the right edge");
      await phone.screenshot({ path: path.join(outDir, "demo-phone.png"), fullPage: true });
    } finally {
      await phone.context().close();
    }
  });

  it("saves a screenshot of the page at work (tests/out/demo.png)", async () => {
    const shot = await openPage(1280, 900);
    try {
      await shot.click(".chip[data-prompt='long']");
      await shot.waitForFunction(() => (document.querySelector("#log .msg.assistant .text")?.textContent.length ?? 0) > 90, null, WAIT);
      await shot.click("#stop");
      await shot.waitForSelector("body[data-chat='stopped']", WAIT);
      await shot.fill("#prompt", "Write a haiku about WebAssembly.");
      await shot.click("#send");
      await shot.waitForSelector("body[data-chat='done']", WAIT);
      await shot.click("#tool-run");
      await shot.waitForSelector("#tool-steps[data-done='1']", WAIT);
      await shot.click("#embed-run");
      await shot.waitForSelector("#heat:not([hidden]) td", WAIT);
      await shot.mouse.move(0, 0);
      const file = path.join(outDir, "demo.png");
      await shot.screenshot({ path: file, fullPage: true });
      const png = fs.readFileSync(file);
      assert.equal(png.subarray(1, 4).toString(), "PNG");
      assert.ok(png.length > 20_000, `screenshot has content (${png.length} bytes)`);
    } finally {
      await shot.context().close();
    }
  });

  it("no uncaught errors in the page", () => {
    assert.deepEqual(pageErrors, []);
    const unexpected = consoleErrors.filter((t) => !/ERR_CONNECTION_REFUSED|status of (401|429)/.test(t));
    assert.deepEqual(unexpected, []);
  });
});

describe("demo server with AIBADGR_API_KEY", () => {
  const KEY = "sk-demo-4f1d2c9e8b7a6f5e4d3c2b1a";
  let upstream; // stands in for the real API
  let demo;
  let p;
  const pageRequests = [];

  before(async () => {
    const { startServer } = await import("../server/server.mjs");
    upstream = await startServer();
    demo = await startDemo({ AIBADGR_API_KEY: KEY, AIBADGR_BASE_URL: `${upstream.url}/api/v1` });
    p = await openPage(1280, 900, demo.url);
    p.on("request", (r) => pageRequests.push(r));
  });
  after(async () => {
    await p?.context().close();
    await upstream?.close();
  });

  it("forwards the page's calls to AIBADGR_BASE_URL and adds the key on the server side only", async () => {
    assert.match(await p.locator("#backend-text").innerText(), /live: AI Badgr API/);
    assert.equal(await p.isHidden("#sim-wrap"), true, "no failure simulator against a real API");
    await p.fill("#prompt", "Hello through the proxy");
    await p.click("#send");
    await p.waitForSelector("body[data-chat='done']", WAIT);
    assert.equal(await p.locator("#log .msg.assistant .text").innerText(), "Hello! You said: Hello through the proxy");

    const seen = await (await fetch(`${upstream.url}/__last`)).json();
    assert.equal(seen.path, "/api/v1/chat/completions");
    assert.equal(seen.headers.authorization, `Bearer ${KEY}`);
    assert.equal(seen.body.stream, true);

    const api = pageRequests.filter((r) => r.url().includes("/api/v1/"));
    assert.ok(api.length >= 1);
    for (const r of api) assert.equal((await r.allHeaders()).authorization, undefined, "the page sends no key");
    for (const path of ["/", "/app.js", "/demo.json", "/pkg/browser.js"]) {
      assert.ok(!(await (await fetch(demo.url + path)).text()).includes(KEY), `${path} does not carry the key`);
    }
    assert.ok(!(await p.content()).includes(KEY));
    assert.ok(!demo.output().includes(KEY), "the key is never printed");
    assert.deepEqual(pageErrors, []);
  });

  it("answers only its own page: other origins and host names are refused", async () => {
    const other = await fetch(`${demo.url}/api/v1/chat/completions`, {
      method: "POST",
      headers: { origin: "http://evil.example", "content-type": "application/json" },
      body: JSON.stringify({ model: "basic", messages: [{ role: "user", content: "x" }] }),
    });
    assert.equal(other.status, 403);
    assert.equal(other.headers.get("access-control-allow-origin"), null);
    const { request } = await import("node:http");
    const status = await new Promise((resolve, reject) => {
      const u = new URL(`${demo.url}/api/v1/models`);
      request({ host: u.hostname, port: u.port, path: u.pathname, headers: { host: `rebound.example:${u.port}` } }, (res) => { res.resume(); resolve(res.statusCode); })
        .on("error", reject).end();
    });
    assert.equal(status, 403, "DNS-rebinding host names are refused");
  });
});
