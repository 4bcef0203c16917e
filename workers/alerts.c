/* alerts.c — indicator.significant_change once per change of significance, and KPIs re-judged when a closed round moves */
#include "alerts.h"
#include "neighbourhood_figures.h"
#include "event.h"
#include "kpi_announce.h"
#include "log.h"
#include "queries.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool alerts_note(json_t *touched, const char *neighbourhood, const char *round)
{
    return worker_note(touched, neighbourhood, round ? round : "*");
}

bool alerts_record_event(PGconn *db, const struct apply_config *cfg, const json_t *ev,
                         json_t *touched, enum apply_result *result)
{
    const char *type = json_string_value(json_object_get(ev, "type"));
    const json_t *data = json_object_get(ev, "data");
    const char *entity = json_string_value(json_object_get(data, "entity"));
    /* A round is updated when it closes or becomes a baseline; either may
     * move the significance of any closed round of its neighbourhoods. */
    if (!type || strcmp(type, EVT_RECORD_UPDATED) != 0 || !entity ||
        strcmp(entity, "survey_round") != 0)
        return false;
    const char *pp[PROCESSED_INSERT_NPARAMS] = {
        [PROCESSED_INSERT_P_CONSUMER] = cfg->consumer,
        [PROCESSED_INSERT_P_EVENT_ID] = json_string_value(json_object_get(ev, "id"))};
    PGresult *r = DB_RUN(db, PROCESSED_INSERT, pp);
    if (!db_ok(r))
        *result = APPLY_RETRY;
    else if (strcmp(PQcmdTuples(r), "0") == 0)
        *result = APPLY_DUPLICATE;
    else
        *result = APPLY_DONE;
    PQclear(r);
    size_t i;
    json_t *id;
    json_array_foreach(json_object_get(data, "neighbourhoodIds"), i, id)
        if (*result == APPLY_DONE && uuid_is_valid(json_string_value(id)) &&
            !alerts_note(touched, json_string_value(id), NULL))
            *result = APPLY_RETRY;
    return true;
}

/* What was last announced of one indicator (indicator_alert_state). */
struct announced {
    bool significant;
    char movement[8];   /* "up", "down" or "" */
    int announcements;  /* 0: never announced */
};

/* st: a Q_ALERT_STATES result. */
static struct announced announced_of(const PGresult *st, const char *indicator)
{
    struct announced a = {false, "", 0};
    for (int i = 0; i < PQntuples(st); i++)
        if (strcmp(PQgetvalue(st, i, ALERT_STATES_INDICATOR), indicator) == 0) {
            a.significant = strcmp(PQgetvalue(st, i, ALERT_STATES_SIGNIFICANT), "t") == 0;
            snprintf(a.movement, sizeof a.movement, "%s",
                     PQgetvalue(st, i, ALERT_STATES_MOVEMENT));
            a.announcements = atoi(PQgetvalue(st, i, ALERT_STATES_ANNOUNCEMENTS));
        }
    return a;
}

/* Writes the new state of one indicator and its event, whose id is derived
 * from (type, indicator, neighbourhood, round, announcement number): a
 * repeated evaluation derives the same id, and the state stops it anyway. */
static bool announce_change(PGconn *db, const struct apply_config *cfg,
                            const char *neighbourhood, const char *round,
                            const char *baseline_round, const struct indicator_def *def,
                            const struct figure *f, const char *movement, int number)
{
    char count[16], subject[200];
    snprintf(count, sizeof count, "%d", number);
    const char *parts[] = {EVT_INDICATOR_SIGNIFICANT_CHANGE, def->id, neighbourhood, round, count,
                           NULL};
    const char *sp[ALERT_STATE_SET_NPARAMS] = {
        [ALERT_STATE_SET_P_NEIGHBOURHOOD] = neighbourhood,
        [ALERT_STATE_SET_P_ROUND] = round,
        [ALERT_STATE_SET_P_INDICATOR] = def->id,
        [ALERT_STATE_SET_P_SIGNIFICANT] = f->significant ? "true" : "false",
        [ALERT_STATE_SET_P_MOVEMENT] = *movement ? movement : NULL,
        [ALERT_STATE_SET_P_ANNOUNCEMENTS] = count};
    if (!db_ok_clear(DB_RUN(db, ALERT_STATE_SET, sp)))
        return false;
    bool show = !f->suppressed && f->now.has_value;
    bool base = f->base_reason == WITHHELD_NONE && f->base.has_value;
    bool changed = show && f->change_reason == WITHHELD_NONE && f->has_change;
    const char *reason = withheld_reason_name(f->value_reason),
               *change_reason = withheld_reason_name(f->change_reason);
    bool up = strcmp(movement, "up") == 0;
    bool improved = up == (def->direction == HIGHER_IS_BETTER);
    json_t *data = json_pack(
        "{s:s, s:i, s:s, s:s, s:o, s:b, s:o, s:o, s:b, s:o, s:o, s:o, s:o, s:o, s:o, s:b, s:o,"
        " s:o, s:i}",
        "indicator", def->id, "definitionVersion", def->version, "neighbourhoodId", neighbourhood,
        "roundId", round, "baselineRoundId",
        baseline_round ? json_string(baseline_round) : json_null(), "significant",
        f->significant, "direction",
        *movement ? json_string(improved ? "improved" : "worsened") : json_null(), "movement",
        *movement ? json_string(movement) : json_null(), "adverse", f->adverse, "n",
        show ? json_integer(f->now.n_raw) : json_null(), "value",
        real_or_null(show, f->now.value), "baselineN",
        base ? json_integer(f->base.n_raw) : json_null(),
        "baselineValue", real_or_null(base, f->base.value),
        "change", real_or_null(changed, f->change), "pValue", real_or_null(changed, f->p_value),
        "suppressed", f->suppressed, "withheldReason", reason ? json_string(reason) : json_null(),
        "changeWithheldReason", change_reason ? json_string(change_reason) : json_null(),
        "announcement", number);
    snprintf(subject, sizeof subject, "neighbourhoods/%s/indicators/%s", neighbourhood, def->id);
    const struct event_spec spec = {.type = EVT_INDICATOR_SIGNIFICANT_CHANGE,
                                    .source_base = cfg->event_source,
                                    .origin = "indicators",
                                    .subject = subject,
                                    .id_parts = parts};
    return event_emit(db, cfg->topic_kpi, neighbourhood, &spec, data);
}

