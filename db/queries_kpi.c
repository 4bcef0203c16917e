/* queries_kpi.c — the SQL of KPI targets and what their status is read from */
#include "queries.h"

const struct named_sql kpi_statements[] = {
    DB_STATEMENT(KPI_PROGRAMME,
     /* The neighbourhood's programme: its start and stage lengths. No row:
      * no such neighbourhood; NULL start: it has no programme. */
     "SELECT p.start_date::text AS start_date, p.stage_months::text AS stage_months"
     " FROM neighbourhood n LEFT JOIN programme p ON p.id = n.programme_id WHERE n.id = $1"),
    DB_STATEMENT(KPI_INSERT,
     /* The target and its record.created event in one statement. No row: the
      * id exists. $1 id, $2 neighbourhood, $3 indicator, $4 target, $5 due
      * month, $6 body digest (hex), $7-$9 provenance, $10 event id, $11 topic,
      * $12 event. */
     "WITH k AS (INSERT INTO kpi_target (id, neighbourhood_id, indicator, target, due_month,"
     "  body_sha256, supplied_by_agency, supplied_by_key, supplied_as_evaluator)"
     "  VALUES ($1, $2, $3, $4::float8, $5::smallint, decode($6, 'hex'), $7, $8, $9::boolean)"
     "  ON CONFLICT (id) DO NOTHING RETURNING id),"
     " ob AS (INSERT INTO outbox (event_id, topic, msg_key, payload)"
     "  SELECT $10::uuid, $11::text, $1::text, $12::text FROM k ON CONFLICT (event_id) DO NOTHING)"
     " SELECT count(*) AS stored FROM k"),
    DB_STATEMENT(KPI_EXISTING,
     "SELECT encode(body_sha256, 'hex') AS digest, neighbourhood_id,"
     " withdrawn_at IS NOT NULL AS withdrawn FROM kpi_target WHERE id = $1"),
    DB_STATEMENT(KPI_WITHDRAW,
     /* Withdrawn (kept) with its record.withdrawn event; 0 rows: it was
      * withdrawn already. $2 event id, $3 topic, $4 event. */
     "WITH w AS (UPDATE kpi_target SET withdrawn_at = now() WHERE id = $1 AND withdrawn_at IS NULL"
     "  RETURNING id),"
     " ob AS (INSERT INTO outbox (event_id, topic, msg_key, payload)"
     "  SELECT $2::uuid, $3::text, $1::text, $4::text FROM w ON CONFLICT (event_id) DO NOTHING)"
     " SELECT count(*) AS withdrawn FROM w"),
    DB_STATEMENT(KPI_LIST,
     /* A neighbourhood's live targets ($1, or NULL for every neighbourhood's;
      * $2: one of them, or NULL for all) with
      * what their status is judged on, all from releases: the programme's
      * start, the latest round with an exact release of the figure that is
      * not suppressed (raw base of $3, DISCLOSURE_MIN_BASE, or more), and
      * the neighbourhood's resident baseline round, each with its fieldwork
      * end and released sums (the baseline's exact release only). */
     "SELECT k.id, k.indicator, k.target, k.due_month, p.start_date::text AS start_date,"
     " l.round_id AS latest_round, l.fieldwork_end::text AS latest_end,"
     " l.n_raw AS latest_n_raw, l.sw AS latest_sw, l.sw2 AS latest_sw2, l.swy AS latest_swy,"
     " b.round_id AS base_round, b.fieldwork_end::text AS base_end,"
     " b.n_raw AS base_n_raw, b.sw AS base_sw, b.sw2 AS base_sw2, b.swy AS base_swy,"
     " to_char(k.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') AS created_at,"
     " k.supplied_by_agency AS agency, k.supplied_by_key AS key,"
     " k.supplied_as_evaluator AS evaluator, k.neighbourhood_id"
     " FROM kpi_target k JOIN neighbourhood n ON n.id = k.neighbourhood_id"
     " LEFT JOIN programme p ON p.id = n.programme_id"
     " LEFT JOIN LATERAL (SELECT g.round_id, r.fieldwork_end, g.n_raw, g.sum_w::float8 AS sw,"
     "   g.sum_w2::float8 AS sw2, g.sum_wy::float8 AS swy"
     "  FROM released_total g JOIN survey_round r ON r.id = g.round_id"
     "  WHERE g.neighbourhood_id = k.neighbourhood_id AND g.indicator = k.indicator"
     "   AND g.kind <> 'provisional' AND g.n_raw >= $3::int"
     "  ORDER BY r.fieldwork_end DESC, r.id DESC LIMIT 1) l ON true"
     " LEFT JOIN LATERAL (SELECT a.round_id, r.fieldwork_end, coalesce(g.n_raw, 0) AS n_raw,"
     "   coalesce(g.sum_w, 0)::float8 AS sw, coalesce(g.sum_w2, 0)::float8 AS sw2,"
     "   coalesce(g.sum_wy, 0)::float8 AS swy"
     "  FROM survey_round_area a JOIN survey_round r ON r.id = a.round_id"
     "  LEFT JOIN released_total g ON g.round_id = a.round_id"
     "   AND g.neighbourhood_id = a.neighbourhood_id AND g.indicator = k.indicator"
     "   AND g.kind <> 'provisional'"
     "  WHERE a.neighbourhood_id = k.neighbourhood_id AND a.instrument = 'resident'"
     "   AND a.is_baseline) b ON true"
     " WHERE ($1::uuid IS NULL OR k.neighbourhood_id = $1) AND k.withdrawn_at IS NULL"
     "  AND ($2::uuid IS NULL OR k.id = $2)"
     " ORDER BY k.indicator, k.due_month, k.id"),
    {NULL, NULL, 0, 0, NULL},
};
