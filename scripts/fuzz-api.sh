#!/usr/bin/env bash
# The API contract, proved by a fuzzer: schemathesis 4 against the three OpenAPI documents
# of `wuye up`, anonymously and as each demo role, failing on any failure of the checks
# not_a_server_error, status_code_conformance, content_type_conformance and
# response_schema_conformance.
#
# Each role fuzzes its own copy of one freshly loaded demo data folder, so what the
# association (or any role) changes or deletes never takes away data another role needs.
#
# Settings (environment):
#   FUZZ_API_MAX_EXAMPLES  test cases per operation and phase (default 25)
#   FUZZ_API_SEED          schemathesis seed, for a reproducible run (default 20261201)
#   FUZZ_API_ROLES         roles to run (default: anonymous and every demo role)
#   FUZZ_API_VENV          the Python virtual environment (default target/fuzz-venv)
#   FUZZ_API_REPORT        folder for the JUnit reports and logs (default: a temporary one)
# (not WUYE_…: every WUYE_ variable is configuration that `wuye up` refuses if unknown)
set -euo pipefail
cd "$(dirname "$0")/.."

max_examples="${FUZZ_API_MAX_EXAMPLES:-25}"
seed="${FUZZ_API_SEED:-20261201}"
roles="${FUZZ_API_ROLES:-anonymous association city_official district_official street_official committee firm}"
venv="${FUZZ_API_VENV:-target/fuzz-venv}"
password="wuye-demo-2026"

username_of() {
  case "$1" in
    association) echo demo.xiehui ;;
    city_official) echo demo.chengdu ;;
    district_official) echo demo.jinjiang ;;
    street_official) echo demo.jinguanyi ;;
    committee) echo demo.committee ;;
    firm) echo demo.firm ;;
    *) echo "unknown role $1" >&2; return 1 ;;
  esac
}

echo "== fuzz: schemathesis 4 in $venv"
if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -q 'version 4\.'; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check 'schemathesis==4.*'
fi
"$venv/bin/schemathesis" --version

# The same package and target selection as `cargo test --workspace` (so the same dependency
# features): after the test step this only links the binary.
echo "== fuzz: cargo build --workspace --bins --tests"
cargo build --workspace --bins --tests
bin="$PWD/target/debug/wuye"

work="$(mktemp -d)"
report="${FUZZ_API_REPORT:-$work/report}"
mkdir -p "$report"
pid=""
stop() {
  if [ -n "$pid" ]; then
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    pid=""
  fi
}
cleanup() {
  stop
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start DIR LOG: `wuye up` on DIR, waiting until it has loaded and every service is ready.
start() {
  local dir="$1" log="$2"
  port="$(free_port)"
  base="http://127.0.0.1:$port"
  # Only wuye's own settings reach it: CI's test variables (WUYE_TEST_POSTGRES_URL, …) are
  # not configuration, and `wuye up` refuses unknown WUYE_ variables.
  local unset=()
  for name in $(compgen -e | grep '^WUYE_' | grep -v '^WUYE_LOG'); do unset+=(-u "$name"); done
  env "${unset[@]}" WUYE_LOG="${WUYE_LOG:-warn}" "$bin" up --listen "127.0.0.1:$port" --data "$dir" >"$log" 2>&1 &
  pid=$!
  for _ in $(seq 1 600); do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "wuye up exited:" >&2
      tail -n 40 "$log" >&2
      exit 1
    fi
    if grep -q 'is running at' "$log" &&
      curl -fsS "$base/catalog/readyz" >/dev/null 2>&1 &&
      curl -fsS "$base/tenders/readyz" >/dev/null 2>&1 &&
      curl -fsS "$base/match/readyz" >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.5
  done
  echo "wuye up was not ready after 300 s:" >&2
  tail -n 40 "$log" >&2
  exit 1
}

echo "== fuzz: loading the demo once"
start "$work/seed" "$report/seed.log"
stop

failed=0
started=$SECONDS
for role in $roles; do
  rm -rf "$work/data"
  cp -a "$work/seed" "$work/data"
  start "$work/data" "$report/wuye-$role.log"
  auth=()
  if [ "$role" != anonymous ]; then
    user="$(username_of "$role")"
    token="$(curl -fsS -X POST "$base/catalog/session" -H 'Content-Type: application/json' \
      -d "{\"username\":\"$user\",\"password\":\"$password\"}" |
      python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')"
    auth=(-H "Authorization: Bearer $token")
  fi
  for prefix in catalog tenders match; do
    echo "== fuzz: $prefix as $role"
    # Signing out would revoke the token the rest of the run fuzzes with.
    if ! "$venv/bin/schemathesis" run "$base/$prefix/openapi.json" --url "$base" \
      "${auth[@]}" \
      --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
      --phases examples,coverage,fuzzing \
      --max-examples "$max_examples" --seed "$seed" --workers 1 \
      --exclude-operation-id logout \
      --suppress-health-check all --generation-database none \
      --request-timeout 30 --no-color \
      --report junit --report-junit-path "$report/$prefix-$role.xml" \
      >"$report/$prefix-$role.txt" 2>&1; then
      failed=$((failed + 1))
      echo "FAILED: $prefix as $role (full output: $report/$prefix-$role.txt)" >&2
      tail -n 80 "$report/$prefix-$role.txt" >&2
    else
      tail -n 6 "$report/$prefix-$role.txt"
    fi
  done
  stop
done

echo "== fuzz: $((SECONDS - started)) s, $failed failed runs"
if [ "$failed" -ne 0 ]; then
  exit 1
fi
