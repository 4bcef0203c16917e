#!/bin/sh
# `make bench`: throughput of single resident responses (wrk, 16 connections)
# and the time from POST until the worker has folded it (partners see releases),
# against a throwaway stack of the optimised build. Prints figures; asserts nothing.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$ROOT/build
TMP=$(mktemp -d /tmp/cdmbench.XXXXXX)
chmod 0755 "$TMP"
PIDS=""
cleanup() {
  # Workers first, the broker last (the reverse of starting).
  for p in $(echo $PIDS | tr ' ' '\n' | tac); do
    kill -CONT "$p" 2>/dev/null; kill -TERM "$p" 2>/dev/null || continue
    i=0; while kill -0 "$p" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    kill -KILL "$p" 2>/dev/null || true
  done
  sh "$ROOT/deploy/local/pg.sh" stop "$TMP"
  [ "${CDM_BENCH_KEEP:-0}" = 1 ] || rm -rf "$TMP"
}
trap cleanup EXIT INT TERM
export CDM_DATABASE_URL=$(sh "$ROOT/deploy/local/pg.sh" start "$TMP")
export CDM_RATE_LIMIT_PER_S=1000000
# No clock tick inside a measurement: a tick judges every KPI and dated figure
# of the data set, a periodic cost that is not the cost of a response.
export CDM_CLOCK_INTERVAL_S=${CDM_CLOCK_INTERVAL_S:-86400}
export CDM_KAFKA_BOOTSTRAP_FILE=$TMP/kafka.bootstrap CDM_SCHEMA_DIR=$ROOT/schemas CDM_HTTP_PORT=0 \
  CDM_HTTP_BIND=127.0.0.1 CDM_HTTP_PORT_FILE=$TMP/api.port CDM_HTTP_THREADS=${CDM_HTTP_THREADS:-16}
"$BUILD/cdm-devbroker" >"$TMP/devbroker.log" 2>&1 & PIDS="$PIDS $!"
while [ ! -s "$CDM_KAFKA_BOOTSTRAP_FILE" ]; do sleep 0.1; done
"$BUILD/cdm-api" >"$TMP/api.log" 2>&1 & PIDS="$PIDS $!"
while [ ! -s "$TMP/api.port" ]; do sleep 0.1; done
API=http://127.0.0.1:$(cat "$TMP/api.port")
"$BUILD/cdm-relay" >"$TMP/relay.log" 2>&1 & RELAY=$!
"$BUILD/cdm-indicators" >"$TMP/indicators.log" 2>&1 & WORKER=$!
PIDS="$PIDS $RELAY $WORKER"
export CDM_API_KEY=$("$BUILD/cdm-api" --create-key --operator bench admin,read,submit all 2>/dev/null)
/usr/bin/python3 "$ROOT/bench/latency.py" "$API" "$(cat "$CDM_KAFKA_BOOTSTRAP_FILE")" "$TMP/target.env"
. "$TMP/target.env"
# Until every stored response is counted by the worker and every event is
# acknowledged by Kafka: the pipeline's throughput behind the API.
drain() {
/usr/bin/python3 - "$CDM_DATABASE_URL" <<'PY'
import sys, time, psycopg2
conn = psycopg2.connect(sys.argv[1]); conn.autocommit = True
cur = conn.cursor()
def state():
    cur.execute("SELECT (SELECT count(*) FROM survey_response WHERE NOT counted),"
                " (SELECT count(*) FROM outbox WHERE published_at IS NULL)")
    return cur.fetchone()
t0 = time.monotonic()
first = state()
while state() != (0, 0):
    time.sleep(0.05)
dt = time.monotonic() - t0
print(f"behind the API: {first[0]} responses not yet counted, {first[1]} events not yet in Kafka;"
      f" caught up in {dt:.2f} s" + (f" ({first[0] / dt:.0f} responses/s)" if first[0] and dt > 0 else ""))
PY
}
echo "== single responses, API alone (relay and worker paused), wrk 2 threads x 16 connections, 10 s"
kill -STOP $RELAY $WORKER
KEY=$CDM_API_KEY ROUND=$ROUND AREA=$AREA WARD=$WARD wrk -t2 -c16 -d10s -s "$ROOT/bench/post_response.lua" "$API/v1/responses" | grep -E 'Requests/sec|Latency|requests in|Non-2xx'
kill -CONT $RELAY $WORKER
drain
# The incremental path alone (issue 4): the worker's cost per response with
# few responses stored; the same again with millions stored, further down.
incremental() {
  kill -STOP $WORKER
  KEY=$CDM_API_KEY ROUND=$ROUND AREA=$AREA WARD=$WARD wrk -t2 -c16 -d5s -s "$ROOT/bench/post_response.lua" "$API/v1/responses" >/dev/null
  /usr/bin/python3 "$ROOT/bench/incremental.py" "$CDM_DATABASE_URL" "$WORKER" "$1"
  drain >/dev/null
}
echo "== incremental path, worker alone (a 5 s burst taken by the API first)"
incremental "few stored"
echo "== single responses, whole pipeline running, wrk 2 threads x 16 connections, 10 s"
KEY=$CDM_API_KEY ROUND=$ROUND AREA=$AREA WARD=$WARD wrk -t2 -c16 -d10s -s "$ROOT/bench/post_response.lua" "$API/v1/responses" | grep -E 'Requests/sec|Latency|requests in|Non-2xx'
drain

# National scale (issue 4): a full rebuild over CDM_BENCH_WARDS wards x 300
# responses (default 7,000 x 300 = 2.1 million), then the incremental path
# again with those millions stored, to compare with the figures above.
WARDS=${CDM_BENCH_WARDS:-7000}
echo "== generating $WARDS wards x 300 resident responses"
PSQL="$(pg_config --bindir)/psql"
t0=$(date +%s.%N)
"$PSQL" -q -v ON_ERROR_STOP=1 -v wards="$WARDS" -v per_ward=300 "$CDM_DATABASE_URL" -f "$ROOT/bench/national.sql"
echo "generated in $(echo "$(date +%s.%N) - $t0" | bc) s"
echo "== full rebuild of every aggregate from the raw rows (cdm-indicators --rebuild)"
kill -STOP $WORKER
t0=$(date +%s.%N)
"$BUILD/cdm-indicators" --rebuild 2>/dev/null
echo "rebuild took $(echo "$(date +%s.%N) - $t0" | bc) s"
kill -CONT $WORKER
echo "== the workers catching up after the rebuild, before measuring again"
drain
echo "== the incremental path with millions of responses stored"
incremental "millions stored"
echo "== single responses, API alone, millions stored"
kill -STOP $RELAY $WORKER
KEY=$CDM_API_KEY ROUND=$ROUND AREA=$AREA WARD=$WARD wrk -t2 -c16 -d10s -s "$ROOT/bench/post_response.lua" "$API/v1/responses" | grep -E 'Requests/sec|Non-2xx'
kill -CONT $RELAY $WORKER
drain
