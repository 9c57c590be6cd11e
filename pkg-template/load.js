// The one place the package's JavaScript meets its .wasm. Each entry file hands load() the way
// its runtime gets the module (bytes embedded in wasm-inline.js, or a WebAssembly.Module its
// bundler imported) and load() instantiates it synchronously, at import, with no top-level
// await: `new AiBadgr()` works as soon as the import statement has run.
//
// AiBadgr is the wasm-bindgen class itself, under a constructor that shares its prototype: every
// method and getter Rust defines appears here unchanged (no wrapper per call), AiBadgr.fromEnv()
// returns instances of it, and `instanceof AiBadgr` holds for both. If the load fails, the
// client can still be constructed, and every call on it rejects (getters and static factories
// throw) with an AiBadgrError of kind "load" that says what failed and what to do.
import { AiBadgr as Wasm, initSync } from "./aibadgr.js";
import { AiBadgrError } from "./snippets/__GLUE__/src/js/glue.js";

/** The AiBadgrError of a failed load, or undefined. */
let failure;

/** Creates a client. See index.d.ts. */
export function AiBadgr(options) {
  if (!new.target) throw new TypeError("AiBadgr is a class: call it with new AiBadgr(options)");
  if (failure) return Object.create(new.target.prototype);
  const client = new Wasm(options);
  if (new.target !== AiBadgr) Object.setPrototypeOf(client, new.target.prototype);
  return client;
}
AiBadgr.prototype = Wasm.prototype;
Object.defineProperty(Wasm.prototype, "constructor", { value: AiBadgr, writable: true, configurable: true });
for (const key of Reflect.ownKeys(Wasm)) {
  if (key !== "prototype" && key !== "length" && key !== "name") {
    Object.defineProperty(AiBadgr, key, Object.getOwnPropertyDescriptor(Wasm, key));
  }
}

/** Whether `m` is a WebAssembly.Module made by another realm (another global object). */
const isForeignModule = (m) =>
  typeof m === "object" && m !== null && !(m instanceof WebAssembly.Module) && Object.prototype.toString.call(m) === "[object WebAssembly.Module]";

const kindOf = (x) => (x === null ? "null" : typeof x === "object" ? Object.prototype.toString.call(x).slice(8, -1) : typeof x);

/** The sentence that says what to do about a failed load. */
function explain(e, module) {
  const msg = String((e && e.message) || e);
  if (typeof WebAssembly !== "object" || WebAssembly === null) {
    return "this runtime has no WebAssembly (Node started with --jitless, or a browser with WebAssembly turned off); run aibadgr where WebAssembly is available";
  }
  if (/Content Security Policy|unsafe-eval|CSP/i.test(msg)) {
    return `the page's Content-Security-Policy forbids compiling WebAssembly (${msg}); add 'wasm-unsafe-eval' to its script-src`;
  }
  if (/disallowed by embedder|code generation/i.test(msg)) {
    return `this runtime forbids compiling WebAssembly from bytes (${msg}), as Cloudflare Workers and Vercel/Next.js edge do; it must load aibadgr through its "workerd" or "edge-light" export condition, which imports the .wasm as a module: check that your bundler passes those conditions`;
  }
  if (module !== undefined && !(module instanceof WebAssembly.Module) && !ArrayBuffer.isView(module) && !(module instanceof ArrayBuffer)) {
    const what = typeof module === "string" ? `the string ${JSON.stringify(module.slice(0, 80))} (a URL?)` : kindOf(module);
    return `the import of aibadgr_bg.wasm gave ${what} instead of a WebAssembly.Module; configure your bundler to import .wasm files as compiled modules (wrangler and Next.js edge routes do by default), or use the package's default entry, which embeds the bytes`;
  }
  return `${msg}; reinstall the package (the .wasm may be damaged) or report this with your runtime's name and version`;
}

/** Turns every call on the (then unusable) class into a rejection with `err`. */
function disable(err) {
  const reject = () => Promise.reject(err);
  const fail = () => { throw err; };
  for (const key of Reflect.ownKeys(Wasm.prototype)) {
    if (key === "constructor") continue;
    const d = Object.getOwnPropertyDescriptor(Wasm.prototype, key);
    const noop = key === "free" || key === "__destroy_into_raw" || key === Symbol.dispose;
    if (d.get || d.set) Object.defineProperty(Wasm.prototype, key, { get: fail, configurable: true });
    else if (typeof d.value === "function") Object.defineProperty(Wasm.prototype, key, { value: noop ? () => {} : reject, writable: true, configurable: true });
  }
  for (const key of Reflect.ownKeys(AiBadgr)) {
    const d = Object.getOwnPropertyDescriptor(AiBadgr, key);
    if (key !== "prototype" && typeof d.value === "function") Object.defineProperty(AiBadgr, key, { value: fail, writable: true, configurable: true });
  }
}

/**
 * Instantiates the module `source()` returns (bytes or a WebAssembly.Module), synchronously.
 * Returns `ready`: resolved, or rejected with the load error (marked handled, so a runtime that
 * ends the process on unhandled rejections does not end it for a `ready` nobody awaits).
 */
export function load(source) {
  let module;
  try {
    if (typeof WebAssembly !== "object" || WebAssembly === null) throw new Error("WebAssembly is not defined");
    module = source();
    // Next.js runs edge routes in a separate realm and hands over a WebAssembly.Module of the
    // outer one: wasm-bindgen's `instanceof` check would reject it (instantiating it works).
    if (isForeignModule(module)) Object.setPrototypeOf(module, WebAssembly.Module.prototype);
    initSync({ module });
    return Promise.resolve();
  } catch (e) {
    failure = new AiBadgrError(`aibadgr could not load its WebAssembly module: ${explain(e, module)}`, "load", undefined, undefined, undefined, undefined, undefined, undefined, e);
    disable(failure);
    const ready = Promise.reject(failure);
    ready.catch(() => {});
    return ready;
  }
}
