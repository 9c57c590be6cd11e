#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs what is missing, builds pkg/, then runs
# every suite. Each suite must run at least one test; any failure fails the run.
#   bash .ci/test.sh            # everything
#   bash .ci/test.sh node js    # only the named suites (see SUITES below)
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export PATH="$root/.ci/tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
start=$(date +%s)

bash .ci/install.sh all || { echo "install failed"; exit 1; }

SUITES=(native server node chrome chrome-worker firefox js aisdk consumers litellm demo bench)
[ $# -gt 0 ] && SUITES=("$@")

results=()
total_pass=0; total_fail=0; failed_suites=()

# Runs one suite: its output goes to the terminal and to tests/out/<name>.log; its last
# "N passed, N failed" line is the count.
run_suite() {
  local name=$1; shift
  mkdir -p tests/out
  echo
  echo "=== suite: $name"
  local t0; t0=$(date +%s)
  "$@" 2>&1 | tee "tests/out/$name.log"
  local rc=${PIPESTATUS[0]}
  local line; line=$(grep -oE '[0-9]+ passed, [0-9]+ failed' "tests/out/$name.log" | tail -n 1)
  local p f
  p=$(awk '{print $1}' <<<"$line")
  f=$(awk '{print $3}' <<<"$line")
  p=${p:-0}; f=${f:-0}
  if [ -z "$line" ]; then echo "suite $name printed no count"; rc=1; fi
  if [ "$p" -eq 0 ]; then echo "suite $name ran zero tests"; rc=1; fi
  if [ "$f" -gt 0 ]; then rc=1; fi
  total_pass=$((total_pass + p)); total_fail=$((total_fail + f))
  [ $rc -ne 0 ] && failed_suites+=("$name")
  results+=("$(printf '%-14s %5s passed %4s failed %5ss  %s' "$name" "$p" "$f" "$(( $(date +%s) - t0 ))" "$([ $rc -eq 0 ] && echo ok || echo FAILED)")")
}

has() { for s in "${SUITES[@]}"; do [ "$s" = "$1" ] && return 0; done; return 1; }

if has native; then run_suite native bash tests/native.sh; fi
if has server; then run_suite server bash tests/node-count.sh node --test tests/server/; fi

# Everything below uses the built package.
if has node || has chrome || has chrome-worker || has firefox || has js || has aisdk || has consumers || has litellm || has demo || has bench; then
  if ! node pkg-template/build.mjs; then echo "package build failed"; exit 1; fi
fi
if has node; then run_suite node bash tests/wasm.sh node; fi
if has chrome; then run_suite chrome bash tests/wasm.sh chrome; fi
if has chrome-worker; then run_suite chrome-worker bash tests/wasm.sh chrome-worker; fi
if has firefox; then run_suite firefox bash tests/wasm.sh firefox; fi
if has js; then run_suite js bash tests/node-count.sh node --test --test-concurrency=1 tests/js/; fi
for s in aisdk consumers litellm demo bench; do
  if has $s; then
    if [ -f "tests/$s/run.sh" ]; then run_suite $s bash "tests/$s/run.sh"; else echo "(suite $s not present yet)"; fi
  fi
done

echo
echo "=== summary ($(( $(date +%s) - start ))s)"
printf '%s\n' "${results[@]}"
echo "total: $total_pass passed, $total_fail failed"
if [ ${#failed_suites[@]} -gt 0 ]; then echo "FAILED suites: ${failed_suites[*]}"; exit 1; fi
