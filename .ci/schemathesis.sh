#!/usr/bin/env bash
# The API contract checked from outside (issue 17): Schemathesis, a pinned
# version in a venv, generates requests from docs/openapi.yaml and runs every
# check against a real built-in centre on loopback, on fixed seeds and a
# bounded number of examples. Any failure fails the run.
#
#   .ci/schemathesis.sh [BINARY]        (default: target/debug/motcua-kiosk)
#
# The event stream never ends: Schemathesis reads it until the request
# timeout (2 s) and checks every event that arrived.
#
# Env: ST_SEEDS (default "1 2 3"), ST_MAX_EXAMPLES (default 40),
#      ST_VENV (default .ci/.venv), ST_PORT (default 18711).
set -euo pipefail
cd "$(dirname "$0")/.."

ST_VERSION=4.32.5
bin=${1:-target/debug/motcua-kiosk}
seeds=${ST_SEEDS:-"1 2 3"}
examples=${ST_MAX_EXAMPLES:-40}
venv=${ST_VENV:-.ci/.venv}
port=${ST_PORT:-18711}

if ! "$venv/bin/st" --version 2>/dev/null | grep -q "$ST_VERSION"; then
  echo "== installing schemathesis $ST_VERSION in $venv"
  if ! python3 -m venv "$venv"; then
    echo "== installing python3-venv"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
    python3 -m venv "$venv"
  fi
  "$venv/bin/pip" install -q --disable-pip-version-check "schemathesis==$ST_VERSION"
fi

work=$(mktemp -d)
centre_pid=
cleanup() {
  [ -n "$centre_pid" ] && kill "$centre_pid" 2>/dev/null && wait "$centre_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# The admin token (every right), one device of each role; sample dossiers and
# numbers at any hour so every operation has something to answer; the rate
# limits lifted (429 is tested on its own in tests/centre_limits.rs — here it
# would only hide the operations behind it).
admin=schemathesis-admin-token-0001
cat >"$work/centre.toml" <<EOF
[centre]
listen = "127.0.0.1:$port"
token = "$admin"

[[centre.devices]]
id = "kiosk-01"
role = "kiosk"
token = "schemathesis-kiosk-token-0001"
offline_range = [900, 949]

[[centre.devices]]
id = "display-1"
role = "display"
token = "schemathesis-display-token-01"

[[centre.devices]]
id = "counter-1"
role = "counter"
token = "schemathesis-counter-token-01"
counters = [1, 2]

[data]
dir = "$work/data"

[queue]
always_open = true

[dossier]
sample_data = true

[limits]
dossier_per_minute = 0
rating_per_minute = 0
ticket_per_minute = 0
public_per_minute = 0
EOF

"$bin" --config "$work/centre.toml" centre >"$work/centre.log" 2>&1 &
centre_pid=$!
for _ in $(seq 100); do
  curl -fsS "http://127.0.0.1:$port/api/v1/health" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fsS "http://127.0.0.1:$port/api/v1/health" >/dev/null || { cat "$work/centre.log"; exit 1; }

# Real data to aim at, so the operations behind a lookup reach their logic
# and not only their 404 (half of the generated values come from these
# dictionaries, the rest stay random): counters that serve a service, the
# configured services, and the tracking codes of three tickets issued now.
tracking=()
for i in 1 2 3; do
  tracking+=("$(curl -fsS -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
    -d "{\"service\":\"HT\",\"kiosk_id\":\"kiosk-01\",\"idempotency_key\":\"st-seed-$i\"}" \
    "http://127.0.0.1:$port/api/v1/tickets" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["tracking_code"])')")
done
quoted=$(printf '"%s", ' "${tracking[@]}")
config="$work/schemathesis.toml"
cat .ci/schemathesis.toml - >"$config" <<EOF

[dictionaries.counters]
values = [1, 2, 3]
[dictionaries.services]
values = ["HT", "CT", "CU", "DD", "KD", "LD"]
[dictionaries.tracking]
values = [${quoted%, }]

[parameters]
"path.n" = { dictionary = "counters", probability = 0.5 }
"body.service" = { dictionary = "services", probability = 0.5 }
"path.tracking_code" = { dictionary = "tracking", probability = 0.5 }
EOF

status=0
for seed in $seeds; do
  echo "== schemathesis seed $seed, $examples examples per operation"
  if ! timeout 600 "$venv/bin/st" --config-file "$config" run docs/openapi.yaml \
    --url "http://127.0.0.1:$port" \
    -H "Authorization: Bearer $admin" \
    --checks all \
    --seed "$seed" \
    --max-examples "$examples" \
    --generation-database none \
    --no-color \
    --suppress-health-check all \
    --request-timeout 2; then
    status=1
  fi
  kill -0 "$centre_pid" 2>/dev/null || { echo "the centre died"; cat "$work/centre.log"; exit 1; }
done
exit $status
