#!/bin/sh
# A private PostgreSQL server for the local stack and the tests.
#   pg.sh start DIR   initdb DIR/pg if needed, start it with its socket in DIR/sock,
#                     create database cdmeasure if missing, print the conninfo
#   pg.sh stop DIR    stop it (fast shutdown: committed data is safe)
# As root, initdb and postgres run as the postgres user (they refuse root), so
# DIR must be somewhere that user can reach — not a checkout under /root.
set -eu
cmd=$1
dir=$2
BIN=$(pg_config --bindir 2>/dev/null || echo /usr/lib/postgresql/15/bin)
[ -x "$BIN/initdb" ] || BIN=/usr/lib/postgresql/15/bin
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case "$cmd" in
start)
  mkdir -p "$dir/sock"
  if [ "$(id -u)" -eq 0 ]; then chown postgres "$dir" "$dir/sock"; chmod 0755 "$dir" "$dir/sock"; fi
  if [ ! -f "$dir/pg/PG_VERSION" ]; then
    as_pg "$BIN/initdb" -D "$dir/pg" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
      { cat "$dir/initdb.log" >&2; exit 1; }
  fi
  # Unix socket only: no port to collide with another server on the machine.
  if ! as_pg "$BIN/pg_ctl" -D "$dir/pg" status >/dev/null 2>&1; then
    as_pg "$BIN/pg_ctl" -D "$dir/pg" -l "$dir/sock/postgres.log" -w -t 60 \
      -o "-c listen_addresses='' -c unix_socket_directories='$dir/sock' -c max_connections=200 -c fsync=on" \
      start >/dev/null
  fi
  if ! psql -h "$dir/sock" -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='cdmeasure'" | grep -q 1; then
    psql -h "$dir/sock" -U postgres -d postgres -qc "CREATE DATABASE cdmeasure" >/dev/null
  fi
  echo "host=$dir/sock user=postgres dbname=cdmeasure"
  ;;
stop)
  if [ -f "$dir/pg/postmaster.pid" ]; then
    as_pg "$BIN/pg_ctl" -D "$dir/pg" -m fast -w stop >/dev/null 2>&1 || true
  fi
  ;;
*) echo "usage: pg.sh start|stop DIR" >&2; exit 2 ;;
esac
