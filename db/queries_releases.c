/* queries_releases.c — the SQL of survey releases: freezing rounds, the exact release and its revisions, provisional releases */
#include "queries.h"
#include "locks.h"

/* The nil uuid: the locality's area key (sector cells). */
#define NIL_UUID "'00000000-0000-0000-0000-000000000000'::uuid"

/* What a release statement returns of the neighbourhood totals it released
 * (RELEASED_TOTAL_COLUMNS), from its `ins` CTE. */
#define RELEASED_TOTALS                                                                   \
    " SELECT ins.indicator, ins.area_key AS neighbourhood_id, ins.release_no, ins.kind,"  \
    " ins.n_raw, ins.sum_w::float8 AS sum_w, ins.sum_w2::float8 AS sum_w2,"               \
    " ins.sum_wy::float8 AS sum_wy FROM ins"                                              \
    " WHERE ins.level = 'neighbourhood' AND ins.breakdown_by = 'all'"                     \
    " ORDER BY ins.area_key, ins.indicator"

/* Every stored figure of round `round`: the neighbourhood totals
 * (indicator_aggregate) and the cells (indicator_cell), as they stand. */
#define CURRENT_FIGURES(round)                                                            \
    "SELECT 'neighbourhood'::text AS level, g.neighbourhood_id AS area_key,"              \
    " 'all'::text AS breakdown_by, ''::text AS breakdown_group, g.indicator, g.changes,"  \
    " g.n_raw, g.sum_w, g.sum_w2, g.sum_wy FROM indicator_aggregate g"                    \
    " WHERE g.round_id = " round                                                          \
    " UNION ALL SELECT c.level, c.area_key, c.breakdown_by, c.breakdown_group, c.indicator," \
    " c.changes, c.n_raw, c.sum_w, c.sum_w2, c.sum_wy FROM indicator_cell c"              \
    " WHERE c.round_id = " round

#define INSERT_RELEASE                                                                    \
    "INSERT INTO figure_release (round_id, level, area_key, breakdown_by, breakdown_group," \
    " indicator, release_no, kind, state_changes, n_raw, sum_w, sum_w2, sum_wy, released_on)"

/* A release statement's `ins` CTE returns its rows whole (RETURNING *); this
 * CTE makes each the latest of its figure (figure_current). */
#define CURRENT_UPDATE                                                                    \
    " cur_up AS (INSERT INTO figure_current SELECT * FROM ins"                            \
    "  ON CONFLICT (round_id, level, area_key, breakdown_by, breakdown_group, indicator)"  \
    "  DO UPDATE SET release_no = EXCLUDED.release_no, kind = EXCLUDED.kind,"             \
    "  state_changes = EXCLUDED.state_changes, n_raw = EXCLUDED.n_raw,"                   \
    "  sum_w = EXCLUDED.sum_w, sum_w2 = EXCLUDED.sum_w2, sum_wy = EXCLUDED.sum_wy,"       \
    "  released_on = EXCLUDED.released_on, released_at = EXCLUDED.released_at)"

