/* queries_rebuild.c — the SQL of the rebuild: every survey aggregate, cell and ward count again from the raw responses */
#include "queries.h"

/* Each rewrite compares what it computes with the rows still in place, in
 * the same statement, and then writes over them: what the workers had is
 * never copied aside, so every statement prepares on a fresh connection. */
const struct named_sql rebuild_statements[] = {
    DB_STATEMENT(REBUILD_LOCK,
     "LOCK TABLE indicator_aggregate, response_contribution, indicator_cell, ward_round_count"
     " IN EXCLUSIVE MODE"),
    DB_STATEMENT(REBUILD_CONTRIBUTIONS_CLEAR, "TRUNCATE response_contribution"),
    DB_STATEMENT(REBUILD_COUNTED,
     /* A live resident or sector response is counted from now on; the
      * worker, seeing `counted` when its submitted event arrives, adds
      * nothing twice. */
     "UPDATE survey_response SET counted = (withdrawn_at IS NULL)"
     " WHERE instrument IN ('resident', 'sector')"
     "  AND counted IS DISTINCT FROM (withdrawn_at IS NULL)"),
    DB_STATEMENT(REBUILD_CELL_KEYS,
     /* Its cells, derived again from the raw row as Q_RESPONSE_SET_COUNTED does. */
     "UPDATE survey_response s SET cell_ward_id = k.ward, cell_age_band = k.age_band,"
     " cell_sex = k.sex FROM (SELECT r.id, (SELECT CASE WHEN a.kind = 'ward' THEN a.id"
     "   ELSE a.ward_id END FROM area a WHERE a.id = r.area_id) AS ward,"
     "  r.respondent->>'ageBand' AS age_band, r.respondent->>'sex' AS sex"
     "  FROM survey_response r WHERE r.instrument = 'resident' AND r.withdrawn_at IS NULL) k"
     " WHERE s.id = k.id AND (s.cell_ward_id, s.cell_age_band, s.cell_sex)"
     "  IS DISTINCT FROM (k.ward, k.age_band, k.sex)"),
    DB_STATEMENT(REBUILD_RESPONSES,
     /* The responses to classify, a chunk at a time in id order after $1
      * (NULL: from the first), at most $2. Only those Q_REBUILD_COUNTED counted: a
      * response stored since, which each chunk would otherwise see, is the
      * worker's to add when its event arrives. */
     "SELECT id, answers::text AS answers, coalesce(weight, 1)::numeric(12,6)::text AS weight,"
     " instrument FROM survey_response"
     " WHERE instrument IN ('resident', 'sector') AND withdrawn_at IS NULL AND counted"
     "  AND ($1::uuid IS NULL OR id > $1::uuid)"
     " ORDER BY id LIMIT $2::int"),
    DB_STATEMENT(REBUILD_CONTRIBUTIONS,
     /* A chunk of reclassified responses: $1 response ids, $2 indicators,
      * $3 weights, $4 ys, one entry per (response, indicator) in the base. */
     "INSERT INTO response_contribution (response_id, indicator, weight, y)"
     " SELECT * FROM unnest($1::uuid[], $2::text[], $3::numeric[], $4::smallint[])"),
    DB_STATEMENT(REBUILD_AGGREGATES,
     /* Every aggregate from the contributions, exact, with its count of
      * y = 1 and its record-key sums (the perturbation's input); one that no
      * response feeds any more stays, at zero, as the incremental path
      * leaves it (in the same scale: weights have 6 decimals, their squares
      * 12). `changes` and the ledger stay as they are: they say what the
      * releases covered. A new version each. Returns the aggregates whose
      * exact sums the rebuild changed. */
     "WITH c AS (SELECT c.indicator, r.neighbourhood_id, r.round_id, count(*) AS n,"
     "   sum(c.weight) AS sw, sum(c.weight * c.weight) AS sw2, sum(c.weight * c.y) AS swy,"
     "   sum(c.y) AS ny, sum(r.record_key) AS kn, sum(r.record_key * c.y) AS ky"
     "   FROM response_contribution c JOIN survey_response r ON r.id = c.response_id"
     "   WHERE r.instrument = 'resident' GROUP BY 1, 2, 3),"
     " rebuilt AS (SELECT indicator, neighbourhood_id, round_id, coalesce(c.n, 0) AS n_raw,"
     "   coalesce(c.sw, 0.000000) AS sum_w, coalesce(c.sw2, 0.000000000000) AS sum_w2,"
     "   coalesce(c.swy, 0.000000) AS sum_wy, coalesce(o.version, 0) + 1 AS version,"
     "   coalesce(c.ny, 0) AS n_yes, coalesce(c.kn, 0) AS key_n, coalesce(c.ky, 0) AS key_y,"
     "   o.n_raw AS was_n_raw, o.sum_w AS was_sum_w, o.sum_w2 AS was_sum_w2,"
     "   o.sum_wy AS was_sum_wy"
     "   FROM c FULL JOIN indicator_aggregate o USING (indicator, neighbourhood_id, round_id)),"
     " w AS (INSERT INTO indicator_aggregate (indicator, neighbourhood_id, round_id, n_raw,"
     "   sum_w, sum_w2, sum_wy, version, n_yes, key_n, key_y)"
     "  SELECT indicator, neighbourhood_id, round_id, n_raw, sum_w, sum_w2, sum_wy, version,"
     "   n_yes, key_n, key_y FROM rebuilt"
     "  ON CONFLICT (indicator, neighbourhood_id, round_id) DO UPDATE SET"
     "   n_raw = EXCLUDED.n_raw, sum_w = EXCLUDED.sum_w, sum_w2 = EXCLUDED.sum_w2,"
     "   sum_wy = EXCLUDED.sum_wy, version = EXCLUDED.version, n_yes = EXCLUDED.n_yes,"
     "   key_n = EXCLUDED.key_n, key_y = EXCLUDED.key_y)"
     " SELECT a.indicator, a.neighbourhood_id, a.round_id, a.n_raw, a.sum_w::text AS sum_w,"
     "  a.sum_w2::text AS sum_w2, a.sum_wy::text AS sum_wy, a.version"
     " FROM rebuilt a"
     " WHERE (a.n_raw, a.sum_w, a.sum_w2, a.sum_wy)"
     "  IS DISTINCT FROM (a.was_n_raw, a.was_sum_w, a.was_sum_w2, a.was_sum_wy)"
     " ORDER BY 1, 2, 3"),
    DB_STATEMENT(REBUILD_AGGREGATE_COUNT,
     "SELECT count(*) AS aggregates FROM indicator_aggregate"),
    DB_STATEMENT(REBUILD_CELLS,
     /* Every cell (see 013) from the contributions and the cells fixed on
      * each response, exact, zeroed cells kept, as for the aggregates; then
      * how many cells there are, and how many the rebuild changed. */
     "WITH c AS (SELECT x.indicator, r.round_id, e.level, e.area_key, e.breakdown_by,"
     "   e.breakdown_group, count(*) AS n, sum(x.weight) AS sw, sum(x.weight * x.weight) AS sw2,"
     "   sum(x.weight * x.y) AS swy"
     "   FROM response_contribution x JOIN survey_response r ON r.id = x.response_id"
     "   CROSS JOIN LATERAL (VALUES ('ward', r.cell_ward_id, 'all', ''),"
     "    ('neighbourhood', r.neighbourhood_id, 'age_band', r.cell_age_band),"
     "    ('neighbourhood', r.neighbourhood_id, 'sex', r.cell_sex),"
     "    ('locality', '00000000-0000-0000-0000-000000000000'::uuid, 'all', ''))"
     "    AS e(level, area_key, breakdown_by, breakdown_group)"
     "   WHERE (r.instrument = 'resident' AND e.level <> 'locality' AND e.area_key IS NOT NULL"
     "     AND e.breakdown_group IS NOT NULL)"
     "    OR (r.instrument = 'sector' AND e.level = 'locality')"
     "   GROUP BY 1, 2, 3, 4, 5, 6),"
     " rebuilt AS (SELECT indicator, round_id, level, area_key, breakdown_by, breakdown_group,"
     "   coalesce(c.n, 0) AS n_raw, coalesce(c.sw, 0.000000) AS sum_w,"
     "   coalesce(c.sw2, 0.000000000000) AS sum_w2, coalesce(c.swy, 0.000000) AS sum_wy,"
     "   coalesce(o.version, 0) + 1 AS version, o.n_raw AS was_n_raw, o.sum_w AS was_sum_w,"
     "   o.sum_w2 AS was_sum_w2, o.sum_wy AS was_sum_wy"
     "   FROM c FULL JOIN indicator_cell o"
     "    USING (indicator, round_id, level, area_key, breakdown_by, breakdown_group)),"
     " w AS (INSERT INTO indicator_cell (indicator, round_id, level, area_key, breakdown_by,"
     "   breakdown_group, n_raw, sum_w, sum_w2, sum_wy, version)"
     "  SELECT indicator, round_id, level, area_key, breakdown_by, breakdown_group, n_raw,"
     "   sum_w, sum_w2, sum_wy, version FROM rebuilt"
     "  ON CONFLICT (indicator, round_id, level, area_key, breakdown_by, breakdown_group)"
     "  DO UPDATE SET n_raw = EXCLUDED.n_raw, sum_w = EXCLUDED.sum_w,"
     "   sum_w2 = EXCLUDED.sum_w2, sum_wy = EXCLUDED.sum_wy, version = EXCLUDED.version)"
     " SELECT (SELECT count(*) FROM rebuilt) AS cells,"
     "  (SELECT count(*) FROM rebuilt a WHERE (a.n_raw, a.sum_w, a.sum_w2, a.sum_wy)"
     "   IS DISTINCT FROM (a.was_n_raw, a.was_sum_w, a.was_sum_w2, a.was_sum_wy)) AS differed"),
    DB_STATEMENT(REBUILD_COUNTS,
     /* Live responses per ward and round, zeroed rows kept; then how many
      * counts the rebuild changed. */
     "WITH c AS (SELECT cell_ward_id AS ward_id, round_id, count(*) AS n FROM survey_response"
     "   WHERE instrument = 'resident' AND withdrawn_at IS NULL AND cell_ward_id IS NOT NULL"
     "   GROUP BY 1, 2),"
     " rebuilt AS (SELECT ward_id, round_id, coalesce(c.n, 0) AS responses,"
     "   o.responses AS was_responses"
     "   FROM c FULL JOIN ward_round_count o USING (ward_id, round_id)),"
     " w AS (INSERT INTO ward_round_count (ward_id, round_id, responses)"
     "  SELECT ward_id, round_id, responses FROM rebuilt"
     "  ON CONFLICT (ward_id, round_id) DO UPDATE SET responses = EXCLUDED.responses)"
     " SELECT count(*) AS differed FROM rebuilt"
     " WHERE responses IS DISTINCT FROM was_responses"),
    DB_STATEMENT(REBUILD_ANALYZE,
     "ANALYZE indicator_aggregate, indicator_cell, ward_round_count, response_contribution"),
    {NULL, NULL, 0, 0, NULL},
};
