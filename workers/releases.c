/* releases.c — exact, revised and provisional releases of survey figures, each announced once */
#include "releases.h"
#include "alerts.h"
#include "catalogue.h"
#include "event.h"
#include "figures.h"
#include "log.h"
#include "queries.h"
#include "release_rule.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The locality's key among a round's noted neighbourhoods. */
#define LOCALITY_KEY "00000000-0000-0000-0000-000000000000"

bool releases_note(json_t *rounds, const char *round, const char *neighbourhood)
{
    return worker_note(rounds, round, neighbourhood ? neighbourhood : LOCALITY_KEY);
}

/* The indicator.updated event of one released neighbourhood total (a row of
 * RELEASED_TOTAL_COLUMNS): the figure as released — perturbed when
 * provisional — or withheld for its small base. Its id is derived from the
 * release, so a release is announced once. */
static bool announce(PGconn *db, const struct apply_config *cfg, const char *round,
                     const PGresult *r, int row)
{
    const struct indicator_def *def = indicator_find(PQgetvalue(r, row, RELEASED_TOTAL_INDICATOR));
    if (!def) /* retired from the catalogue: released for the record, not announced */
        return true;
    const char *neighbourhood = PQgetvalue(r, row, RELEASED_TOTAL_NEIGHBOURHOOD_ID),
               *number = PQgetvalue(r, row, RELEASED_TOTAL_RELEASE_NO),
               *kind = PQgetvalue(r, row, RELEASED_TOTAL_KIND);
    struct proportion_figure f = proportion_from_sums(
        atoll(PQgetvalue(r, row, RELEASED_TOTAL_N_RAW)),
        strtod(PQgetvalue(r, row, RELEASED_TOTAL_SUM_W), NULL),
        strtod(PQgetvalue(r, row, RELEASED_TOTAL_SUM_W2), NULL),
        strtod(PQgetvalue(r, row, RELEASED_TOTAL_SUM_WY), NULL));
    bool show = f.has_value && !f.suppressed;
    const char *reason = f.suppressed ? withheld_reason_name(WITHHELD_SMALL_BASE) : NULL;
    json_t *data = json_pack(
        "{s:s, s:i, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:b, s:o, s:b, s:{s:i, s:s}}",
        "indicator", def->id, "definitionVersion", def->version, "level", "neighbourhood",
        "neighbourhoodId", neighbourhood, "roundId", round, "n",
        f.suppressed ? json_null() : json_integer(f.n_raw), "value", real_or_null(show, f.value),
        "nEff", real_or_null(show, f.n_eff), "ciLow", real_or_null(show, f.ci_low), "ciHigh",
        real_or_null(show, f.ci_high), "suppressed", f.suppressed, "withheldReason",
        reason ? json_string(reason) : json_null(), "provisional",
        strcmp(kind, "provisional") == 0, "release", "number", atoi(number), "kind", kind);
    char subject[200];
    snprintf(subject, sizeof subject, "neighbourhoods/%s/indicators/%s", neighbourhood, def->id);
    const char *parts[] = {EVT_INDICATOR_UPDATED, def->id, neighbourhood, round, "release", number,
                           NULL};
    const struct event_spec spec = {.type = EVT_INDICATOR_UPDATED,
                                    .source_base = cfg->event_source,
                                    .origin = "releases",
                                    .subject = subject,
                                    .id_parts = parts};
    return event_emit(db, cfg->topic_kpi, neighbourhood, &spec, data);
}

/* Announces every neighbourhood total a release statement made (r, cleared
 * here), noting exact ones in touched. */
static bool announce_all(PGconn *db, const struct apply_config *cfg, const char *round,
                         PGresult *r, json_t *touched, struct release_counts *out)
{
    bool ok = db_ok(r);
    if (!ok)
        log_error("release failed", json_pack("{s:s, s:s}", "roundId", round, "error",
                                               PQresultErrorMessage(r)));
    for (int i = 0; ok && i < PQntuples(r); i++) {
        ok = announce(db, cfg, round, r, i);
        /* Every round of the neighbourhood: this one may be another's baseline. */
        if (ok && strcmp(PQgetvalue(r, i, RELEASED_TOTAL_KIND), "provisional") != 0)
            ok = alerts_note(touched, PQgetvalue(r, i, RELEASED_TOTAL_NEIGHBOURHOOD_ID), NULL);
        if (ok)
            out->figures++;
    }
    PQclear(r);
    return ok;
}

