#!/usr/bin/env bash
# Load and faults against two replicas of every service on PostgreSQL behind nginx
# (scripts/replicas.sh, deploy/nginx.conf). Prints its figures; exits non-zero when one
# falls short.
#
#  1. Load: a mixed workload (scripts/load.py: compound writes, reads, lists, matching
#     searches, feed reads, page views) for LOAD_SECONDS (20) with LOAD_WORKERS
#     (8) clients: throughput, p50/p99 per kind; any failed request fails the run.
#  2. Faults: the same load again while each replica in FAULT_REPLICAS (default: all
#     eight) is killed with `kill -9` in turn and restarted. Requests in flight on a killed
#     replica may fail (a write not answered 201 is not acknowledged); afterwards every
#     acknowledged write must be in the catalog's database, every follower caught up, and
#     both matching replicas' indexes must hold exactly the catalog's compounds.
#  3. The embedded default: `wuye up` on a new data folder (SQLite) under the same load,
#     killed with `kill -9` mid-write and started again: every acknowledged write is in its
#     catalog.db, and its index holds exactly the catalog's compounds.
#
#   bash scripts/load.sh                                   # the full run
#   LOAD_SECONDS=5 FAULT_REPLICAS="catalog-1 tender-1 matching-1 web-1" bash scripts/load.sh
#                                                           # the short one (CI)
#
# PostgreSQL itself is not restarted here (it is shared on a developer's machine); see
# RELIABILITY.md.
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
RUN="${REPLICAS_DIR:-$REPO/target/replicas}"
PG="${REPLICAS_PG:-postgres://postgres@127.0.0.1:5432}"
PROXY="http://127.0.0.1:18080"
BIN="${REPLICAS_BIN:-$REPO/target/debug/wuye}"
SECS="${LOAD_SECONDS:-20}"
WORKERS="${LOAD_WORKERS:-8}"
REPLICAS="${FAULT_REPLICAS:-catalog-1 catalog-2 tender-1 tender-2 matching-1 matching-2 web-1 web-2}"

fail() { echo "load: FAILED: $*" >&2; exit 1; }
stop_all() {
    if [[ -f "$RUN/pids" ]]; then
        while read -r pid; do kill "$pid" 2>/dev/null || true; done < "$RUN/pids"
    fi
}
trap stop_all EXIT

bash "$REPO/scripts/replicas.sh" --keep

token=$(curl -fsS "$PROXY/catalog/session" -H 'content-type: application/json' \
    -d '{"username":"smoke.admin","password":"smoke-test-password-2026"}' | jq -r .token)
[[ -n "$token" && "$token" != null ]] || fail "signing in"
: > "$RUN/acked.txt"

port_of() { grep -o -- '--listen 127.0.0.1:[0-9]*' "$RUN/run/$1.sh" | cut -d: -f2; }
ready_url() {
    local port; port=$(port_of "$1")
    case "$1" in
        catalog-*) echo "http://127.0.0.1:$port/catalog/readyz" ;;
        tender-*) echo "http://127.0.0.1:$port/tenders/readyz" ;;
        matching-*) echo "http://127.0.0.1:$port/match/readyz" ;;
        web-*) echo "http://127.0.0.1:$port/healthz" ;;
    esac
}
wait_ready() { # name seconds
    local url deadline; url=$(ready_url "$1"); deadline=$(( $(date +%s) + $2 ))
    until curl -fsS -o /dev/null "$url"; do
        (( $(date +%s) < deadline )) || fail "$1 not ready after $2 s"
        sleep 0.1
    done
}

echo "load: phase 1, ${SECS} s of mixed load with ${WORKERS} clients, no faults"
python3 "$REPO/scripts/load.py" --proxy "$PROXY" --token "$token" --seconds "$SECS" \
    --workers "$WORKERS" --acked "$RUN/acked.txt" --tag A > "$RUN/load-1.json"
jq -c '{requests, per_s, acknowledged_writes}' "$RUN/load-1.json"
jq -r '.kinds | to_entries[] | "  \(.key): \(.value.requests) requests, \(.value.per_s)/s, p50 \(.value.p50_ms) ms, p99 \(.value.p99_ms) ms, failed \(.value.failed)"' "$RUN/load-1.json"
failed=$(jq '[.kinds[].failed] | add' "$RUN/load-1.json")
[[ "$failed" == 0 ]] || fail "$failed requests failed without faults: $(jq -c '.kinds | map_values(.statuses)' "$RUN/load-1.json")"

n=$(echo "$REPLICAS" | wc -w)
fault_secs=$(( n * 4 + 4 ))
echo "load: phase 2, ${fault_secs} s of load while ${n} replicas are killed (kill -9) and restarted in turn"
python3 "$REPO/scripts/load.py" --proxy "$PROXY" --token "$token" --seconds "$fault_secs" \
    --workers "$WORKERS" --acked "$RUN/acked.txt" --tag B > "$RUN/load-2.json" &
