/* @ts-self-types="./index.d.ts" */
// Vercel / Next.js edge runtime: compiling wasm from bytes is forbidden there; `?module` makes
// Next.js (Turbopack and webpack) and Vercel import the .wasm as a compiled WebAssembly.Module.
import wasm from "./aibadgr_bg.wasm?module";
import { load } from "./load.js";

export * from "./api.js";
export const ready = load(() => wasm);
