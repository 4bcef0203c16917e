/* kpis.c — KPI targets per neighbourhood and their status, judged when read */
#include "http.h"
#include "outbox.h"
#include "dated_read.h"
#include "geography.h"
#include "catalogue.h"
#include "kpi.h"
#include "figures.h"
#include "programme.h"
#include "queries.h"
#include "records.h"
#include "stats.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One target as published, with its status on `on` (SPEC §3, in order:
 * no_data, met, missed, at_risk, on_track), judged on the latest closed,
 * unsuppressed round against the straight line from the baseline round's end
 * (and value) to the end of the due month (and the target). Columns as
 * Q_KPI_LIST. New reference, or NULL when out of memory. */
static json_t *kpi_item(PGconn *db, const PGresult *r, int row, const char *neighbourhood,
                        struct pdate on)
{
    struct kpi_judgement j;
    if (!dated_kpi_judge(db, r, row, on, &j))
        return NULL;
    const struct kpi_input in = j.in;
    const struct proportion_figure now = j.latest, base = j.base;
    bool programme = j.programme, has_base = j.has_base, base_shown = j.base_shown;
    struct pdate start = j.start;
    char on_s[11];
    pdate_format(on, on_s);
    json_t *latest = json_null(), *baseline = json_null();
    if (in.has_data)
        latest = json_pack("{s:s, s:s, s:I, s:f, s:f, s:f}", "roundId",
                           PQgetvalue(r, row, KPI_LIST_LATEST_ROUND), "fieldworkEnd",
                           PQgetvalue(r, row, KPI_LIST_LATEST_END), "n", (json_int_t)now.n_raw,
                           "value", now.value, "ciLow", now.ci_low, "ciHigh", now.ci_high);
    if (has_base)
        baseline = json_pack("{s:s, s:s, s:o}", "roundId",
                             PQgetvalue(r, row, KPI_LIST_BASE_ROUND), "fieldworkEnd",
                             PQgetvalue(r, row, KPI_LIST_BASE_END), "value", real_or_null(base_shown, base.value));
    if (j.dated) { /* a dated indicator: its value on the date and on the baseline date */
        json_decref(latest);
        json_decref(baseline);
        latest = in.has_data ? json_pack("{s:s, s:f}", "on", on_s, "value", in.value) : json_null();
        baseline = j.baseline_on[0] ? json_pack("{s:s, s:o}", "on", j.baseline_on, "value",
                                                real_or_null(j.dated_base_shown, j.dated_base))
                                    : json_null();
    }
    json_t *provenance = json_pack(
        "{s:o, s:o, s:b, s:s}", "agencyId",
        PQgetisnull(r, row, KPI_LIST_AGENCY) ? json_null()
                                             : json_string(PQgetvalue(r, row, KPI_LIST_AGENCY)), "keyId",
        PQgetisnull(r, row, KPI_LIST_KEY) ? json_null()
                                          : json_string(PQgetvalue(r, row, KPI_LIST_KEY)), "evaluator",
        strcmp(PQgetvalue(r, row, KPI_LIST_EVALUATOR), "t") == 0, "at",
        PQgetvalue(r, row, KPI_LIST_CREATED_AT));
    return json_pack("{s:s, s:s, s:s, s:f, s:i, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:s}", "id",
                     PQgetvalue(r, row, KPI_LIST_ID), "neighbourhoodId", neighbourhood, "indicator",
                     PQgetvalue(r, row, KPI_LIST_INDICATOR), "target", in.target, "dueMonth", (int)in.due_month,
                     "status", j.status_name, "assessedOn", on_s, "programmeMonth",
                     programme ? json_integer(programme_month(start, on)) : json_null(),
                     "latest", latest, "baseline", baseline, "trajectory",
                     real_or_null(in.has_data, stats_kpi_line(&in)), "provenance", provenance,
                     "createdAt", PQgetvalue(r, row, KPI_LIST_CREATED_AT));
}