/* Marks (round, neighbourhood) evaluated. False on a database error. */
static bool mark_checked(PGconn *db, const char *round, const char *neighbourhood)
{
    const char *cp[ALERT_CHECKED_NPARAMS] = {[ALERT_CHECKED_P_ROUND] = round,
                                             [ALERT_CHECKED_P_NEIGHBOURHOOD] = neighbourhood};
    return db_ok_clear(DB_RUN(db, ALERT_CHECKED, cp));
}

/* Compares one closed round's computed figures with what was announced of
 * them and announces the differences: a figure that became significant or
 * flipped direction (significant: true), and one that stopped being
 * significant (significant: false), so a later return is news again. */
static bool judge_round(PGconn *db, const struct apply_config *cfg, const char *neighbourhood,
                        const PGresult *r, const struct neighbourhood_round *nr, int *events)
{
    const char *round = PQgetvalue(r, nr->from, NBH_FIGURES_ROUND_ID);
    const char *sp[ALERT_STATES_NPARAMS] = {[ALERT_STATES_P_NEIGHBOURHOOD] = neighbourhood,
                                            [ALERT_STATES_P_ROUND] = round};
    PGresult *st = DB_RUN(db, ALERT_STATES, sp);
    bool ok = db_ok(st);
    for (int i = 0; ok && i < nr->n; i++) {
        const struct indicator_def *def = nr->in[i].def;
        const struct figure *f = &nr->out[i];
        if (!def)
            continue;
        struct announced was = announced_of(st, def->id);
        const char *movement = figure_movement(f);
        if (!figure_significance_news(f, was.significant, was.movement))
            continue;
        int row = nr->from + i;
        const char *baseline_round = PQgetisnull(r, row, NBH_FIGURES_BASELINE_ROUND_ID)
                                         ? NULL
                                         : PQgetvalue(r, row, NBH_FIGURES_BASELINE_ROUND_ID);
        ok = announce_change(db, cfg, neighbourhood, round, baseline_round, def, f, movement,
                             was.announcements + 1);
        if (ok)
            (*events)++;
    }
    PQclear(st);
    ok = ok && mark_checked(db, round, neighbourhood);
    return ok;
}

/* Evaluates neighbourhood's closed round `round` (NULL: all its closed
 * rounds) on date on_s, under the neighbourhood's lock. Sets *evaluated when
 * a closed round was judged. Statements: the lock, one read, then per round
 * one read of its states, one write per change and one mark. */
static bool evaluate_neighbourhood(PGconn *db, const struct apply_config *cfg,
                                   const char *neighbourhood, const char *round,
                                   const char *on_s, bool *evaluated, int *events)
{
    (void)on_s; /* exact releases decide, not the date */
    const char *lp[ALERT_LOCK_NPARAMS] = {[ALERT_LOCK_P_NEIGHBOURHOOD] = neighbourhood};
    PGresult *r = DB_RUN(db, ALERT_LOCK, lp);
    bool ok = db_ok(r);
    PQclear(r);
    if (!ok)
        return false;
    r = neighbourhood_figures_read(db, neighbourhood, round);
    ok = db_ok(r);
    int rows = ok ? PQntuples(r) : 0;
    for (int from = 0; ok && from < rows && !PQgetisnull(r, from, NBH_FIGURES_INDICATOR);) {
        int to = neighbourhood_figures_round_end(r, from);
        struct neighbourhood_round nr;
        ok = neighbourhood_round_compute(r, from, to, &nr);
        if (ok && nr.closed) { /* exact releases only */
            ok = judge_round(db, cfg, neighbourhood, r, &nr, events);
            *evaluated = true;
        }
        neighbourhood_round_free(&nr);
        from = to;
    }
    PQclear(r);
    return ok;
}

