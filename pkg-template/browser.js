/* @ts-self-types="./index.d.ts" */
// Browsers, bundlers and other runtimes: the .wasm's bytes are embedded (wasm-inline.js) and
// compiled synchronously at import (Chrome allows it on the main thread up to 8 MB), so no file is
// fetched or copied, no init() is needed and there is no top-level await.
import { load } from "./load.js";
import { wasmBytes } from "./wasm-inline.js";

export * from "./api.js";
export const ready = load(wasmBytes);