static bool lock_round(PGconn *db, const char *round)
{
    const char *p[RELEASE_LOCK_NPARAMS] = {[RELEASE_LOCK_P_ROUND] = round};
    return db_ok_clear(DB_RUN(db, RELEASE_LOCK, p));
}

static bool release_final(PGconn *db, const struct apply_config *cfg, const char *round,
                          const char *on, json_t *touched, struct release_counts *out)
{
    const char *p[RELEASE_FINAL_NPARAMS] = {[RELEASE_FINAL_P_ROUND] = round,
                                            [RELEASE_FINAL_P_ON_DATE] = on};
    return announce_all(db, cfg, round, DB_RUN(db, RELEASE_FINAL, p), touched, out);
}

static bool release_revision(PGconn *db, const struct apply_config *cfg, const char *round,
                             const char *neighbourhood, const char *on, json_t *touched,
                             struct release_counts *out)
{
    char min[16];
    snprintf(min, sizeof min, "%d", RELEASE_MIN_CHANGE);
    const char *p[RELEASE_REVISE_NPARAMS] = {[RELEASE_REVISE_P_ROUND] = round,
                                             [RELEASE_REVISE_P_NEIGHBOURHOOD] = neighbourhood,
                                             [RELEASE_REVISE_P_ON_DATE] = on,
                                             [RELEASE_REVISE_P_MIN_CHANGE] = min};
    return announce_all(db, cfg, round, DB_RUN(db, RELEASE_REVISE, p), touched, out);
}

/* Whether releasing state `candidate` of the figure keeps the rule. -1 on a
 * database error. */
static int classes_safe(PGconn *db, const char *indicator, const char *neighbourhood,
                        const char *round, const char *candidate)
{
    char min[16];
    snprintf(min, sizeof min, "%d", RELEASE_MIN_CHANGE);
    const char *p[RELEASE_CLASSES_SAFE_NPARAMS] = {
        [RELEASE_CLASSES_SAFE_P_INDICATOR] = indicator,
        [RELEASE_CLASSES_SAFE_P_NEIGHBOURHOOD] = neighbourhood,
        [RELEASE_CLASSES_SAFE_P_ROUND] = round,
        [RELEASE_CLASSES_SAFE_P_CANDIDATE] = candidate,
        [RELEASE_CLASSES_SAFE_P_MIN_CHANGE] = min};
    PGresult *r = DB_RUN(db, RELEASE_CLASSES_SAFE, p);
    int safe = db_ok(r) && PQntuples(r) == 1
                   ? strcmp(PQgetvalue(r, 0, RELEASE_CLASSES_SAFE_SAFE), "t") == 0
                   : -1;
    PQclear(r);
    return safe;
}

/* One figure's provisional release of the day (a row of
 * RELEASE_PROVISIONAL_DUE): the newest state at least RELEASE_LAG_CHANGES
 * changes behind the figure's own newest, newer than the state last
 * released, with a publishable base, that keeps the rule; perturbed by its
 * cell keys. None of the candidates may do: then nothing today. */
