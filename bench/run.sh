#!/usr/bin/env bash
# Runs every search-index benchmark in one go and keeps the outputs, so the figures in
# BENCHMARKS.md come from one run on one machine state.
#
#   bench/run.sh                 # both sizes (about 10 minutes on 2 cores)
#   WUYE_BENCH_SCALES=chengdu bench/run.sh
#
# Environment: WUYE_BENCH_PG (PostgreSQL URL, default postgres://postgres@127.0.0.1:5432/test),
# WUYE_BENCH_SQL_QUERIES (sampled tenders for the SQL baselines, default 200),
# CARGO_TARGET_DIR as usual.
set -euo pipefail
cd "$(dirname "$0")/.."
out="bench/results/$(date -u +%Y-%m-%dT%H%M%SZ)"
mkdir -p "$out"
{
  echo "date: $(date -u +%FT%TZ)"
  echo "commit: $(git rev-parse --short HEAD)$(git diff --quiet || echo '+dirty')"
  echo "cpus: $(nproc)  load: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
  echo "rustc: $(rustc --version)"
} | tee "$out/machine.txt"
cargo bench -p wuye-search-index --no-run
cargo bench -p wuye-search-index --bench build 2>&1 | tee "$out/build.txt"
cargo bench -p wuye-search-index --bench sql_baseline 2>&1 | tee "$out/sql_baseline.txt"
cargo bench -p wuye-search-index --bench matching 2>&1 | tee "$out/matching.txt"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/machine.txt"
echo "outputs in $out"
