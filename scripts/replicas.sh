#!/usr/bin/env bash
# Two processes of every service on PostgreSQL behind nginx, as docs/DEPLOYMENT.md
# describes, with deploy/nginx.conf as the proxy's configuration; then a short smoke
# through the proxy: sign in, create and list, the feeds followed by both matching
# replicas, a sign-out refused by every tender replica, metrics kept off the proxy.
# Prints what it measured; exits non-zero when a step fails.
#
#   bash scripts/replicas.sh            # start, smoke, stop
#   bash scripts/replicas.sh --keep     # start, smoke, leave running (stop: kill the pids
#                                       # in $REPLICAS_DIR/pids)
#
# Needs: PostgreSQL reachable as REPLICAS_PG (default postgres://postgres@127.0.0.1:5432,
# databases ${REPLICAS_DB:-wuye_r}_catalog and _tender are dropped and made anew), psql, nginx
# (Debian nginx-light), curl and jq. REPLICAS_BIN picks the binary (default target/debug/wuye,
# built with `cargo build --workspace --all-targets` if missing; use a release build for
# load figures).
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
PG="${REPLICAS_PG:-postgres://postgres@127.0.0.1:5432}"
BIN="${REPLICAS_BIN:-$REPO/target/debug/wuye}"
RUN="${REPLICAS_DIR:-$REPO/target/replicas}"
PROXY="http://127.0.0.1:18080"
DBP="${REPLICAS_DB:-wuye_r}"
export PGOPTIONS="-c client_min_messages=warning"
KEEP=0
[[ "${1:-}" == "--keep" ]] && KEEP=1

for tool in psql nginx curl jq; do
    command -v "$tool" >/dev/null || { echo "replicas: $tool is missing (apt-get install -y postgresql-client nginx-light curl jq)" >&2; exit 2; }
done
NGINX="$(command -v nginx)"
if [[ ! -x "$BIN" ]]; then
    (cd "$REPO" && cargo build --workspace --all-targets)
fi

# Leftovers of an earlier run.
if [[ -f "$RUN/pids" ]]; then
    while read -r pid; do kill "$pid" 2>/dev/null || true; done < "$RUN/pids"
    sleep 1
fi
rm -rf "$RUN"
mkdir -p "$RUN/logs" "$RUN/nginx/logs" "$RUN/nginx/tmp"
chmod 1777 "$RUN/nginx/tmp"
: > "$RUN/pids"

stop_all() {
    if [[ $KEEP == 0 && -f "$RUN/pids" ]]; then
        while read -r pid; do kill "$pid" 2>/dev/null || true; done < "$RUN/pids"
    fi
}
trap stop_all EXIT

fail() { echo "replicas: FAILED: $*" >&2; exit 1; }
ms() { date +%s%3N; }

for db in "${DBP}_catalog" "${DBP}_tender"; do
    psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
    psql "$PG/postgres" -qc "CREATE DATABASE $db" >/dev/null
done
"$BIN" admin keygen --keys-dir "$RUN/keys" >/dev/null

export WUYE_KEYS_DIR="$RUN/keys"
export WUYE_LOG_FORMAT=json
export WUYE_LOG="${WUYE_LOG:-info,sqlx=warn,tantivy=warn}"
# The proxy (and the pages, on this host) may say who the client is; Prometheus (here:
# this script) reads metrics from loopback.
export WUYE_TRUSTED_PROXIES='["127.0.0.1"]'
export WUYE_METRICS_NETWORKS='["127.0.0.1"]'

