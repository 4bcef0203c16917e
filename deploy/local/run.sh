#!/bin/sh
# `make run`: the whole local stack in the foreground — PostgreSQL, the
# development Kafka broker, the API, the relay and the indicator worker — with
# demo data. Ctrl-C (or `make stop` from another shell) stops all of it.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DATA=${CDM_DATA_DIR:-/var/tmp/cdmeasure}
RUN=$DATA/run
BUILD=${BUILD:-build}
mkdir -p "$RUN"
if [ -f "$RUN/pids" ]; then sh "$ROOT/deploy/local/stop.sh" >/dev/null 2>&1 || true; fi

CONNINFO=$(sh "$ROOT/deploy/local/pg.sh" start "$DATA")
export CDM_DATABASE_URL="${CDM_DATABASE_URL:-$CONNINFO}"
export CDM_KAFKA_BOOTSTRAP_FILE="$RUN/kafka.bootstrap"
export CDM_SCHEMA_DIR="$ROOT/schemas"
export CDM_HTTP_PORT="${CDM_HTTP_PORT:-8080}"
export CDM_KAFKA_SESSION_TIMEOUT_MS="${CDM_KAFKA_SESSION_TIMEOUT_MS:-10000}"
: > "$RUN/pids"

stop_all() {
  trap - INT TERM EXIT
  echo
  echo "stopping…"
  sh "$ROOT/deploy/local/stop.sh"
}
trap 'stop_all; exit 0' INT TERM
trap 'stop_all' EXIT

start() { # name, command…
  name=$1; shift
  # A session of its own: Ctrl-C reaches this script, which stops the
  # components in order, rather than all of them at once.
  setsid "$@" >>"$RUN/$name.log" 2>&1 &
  echo "$! $name" >> "$RUN/pids"
}
wait_for() { # description, test command…
  what=$1; shift
  i=0
  until "$@" >/dev/null 2>&1; do
    i=$((i + 1))
    if [ $i -gt 300 ]; then echo "timed out waiting for $what (see $RUN/*.log)" >&2; exit 1; fi
    sleep 0.1
  done
}

rm -f "$CDM_KAFKA_BOOTSTRAP_FILE"
start devbroker "$ROOT/$BUILD/cdm-devbroker"
wait_for "the development broker" test -s "$CDM_KAFKA_BOOTSTRAP_FILE"
start api "$ROOT/$BUILD/cdm-api"
wait_for "the API" curl -fsS "http://127.0.0.1:$CDM_HTTP_PORT/readyz"
start relay "$ROOT/$BUILD/cdm-relay"
start indicators "$ROOT/$BUILD/cdm-indicators"
start delivery "$ROOT/$BUILD/cdm-delivery"

# First start: an admin key for the operator, printed once (only its hash is
# stored), and the demo data loaded with it.
KEYNOTE=""
if [ ! -f "$DATA/admin-key-created" ]; then
  ADMIN_KEY=$("$ROOT/$BUILD/cdm-api" --create-key --operator "Operator" admin,read,submit,registry,evaluator all 2>>"$RUN/api.log")
  CDM_API_KEY=$ADMIN_KEY /usr/bin/python3 "$ROOT/deploy/local/demo.py" "http://127.0.0.1:$CDM_HTTP_PORT"
  touch "$DATA/admin-key-created"
  KEYNOTE="  admin key    $ADMIN_KEY
               (shown this once; more with: CDM_DATABASE_URL=… $BUILD/cdm-api --create-key AGENCY SCOPES all)"
fi

cat <<INFO

cdmeasure is running (data kept in $DATA; set CDM_DATA_DIR to move it)
  API          http://127.0.0.1:$CDM_HTTP_PORT   (OpenAPI: /schemas/openapi.json, health: /readyz)
  PostgreSQL   psql "$CDM_DATABASE_URL"
  Kafka (dev)  $(cat "$CDM_KAFKA_BOOTSTRAP_FILE")   e.g. kcat -C -b $(cat "$CDM_KAFKA_BOOTSTRAP_FILE") -t cdm.kpi-events -o beginning
  logs         $RUN/*.log
$KEYNOTE
Ctrl-C or \`make stop\` stops everything.
INFO
# Stay in the foreground until a signal, or until a component dies.
while :; do
  [ -f "$RUN/pids" ] || exit 0 # `make stop` ran
  while read -r pid name; do
    if ! kill -0 "$pid" 2>/dev/null; then
      [ -f "$RUN/pids" ] || exit 0
      echo "$name stopped unexpectedly (see $RUN/$name.log)" >&2; exit 1
    fi
  done < "$RUN/pids"
  sleep 1
done
