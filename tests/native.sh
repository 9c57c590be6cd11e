#!/usr/bin/env bash
# Native `cargo test` of the pure modules (SSE, JSON, accumulators, retry timing, ...) and the
# bounded fuzz loop over them (tests/fuzz.rs; AIBADGR_FUZZ_ITERS sets its size).
set -uo pipefail
# Formatting is part of the suite: rustfmt's defaults, checked before the tests.
if ! cargo fmt --check >/dev/null 2>&1; then cargo fmt --check 2>&1 | head -n 40; echo "native: cargo fmt --check failed: run cargo fmt"; echo "native: 0 passed, 1 failed"; exit 1; fi
# The layering (core modules name no JS type and reach no face module; no import cycle).
if ! python3 tests/layers.py; then echo "native: tests/layers.py failed"; echo "native: 0 passed, 1 failed"; exit 1; fi
# Clippy, warnings denied, for the host and for the shipped target (unwrap_used, expect_used,
# indexing_slicing and panic are denied in library code by src/lib.rs).
for t in "" "--target wasm32-unknown-unknown"; do
  # shellcheck disable=SC2086
  if ! cargo clippy -q --release --workspace --lib $t -- -D warnings 2>&1 | tail -n 80; then
    echo "native: cargo clippy $t failed: fix the warnings above"; echo "native: 0 passed, 1 failed"; exit 1
  fi
done
out=$(mktemp)
cargo test --release --features testing --lib --test fuzz --test providers -- --nocapture 2>&1 | tee "$out"
rc=${PIPESTATUS[0]}
# The .wasm's small-block cache (src/classes), behind the counting system allocator.
cargo test --release -p size-classes 2>&1 | tee -a "$out"
[ "${PIPESTATUS[0]}" -eq 0 ] || rc=1
p=$(grep -E '^test result:' "$out" | awk '{s+=$4} END {print s+0}')
f=$(grep -E '^test result:' "$out" | awk '{s+=$6} END {print s+0}')
rm -f "$out"
echo "native: $p passed, $f failed"
[ "$p" -gt 0 ] || exit 1
exit $rc
