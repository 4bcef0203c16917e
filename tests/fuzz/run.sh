#!/bin/sh
# Runs each libFuzzer target of tests/fuzz: first over its committed seeds and regression
# inputs (tests/fuzz/seeds/<target>/: each is replayed, and a crash fails the run), then
# fuzzing for SECONDS from those seeds, the tests/corpus ones (corpus_seeds.py) and the
# corpus earlier runs grew (BUILD/fuzz-corpus/<target>/, not committed).
# With STATS, each target must reach its minimum of executions (below) and each one's
# -print_final_stats=1 summary is written to STATS (`make fuzz`); without, a short run
# (`make test`). Usage: run.sh BUILD SECONDS [STATS]
set -eu
BUILD=$1
SECONDS_EACH=$2
STATS=${3:-}
HERE=tests/fuzz
# target:minimum executions in a `make fuzz` run (FUZZ_SECONDS=120 reaches each with room)
TARGETS="jsonschema:1000000 csv_read:1000000 cursor:2000000 webhook_url:5000000 envelope:1000000"

/usr/bin/python3 $HERE/corpus_seeds.py "$BUILD/fuzz-seeds"
mkdir -p "$BUILD/fuzz-artifacts"
total=0
failed=0
tmp=$(mktemp)
trap 'rm -f "$tmp" "$tmp.log"' EXIT
for tm in $TARGETS; do
  t=${tm%%:*}
  min=${tm#*:}
  bin="$BUILD/fuzz/fuzz_$t"
  mkdir -p "$BUILD/fuzz-corpus/$t" "$BUILD/fuzz-seeds/$t"
  echo "== fuzz_$t: replaying $HERE/seeds/$t"
  "$bin" -runs=1 $(find "$HERE/seeds/$t" -type f | sort) >"$tmp.log" 2>&1 || {
    cat "$tmp.log"; echo "fuzz_$t: a seed or regression input fails"; exit 1; }
  echo "== fuzz_$t: fuzzing for ${SECONDS_EACH}s"
  if ! "$bin" -max_total_time="$SECONDS_EACH" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
      -artifact_prefix="$BUILD/fuzz-artifacts/$t-" \
      "$BUILD/fuzz-corpus/$t" "$HERE/seeds/$t" "$BUILD/fuzz-seeds/$t" >"$tmp.log" 2>&1; then
    tail -n 60 "$tmp.log"
    echo "fuzz_$t: crashed; the input is in $BUILD/fuzz-artifacts/ (add it to $HERE/seeds/$t/ once fixed)"
    exit 1
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$tmp.log")
  grep '^stat::' "$tmp.log" | sed "s/^/fuzz_$t /"
  total=$((total + execs))
  if [ -n "$STATS" ]; then
    if [ "$execs" -lt "$min" ]; then
      echo "fuzz_$t: $execs executions, fewer than its minimum $min"
      failed=1
    fi
    {
      echo "## fuzz_$t"
      echo
      echo "Minimum: $min executions; ${SECONDS_EACH}s; $(grep -c '' "$HERE/seeds/$t"/* 2>/dev/null | wc -l) committed seeds."
      echo
      echo '```'
      grep '^stat::' "$tmp.log"
      grep -E '^Done [0-9]+ runs' "$tmp.log" || true
      echo '```'
      echo
    } >>"$tmp"
  fi
done
echo "== fuzz: $total executions in all, no crash"
if [ -n "$STATS" ]; then
  [ "$failed" -eq 0 ] || exit 1
  {
    echo "# Fuzzing statistics"
    echo
    echo "Written by \`make fuzz\` (tests/fuzz/run.sh): each libFuzzer target run for ${SECONDS_EACH}s,"
    echo "no crash, $total executions in all, on $(date -u +%Y-%m-%d) with $(clang --version | head -n 1)."
    echo
    cat "$tmp"
  } >"$STATS"
  echo "== fuzz: wrote $STATS"
fi
