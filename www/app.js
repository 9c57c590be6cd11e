// The demo page: streaming chat with Stop and live figures, a tool call, embeddings, and errors a
// person can act on. Plain ES module; the client is the built package served at /pkg/.
const $ = (sel) => document.querySelector(sel);
const BASE_URL = `${location.origin}/api/v1`; // the demo server adds the API key when it forwards

let AiBadgr, AiBadgrError;
try {
  ({ AiBadgr, AiBadgrError } = await import("/pkg/browser.js"));
} catch (err) {
  showError($("#chat-error"), {
    title: "The aibadgr package did not load.",
    hint: "Build it with node pkg-template/build.mjs, then reload (bash .ci/demo.sh does both).",
    detail: String(err?.message ?? err).split("\n")[0],
  });
  setBackend("error", "package not loaded");
  throw err;
}

// ---------- small helpers ----------

/** A client whose fetch counts HTTP attempts, so the page can show the client's retries. */
function makeClient() {
  const counter = { attempts: 0 };
  const client = new AiBadgr({
    baseUrl: BASE_URL,
    fetch: (input, init) => {
      counter.attempts++;
      return fetch(input, init);
    },
  });
  return { client, counter };
}

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === "class") node.className = v;
    else if (k === "dataset") Object.assign(node.dataset, v);
    else node.setAttribute(k, v);
  }
  node.append(...children);
  return node;
}

