// pkg/inflate.js, the synchronous DEFLATE decoder of the embedded .wasm: byte-exact against
// node:zlib for stored, fixed and dynamic blocks of every compressibility, and on damaged input
// it throws a clear Error (never hangs, never returns the wrong length).
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import zlib from "node:zlib";
import { inflate } from "../../pkg/inflate.js";

const wasm = fs.readFileSync(new URL("../../pkg/aibadgr_bg.wasm", import.meta.url));

/** Deterministic pseudo-random bytes (xorshift), `alphabet` distinct values. */
function bytes(n, seed, alphabet = 256) {
  const out = new Uint8Array(n);
  let x = seed | 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    out[i] = (x >>> 0) % alphabet;
  }
  return out;
}

const inputs = [
  ["empty", new Uint8Array(0)],
  ["one byte", Uint8Array.of(42)],
  ["random 70 kB", bytes(70_000, 7)],
  ["4 symbols 100 kB", bytes(100_000, 9, 4)],
  ["a run of 300 kB", new Uint8Array(300_000).fill(0x61)],
  ["text", new TextEncoder().encode("data: {\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}\n\n".repeat(3000))],
  ["the package's .wasm", wasm],
];
const settings = [
  ["stored (level 0)", { level: 0 }],
  ["level 1", { level: 1 }],
  ["level 9", { level: 9 }],
  ["fixed Huffman", { level: 9, strategy: zlib.constants.Z_FIXED }],
  ["Huffman only", { level: 9, strategy: zlib.constants.Z_HUFFMAN_ONLY }],
  ["RLE", { level: 9, strategy: zlib.constants.Z_RLE }],
  ["small window", { level: 6, windowBits: 9, memLevel: 1 }],
];

test("inflate: byte-exact with node:zlib for stored, fixed and dynamic blocks", () => {
  for (const [name, input] of inputs) {
    for (const [how, opts] of settings) {
      const packed = zlib.deflateRawSync(input, opts);
      const out = inflate(packed, input.length);
      assert.equal(out.length, input.length, `${name}, ${how}`);
      assert.ok(Buffer.from(out).equals(Buffer.from(input)), `${name}, ${how}: bytes differ`);
    }
  }
});

test("inflate: the embedded .wasm (pkg/wasm-inline.js) decodes to pkg/aibadgr_bg.wasm on the JS path", () => {
  const text = fs.readFileSync(new URL("../../pkg/wasm-inline.js", import.meta.url), "utf8");
  const b64 = /const b64 = "([A-Za-z0-9+/=]+)";/.exec(text)[1];
  const size = Number(/const size = (\d+);/.exec(text)[1]);
  assert.equal(size, wasm.length);
  assert.ok(Buffer.from(inflate(Buffer.from(b64, "base64"), size)).equals(wasm));
});

test("inflate: damaged or truncated input throws a clear Error, never hangs or returns a wrong length", () => {
  const packed = zlib.deflateRawSync(bytes(20_000, 3, 16), { level: 9 });
  let threw = 0;
  for (let i = 0; i < 400; i++) {
    const bad = Buffer.from(packed);
    const r = bytes(3, i + 11);
    bad[(r[0] * 256 + r[1]) % bad.length] ^= 1 << (r[2] % 8);
    try {
      assert.equal(inflate(bad, 20_000).length, 20_000);
    } catch (e) {
      assert.ok(e instanceof Error && !(e instanceof assert.AssertionError), String(e));
      assert.match(e.message, /^aibadgr: the embedded \.wasm is damaged \(.+\); reinstall the package$/);
      threw++;
    }
  }
  // A flipped literal bit still decodes (to other bytes of the right length): WebAssembly's
  // validation then rejects the module, and load() reports it. Flips in codes are caught here.
  assert.ok(threw > 50, `bit flips in the codes are detected (${threw} of 400)`);
  for (const cut of [0, 1, 100, packed.length - 1]) {
    assert.throws(() => inflate(packed.subarray(0, cut), 20_000), /damaged/, `cut at ${cut}`);
  }
  assert.throws(() => inflate(packed, 19_999), /damaged \(too long\)|out of range/, "never writes past the size");
  assert.throws(() => inflate(packed, 20_001), /damaged \(too short\)|truncated/);
  assert.throws(() => inflate(Uint8Array.of(0x07), 10), /block type 3/);
});
