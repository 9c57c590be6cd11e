#!/usr/bin/env bash
# The `fuzz` suite: a short, bounded coverage-guided run (cargo fuzz / libFuzzer) of every
# target in fuzz/fuzz_targets from its seed corpus in fuzz/corpus/<target>; any crash (a panic
# or a violated invariant) fails its target and leaves the input in fuzz/artifacts/<target>/.
#   bash fuzz/run.sh                      # every target, FUZZ_SECONDS (default 12) each
#   FUZZ_SECONDS=600 FUZZ_TARGETS="sse json" bash fuzz/run.sh
# Inputs the run discovers go to a scratch directory, so the committed corpus stays small.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
export PATH="$HOME/.cargo/bin:$PATH"
export RUSTC_BOOTSTRAP=1 # libFuzzer's flags need nightly features; the stable 1.95 toolchain has them
secs=${FUZZ_SECONDS:-12}
flags=(--sanitizer none --debug-assertions)
targets=${FUZZ_TARGETS:-$(cargo fuzz list)}
if ! cargo fuzz build "${flags[@]}" 2>&1 | tail -n 3; then echo "fuzz: build failed"; echo "fuzz: 0 passed, 1 failed"; exit 1; fi
pass=0; fail=0; failed=()
for t in $targets; do
  scratch=$(mktemp -d)
  log=$(mktemp)
  cargo fuzz run "${flags[@]}" "$t" "$scratch" "corpus/$t" -- \
    -max_total_time="$secs" -rss_limit_mb=2048 -max_len=65536 -timeout=10 -print_final_stats=1 >"$log" 2>&1
  rc=$?
  execs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' | tail -n 1)
  cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -n 1)
  if [ $rc -eq 0 ] && [ -n "$execs" ]; then
    pass=$((pass + 1))
    echo "fuzz $t: ok, ${execs} executions in ${secs} s, ${cov:-cov: ?}"
  else
    fail=$((fail + 1)); failed+=("$t")
    echo "fuzz $t: FAILED (rc $rc)"
    grep -E 'panicked|invariant violated|ERROR|SUMMARY|Test unit written|artifact_prefix' "$log" | head -n 20
  fi
  rm -rf "$scratch" "$log"
done
[ ${#failed[@]} -gt 0 ] && echo "failed targets: ${failed[*]}"
echo "fuzz: $pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
