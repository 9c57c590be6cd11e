#!/usr/bin/env bash
# Runs a `node --test` command and turns its "# pass N / # fail N" summary into the
# "N passed, N failed" line .ci/test.sh counts. Fails when no test ran.
set -uo pipefail
out=$(mktemp)
"$@" 2>&1 | tee "$out"
rc=${PIPESTATUS[0]}
p=$(grep -E '^# pass [0-9]+' "$out" | tail -n1 | awk '{print $3}')
f=$(grep -E '^# fail [0-9]+' "$out" | tail -n1 | awk '{print $3}')
rm -f "$out"
echo "${p:-0} passed, ${f:-0} failed"
[ "${p:-0}" -gt 0 ] || exit 1
exit $rc
