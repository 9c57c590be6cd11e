/* @ts-self-types="./index.d.ts" */
// Browsers, bundlers and other runtimes: fetch the .wasm relative to this module, once,
// before the import completes (top-level await), so no init() call is needed.
import init from "./aibadgr.js";

export * from "./api.js";
export const ready = init({ module_or_path: new URL("./aibadgr_bg.wasm", import.meta.url) }).then(() => {});
await ready;
