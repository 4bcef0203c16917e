/* clock.c — the clock job: KPI statuses and milestones that change with time */
#include "clock.h"
#include "alerts.h"
#include "dated_read.h"
#include "indicator_dated.h"
#include "envelope.h"
#include "ids.h"
#include "kpi.h"
#include "log.h"
#include "outbox.h"
#include "queries.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CLOCK_LOCK 7301003 /* one ticking process at a time (the relay holds 7301002) */

bool clock_now(struct pdate *now)
{
    const char *fixed = getenv("CDM_CLOCK_NOW");
    if (fixed && *fixed)
        return pdate_parse(fixed, now);
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    *now = (struct pdate){tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday};
    return true;
}

/* Adds an event of `type` about `subject`, keyed by `key`, to the KPI topic;
 * its id is derived from the parts that make the change what it is. Takes data. */
static bool announce(PGconn *db, const struct apply_config *cfg, const char *type,
                     const char *subject, const char *key, const char *const parts[],
                     json_t *data)
{
    char event_id[UUID_STR_LEN], when[40], source[300];
    uuid_derive(event_id, parts);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    rfc3339_utc(&ts, when, sizeof when);
    snprintf(source, sizeof source, "%s/clock", cfg->event_source);
    json_t *ev = data ? envelope_new(event_id, source, type, subject, when, data) : NULL;
    bool ok = ev && outbox_add(db, cfg->topic_kpi, key, ev);
    json_decref(ev);
    return ok;
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
                                            [KPI_LIST_P_ON_DATE] = now_s,
                                            [KPI_LIST_P_MIN_BASE] = min_base};
    PGresult *r = DB_RUN(db, KPI_LIST, params);
    bool ok = db_ok(r);
    for (int i = 0; ok && i < PQntuples(r); i++) {
        struct kpi_judgement j;
        if (!dated_kpi_judge(db, r, i, now, &j)) { /* dated targets are computed on the date */
            ok = false;
            break;
        }
        const char *id = PQgetvalue(r, i, KPI_LIST_ID),
                   *area = PQgetvalue(r, i, KPI_LIST_NEIGHBOURHOOD_ID);
        const char *sp[] = {id};
        PGresult *st = db_run(db, Q_CLOCK_KPI_STATE, 1, sp);
        ok = db_ok(st);
        char from[16] = "";
        if (ok && PQntuples(st) == 1)
            snprintf(from, sizeof from, "%s", PQgetvalue(st, 0, 0));
        PQclear(st);
        if (!ok || strcmp(from, j.status_name) == 0)
            continue;
        const char *set[] = {id, j.status_name, now_s};
        st = db_run(db, Q_CLOCK_KPI_SET, 3, set);
        ok = db_ok(st);
        PQclear(st);
        char subject[200];
        snprintf(subject, sizeof subject, "neighbourhoods/%s/kpis/%s", area, id);
        const char *parts[] = {EVT_KPI_STATUS_CHANGED, id, from, j.status_name, now_s, NULL};
        json_t *data = json_pack(
            "{s:s, s:s, s:s, s:o, s:s, s:s, s:f, s:i, s:o}", "kpiId", id, "neighbourhoodId", area,
            "indicator", PQgetvalue(r, i, KPI_LIST_INDICATOR), "from", from[0] ? json_string(from) : json_null(),
            "to", j.status_name, "on", now_s, "target", j.in.target, "dueMonth",
            (int)j.in.due_month,
            "value", j.in.has_data ? json_real(j.in.value) : json_null());
        ok = ok && announce(db, cfg, EVT_KPI_STATUS_CHANGED, subject, area, parts, data);
        if (ok)
            (*changes)++;
    }
    PQclear(r);
    return ok;
}

static bool tick_milestones(PGconn *db, const struct apply_config *cfg, const char *now_s,
                            struct clock_result *out)
{
    const char *params[] = {now_s};
    PGresult *r = db_run(db, Q_CLOCK_MILESTONES, 1, params);
    bool ok = db_ok(r);
    for (int i = 0; ok && i < PQntuples(r); i++) {
        const char *id = PQgetvalue(r, i, 0), *programme = PQgetvalue(r, i, 1);
        const char *what = PQgetvalue(r, i, 6);
        bool completed = strcmp(what, "completed") == 0;
        const char *type = completed ? EVT_MILESTONE_COMPLETED : EVT_MILESTONE_OVERDUE;
        char subject[200];
        snprintf(subject, sizeof subject, "programmes/%s/milestones/%s", programme, id);
        const char *parts[] = {type, id, NULL}; /* once per milestone and kind */
        json_t *data = json_pack("{s:s, s:s, s:s, s:i, s:i, s:s, s:s, s:o}", "milestoneId", id,
                                 "programmeId", programme, "code", PQgetvalue(r, i, 2), "stage",
                                 atoi(PQgetvalue(r, i, 3)), "dueMonth", atoi(PQgetvalue(r, i, 4)),
                                 "title", PQgetvalue(r, i, 5), "on", now_s, "completedOn",
                                 completed ? json_string(PQgetvalue(r, i, 7)) : json_null());
        ok = announce(db, cfg, type, subject, programme, parts, data);
        const char *ap[] = {id, what, now_s};
        PGresult *a = ok ? db_run(db, Q_CLOCK_MILESTONE_ANNOUNCED, 3, ap) : NULL;
        ok = ok && db_ok(a);
        PQclear(a);
        if (ok)
            out->milestone_events++;
    }
    PQclear(r);
    return ok;
}

bool clock_tick(PGconn *db, const struct apply_config *cfg, struct pdate now,
                struct clock_result *out, char *err, size_t errlen)
{
    *out = (struct clock_result){0};
    char now_s[11], lock[64];
    pdate_format(now, now_s);
    snprintf(lock, sizeof lock, "SELECT pg_try_advisory_xact_lock(%d)", CLOCK_LOCK);
    if (!db_exec(db, "BEGIN"))
        goto failed;
    PGresult *l = PQexec(db, lock);
    bool mine = PQresultStatus(l) == PGRES_TUPLES_OK && strcmp(PQgetvalue(l, 0, 0), "t") == 0;
    PQclear(l);
    if (!mine) {
        out->skipped = true;
        db_exec(db, "ROLLBACK");
        return true;
    }
    /* Rounds closed by their fieldwork end passing are noticed here; their
     * KPIs are judged with every other one just after. */
    if (!alerts_tick(db, cfg, now, &out->alert_events) ||
        !kpi_rejudge(db, cfg, now, NULL, &out->kpi_changes) ||
        !tick_milestones(db, cfg, now_s, out) ||
        !dated_tick(db, cfg, now_s, &out->indicator_updates) || !db_exec(db, "COMMIT"))
        goto failed;
    if (out->kpi_changes || out->milestone_events || out->alert_events || out->indicator_updates)
        outbox_wake(db);
    return true;
failed:
    snprintf(err, errlen, "clock tick: %s", PQerrorMessage(db));
    db_exec(db, "ROLLBACK");
    return false;
}
