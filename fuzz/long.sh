#!/usr/bin/env bash
# The long run behind the figures in fuzz/README.md: each named target for RUNS executions
# (default 10 M) from its seed corpus, one after another; prints executions, time, coverage.
#   bash fuzz/long.sh <out-dir> <target>...      (MAX_LEN, RUNS override the defaults)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
export PATH="$HOME/.cargo/bin:$PATH" RUSTC_BOOTSTRAP=1
out=$1; shift
runs=${RUNS:-10000000}
mkdir -p "$out"
for t in "$@"; do
  len=${MAX_LEN:-$(case $t in sse|chat|messages|partial) echo 512 ;; *) echo 4096 ;; esac)}
  mkdir -p "$out/$t"
  t0=$(date +%s)
  nice -n 10 cargo fuzz run --sanitizer none --debug-assertions "$t" "$out/$t" "corpus/$t" -- \
    -runs="$runs" -max_len="$len" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 >"$out/$t.log" 2>&1
  rc=$?
  execs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$out/$t.log" | grep -oE '[0-9]+$' | tail -n 1)
  cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "$out/$t.log" | tail -n 1)
  echo "$t: rc $rc, ${execs:-?} executions in $(( $(date +%s) - t0 )) s, max_len $len, $cov, crashes: $(ls "$here/artifacts/$t" 2>/dev/null | wc -l)"
done
