#!/usr/bin/env bash
# The Vercel AI SDK suite: `ai` (pinned, with its lockfile in this folder) drives aibadgr/ai-sdk
# from the built pkg/ against the local test server. Installs its node_modules once (npm ci,
# skipped while package-lock.json is unchanged), then prints "N passed, N failed".
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
if [ ! -f "$root/pkg/ai-sdk.js" ]; then
  echo "pkg/ is not built; run: node pkg-template/build.mjs"
  echo "0 passed, 1 failed"
  exit 1
fi
if [ ! -f "$here/node_modules/.stamp" ] || [ "$here/package-lock.json" -nt "$here/node_modules/.stamp" ]; then
  echo "[aisdk] npm ci in tests/aisdk"
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error >/dev/null && touch node_modules/.stamp) || { echo "npm ci failed"; echo "0 passed, 1 failed"; exit 1; }
fi
exec bash "$root/tests/node-count.sh" node --test --test-concurrency=1 "$here/"
