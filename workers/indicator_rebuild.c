/* indicator_rebuild.c — every survey aggregate again from the raw responses */
#include "indicator_rebuild.h"
#include "indicators.h"
#include "log.h"
#include "queries.h"
#include "text.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK 5000 /* responses classified per fetch */

/* Utility statements cannot be prepared, so they live here rather than in
 * queries.c; they take no parameters. The lock makes the workers wait (they
 * write both tables) while readers go on. */
static const char *const REBUILD_START[] = {
    "BEGIN",
    "LOCK TABLE indicator_aggregate, response_contribution, indicator_cell, ward_round_count"
    " IN EXCLUSIVE MODE",
    "CREATE TEMP TABLE rebuild_old ON COMMIT DROP AS SELECT * FROM indicator_aggregate",
    "CREATE TEMP TABLE rebuild_old_cells ON COMMIT DROP AS SELECT * FROM indicator_cell",
    "CREATE TEMP TABLE rebuild_old_counts ON COMMIT DROP AS SELECT * FROM ward_round_count",
    "TRUNCATE response_contribution",
    "DELETE FROM indicator_aggregate",
    "DELETE FROM indicator_cell",
    "DELETE FROM ward_round_count",
    /* A live resident or sector response is counted from now on; the
     * worker, seeing `counted` when its submitted event arrives, adds
     * nothing twice. */
    "UPDATE survey_response SET counted = (withdrawn_at IS NULL)"
    " WHERE instrument IN ('resident', 'sector') AND counted IS DISTINCT FROM (withdrawn_at IS NULL)",
    /* Its cells, derived again from the raw row as Q_RESPONSE_SET_COUNTED does. */
    "UPDATE survey_response s SET cell_ward_id = k.ward, cell_age_band = k.age_band,"
    " cell_sex = k.sex FROM (SELECT r.id, (SELECT CASE WHEN a.kind = 'ward' THEN a.id"
    "   ELSE a.ward_id END FROM area a WHERE a.id = r.area_id) AS ward,"
    "  r.respondent->>'ageBand' AS age_band, r.respondent->>'sex' AS sex"
    "  FROM survey_response r WHERE r.instrument = 'resident' AND r.withdrawn_at IS NULL) k"
    " WHERE s.id = k.id AND (s.cell_ward_id, s.cell_age_band, s.cell_sex)"
    "  IS DISTINCT FROM (k.ward, k.age_band, k.sex)",
    "DECLARE rebuild_responses NO SCROLL CURSOR FOR SELECT id, answers::text,"
    " coalesce(weight, 1)::numeric(12,6)::text, instrument FROM survey_response"
    " WHERE instrument IN ('resident', 'sector') AND withdrawn_at IS NULL",
    NULL,
};

/* Every aggregate from the contributions, exact; one that no response feeds
 * any more stays, at zero, as the incremental path leaves it (in the same
 * scale: weights have 6 decimals, their squares 12). A new version
 * each, so that later events never reuse an earlier id. (Not prepared: it
 * reads the transaction's temporary table.) */
static const char REBUILD_AGGREGATES[] =
    "INSERT INTO indicator_aggregate (indicator, neighbourhood_id, round_id, n_raw, sum_w,"
    " sum_w2, sum_wy, version)"
    " SELECT indicator, neighbourhood_id, round_id, coalesce(c.n, 0), coalesce(c.sw, 0.000000),"
    "  coalesce(c.sw2, 0.000000000000), coalesce(c.swy, 0.000000), coalesce(o.version, 0) + 1"
    " FROM (SELECT c.indicator, r.neighbourhood_id, r.round_id, count(*) AS n,"
    "   sum(c.weight) AS sw, sum(c.weight * c.weight) AS sw2, sum(c.weight * c.y) AS swy"
    "   FROM response_contribution c JOIN survey_response r ON r.id = c.response_id"
    "   WHERE r.instrument = 'resident' GROUP BY 1, 2, 3) c"
    " FULL JOIN rebuild_old o USING (indicator, neighbourhood_id, round_id)";

/* Every cell (see 013) from the contributions and the cells fixed on each
 * response, exact, zeroed cells kept, as for the aggregates. */