static bool release_provisional(PGconn *db, const struct apply_config *cfg, const PGresult *due,
                                int row, const char *on, struct release_counts *out)
{
    const char *indicator = PQgetvalue(due, row, RELEASE_PROVISIONAL_DUE_INDICATOR),
               *neighbourhood = PQgetvalue(due, row, RELEASE_PROVISIONAL_DUE_NEIGHBOURHOOD_ID),
               *round = PQgetvalue(due, row, RELEASE_PROVISIONAL_DUE_ROUND_ID);
    char up_to[24], min[16], limit[16];
    snprintf(up_to, sizeof up_to, "%lld",
             atoll(PQgetvalue(due, row, RELEASE_PROVISIONAL_DUE_CHANGES)) - RELEASE_LAG_CHANGES);
    snprintf(min, sizeof min, "%d", DISCLOSURE_MIN_BASE);
    snprintf(limit, sizeof limit, "%d", RELEASE_CANDIDATES);
    const char *cp[RELEASE_CANDIDATES_NPARAMS] = {
        [RELEASE_CANDIDATES_P_INDICATOR] = indicator,
        [RELEASE_CANDIDATES_P_NEIGHBOURHOOD] = neighbourhood,
        [RELEASE_CANDIDATES_P_ROUND] = round,
        [RELEASE_CANDIDATES_P_AFTER] = PQgetisnull(due, row, RELEASE_PROVISIONAL_DUE_LAST_STATE)
                                           ? NULL
                                           : PQgetvalue(due, row, RELEASE_PROVISIONAL_DUE_LAST_STATE),
        [RELEASE_CANDIDATES_P_UP_TO] = up_to,
        [RELEASE_CANDIDATES_P_MIN_BASE] = min,
        [RELEASE_CANDIDATES_P_LIMIT] = limit};
    PGresult *c = DB_RUN(db, RELEASE_CANDIDATES, cp);
    bool ok = db_ok(c);
    int pick = -1;
    for (int i = 0; ok && pick < 0 && i < PQntuples(c); i++) {
        int safe = classes_safe(db, indicator, neighbourhood, round,
                                PQgetvalue(c, i, RELEASE_CANDIDATES_CHANGES));
        if (safe < 0)
            ok = false;
        else if (safe)
            pick = i;
    }
    if (ok && pick >= 0) {
        struct figure_state s = {
            .n_raw = atoll(PQgetvalue(c, pick, RELEASE_CANDIDATES_N_RAW)),
            .n_yes = atoll(PQgetvalue(c, pick, RELEASE_CANDIDATES_N_YES)),
            .sum_w = strtod(PQgetvalue(c, pick, RELEASE_CANDIDATES_SUM_W), NULL),
            .sum_w2 = strtod(PQgetvalue(c, pick, RELEASE_CANDIDATES_SUM_W2), NULL),
            .sum_wy = strtod(PQgetvalue(c, pick, RELEASE_CANDIDATES_SUM_WY), NULL),
            .key_n = atoll(PQgetvalue(c, pick, RELEASE_CANDIDATES_KEY_N)),
            .key_y = atoll(PQgetvalue(c, pick, RELEASE_CANDIDATES_KEY_Y)),
        };
        struct figure_state p = release_perturb(&s);
        char number[16], n_raw[24], sw[40], sw2[40], swy[40];
        snprintf(number, sizeof number, "%d",
                 atoi(PQgetvalue(due, row, RELEASE_PROVISIONAL_DUE_LAST_NO)) + 1);
        snprintf(n_raw, sizeof n_raw, "%lld", p.n_raw);
        snprintf(sw, sizeof sw, "%.17g", p.sum_w);
        snprintf(sw2, sizeof sw2, "%.17g", p.sum_w2);
        snprintf(swy, sizeof swy, "%.17g", p.sum_wy);
        const char *ip[RELEASE_PROVISIONAL_NPARAMS] = {
            [RELEASE_PROVISIONAL_P_ROUND] = round,
            [RELEASE_PROVISIONAL_P_NEIGHBOURHOOD] = neighbourhood,
            [RELEASE_PROVISIONAL_P_INDICATOR] = indicator,
            [RELEASE_PROVISIONAL_P_RELEASE_NO] = number,
            [RELEASE_PROVISIONAL_P_STATE] = PQgetvalue(c, pick, RELEASE_CANDIDATES_CHANGES),
            [RELEASE_PROVISIONAL_P_N_RAW] = n_raw,
            [RELEASE_PROVISIONAL_P_SUM_W] = sw,
            [RELEASE_PROVISIONAL_P_SUM_W2] = sw2,
            [RELEASE_PROVISIONAL_P_SUM_WY] = swy,
            [RELEASE_PROVISIONAL_P_ON_DATE] = on};
        ok = announce_all(db, cfg, round, DB_RUN(db, RELEASE_PROVISIONAL, ip), NULL, out);
    }
    PQclear(c);
    return ok;
}

/* The exact release or the revisions of one noted round. */
static bool release_noted_round(PGconn *db, const struct apply_config *cfg, const char *round,
                                const json_t *neighbourhoods, const char *on, json_t *touched,
                                struct release_counts *out)
{
    const char *p[RELEASE_ROUND_STATE_NPARAMS] = {[RELEASE_ROUND_STATE_P_ROUND] = round};
    PGresult *st = DB_RUN(db, RELEASE_ROUND_STATE, p);
    bool ok = db_ok(st);
    bool frozen = ok && PQntuples(st) == 1 &&
                  strcmp(PQgetvalue(st, 0, RELEASE_ROUND_STATE_FROZEN), "t") == 0;
    bool exact = frozen && strcmp(PQgetvalue(st, 0, RELEASE_ROUND_STATE_EXACT), "t") == 0;
    PQclear(st);
    if (!ok || !frozen)
        return ok; /* open: the clock's provisional releases, once a day */
    if (!exact)
        return lock_round(db, round) && release_final(db, cfg, round, on, touched, out);
    ok = lock_round(db, round);
    const char *nb;
    json_t *yes;
    json_object_foreach((json_t *)neighbourhoods, nb, yes)
        if (ok)
            ok = release_revision(db, cfg, round, nb, on, touched, out);
    return ok;
}

