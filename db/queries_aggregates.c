/* queries_aggregates.c — the SQL of the indicator workers' fold: responses to apply, exact aggregates, contributions, snapshots, processed events */
#include "queries.h"

const struct named_sql aggregate_statements[] = {
    {Q_INDICATORS_FOR_AREA,
     /* A neighbourhood's aggregates with what their statistics need: the
      * round, whether it is closed (explicitly or its fieldwork over), whether
      * it is the neighbourhood's resident baseline, and the baseline round's
      * sums for the same indicator. One row with NULL indicator when the
      * neighbourhood has no figures; no row when it does not exist. Rows of a
      * round are consecutive. $2: the date on which "closed" is judged (NULL:
      * today; the clock's date for the workers); $3: only that round (NULL:
      * every round). */
     "SELECT g.indicator, g.round_id, r.name,"
     " (r.closed_at IS NOT NULL OR coalesce($2::date, current_date) > r.fieldwork_end), a.is_baseline,"
     " b.round_id IS NOT NULL, g.n_raw, g.sum_w::float8, g.sum_w2::float8, g.sum_wy::float8,"
     " coalesce(bg.n_raw, 0), coalesce(bg.sum_w, 0)::float8, coalesce(bg.sum_w2, 0)::float8,"
     " coalesce(bg.sum_wy, 0)::float8, s.definition_version,"
     " to_char(s.computed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), b.round_id"
     " FROM neighbourhood n"
     " LEFT JOIN indicator_aggregate g ON g.neighbourhood_id = n.id"
     " LEFT JOIN survey_round r ON r.id = g.round_id"
     " LEFT JOIN survey_round_area a ON a.round_id = g.round_id AND a.neighbourhood_id = n.id"
     " LEFT JOIN survey_round_area b ON b.neighbourhood_id = n.id AND b.instrument = 'resident'"
     "  AND b.is_baseline"
     " LEFT JOIN indicator_aggregate bg ON bg.indicator = g.indicator"
     "  AND bg.neighbourhood_id = n.id AND bg.round_id = b.round_id"
     " LEFT JOIN indicator_snapshot s ON s.indicator = g.indicator AND s.neighbourhood_id = n.id"
     "  AND s.round_id = g.round_id"
     " WHERE n.id = $1 AND ($3::uuid IS NULL OR g.round_id = $3)"
     " ORDER BY r.fieldwork_start, g.round_id, g.indicator"},
    DB_STATEMENT(PROCESSED_INSERT,
     "INSERT INTO processed_event (consumer, event_id) VALUES ($1, $2)"
     " ON CONFLICT DO NOTHING"),
    {Q_RESPONSE_FOR_APPLY,
     /* The weight in the column's own scale (1.000000 when unweighted), so
      * that incremental sums and a rebuild's have the same representation. */
     "SELECT answers::text, coalesce(weight, 1)::numeric(12,6)::text, counted, withdrawn_at IS NOT NULL,"
     " round_id, neighbourhood_id FROM survey_response WHERE id = $1 FOR UPDATE"},
    {Q_RESPONSE_SET_COUNTED,
     /* Counting fixes the cells the response goes to (its ward: the area, or
      * an LSOA's ward; the respondent's age band and sex); a withdrawal keeps
      * and returns them, so it subtracts from the same cells. */
     "UPDATE survey_response s SET counted = $2::boolean,"
     " cell_ward_id = CASE WHEN $2::boolean THEN (SELECT CASE WHEN a.kind = 'ward' THEN a.id"
     "  ELSE a.ward_id END FROM area a WHERE a.id = s.area_id) ELSE s.cell_ward_id END,"
     " cell_age_band = CASE WHEN $2::boolean THEN s.respondent->>'ageBand' ELSE s.cell_age_band END,"
     " cell_sex = CASE WHEN $2::boolean THEN s.respondent->>'sex' ELSE s.cell_sex END"
     " WHERE id = $1 RETURNING cell_ward_id, cell_age_band, cell_sex"},
    {Q_AGGREGATE_APPLY,
     /* Folds a batch of contributions into the aggregates: one row per
      * (indicator, neighbourhood, round) touched, exact NUMERIC sums, the
      * version bumped once per batch. Rows that exist are updated (a batch of
      * withdrawals has negative deltas, which an INSERT … ON CONFLICT could not
      * propose: its candidate row would fail the n_raw check); new ones are
      * inserted, and one that a concurrent statement created meanwhile is
      * added to through ON CONFLICT.
      * $1 indicators, $2 neighbourhoods, $3 rounds, $4 weights, $5 ys (0/1),
      * $6 signs (1 add, -1 take back), all arrays of the same length. */
     "WITH d AS (SELECT c.indicator, c.area, c.round, sum(c.sign) AS n, sum(c.sign * c.w) AS sw,"
     "  sum(c.sign * c.w * c.w) AS sw2, sum(c.sign * c.w * c.y) AS swy"
     "  FROM unnest($1::text[], $2::uuid[], $3::uuid[], $4::numeric[], $5::int[], $6::int[])"
     "   AS c(indicator, area, round, w, y, sign) GROUP BY 1, 2, 3),"
     " upd AS (UPDATE indicator_aggregate g SET n_raw = g.n_raw + d.n, sum_w = g.sum_w + d.sw,"
     "  sum_w2 = g.sum_w2 + d.sw2, sum_wy = g.sum_wy + d.swy, version = g.version + 1"
     "  FROM d WHERE g.indicator = d.indicator AND g.neighbourhood_id = d.area"
     "   AND g.round_id = d.round"
     "  RETURNING g.indicator, g.neighbourhood_id, g.round_id, g.n_raw, g.sum_w, g.sum_w2,"
     "   g.sum_wy, g.version),"
     " ins AS (INSERT INTO indicator_aggregate AS g (indicator, neighbourhood_id, round_id,"
     "  n_raw, sum_w, sum_w2, sum_wy)"
     "  SELECT d.indicator, d.area, d.round, d.n, d.sw, d.sw2, d.swy FROM d"
     "  WHERE NOT EXISTS (SELECT 1 FROM indicator_aggregate x WHERE x.indicator = d.indicator"
     "   AND x.neighbourhood_id = d.area AND x.round_id = d.round)"
     "  ORDER BY 1, 2, 3"
     "  ON CONFLICT (indicator, neighbourhood_id, round_id) DO UPDATE SET"
     "   n_raw = g.n_raw + EXCLUDED.n_raw, sum_w = g.sum_w + EXCLUDED.sum_w,"
     "   sum_w2 = g.sum_w2 + EXCLUDED.sum_w2, sum_wy = g.sum_wy + EXCLUDED.sum_wy,"
     "   version = g.version + 1"
     "  RETURNING g.indicator, g.neighbourhood_id, g.round_id, g.n_raw, g.sum_w, g.sum_w2,"
     "   g.sum_wy, g.version)"
     " SELECT indicator, neighbourhood_id, round_id, n_raw, sum_w::text, sum_w2::text,"
     "  sum_wy::text, version FROM upd"
     " UNION ALL SELECT indicator, neighbourhood_id, round_id, n_raw, sum_w::text,"
     "  sum_w2::text, sum_wy::text, version FROM ins"},
    {Q_CONTRIBUTIONS_ADD,
     /* What one response added to each indicator: $2 indicators, $4 their ys. */
     "INSERT INTO response_contribution (response_id, indicator, weight, y)"
     " SELECT $1, c.indicator, $3::numeric, c.y"
     " FROM unnest($2::text[], $4::smallint[]) AS c(indicator, y)"},
    {Q_REBUILD_CONTRIBUTIONS,
     /* A chunk of reclassified responses: $1 response ids, $2 indicators,
      * $3 weights, $4 ys, one entry per (response, indicator) in the base. */
     "INSERT INTO response_contribution (response_id, indicator, weight, y)"
     " SELECT * FROM unnest($1::uuid[], $2::text[], $3::numeric[], $4::smallint[])"},
    {Q_CONTRIBUTIONS_TAKE,
     "DELETE FROM response_contribution WHERE response_id = $1"
     " RETURNING indicator, weight::text, y"},
    {Q_ROUND_OPEN,
     /* $2: the date on which it is judged (NULL: today; the clock's date). */
     "SELECT closed_at IS NULL AND coalesce($2::date, current_date) <= fieldwork_end"
     " FROM survey_round WHERE id = $1"},
    {Q_SNAPSHOT_UPSERT,
     "INSERT INTO indicator_snapshot (indicator, neighbourhood_id, round_id,"
     " definition_version, n_raw, n_eff, value, ci_low, ci_high, suppressed, provisional,"
     " event_id)"
     " VALUES ($1, $2, $3, $4::int, $5::bigint, $6::float8, $7::float8, $8::float8,"
     "  $9::float8, $10::boolean, $11::boolean, $12)"
     " ON CONFLICT (indicator, neighbourhood_id, round_id) DO UPDATE SET"
     "  definition_version = EXCLUDED.definition_version, n_raw = EXCLUDED.n_raw,"
     "  n_eff = EXCLUDED.n_eff, value = EXCLUDED.value, ci_low = EXCLUDED.ci_low,"
     "  ci_high = EXCLUDED.ci_high, suppressed = EXCLUDED.suppressed,"
     "  provisional = EXCLUDED.provisional, computed_at = now(), event_id = EXCLUDED.event_id"},
    {NULL, NULL, 0, 0, NULL},
};
