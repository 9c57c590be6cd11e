// The two changes build.mjs makes to wasm-bindgen's glue (aibadgr.js), kept here so that
// bench/lib/names.mjs can tell a named build's glue is the package's own. Each pattern must
// match, or the build fails: a new wasm-bindgen that moved them needs a look, not a silent skip.

// wasm-bindgen's default init() falls back to `new URL("aibadgr_bg.wasm", import.meta.url)`,
// which bundlers (Vite, webpack) follow and emit as an asset even though the entries never
// use it: the browser would be shipped the .wasm twice. The entries always pass the module.
const FALLBACK = /module_or_path = new URL\('aibadgr_bg\.wasm', import\.meta\.url\);/;
const NO_FALLBACK = `throw new Error("aibadgr: the package's entry files load the .wasm; import 'aibadgr' instead");`;

// Every string from Rust goes through getStringFromWasm0, which calls TextDecoder: about
// 200 ns however short the string, and a stream's texts are mostly a few bytes (one token).
// Up to 12 bytes of ASCII, a loop over the bytes makes the same string in 25-150 ns (past
// that, TextDecoder wins). Any byte over 127 goes to TextDecoder, as before.
const DECODE = /function getStringFromWasm0\(ptr, len\) \{\n    ptr = ptr >>> 0;\n    return decodeText\(getUint8ArrayMemory0\(\)\.subarray\(ptr, ptr \+ len\)\);\n\}/;
const SHORT_ASCII = `function getStringFromWasm0(ptr, len) {
    ptr = ptr >>> 0;
    const mem = getUint8ArrayMemory0();
    if (len <= 12) {
        let s = "";
        for (let i = ptr, end = ptr + len; i < end; i++) {
            const b = mem[i];
            if (b > 127) return decodeText(mem.subarray(ptr, ptr + len));
            s += String.fromCharCode(b);
        }
        return s;
    }
    return decodeText(mem.subarray(ptr, ptr + len));
}`;

/** aibadgr.js as the package ships it, from wasm-bindgen's (names already shortened). */
export function patchGlue(js) {
  if (!FALLBACK.test(js)) throw new Error("build: wasm-bindgen's init() no longer has the URL fallback this build removes; check aibadgr.js for import.meta.url");
  if (!DECODE.test(js)) throw new Error("build: wasm-bindgen's getStringFromWasm0 is not the one glue-patch.mjs knows; check its short-ASCII path still applies");
  return js.replace(FALLBACK, () => NO_FALLBACK).replace(DECODE, () => SHORT_ASCII);
}
