#!/usr/bin/env bash
# Runs the wasm-bindgen-test suites (tests/web.rs) against the local test server, in one of:
#   node | chrome | chrome-worker | firefox
# The server's URL is compiled into the tests (browsers cannot read env vars at run time).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
where=${1:?usage: tests/wasm.sh node|chrome|chrome-worker|firefox}
port=${AIBADGR_TEST_PORT:-18787}
log=$(mktemp)
node tests/server/server.mjs --port "$port" > "$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -f "$log"' EXIT
for _ in $(seq 1 50); do grep -q LISTENING "$log" && break; sleep 0.1; done
grep -q LISTENING "$log" || { cat "$log"; echo "$where: 0 passed, 1 failed (test server did not start)"; exit 1; }
export AIBADGR_TEST_URL="http://127.0.0.1:$port"

args=(test --release)
case "$where" in
  node) args+=(--node) ;;
  chrome) export WASM_BINDGEN_USE_BROWSER=1; args+=(--headless --chrome) ;;
  chrome-worker) export WASM_BINDGEN_USE_DEDICATED_WORKER=1; args+=(--headless --chrome) ;;
  firefox) export WASM_BINDGEN_USE_BROWSER=1; args+=(--headless --firefox) ;;
  *) echo "unknown target $where"; exit 2 ;;
esac
out=$(mktemp)
wasm-pack "${args[@]}" -- --test web 2>&1 | tee "$out"
rc=${PIPESTATUS[0]}
p=$(grep -E 'test result:' "$out" | sed -E 's/.* ([0-9]+) passed.*/\1/' | awk '{s+=$1} END {print s+0}')
f=$(grep -E 'test result:' "$out" | sed -E 's/.* ([0-9]+) failed.*/\1/' | awk '{s+=$1} END {print s+0}')
rm -f "$out"
echo "$where: $p passed, $f failed"
[ "$p" -gt 0 ] || exit 1
exit $rc
