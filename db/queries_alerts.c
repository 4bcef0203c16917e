/* queries_alerts.c — the SQL of significance alerts: closed rounds and what was announced of them */
#include "queries.h"
#include "locks.h"

const struct named_sql alert_statements[] = {
    DB_STATEMENT(ALERT_ROUND_CLOSED,
     /* The cheap check a batch makes per touched round: its exact release
      * is made (significance is judged on exact releases only; $2 is kept
      * for the statement's shape: the date no longer decides). */
     "SELECT exact_released_at IS NOT NULL AND $2::date IS NOT NULL AS closed FROM survey_round"
     " WHERE id = $1"),
    DB_STATEMENT(ALERT_LOCK,
     /* One evaluation of a neighbourhood at a time (worker batches, round
      * events on other partitions, the clock), until the transaction ends. */
     "SELECT pg_advisory_xact_lock(" LOCK_ALERTS ", hashtext($1::text)) AS locked"),
    DB_STATEMENT(ALERT_STATES,
     "SELECT indicator, significant, coalesce(movement, '') AS movement, announcements"
     " FROM indicator_alert_state WHERE neighbourhood_id = $1 AND round_id = $2"),
    DB_STATEMENT(ALERT_STATE_SET,
     "INSERT INTO indicator_alert_state (neighbourhood_id, round_id, indicator, significant,"
     " movement, announcements) VALUES ($1, $2, $3, $4::boolean, $5, $6::int)"
     " ON CONFLICT (neighbourhood_id, round_id, indicator) DO UPDATE SET"
     "  significant = EXCLUDED.significant, movement = EXCLUDED.movement,"
     "  announcements = EXCLUDED.announcements, changed_at = now()"),
    DB_STATEMENT(ALERT_CHECKED,
     "INSERT INTO alert_round_checked (round_id, neighbourhood_id) VALUES ($1, $2)"
     " ON CONFLICT DO NOTHING"),
    DB_STATEMENT(ALERT_UNCHECK,
     "DELETE FROM alert_round_checked WHERE neighbourhood_id = $1"),
    DB_STATEMENT(ALERT_DUE,
     /* Resident (round, neighbourhood) pairs whose round has its exact
      * release that no evaluation has seen since ($1 kept for the shape):
      * what the clock evaluates, a bounded number per tick, by
      * neighbourhood (the order in which their locks are taken). */
     "SELECT a.neighbourhood_id, a.round_id FROM survey_round_area a"
     " JOIN survey_round r ON r.id = a.round_id"
     " WHERE a.instrument = 'resident'"
     "  AND r.exact_released_at IS NOT NULL AND $1::date IS NOT NULL"
     "  AND NOT EXISTS (SELECT 1 FROM alert_round_checked c"
     "   WHERE c.round_id = a.round_id AND c.neighbourhood_id = a.neighbourhood_id)"
     " ORDER BY a.neighbourhood_id, a.round_id LIMIT 500"),
    {NULL, NULL, 0, 0, NULL},
};