bool releases_after_batch(PGconn *db, const struct apply_config *cfg, const json_t *rounds,
                          json_t *touched, struct release_counts *out)
{
    *out = (struct release_counts){0};
    size_t n;
    const char **ids = worker_sorted_keys(rounds, &n);
    if (!ids)
        return false;
    char on[11];
    pdate_format(worker_clock_date(cfg), on);
    bool ok = true;
    for (size_t i = 0; ok && i < n; i++)
        ok = release_noted_round(db, cfg, ids[i], json_object_get(rounds, ids[i]), on, touched,
                                 out);
    free(ids);
    return ok;
}

bool releases_tick(PGconn *db, const struct apply_config *cfg, struct pdate now,
                   json_t *touched, struct release_counts *out)
{
    *out = (struct release_counts){0};
    char on[11], lag[16];
    pdate_format(now, on);
    snprintf(lag, sizeof lag, "%d", RELEASE_LAG_CHANGES);
    const char *fp[RELEASE_FREEZE_DUE_NPARAMS] = {[RELEASE_FREEZE_DUE_P_ON_DATE] = on};
    PGresult *r = DB_RUN(db, RELEASE_FREEZE_DUE, fp);
    bool ok = db_ok(r);
    if (ok)
        out->frozen = PQntuples(r);
    PQclear(r);
    /* Every round with something due, then each in id order (the order of
     * their locks, as a batch takes them): its exact release, the day's
     * provisional releases (due rows come in round order too). Revisions
     * are not looked for here: only a withdrawal moves a frozen round, and
     * the batch that applies it revises in its own transaction
     * (releases_after_batch), so a tick would find nothing it has not. */
    json_t *rounds = json_object();
    const char *pp[RELEASE_PROVISIONAL_DUE_NPARAMS] = {[RELEASE_PROVISIONAL_DUE_P_ON_DATE] = on,
                                                       [RELEASE_PROVISIONAL_DUE_P_LAG] = lag};
    PGresult *due = ok ? DB_RUN(db, RELEASE_PROVISIONAL_DUE, pp) : NULL;
    PGresult *finals = ok ? DB_RUN(db, RELEASE_FINAL_DUE, NULL) : NULL;
    ok = ok && rounds && db_ok(due) && db_ok(finals);
    int rows = ok ? PQntuples(due) : 0;
    for (int i = 0; ok && i < rows; i++)
        ok = json_object_set_new(rounds, PQgetvalue(due, i, RELEASE_PROVISIONAL_DUE_ROUND_ID),
                                 json_false()) == 0;
    for (int i = 0; ok && i < PQntuples(finals); i++) /* true: its exact release is due */
        ok = json_object_set_new(rounds, PQgetvalue(finals, i, RELEASE_FINAL_DUE_ROUND_ID),
                                 json_true()) == 0;
    size_t n = 0;
    const char **ids = ok ? worker_sorted_keys(rounds, &n) : NULL;
    ok = ok && ids;
    int d = 0;
    for (size_t i = 0; ok && i < n; i++) {
        const char *round = ids[i];
        ok = lock_round(db, round);
        if (ok && json_is_true(json_object_get(rounds, round)))
            ok = release_final(db, cfg, round, on, touched, out);
        while (d < rows && strcmp(PQgetvalue(due, d, RELEASE_PROVISIONAL_DUE_ROUND_ID), round) < 0)
            d++;
        for (; ok && d < rows &&
               strcmp(PQgetvalue(due, d, RELEASE_PROVISIONAL_DUE_ROUND_ID), round) == 0;
             d++)
            ok = release_provisional(db, cfg, due, d, on, out);
    }
    free(ids);
    PQclear(due);
    PQclear(finals);
    json_decref(rounds);
    return ok;
}
