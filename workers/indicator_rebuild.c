/* indicator_rebuild.c — every survey aggregate again from the raw responses */
#include "indicator_rebuild.h"
#include "indicator_apply.h"
#include "ids.h"
#include "catalogue.h"
#include "log.h"
#include "queries.h"
#include "text.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK 5000 /* responses classified per read */

static bool fail(char *err, size_t errlen, PGconn *db, const char *what)
{
    snprintf(err, errlen, "%s: %s", what, PQerrorMessage(db));
    return false;
}

/* Classifies one chunk (a Q_REBUILD_RESPONSES result) and writes its
 * contributions in one statement. */
static bool write_chunk(PGconn *db, const PGresult *rows, struct rebuild_result *out)
{
    json_t *ids = json_array(), *inds = json_array(), *ws = json_array(), *ys = json_array();
    bool ok = ids && inds && ws && ys;
    for (int i = 0; ok && i < PQntuples(rows); i++) {
        json_t *answers = json_loads(PQgetvalue(rows, i, REBUILD_RESPONSES_ANSWERS), 0, NULL);
        const char *id = PQgetvalue(rows, i, REBUILD_RESPONSES_ID),
                   *weight = PQgetvalue(rows, i, REBUILD_RESPONSES_WEIGHT),
                   *instrument = PQgetvalue(rows, i, REBUILD_RESPONSES_INSTRUMENT);
        for (const struct indicator_def *d = indicator_catalogue; ok && d->id; d++) {
            if (!d->classify || strcmp(d->source, instrument) != 0)
                continue;
            enum response_outcome y = d->classify(answers);
            if (y == OUTCOME_NOT_IN_BASE)
                continue;
            ok = json_array_append_new(ids, json_string(id)) == 0 &&
                 json_array_append_new(inds, json_string(d->id)) == 0 &&
                 json_array_append_new(ws, json_string(weight)) == 0 &&
                 json_array_append_new(ys, json_string(y == OUTCOME_YES ? "1" : "0")) == 0;
        }
        json_decref(answers);
        out->responses++;
    }
    size_t n = json_array_size(ids);
    char *cols[REBUILD_CONTRIBUTIONS_NPARAMS] = {NULL};
    if (ok && n > 0) {
        cols[REBUILD_CONTRIBUTIONS_P_RESPONSE_IDS] = pg_array_literal(ids);
        cols[REBUILD_CONTRIBUTIONS_P_INDICATORS] = pg_array_literal(inds);
        cols[REBUILD_CONTRIBUTIONS_P_WEIGHTS] = pg_array_literal(ws);
        cols[REBUILD_CONTRIBUTIONS_P_YS] = pg_array_literal(ys);
        for (int i = 0; i < REBUILD_CONTRIBUTIONS_NPARAMS; i++)
            ok = ok && cols[i];
        if (ok) {
            PGresult *r = DB_RUN(db, REBUILD_CONTRIBUTIONS, (const char *const *)cols);
            ok = db_ok(r);
            PQclear(r);
        }
        out->contributions += (long long)n;
    }
    for (int i = 0; i < REBUILD_CONTRIBUTIONS_NPARAMS; i++)
        free(cols[i]);
    json_decref(ids);
    json_decref(inds);
    json_decref(ws);
    json_decref(ys);
    return ok;
}

/* Classifies every counted response, a chunk at a time, into fresh contributions. */
static bool classify_responses(PGconn *db, struct rebuild_result *out)
{
    char after[UUID_STR_LEN] = "", limit[16];
    snprintf(limit, sizeof limit, "%d", CHUNK);
    for (;;) {
        const char *p[REBUILD_RESPONSES_NPARAMS] = {
            [REBUILD_RESPONSES_P_AFTER_ID] = after[0] ? after : NULL,
            [REBUILD_RESPONSES_P_LIMIT] = limit};
        PGresult *rows = DB_RUN(db, REBUILD_RESPONSES, p);
        bool ok = PQresultStatus(rows) == PGRES_TUPLES_OK;
        int n = ok ? PQntuples(rows) : 0;
        ok = ok && (n == 0 || write_chunk(db, rows, out));
        bool more = ok && n == CHUNK;
        if (more)
            snprintf(after, sizeof after, "%s", PQgetvalue(rows, n - 1, REBUILD_RESPONSES_ID));
        PQclear(rows);
        if (!more)
            return ok;
    }
}

