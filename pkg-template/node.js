/* @ts-self-types="./index.d.ts" */
// Node and Bun: the .wasm's bytes are embedded (wasm-inline.js) and compiled synchronously at
// import, so no file is read, fetched or copied, no init() is needed and no top-level await.
import { load } from "./load.js";
import { wasmBytes } from "./wasm-inline.js";

export * from "./api.js";
export const ready = load(wasmBytes);