load_pid=$!
sleep 2
for name in $REPLICAS; do
    kill -9 "$(cat "$RUN/run/$name.pid")"
    sleep 1
    bash "$RUN/run/$name.sh"
    started=$(date +%s%3N)
    wait_ready "$name" 60
    echo "  $name killed and back, ready $(( $(date +%s%3N) - started )) ms after its restart"
    sleep 1
done
wait "$load_pid" || fail "the load generator failed"
jq -c '{requests, per_s, acknowledged_writes}' "$RUN/load-2.json"
jq -r '.kinds | to_entries[] | "  \(.key): \(.value.requests) requests, p50 \(.value.p50_ms) ms, p99 \(.value.p99_ms) ms, failed \(.value.failed) \(.value.statuses)"' "$RUN/load-2.json"

# Every follower catches up; then the checks.
for name in catalog-1 catalog-2 tender-1 tender-2 matching-1 matching-2; do
    wait_ready "$name" 60
done
acked=$(sort -u "$RUN/acked.txt" | wc -l)
ids=$(sort -u "$RUN/acked.txt" | sed "s/.*/'&'/" | paste -sd, -)
present=$(psql "$PG/wuye_r_catalog" -Atc "SELECT COUNT(*) FROM compound WHERE id IN ($ids)")
[[ "$present" == "$acked" ]] || fail "$acked writes were acknowledged, $present are in the database"
echo "load: all $acked acknowledged writes are in the catalog's database"
total=$(psql "$PG/wuye_r_catalog" -Atc "SELECT COUNT(*) FROM compound")
for port in $(port_of matching-1) $(port_of matching-2); do
    deadline=$(( $(date +%s) + 60 ))
    while true; do
        docs=$(curl -fsS "http://127.0.0.1:$port/match/metrics" \
            | grep 'name="index_documents",kind="compound"' | awk '{print $2}' || true)
        searched=$(curl -fsS "http://127.0.0.1:$port/match/search?kind=compound&street=510104017&limit=1" | jq .total || true)
        [[ "$docs" == "$total" && "$searched" == "$total" ]] && break
        (( $(date +%s) < deadline )) || fail "matching on $port holds $docs compounds ($searched searchable), the catalog $total"
        sleep 0.2
    done
done
echo "load: both matching replicas hold exactly the catalog's $total compounds"

# --- 3. the embedded default, killed mid-write ---
EMB="$RUN/embedded"
EMBEDDED="http://127.0.0.1:18090"
WUYE_ADMIN_PASSWORD='smoke-test-password-2026' "$BIN" admin create-association \
    --username smoke.admin --display-name '烟测管理员' --data "$EMB" >/dev/null 2>&1
up() {
    WUYE_METRICS_NETWORKS='["127.0.0.1"]' "$BIN" up --no-demo --data "$EMB" \
        --listen 127.0.0.1:18090 >>"$RUN/logs/embedded.log" 2>&1 &
    echo $! > "$RUN/embedded.pid"
    echo $! >> "$RUN/pids"
    local deadline=$(( $(date +%s) + 60 ))
    until curl -fsS -o /dev/null "$EMBEDDED/readyz"; do
        (( $(date +%s) < deadline )) || fail "wuye up not ready after 60 s"
        sleep 0.1
    done
}
up
etoken=$(curl -fsS "$EMBEDDED/catalog/session" -H 'content-type: application/json' \
    -d '{"username":"smoke.admin","password":"smoke-test-password-2026"}' | jq -r .token)
: > "$RUN/acked-embedded.txt"
python3 "$REPO/scripts/load.py" --proxy "$EMBEDDED" --token "$etoken" --seconds 6 \
    --workers "$WORKERS" --acked "$RUN/acked-embedded.txt" --tag E > "$RUN/load-3.json" &
load_pid=$!
sleep 3
kill -9 "$(cat "$RUN/embedded.pid")"
killed=$(date +%s%3N)
wait "$load_pid" || fail "the load generator failed"
up
echo "load: wuye up killed mid-write and back, ready $(( $(date +%s%3N) - killed )) ms after the kill"
jq -c '{requests, acknowledged_writes, writes: .kinds.write_compound.statuses}' "$RUN/load-3.json"
python3 - "$EMB/catalog.db" "$RUN/acked-embedded.txt" <<'PY' || fail "an acknowledged write is missing from the embedded catalog.db"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
have = {r[0] for r in db.execute("SELECT id FROM compound")}
acked = {l.strip() for l in open(sys.argv[2]) if l.strip()}
missing = acked - have
print(f"load: {len(acked)} writes acknowledged before and around the kill, {len(missing)} missing")
sys.exit(1 if missing or not acked else 0)
PY
etotal=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT COUNT(*) FROM compound').fetchone()[0])" "$EMB/catalog.db")
deadline=$(( $(date +%s) + 60 ))
while true; do
    docs=$(curl -fsS "$EMBEDDED/match/metrics" | grep 'name="index_documents",kind="compound"' | awk '{print $2}' || true)
    [[ "$docs" == "$etotal" ]] && break
    (( $(date +%s) < deadline )) || fail "the embedded index holds $docs compounds, its catalog $etotal"
    sleep 0.2
done
echo "load: the embedded index holds exactly its catalog's $etotal compounds"
echo "load: passed"
