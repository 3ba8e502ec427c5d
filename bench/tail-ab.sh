#!/usr/bin/env bash
# Before/after of the tail bench (issue 16's national tail) in one run: two built tail bench
# binaries run alternately, A B A B …, on the national size, so both see the same machine load.
#
#   cp target-bench/release/deps/tail-<hash> /tmp/tail-before   # built on the commit before
#   … change, cargo bench -p wuye-search-index --bench tail --no-run …
#   bench/tail-ab.sh /tmp/tail-before target-bench/release/deps/tail-<hash> [pairs, default 3]
#
# Each run asserts its answers against benches/golden/match-national.txt (the binary reads the
# golden file of the worktree it was built in). Outputs land in bench/results/tail-ab-<stamp>/.
set -euo pipefail
cd "$(dirname "$0")/.."
a=$1
b=$2
pairs=${3:-3}
out="bench/results/tail-ab-$(date -u +%Y-%m-%dT%H%M%SZ)"
mkdir -p "$out"
{
  echo "date: $(date -u +%FT%TZ)"
  echo "commit: $(git rev-parse --short HEAD)$(git diff --quiet || echo '+dirty')"
  echo "A: $a ($(sha256sum "$a" | cut -c1-12))"
  echo "B: $b ($(sha256sum "$b" | cut -c1-12))"
  echo "cpus: $(nproc)  load: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$out/machine.txt"
for i in $(seq 1 "$pairs"); do
  for side in A B; do
    bin=$a
    [ "$side" = B ] && bin=$b
    echo "== $side run $i, load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/runs.txt"
    WUYE_BENCH_SCALES=national "$bin" --bench 2>&1 | grep -E '^\| national|densest|identical' | sed "s/^/$side /" | tee -a "$out/runs.txt"
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/machine.txt"
echo "outputs in $out"