static const char REBUILD_CELLS[] =
    "INSERT INTO indicator_cell (indicator, round_id, level, area_key, breakdown_by,"
    " breakdown_group, n_raw, sum_w, sum_w2, sum_wy, version)"
    " SELECT indicator, round_id, level, area_key, breakdown_by, breakdown_group,"
    "  coalesce(c.n, 0), coalesce(c.sw, 0.000000), coalesce(c.sw2, 0.000000000000),"
    "  coalesce(c.swy, 0.000000), coalesce(o.version, 0) + 1"
    " FROM (SELECT x.indicator, r.round_id, e.level, e.area_key, e.breakdown_by,"
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
    "   GROUP BY 1, 2, 3, 4, 5, 6) c"
    " FULL JOIN rebuild_old_cells o"
    "  USING (indicator, round_id, level, area_key, breakdown_by, breakdown_group)";

/* Live responses per ward and round, zeroed rows kept. */
static const char REBUILD_COUNTS[] =
    "INSERT INTO ward_round_count (ward_id, round_id, responses)"
    " SELECT ward_id, round_id, coalesce(c.n, 0)"
    " FROM (SELECT cell_ward_id AS ward_id, round_id, count(*) AS n FROM survey_response"
    "   WHERE instrument = 'resident' AND withdrawn_at IS NULL AND cell_ward_id IS NOT NULL"
    "   GROUP BY 1, 2) c"
    " FULL JOIN rebuild_old_counts o USING (ward_id, round_id)";

/* Cells and counts whose exact values the rebuild changed. */
static const char REBUILD_CELL_DIFFERENCES[] =
    "SELECT (SELECT count(*) FROM indicator_cell a FULL JOIN rebuild_old_cells o"
    "   USING (indicator, round_id, level, area_key, breakdown_by, breakdown_group)"
    "  WHERE (a.n_raw, a.sum_w, a.sum_w2, a.sum_wy)"
    "   IS DISTINCT FROM (o.n_raw, o.sum_w, o.sum_w2, o.sum_wy))"
    " + (SELECT count(*) FROM ward_round_count a FULL JOIN rebuild_old_counts o"
    "   USING (ward_id, round_id) WHERE a.responses IS DISTINCT FROM o.responses)";

/* The aggregates whose exact sums the rebuild changed, with whether their
 * round is open. */
static const char REBUILD_DIFFERENCES[] =
    "SELECT a.indicator, a.neighbourhood_id, a.round_id, a.n_raw, a.sum_w::text,"
    " a.sum_w2::text, a.sum_wy::text, a.version,"
    " (SELECT closed_at IS NULL AND current_date <= fieldwork_end FROM survey_round"
    "  WHERE id = a.round_id)"
    " FROM indicator_aggregate a LEFT JOIN rebuild_old o"
    "  USING (indicator, neighbourhood_id, round_id)"
    " WHERE (a.n_raw, a.sum_w, a.sum_w2, a.sum_wy)"
    "  IS DISTINCT FROM (o.n_raw, o.sum_w, o.sum_w2, o.sum_wy)"
    " ORDER BY 1, 2, 3";

static bool fail(char *err, size_t errlen, PGconn *db, const char *what)
{
    snprintf(err, errlen, "%s: %s", what, PQerrorMessage(db));
    return false;
}

/* Classifies one fetched chunk and writes its contributions in one statement. */
static bool write_chunk(PGconn *db, const PGresult *rows, struct rebuild_result *out)
{
    json_t *ids = json_array(), *inds = json_array(), *ws = json_array(), *ys = json_array();
    bool ok = ids && inds && ws && ys;
    for (int i = 0; ok && i < PQntuples(rows); i++) {
        json_t *answers = json_loads(PQgetvalue(rows, i, 1), 0, NULL);
        const char *instrument = PQgetvalue(rows, i, 3);
        for (const struct indicator_def *d = indicator_catalogue; ok && d->id; d++) {
            if (!d->classify || strcmp(d->source, instrument) != 0)
                continue;
            enum response_outcome y = d->classify(answers);
            if (y == OUTCOME_NOT_IN_BASE)
                continue;
            ok = json_array_append_new(ids, json_string(PQgetvalue(rows, i, 0))) == 0 &&
                 json_array_append_new(inds, json_string(d->id)) == 0 &&
                 json_array_append_new(ws, json_string(PQgetvalue(rows, i, 2))) == 0 &&
                 json_array_append_new(ys, json_string(y == OUTCOME_YES ? "1" : "0")) == 0;
        }
        json_decref(answers);
        out->responses++;
    }
    size_t n = json_array_size(ids);
    char *cols[4] = {NULL, NULL, NULL, NULL};
    if (ok && n > 0) {
        cols[0] = pg_array_literal(ids);
        cols[1] = pg_array_literal(inds);
        cols[2] = pg_array_literal(ws);
        cols[3] = pg_array_literal(ys);
        ok = cols[0] && cols[1] && cols[2] && cols[3];
        if (ok) {
            PGresult *r = db_run(db, Q_REBUILD_CONTRIBUTIONS, 4, (const char *const *)cols);
            ok = db_ok(r);
            PQclear(r);
        }
        out->contributions += (long long)n;
    }
    for (int i = 0; i < 4; i++)
        free(cols[i]);
    json_decref(ids);
    json_decref(inds);
    json_decref(ws);
    json_decref(ys);
    return ok;
}

