#!/usr/bin/env python3
"""The crate's layering, checked from its own source (part of the native suite).

src/lib.rs declares the modules in two `modules!(...)` lists: the core first, then the wasm
face. Checks, one result each:
  - every core module's library code (before its `#[cfg(test)]`) names no JavaScript type
    (wasm_bindgen, js_sys, web_sys, JsValue, JsCast) and reaches no face module;
  - there is no import cycle among all modules;
  - every file in src/ is declared in one of the lists.
Prints one line per failure and `layers: N passed, M failed`, and the core's share of lines.
"""
import os, re, sys

SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")
JS = re.compile(r"\b(wasm_bindgen|wasm_bindgen_futures|js_sys|web_sys|JsValue|JsCast)\b")

lib = open(os.path.join(SRC, "lib.rs"), encoding="utf-8").read()
lists = re.findall(r"^modules!\(\s*(.*?)\);", lib, re.S | re.M)
if len(lists) != 2:
    print("layers: src/lib.rs must declare two modules!(...) lists (core, then face)")
    print("layers: 0 passed, 1 failed")
    sys.exit(1)
core, face = ([m.strip() for m in l.split(",") if m.strip()] for l in lists)
mods = core + face

def files_of(m):
    """A module's files: src/m.rs, or every .rs file under src/m/."""
    if os.path.isdir(os.path.join(SRC, m)):
        return sorted(os.path.join(r, f) for r, _, fs in os.walk(os.path.join(SRC, m)) for f in fs if f.endswith(".rs"))
    return [os.path.join(SRC, m + ".rs")]

def lib_text(m):
    out = []
    for path in files_of(m):
        for line in open(path, encoding="utf-8"):
            if re.match(r"\s*#\[cfg\(test\)\]", line):
                break
            if not line.lstrip().startswith("//"):
                out.append(line)
    return "".join(out)

texts = {m: lib_text(m) for m in mods}
deps = {}
for m, t in texts.items():
    d = set(re.findall(r"crate::([a-z_][a-z0-9_]*)", t))
    for grp in re.findall(r"crate::\{([^}]*)\}", t, re.S):
        d |= {i.strip().split("::")[0] for i in grp.split(",") if i.strip()}
    deps[m] = {x for x in d if x in mods and x != m}

passed, failed = 0, 0
def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("layers: FAIL " + what)

for m in core:
    hit = JS.search(texts[m])
    check(not hit, f"core module {m} names the JavaScript type {hit.group(0) if hit else ''}")
    up = sorted(deps[m] & set(face))
    check(not up, f"core module {m} reaches the face: {', '.join(up)}")

# Cycles (Tarjan).
index, low, stack, on, sccs, n = {}, {}, [], set(), [], [0]
def strong(v):
    index[v] = low[v] = n[0]; n[0] += 1; stack.append(v); on.add(v)
    for w in deps[v]:
        if w not in index:
            strong(w); low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        comp = []
        while True:
            w = stack.pop(); on.discard(w); comp.append(w)
            if w == v:
                break
        sccs.append(comp)
for v in mods:
    if v not in index:
        strong(v)
cycles = [c for c in sccs if len(c) > 1]
check(not cycles, "import cycles: " + "; ".join(" <-> ".join(sorted(c)) for c in cycles))

files = {f[:-3] for f in os.listdir(SRC) if f.endswith(".rs") and f != "lib.rs"}
files |= {d for d in os.listdir(SRC) if os.path.isfile(os.path.join(SRC, d, "mod.rs"))}
check(files == set(mods), "files not in a modules! list: " + ", ".join(sorted(files - set(mods))))

lines = {m: texts[m].count("\n") for m in mods}
share = sum(lines[m] for m in core) / max(1, sum(lines.values()))
print(f"layers: core {len(core)} modules, face {len(face)}; core is {share:.0%} of {sum(lines.values())} library lines")
print(f"layers: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