const fmtMs = (ms) => (ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`);
const tier = () => document.querySelector('input[name="tier"]:checked')?.value ?? "basic";
const isAbort = (err) => err?.name === "AbortError" || err?.kind === "aborted";
const newId = () => (crypto.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2));

/** Turns any failure into what happened, what to do, and a quiet line of facts. Never a stack. */
function explain(err) {
  if (!(err instanceof AiBadgrError)) {
    return { title: "Something went wrong in this page.", hint: "Reload the page and try again.", detail: String(err?.message ?? err).split("\n")[0] };
  }
  const serverText = String(err.message ?? "").replace(/^\d{3}\s+/, "");
  const facts = [];
  if (err.status) facts.push(`HTTP ${err.status}`);
  if (err.code) facts.push(err.code);
  if (err.requestId) facts.push(`request id ${err.requestId}`);
  const detail = facts.join(" · ");
  const api = (title, hint) => ({ title, hint, detail, server: serverText });
  switch (err.kind) {
    case "network":
      return {
        title: "The connection to the server failed.",
        hint: "Check that the demo server is still running (bash .ci/demo.sh) and your network is up, then send again. The client already retried.",
        detail: serverText,
      };
    case "timeout":
      return { title: "The answer took too long.", hint: "Try again, or ask for a shorter answer.", detail: serverText };
    case "stream":
      return { title: "The answer was cut off.", hint: "The stream broke part-way through; send the message again.", detail: serverText };
    case "invalid_request":
      return { title: "This request is not valid.", hint: `Fix ${err.param ?? "the request"} and send again.`, detail: serverText };
    case "config":
      return { title: "The client is set up wrongly.", hint: "Check the options passed to new AiBadgr().", detail: serverText };
    case "api":
    default: {
      const s = err.status ?? 0;
      if (s === 401) return api("The API key was rejected.", "Check AIBADGR_API_KEY where the demo server runs, then restart it: bash .ci/demo.sh");
      if (s === 403) return api("This key may not use that.", "Pick another tier, or check your AI Badgr plan.");
      if (s === 404 || err.code === "model_not_found") return api("That model is not available.", "Pick another tier and send again.");
      if (s === 429) return api("AI Badgr is rate-limiting these requests.", "The client already waited and retried. Wait a minute, then send again.");
      if (s >= 500) return api("AI Badgr had a problem on its side.", "It is not you: the client retried automatically. Try again in a moment.");
      return api("AI Badgr turned this request down.", "Read the reason below, adjust the message, and send again.");
    }
  }
}

function showError(box, info) {
  box.replaceChildren(
    el("div", { class: "err-icon", "aria-hidden": "true" }, "!"),
    el("div", { class: "err-body" },
      el("p", { class: "err-title" }, info.title),
      ...(info.server ? [el("p", { class: "err-server" }, info.server)] : []),
      el("p", { class: "err-hint" }, el("b", {}, "What to do: "), info.hint),
      ...(info.detail ? [el("p", { class: "err-detail" }, info.detail)] : []),
    ),
    el("button", { type: "button", class: "err-close", "aria-label": "Dismiss" }, "×"),
  );
  box.querySelector(".err-close").addEventListener("click", () => { box.hidden = true; });
  box.hidden = false;
}
const hideError = (box) => { box.hidden = true; box.replaceChildren(); };

// ---------- backend label ----------

let config = { backend: "unknown", faults: false };
function setBackend(kind, text) {
  const pill = $("#backend-pill");
  pill.dataset.kind = kind;
  $("#backend-text").textContent = text;
}
try {
  const r = await fetch("/demo.json", { cache: "no-store" });
  if (r.ok) config = await r.json();
} catch {}
if (config.backend === "local") {
  setBackend("local", "built-in local backend");
  $("#backend-note").textContent = "Answers come from the demo server's built-in AI Badgr-compatible backend: it echoes your prompt at a realistic pace. Start the server with AIBADGR_API_KEY set to talk to the real models.";
} else if (config.backend === "aibadgr") {
  setBackend("live", "live: AI Badgr API");
  $("#backend-note").textContent = "Answers come from the real AI Badgr API, through the demo server, which adds your key on its side.";
} else {
  setBackend("unknown", `API at ${BASE_URL}`);
}
$("#sim-wrap").hidden = !config.faults;
fetch("/pkg/aibadgr_bg.wasm", { method: "HEAD" })
  .then((r) => {
    const n = Number(r.headers.get("content-length"));
    if (n > 0) $("#pkg-size").textContent = `one npm package · one ${Math.round(n / 1024)} KB .wasm`;
  })
  .catch(() => {});

// ---------- streaming chat ----------

const chat = makeClient();
const history = [];
let current = null; // AbortController of the running request

const log = $("#log");
const emptyState = $("#empty").cloneNode(true);
const promptBox = $("#prompt");
const sendBtn = $("#send");
const stopBtn = $("#stop");
const chatError = $("#chat-error");

function setStatus(state, text) {
  const dd = $("#st-status");
  dd.dataset.state = state;
  $("#st-status-text").textContent = text ?? state;
  document.body.dataset.chat = state;
}

function setBusy(busy) {
  sendBtn.disabled = busy;
  stopBtn.disabled = !busy;
  $("#clear").disabled = busy;
  $("#chat").classList.toggle("busy", busy);
}

function bubble(role, text = "") {
  $("#empty")?.remove();
  const body = el("div", { class: "text" }, text);
  const meta = el("div", { class: "meta" });
  const node = el("div", { class: `msg ${role}` }, body, meta);
  log.append(node);
  log.scrollTop = log.scrollHeight;
  return { node, body, meta };
}

function simulation() {
  if (!config.faults) return undefined;
  switch ($("#sim").value) {
    case "429-once": return { id: newId(), plan: [{ status: 429, retryAfterMs: 600 }, "ok"] };
    case "503-once": return { id: newId(), plan: [503, "ok"] };
    case "drop": return { fault: { name: "reset_mid_stream", after: 8 } };
    case "429-always": return { fault: { status: 429, retryAfterMs: 400 } };
    case "401": return { fault: 401 };
    default: return undefined;
  }
}

function showAttempts(n) {
  $("#st-attempts").textContent = n <= 1 ? String(n) : `${n} (${n - 1} retr${n === 2 ? "y" : "ies"})`;
}

async function send(text) {
  if (current) return;
  text = text.trim();
  if (!text) {
    promptBox.focus();
    return;
  }
  hideError(chatError);
  history.push({ role: "user", content: text });
  const asked = bubble("user", text);
  if (text.length > 280) {
    // Long prompts fold to a few lines; a click unfolds them.
    asked.node.classList.add("folded");
    asked.node.title = "Click to show all";
    asked.node.addEventListener("click", () => asked.node.classList.remove("folded"), { once: true });
  }
  promptBox.value = "";
  const reply = bubble("assistant");
  reply.node.classList.add("streaming");

  const controller = new AbortController();
  current = controller;
  setBusy(true);
  setStatus("waiting", "waiting…");
  for (const id of ["#st-ttft", "#st-tps", "#st-usage"]) $(id).textContent = "–";
  chat.counter.attempts = 0;
  showAttempts(0);

  const model = tier();
  const t0 = performance.now();
  let tFirst = 0;
  let count = 0;
  let answer = "";
  try {
    const req = { model, messages: history.slice() };
    const sim = simulation();
    if (sim) req._test = sim; // only the built-in backend reads this; the real API never sees it
    const stream = await chat.client.chatStream(req, { signal: controller.signal });
    const tokens = stream.text();
    const final = stream.final();
    final.catch(() => {}); // the loop below reports the same failure
    setStatus("streaming", "streaming");
    showAttempts(chat.counter.attempts);
    for await (const token of tokens) {
      const now = performance.now();
      if (!tFirst) {
        tFirst = now;
        $("#st-ttft").textContent = fmtMs(tFirst - t0);
      }
      count++;
      answer += token;
      reply.body.append(token);
      log.scrollTop = log.scrollHeight;
      if (now - tFirst > 150) $("#st-tps").textContent = (count / ((now - tFirst) / 1000)).toFixed(1);
    }
    const done = await final;
    const tEnd = performance.now();
    const usage = done.usage;
    const produced = usage?.completion_tokens ?? count;
    if (tFirst && tEnd - tFirst > 0) $("#st-tps").textContent = (produced / ((tEnd - tFirst) / 1000)).toFixed(1);
    if (usage) $("#st-usage").textContent = `${usage.prompt_tokens} + ${usage.completion_tokens} = ${usage.total_tokens}`;
    history.push({ role: "assistant", content: answer });
    reply.meta.textContent = `${done.model ?? model} · ${produced} tokens · ${fmtMs(tEnd - t0)}`;
    setStatus("done", `done in ${fmtMs(tEnd - t0)}`);
  } catch (err) {
    if (isAbort(err) && controller.signal.aborted) {
      reply.node.classList.add("stopped");
      reply.meta.textContent = `stopped by you after ${count} token${count === 1 ? "" : "s"}`;
      if (answer) history.push({ role: "assistant", content: answer });
      setStatus("stopped", "stopped");
    } else {
      if (answer) {
        reply.node.classList.add("failed");
        reply.meta.textContent = "cut off";
        history.push({ role: "assistant", content: answer });
      } else {
        reply.node.remove();
        history.pop(); // the question was not answered: put it back in the box
        log.lastElementChild?.classList.add("unsent");
        promptBox.value = text;
      }
      const info = explain(err);
      if (answer && err?.kind === "network") {
        info.title = "The connection broke mid-answer.";
        info.hint = "What arrived is kept above; send the message again for the rest.";
      }
      showError(chatError, info);
      setStatus("error", "error");
    }
  } finally {
    reply.node.classList.remove("streaming");
    showAttempts(chat.counter.attempts);
    log.scrollTop = log.scrollHeight;
    current = null;
    setBusy(false);
  }
}

const LONG_PROMPT =
  "Summarize this for a newcomer, in detail: aibadgr is the JavaScript client for AI Badgr, an " +
  "OpenAI-compatible API with three tiers called basic, normal and premium. It is written in Rust and " +
  "compiled to one small WebAssembly module, so the same package runs in browsers, Cloudflare Workers, " +
  "Node and Deno without a single dependency. It streams chat completions token by token through a " +
  "real ReadableStream, parses server-sent events without copying, accumulates tool calls and usage into " +
  "a final completion, retries rate limits and server errors with backoff, honours retry-after headers, " +
  "falls back to other models when one is missing, and stops the network request the moment you cancel. " +
  "Errors say what happened and what to do, and the API key never appears in them. Embeddings arrive as " +
  "Float32Array, ready for cosine similarity, and Anthropic-style messages work too.";

$("#composer").addEventListener("submit", (e) => {
  e.preventDefault();
  send(promptBox.value);
});
promptBox.addEventListener("keydown", (e) => {
  if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    send(promptBox.value);
  }
});
stopBtn.addEventListener("click", () => current?.abort());
document.addEventListener("keydown", (e) => {
  if (e.key === "Escape" && current) current.abort();
});
log.addEventListener("click", (e) => {
  const chip = e.target.closest(".chip");
  if (chip) send(chip.dataset.prompt === "long" ? LONG_PROMPT : chip.dataset.prompt);
});
$("#clear").addEventListener("click", () => {
  if (current) return;
  history.length = 0;
  log.replaceChildren(emptyState.cloneNode(true));
  hideError(chatError);
  setStatus("idle", "idle");
});

// ---------- tool calling ----------

const tools = makeClient();

/** The page's own tool: made-up but stable weather for any city name. */
function getWeather({ location, unit = "celsius" }) {
  const place = String(location ?? "").trim() || "somewhere";
  let h = 2166136261;
  for (const ch of place.toLowerCase()) h = Math.imul(h ^ ch.codePointAt(0), 16777619) >>> 0;
  const skies = ["clear skies", "light rain", "partly cloudy", "overcast", "sunny with a light breeze", "scattered showers"];
  const c = (h % 30) - 2;
  const temp = unit === "fahrenheit" ? `${Math.round(c * 1.8 + 32)} °F` : `${c} °C`;
  return `${temp} and ${skies[(h >>> 8) % skies.length]} in ${place}, wind ${5 + ((h >>> 16) % 25)} km/h`;
}

// The tool and the function that runs it: runTools checks the model's arguments against
// `parameters` before calling `run`, and sends a bad call's error back to the model instead.
const WEATHER_TOOL = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Current weather for a city.",
    parameters: {
      type: "object",
      properties: {
        location: { type: "string", description: "City name, e.g. Tokyo" },
        unit: { type: "string", enum: ["celsius", "fahrenheit"] },
      },
      required: ["location"],
    },
  },
  run: (args) => getWeather(args),
};

const toolSteps = $("#tool-steps");
function step(name, state) {
  toolSteps.querySelector(`[data-step="${name}"]`).dataset.state = state;
}

async function runTool(question) {
  const run = $("#tool-run");
  if (run.disabled) return;
  run.disabled = true;
  hideError($("#tool-error"));
  for (const s of ["call", "run", "answer"]) step(s, "");
  $("#tool-call").textContent = "…";
  $("#tool-result").textContent = "—";
  const answerBox = $("#tool-answer");
  answerBox.textContent = "—";
  toolSteps.dataset.done = "";
  try {
    // The whole loop in one call: stream the model's turn (the call's arguments as they
    // arrive), run get_weather here in the page, send the result back, stream the answer.
    step("call", "active");
    const live = await tools.client.runToolsStream(
      { model: tier(), messages: [{ role: "user", content: question }], tools: [WEATHER_TOOL] },
      { maxSteps: 4 },
    );
    const calls = new Map();
    const results = [];
    let answering = -1;
    for await (const ev of live) {
      if (ev.type === "chunk") {
        const delta = ev.chunk.choices?.[0]?.delta ?? {};
        for (const call of delta.tool_calls ?? []) {
          const c = calls.get(call.index) ?? { name: "", args: "" };
          if (call.function?.name) c.name = call.function.name;
          c.args += call.function?.arguments ?? "";
          calls.set(call.index, c);
          $("#tool-call").textContent = [...calls.values()].map((k) => `${k.name}(${k.args}`).join("\n");
        }
        if (delta.content) {
          if (answering !== ev.step) {
            answering = ev.step;
            if (results.length) step("run", "done");
            step("answer", "active");
            answerBox.textContent = "";
          }
          answerBox.append(delta.content);
        }
      } else if (ev.type === "step") {
        const made = ev.completion.choices[0]?.message.tool_calls ?? [];
        if (made.length) {
          $("#tool-call").textContent = made.map((c) => `${c.function.name}(${c.function.arguments})`).join("\n");
          step("call", "done");
          step("run", "active");
          calls.clear();
        }
      } else if (ev.type === "tool_result") {
        results.push(ev.error ?? ev.result);
        $("#tool-result").textContent = results.map((r) => `→ "${r}"`).join("\n");
      }
    }
    const done = await live.final();
    if (results.length === 0) {
      $("#tool-call").textContent = "The model answered without calling a tool.";
      step("call", "done");
    } else step("run", "done");
    answerBox.textContent = done.final.choices[0]?.message.content ?? "";
    step("answer", "done");
    toolSteps.dataset.done = "1";
  } catch (err) {
    for (const s of ["call", "run", "answer"]) {
      const li = toolSteps.querySelector(`[data-step="${s}"]`);
      if (li.dataset.state === "active") li.dataset.state = "failed";
    }
    showError($("#tool-error"), explain(err));
  } finally {
    run.disabled = false;
  }
}

$("#tool-form").addEventListener("submit", (e) => {
  e.preventDefault();
  runTool($("#tool-prompt").value.trim() || "What's the weather in Tokyo?");
});

// ---------- embeddings ----------

const embedder = makeClient();

function cosine(a, b) {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
}

async function compare() {
  const run = $("#embed-run");
  if (run.disabled) return;
  hideError($("#embed-error"));
  const inputs = [...document.querySelectorAll("#sentences input")];
  const used = inputs.map((input, i) => ({ label: String.fromCharCode(65 + i), text: input.value.trim() })).filter((s) => s.text);
  if (used.length < 2) {
    showError($("#embed-error"), { title: "Two sentences are needed.", hint: "Fill in at least two of the boxes, then compare." });
    return;
  }
  run.disabled = true;
  $("#embed-meta").textContent = "embedding…";
  const t0 = performance.now();
  try {
    const res = await embedder.client.embed({ input: used.map((s) => s.text) });
    const ms = performance.now() - t0;
    const vectors = [...res.data].sort((a, b) => a.index - b.index).map((d) => d.embedding);
    const sims = vectors.map((a) => vectors.map((b) => cosine(a, b)));
    const off = sims.flatMap((row, i) => row.filter((_, j) => j !== i));
    const lo = Math.min(...off);
    const hi = Math.max(...off);
    const table = $("#heat");
    const head = el("tr", {}, el("th", { scope: "col" }, ""), ...used.map((s) => el("th", { scope: "col", title: s.text }, s.label)));
    const rows = used.map((s, i) =>
      el("tr", {}, el("th", { scope: "row", title: s.text }, s.label), ...sims[i].map((v, j) => {
        const t = i === j ? 1 : hi > lo ? (v - lo) / (hi - lo) : 0.5;
        const shown = Math.abs(v) < 0.005 ? 0 : v; // no "-0.00"
        const td = el("td", { title: `${used[i].label} ↔ ${used[j].label}: ${v.toFixed(4)}` }, shown.toFixed(2));
        td.style.setProperty("--t", t.toFixed(3));
        if (i === j) td.classList.add("diag");
        else if (t > 0.55) td.classList.add("hot");
        return td;
      })));
    table.replaceChildren(el("thead", {}, head), el("tbody", {}, ...rows));
    table.hidden = false;
    const dims = vectors[0]?.length ?? 0;
    const kind = vectors[0]?.constructor?.name ?? "array";
    $("#embed-meta").textContent = `${vectors.length} × ${dims}-dim ${kind} · ${fmtMs(ms)}`;
  } catch (err) {
    $("#embed-meta").textContent = "";
    showError($("#embed-error"), explain(err));
  } finally {
    run.disabled = false;
  }
}

$("#embed-form").addEventListener("submit", (e) => {
  e.preventDefault();
  compare();
});

// ---------- ready ----------
for (const b of [sendBtn, $("#tool-run"), $("#embed-run")]) b.disabled = false;
setStatus("idle", "idle");
document.body.dataset.ready = "1";
