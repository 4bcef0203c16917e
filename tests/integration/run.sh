#!/bin/sh
# Integration tests against a throwaway stack: a private PostgreSQL server in a
# temporary folder (socket only, so it runs beside `make run`), the development
# broker on random loopback ports, and the services of build folder $1 on a
# free HTTP port. Everything started here is stopped here; the exit status is
# the tests'.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-build-asan}
[ $# -gt 0 ] && shift
TMP=$(mktemp -d /tmp/cdmtest.XXXXXX)
chmod 0755 "$TMP" # the postgres user must be able to enter it
cleanup() {
  sh "$ROOT/deploy/local/pg.sh" stop "$TMP"
  if [ "${CDM_TEST_KEEP:-0}" = 1 ]; then echo "kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT INT TERM
CONNINFO=$(sh "$ROOT/deploy/local/pg.sh" start "$TMP") || exit 1
export CDM_TEST_ROOT="$ROOT" CDM_TEST_BUILD="$ROOT/$BUILD" CDM_TEST_DIR="$TMP" CDM_TEST_PG="$CONNINFO"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:exitcode=66}"
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$ROOT/tests/lsan.supp:print_suppressions=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
# With arguments, just those tests (files or node ids); without, the whole folder.
[ $# -gt 0 ] || set -- tests/integration
cd "$ROOT" && /usr/bin/python3 -m pytest -p no:cacheprovider -q -ra "$@"
