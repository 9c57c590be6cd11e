#!/usr/bin/env bash
# The packed tarball in a minimal app of every stack people build on (Vite 8/7/6/5 dev and
# build, webpack 5, Next.js 16 Node/edge routes and a client component with Turbopack and
# webpack, bun build and bun run, wrangler dev, Node require()), each with its tool's default
# config, against the local test server. Needs `.ci/install.sh all` and a built pkg/.
# node_modules are cached per lockfile under ~/.cache/aibadgr/frameworks. Prints shipped sizes
# and timings, then "frameworks: N passed, N failed" as its last line.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
if [ ! -f pkg/package.json ] || [ ! -f pkg/aibadgr_bg.wasm ]; then
  echo "pkg/ is not built; run: node pkg-template/build.mjs"
  echo "frameworks: 0 passed, 1 failed"
  exit 1
fi
out=$(mktemp)
trap 'rm -f "$out"' EXIT
node --test-reporter=tap --test-timeout=1200000 tests/frameworks/frameworks.test.mjs 2>&1 | tee "$out"
rc=${PIPESTATUS[0]}
p=$(grep -E '^# pass [0-9]+' "$out" | tail -n1 | awk '{print $3}')
f=$(grep -E '^# fail [0-9]+' "$out" | tail -n1 | awk '{print $3}')
p=${p:-0}; f=${f:-0}
[ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
echo "frameworks: $p passed, $f failed"
[ "$p" -gt 0 ] && [ "$f" -eq 0 ]
