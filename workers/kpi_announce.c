/* kpi_announce.c — KPI targets judged again and each change of status announced once */
#include "kpi_announce.h"
#include "dated_read.h"
#include "event.h"
#include "kpi.h"
#include "queries.h"
#include <stdio.h>
#include <string.h>

/* The status last announced for target id into from ("" when none yet).
 * False on a database error. */
static bool announced_status(PGconn *db, const char *id, char *from, size_t len)
{
    const char *p[CLOCK_KPI_STATE_NPARAMS] = {[CLOCK_KPI_STATE_P_KPI_ID] = id};
    PGresult *r = DB_RUN(db, CLOCK_KPI_STATE, p);
    bool ok = db_ok(r);
    from[0] = '\0';
    if (ok && PQntuples(r) == 1)
        snprintf(from, len, "%s", PQgetvalue(r, 0, CLOCK_KPI_STATE_STATUS));
    PQclear(r);
    return ok;
}

/* Stores status `to` of row i of a Q_KPI_LIST result, judged on now_s, and
 * announces the change from `from`. Takes nothing. */
static bool announce_status(PGconn *db, const struct apply_config *cfg, const PGresult *r,
                            int i, const struct kpi_judgement *j, const char *from,
                            const char *now_s)
{
    const char *id = PQgetvalue(r, i, KPI_LIST_ID),
               *neighbourhood = PQgetvalue(r, i, KPI_LIST_NEIGHBOURHOOD_ID);
    const char *set[CLOCK_KPI_SET_NPARAMS] = {[CLOCK_KPI_SET_P_KPI_ID] = id,
                                              [CLOCK_KPI_SET_P_STATUS] = j->status_name,
                                              [CLOCK_KPI_SET_P_ON_DATE] = now_s};
    if (!db_ok_clear(DB_RUN(db, CLOCK_KPI_SET, set)))
        return false;
    char subject[200];
    snprintf(subject, sizeof subject, "neighbourhoods/%s/kpis/%s", neighbourhood, id);
    const char *parts[] = {EVT_KPI_STATUS_CHANGED, id, from, j->status_name, now_s, NULL};
    json_t *data = json_pack(
        "{s:s, s:s, s:s, s:o, s:s, s:s, s:f, s:i, s:o}", "kpiId", id, "neighbourhoodId",
        neighbourhood, "indicator", PQgetvalue(r, i, KPI_LIST_INDICATOR), "from",
        from[0] ? json_string(from) : json_null(), "to", j->status_name, "on", now_s, "target",
        j->in.target, "dueMonth", (int)j->in.due_month, "value",
        j->in.has_data ? json_real(j->in.value) : json_null());
    /* Announced by the clock, whichever judged it: its date decides. */
    const struct event_spec spec = {.type = EVT_KPI_STATUS_CHANGED,
                                    .source_base = cfg->event_source,
                                    .origin = "clock",
                                    .subject = subject,
                                    .id_parts = parts};
    return event_emit(db, cfg->topic_kpi, neighbourhood, &spec, data);
}

bool kpi_rejudge(PGconn *db, const struct apply_config *cfg, struct pdate now,
                 const char *neighbourhood, int *changes)
{
    char now_s[11];
    pdate_format(now, now_s);
    char min_base[12];
    snprintf(min_base, sizeof min_base, "%d", DISCLOSURE_MIN_BASE);
    const char *params[KPI_LIST_NPARAMS] = {[KPI_LIST_P_NEIGHBOURHOOD] = neighbourhood,
                                            [KPI_LIST_P_ID] = NULL,
                                            [KPI_LIST_P_MIN_BASE] = min_base};
    PGresult *r = DB_RUN(db, KPI_LIST, params);
    bool ok = db_ok(r);
    for (int i = 0; ok && i < PQntuples(r); i++) {
        struct kpi_judgement j;
        char from[16];
        /* dated targets are computed on the date */
        ok = dated_kpi_judge(db, r, i, now, &j) &&
             announced_status(db, PQgetvalue(r, i, KPI_LIST_ID), from, sizeof from);
        if (!ok || strcmp(from, j.status_name) == 0)
            continue;
        ok = announce_status(db, cfg, r, i, &j, from, now_s);
        if (ok)
            (*changes)++;
    }
    PQclear(r);
    return ok;
}
