#!/usr/bin/env bash
# HTTP load ladder of the matching endpoints on `wuye up` at Chengdu size: each rung beside the
# same service's trivial endpoint (/match/healthz) in the same run, so every layer's cost
# shows as a ratio over the HTTP floor, with the server's CPU time per request. Needs wrk
# (Debian package `wrk`).
#
#   bench/http.sh                      # 10 s per endpoint, 3 interleaved rounds
#   BENCH_HTTP_SECS=15 BENCH_HTTP_ROUNDS=5 bench/http.sh
#   BENCH_OLD_BIN=/path/to/old/wuye bench/http.sh   # the same rungs on an older binary too
#   BENCH_OLD_LABEL=main …          # its rows' configuration name (default old)
#   BENCH_OLD_ENV='WUYE_MATCHING__ANSWER_CACHE=false' …   # its settings (default: none)
#
# The ladder, per server configuration (one `wuye up` each, started in turn every round):
#   cached   (default settings): healthz, fixed (GET /match/bench/fixed: a signed-in request
#            answered with a fixed body of a tender answer's mean size), tender-firms,
#            firm-tenders, search — answers come from the answer cache after the first pass;
#   uncached (`WUYE_MATCHING__ANSWER_CACHE=false`): healthz, tender-firms, firm-tenders,
#            search — every answer computed;
#   old      (BENCH_OLD_BIN, if set: e.g. an older commit's release binary built in another
#            worktree): healthz, tender-firms, firm-tenders, search, on a data folder of its
#            own prepared the same way (its own demo data, token and paths).
# Server CPU µs per request = (utime + stime of the `wuye up` process during the wrk run) ÷
# requests (the process holds every service; the others are idle). The cache hit rate is read
# from /match/metrics at the end of each cached run.
#
# What it does first: builds `wuye` (release) unless BENCH_WUYE_BIN is given, starts it on a
# new data folder (demo data), stops it, adds the synthetic Chengdu data set to its index
# (`wuye admin load-synthetic-index`), starts it again, signs in as the demo association,
# collects 200 tender ids, 200 firm ids and 20 search queries and the mean size of a tender
# answer. Every path must answer 200 in every configuration before it is measured. wrk
# shares the 2 cores with the service: every rung pays that alike.
# (Its settings are BENCH_… variables: WUYE_… ones would be read by wuye as its own settings.)
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${BENCH_HTTP_SECS:-10}"
rounds="${BENCH_HTTP_ROUNDS:-3}"
conns="${BENCH_HTTP_CONNECTIONS:-16}"
port="${BENCH_HTTP_PORT:-18480}"
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 1; }
# BENCH_WUYE_BIN: an already built release binary of this commit (skips the build).
if [ -z "${BENCH_WUYE_BIN:-}" ]; then
  cargo build --release -p wuye
fi
bin="${BENCH_WUYE_BIN:-${CARGO_TARGET_DIR:-target}/release/wuye}"
old="${BENCH_OLD_BIN:-}"
old_label="${BENCH_OLD_LABEL:-old}"   # the configuration name of its rows
read -r -a old_env <<<"${BENCH_OLD_ENV:-}"   # its settings (VAR=value …)
work="$(mktemp -d)"
out="bench/results/http-$(date -u +%Y-%m-%dT%H%M%SZ)"
mkdir -p "$out"
base="http://127.0.0.1:$port"
tck="$(getconf CLK_TCK)"
export RUST_LOG=warn
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

# start BIN [ENV=VALUE…]: `wuye up` on the data folder with extra settings.
data=""
start() {
  local b="$1"; shift
  env "$@" "$b" up --data "$data" --listen "127.0.0.1:$port" >>"$out/server.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 240); do
    if curl -fs "$base/match/readyz" >/dev/null 2>&1; then return 0; fi
    sleep 0.5
  done
  echo "wuye up did not become ready"; tail -20 "$out/server.log"; exit 1
}
stop() { kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }

{
  echo "date: $(date -u +%FT%TZ)"
  echo "commit: $(git rev-parse --short HEAD)$(git diff --quiet || echo '+dirty')"
  echo "binary: $bin"
  [ -n "$old" ] && echo "old binary: $old"
  echo "cpus: $(nproc)  load: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "wrk: -t2 -c$conns -d${secs}s, $rounds rounds"
} | tee "$out/machine.txt"

