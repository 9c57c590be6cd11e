#!/usr/bin/env bash
# Native `cargo test` of the pure modules (SSE, JSON, accumulators, retry timing, ...) and the
# bounded fuzz loop over them (tests/fuzz.rs; AIBADGR_FUZZ_ITERS sets its size).
set -uo pipefail
out=$(mktemp)
cargo test --release --lib --test fuzz --test providers -- --nocapture 2>&1 | tee "$out"
rc=${PIPESTATUS[0]}
p=$(grep -E '^test result:' "$out" | awk '{s+=$4} END {print s+0}')
f=$(grep -E '^test result:' "$out" | awk '{s+=$6} END {print s+0}')
rm -f "$out"
echo "native: $p passed, $f failed"
[ "$p" -gt 0 ] || exit 1
exit $rc