/* The neighbourhood's live targets (or the one named), with their status. */
static enum cdm_status kpi_read(PGconn *db, const struct route_call *call,
                                const char *neighbourhood, const char *only, struct outcome *o)
{
    char on_s[11]; /* the assessment date: ?on=, else today */
    struct pdate on;
    if (geo_on_date(call, o, on_s, &on) != CDM_OK)
        return o->status;
    char min_base[12];
    snprintf(min_base, sizeof min_base, "%d", DISCLOSURE_MIN_BASE);
    const char *params[KPI_LIST_NPARAMS] = {[KPI_LIST_P_NEIGHBOURHOOD] = neighbourhood,
                                            [KPI_LIST_P_ID] = only,
                                            [KPI_LIST_P_MIN_BASE] = min_base};
    PGresult *r = DB_RUN(db, KPI_LIST, params);
    if (!db_ok(r)) {
        outcome_db_fail(o, db, r, "reading the KPI targets");
        PQclear(r);
        return o->status;
    }
    json_t *items = json_array();
    for (int i = 0; items && i < PQntuples(r); i++)
        if (json_array_append_new(items, kpi_item(db, r, i, neighbourhood, on)) != 0) {
            json_decref(items);
            items = NULL;
        }
    PQclear(r);
    if (!items)
        return outcome_fail(o, CDM_ERR_INTERNAL, "could not judge the KPI targets");
    if (only) {
        o->body = json_incref(json_array_get(items, 0));
        json_decref(items);
        o->status = o->body ? CDM_OK : CDM_ERR_NOT_FOUND;
        return o->status;
    }
    o->body = json_pack("{s:s, s:o}", "neighbourhoodId", neighbourhood, "items", items);
    o->status = o->body ? CDM_OK : CDM_ERR_INTERNAL;
    return o->status;
}

/* A resend of a stored id: the same body and neighbourhood → the target as it
 * is (200, replayed), anything else → 409. */
static enum cdm_status kpi_resent(PGconn *db, const struct route_call *call, const char *id,
                                  const char *digest, struct outcome *o)
{
    const char *params[KPI_EXISTING_NPARAMS] = {[KPI_EXISTING_P_ID] = id};
    PGresult *r = DB_RUN(db, KPI_EXISTING, params);
    if (!db_ok(r) || PQntuples(r) != 1) {
        outcome_db_fail(o, db, r, "reading the KPI target");
        PQclear(r);
        return o->status;
    }
    bool same = strcmp(PQgetvalue(r, 0, KPI_EXISTING_DIGEST), digest) == 0 &&
                strcmp(PQgetvalue(r, 0, KPI_EXISTING_NEIGHBOURHOOD_ID), call->id) == 0;
    bool withdrawn = strcmp(PQgetvalue(r, 0, KPI_EXISTING_WITHDRAWN), "t") == 0;
    PQclear(r);
    if (!same)
        return outcome_fail_at(o, CDM_ERR_CONFLICT, "/id",
                               "KPI target %s was already set with a different body", id);
    if (withdrawn) { /* a withdrawn id resent stays withdrawn */
        o->body = json_pack("{s:s, s:s}", "id", id, "status", "withdrawn");
        o->status = CDM_REPLAYED;
        return o->status;
    }
    if (kpi_read(db, call, call->id, id, o) == CDM_OK)
        o->status = CDM_REPLAYED;
    return o->status;
}

/* Sets a target on a neighbourhood of a programme, with its record.created
 * event in one statement. Resident-survey and dated (registry, assets,
 * agency) indicators; sector figures exist at locality level only (SPEC §3). */
