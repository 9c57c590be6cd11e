#!/usr/bin/env bash
# The demo page in a real browser (playwright-core + Debian's Chromium, no browser download):
# streaming, Stop, tier, tool call, embeddings, retries, readable errors, phone width.
# Saves tests/out/demo.png (and demo-phone.png). Needs pkg/ built and .ci/install.sh all.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
mkdir -p tests/out
out=$(mktemp)
trap 'rm -f "$out"' EXIT
# The test file starts the demo server on a free port and stops it (and the browser) at the end.
node --test --test-concurrency=1 --test-timeout=120000 tests/demo/ 2>&1 | tee "$out"
rc=${PIPESTATUS[0]}
p=$(grep -E '^# pass [0-9]+' "$out" | tail -n1 | awk '{print $3}')
f=$(grep -E '^# fail [0-9]+' "$out" | tail -n1 | awk '{print $3}')
p=${p:-0}; f=${f:-0}
[ -f tests/out/demo.png ] && echo "screenshot: tests/out/demo.png"
echo "demo: $p passed, $f failed"
[ "$p" -gt 0 ] || exit 1
[ "$f" -eq 0 ] || exit 1
exit $rc
