#!/usr/bin/env bash
# Benchmark suite for CI: the quick mode of bench/run.mjs (about 1-2 minutes on 2 cores). Prints
# the full table; fails only on what is deterministic or broken: the aibadgr shipped gzip size
# above bench/budget.json, or a variant that does not produce the expected text/vector. Times
# are reported, never asserted. Last line: "bench: N passed, N failed".
# Assumes .ci/install.sh ran and pkg/ is built (node pkg-template/build.mjs); bench/run.mjs builds
# the floor crate of figures 3 and 8 itself (bench/floor/build.mjs: about 20 s cold, then skipped).
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
if [ ! -f pkg/node.js ] || [ ! -f pkg/aibadgr_bg.wasm ]; then
  echo "pkg/ is not built: run node pkg-template/build.mjs"
  echo "bench: 0 passed, 1 failed"
  exit 1
fi
out=$(mktemp)
trap 'rm -f "$out"' EXIT
# bench/run.mjs starts its own test server and child processes on 127.0.0.1 and stops them when
# it exits (also on SIGINT/SIGTERM); its temporary copy of pkg/ is removed then too.
node --expose-gc bench/run.mjs --quick --no-write "$@" 2>&1 | tee "$out"
rc=${PIPESTATUS[0]}
if ! tail -n 1 "$out" | grep -Eq '^bench: [0-9]+ passed, [0-9]+ failed$'; then
  echo "bench: 0 passed, 1 failed"
  exit 1
fi
exit "$rc"
