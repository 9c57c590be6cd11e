#!/usr/bin/env bash
# Native `cargo test` of the pure modules (SSE, JSON, accumulators, retry timing, ...) and the
# bounded fuzz loop over them (tests/fuzz.rs; AIBADGR_FUZZ_ITERS sets its size).
set -uo pipefail
# Formatting is part of the suite: rustfmt's defaults, checked before the tests.
if ! cargo fmt --check >/dev/null 2>&1; then cargo fmt --check 2>&1 | head -n 40; echo "native: cargo fmt --check failed: run cargo fmt"; echo "native: 0 passed, 1 failed"; exit 1; fi
out=$(mktemp)
cargo test --release --lib --test fuzz --test providers -- --nocapture 2>&1 | tee "$out"
rc=${PIPESTATUS[0]}
p=$(grep -E '^test result:' "$out" | awk '{s+=$4} END {print s+0}')
f=$(grep -E '^test result:' "$out" | awk '{s+=$6} END {print s+0}')
rm -f "$out"
echo "native: $p passed, $f failed"
[ "$p" -gt 0 ] || exit 1
exit $rc
