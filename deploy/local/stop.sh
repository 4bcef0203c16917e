#!/bin/sh
# `make stop`: stops what `make run` started, workers first, PostgreSQL last.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DATA=${CDM_DATA_DIR:-/var/tmp/cdmeasure}
RUN=$DATA/run
if [ -f "$RUN/pids" ]; then
  # Moved aside first, so that run.sh sees a requested stop, not a crash.
  mv "$RUN/pids" "$RUN/pids.stopping"
  # Reverse order: workers, then the API, then the broker.
  tac "$RUN/pids.stopping" | while read -r pid name; do
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null
      i=0
      while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
      kill -KILL "$pid" 2>/dev/null || true
      echo "stopped $name"
    fi
  done
  rm -f "$RUN/pids.stopping"
fi
sh "$ROOT/deploy/local/pg.sh" stop "$DATA"
echo "stopped postgresql (data kept in $DATA)"
