// Shortens the names the .wasm and wasm-bindgen's glue (aibadgr.js) know each other by, for
// build.mjs. wasm-bindgen names every import after its Rust path plus a 16-digit hash
// (`__wbg___wbindgen_is_undefined_be5b34249ff1fc15`), and some exports after a closure's whole
// type (300 characters): about 6 kB in the .wasm and as much again in the glue, and the hashes do
// not compress. Here each import (and its module, "./aibadgr_bg.js") and each export the glue
// reaches as `wasm.<name>` gets a name of one or two letters (a glue function named after an
// export is renamed with it); `memory` keeps its name (callers of initSync() read it). Every old
// name must then be gone from the glue, or the build fails.

/** Reads an unsigned LEB128 at `at`: [value, next offset]. */
function leb(b, at) {
  let v = 0, shift = 0, byte;
  do { byte = b[at++]; v += (byte & 0x7f) * 2 ** shift; shift += 7; } while (byte & 0x80);
  return [v, at];
}

/** Encodes an unsigned LEB128. */
function uleb(v) {
  const out = [];
  do { let byte = v % 128; v = Math.floor(v / 128); if (v) byte |= 0x80; out.push(byte); } while (v);
  return Buffer.from(out);
}

const nameBytes = (s) => { const t = Buffer.from(s, "utf8"); return Buffer.concat([uleb(t.length), t]); };

/** Reads a name at `at`: [string, next offset]. */
function readName(b, at) {
  const [len, p] = leb(b, at);
  return [b.subarray(p, p + len).toString("utf8"), p + len];
}

/** The offset after the limits at `at` (flags, min, then max when flag bit 0 is set). */
function skipLimits(b, at) {
  const flags = b[at++];
  [, at] = leb(b, at);
  if (flags & 1) [, at] = leb(b, at);
  return at;
}

/** The offset after the import description at `at` (its kind byte included). */
function skipImportDesc(b, at) {
  const kind = b[at++];
  if (kind === 0x00) return leb(b, at)[1]; // function: type index
  if (kind === 0x01) { // table: reference type, limits
    const t = b[at++];
    if (t === 0x63 || t === 0x64) [, at] = leb(b, at); // (ref null? ht)
    return skipLimits(b, at);
  }
  if (kind === 0x02) return skipLimits(b, at); // memory
  if (kind === 0x03) return at + 2; // global: value type, mutability
  throw new Error(`names: import kind ${kind} is not one this build knows`);
}

/** Short names: a..z, A..Z, then two letters. */
function* shortNames() {
  const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  for (const c of letters) yield c;
  for (const c of letters) for (const d of letters) yield c + d;
}

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * Returns the .wasm bytes and glue text with short import, module and export names. Throws if
 * the glue does not use a name the way this expects (so a wasm-bindgen upgrade cannot slip by).
 */
export function shortenNames(wasm, glue, moduleName) {
  if (wasm.readUInt32LE(0) !== 0x6d736100) throw new Error("names: not a .wasm file");
  const gen = shortNames();
  const renamed = [];
  const sections = [wasm.subarray(0, 8)];
  let at = 8;
  while (at < wasm.length) {
    const id = wasm[at];
    const [size, start] = leb(wasm, at + 1);
    const end = start + size;
    if (id !== 2 && id !== 7) {
      sections.push(wasm.subarray(at, end));
      at = end;
      continue;
    }
    let [count, p] = leb(wasm, start);
    const parts = [uleb(count)];
    for (let i = 0; i < count; i++) {
      if (id === 2) {
        let module, name;
        [module, p] = readName(wasm, p);
        [name, p] = readName(wasm, p);
        const descEnd = skipImportDesc(wasm, p);
        if (module !== moduleName) throw new Error(`names: import ${module}.${name} is from a module other than ${moduleName}`);
        const short = gen.next().value;
        renamed.push({ from: name, to: short, as: "import" });
        parts.push(nameBytes("a"), nameBytes(short), wasm.subarray(p, descEnd));
        p = descEnd;
      } else {
        let name;
        [name, p] = readName(wasm, p);
        const kindAndIndex = p;
        p = leb(wasm, p + 1)[1];
        const used = new RegExp(`\\bwasm\\.${escape(name)}\\b`).test(glue);
        let out = name;
        if (name !== "memory" && used) {
          out = gen.next().value;
          renamed.push({ from: name, to: out, as: "export" });
        }
        parts.push(nameBytes(out), wasm.subarray(kindAndIndex, p));
      }
    }
    if (p !== end) throw new Error(`names: section ${id} did not parse to its end`);
    const body = Buffer.concat(parts);
    sections.push(Buffer.from([id]), uleb(body.length), body);
    at = end;
  }

  const moduleKey = `${JSON.stringify(moduleName)}: import0,`;
  if (glue.split(moduleKey).length !== 2) throw new Error(`names: the glue does not name the import module as ${moduleKey}`);
  glue = glue.replace(moduleKey, () => `"a": import0,`);
  for (const { from, to, as } of renamed) {
    const re = as === "import" ? new RegExp(`^(\\s+)${escape(from)}(: function\\()`, "m") : new RegExp(`\\bwasm\\.${escape(from)}\\b`, "g");
    const before = glue;
    glue = as === "import" ? glue.replace(re, (_, sp, rest) => `${sp}${to}${rest}`) : glue.replace(re, () => `wasm.${to}`);
    if (glue === before) throw new Error(`names: the glue does not define ${as} ${from} the way this build expects`);
    if (as === "export") {
      // The glue's own wrapper of a closure export is named after it too (a module-local function).
      const local = `__w${to}`;
      if (new RegExp(`\\b${local}\\b`).test(glue)) throw new Error(`names: the glue already has a ${local}`);
      glue = glue.replace(new RegExp(`\\b${escape(from)}\\b`, "g"), () => local);
    }
    if (new RegExp(`\\b${escape(from)}\\b`).test(glue)) throw new Error(`names: the glue still mentions ${from} after renaming it`);
  }
  return { wasm: Buffer.concat(sections), glue };
}
