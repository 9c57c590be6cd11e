/* @ts-self-types="./index.d.ts" */
// Deno: read the .wasm next to this file and instantiate it synchronously at import.
import { initSync } from "./aibadgr.js";

initSync({ module: Deno.readFileSync(new URL("./aibadgr_bg.wasm", import.meta.url)) });

export * from "./api.js";
export const ready = Promise.resolve();
