// A small synchronous DEFLATE decoder (RFC 1951, raw: no zlib or gzip header), for the embedded
// .wasm: shipped deflated, its base64 text gzips to about the size of the .wasm itself (plain
// base64 would gzip a third larger), and decoding it synchronously keeps the import
// synchronous everywhere (DecompressionStream is async). Table-driven Huffman decoding; the
// output size is known up front and never exceeded; bad input throws, it cannot loop or overrun.

const LBASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LEXT = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DBASE = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577];
const DEXT = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
const ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

const bad = (what) => new Error(`aibadgr: the embedded .wasm is damaged (${what}); reinstall the package`);

/**
 * A lookup table for the canonical Huffman code with these code lengths: indexed by the next
 * `bits` input bits (least significant first), each entry is `symbol << 4 | length`, 0 where no
 * code starts with those bits.
 */
function table(lengths) {
  const count = new Uint16Array(16);
  let bits = 1;
  for (const l of lengths) {
    count[l]++;
    if (l > bits) bits = l;
  }
  count[0] = 0;
  const next = new Uint16Array(16);
  for (let l = 1, code = 0, left = 1; l < 16; l++) {
    left = left * 2 - count[l];
    if (left < 0) throw bad("over-subscribed code");
    next[l] = code = (code + count[l - 1]) << 1;
  }
  const t = new Int32Array(1 << bits);
  for (let sym = 0; sym < lengths.length; sym++) {
    const l = lengths[sym];
    if (!l) continue;
    let c = next[l]++;
    let r = 0;
    for (let i = 0; i < l; i++, c >>= 1) r = (r << 1) | (c & 1);
    for (let i = r; i < t.length; i += 1 << l) t[i] = (sym << 4) | l;
  }
  return { t, mask: t.length - 1 };
}

let fixed;
function fixedTables() {
  if (!fixed) {
    const lit = new Uint8Array(288).fill(8, 0, 144).fill(9, 144, 256).fill(7, 256, 280).fill(8, 280, 288);
    fixed = [table(lit), table(new Uint8Array(30).fill(5))];
  }
  return fixed;
}

/** Inflates raw DEFLATE `src` into exactly `size` bytes. */
export function inflate(src, size) {
  const out = new Uint8Array(size);
  let pos = 0; // next input byte
  let buf = 0; // bit buffer, least significant bit first
  let cnt = 0; // bits in buf (at most 23)
  let o = 0; // output length
  const need = (n) => {
    while (cnt < n) {
      if (pos >= src.length + 4) throw bad("truncated");
      buf |= (src[pos++] | 0) << cnt;
      cnt += 8;
    }
  };
  const bits = (n) => {
    need(n);
    const v = buf & ((1 << n) - 1);
    buf >>>= n;
    cnt -= n;
    return v;
  };
  const decode = (h) => {
    need(15);
    const e = h.t[buf & h.mask];
    if (!e) throw bad("invalid code");
    buf >>>= e & 15;
    cnt -= e & 15;
    return e >> 4;
  };
  for (let last = 0; !last; ) {
    last = bits(1);
    const type = bits(2);
    if (type === 0) {
      buf >>>= cnt & 7;
      cnt -= cnt & 7;
      const len = bits(16);
      if (bits(16) !== (~len & 0xffff)) throw bad("stored block length");
      pos -= cnt >> 3; // give back whole buffered bytes
      buf = cnt = 0;
      if (pos + len > src.length || o + len > size) throw bad("stored block overruns");
      out.set(src.subarray(pos, pos + len), o);
      pos += len;
      o += len;
      continue;
    }
    let lit, dist;
    if (type === 1) [lit, dist] = fixedTables();
    else if (type === 2) {
      const nlit = bits(5) + 257;
      const ndist = bits(5) + 1;
      const ncode = bits(4) + 4;
      if (nlit > 286 || ndist > 30) throw bad("too many codes");
      const cl = new Uint8Array(19);
      for (let i = 0; i < ncode; i++) cl[ORDER[i]] = bits(3);
      const clt = table(cl);
      const lengths = new Uint8Array(nlit + ndist);
      for (let i = 0; i < lengths.length; ) {
        const sym = decode(clt);
        if (sym < 16) {
          lengths[i++] = sym;
          continue;
        }
        let rep, val = 0;
        if (sym === 16) {
          if (i === 0) throw bad("repeat without a length");
          val = lengths[i - 1];
          rep = 3 + bits(2);
        } else rep = sym === 17 ? 3 + bits(3) : 11 + bits(7);
        if (i + rep > lengths.length) throw bad("too many lengths");
        lengths.fill(val, i, i + rep);
        i += rep;
      }
      if (!lengths[256]) throw bad("no end-of-block code");
      lit = table(lengths.subarray(0, nlit));
      dist = table(lengths.subarray(nlit));
    } else throw bad("block type 3");
    for (;;) {
      const sym = decode(lit);
      if (sym < 256) {
        if (o >= size) throw bad("too long");
        out[o++] = sym;
        continue;
      }
      if (sym === 256) break;
      const li = sym - 257;
      if (li >= 29) throw bad("invalid length code");
      const len = LBASE[li] + bits(LEXT[li]);
      const di = decode(dist);
      if (di >= 30) throw bad("invalid distance code");
      const d = DBASE[di] + bits(DEXT[di]);
      if (d > o || o + len > size) throw bad("distance or length out of range");
      for (let end = o + len; o < end; o++) out[o] = out[o - d];
    }
  }
  if (o !== size) throw bad("too short");
  return out;
}
