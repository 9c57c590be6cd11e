// A page module that imports a build of the package whose .wasm cannot load (the module path
// follows "#") and reports what a caller sees: a catchable AiBadgrError of kind "load" from
// ready, every call, a getter and fromEnv; the constructor still returns.
const out = { ok: true };
try {
  const m = await import(new URL(decodeURIComponent(location.hash.slice(1)), location.href).href);
  out.imported = true;
  try { await m.ready; out.ready = "resolved"; } catch (e) { out.ready = { isError: e instanceof m.AiBadgrError, kind: e.kind, message: e.message }; }
  const client = new m.AiBadgr({ baseUrl: "/v1" });
  out.constructed = client instanceof m.AiBadgr;
  try { await client.chat({ messages: [{ role: "user", content: "x" }] }); out.chat = "resolved"; } catch (e) { out.chat = { isError: e instanceof m.AiBadgrError, kind: e.kind, message: e.message }; }
  try { client.baseUrl; out.getter = "returned"; } catch (e) { out.getter = e.kind; }
} catch (e) {
  out.ok = false;
  out.error = String(e?.stack ?? e);
}
window.__result = out;
