#!/usr/bin/env bash
# Conformance through a real LiteLLM proxy: the local test server is LiteLLM's upstream (models'
# api_base point at it), LiteLLM listens on 127.0.0.1, and conformance.test.mjs drives the built
# package (pkg/node.js) against LiteLLM with the base URL given as http://127.0.0.1:PORT and as
# http://127.0.0.1:PORT/v1. Needs `.ci/install.sh litellm` (venv) and a built pkg/.
# Last line: "litellm: N passed, N failed".
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
venv="${LITELLM_VENV:-$HOME/.cache/aibadgr/litellm-venv}"
work=$(mktemp -d)
srv_pid=""; ll_pid=""

cleanup() {
  [ -n "$ll_pid" ] && kill "$ll_pid" 2>/dev/null
  [ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null
  [ -n "$ll_pid" ] && wait "$ll_pid" 2>/dev/null
  [ -n "$srv_pid" ] && wait "$srv_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() { echo "litellm: $*" >&2; echo "litellm: 0 passed, 1 failed"; exit 1; }

[ -x "$venv/bin/litellm" ] || fail "LiteLLM is not installed in $venv (run: bash .ci/install.sh litellm)"
[ -f "$root/pkg/node.js" ] || fail "pkg/ is not built (run: node pkg-template/build.mjs)"

# 1. The test server on an ephemeral port; it prints "LISTENING <url>" once ready.
node "$root/tests/server/server.mjs" --port 0 >"$work/server.log" 2>&1 &
srv_pid=$!
srv_url=""
for _ in $(seq 1 100); do
  srv_url=$(sed -n 's/^LISTENING //p' "$work/server.log" | head -n1)
  [ -n "$srv_url" ] && break
  kill -0 "$srv_pid" 2>/dev/null || break
  sleep 0.1
done
[ -n "$srv_url" ] || { cat "$work/server.log" >&2; fail "test server did not start"; }

# 2. LiteLLM on a free loopback port, with a random master key.
port=$("$venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
export LITELLM_MASTER_KEY="sk-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
export AIBADGR_TEST_UPSTREAM="$srv_url/api/v1"
export LITELLM_LOCAL_MODEL_COST_MAP=True   # else it tries to download the cost map at start
export LITELLM_TELEMETRY=False
export NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}"
t0=$(date +%s%N)
"$venv/bin/litellm" --config "$here/config.yaml" --host 127.0.0.1 --port "$port" --num_workers 1 >"$work/litellm.log" 2>&1 &
ll_pid=$!
ready=""
deadline=$(( $(date +%s) + ${LITELLM_START_TIMEOUT:-90} ))
while [ "$(date +%s)" -lt "$deadline" ]; do
  if ! kill -0 "$ll_pid" 2>/dev/null; then break; fi
  if curl -sf -o /dev/null "http://127.0.0.1:$port/health/liveliness"; then ready=1; break; fi
  sleep 0.25
done
if [ -z "$ready" ]; then
  echo "---- LiteLLM log" >&2; cat "$work/litellm.log" >&2
  fail "LiteLLM did not become ready on port $port"
fi
start_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "LiteLLM $("$venv/bin/pip" show litellm 2>/dev/null | sed -n 's/^Version: //p') ready on http://127.0.0.1:$port after ${start_ms} ms (upstream $AIBADGR_TEST_UPSTREAM)"

# 3. The conformance tests.
export LITELLM_URL="http://127.0.0.1:$port"
export AIBADGR_TEST_SERVER="$srv_url"
t1=$(date +%s%N)
out=$(mktemp)
bash "$root/tests/node-count.sh" node --test --test-concurrency=1 "$here/conformance.test.mjs" | tee "$out"
rc=${PIPESTATUS[0]}
echo "tests took $(( ($(date +%s%N) - t1) / 1000000 )) ms; LiteLLM start ${start_ms} ms"
if [ "$rc" -ne 0 ]; then
  echo "---- LiteLLM log (last 60 lines)"; tail -n 60 "$work/litellm.log" | cut -c1-400
fi
line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$out" | tail -n1)
rm -f "$out"
echo "litellm: ${line:-0 passed, 1 failed}"
[ -n "$line" ] || exit 1
exit "$rc"