const struct named_sql release_statements[] = {
    DB_STATEMENT(RELEASE_LOCK,
     /* One maker of a round's releases at a time (worker batches, the clock). */
     "SELECT pg_advisory_xact_lock(" LOCK_RELEASES ", hashtext($1::text)) AS locked"),
    DB_STATEMENT(RELEASE_FREEZE_DUE,
     /* Waits for submissions in flight (they hold the round FOR SHARE), so
      * that every response accepted before the freeze is in its release. */
     "WITH f AS (UPDATE survey_round SET frozen_at = now()"
     "  WHERE frozen_at IS NULL AND (closed_at IS NOT NULL OR $1::date > late_sync_until)"
     "  RETURNING id),"
     /* The clock's own action in the audit trail. */
     " au AS (" AUDIT_ROW("round.freeze", "survey_round", "f.id::text", "NULL::uuid", "f", "NULL",
                          "'clock'", "NULL") ")"
     " SELECT id AS round_id FROM f"),
    DB_STATEMENT(RELEASE_ROUND_STATE,
     "SELECT frozen_at IS NOT NULL AS frozen, exact_released_at IS NOT NULL AS exact"
     " FROM survey_round WHERE id = $1"),
    DB_STATEMENT(RELEASE_FINAL_DUE,
     "SELECT id AS round_id FROM survey_round"
     " WHERE frozen_at IS NOT NULL AND exact_released_at IS NULL ORDER BY id"),
    DB_STATEMENT(RELEASE_FINAL,
     /* Once: the round is marked released in the same statement, and only
      * when no response of it waits to be applied: none live and not yet
      * counted, none withdrawn and not yet taken back. The figure's
      * release number continues after its provisional ones. The states and
      * the ledger kept for provisional releases go (after the freeze only the
      * counts since the latest release matter: RELEASE_REVISE). */
     "WITH r AS (UPDATE survey_round SET exact_released_at = now(),"
     "  locality_covered = (id IN (SELECT round_id FROM locality_round))"
     "  WHERE id = $1 AND frozen_at IS NOT NULL AND exact_released_at IS NULL"
     "   AND NOT EXISTS (SELECT 1 FROM survey_response s WHERE s.round_id = $1"
     "    AND s.counted = (s.withdrawn_at IS NOT NULL) AND s.instrument IN ('resident', 'sector'))"
     "  RETURNING id),"
     " cur AS (" CURRENT_FIGURES("$1::uuid") "),"
     " prev AS (SELECT f.level, f.area_key, f.breakdown_by, f.breakdown_group, f.indicator,"
     "  f.release_no AS no FROM figure_current f WHERE f.round_id = $1),"
     " ins AS (" INSERT_RELEASE
     "  SELECT r.id, cur.level, cur.area_key, cur.breakdown_by, cur.breakdown_group,"
     "   cur.indicator, coalesce(prev.no, 0) + 1, 'final', cur.changes, cur.n_raw, cur.sum_w,"
     "   cur.sum_w2, cur.sum_wy, $2::date FROM r CROSS JOIN cur"
     "  LEFT JOIN prev ON prev.level = cur.level AND prev.area_key = cur.area_key"
     "   AND prev.breakdown_by = cur.breakdown_by AND prev.breakdown_group = cur.breakdown_group"
     "   AND prev.indicator = cur.indicator"
     "  RETURNING *),"
     CURRENT_UPDATE ","
     " gone AS (DELETE FROM aggregate_state a USING r WHERE a.round_id = r.id),"
     " led AS (DELETE FROM contribution_ledger l USING r WHERE l.round_id = r.id),"
     " wards AS (INSERT INTO round_ward (round_id, ward, neighbourhood_id)"
     "  SELECT DISTINCT r.id, w.ward, w.neighbourhood_id FROM r JOIN neighbourhood_ward w"
     "   ON w.ward IN (SELECT c.area_key FROM indicator_cell c WHERE c.round_id = r.id"
     "    AND c.level = 'ward'))"
     RELEASED_TOTALS),
    DB_STATEMENT(RELEASE_REVISE,
     /* The figures of (round $1, neighbourhood $2): its totals, its
      * breakdown cells and the cells of the wards only it contained at the
      * exact release (round_ward; a ward shared with another neighbourhood
      * is never shown: api/cells.c); for
      * the nil uuid the locality's (sector) cells. After the freeze only
      * withdrawals move them, so each one's change since its latest release
      * is the number of its members withdrawn since. Revised together, or
      * not at all: only when every one moved by 0 or $4 or more, so did
      * what the shown ones leave of each total (the unstated residual:
      * responses without a ward, an age band or a sex), none fell under the
      * disclosure base ($4 too; to none is no group) and no residual became a
      * group of 1 to 9 —
      * so the suppression fixed at the exact release still holds
      * (api/cells.c). */
     "WITH wards AS (SELECT ward FROM round_ward WHERE round_id = $1 GROUP BY ward"
     "  HAVING bool_and(neighbourhood_id = $2)),"
     " cur AS (SELECT * FROM (" CURRENT_FIGURES("$1::uuid") ") a"
     "  WHERE (a.level = 'neighbourhood' AND a.area_key = $2)"
     "   OR (a.level = 'ward' AND a.area_key IN (SELECT ward FROM wards))"
     "   OR (a.level = 'locality' AND $2 = " NIL_UUID ")),"
     " cmp AS (SELECT cur.*, f.release_no, cur.changes - f.state_changes AS delta,"
     "  f.n_raw AS was_n FROM cur"
     "  JOIN figure_latest f ON f.round_id = $1 AND f.level = cur.level"
     "   AND f.area_key = cur.area_key AND f.breakdown_by = cur.breakdown_by"
     "   AND f.breakdown_group = cur.breakdown_group AND f.indicator = cur.indicator),"
     /* Per indicator and view, the total's change less its shown cells', and
      * what the total leaves of them now and as last released. */
     " resid AS (SELECT t.indicator, t.delta - coalesce(sum(c.delta), 0) AS delta,"
     "  t.n_raw - coalesce(sum(c.n_raw), 0) AS now_n, t.was_n - coalesce(sum(c.was_n), 0) AS was_n"
     "  FROM cmp t CROSS JOIN (VALUES ('ward'), ('age_band'), ('sex')) AS v(view)"
     "  LEFT JOIN cmp c ON c.indicator = t.indicator AND ((v.view = 'ward' AND c.level = 'ward')"
     "   OR (c.level = 'neighbourhood' AND c.breakdown_by = v.view))"
     "  WHERE t.level = 'neighbourhood' AND t.breakdown_by = 'all'"
     "  GROUP BY t.indicator, v.view, t.delta, t.n_raw, t.was_n),"
     " go AS (SELECT bool_and(delta = 0 OR delta >= $4::bigint)"
     "   AND bool_and(NOT (n_raw > 0 AND n_raw < $4::bigint AND was_n >= $4::bigint))"
     "   AND bool_or(delta > 0)"
     /* A residual may not become a small group (1 to 9) that the exact
      * release's suppression did not protect. */
     "   AND (SELECT coalesce(bool_and((delta = 0 OR delta >= $4::bigint)"
     "    AND NOT (now_n > 0 AND now_n < $4::bigint AND NOT (was_n > 0 AND was_n < $4::bigint))),"
     "    true) FROM resid) AS ok"
     "  FROM cmp WHERE EXISTS (SELECT 1 FROM survey_round WHERE id = $1"
     "   AND exact_released_at IS NOT NULL)),"
     " ins AS (" INSERT_RELEASE
     "  SELECT $1, cmp.level, cmp.area_key, cmp.breakdown_by, cmp.breakdown_group, cmp.indicator,"
     "   cmp.release_no + 1, 'revision', cmp.changes, cmp.n_raw, cmp.sum_w, cmp.sum_w2,"
     "   cmp.sum_wy, $3::date FROM cmp CROSS JOIN go WHERE go.ok AND cmp.delta > 0"
     "  RETURNING *),"
     CURRENT_UPDATE
     RELEASED_TOTALS),
    DB_STATEMENT(RELEASE_PROVISIONAL_DUE,
     "SELECT g.indicator, g.neighbourhood_id, g.round_id, g.changes,"
     " l.state_changes AS last_state, coalesce(l.release_no, 0) AS last_no"
     " FROM indicator_aggregate g JOIN survey_round r ON r.id = g.round_id AND r.frozen_at IS NULL"
     " LEFT JOIN figure_current l ON l.round_id = g.round_id AND l.level = 'neighbourhood'"
     "  AND l.area_key = g.neighbourhood_id AND l.breakdown_by = 'all'"
     "  AND l.breakdown_group = '' AND l.indicator = g.indicator"
     " WHERE g.changes - coalesce(l.state_changes, 0) > $2::bigint"
     "  AND (l.released_on IS NULL OR l.released_on < $1::date)"
     " ORDER BY g.round_id, g.neighbourhood_id, g.indicator"),
    DB_STATEMENT(RELEASE_CANDIDATES,
     "SELECT changes, n_raw, n_yes, sum_w::float8 AS sum_w, sum_w2::float8 AS sum_w2,"
     " sum_wy::float8 AS sum_wy, key_n, key_y FROM aggregate_state"
     " WHERE indicator = $1 AND neighbourhood_id = $2 AND round_id = $3"
     "  AND changes > coalesce($4::bigint, 0) AND changes <= $5::bigint AND n_raw >= $6::bigint"
     " ORDER BY changes DESC LIMIT $7::int"),
    DB_STATEMENT(RELEASE_CLASSES_SAFE,
     /* The figure's provisional releases show states s1 < … < sm. A member's
      * pattern over them is its class: members present at sm are told apart
      * by the first release they were in; releasing state $4 splits each
      * such class into those still present and those withdrawn since, and
      * adds the class of members who arrived after sm and are present at
      * $4. Safe when every part is empty or has $5 members or more: then
      * every combination of releases sums whole classes (README). */
     "WITH rel AS (SELECT f.state_changes AS s FROM figure_release f"
     "  WHERE f.round_id = $3 AND f.level = 'neighbourhood' AND f.area_key = $2"
     "   AND f.breakdown_by = 'all' AND f.breakdown_group = '' AND f.indicator = $1"
     "   AND f.kind = 'provisional'),"
     " last AS (SELECT max(s) AS s FROM rel),"
     " m AS (SELECT CASE WHEN l.added_at > coalesce(last.s, -1) THEN -1"
     "   ELSE (SELECT count(*) FROM rel WHERE rel.s < l.added_at) END AS cls,"
     "   (l.removed_at IS NULL OR l.removed_at > $4::bigint) AS stays"
     "  FROM contribution_ledger l CROSS JOIN last"
     "  WHERE l.indicator = $1 AND l.neighbourhood_id = $2 AND l.round_id = $3"
     "   AND l.added_at <= $4::bigint"
     "   AND (l.removed_at IS NULL OR l.removed_at > coalesce(last.s, $4::bigint)))"
     " SELECT coalesce(bool_and(k >= $5::bigint), true) AS safe"
     " FROM (SELECT count(*) AS k FROM m WHERE cls >= 0 OR stays GROUP BY cls, stays) g"),
    DB_STATEMENT(RELEASE_PROVISIONAL,
     /* Only while the round is not frozen: a close and its exact release
      * may have come in since the figure was found due. */
     "WITH ins AS (" INSERT_RELEASE
     "  SELECT $1::uuid, 'neighbourhood', $2::uuid, 'all', '', $3::text, $4::int, 'provisional',"
     "   $5::bigint, $6::bigint, $7::numeric, $8::numeric, $9::numeric, $10::date"
     "  FROM survey_round WHERE id = $1::uuid AND frozen_at IS NULL"
     "  RETURNING *),"
     CURRENT_UPDATE
     RELEASED_TOTALS),
    {NULL, NULL, 0, 0, NULL},
};
