/* queries_clock.c — the SQL of the clock job: time-driven changes announced once */
#include "queries.h"
#include "locks.h"

const struct named_sql clock_statements[] = {
    DB_STATEMENT(CLOCK_TRY_LOCK,
     /* One ticking process at a time, until the transaction ends. */
     "SELECT pg_try_advisory_xact_lock(" LOCK_CLOCK ") AS locked"),
    DB_STATEMENT(CLOCK_KPI_STATE,
     /* The status last announced for a target; no row: none yet. */
     "SELECT status FROM kpi_state WHERE kpi_id = $1"),
    DB_STATEMENT(CLOCK_KPI_SET,
     "INSERT INTO kpi_state (kpi_id, status, changed_on) VALUES ($1, $2, $3::date)"
     " ON CONFLICT (kpi_id) DO UPDATE SET status = EXCLUDED.status, changed_on = EXCLUDED.changed_on"),
    DB_STATEMENT(CLOCK_MILESTONES,
     /* Milestones with something to announce on $1: completed and not yet
      * announced so, or overdue on that date (the due month over, neither
      * completed nor cancelled) and not yet announced so. */
     "SELECT m.id, m.programme_id, m.code, m.stage, m.due_month, m.title,"
     " CASE WHEN m.completed_on IS NOT NULL THEN 'completed' ELSE 'overdue' END AS what,"
     " m.completed_on::text AS completed_on"
     " FROM milestone m JOIN programme p ON p.id = m.programme_id"
     " WHERE (m.completed_on IS NOT NULL AND m.completed_on <= $1::date"
     "   AND NOT EXISTS (SELECT 1 FROM milestone_announcement a"
     "    WHERE a.milestone_id = m.id AND a.what = 'completed'))"
     "  OR (m.completed_on IS NULL AND m.cancelled_on IS NULL"
     "   AND (p.start_date + make_interval(months => m.due_month::int))::date <= $1::date"
     "   AND NOT EXISTS (SELECT 1 FROM milestone_announcement a"
     "    WHERE a.milestone_id = m.id AND a.what = 'overdue'))"
     " ORDER BY m.programme_id, m.due_month, m.code"),
    DB_STATEMENT(CLOCK_MILESTONE_ANNOUNCED,
     "INSERT INTO milestone_announcement (milestone_id, what, announced_on)"
     " VALUES ($1, $2, $3::date) ON CONFLICT DO NOTHING"),
    {NULL, NULL, 0, 0, NULL},
};
