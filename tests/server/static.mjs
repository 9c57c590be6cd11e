// Serves files from a directory for GET/HEAD of non-API paths (the demo page), without traversal.
import { readFile, stat } from "node:fs/promises";
import path from "node:path";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".wasm": "application/wasm",
  ".json": "application/json",
  ".map": "application/json",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".txt": "text/plain; charset=utf-8",
  ".ico": "image/x-icon",
};

function notFound(res, status = 404) {
  const text = status === 404 ? "Not Found" : "Bad Request";
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8", "content-length": text.length });
  res.end(text);
}

/** Serves `pathname` from `root`; `/` and directories map to index.html. */
export async function serveStatic(req, res, root, pathname) {
  let rel;
  try {
    rel = decodeURIComponent(pathname);
  } catch {
    return notFound(res, 400);
  }
  if (rel.includes("\0")) return notFound(res, 400);
  const base = path.resolve(root);
  let file = path.resolve(base, `.${path.posix.sep}${rel}`);
  if (file !== base && !file.startsWith(base + path.sep)) return notFound(res);
  try {
    if ((await stat(file)).isDirectory()) file = path.join(file, "index.html");
    const data = await readFile(file);
    res.writeHead(200, {
      "content-type": TYPES[path.extname(file).toLowerCase()] ?? "application/octet-stream",
      "content-length": data.length,
      "cache-control": "no-store",
    });
    res.end(req.method === "HEAD" ? undefined : data);
  } catch {
    notFound(res);
  }
}
