/* @ts-self-types="./index.d.ts" */
// Cloudflare Workers (workerd): the .wasm import arrives as a compiled WebAssembly.Module.
import wasm from "./aibadgr_bg.wasm";
import { initSync } from "./aibadgr.js";

initSync({ module: wasm });

export * from "./api.js";
export const ready = Promise.resolve();
