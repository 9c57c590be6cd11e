/* @ts-self-types="./index.d.ts" */
// Cloudflare Workers (workerd): compiling wasm from bytes is forbidden there; the .wasm import
// arrives as a compiled WebAssembly.Module (wrangler's default rules) and is instantiated at import.
import wasm from "./aibadgr_bg.wasm";
import { load } from "./load.js";

export * from "./api.js";
export const ready = load(() => wasm);
