// The demo server: ONE local HTTP server on 127.0.0.1 that serves the page (www/ at /), the built
// package (pkg/ at /pkg/) and the AI Badgr API (at /api/v1/...).
//   node www/serve.mjs                      built-in AI Badgr-compatible backend (the test server)
//   AIBADGR_API_KEY=... node www/serve.mjs  forwards to the real API, adding the key server-side
// Options (environment): PORT (default 8787; 0 picks a free one), AIBADGR_BASE_URL (real API base,
// default https://aibadgr.com/api/v1), DEMO_PACE_MS (built-in backend's delay between streamed
// tokens, default 45). The key never reaches the page and is never printed.
import path from "node:path";
import fs from "node:fs";
import { fileURLToPath } from "node:url";
import { startServer } from "../tests/server/server.mjs";
import { serveStatic } from "../tests/server/static.mjs";
import { sendJson } from "../tests/server/deliver.mjs";
import { openaiError } from "../tests/server/faults.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "..");
const pkgDir = path.join(root, "pkg");
const DEFAULT_BASE = "https://aibadgr.com/api/v1";
const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

function fail(message) {
  process.stderr.write(`demo: ${message}\n`);
  process.exit(1);
}

const key = (process.env.AIBADGR_API_KEY ?? "").trim();
let upstream;
let shownBase = "";
if (key) {
  const raw = (process.env.AIBADGR_BASE_URL ?? "").trim() || DEFAULT_BASE;
  let u;
  try {
    u = new URL(raw);
  } catch {
    fail(`AIBADGR_BASE_URL is not an absolute URL; set it like ${DEFAULT_BASE} or unset it.`);
  }
  if (u.protocol !== "https:" && u.protocol !== "http:") fail("AIBADGR_BASE_URL must start with https:// (or http://).");
  shownBase = `${u.protocol}//${u.host}${u.pathname}`.replace(/\/+$/, ""); // no user:password, no query
  upstream = { baseUrl: raw, apiKey: key };
}
const portText = process.env.PORT ?? "8787";
const port = Number(portText);
if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`PORT must be a number from 0 to 65535, not "${portText}".`);
const paceMs = Number(process.env.DEMO_PACE_MS ?? 45);
if (!(paceMs >= 0)) fail("DEMO_PACE_MS must be a number of milliseconds.");
if (!fs.existsSync(path.join(pkgDir, "browser.js"))) fail("pkg/ is not built; run: node pkg-template/build.mjs");

// What the page shows about its backend (never the key).
const config = upstream
  ? { backend: "aibadgr", label: `AI Badgr API (${shownBase})`, faults: false }
  : { backend: "local", label: "Built-in local backend", faults: true, paceMs };

const isApi = (p) => p === "/api/v1" || p.startsWith("/api/v1/");

/**
 * Runs before the test server's own handling: keeps the server to this machine and this origin
 * (it may hold an API key), mounts pkg/ and /demo.json, and lets the page's key-less API calls
 * into the built-in backend.
 */
async function intercept(req, res, url) {
  // Same origin only: no CORS headers, and no other site (or a DNS-rebound name) may use it.
  res.removeHeader("access-control-allow-origin");
  res.removeHeader("access-control-expose-headers");
  let hostname = "";
  try {
    hostname = new URL(`http://${req.headers.host ?? ""}`).hostname;
  } catch {}
  const origin = req.headers.origin;
  let crossOrigin = false;
  if (origin !== undefined) {
    try {
      crossOrigin = new URL(origin).host !== req.headers.host;
    } catch {
      crossOrigin = true;
    }
  }
  if (!LOOPBACK.has(hostname) || crossOrigin || req.method === "OPTIONS") {
    req.resume();
    sendJson(res, 403, openaiError("This demo server only answers its own page, opened at 127.0.0.1 or localhost.", "invalid_request_error", null, "forbidden"));
    return true;
  }
  const getLike = req.method === "GET" || req.method === "HEAD";
  if (url.pathname === "/demo.json" && getLike) {
    req.resume();
    sendJson(res, 200, config, { "cache-control": "no-store" });
    return true;
  }
  if ((url.pathname === "/pkg" || url.pathname.startsWith("/pkg/")) && getLike) {
    req.resume();
    await serveStatic(req, res, pkgDir, url.pathname.slice("/pkg".length) || "/");
    return true;
  }
  // The built-in backend wants a key like the real one; the page sends none (that is the point).
  if (!upstream && isApi(url.pathname) && !req.headers.authorization) req.headers.authorization = "Bearer local-demo";
  return false;
}

let srv;
try {
  srv = await startServer({ port, host: "127.0.0.1", paceMs, staticDir: here, upstream, intercept });
} catch (e) {
  if (e.code === "EADDRINUSE") fail(`port ${port} is already in use; pick another one, e.g. PORT=8788 bash .ci/demo.sh`);
  throw e;
}

const pageUrl = `${srv.url}/`;
process.stdout.write(
  `\n  aibadgr demo: ${pageUrl}\n\n` +
  (upstream
    ? `  API calls go to ${shownBase}; the key from AIBADGR_API_KEY is added here, on the server, never sent to the page.\n`
    : `  API calls go to the built-in AI Badgr-compatible backend (replies echo your prompt, ${paceMs} ms per token).\n` +
      `  To talk to the real API instead: AIBADGR_API_KEY=<your key> bash .ci/demo.sh\n`) +
  `  Press Ctrl+C to stop.\n\nLISTENING ${srv.url}\n`,
);

const stop = () => srv.close().then(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
