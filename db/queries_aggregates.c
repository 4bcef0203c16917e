/* queries_aggregates.c — the SQL of the indicator workers' fold: responses to apply, exact aggregates and cells, contributions, snapshots, dated publications, processed events */
#include "queries.h"

const struct named_sql aggregate_statements[] = {
    DB_STATEMENT(PROCESSED_INSERT,
     "INSERT INTO processed_event (consumer, event_id) VALUES ($1, $2)"
     " ON CONFLICT DO NOTHING"),
    DB_STATEMENT(RESPONSE_FOR_APPLY,
     /* The weight in the column's own scale (1.000000 when unweighted), so
      * that incremental sums and a rebuild's have the same representation. */
     "SELECT answers::text AS answers, coalesce(weight, 1)::numeric(12,6)::text AS weight,"
     " counted, withdrawn_at IS NOT NULL AS withdrawn, round_id, neighbourhood_id, record_key"
     " FROM survey_response WHERE id = $1 FOR UPDATE"),
    DB_STATEMENT(RESPONSE_SET_COUNTED,
     /* Counting fixes the cells the response goes to (its ward: the area, or
      * an LSOA's ward; the respondent's age band and sex); a withdrawal keeps
      * and returns them, so it subtracts from the same cells. */
     "UPDATE survey_response s SET counted = $2::boolean,"
     " cell_ward_id = CASE WHEN $2::boolean THEN (SELECT CASE WHEN a.kind = 'ward' THEN a.id"
     "  ELSE a.ward_id END FROM area a WHERE a.id = s.area_id) ELSE s.cell_ward_id END,"
     " cell_age_band = CASE WHEN $2::boolean THEN s.respondent->>'ageBand' ELSE s.cell_age_band END,"
     " cell_sex = CASE WHEN $2::boolean THEN s.respondent->>'sex' ELSE s.cell_sex END"
     " WHERE id = $1 RETURNING cell_ward_id, cell_age_band, cell_sex"),
    DB_STATEMENT(AGGREGATE_APPLY,
     /* Folds a batch of contributions into the aggregates: one row per
      * (indicator, neighbourhood, round) touched, exact NUMERIC sums, the
      * version bumped once per batch, `changes` by one per contribution (an
      * addition or a withdrawal), the raw count of y = 1 and the sums of
      * record keys with them. Rows that exist are updated (a batch of
      * withdrawals has negative deltas, which an INSERT … ON CONFLICT could
      * not propose: its candidate row would fail the n_raw check); new ones
      * are inserted, and one that a concurrent statement created meanwhile is
      * added to through ON CONFLICT. Then, until the round's exact release,
      * the state each reached is kept (aggregate_state) and the ledger rows
      * this batch added or withdrew are stamped with it.
      * $1 indicators, $2 neighbourhoods, $3 rounds, $4 weights, $5 ys (0/1),
      * $6 signs (1 add, -1 take back), $7 record keys, all arrays of the
      * same length. */
     "WITH d AS (SELECT c.indicator, c.neighbourhood, c.round, sum(c.sign) AS n,"
     "  count(*) AS k, sum(c.sign * c.y) AS ny, sum(c.sign * c.rk) AS kn,"
     "  sum(c.sign * c.rk * c.y) AS ky,"
     "  sum(c.sign * c.w) AS sw, sum(c.sign * c.w * c.w) AS sw2, sum(c.sign * c.w * c.y) AS swy"
     "  FROM unnest($1::text[], $2::uuid[], $3::uuid[], $4::numeric[], $5::int[], $6::int[],"
     "   $7::int[]) AS c(indicator, neighbourhood, round, w, y, sign, rk) GROUP BY 1, 2, 3),"
     " upd AS (UPDATE indicator_aggregate g SET n_raw = g.n_raw + d.n, sum_w = g.sum_w + d.sw,"
     "  sum_w2 = g.sum_w2 + d.sw2, sum_wy = g.sum_wy + d.swy, version = g.version + 1,"
     "  changes = g.changes + d.k, n_yes = g.n_yes + d.ny, key_n = g.key_n + d.kn,"
     "  key_y = g.key_y + d.ky"
     "  FROM d WHERE g.indicator = d.indicator AND g.neighbourhood_id = d.neighbourhood"
     "   AND g.round_id = d.round"
     "  RETURNING g.indicator, g.neighbourhood_id, g.round_id, g.changes, g.n_raw, g.n_yes,"
     "   g.sum_w, g.sum_w2, g.sum_wy, g.key_n, g.key_y),"
     " ins AS (INSERT INTO indicator_aggregate AS g (indicator, neighbourhood_id, round_id,"
     "  n_raw, sum_w, sum_w2, sum_wy, changes, n_yes, key_n, key_y)"
     "  SELECT d.indicator, d.neighbourhood, d.round, d.n, d.sw, d.sw2, d.swy, d.k, d.ny, d.kn,"
     "   d.ky FROM d"
     "  WHERE NOT EXISTS (SELECT 1 FROM indicator_aggregate x WHERE x.indicator = d.indicator"
     "   AND x.neighbourhood_id = d.neighbourhood AND x.round_id = d.round)"
     "  ORDER BY 1, 2, 3"
     "  ON CONFLICT (indicator, neighbourhood_id, round_id) DO UPDATE SET"
     "   n_raw = g.n_raw + EXCLUDED.n_raw, sum_w = g.sum_w + EXCLUDED.sum_w,"
     "   sum_w2 = g.sum_w2 + EXCLUDED.sum_w2, sum_wy = g.sum_wy + EXCLUDED.sum_wy,"
     "   version = g.version + 1, changes = g.changes + EXCLUDED.changes,"
     "   n_yes = g.n_yes + EXCLUDED.n_yes, key_n = g.key_n + EXCLUDED.key_n,"
     "   key_y = g.key_y + EXCLUDED.key_y"
     "  RETURNING g.indicator, g.neighbourhood_id, g.round_id, g.changes, g.n_raw, g.n_yes,"
     "   g.sum_w, g.sum_w2, g.sum_wy, g.key_n, g.key_y),"
     " a AS (SELECT * FROM upd UNION ALL SELECT * FROM ins),"
     " st AS (INSERT INTO aggregate_state (indicator, neighbourhood_id, round_id, changes, n_raw,"
     "  n_yes, sum_w, sum_w2, sum_wy, key_n, key_y)"
     "  SELECT a.indicator, a.neighbourhood_id, a.round_id, a.changes, a.n_raw, a.n_yes,"
     "   a.sum_w, a.sum_w2, a.sum_wy, a.key_n, a.key_y FROM a"
     "  JOIN survey_round r ON r.id = a.round_id AND r.exact_released_at IS NULL"
     "  ON CONFLICT DO NOTHING),"
     " led AS (UPDATE contribution_ledger l SET added_at = coalesce(l.added_at, a.changes),"
     "  removed_at = CASE WHEN l.removed_at = -1 THEN a.changes ELSE l.removed_at END"
     "  FROM a WHERE l.indicator = a.indicator AND l.neighbourhood_id = a.neighbourhood_id"
     "   AND l.round_id = a.round_id AND (l.added_at IS NULL OR l.removed_at = -1))"
     " SELECT indicator, neighbourhood_id, round_id, changes FROM a"),
    DB_STATEMENT(CONTRIBUTIONS_ADD,
     /* What one response added to each indicator: $2 indicators, $4 their
      * ys; for a resident response, its ledger rows, unstamped. */
     "WITH c AS (INSERT INTO response_contribution (response_id, indicator, weight, y)"
     "  SELECT $1, c.indicator, $3::numeric, c.y"
     "  FROM unnest($2::text[], $4::smallint[]) AS c(indicator, y) RETURNING indicator)"
     " INSERT INTO contribution_ledger (indicator, neighbourhood_id, round_id, response_id)"
     " SELECT c.indicator, r.neighbourhood_id, r.round_id, r.id FROM c"
     " JOIN survey_response r ON r.id = $1::uuid AND r.instrument = 'resident'"
     " ON CONFLICT DO NOTHING"),
    DB_STATEMENT(CONTRIBUTIONS_TAKE,
     /* The answers leave with the rows; the ledger keeps only that the
      * response was a member until now (-1: stamped by the fold). */
     "WITH l AS (UPDATE contribution_ledger SET removed_at = -1"
     "  WHERE response_id = $1 AND removed_at IS NULL)"
     " DELETE FROM response_contribution WHERE response_id = $1"
     " RETURNING indicator, weight::text AS weight, y"),
    DB_STATEMENT(CELL_APPLY,
     /* Folds a batch into the cells, as Q_AGGREGATE_APPLY does into the
      * aggregates (update the rows that exist, insert the others; `changes`
      * by one per contribution).
      * $1-$9 indicator, round, level, key, breakdown, group ('*' for all),
      * weight, y, sign per cell contribution. */
     "WITH d AS (SELECT c.indicator, c.round, c.level, c.key, c.by,"
     "  CASE WHEN c.by = 'all' THEN '' ELSE c.grp END AS grp, sum(c.sign) AS n, count(*) AS k,"
     "  sum(c.sign * c.w) AS sw, sum(c.sign * c.w * c.w) AS sw2, sum(c.sign * c.w * c.y) AS swy"
     "  FROM unnest($1::text[], $2::uuid[], $3::text[], $4::uuid[], $5::text[], $6::text[],"
     "   $7::numeric[], $8::int[], $9::int[]) AS c(indicator, round, level, key, by, grp, w, y, sign)"
     "  GROUP BY 1, 2, 3, 4, 5, 6),"
     " upd AS (UPDATE indicator_cell g SET n_raw = g.n_raw + d.n, sum_w = g.sum_w + d.sw,"
     "  sum_w2 = g.sum_w2 + d.sw2, sum_wy = g.sum_wy + d.swy, version = g.version + 1,"
     "  changes = g.changes + d.k"
     "  FROM d WHERE g.indicator = d.indicator AND g.round_id = d.round AND g.level = d.level"
     "   AND g.area_key = d.key AND g.breakdown_by = d.by AND g.breakdown_group = d.grp"
     "  RETURNING 1)"
     " INSERT INTO indicator_cell AS g (indicator, round_id, level, area_key,"
     "  breakdown_by, breakdown_group, n_raw, sum_w, sum_w2, sum_wy, changes)"
     "  SELECT d.indicator, d.round, d.level, d.key, d.by, d.grp, d.n, d.sw, d.sw2, d.swy, d.k"
     "  FROM d"
     "  WHERE NOT EXISTS (SELECT 1 FROM indicator_cell x WHERE x.indicator = d.indicator"
     "   AND x.round_id = d.round AND x.level = d.level AND x.area_key = d.key"
     "   AND x.breakdown_by = d.by AND x.breakdown_group = d.grp)"
     "  ORDER BY 1, 2, 3, 4, 5, 6"
     "  ON CONFLICT (indicator, round_id, level, area_key, breakdown_by, breakdown_group)"
     "  DO UPDATE SET n_raw = g.n_raw + EXCLUDED.n_raw, sum_w = g.sum_w + EXCLUDED.sum_w,"
     "   sum_w2 = g.sum_w2 + EXCLUDED.sum_w2, sum_wy = g.sum_wy + EXCLUDED.sum_wy,"
     "   version = g.version + 1, changes = g.changes + EXCLUDED.changes"),
    DB_STATEMENT(WARD_COUNT_ADD,
     /* One ward's live responses in a round moved by $3 (the batch's net
      * count for it), as a single-row upsert: a probe of the key whatever
      * the table's size (joined to the batch as an array, the cached plan
      * scanned every ward's count: 7,000 rows per batch at national scale).
      * A new row starts at the delta, never below 0 (a withdrawal is of a
      * counted response, so its row exists). Then, if the ward reached the
      * adequate sample ($4) for the first time, one row per neighbourhood
      * containing it: ward, round, ward code, neighbourhood, responses. */
     "WITH w AS (INSERT INTO ward_round_count AS x (ward_id, round_id, responses)"
     "  VALUES ($1::uuid, $2::uuid, greatest($3::bigint, 0))"
     "  ON CONFLICT (ward_id, round_id) DO UPDATE SET responses = x.responses + $3::bigint"
     "  RETURNING x.ward_id, x.round_id, x.responses),"
     /* A concurrent batch that announced the same ward first makes this one
      * wait on the key, then insert nothing: announced once. */
     " ann AS (INSERT INTO sample_adequate_announced (ward_id, round_id)"
     "  SELECT ward_id, round_id FROM w WHERE responses >= $4::int"
     "  ON CONFLICT DO NOTHING RETURNING ward_id, round_id)"
     " SELECT ann.ward_id, ann.round_id, a.code AS ward_code, o.neighbourhood_id, w.responses"
     " FROM ann JOIN w USING (ward_id, round_id) JOIN area a ON a.id = ann.ward_id"
     " CROSS JOIN LATERAL (SELECT DISTINCT na.neighbourhood_id FROM neighbourhood_area na"
     "  JOIN area x ON x.id = na.area_id WHERE x.id = ann.ward_id OR x.ward_id = ann.ward_id) o"
     " ORDER BY 1, 2, 4"),
    DB_STATEMENT(DATED_PUBLISHED,
     /* What was last published for neighbourhood $1: indicator, value, date. */
     "SELECT indicator, value, published_on::text AS published_on FROM dated_published"
     " WHERE neighbourhood_id = $1"),
    DB_STATEMENT(DATED_PUBLISH,
     /* $1 indicator, $2 neighbourhood, $3 value (NULL: none), $4 date, $5 event id. */
     "INSERT INTO dated_published (indicator, neighbourhood_id, value, published_on, event_id)"
     " VALUES ($1, $2, $3::float8, $4::date, $5)"
     " ON CONFLICT (indicator, neighbourhood_id) DO UPDATE SET value = EXCLUDED.value,"
     " published_on = EXCLUDED.published_on, event_id = EXCLUDED.event_id"),
    DB_STATEMENT(DATED_TICK_NEIGHBOURHOODS,
     /* The neighbourhoods with something a dated figure counts, or whose
      * dated figures were published before. */
     "SELECT n.id AS neighbourhood_id FROM neighbourhood n WHERE"
     " EXISTS (SELECT 1 FROM dated_published x WHERE x.neighbourhood_id = n.id)"
     " OR EXISTS (SELECT 1 FROM organisation_neighbourhood x WHERE x.neighbourhood_id = n.id)"
     " OR EXISTS (SELECT 1 FROM meeting_space_neighbourhood x WHERE x.neighbourhood_id = n.id)"
     " OR EXISTS (SELECT 1 FROM grant_scheme_neighbourhood x WHERE x.neighbourhood_id = n.id)"
     " OR EXISTS (SELECT 1 FROM cd_input x WHERE x.neighbourhood_id = n.id)"
     " OR EXISTS (SELECT 1 FROM community_issue x WHERE x.neighbourhood_id = n.id)"
     " OR EXISTS (SELECT 1 FROM survey_response x WHERE x.neighbourhood_id = n.id"
     "  AND x.instrument = 'agency') ORDER BY n.id"),
    {NULL, NULL, 0, 0, NULL},
};
