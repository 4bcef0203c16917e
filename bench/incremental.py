#!/usr/bin/python3
"""The incremental path's cost per response, measured on the worker alone:
called with the worker stopped (SIGSTOP) after the API took a burst of
responses. Waits until the relay has put every submission on Kafka, then
resumes the worker and times it until every response is counted. Prints
the rate and, as a measure that other load on the machine cannot blur, the
rows PostgreSQL read per response meanwhile (pg_stat_user_tables)."""
import os
import signal
import sys
import time

import psycopg2

url, worker_pid, label = sys.argv[1], int(sys.argv[2]), sys.argv[3]
conn = psycopg2.connect(url)
conn.autocommit = True
cur = conn.cursor()


def one(sql):
    cur.execute(sql)
    return cur.fetchone()


def rows_read():
    """Rows read per table by scans and index fetches, except the sequential
    scans of survey_response: that is this script polling."""
    # Statistics reach the shared counters at most once a second per backend.
    time.sleep(1.2)
    cur.execute("SELECT pg_stat_clear_snapshot()")
    cur.execute("SELECT relname, coalesce(idx_tup_fetch, 0) + CASE WHEN relname = 'survey_response'"
                " THEN 0 ELSE coalesce(seq_tup_read, 0) END FROM pg_stat_user_tables")
    return dict(cur.fetchall())


while one("SELECT count(*) FROM outbox WHERE published_at IS NULL")[0]:
    time.sleep(0.05)
pending = one("SELECT count(*) FROM survey_response WHERE NOT counted AND withdrawn_at IS NULL")[0]
stored = one("SELECT count(*) FROM survey_response")[0]
if not pending:
    os.kill(worker_pid, signal.SIGCONT)
    sys.exit(f"{label}: the API took no responses in the burst: nothing to measure")
before = rows_read()
t0 = time.monotonic()
os.kill(worker_pid, signal.SIGCONT)
while one("SELECT count(*) FROM survey_response WHERE NOT counted AND withdrawn_at IS NULL")[0]:
    time.sleep(0.02)
dt = time.monotonic() - t0
after = rows_read()
per_table = sorted(((after[t] - before.get(t, 0), t) for t in after), reverse=True)
read = sum(d for d, _ in per_table)
print(f"{label}: {stored:,} responses stored; the worker took in {pending:,} in {dt:.2f} s"
      f" = {1000 * dt / max(pending, 1):.3f} ms per response ({pending / dt:.0f}/s);"
      f" rows read {read / max(pending, 1):.1f} per response ("
      + ", ".join(f"{t} {d / max(pending, 1):.1f}" for d, t in per_table[:4] if d) + ")")
