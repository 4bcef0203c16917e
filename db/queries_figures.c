/* queries_figures.c — the SQL that reads survey figures: a neighbourhood's aggregates, its ward, breakdown and locality cells */
#include "queries.h"

/* A round's figures are final once its exact release is made (the freeze). */
#define ROUND_CLOSED "(r.exact_released_at IS NOT NULL)"

#define TS_UTC(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

/* The exact release made at the freeze (a view): what cell suppression runs on. */
#define FINAL_RELEASE "final_release"

/* Release rows a and b of the same figure. */
#define SAME_FIGURE(a, b)                                                                    \
    a ".round_id = " b ".round_id AND " a ".level = " b ".level AND " a ".area_key = " b       \
    ".area_key AND " a ".breakdown_by = " b ".breakdown_by AND " a ".breakdown_group = " b    \
    ".breakdown_group AND " a ".indicator = " b ".indicator"

/* A resident round covers the locality when every ward of the area register
 * has a live response in it (the view locality_round); once its exact release
 * is made, whether it did then (fixed with the release, as its suppression). */
#define ROUND_COVERS_LOCALITY(round)                                                        \
    "(SELECT CASE WHEN x.exact_released_at IS NOT NULL THEN coalesce(x.locality_covered, false)" \
    " ELSE x.id IN (SELECT round_id FROM locality_round) END FROM survey_round x"             \
    " WHERE x.id = " round ")"

/* A neighbourhood's resident rounds and its baseline round among them. */
#define NB_ROUNDS                                                                             \
    "rounds AS (SELECT a.round_id, a.is_baseline FROM survey_round_area a"                    \
    " WHERE a.neighbourhood_id = $1::uuid AND a.instrument = 'resident'),"                    \
    " base AS (SELECT (SELECT round_id FROM rounds WHERE is_baseline"                         \
    "  ORDER BY round_id LIMIT 1) AS round_id)"

/* The exact sums of an aggregate or cell (c), and of the same one at the
 * baseline round (zero when there is none), under the names both CELL_COLUMNS
 * and the NBH_FIGURES columns give them (db/queries_figures.h). */
#define CELL_SUMS(c)                                                                          \
    c ".n_raw, " c ".sum_w::float8 AS sum_w, " c ".sum_w2::float8 AS sum_w2, " c              \
    ".sum_wy::float8 AS sum_wy"
#define BASE_SUMS(c)                                                                          \
    "coalesce(" c ".n_raw, 0) AS base_n_raw, coalesce(" c ".sum_w, 0)::float8 AS base_sum_w," \
    " coalesce(" c ".sum_w2, 0)::float8 AS base_sum_w2,"                                      \
    " coalesce(" c ".sum_wy, 0)::float8 AS base_sum_wy"