static enum cdm_status kpi_create(PGconn *db, const struct route_call *call, struct outcome *o)
{
    const json_t *body = call->body;
    if (!principal_may(call->who, call->id))
        return outcome_fail(o, CDM_ERR_NOT_FOUND, "no such neighbourhood");
    const char *indicator = json_string_value(json_object_get(body, "indicator"));
    const struct indicator_def *def = indicator_find(indicator);
    if (!def)
        return outcome_fail_at(o, CDM_ERR_VALIDATION, "/indicator", "no indicator %s in the catalogue",
                               indicator);
    bool dated = dated_index(def->id) >= 0;
    bool resident = def->classify && strcmp(def->source, "resident") == 0;
    if (!resident && !dated) /* sector figures exist at locality level only */
        return outcome_fail_at(o, CDM_ERR_VALIDATION, "/indicator",
                               "%s is a locality-level indicator: a neighbourhood cannot target it",
                               indicator);
    /* Proportions and ratios stay within 0..1; counts and rates may exceed 1. */
    double target_value = json_number_value(json_object_get(body, "target"));
    bool bounded = strcmp(def->unit, "proportion") == 0 || strcmp(def->unit, "ratio") == 0;
    if (bounded && target_value > 1)
        return outcome_fail_at(o, CDM_ERR_VALIDATION, "/target",
                               "%s is a %s: its target is between 0 and 1", indicator, def->unit);
    long due = (long)json_integer_value(json_object_get(body, "dueMonth"));
    const char *pp[KPI_PROGRAMME_NPARAMS] = {[KPI_PROGRAMME_P_NEIGHBOURHOOD] = call->id};
    PGresult *r = DB_RUN(db, KPI_PROGRAMME, pp);
    if (!db_ok(r)) {
        outcome_db_fail(o, db, r, "reading the programme");
        PQclear(r);
        return o->status;
    }
    if (PQntuples(r) == 0) {
        PQclear(r);
        return outcome_fail(o, CDM_ERR_NOT_FOUND, "no such neighbourhood");
    }
    bool programme = !PQgetisnull(r, 0, KPI_PROGRAMME_START_DATE);
    int stages[PROGRAMME_STAGES] = {6, 18, 18, 18};
    if (programme)
        sscanf(PQgetvalue(r, 0, KPI_PROGRAMME_STAGE_MONTHS), "{%d,%d,%d,%d}", &stages[0], &stages[1], &stages[2], &stages[3]);
    PQclear(r);
    if (!programme)
        return outcome_fail(o, CDM_ERR_VALIDATION,
                            "the neighbourhood belongs to no programme: a due month means nothing");
    if (due > programme_total_months(stages))
        return outcome_fail_at(o, CDM_ERR_VALIDATION, "/dueMonth",
                               "the programme has %d months", programme_total_months(stages));

    char id[UUID_STR_LEN], digest[65], target[32], due_s[24], event_id[UUID_STR_LEN];
    uuid_normalise(json_string_value(json_object_get(body, "id")), id);
    if (!record_body_digest_hex(body, digest))
        return outcome_fail(o, CDM_ERR_INTERNAL, "out of memory");
    snprintf(target, sizeof target, "%.17g", json_number_value(json_object_get(body, "target")));
    snprintf(due_s, sizeof due_s, "%ld", due);
    json_t *neighbourhood_ids = json_pack("[s]", call->id);
    char *payload = neighbourhood_ids ? record_event_payload(call, "created", ENTITY_KPI_TARGET,
                                                             id, 1, neighbourhood_ids, event_id)
                                      : NULL;
    json_decref(neighbourhood_ids);
    if (!payload)
        return outcome_fail(o, CDM_ERR_INTERNAL, "out of memory");
    struct provenance p = provenance_of(call);
    const char *params[KPI_INSERT_NPARAMS] = {
        [KPI_INSERT_P_ID] = id,           [KPI_INSERT_P_NEIGHBOURHOOD] = call->id,
        [KPI_INSERT_P_INDICATOR] = indicator, [KPI_INSERT_P_TARGET] = target,
        [KPI_INSERT_P_DUE_MONTH] = due_s, [KPI_INSERT_P_DIGEST] = digest,
        [KPI_INSERT_P_AGENCY] = p.agency_id, [KPI_INSERT_P_KEY] = p.key_id,
        [KPI_INSERT_P_EVALUATOR] = p.evaluator, [KPI_INSERT_P_EVENT_ID] = event_id,
        [KPI_INSERT_P_TOPIC] = call->ctx->cfg->topic_submissions, [KPI_INSERT_P_EVENT] = payload};
    r = DB_RUN(db, KPI_INSERT, params);
    free(payload);
    if (!db_ok(r)) {
        if (strcmp(db_sqlstate(r), "23505") == 0) /* the live (neighbourhood, indicator, month) */
            outcome_fail_at(o, CDM_ERR_CONFLICT, "/dueMonth",
                            "a live target for %s due in month %ld exists; withdraw it first",
                            indicator, due);
        else
            outcome_db_fail(o, db, r, "storing the KPI target");
        PQclear(r);
        return o->status;
    }
    bool stored = strcmp(PQgetvalue(r, 0, KPI_INSERT_STORED), "1") == 0;
    PQclear(r);
    if (!stored)
        return kpi_resent(db, call, id, digest, o);
    outbox_wake(db);
    if (kpi_read(db, call, call->id, id, o) == CDM_OK) {
        o->status = CDM_CREATED;
        snprintf(o->location, sizeof o->location, "/v1/neighbourhoods/%s/kpis", call->id);
    }
    return o->status;
}