/* Logs each aggregate the rebuild corrected (r: the rows of
 * Q_REBUILD_AGGREGATES). Nothing is published: partners see releases, and
 * the corrected sums reach them by the release rule (releases.h). */
static void note_differences(const PGresult *r, struct rebuild_result *out)
{
    for (int i = 0; i < PQntuples(r); i++)
        log_info("rebuild corrected an aggregate",
                 json_pack("{s:s, s:s, s:s}", "indicator",
                           PQgetvalue(r, i, REBUILD_AGGREGATES_INDICATOR), "neighbourhoodId",
                           PQgetvalue(r, i, REBUILD_AGGREGATES_NEIGHBOURHOOD_ID), "roundId",
                           PQgetvalue(r, i, REBUILD_AGGREGATES_ROUND_ID)));
    out->differed = PQntuples(r);
}

/* The cells and ward counts again; how many there are and how many changed. */
static bool rebuild_cells(PGconn *db, struct rebuild_result *out)
{
    PGresult *r = DB_RUN(db, REBUILD_CELLS, NULL);
    bool ok = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
    if (ok) {
        out->cells = atoll(PQgetvalue(r, 0, REBUILD_CELLS_CELLS));
        out->cells_differed = atoll(PQgetvalue(r, 0, REBUILD_CELLS_DIFFERED));
    }
    PQclear(r);
    r = ok ? DB_RUN(db, REBUILD_COUNTS, NULL) : NULL;
    ok = ok && PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
    if (ok)
        out->cells_differed += atoll(PQgetvalue(r, 0, REBUILD_COUNTS_DIFFERED));
    PQclear(r);
    return ok;
}

bool indicator_rebuild(PGconn *db, const struct apply_config *cfg, struct rebuild_result *out,
                       char *err, size_t errlen)
{
    (void)cfg; /* nothing is published: the release rule decides (releases.h) */
    *out = (struct rebuild_result){0};
    PGresult *diff = NULL, *count = NULL;
    if (!db_exec(db, "BEGIN") || !db_ok_clear(DB_RUN(db, REBUILD_LOCK, NULL)) ||
        !db_ok_clear(DB_RUN(db, REBUILD_CONTRIBUTIONS_CLEAR, NULL)) ||
        !db_ok_clear(DB_RUN(db, REBUILD_COUNTED, NULL)) ||
        !db_ok_clear(DB_RUN(db, REBUILD_CELL_KEYS, NULL)) || !classify_responses(db, out))
        goto failed;
    diff = DB_RUN(db, REBUILD_AGGREGATES, NULL);
    if (PQresultStatus(diff) != PGRES_TUPLES_OK)
        goto failed;
    count = DB_RUN(db, REBUILD_AGGREGATE_COUNT, NULL);
    if (PQresultStatus(count) != PGRES_TUPLES_OK || PQntuples(count) != 1)
        goto failed;
    out->aggregates = atoll(PQgetvalue(count, 0, REBUILD_AGGREGATE_COUNT_AGGREGATES));
    if (!rebuild_cells(db, out))
        goto failed;
    note_differences(diff, out);
    if (!db_exec(db, "COMMIT"))
        goto failed;
    PQclear(diff);
    PQclear(count);
    /* Every row of these tables was just rewritten: until autovacuum notices,
     * the planner would judge the workers' folds on the old statistics (the
     * national bench saw a scan of every ward's count per batch). Best effort:
     * the rebuild itself is committed. */
    db_ok_clear(DB_RUN(db, REBUILD_ANALYZE, NULL));
    return true;
failed:
    fail(err, errlen, db, "rebuild");
    PQclear(diff);
    PQclear(count);
    db_exec(db, "ROLLBACK");
    return false;
}
