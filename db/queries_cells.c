/* queries_cells.c — the SQL of survey cells: ward, breakdown and locality
 * figures, the worker's fold into them, sample adequacy */
#include "queries.h"

#define ROUND_CLOSED "(r.closed_at IS NOT NULL OR current_date > r.fieldwork_end)"

/* A resident round covers the locality when every ward of the area register
 * (the locality's geography) has at least one live response in it. */
#define ROUND_COVERS_LOCALITY(round)                                                        \
    "(EXISTS (SELECT 1 FROM area z WHERE z.kind = 'ward') AND NOT EXISTS (SELECT 1"           \
    " FROM area z WHERE z.kind = 'ward' AND NOT EXISTS (SELECT 1 FROM ward_round_count k"     \
    "  WHERE k.ward_id = z.id AND k.round_id = " round " AND k.responses > 0)))"

/* The ward of each neighbourhood's areas: a ward itself, or an LSOA's ward. */
#define WARD_OF                                                                               \
    "ward_of AS (SELECT DISTINCT na.neighbourhood_id,"                                        \
    " CASE WHEN x.kind = 'ward' THEN x.id ELSE x.ward_id END AS ward"                         \
    " FROM neighbourhood_area na JOIN area x ON x.id = na.area_id)"

/* A neighbourhood's resident rounds and its baseline round among them. */
#define NB_ROUNDS                                                                             \
    "rounds AS (SELECT a.round_id, a.is_baseline FROM survey_round_area a"                    \
    " WHERE a.neighbourhood_id = $1::uuid AND a.instrument = 'resident'),"                    \
    " base AS (SELECT (SELECT round_id FROM rounds WHERE is_baseline"                         \
    "  ORDER BY round_id LIMIT 1) AS round_id)"

/* Every read below returns the same columns, which api/cells.c renders:
 * 0 round, 1 round name, 2 closed, 3 is the baseline round, 4 has a baseline,
 * 5 baseline round, 6 indicator, 7 cell key (ward id, group), 8 cell label
 * (ward code, group), 9 n_raw, 10-12 Σw Σw² Σwy, 13-16 the same cell's
 * baseline sums, 17 the cell's published parents (text[]; complementary
 * suppression runs within each), 18 shown (false: only a sibling elsewhere),
 * 19 live responses (wards), ordered by round, indicator, label. */
#define CELL_SUMS(c) c ".n_raw, " c ".sum_w::float8, " c ".sum_w2::float8, " c ".sum_wy::float8"
#define BASE_SUMS(c)                                                                          \
    "coalesce(" c ".n_raw, 0), coalesce(" c ".sum_w, 0)::float8, coalesce(" c                 \
    ".sum_w2, 0)::float8, coalesce(" c ".sum_wy, 0)::float8"