start() { # name port args...: starts a replica and writes $RUN/run/<name>.sh, which
    # starts it again the same way (scripts/load.sh restarts replicas it killed).
    local name=$1 port=$2; shift 2
    mkdir -p "$RUN/run"
    {
        echo "#!/usr/bin/env bash"
        echo "cd $(printf '%q' "$REPO")"
        for var in WUYE_KEYS_DIR WUYE_LOG_FORMAT WUYE_LOG WUYE_TRUSTED_PROXIES WUYE_METRICS_NETWORKS WUYE_DATA \
            WUYE_TENDER__MIN_BID_WINDOW_SECS WUYE_TENDER__OWNER_CODE_REQUESTS_PER_MINUTE; do
            [[ -n "${!var:-}" ]] && echo "export $var=$(printf '%q' "${!var}")"
        done
        printf '%q ' "$BIN" serve "$@" --listen "127.0.0.1:$port"
        echo ">>$(printf '%q' "$RUN/logs/$name.log") 2>&1 &"
        echo "echo \$! > $(printf '%q' "$RUN/run/$name.pid")"
        echo "echo \$! >> $(printf '%q' "$RUN/pids")"
    } > "$RUN/run/$name.sh"
    bash "$RUN/run/$name.sh"
}
start catalog-1 18181 catalog --database "$PG/${DBP}_catalog"
start catalog-2 18182 catalog --database "$PG/${DBP}_catalog"
"$NGINX" -p "$RUN/nginx" -c "$REPO/deploy/nginx.conf" -g 'daemon off;' >"$RUN/logs/nginx.log" 2>&1 &
echo $! >> "$RUN/pids"

wait_ready() { # url seconds
    local deadline=$(( $(date +%s) + $2 ))
    until curl -fsS -o /dev/null "$1"; do
        (( $(date +%s) < deadline )) || fail "$1 not ready after $2 s (logs in $RUN/logs)"
        sleep 0.2
    done
}
# Tender and matching follow the catalog through the proxy, as they would across hosts;
# catalog first so the two catalogs do not race to load the reference places.
wait_ready http://127.0.0.1:18181/catalog/readyz 60
wait_ready http://127.0.0.1:18182/catalog/readyz 60
start tender-1 18281 tender --database "$PG/${DBP}_tender" --catalog-url "$PROXY"
start tender-2 18282 tender --database "$PG/${DBP}_tender" --catalog-url "$PROXY"
wait_ready http://127.0.0.1:18281/tenders/readyz 60
wait_ready http://127.0.0.1:18282/tenders/readyz 60
# Each matching replica keeps its own embedded database and index under its own folder.
start matching-1 18381 matching --data "$RUN/matching-1" --catalog-url "$PROXY" --tender-url "$PROXY"
start matching-2 18382 matching --data "$RUN/matching-2" --catalog-url "$PROXY" --tender-url "$PROXY"
start web-1 18481 web --catalog-url "$PROXY" --tender-url "$PROXY" --matching-url "$PROXY"
start web-2 18482 web --catalog-url "$PROXY" --tender-url "$PROXY" --matching-url "$PROXY"
for url in http://127.0.0.1:18381/match/readyz http://127.0.0.1:18382/match/readyz \
    http://127.0.0.1:18481/healthz http://127.0.0.1:18482/healthz "$PROXY/healthz"; do
    wait_ready "$url" 60
done
echo "replicas: 2 × catalog, tender, matching, web on PostgreSQL behind nginx at $PROXY"

# --- the smoke, through the proxy ---
PASSWORD='smoke-test-password-2026'
WUYE_ADMIN_PASSWORD="$PASSWORD" "$BIN" admin create-association --username smoke.admin \
    --display-name '烟测管理员' --database "$PG/${DBP}_catalog" >/dev/null
token=$(curl -fsS "$PROXY/catalog/session" -H 'content-type: application/json' \
    -d "{\"username\":\"smoke.admin\",\"password\":\"$PASSWORD\"}" | jq -r .token)
[[ -n "$token" && "$token" != null ]] || fail "signing in through the proxy"

street=510104017
compound=$(jq -n --arg s "$street" '{code: "smoke-001", name: "烟测小区", address: "锦江区烟测路 1 号",
    district: ($s[0:6]), street: $s, community: "水井坊社区", location: {lon: 104.083, lat: 30.652},
    year_built: 1995, buildings: 6, households: 480, floor_area_m2: 42000, management: "none",
    facilities: {fire_safety: true, video_surveillance: false, access_control: false,
        garbage_sorting_points: 2, parking_spaces: 40, elevators: 0},
    governance_body: "owners_committee", governance_formed_on: "2021-06-18", eligible_and_willing: true}')
written=$(ms)
id=$(curl -fsS "$PROXY/catalog/compounds" -H "authorization: Bearer $token" \
    -H 'content-type: application/json' -d "$compound" | jq -r .id)
