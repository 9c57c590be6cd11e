#!/usr/bin/env bash
# Native `cargo test` of the pure modules (SSE, JSON, accumulators, retry timing, ...).
set -uo pipefail
out=$(mktemp)
cargo test --lib --release 2>&1 | tee "$out"
rc=${PIPESTATUS[0]}
p=$(grep -E '^test result:' "$out" | awk '{s+=$4} END {print s+0}')
f=$(grep -E '^test result:' "$out" | awk '{s+=$6} END {print s+0}')
rm -f "$out"
echo "native: $p passed, $f failed"
[ "$p" -gt 0 ] || exit 1
exit $rc
