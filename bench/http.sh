#!/usr/bin/env bash
# HTTP load run of the matching endpoints on `wuye up` at Chengdu size, each beside the same
# service's trivial endpoint (/match/healthz) in the same run, so the search's cost shows as
# a ratio over the HTTP floor. Needs wrk (Debian package `wrk`).
#
#   bench/http.sh                      # 15 s per endpoint, 3 interleaved rounds
#   BENCH_HTTP_SECS=30 BENCH_HTTP_ROUNDS=5 bench/http.sh
#
# What it does: builds `wuye` (release), starts `wuye up` on a new data folder (demo data),
# stops it, adds the synthetic Chengdu data set to its index (`wuye admin
# load-synthetic-index`), starts it again, signs in as the demo association, collects 200
# tender ids, 200 firm ids and 20 search queries, then runs wrk against each endpoint in
# turn (interleaved rounds: healthz, tender→firms, firm→tenders, search, healthz, …) and
# prints one table. wrk shares the 2 cores with the service: both endpoints pay that alike.
# (Its settings are BENCH_… variables: WUYE_… ones would be read by wuye as its own settings.)
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${BENCH_HTTP_SECS:-15}"
rounds="${BENCH_HTTP_ROUNDS:-3}"
conns="${BENCH_HTTP_CONNECTIONS:-16}"
port="${BENCH_HTTP_PORT:-18480}"
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 1; }
# BENCH_WUYE_BIN: an already built release binary of this commit (skips the build).
if [ -z "${BENCH_WUYE_BIN:-}" ]; then
  cargo build --release -p wuye
fi
bin="${BENCH_WUYE_BIN:-${CARGO_TARGET_DIR:-target}/release/wuye}"
work="$(mktemp -d)"
out="bench/results/http-$(date -u +%Y-%m-%dT%H%M%SZ)"
mkdir -p "$out"
base="http://127.0.0.1:$port"
export RUST_LOG=warn
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

start() {
  "$bin" up --data "$work/data" --listen "127.0.0.1:$port" >>"$out/server.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 240); do
    if curl -fs "$base/match/readyz" >/dev/null 2>&1; then return 0; fi
    sleep 0.5
  done
  echo "wuye up did not become ready"; tail -20 "$out/server.log"; exit 1
}
stop() { kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""; }

{
  echo "date: $(date -u +%FT%TZ)"
  echo "commit: $(git rev-parse --short HEAD)$(git diff --quiet || echo '+dirty')"
  echo "cpus: $(nproc)  load: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "wrk: -t2 -c$conns -d${secs}s, $rounds rounds"
} | tee "$out/machine.txt"

start            # first run: demo data
stop
"$bin" admin load-synthetic-index --data "$work/data" --scale chengdu | tee "$out/load.txt"
start

token="$(curl -fs -X POST "$base/catalog/session" -H 'content-type: application/json' \
  -d '{"username":"demo.xiehui","password":"wuye-demo-2026"}' | jq -r .token)"
curl -fs "$base/match/search?kind=tender&limit=200" | jq -r '.items[].id' \
  | sed 's#^#/match/tenders/#; s#$#/firms?limit=20#' >"$work/tender-firms.txt"
curl -fs "$base/match/search?kind=firm&limit=200" | jq -r '.items[].id' \
  | sed 's#^#/match/firms/#; s#$#/tenders?limit=20#' >"$work/firm-tenders.txt"
: >"$work/search.txt"
for q in 电梯 保洁 绿化 垃圾分类 消防 停车 安防 维修 老旧小区 物业服务; do
  for d in 510104 510107; do
    printf '/match/search?q=%s&district=%s&limit=20\n' \
      "$(jq -rn --arg v "$q" '$v|@uri')" "$d" >>"$work/search.txt"
  done
done
echo /match/healthz >"$work/healthz.txt"
wc -l "$work"/*.txt | tee "$out/paths.txt"
# Every path must answer 200 before it is measured.
for f in tender-firms firm-tenders search; do
  while read -r p; do
    code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "$base$p")
    [ "$code" = 200 ] || { echo "$p answered $code"; exit 1; }
  done <"$work/$f.txt"
done

for r in $(seq 1 "$rounds"); do
  for f in healthz tender-firms firm-tenders search; do
    line=$(WUYE_PATHS="$work/$f.txt" WUYE_TOKEN="$token" \
      wrk -t2 -c"$conns" -d"${secs}s" -s bench/wrk-paths.lua "$base" | grep '^WUYE')
    echo "round=$r endpoint=$f $line" | tee -a "$out/wrk.txt"
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/machine.txt"
# Summary: mean rps per endpoint over the rounds and the ratio to healthz.
awk '{ split($2,e,"="); split($4,r,"="); split($5,p50,"="); split($6,p99,"=");
       n[e[2]]++; rps[e[2]]+=r[2]; l50[e[2]]+=p50[2]; l99[e[2]]+=p99[2] }
     END { h = rps["healthz"]/n["healthz"];
       printf "| endpoint | mean req/s | ratio to healthz | mean p50 (ms) | mean p99 (ms) |\n| --- | --- | --- | --- | --- |\n";
       split("healthz tender-firms firm-tenders search", order, " ");
       for (i = 1; i <= 4; i++) { k = order[i];
         printf "| %s | %.0f | %.0f %% | %.2f | %.2f |\n", k, rps[k]/n[k], 100*rps[k]/n[k]/h, l50[k]/n[k], l99[k]/n[k] } }' \
  "$out/wrk.txt" | tee "$out/summary.md"
echo "outputs in $out"