static enum cdm_status kpi_list(PGconn *db, const struct route_call *call, struct outcome *o)
{
    if (!principal_may(call->who, call->id))
        return outcome_fail(o, CDM_ERR_NOT_FOUND, "no such neighbourhood");
    const char *pp[KPI_PROGRAMME_NPARAMS] = {[KPI_PROGRAMME_P_NEIGHBOURHOOD] = call->id};
    PGresult *r = DB_RUN(db, KPI_PROGRAMME, pp);
    bool exists = db_ok(r) && PQntuples(r) == 1;
    PQclear(r);
    if (!exists)
        return outcome_fail(o, CDM_ERR_NOT_FOUND, "no such neighbourhood");
    return kpi_read(db, call, call->id, NULL, o);
}

/* Withdraws a target (kept, out of every list) with its record.withdrawn
 * event; idempotent. */
static enum cdm_status kpi_withdraw(PGconn *db, const struct route_call *call, struct outcome *o)
{
    const char *params[KPI_EXISTING_NPARAMS] = {[KPI_EXISTING_P_ID] = call->id};
    PGresult *r = DB_RUN(db, KPI_EXISTING, params);
    if (!db_ok(r)) {
        outcome_db_fail(o, db, r, "reading the KPI target");
        PQclear(r);
        return o->status;
    }
    char neighbourhood[UUID_STR_LEN] = "";
    if (PQntuples(r) == 1)
        snprintf(neighbourhood, sizeof neighbourhood, "%s",
                 PQgetvalue(r, 0, KPI_EXISTING_NEIGHBOURHOOD_ID));
    PQclear(r);
    if (!neighbourhood[0] || !principal_may(call->who, neighbourhood))
        return outcome_fail(o, CDM_ERR_NOT_FOUND, "no such KPI target");
    char event_id[UUID_STR_LEN];
    json_t *neighbourhood_ids = json_pack("[s]", neighbourhood);
    char *payload = neighbourhood_ids ? record_event_payload(call, "withdrawn", ENTITY_KPI_TARGET,
                                                             call->id, 2, neighbourhood_ids,
                                                             event_id)
                                      : NULL;
    json_decref(neighbourhood_ids);
    if (!payload)
        return outcome_fail(o, CDM_ERR_INTERNAL, "out of memory");
    const char *wp[KPI_WITHDRAW_NPARAMS] = {[KPI_WITHDRAW_P_ID] = call->id,
                                            [KPI_WITHDRAW_P_EVENT_ID] = event_id,
                                            [KPI_WITHDRAW_P_TOPIC] =
                                                call->ctx->cfg->topic_submissions,
                                            [KPI_WITHDRAW_P_EVENT] = payload};
    r = DB_RUN(db, KPI_WITHDRAW, wp);
    free(payload);
    if (!db_ok(r)) {
        outcome_db_fail(o, db, r, "withdrawing the KPI target");
        PQclear(r);
        return o->status;
    }
    if (strcmp(PQgetvalue(r, 0, KPI_WITHDRAW_WITHDRAWN), "0") != 0)
        outbox_wake(db);
    PQclear(r);
    o->body = json_pack("{s:s, s:s}", "id", call->id, "status", "withdrawn");
    o->status = o->body ? CDM_OK : CDM_ERR_INTERNAL;
    return o->status;
}

const struct route kpi_routes[] = {
    {.method = "POST", .path = "/v1/neighbourhoods/:id/kpis", .logic = kpi_create,
     .schema = "kpi-create.json", .not_found = "no such neighbourhood", .scope = SCOPE_ADMIN},
    {.method = "GET", .path = "/v1/neighbourhoods/:id/kpis", .logic = kpi_list,
     .not_found = "no such neighbourhood", .scope = SCOPE_READ},
    {.method = "DELETE", .path = "/v1/kpis/:id", .logic = kpi_withdraw,
     .not_found = "no such KPI target", .scope = SCOPE_ADMIN},
    {.method = NULL},
};
