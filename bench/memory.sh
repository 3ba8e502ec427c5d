#!/usr/bin/env bash
# Memory of the serving process at national size (issue 16's target: ≤ 300 MiB for the
# serving process), with the synthetic national data set in its index (100,000 firms,
# 200,000 compounds, 20,000 tenders): its resident memory read from /proc after start, after
# wrk went over every tender's firms, and after wrk went over every firm's tenders (the
# answer cache then as full as its budget lets it be). Needs wrk and jq.
#
#   BENCH_WUYE_BIN=target-bench/release/wuye bench/memory.sh
#   BENCH_MEMORY_PROCESS=up …    # `wuye up` (all four services in one process) instead of the
#                                # matching service alone (default: `wuye serve matching`, fed
#                                # by `wuye serve catalog` and `wuye serve tender` beside it)
#   BENCH_MEMORY_FIRMS=20000 …   # how many of the 100,000 firms' tender lists to ask (default all)
#   BENCH_MEMORY_SECS=60 …       # wrk seconds over each list (long enough to ask every path)
set -euo pipefail
cd "$(dirname "$0")/.."
port="${BENCH_HTTP_PORT:-18481}"
firms="${BENCH_MEMORY_FIRMS:-100000}"
secs="${BENCH_MEMORY_SECS:-60}"
process="${BENCH_MEMORY_PROCESS:-matching}"
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 1; }
if [ -z "${BENCH_WUYE_BIN:-}" ]; then
  cargo build --release -p wuye
fi
bin="${BENCH_WUYE_BIN:-${CARGO_TARGET_DIR:-target}/release/wuye}"
work="$(mktemp -d)"
out="bench/results/memory-$(date -u +%Y-%m-%dT%H%M%SZ)"
mkdir -p "$out"
base="http://127.0.0.1:$port"
export RUST_LOG=warn
pid=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null
  for h in "${helpers[@]}"; do kill "$h" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# start: the measured process ($pid), ready. `up`: one `wuye up`; `matching`: catalog and
# tender (SQLite, in the work folder) first, then the matching service on its own folder.
helpers=()
start() {
  if [ "$process" = up ]; then
    "$bin" up --data "$work/data" --listen "127.0.0.1:$port" >>"$out/server.log" 2>&1 &
    pid=$!
  else
    if [ ${#helpers[@]} -eq 0 ]; then
      "$bin" serve catalog --database "sqlite://$work/catalog.db?mode=rwc" --listen "127.0.0.1:$((port + 1))" \
        >>"$out/catalog.log" 2>&1 &
      helpers+=($!)
      wait_ready "http://127.0.0.1:$((port + 1))/catalog/readyz"
      "$bin" serve tender --database "sqlite://$work/tender.db?mode=rwc" --listen "127.0.0.1:$((port + 2))" \
        --catalog-url "http://127.0.0.1:$((port + 1))" >>"$out/tender.log" 2>&1 &
      helpers+=($!)
      wait_ready "http://127.0.0.1:$((port + 2))/tenders/readyz"
    fi
    "$bin" serve matching --data "$work/matching" --listen "127.0.0.1:$port" \
      --catalog-url "http://127.0.0.1:$((port + 1))" --tender-url "http://127.0.0.1:$((port + 2))" \
      >>"$out/server.log" 2>&1 &
    pid=$!
  fi
  wait_ready "$base/match/readyz"
}
wait_ready() {
  for _ in $(seq 1 600); do
    if curl -fs "$1" >/dev/null 2>&1; then return 0; fi
    sleep 0.5
  done
  echo "$1 did not become ready"; tail -20 "$out"/*.log; exit 1
}
stop() { kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""; }
# rss LABEL: the process's resident memory now and at its peak, with the answer cache's size.
rss() {
  local now peak anon file cache
  now=$(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status")
  peak=$(awk '/^VmHWM/ { print $2 }' "/proc/$pid/status")
  anon=$(awk '/^RssAnon/ { print $2 }' "/proc/$pid/status")
  file=$(awk '/^RssFile/ { print $2 }' "/proc/$pid/status")
  cache=$(curl -fs -H "Authorization: Bearer $token" "$base/match/metrics" \
    | awk '/name="(answer_cache_(entries|hits|misses|bytes)|index_cache_bytes|index_prepared_bytes)"/ {
        sub(/.*name="/, ""); sub(/".*}/, ""); printf "%s ", $0 }')
  awk -v l="$1" -v n="$now" -v p="$peak" -v a="$anon" -v f="$file" -v c="$cache" \
    'BEGIN { printf "%s: VmRSS %.1f MiB (RssAnon %.1f, RssFile %.1f: the index files mapped), VmHWM %.1f MiB, caches: %s\n",
      l, n / 1024, a / 1024, f / 1024, p / 1024, c }' \
    | tee -a "$out/memory.txt"
}

{
  echo "date: $(date -u +%FT%TZ)"
  echo "commit: $(git rev-parse --short HEAD)$(git diff --quiet || echo '+dirty')"
  echo "binary: $bin"
  echo "process: $process"
  echo "cpus: $(nproc)  load: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$out/machine.txt"

if [ "$process" = up ]; then
  start     # first run: demo data
  stop
  "$bin" admin load-synthetic-index --data "$work/data" --scale national | tee "$out/load.txt"
  start
  user=demo.xiehui password=wuye-demo-2026
else
  export WUYE_KEYS_DIR="$work/keys"
  "$bin" admin keygen --keys-dir "$work/keys" >/dev/null
  user=bench.admin password=bench-memory-2026
  WUYE_ADMIN_PASSWORD="$password" "$bin" admin create-association --username "$user" \
    --display-name '内存基准' --database "sqlite://$work/catalog.db?mode=rwc" >/dev/null
  start     # first run: the matching folder's database and index
  stop
  "$bin" admin load-synthetic-index --data "$work/matching" --scale national | tee "$out/load.txt"
  start
fi
token="$(curl -fs -X POST "http://127.0.0.1:$([ "$process" = up ] && echo "$port" || echo $((port + 1)))/catalog/session" \
  -H 'content-type: application/json' -d "{\"username\":\"$user\",\"password\":\"$password\"}" | jq -r .token)"
[ -n "$token" ] && [ "$token" != null ] || { echo "no token"; exit 1; }
rss "after start"
seq 0 19999 | awk '{ printf "/match/tenders/syn-tender-%06d/firms?limit=20\n", $1 }' >"$work/tenders.txt"
seq 0 $((firms - 1)) | awk '{ printf "/match/firms/syn-firm-%06d/tenders?limit=20\n", $1 }' >"$work/firms.txt"
# wrk round-robins over each file (each of its two threads from the start): run long enough
# that every path was asked; the cache's misses count the distinct answers computed.
for f in tenders firms; do
  WUYE_PATHS="$work/$f.txt" WUYE_TOKEN="$token" \
    wrk -t2 -c16 -d"${secs}s" -s bench/wrk-paths.lua "$base" | grep '^WUYE' \
    | sed "s/^/$f: /" | tee -a "$out/memory.txt"
  rss "after $secs s of wrk over the $(wc -l <"$work/$f.txt") $f paths"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/machine.txt"
echo "outputs in $out"
