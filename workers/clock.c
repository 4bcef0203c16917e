/* clock.c — the clock job: KPI statuses and milestones that change with time */
#include "clock.h"
#include "alerts.h"
#include "event.h"
#include "indicator_dated.h"
#include "kpi_announce.h"
#include "outbox.h"
#include "releases.h"
#include "queries.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool tick_milestones(PGconn *db, const struct apply_config *cfg, const char *now_s,
                            struct clock_result *out)
{
    const char *params[CLOCK_MILESTONES_NPARAMS] = {[CLOCK_MILESTONES_P_ON_DATE] = now_s};
    PGresult *r = DB_RUN(db, CLOCK_MILESTONES, params);
    bool ok = db_ok(r);
    for (int i = 0; ok && i < PQntuples(r); i++) {
        const char *id = PQgetvalue(r, i, CLOCK_MILESTONES_ID),
                   *programme = PQgetvalue(r, i, CLOCK_MILESTONES_PROGRAMME_ID);
        const char *what = PQgetvalue(r, i, CLOCK_MILESTONES_WHAT);
        bool completed = strcmp(what, "completed") == 0;
        const char *type = completed ? EVT_MILESTONE_COMPLETED : EVT_MILESTONE_OVERDUE;
        char subject[200];
        snprintf(subject, sizeof subject, "programmes/%s/milestones/%s", programme, id);
        const char *parts[] = {type, id, NULL}; /* once per milestone and kind */
        json_t *data = json_pack(
            "{s:s, s:s, s:s, s:i, s:i, s:s, s:s, s:o}", "milestoneId", id, "programmeId",
            programme, "code", PQgetvalue(r, i, CLOCK_MILESTONES_CODE), "stage",
            atoi(PQgetvalue(r, i, CLOCK_MILESTONES_STAGE)), "dueMonth",
            atoi(PQgetvalue(r, i, CLOCK_MILESTONES_DUE_MONTH)), "title",
            PQgetvalue(r, i, CLOCK_MILESTONES_TITLE), "on", now_s, "completedOn",
            completed ? json_string(PQgetvalue(r, i, CLOCK_MILESTONES_COMPLETED_ON)) : json_null());
        const struct event_spec spec = {.type = type,
                                        .source_base = cfg->event_source,
                                        .origin = "clock",
                                        .subject = subject,
                                        .id_parts = parts};
        ok = event_emit(db, cfg->topic_kpi, programme, &spec, data);
        const char *ap[CLOCK_MILESTONE_ANNOUNCED_NPARAMS] = {
            [CLOCK_MILESTONE_ANNOUNCED_P_MILESTONE_ID] = id,
            [CLOCK_MILESTONE_ANNOUNCED_P_WHAT] = what,
            [CLOCK_MILESTONE_ANNOUNCED_P_ON_DATE] = now_s};
        PGresult *a = ok ? DB_RUN(db, CLOCK_MILESTONE_ANNOUNCED, ap) : NULL;
        ok = ok && db_ok(a);
        PQclear(a);
        if (ok)
            out->milestone_events++;
    }
    PQclear(r);
    return ok;
}

/* Takes the clock's lock for the transaction if it is free. False when
 * another process holds it (or the statement failed: that tick is skipped too). */
static bool took_lock(PGconn *db)
{
    return db_lock_taken(DB_RUN(db, CLOCK_TRY_LOCK, NULL), CLOCK_TRY_LOCK_LOCKED);
}

bool clock_tick(PGconn *db, const struct apply_config *cfg, struct pdate now,
                struct clock_result *out, char *err, size_t errlen)
{
    *out = (struct clock_result){0};
    char now_s[11];
    pdate_format(now, now_s);
    if (!db_exec(db, "BEGIN"))
        goto failed;
    if (!took_lock(db)) {
        out->skipped = true;
        db_exec(db, "ROLLBACK");
        return true;
    }
    /* Rounds frozen and figures released first; what was released exactly
     * is judged by the evaluation that follows (one sorted pass over the
     * neighbourhoods' locks), then every KPI with every other one. */
    json_t *released = json_object();
    struct release_counts made = {0};
    bool ok = released && releases_tick(db, cfg, now, released, &made) &&
              alerts_uncheck(db, released);
    json_decref(released);
    out->rounds_frozen = made.frozen;
    out->releases = made.figures;
    if (!ok || !alerts_tick(db, cfg, now, &out->alert_events) ||
        !kpi_rejudge(db, cfg, now, NULL, &out->kpi_changes) ||
        !tick_milestones(db, cfg, now_s, out) ||
        !dated_tick(db, cfg, now_s, &out->indicator_updates) || !db_exec(db, "COMMIT"))
        goto failed;
    if (out->kpi_changes || out->milestone_events || out->alert_events || out->indicator_updates ||
        out->releases)
        outbox_wake(db);
    return true;
failed:
    snprintf(err, errlen, "clock tick: %s", PQerrorMessage(db));
    db_exec(db, "ROLLBACK");
    return false;
}
