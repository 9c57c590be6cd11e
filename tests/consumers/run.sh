#!/usr/bin/env bash
# Real consumers of the built package, each against the local test server: the npm tarball in
# Node, examples/worker in workerd (Miniflare), Deno, an esbuild bundle and a plain module script
# in headless Chromium, and tsc --strict over examples/typescript. Needs `.ci/install.sh all` and
# a built pkg/ (node pkg-template/build.mjs). Prints install+first-call timings, then
# "consumers: N passed, N failed" as its last line.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
if [ ! -f pkg/package.json ] || [ ! -f pkg/aibadgr_bg.wasm ]; then
  echo "pkg/ is not built; run: node pkg-template/build.mjs"
  echo "consumers: 0 passed, 1 failed"
  exit 1
fi
out=$(mktemp)
trap 'rm -f "$out"' EXIT
node --test-reporter=tap tests/consumers/consumers.test.mjs 2>&1 | tee "$out"
rc=${PIPESTATUS[0]}
p=$(grep -E '^# pass [0-9]+' "$out" | tail -n1 | awk '{print $3}')
f=$(grep -E '^# fail [0-9]+' "$out" | tail -n1 | awk '{print $3}')
p=${p:-0}; f=${f:-0}
[ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
echo "consumers: $p passed, $f failed"
[ "$p" -gt 0 ] && [ "$f" -eq 0 ]