# prepare BIN DIR: a data folder of BIN's own (its demo data, then the synthetic Chengdu data
# set in its index), the demo association's token in DIR/token and the paths in DIR/*.txt. The
# old binary gets its own folder: its migrations are older than this binary's.
prepare() {
  local b="$1" dir="$2" t
  mkdir -p "$dir"
  data="$dir/data"
  start "$b"     # first run: demo data
  stop
  "$b" admin load-synthetic-index --data "$data" --scale chengdu | tee -a "$out/load.txt"
  start "$b"
  t="$(curl -fs -X POST "$base/catalog/session" -H 'content-type: application/json' \
    -d '{"username":"demo.xiehui","password":"wuye-demo-2026"}' | jq -r .token)"
  echo "$t" >"$dir/token"
  curl -fs "$base/match/search?kind=tender&limit=200" | jq -r '.items[].id' \
    | sed 's#^#/match/tenders/#; s#$#/firms?limit=20#' >"$dir/tender-firms.txt"
  curl -fs "$base/match/search?kind=firm&limit=200" | jq -r '.items[].id' \
    | sed 's#^#/match/firms/#; s#$#/tenders?limit=20#' >"$dir/firm-tenders.txt"
  : >"$dir/search.txt"
  for q in 电梯 保洁 绿化 垃圾分类 消防 停车 安防 维修 老旧小区 物业服务; do
    for d in 510104 510107; do
      printf '/match/search?q=%s&district=%s&limit=20\n' \
        "$(jq -rn --arg v "$q" '$v|@uri')" "$d" >>"$dir/search.txt"
    done
  done
  echo /match/healthz >"$dir/healthz.txt"
  echo /match/bench/fixed >"$dir/fixed.txt"
  bytes=$(while read -r p; do
    curl -fs -H "Authorization: Bearer $t" "$base$p" | wc -c
  done <"$dir/tender-firms.txt" | awk '{ s += $1 } END { printf "%d", s / NR }')
  echo "mean tender answer ($b): $bytes bytes" | tee -a "$out/machine.txt"
  stop
  wc -l "$dir"/*.txt | tee -a "$out/paths.txt"
}

if [ -n "$old" ]; then
  prepare "$old" "$work/old"
fi
prepare "$bin" "$work/new"    # last: $bytes is the new binary's mean answer

# check FILE…: every path answers 200 (this also fills the answer cache once).
# use DIR: the data folder, token and paths of `prepare DIR` from now on.
use() { dir="$1"; data="$dir/data"; token="$(cat "$dir/token")"; }
check() {
  for f in "$@"; do
    while read -r p; do
      code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "$base$p")
      [ "$code" = 200 ] || { echo "$p answered $code"; exit 1; }
    done <"$dir/$f.txt"
  done
}

# measure ROUND CONFIG ENDPOINT…: one wrk run per endpoint, with the server's CPU per request.
measure() {
  local r="$1" cfg="$2"; shift 2
  for f in "$@"; do
    local before after line requests
    before=$(cpu_ticks)
    line=$(WUYE_PATHS="$dir/$f.txt" WUYE_TOKEN="$token" \
      wrk -t2 -c"$conns" -d"${secs}s" -s bench/wrk-paths.lua "$base" | grep '^WUYE')
    after=$(cpu_ticks)
    requests=$(sed 's/.*requests=\([0-9]*\).*/\1/' <<<"$line")
    cpu=$(awk -v d="$((after - before))" -v n="$requests" -v t="$tck" \
      'BEGIN { printf "%.1f", (n > 0 ? d / t * 1e6 / n : 0) }')
    echo "round=$r config=$cfg endpoint=$f $line cpu_us=$cpu" | tee -a "$out/wrk.txt"
  done
}

hit_rate() {
  curl -fs -H "Authorization: Bearer $token" "$base/match/metrics" \
    | awk -v r="$1" '/name="answer_cache_hits"/ { h = $NF } /name="answer_cache_misses"/ { m = $NF }
        END { printf "round=%s answer cache: %d hits, %d misses, hit rate %.1f %%\n", r, h, m, (h + m) ? 100 * h / (h + m) : 0 }' \
    | tee -a "$out/cache.txt"
}

for r in $(seq 1 "$rounds"); do
  use "$work/new"
  start "$bin" WUYE_MATCHING__BENCH_FIXED_BODY_BYTES="$bytes"
  check fixed tender-firms firm-tenders search
  measure "$r" cached healthz fixed tender-firms firm-tenders search
  hit_rate "$r"
  stop
  start "$bin" WUYE_MATCHING__ANSWER_CACHE=false
  check tender-firms firm-tenders search
  measure "$r" uncached healthz tender-firms firm-tenders search
  stop
  if [ -n "$old" ]; then
    use "$work/old"
    start "$old" "${old_env[@]}"
    check tender-firms firm-tenders search
    measure "$r" "$old_label" healthz tender-firms firm-tenders search
    stop
  fi
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/machine.txt"
# Summary: per configuration and endpoint, mean req/s over the rounds, the ratio to that
# configuration's healthz, latency and server CPU per request.
awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
       k = v["config"] " " v["endpoint"]; if (!(k in n)) order[++len] = k
       n[k]++; rps[k] += v["rps"]; l50[k] += v["p50_ms"]; l99[k] += v["p99_ms"]; cpu[k] += v["cpu_us"] }
     END {
       printf "| configuration | endpoint | mean req/s | ratio to healthz | server CPU µs/req | mean p50 (ms) | mean p99 (ms) |\n";
       printf "| --- | --- | --- | --- | --- | --- | --- |\n";
       for (i = 1; i <= len; i++) { k = order[i]; split(k, ce, " ");
         h = rps[ce[1] " healthz"] / n[ce[1] " healthz"];
         printf "| %s | %s | %.0f | %.0f %% | %.0f | %.2f | %.2f |\n", ce[1], ce[2], rps[k]/n[k],
           100 * rps[k] / n[k] / h, cpu[k]/n[k], l50[k]/n[k], l99[k]/n[k] } }' \
  "$out/wrk.txt" | tee "$out/summary.md"
echo "outputs in $out"