const struct named_sql figure_statements[] = {
    DB_STATEMENT(CELLS_WARDS,
     /* Every ward cell of the neighbourhood's rounds, in the whole locality:
      * a ward in two neighbourhoods is suppressed the same way in both views,
      * so suppression runs over all of them. $1 neighbourhood, $2 the
      * disclosure base. Parents: each neighbourhood that alone contains the
      * ward and whose own figure is published, and the locality when its
      * figure is (the round covers every ward). A ward shared by two
      * neighbourhoods is withheld (complementary) and no neighbourhood's
      * child: its cell mixes both, so a neighbourhood minus its wards leaves
      * its own part of it, which the residual then counts. Suppression runs on
      * the bases of the exact (final) release, so that its pattern holds for
      * every revision (queries_releases.c). Coverage, the locality's bases
      * and the published neighbourhoods are worked out once per round.
      * A round without its exact release has no ward cell here (see
      * CELLS_WARDS_OPEN). */
     "WITH " NB_ROUNDS ","
     " ward_of AS (SELECT w.* FROM round_ward w JOIN rounds ON rounds.round_id = w.round_id),"
     " shared AS (SELECT round_id, ward FROM ward_of GROUP BY 1, 2 HAVING count(*) > 1),"
     " cov AS (SELECT rounds.round_id, coalesce(x.locality_covered, false) AS covered"
     "  FROM rounds JOIN survey_round x ON x.id = rounds.round_id),"
     " ft AS (SELECT f.round_id, f.area_key AS neighbourhood_id, f.indicator, f.n_raw"
     "  FROM " FINAL_RELEASE " f JOIN rounds ON rounds.round_id = f.round_id"
     "  WHERE f.level = 'neighbourhood' AND f.breakdown_by = 'all'),"
     " loc AS (SELECT ft.round_id, ft.indicator, sum(ft.n_raw) AS n FROM ft GROUP BY 1, 2),"
     " pub AS (SELECT o.ward, ft.round_id, ft.indicator,"
     "  array_agg(o.neighbourhood_id::text ORDER BY o.neighbourhood_id) AS nbs,"
     "  array_agg(ft.n_raw ORDER BY o.neighbourhood_id) AS ns"
     "  FROM ward_of o JOIN ft ON ft.neighbourhood_id = o.neighbourhood_id"
     "   AND ft.round_id = o.round_id"
     "  WHERE ft.n_raw >= $2::bigint AND NOT EXISTS (SELECT 1 FROM shared h"
     "   WHERE h.round_id = o.round_id AND h.ward = o.ward)"
     "  GROUP BY 1, 2, 3)"
     " SELECT c.round_id, r.name AS round_name, " ROUND_CLOSED " AS closed,"
     " rounds.is_baseline, base.round_id IS NOT NULL AS has_baseline,"
     " base.round_id AS baseline_round_id, c.indicator, c.area_key::text AS key, w.code AS label,"
     " " CELL_SUMS("c") ", coalesce(fc.n_raw, c.n_raw) AS final_n, " BASE_SUMS("bc") ","
     " coalesce(pub.nbs, ARRAY[]::text[]) || CASE WHEN cov.covered AND loc.n >= $2::bigint"
     "  THEN ARRAY['locality'] ELSE ARRAY[]::text[] END AS parents,"
     " coalesce(pub.ns, ARRAY[]::bigint[]) || CASE WHEN cov.covered AND loc.n >= $2::bigint"
     "  THEN ARRAY[loc.n::bigint] ELSE ARRAY[]::bigint[] END AS parent_ns,"
     " CASE WHEN EXISTS (SELECT 1 FROM shared h WHERE h.round_id = c.round_id"
     "  AND h.ward = c.area_key) THEN 'complementary' END AS withheld,"
     " EXISTS (SELECT 1 FROM ward_of o WHERE o.round_id = c.round_id"
     "  AND o.neighbourhood_id = $1::uuid AND o.ward = c.area_key) AS shown,"
     " coalesce(wc.responses, 0) AS responses,"
     " " TS_UTC("c.released_at") " AS computed_at"
     " FROM released_cell c JOIN rounds ON rounds.round_id = c.round_id"
     " JOIN cov ON cov.round_id = c.round_id"
     " JOIN survey_round r ON r.id = c.round_id JOIN area w ON w.id = c.area_key CROSS JOIN base"
     " LEFT JOIN " FINAL_RELEASE " fc ON " SAME_FIGURE("fc", "c")
     " LEFT JOIN released_cell bc ON bc.indicator = c.indicator AND bc.round_id = base.round_id"
     "  AND bc.level = 'ward' AND bc.area_key = c.area_key AND bc.breakdown_by = 'all'"
     " LEFT JOIN ward_round_count wc ON wc.ward_id = c.area_key AND wc.round_id = c.round_id"
     " LEFT JOIN loc ON loc.round_id = c.round_id AND loc.indicator = c.indicator"
     " LEFT JOIN pub ON pub.ward = c.area_key AND pub.round_id = c.round_id"
     "  AND pub.indicator = c.indicator"
     " WHERE c.level = 'ward' AND c.breakdown_by = 'all'"
     " ORDER BY r.fieldwork_start, c.round_id, c.indicator, w.code"),
    DB_STATEMENT(CELLS_WARDS_OPEN,
     /* The wards of neighbourhood $1 in its rounds without their exact
      * release: no cell to show, one not_released row per ward and indicator
      * of $3 (the catalogue's resident ids), carrying the live count of
      * responses (what fieldwork needs; api/cells.c shows it to submit and
      * admin keys only). $2 kept for the layout's sake (the disclosure base). */
     "WITH " NB_ROUNDS
     " SELECT rounds.round_id, r.name AS round_name, false AS closed, rounds.is_baseline,"
     " base.round_id IS NOT NULL AS has_baseline, base.round_id AS baseline_round_id,"
     " i.indicator, o.ward::text AS key, w.code AS label, 0::bigint AS n_raw, 0::float8 AS sum_w,"
     " 0::float8 AS sum_w2, 0::float8 AS sum_wy, 0::bigint AS final_n, 0::bigint AS base_n_raw,"
     " 0::float8 AS base_sum_w, 0::float8 AS base_sum_w2, 0::float8 AS base_sum_wy,"
     " ARRAY[]::text[] AS parents, ARRAY[$2::bigint] AS parent_ns, 'not_released' AS withheld,"
     " true AS shown, coalesce(wc.responses, 0) AS responses, NULL AS computed_at"
     " FROM rounds JOIN survey_round r ON r.id = rounds.round_id AND NOT " ROUND_CLOSED
     " CROSS JOIN base JOIN neighbourhood_ward o ON o.neighbourhood_id = $1::uuid"
     " JOIN area w ON w.id = o.ward CROSS JOIN unnest($3::text[]) AS i(indicator)"
     " LEFT JOIN ward_round_count wc ON wc.ward_id = o.ward AND wc.round_id = rounds.round_id"
     " ORDER BY r.fieldwork_start, rounds.round_id, i.indicator, w.code"),
    DB_STATEMENT(CELLS_BREAKDOWN,
     /* A neighbourhood's cells by age band or sex ($2), against the same
      * group in the neighbourhood's baseline round; the parent is the
      * neighbourhood's own figure. $3 the disclosure base. Suppression runs
      * on the bases of the exact (final) release, as for the wards. */
     "WITH " NB_ROUNDS
     " SELECT c.round_id, r.name AS round_name, " ROUND_CLOSED " AS closed,"
     " rounds.is_baseline, base.round_id IS NOT NULL AS has_baseline,"
     " base.round_id AS baseline_round_id, c.indicator, c.breakdown_group AS key,"
     " c.breakdown_group AS label, " CELL_SUMS("c") ", coalesce(fc.n_raw, c.n_raw) AS final_n,"
     " " BASE_SUMS("bc") ","
     " CASE WHEN g.n_raw >= $3::bigint THEN ARRAY['all'] ELSE ARRAY[]::text[] END AS parents,"
     " CASE WHEN g.n_raw >= $3::bigint THEN ARRAY[g.n_raw::bigint] ELSE ARRAY[]::bigint[] END"
     "  AS parent_ns, NULL::text AS withheld,"
     " true AS shown, NULL AS responses, " TS_UTC("c.released_at") " AS computed_at"
     " FROM released_cell c JOIN rounds ON rounds.round_id = c.round_id"
     " JOIN survey_round r ON r.id = c.round_id CROSS JOIN base"
     " LEFT JOIN " FINAL_RELEASE " fc ON " SAME_FIGURE("fc", "c")
     " LEFT JOIN released_cell bc ON bc.indicator = c.indicator AND bc.round_id = base.round_id"
     "  AND bc.level = 'neighbourhood' AND bc.area_key = $1::uuid AND bc.breakdown_by = $2::text"
     "  AND bc.breakdown_group = c.breakdown_group"
     " LEFT JOIN " FINAL_RELEASE " g ON g.level = 'neighbourhood' AND g.breakdown_by = 'all'"
     "  AND g.area_key = $1::uuid AND g.round_id = c.round_id AND g.indicator = c.indicator"
     " WHERE c.level = 'neighbourhood' AND c.area_key = $1::uuid AND c.breakdown_by = $2::text"
     " ORDER BY r.fieldwork_start, c.round_id, c.indicator, c.breakdown_group"),
    DB_STATEMENT(CELLS_BREAKDOWN_ALL,
     /* As CELLS_BREAKDOWN for every neighbourhood at once, in the rounds
      * that cover the locality: the same groups (a neighbourhood's cells
      * under its total), in the same order within each, so its suppression
      * is what each neighbourhood's own view shows. $1 the breakdown, $2 the
      * disclosure base. */
     "WITH covered AS (SELECT r.id FROM survey_round r WHERE r.instrument = 'resident'"
     "  AND " ROUND_COVERS_LOCALITY("r.id") ")"
     " SELECT c.round_id, r.name AS round_name, " ROUND_CLOSED " AS closed,"
     " false AS is_baseline, false AS has_baseline, NULL::uuid AS baseline_round_id,"
     " c.indicator, c.area_key::text || '|' || c.breakdown_group AS key,"
     " c.breakdown_group AS label, " CELL_SUMS("c") ", coalesce(fc.n_raw, c.n_raw) AS final_n,"
     " 0::bigint AS base_n_raw, 0::float8 AS base_sum_w, 0::float8 AS base_sum_w2,"
     " 0::float8 AS base_sum_wy,"
     " CASE WHEN g.n_raw >= $2::bigint THEN ARRAY[c.area_key::text] ELSE ARRAY[]::text[] END"
     "  AS parents,"
     " CASE WHEN g.n_raw >= $2::bigint THEN ARRAY[g.n_raw::bigint] ELSE ARRAY[]::bigint[] END"
     "  AS parent_ns, NULL::text AS withheld, true AS shown, NULL AS responses,"
     " " TS_UTC("c.released_at") " AS computed_at"
     " FROM released_cell c JOIN covered ON covered.id = c.round_id"
     " JOIN survey_round r ON r.id = c.round_id"
     " LEFT JOIN " FINAL_RELEASE " fc ON " SAME_FIGURE("fc", "c")
     " LEFT JOIN " FINAL_RELEASE " g ON g.level = 'neighbourhood' AND g.breakdown_by = 'all'"
     "  AND g.area_key = c.area_key AND g.round_id = c.round_id AND g.indicator = c.indicator"
     " WHERE c.level = 'neighbourhood' AND c.breakdown_by = $1::text"
     " ORDER BY c.round_id, c.indicator, c.area_key, c.breakdown_group"),
    DB_STATEMENT(CELLS_LOCALITY,
     /* The locality's cells: resident rounds that cover every ward, summed
      * from the neighbourhood cells (a response has one neighbourhood), and
      * sector rounds' locality cells. $1 the breakdown ('all', 'age_band',
      * 'sex'), $2 the disclosure base. The locality's baseline per
      * instrument is its earliest closed round with locality figures. */
     "WITH covered AS (SELECT r.id FROM survey_round r WHERE r.instrument = 'resident'"
     "  AND " ROUND_COVERS_LOCALITY("r.id") "),"
     /* The sum of the neighbourhoods' releases. The small ones among them
      * (withheld there) must not be what the locality minus the others
      * leaves: when they hold 1 to 9 members together, the locality is
      * withheld too. */
     /* fn: the same sums' bases in the exact (final) release, what
      * suppression runs on (the latest's before the freeze). */
     " res_all AS (SELECT g.round_id, g.indicator, ''::text AS grp, sum(g.n_raw)::bigint AS n,"
     "  sum(g.sum_w) AS sw, sum(g.sum_w2) AS sw2, sum(g.sum_wy) AS swy,"
     "  sum(coalesce(f.n_raw, g.n_raw)) FILTER (WHERE coalesce(f.n_raw, g.n_raw) < $2::bigint)"
     "   AS small, max(g.released_at) AS at, sum(coalesce(f.n_raw, g.n_raw))::bigint AS fn"
     "  FROM released_total g JOIN covered ON covered.id = g.round_id"
     "  LEFT JOIN " FINAL_RELEASE " f ON f.round_id = g.round_id AND f.level = 'neighbourhood'"
     "   AND f.area_key = g.neighbourhood_id AND f.breakdown_by = 'all' AND f.indicator = g.indicator"
     "  GROUP BY 1, 2),"
     " res_by AS (SELECT c.round_id, c.indicator, c.breakdown_group AS grp,"
     "  sum(c.n_raw)::bigint AS n, sum(c.sum_w) AS sw, sum(c.sum_w2) AS sw2, sum(c.sum_wy) AS swy,"
     "  NULL::numeric AS small, max(c.released_at) AS at,"
     "  sum(coalesce(f.n_raw, c.n_raw))::bigint AS fn"
     "  FROM released_cell c JOIN covered ON covered.id = c.round_id"
     "  LEFT JOIN " FINAL_RELEASE " f ON " SAME_FIGURE("f", "c")
     "  WHERE c.level = 'neighbourhood' AND c.breakdown_by = $1::text GROUP BY 1, 2, 3),"
     " sec AS (SELECT c.round_id, c.indicator, ''::text AS grp, c.n_raw AS n, c.sum_w AS sw,"
     "  c.sum_w2 AS sw2, c.sum_wy AS swy, NULL::numeric AS small, c.released_at AS at,"
     "  coalesce(f.n_raw, c.n_raw) AS fn FROM released_cell c"
     "  LEFT JOIN " FINAL_RELEASE " f ON " SAME_FIGURE("f", "c")
     "  WHERE c.level = 'locality' AND c.breakdown_by = 'all'),"
     " cells AS (SELECT * FROM res_all WHERE $1::text = 'all'"
     "  UNION ALL SELECT * FROM res_by WHERE $1::text <> 'all'"
     "  UNION ALL SELECT * FROM sec WHERE $1::text = 'all'),"
     " base AS (SELECT DISTINCT ON (r.instrument) r.instrument, r.id FROM survey_round r"
     "  WHERE " ROUND_CLOSED " AND (r.id IN (SELECT id FROM covered)"
     "   OR r.id IN (SELECT round_id FROM sec))"
     "  ORDER BY r.instrument, r.fieldwork_start, r.id)"
     " SELECT c.round_id, r.name AS round_name, " ROUND_CLOSED " AS closed,"
     " c.round_id = b.id IS TRUE AS is_baseline, b.id IS NOT NULL AS has_baseline,"
     " b.id AS baseline_round_id, c.indicator, c.grp AS key, c.grp AS label, c.n AS n_raw,"
     " c.sw::float8 AS sum_w, c.sw2::float8 AS sum_w2, c.swy::float8 AS sum_wy, c.fn AS final_n,"
     " coalesce(bc.n, 0) AS base_n_raw, coalesce(bc.sw, 0)::float8 AS base_sum_w,"
     " coalesce(bc.sw2, 0)::float8 AS base_sum_w2, coalesce(bc.swy, 0)::float8 AS base_sum_wy,"
     " CASE WHEN $1::text <> 'all' AND pa.fn >= $2::bigint THEN ARRAY['all']"
     "  ELSE ARRAY[]::text[] END AS parents,"
     " CASE WHEN $1::text <> 'all' AND pa.fn >= $2::bigint THEN ARRAY[pa.fn::bigint]"
     "  ELSE ARRAY[]::bigint[] END AS parent_ns,"
     " CASE WHEN c.small > 0 AND c.small < $2::bigint THEN 'complementary' END AS withheld,"
     " true AS shown, NULL AS responses,"
     " " TS_UTC("c.at") " AS computed_at"
     " FROM cells c JOIN survey_round r ON r.id = c.round_id"
     " LEFT JOIN base b ON b.instrument = r.instrument"
     " LEFT JOIN cells bc ON bc.round_id = b.id AND bc.indicator = c.indicator AND bc.grp = c.grp"
     " LEFT JOIN res_all pa ON pa.round_id = c.round_id AND pa.indicator = c.indicator"
     " ORDER BY r.fieldwork_start, c.round_id, c.indicator, c.grp"),
    DB_STATEMENT(NBH_FIGURES,
     /* A neighbourhood's survey figures as released: one row per resident
      * round of it and indicator of $3 (the catalogue's resident ids), with
      * the figure's latest release (NULL sums: none yet) and the latest
      * release of the same figure in the neighbourhood's baseline round.
      * CLOSED: the release is exact and so is the baseline's (significance
      * is judged on exact figures only). One row with NULL indicator when
      * the neighbourhood has no resident round; no row when it does not
      * exist. Rows of a round are consecutive. $2: only that round (NULL:
      * every round). */
     "WITH rounds AS (SELECT a.round_id, a.is_baseline FROM survey_round_area a"
     "  WHERE a.neighbourhood_id = $1 AND a.instrument = 'resident'"
     "   AND ($2::uuid IS NULL OR a.round_id = $2)),"
     " b AS (SELECT a.round_id, br.exact_released_at IS NOT NULL AS exact"
     "  FROM survey_round_area a JOIN survey_round br ON br.id = a.round_id"
     "  WHERE a.neighbourhood_id = $1 AND a.instrument = 'resident' AND a.is_baseline"
     "  ORDER BY a.round_id LIMIT 1)"
     " SELECT i.indicator, rounds.round_id, r.name AS round_name,"
     " (f.kind IS NOT NULL AND f.kind <> 'provisional' AND coalesce(b.exact, true)) AS closed,"
     " coalesce(rounds.is_baseline, false) AS is_baseline, b.round_id IS NOT NULL AS has_baseline,"
     " coalesce(f.n_raw, 0) AS n_raw, coalesce(f.sum_w, 0)::float8 AS sum_w,"
     " coalesce(f.sum_w2, 0)::float8 AS sum_w2, coalesce(f.sum_wy, 0)::float8 AS sum_wy,"
     " coalesce(bf.n_raw, 0) AS base_n_raw, coalesce(bf.sum_w, 0)::float8 AS base_sum_w,"
     " coalesce(bf.sum_w2, 0)::float8 AS base_sum_w2, coalesce(bf.sum_wy, 0)::float8 AS base_sum_wy,"
     " to_char(f.released_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
     "  AS computed_at, b.round_id AS baseline_round_id, f.release_no, f.kind AS release_kind,"
     " bf.kind AS base_kind"
     " FROM neighbourhood n"
     " LEFT JOIN rounds ON true"
     " LEFT JOIN survey_round r ON r.id = rounds.round_id"
     " LEFT JOIN LATERAL unnest(CASE WHEN rounds.round_id IS NULL THEN ARRAY[NULL]::text[]"
     "  ELSE $3::text[] END) AS i(indicator) ON true"
     " LEFT JOIN b ON true"
     " LEFT JOIN released_total f ON f.round_id = rounds.round_id AND f.neighbourhood_id = n.id"
     "  AND f.indicator = i.indicator"
     " LEFT JOIN released_total bf ON bf.round_id = b.round_id AND bf.neighbourhood_id = n.id"
     "  AND bf.indicator = i.indicator"
     " WHERE n.id = $1"
     " ORDER BY r.fieldwork_start, rounds.round_id, i.indicator"),
    {NULL, NULL, 0, 0, NULL},
};