const struct named_sql cell_statements[] = {
    {Q_CELL_APPLY,
     /* Folds a batch into the cells, as Q_AGGREGATE_APPLY does into the
      * aggregates (update the rows that exist, insert the others).
      * $1-$9 indicator, round, level, key, breakdown, group ('*' for all),
      * weight, y, sign per cell contribution. */
     "WITH d AS (SELECT c.indicator, c.round, c.level, c.key, c.by,"
     "  CASE WHEN c.by = 'all' THEN '' ELSE c.grp END AS grp, sum(c.sign) AS n,"
     "  sum(c.sign * c.w) AS sw, sum(c.sign * c.w * c.w) AS sw2, sum(c.sign * c.w * c.y) AS swy"
     "  FROM unnest($1::text[], $2::uuid[], $3::text[], $4::uuid[], $5::text[], $6::text[],"
     "   $7::numeric[], $8::int[], $9::int[]) AS c(indicator, round, level, key, by, grp, w, y, sign)"
     "  GROUP BY 1, 2, 3, 4, 5, 6),"
     " upd AS (UPDATE indicator_cell g SET n_raw = g.n_raw + d.n, sum_w = g.sum_w + d.sw,"
     "  sum_w2 = g.sum_w2 + d.sw2, sum_wy = g.sum_wy + d.swy, version = g.version + 1"
     "  FROM d WHERE g.indicator = d.indicator AND g.round_id = d.round AND g.level = d.level"
     "   AND g.area_key = d.key AND g.breakdown_by = d.by AND g.breakdown_group = d.grp"
     "  RETURNING 1)"
     " INSERT INTO indicator_cell AS g (indicator, round_id, level, area_key,"
     "  breakdown_by, breakdown_group, n_raw, sum_w, sum_w2, sum_wy)"
     "  SELECT d.indicator, d.round, d.level, d.key, d.by, d.grp, d.n, d.sw, d.sw2, d.swy FROM d"
     "  WHERE NOT EXISTS (SELECT 1 FROM indicator_cell x WHERE x.indicator = d.indicator"
     "   AND x.round_id = d.round AND x.level = d.level AND x.area_key = d.key"
     "   AND x.breakdown_by = d.by AND x.breakdown_group = d.grp)"
     "  ORDER BY 1, 2, 3, 4, 5, 6"
     "  ON CONFLICT (indicator, round_id, level, area_key, breakdown_by, breakdown_group)"
     "  DO UPDATE SET n_raw = g.n_raw + EXCLUDED.n_raw, sum_w = g.sum_w + EXCLUDED.sum_w,"
     "   sum_w2 = g.sum_w2 + EXCLUDED.sum_w2, sum_wy = g.sum_wy + EXCLUDED.sum_wy,"
     "   version = g.version + 1"},
    {Q_WARD_COUNT_ADD,
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
     " SELECT ann.ward_id, ann.round_id, a.code, o.neighbourhood_id, w.responses"
     " FROM ann JOIN w USING (ward_id, round_id) JOIN area a ON a.id = ann.ward_id"
     " CROSS JOIN LATERAL (SELECT DISTINCT na.neighbourhood_id FROM neighbourhood_area na"
     "  JOIN area x ON x.id = na.area_id WHERE x.id = ann.ward_id OR x.ward_id = ann.ward_id) o"
     " ORDER BY 1, 2, 4"},
    {Q_CELLS_WARDS,
     /* Every ward cell of the neighbourhood's rounds, in the whole locality:
      * a ward shared with another neighbourhood is suppressed the same way in
      * both views, so suppression runs over all of them. $1 neighbourhood,
      * $2 the disclosure base. Parents: each neighbourhood containing the
      * ward whose own figure is published, and the locality when its figure
      * is (the round covers every ward). Coverage, the locality's bases and
      * the published neighbourhoods are worked out once per round, not per
      * cell. */
     "WITH " NB_ROUNDS ", " WARD_OF ","
     " cov AS (SELECT rounds.round_id, " ROUND_COVERS_LOCALITY("rounds.round_id") " AS covered"
     "  FROM rounds),"
     " loc AS (SELECT g.round_id, g.indicator, sum(g.n_raw) AS n FROM indicator_aggregate g"
     "  JOIN rounds ON rounds.round_id = g.round_id GROUP BY 1, 2),"
     " pub AS (SELECT o.ward, g.round_id, g.indicator,"
     "  array_agg(o.neighbourhood_id::text ORDER BY o.neighbourhood_id) AS nbs"
     "  FROM ward_of o JOIN indicator_aggregate g ON g.neighbourhood_id = o.neighbourhood_id"
     "  JOIN rounds ON rounds.round_id = g.round_id WHERE g.n_raw >= $2::bigint GROUP BY 1, 2, 3)"
     " SELECT c.round_id, r.name, " ROUND_CLOSED ", rounds.is_baseline, base.round_id IS NOT NULL,"
     " base.round_id, c.indicator, c.area_key::text, w.code, " CELL_SUMS("c") ", " BASE_SUMS("bc") ","
     " coalesce(pub.nbs, ARRAY[]::text[]) || CASE WHEN cov.covered AND loc.n >= $2::bigint"
     "  THEN ARRAY['locality'] ELSE ARRAY[]::text[] END,"
     " EXISTS (SELECT 1 FROM ward_of o WHERE o.neighbourhood_id = $1::uuid AND o.ward = c.area_key),"
     " coalesce(wc.responses, 0)"
     " FROM indicator_cell c JOIN rounds ON rounds.round_id = c.round_id"
     " JOIN cov ON cov.round_id = c.round_id"
     " JOIN survey_round r ON r.id = c.round_id JOIN area w ON w.id = c.area_key CROSS JOIN base"
     " LEFT JOIN indicator_cell bc ON bc.indicator = c.indicator AND bc.round_id = base.round_id"
     "  AND bc.level = 'ward' AND bc.area_key = c.area_key AND bc.breakdown_by = 'all'"
     " LEFT JOIN ward_round_count wc ON wc.ward_id = c.area_key AND wc.round_id = c.round_id"
     " LEFT JOIN loc ON loc.round_id = c.round_id AND loc.indicator = c.indicator"
     " LEFT JOIN pub ON pub.ward = c.area_key AND pub.round_id = c.round_id"
     "  AND pub.indicator = c.indicator"
     " WHERE c.level = 'ward' AND c.breakdown_by = 'all'"
     " ORDER BY r.fieldwork_start, c.round_id, c.indicator, w.code"},
    {Q_CELLS_BREAKDOWN,
     /* A neighbourhood's cells by age band or sex ($2), against the same
      * group in the neighbourhood's baseline round; the parent is the
      * neighbourhood's own figure. $3 the disclosure base. */
     "WITH " NB_ROUNDS
     " SELECT c.round_id, r.name, " ROUND_CLOSED ", rounds.is_baseline, base.round_id IS NOT NULL,"
     " base.round_id, c.indicator, c.breakdown_group, c.breakdown_group, " CELL_SUMS("c") ","
     " " BASE_SUMS("bc") ","
     " CASE WHEN g.n_raw >= $3::bigint THEN ARRAY['all'] ELSE ARRAY[]::text[] END, true, NULL"
     " FROM indicator_cell c JOIN rounds ON rounds.round_id = c.round_id"
     " JOIN survey_round r ON r.id = c.round_id CROSS JOIN base"
     " LEFT JOIN indicator_cell bc ON bc.indicator = c.indicator AND bc.round_id = base.round_id"
     "  AND bc.level = 'neighbourhood' AND bc.area_key = $1::uuid AND bc.breakdown_by = $2::text"
     "  AND bc.breakdown_group = c.breakdown_group"
     " LEFT JOIN indicator_aggregate g ON g.neighbourhood_id = $1::uuid"
     "  AND g.round_id = c.round_id AND g.indicator = c.indicator"
     " WHERE c.level = 'neighbourhood' AND c.area_key = $1::uuid AND c.breakdown_by = $2::text"
     " ORDER BY r.fieldwork_start, c.round_id, c.indicator, c.breakdown_group"},
    {Q_CELLS_LOCALITY,
     /* The locality's cells: resident rounds that cover every ward, summed
      * from the neighbourhood cells (a response has one neighbourhood), and
      * sector rounds' locality cells. $1 the breakdown ('all', 'age_band',
      * 'sex'), $2 the disclosure base. The locality's baseline per
      * instrument is its earliest closed round with locality figures. */
     "WITH covered AS (SELECT r.id FROM survey_round r WHERE r.instrument = 'resident'"
     "  AND " ROUND_COVERS_LOCALITY("r.id") "),"
     " res_all AS (SELECT g.round_id, g.indicator, ''::text AS grp, sum(g.n_raw)::bigint AS n,"
     "  sum(g.sum_w) AS sw, sum(g.sum_w2) AS sw2, sum(g.sum_wy) AS swy"
     "  FROM indicator_aggregate g JOIN covered ON covered.id = g.round_id GROUP BY 1, 2),"
     " res_by AS (SELECT c.round_id, c.indicator, c.breakdown_group AS grp,"
     "  sum(c.n_raw)::bigint AS n, sum(c.sum_w) AS sw, sum(c.sum_w2) AS sw2, sum(c.sum_wy) AS swy"
     "  FROM indicator_cell c JOIN covered ON covered.id = c.round_id"
     "  WHERE c.level = 'neighbourhood' AND c.breakdown_by = $1::text GROUP BY 1, 2, 3),"
     " sec AS (SELECT c.round_id, c.indicator, ''::text AS grp, c.n_raw AS n, c.sum_w AS sw,"
     "  c.sum_w2 AS sw2, c.sum_wy AS swy FROM indicator_cell c"
     "  WHERE c.level = 'locality' AND c.breakdown_by = 'all'),"
     " cells AS (SELECT * FROM res_all WHERE $1::text = 'all'"
     "  UNION ALL SELECT * FROM res_by WHERE $1::text <> 'all'"
     "  UNION ALL SELECT * FROM sec WHERE $1::text = 'all'),"
     " base AS (SELECT DISTINCT ON (r.instrument) r.instrument, r.id FROM survey_round r"
     "  WHERE " ROUND_CLOSED " AND (r.id IN (SELECT id FROM covered)"
     "   OR r.id IN (SELECT round_id FROM sec))"
     "  ORDER BY r.instrument, r.fieldwork_start, r.id)"
     " SELECT c.round_id, r.name, " ROUND_CLOSED ", c.round_id = b.id IS TRUE, b.id IS NOT NULL,"
     " b.id, c.indicator, c.grp, c.grp, c.n, c.sw::float8, c.sw2::float8, c.swy::float8,"
     " coalesce(bc.n, 0), coalesce(bc.sw, 0)::float8, coalesce(bc.sw2, 0)::float8,"
     " coalesce(bc.swy, 0)::float8,"
     " CASE WHEN $1::text <> 'all' AND pa.n >= $2::bigint THEN ARRAY['all']"
     "  ELSE ARRAY[]::text[] END, true, NULL"
     " FROM cells c JOIN survey_round r ON r.id = c.round_id"
     " LEFT JOIN base b ON b.instrument = r.instrument"
     " LEFT JOIN cells bc ON bc.round_id = b.id AND bc.indicator = c.indicator AND bc.grp = c.grp"
     " LEFT JOIN res_all pa ON pa.round_id = c.round_id AND pa.indicator = c.indicator"
     " ORDER BY r.fieldwork_start, c.round_id, c.indicator, c.grp"},
    {NULL, NULL, 0, 0, NULL},
};
