#!/usr/bin/env bash
# The README's first command: installs what is missing, builds the package, and starts the demo
# on http://127.0.0.1:8787/ (PORT=... to change it).
#   bash .ci/demo.sh                              built-in AI Badgr-compatible backend
#   AIBADGR_API_KEY=<key> bash .ci/demo.sh        the real API; the key stays in the server
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash .ci/install.sh core
bash .ci/install.sh node
node pkg-template/build.mjs
exec node www/serve.mjs