/* A new figure for each aggregate the rebuild changed. */
static bool publish_differences(PGconn *db, const struct apply_config *cfg,
                                struct rebuild_result *out)
{
    PGresult *r = PQexec(db, REBUILD_DIFFERENCES);
    bool ok = PQresultStatus(r) == PGRES_TUPLES_OK;
    for (int i = 0; ok && i < PQntuples(r); i++) {
        struct proportion_figure f = proportion_from_sums(
            atoll(PQgetvalue(r, i, 3)), strtod(PQgetvalue(r, i, 4), NULL),
            strtod(PQgetvalue(r, i, 5), NULL), strtod(PQgetvalue(r, i, 6), NULL));
        ok = publish_figure(db, cfg, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1),
                            PQgetvalue(r, i, 2), PQgetvalue(r, i, 7), f,
                            strcmp(PQgetvalue(r, i, 8), "t") == 0) == APPLY_DONE;
        if (ok)
            log_info("rebuild corrected an aggregate",
                     json_pack("{s:s, s:s, s:s}", "indicator", PQgetvalue(r, i, 0),
                               "neighbourhoodId", PQgetvalue(r, i, 1), "roundId",
                               PQgetvalue(r, i, 2)));
    }
    if (ok)
        out->differed = PQntuples(r);
    PQclear(r);
    return ok;
}

bool indicator_rebuild(PGconn *db, const struct apply_config *cfg, struct rebuild_result *out,
                       char *err, size_t errlen)
{
    *out = (struct rebuild_result){0};
    for (int i = 0; REBUILD_START[i]; i++)
        if (!db_exec(db, REBUILD_START[i]))
            goto failed;
    for (;;) {
        char fetch[64];
        snprintf(fetch, sizeof fetch, "FETCH %d FROM rebuild_responses", CHUNK);
        PGresult *rows = PQexec(db, fetch);
        bool ok = PQresultStatus(rows) == PGRES_TUPLES_OK;
        int n = ok ? PQntuples(rows) : 0;
        ok = ok && (n == 0 || write_chunk(db, rows, out));
        PQclear(rows);
        if (!ok)
            goto failed;
        if (n < CHUNK)
            break;
    }
    PGresult *r = PQexec(db, REBUILD_AGGREGATES);
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (ok)
        out->aggregates = atoll(PQcmdTuples(r));
    PQclear(r);
    r = ok ? PQexec(db, REBUILD_CELLS) : NULL;
    ok = ok && PQresultStatus(r) == PGRES_COMMAND_OK;
    if (ok)
        out->cells = atoll(PQcmdTuples(r));
    PQclear(r);
    ok = ok && db_exec(db, REBUILD_COUNTS);
    r = ok ? PQexec(db, REBUILD_CELL_DIFFERENCES) : NULL;
    ok = ok && PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
    if (ok)
        out->cells_differed = atoll(PQgetvalue(r, 0, 0));
    PQclear(r);
    if (!ok || !db_exec(db, "CLOSE rebuild_responses") || !publish_differences(db, cfg, out) ||
        !db_exec(db, "COMMIT"))
        goto failed;
    /* Every row of these tables was just rewritten: until autovacuum notices,
     * the planner would judge the workers' folds on the old statistics (the
     * national bench saw a scan of every ward's count per batch). Best effort:
     * the rebuild itself is committed. */
    db_exec(db, "ANALYZE indicator_aggregate, indicator_cell, ward_round_count, response_contribution");
    return true;
failed:
    fail(err, errlen, db, "rebuild");
    db_exec(db, "ROLLBACK");
    return false;
}