[[ -n "$id" && "$id" != null ]] || fail "creating a compound through the proxy"
# Listed by both catalog replicas (the proxy alternates; ask each directly too).
for base in "$PROXY" http://127.0.0.1:18181 http://127.0.0.1:18182; do
    curl -fsS "$base/catalog/compounds/$id" -H "authorization: Bearer $token" >/dev/null \
        || fail "compound $id not read back through $base"
done
listed=$(curl -fsS "$PROXY/catalog/compounds?street=$street&limit=100" -H "authorization: Bearer $token" | jq '.total')
[[ "$listed" -ge 1 ]] || fail "the compound list through the proxy is empty"

# Both matching replicas follow the catalog feed into their own index.
for port in 18381 18382; do
    deadline=$(( $(date +%s) + 30 ))
    until [[ "$(curl -fsS "http://127.0.0.1:$port/match/search?kind=compound&street=$street" | jq .total)" == 1 ]]; do
        (( $(date +%s) < deadline )) || fail "matching on $port never indexed the compound"
        sleep 0.05
    done
    echo "replicas: matching on $port indexed the compound $(( $(ms) - written )) ms after the write"
done

# A sign-out through the proxy is refused by every tender replica (and both catalogs).
curl -fsS -X DELETE "$PROXY/catalog/session" -H "authorization: Bearer $token" -o /dev/null \
    || fail "signing out through the proxy"
signed_out=$(ms)
for url in http://127.0.0.1:18181/catalog/me http://127.0.0.1:18182/catalog/me \
    http://127.0.0.1:18281/tenders/contracts http://127.0.0.1:18282/tenders/contracts; do
    deadline=$(( $(date +%s) + 10 ))
    until [[ "$(curl -s -o /dev/null -w '%{http_code}' "$url" -H "authorization: Bearer $token")" == 401 ]]; do
        (( $(date +%s) < deadline )) || fail "$url still accepts a signed-out token"
        sleep 0.05
    done
done
echo "replicas: the signed-out token was refused by both catalogs and both tenders within $(( $(ms) - signed_out )) ms"

# Metrics: from each replica to the configured network, never through the proxy.
[[ "$(curl -s -o /dev/null -w '%{http_code}' "$PROXY/catalog/metrics")" == 404 ]] \
    || fail "the proxy serves /catalog/metrics"
for port in 18381 18382; do
    curl -fsS "http://127.0.0.1:$port/match/metrics" | grep -q 'wuye_state{service="matching",name="index_documents",kind="compound"} 1' \
        || fail "matching on $port: index_documents{kind=compound} is not 1"
done
lag=$(curl -fsS http://127.0.0.1:18281/tenders/metrics | grep 'name="feed_lag",source="catalog"' | awk '{print $2}')
echo "replicas: metrics answered by every replica (tender-1's catalog feed lag: $lag)"
# A PostgreSQL backup while serving, as docs/DEPLOYMENT.md gives it: pg_dump, pg_restore
# into a new database, every row there.
if command -v pg_dump >/dev/null && command -v pg_restore >/dev/null; then
    pg_dump -Fc -d "$PG/${DBP}_catalog" -f "$RUN/catalog.dump"
    psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS ${DBP}_catalog_restored WITH (FORCE)" >/dev/null
    psql "$PG/postgres" -qc "CREATE DATABASE ${DBP}_catalog_restored" >/dev/null
    pg_restore -d "$PG/${DBP}_catalog_restored" --no-owner "$RUN/catalog.dump"
    for table in compound account revoked_token outbox district street; do
        a=$(psql "$PG/${DBP}_catalog" -Atc "SELECT COUNT(*) FROM $table")
        b=$(psql "$PG/${DBP}_catalog_restored" -Atc "SELECT COUNT(*) FROM $table")
        [[ "$a" == "$b" ]] || fail "pg_restore: $table has $a rows, the restored copy $b"
    done
    psql "$PG/postgres" -qc "DROP DATABASE ${DBP}_catalog_restored WITH (FORCE)" >/dev/null
    echo "replicas: a pg_dump taken while serving restored with every row"
fi
echo "replicas: smoke passed"