/* Whether round is closed on on_s; -1 on a database error. */
static int round_closed(PGconn *db, const char *round, const char *on_s)
{
    const char *p[ALERT_ROUND_CLOSED_NPARAMS] = {[ALERT_ROUND_CLOSED_P_ROUND] = round,
                                                 [ALERT_ROUND_CLOSED_P_ON_DATE] = on_s};
    PGresult *r = DB_RUN(db, ALERT_ROUND_CLOSED, p);
    int closed = -1;
    if (db_ok(r)) /* no row: the round is gone, nothing to judge */
        closed = PQntuples(r) == 1 &&
                 strcmp(PQgetvalue(r, 0, ALERT_ROUND_CLOSED_CLOSED), "t") == 0;
    PQclear(r);
    return closed;
}

bool alerts_after_batch(PGconn *db, const struct apply_config *cfg, const json_t *touched)
{
    size_t n = json_object_size(touched);
    if (n == 0)
        return true;
    struct pdate now = worker_clock_date(cfg);
    char on_s[11];
    pdate_format(now, on_s);
    /* Neighbourhoods in one order, so that two transactions take their
     * locks in the same order. */
    size_t k;
    const char **neighbourhoods = worker_sorted_keys(touched, &k);
    bool *judged = calloc(n, sizeof *judged);
    if (!neighbourhoods || !judged) {
        free(neighbourhoods);
        free(judged);
        return false;
    }
    json_t *rounds;
    bool ok = true;
    int events = 0, kpi_changes = 0;
    for (size_t a = 0; ok && a < k; a++) {
        rounds = json_object_get(touched, neighbourhoods[a]);
        if (json_object_get(rounds, "*")) {
            ok = evaluate_neighbourhood(db, cfg, neighbourhoods[a], NULL, on_s, &judged[a],
                                        &events);
        } else {
            const char *round;
            json_t *yes;
            json_object_foreach(rounds, round, yes) {
                int closed = ok ? round_closed(db, round, on_s) : -1;
                if (closed < 0)
                    ok = false;
                else if (closed > 0)
                    ok = evaluate_neighbourhood(db, cfg, neighbourhoods[a], round, on_s,
                                                &judged[a], &events);
            }
        }
    }
    /* KPI states only once every lock is held: the clock's tick, which
     * judges every target after its own evaluations, then never waits for a
     * KPI row this batch holds while holding a lock this batch waits for. */
    for (size_t a = 0; ok && a < k; a++)
        if (judged[a])
            ok = kpi_rejudge(db, cfg, now, neighbourhoods[a], &kpi_changes);
    free(neighbourhoods);
    free(judged);
    if (ok && (events || kpi_changes))
        log_info("closed rounds judged", json_pack("{s:s, s:i, s:i}", "on", on_s,
                                                   "significantChanges", events, "kpiChanges",
                                                   kpi_changes));
    return ok;
}

bool alerts_uncheck(PGconn *db, const json_t *touched)
{
    const char *neighbourhood;
    json_t *rounds;
    bool ok = true;
    json_object_foreach((json_t *)touched, neighbourhood, rounds) {
        const char *p[ALERT_UNCHECK_NPARAMS] = {[ALERT_UNCHECK_P_NEIGHBOURHOOD] = neighbourhood};
        if (ok)
            ok = db_ok_clear(DB_RUN(db, ALERT_UNCHECK, p));
    }
    return ok;
}

bool alerts_tick(PGconn *db, const struct apply_config *cfg, struct pdate now, int *events)
{
    char on_s[11];
    pdate_format(now, on_s);
    const char *p[ALERT_DUE_NPARAMS] = {[ALERT_DUE_P_ON_DATE] = on_s};
    PGresult *due = DB_RUN(db, ALERT_DUE, p);
    bool ok = db_ok(due);
    for (int i = 0; ok && i < PQntuples(due); i++) {
        const char *neighbourhood = PQgetvalue(due, i, ALERT_DUE_NEIGHBOURHOOD_ID),
                   *round = PQgetvalue(due, i, ALERT_DUE_ROUND_ID);
        bool evaluated = false;
        ok = evaluate_neighbourhood(db, cfg, neighbourhood, round, on_s, &evaluated, events);
        if (ok && !evaluated) /* no figures yet: nothing to judge, and seen */
            ok = mark_checked(db, round, neighbourhood);
    }
    PQclear(due);
    return ok;
}
