/* @ts-self-types="./index.d.ts" */
// Node: read the .wasm next to this file and instantiate it synchronously at import.
import { readFileSync } from "node:fs";
import { initSync } from "./aibadgr.js";

initSync({ module: readFileSync(new URL("./aibadgr_bg.wasm", import.meta.url)) });

export * from "./api.js";
export const ready = Promise.resolve();
