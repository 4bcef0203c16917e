/* responses.c — survey responses of the three instruments: submit once
 * (idempotent by client id), withdraw */
#include "envelope.h"
#include "http.h"
#include "ids.h"
#include "instruments.h"
#include "log.h"
#include "outbox.h"
#include "queries.h"
#include "records.h"
#include "survey.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const struct instrument instruments[] = {
    {"resident", "resident-response.json"},
    {"sector", "sector-response.json"},
    {"agency", "agency-report.json"},
};

const struct instrument *instrument_named(const char *name)
{
    for (size_t i = 0; name && i < sizeof instruments / sizeof instruments[0]; i++)
        if (strcmp(instruments[i].name, name) == 0)
            return &instruments[i];
    return NULL;
}

/* The ids a response is about, lower case; "" where the instrument has none. */
struct response_ids {
    char id[UUID_STR_LEN], round[UUID_STR_LEN], area[UUID_STR_LEN], org[UUID_STR_LEN],
        agency[UUID_STR_LEN];
};

static const char *or_null(const char *s)
{
    return s && *s ? s : NULL;
}

/* What the API answers for a stored response, the first time and on every
 * identical resend. Caller owns the result. */
static json_t *accepted_body(const char *instrument, const struct response_ids *ids,
                             const char *received, bool withdrawn)
{
    json_t *b = json_pack("{s:s, s:s, s:s, s:s?, s:s, s:s}", "id", ids->id, "instrument",
                          instrument, "roundId", ids->round, "neighbourhoodId",
                          or_null(ids->area), "status", withdrawn ? "withdrawn" : "accepted",
                          "receivedAt", received);
    if (b && ids->org[0])
        json_object_set_new(b, "organisationId", json_string(ids->org));
    if (b && ids->agency[0])
        json_object_set_new(b, "agencyId", json_string(ids->agency));
    return b;
}

/* A response id already stored (row r of Q_INSTR_EXISTING): identical body →
 * replay of the first answer, different → 409. */
static enum cdm_status compare_existing(const PGresult *r, const char *id,
                                        const char *digest_hex, struct outcome *o)
{
    struct response_ids ids = {0};
    snprintf(ids.id, sizeof ids.id, "%s", id);
    if (strcmp(PQgetvalue(r, 0, 0), digest_hex) != 0)
        return outcome_fail_at(o, CDM_ERR_CONFLICT, "/id",
                               "response %s was already submitted with a different body", ids.id);
    snprintf(ids.round, sizeof ids.round, "%s", PQgetvalue(r, 0, 1));
    snprintf(ids.area, sizeof ids.area, "%s", PQgetvalue(r, 0, 2));
    snprintf(ids.org, sizeof ids.org, "%s", PQgetvalue(r, 0, 6));
    snprintf(ids.agency, sizeof ids.agency, "%s", PQgetvalue(r, 0, 7));
    o->body = accepted_body(PQgetvalue(r, 0, 5), &ids, PQgetvalue(r, 0, 3),
                            strcmp(PQgetvalue(r, 0, 4), "t") == 0);
    o->status = CDM_REPLAYED;
    return o->status;
}

/* The CloudEvent announcing a response's submission or withdrawal. Its id is
 * derived from (type, response id): however often resent, one event. Sector
 * responses have no neighbourhood (their figures are locality-wide).
 * Returns a new reference (caller json_decref()s) or NULL. */
static json_t *response_event(const struct api_ctx *ctx, const char *type,
                              const struct response_ids *ids, const char *instrument,
                              const char *request_id)
{
    char event_id[UUID_STR_LEN], when[40], source[300], subject[64];
    const char *parts[] = {type, ids->id, NULL};
    uuid_derive(event_id, parts);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    rfc3339_utc(&now, when, sizeof when);
    snprintf(source, sizeof source, "%s/api", ctx->cfg->event_source);
    snprintf(subject, sizeof subject, "responses/%s", ids->id);
    json_t *data = json_pack("{s:s, s:s, s:s?, s:s, s:s}", "responseId", ids->id, "roundId",
                             ids->round, "neighbourhoodId", or_null(ids->area), "instrument",
                             instrument, "requestId", request_id ? request_id : "");
    if (data && ids->org[0])
        json_object_set_new(data, "organisationId", json_string(ids->org));
    if (data && ids->agency[0])
        json_object_set_new(data, "agencyId", json_string(ids->agency));
    return data ? envelope_new(event_id, source, type, subject, when, data) : NULL;
}

/* The Kafka key of a response's events: its neighbourhood, so one
 * neighbourhood's events stay in order; a sector response, which has none,
 * is keyed by its round. */
static const char *event_key(const struct response_ids *ids)
{
    return ids->area[0] ? ids->area : ids->round;
}

static void uuid_field(const json_t *item, const char *key, char out[UUID_STR_LEN])
{
    const char *s = json_string_value(json_object_get(item, key));
    if (s)
        uuid_normalise(s, out);
    else
        out[0] = '\0';
}

/* The answers column: the resident and sector answers, or an agency report's
 * content (everything but the ids). Caller frees. */
static char *answers_text(const struct instrument *ins, const json_t *item)
{
    if (strcmp(ins->name, "agency") != 0)
        return json_dumps(json_object_get(item, "answers"), JSON_COMPACT | JSON_SORT_KEYS);
    json_t *copy = json_deep_copy(item);
    if (!copy)
        return NULL;
    const char *drop[] = {"id", "roundId", "neighbourhoodId", "agencyId"};
    for (size_t i = 0; i < sizeof drop / sizeof drop[0]; i++)
        json_object_del(copy, drop[i]);
    char *s = json_dumps(copy, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(copy);
    return s;
}

/* Checks what the schema cannot: dates in order, counts that agree. */
static enum cdm_status instrument_precheck(const struct instrument *ins, const json_t *item,
                                           struct outcome *o)
{
    if (strcmp(ins->name, "agency") != 0)
        return CDM_OK;
    const json_t *period = json_object_get(item, "period");
    const char *from = json_string_value(json_object_get(period, "from"));
    const char *to = json_string_value(json_object_get(period, "to"));
    if (from && to && strcmp(to, from) < 0) /* ISO dates compare as strings */
        return outcome_fail_at(o, CDM_ERR_VALIDATION, "/period/to",
                               "the period cannot end before it starts");
    const json_t *mod = json_object_get(item, "servicesModified");
    json_int_t count = json_integer_value(json_object_get(mod, "count"));
    if (mod && (json_int_t)json_array_size(json_object_get(mod, "examples")) > count)
        return outcome_fail_at(o, CDM_ERR_VALIDATION, "/servicesModified/examples",
                               "more examples than services modified (count %lld)",
                               (long long)count);
    return CDM_OK;
}

/* Why a response that was not stored and is not a resend was refused, from
 * the checks row of Q_INSTR_SUBMIT. Returns CDM_OK when the only thing
 * missing is the round's weighting decision (made meanwhile by a concurrent
 * response: the caller tries again). */
static enum cdm_status refusal(const PGresult *r, const struct instrument *ins,
                               const struct response_ids *ids, const char *area_code,
                               bool weighted, struct outcome *o)
{
    bool is_sector = strcmp(ins->name, "sector") == 0;
    /* Coverage first, and one message for "absent" and "not yours": nothing
     * about a round or organisation outside the key's neighbourhoods shows. */
    if (strcmp(PQgetvalue(r, 0, 5), "t") != 0)
        return outcome_fail_at(o, CDM_ERR_VALIDATION, "/organisationId",
                               "no such organisation %s", ids->org);
    if (PQgetisnull(r, 0, 0) || strcmp(PQgetvalue(r, 0, 1), "t") != 0) {
        if (is_sector)
            return outcome_fail_at(o, CDM_ERR_VALIDATION, "/roundId",
                                   "no survey round %s covering a neighbourhood that organisation %s serves",
                                   ids->round, ids->org);
        return outcome_fail_at(o, CDM_ERR_VALIDATION, "/roundId",
                               "no survey round %s covering neighbourhood %s", ids->round,
                               ids->area);
    }
    if (strcmp(PQgetvalue(r, 0, 0), ins->name) != 0)
        return outcome_fail_at(o, CDM_ERR_VALIDATION, "/roundId",
                               "round %s fields the %s instrument, not the %s one", ids->round,
                               PQgetvalue(r, 0, 0), ins->name);
    if (strcmp(PQgetvalue(r, 0, 2), "t") == 0)
        return outcome_fail_at(o, CDM_ERR_VALIDATION, "/roundId",
                               "round %s is closed: it takes no more responses", ids->round);
    if (strcmp(PQgetvalue(r, 0, 6), "t") != 0)
        return outcome_fail_at(o, CDM_ERR_VALIDATION, "/agencyId", "no such agency %s",
                               ids->agency);
    if (area_code && strcmp(PQgetvalue(r, 0, 4), "t") != 0)
        return outcome_fail_at(o, CDM_ERR_VALIDATION, "/areaCode",
                               "area %s is not in neighbourhood %s", area_code, ids->area);
    if (strcmp(ins->name, "resident") == 0 && !PQgetisnull(r, 0, 3)) {
        bool round_weighted = strcmp(PQgetvalue(r, 0, 3), "t") == 0;
        if (round_weighted != weighted)
            return outcome_fail_at(o, CDM_ERR_VALIDATION, "/weight",
                                   round_weighted
                                       ? "the responses of round %s carry design weights: this one needs one too"
                                       : "the responses of round %s carry no design weights: this one cannot have one",
                                   ids->round);
    }
    return CDM_OK;
}

/* The unit a submission's statement runs in: its own transaction, or a
 * savepoint in the caller's. Whatever the statement did (its claim of the
 * round's weighting) is undone unless the response was stored. */
static bool submit_begin(PGconn *db, bool in_tx)
{
    return db_exec(db, in_tx ? "SAVEPOINT submit" : "BEGIN");
}

static bool submit_end(PGconn *db, bool in_tx, bool stored)
{
    if (stored)
        return db_exec(db, in_tx ? "RELEASE SAVEPOINT submit" : "COMMIT");
    if (!in_tx)
        return db_exec(db, "ROLLBACK");
    return db_exec(db, "ROLLBACK TO SAVEPOINT submit") && db_exec(db, "RELEASE SAVEPOINT submit");
}

enum cdm_status instrument_submit(PGconn *db, const struct route_call *call,
                                  const struct instrument *ins, const json_t *item, bool in_tx,
                                  struct outcome *o)
{
    const struct api_ctx *ctx = call->ctx;
    const struct principal *who = call->who;
    struct response_ids ids = {0};
    char weight[WEIGHT_TEXT_LEN], digest_hex[65];
    int64_t micro;
    bool is_resident = strcmp(ins->name, "resident") == 0;
    const json_t *jweight = json_object_get(item, "weight");
    if (is_resident && !weight_parse(jweight, &micro))
        return outcome_fail_at(o, CDM_ERR_VALIDATION, "/weight",
                               "weight must be a number above 0 and at most 1000, with at most 6 decimals");
    if (is_resident)
        weight_format(micro, weight);
    if (instrument_precheck(ins, item, o) != CDM_OK)
        return o->status;
    uuid_field(item, "id", ids.id);
    uuid_field(item, "roundId", ids.round);
    uuid_field(item, "neighbourhoodId", ids.area);
    uuid_field(item, "organisationId", ids.org);
    if (strcmp(ins->name, "agency") == 0) {
        /* The reporting agency is the key's own; an admin may name another. */
        uuid_field(item, "agencyId", ids.agency);
        if (!ids.agency[0] && who)
            snprintf(ids.agency, sizeof ids.agency, "%.36s", who->agency_id);
        if (who && strcmp(ids.agency, who->agency_id) != 0 && !(who->scopes & SCOPE_ADMIN))
            return outcome_fail_at(o, CDM_ERR_VALIDATION, "/agencyId",
                                   "only an admin key may report for another agency");
        if (!ids.agency[0])
            return outcome_fail_at(o, CDM_ERR_VALIDATION, "/agencyId",
                                   "name the reporting agency");
    }
    /* A neighbourhood outside the key's is answered like one that does not exist. */
    if (ids.area[0] && !principal_may(who, ids.area))
        return outcome_fail_at(o, CDM_ERR_VALIDATION, "/roundId",
                               "no survey round %s covering neighbourhood %s", ids.round, ids.area);
    /* An agency report's digest covers the agency stored (the key's by
     * default), so another agency resending the same id and body is a
     * conflict, not a replay of the first agency's report. */
    if (!(ids.agency[0] ? record_body_digest_with(item, "agencyId", ids.agency, digest_hex)
                        : record_body_digest_hex(item, digest_hex)))
        return outcome_fail(o, CDM_ERR_INTERNAL, "out of memory");

    const json_t *jrespondent = json_object_get(item, "respondent");
    const char *area_code = json_string_value(json_object_get(item, "areaCode"));
    char *answers = answers_text(ins, item);
    char *respondent = jrespondent ? json_dumps(jrespondent, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_t *ev = response_event(ctx, EVT_RESPONSE_SUBMITTED, &ids, ins->name, call->request_id);
    char *payload = ev ? json_dumps(ev, JSON_COMPACT) : NULL;
    struct provenance prov = provenance_of(call);
    PGresult *r = NULL;
    if (!answers || !payload || (jrespondent && !respondent)) {
        outcome_fail(o, CDM_ERR_INTERNAL, "out of memory");
        goto out;
    }
    const char *params[] = {ids.id, ids.round, ins->name, or_null(ids.area), area_code,
                            or_null(ids.org), or_null(ids.agency), answers, respondent,
                            is_resident && jweight ? weight : NULL, digest_hex,
                            json_string_value(json_object_get(ev, "id")),
                            ctx->cfg->topic_submissions, event_key(&ids), payload,
                            principal_areas_param(who), prov.agency_id, prov.key_id,
                            prov.evaluator, "false"};
    /* The round's weighting is decided once, by its first response. So: the
     * statement alone (one round trip), which stores the response when the
     * round has decided; only when it has not, again in a transaction that
     * may decide it; and a third time if a concurrent first response decided
     * it meanwhile. */
    for (int attempt = 0; attempt < 3; attempt++) {
        bool claim = attempt == 1, wrapped = in_tx || claim;
        params[19] = claim ? "true" : "false";
        PQclear(r);
        r = NULL;
        if (wrapped && !submit_begin(db, in_tx)) {
            outcome_fail(o, CDM_ERR_UNAVAILABLE, "the database is not reachable; retry later");
            goto out;
        }
        r = db_run(db, Q_INSTR_SUBMIT, 20, params);
        if (!db_ok(r)) {
            if (wrapped)
                submit_end(db, in_tx, false);
            goto db_error;
        }
        bool stored = !PQgetisnull(r, 0, 7);
        if (wrapped && !submit_end(db, in_tx, stored)) {
            outcome_fail(o, CDM_ERR_UNAVAILABLE, "the database did not commit; retry later");
            goto out;
        }
        if (stored) { /* with its event */
            o->body = accepted_body(ins->name, &ids, PQgetvalue(r, 0, 7), false);
            o->status = CDM_CREATED;
            snprintf(o->location, sizeof o->location, "/v1/responses/%s", ids.id);
            if (!in_tx)
                outbox_wake(db);
            goto out;
        }
        /* Not stored: a resend (the id exists, perhaps committed by a
         * concurrent request, which the insert waited for), or a check failed. */
        const char *idp[] = {ids.id};
        PGresult *e = db_run(db, Q_INSTR_EXISTING, 1, idp);
        if (!db_ok(e)) {
            PQclear(r);
            r = e;
            goto db_error;
        }
        if (PQntuples(e) == 1) {
            compare_existing(e, ids.id, digest_hex, o);
            PQclear(e);
            goto out;
        }
        PQclear(e);
        if (refusal(r, ins, &ids, area_code, jweight != NULL, o) != CDM_OK)
            goto out;
        /* Every check held but a concurrent first response of the round was
         * deciding its weighting: try again against its decision. */
    }
    outcome_fail(o, CDM_ERR_INTERNAL, "the response could not be stored");
    goto out;
db_error:
    outcome_db_fail(o, db, r, "storing the response (it was not accepted)");
out:
    PQclear(r);
    free(answers);
    free(respondent);
    free(payload);
    json_decref(ev);
    return o->status;
}

/* Withdraws a response of any instrument: it leaves every aggregate through
 * its event, committed with it in one statement. Idempotent: a withdrawn
 * response stays withdrawn (and a resend of it is answered as withdrawn). */
static enum cdm_status response_withdraw(PGconn *db, const struct route_call *call,
                                         struct outcome *o)
{
    struct response_ids ids = {0};
    char *payload = NULL;
    json_t *ev = NULL;
    const char *vp[] = {call->id, principal_areas_param(call->who), record_withdrawer_param(call)};
    PGresult *r = db_run(db, Q_INSTR_RESPONSE_VISIBLE, 3, vp);
    if (!db_ok(r))
        goto db_error;
    if (PQntuples(r) == 0) {
        outcome_fail(o, CDM_ERR_NOT_FOUND, "no such response");
        goto out;
    }
    char instrument[16];
    snprintf(ids.id, sizeof ids.id, "%s", call->id);
    snprintf(ids.round, sizeof ids.round, "%s", PQgetvalue(r, 0, 0));
    snprintf(ids.area, sizeof ids.area, "%s", PQgetvalue(r, 0, 1));
    snprintf(instrument, sizeof instrument, "%s", PQgetvalue(r, 0, 2));
    snprintf(ids.org, sizeof ids.org, "%s", PQgetvalue(r, 0, 3));
    snprintf(ids.agency, sizeof ids.agency, "%s", PQgetvalue(r, 0, 4));
    PQclear(r);
    r = NULL;
    ev = response_event(call->ctx, EVT_RESPONSE_WITHDRAWN, &ids, instrument, call->request_id);
    payload = ev ? json_dumps(ev, JSON_COMPACT) : NULL;
    if (!payload) {
        outcome_fail(o, CDM_ERR_INTERNAL, "out of memory");
        goto out;
    }
    const char *wp[] = {ids.id, json_string_value(json_object_get(ev, "id")),
                        call->ctx->cfg->topic_submissions, event_key(&ids), payload};
    r = db_run(db, Q_INSTR_WITHDRAW, 5, wp);
    if (!db_ok(r))
        goto db_error;
    if (strcmp(PQgetvalue(r, 0, 0), "0") != 0)
        outbox_wake(db);
    o->body = json_pack("{s:s, s:s}", "id", ids.id, "status", "withdrawn");
    o->status = CDM_OK;
    goto out;
db_error:
    outcome_db_fail(o, db, r, "withdrawing the response");
out:
    PQclear(r);
    free(payload);
    json_decref(ev);
    return o->status;
}

static enum cdm_status submit_resident(PGconn *db, const struct route_call *call,
                                       struct outcome *o)
{
    return instrument_submit(db, call, instrument_named("resident"), call->body, false, o);
}

static enum cdm_status submit_sector(PGconn *db, const struct route_call *call,
                                     struct outcome *o)
{
    return instrument_submit(db, call, instrument_named("sector"), call->body, false, o);
}

static enum cdm_status submit_agency(PGconn *db, const struct route_call *call,
                                     struct outcome *o)
{
    return instrument_submit(db, call, instrument_named("agency"), call->body, false, o);
}

static int post_response(const struct _u_request *req, struct _u_response *res, void *user)
{
    return http_run_body(user, req, res, "resident-response.json", submit_resident, NULL);
}

static int post_sector_response(const struct _u_request *req, struct _u_response *res,
                                void *user)
{
    return http_run_body(user, req, res, "sector-response.json", submit_sector, NULL);
}

static int post_agency_report(const struct _u_request *req, struct _u_response *res, void *user)
{
    return http_run_body(user, req, res, "agency-report.json", submit_agency, NULL);
}

static int delete_response(const struct _u_request *req, struct _u_response *res, void *user)
{
    return http_run_id(user, req, res, "no such response", NULL, response_withdraw);
}

const struct route response_routes[] = {
    {"POST", "/v1/responses", post_response, SCOPE_SUBMIT},
    {"POST", "/v1/sector-responses", post_sector_response, SCOPE_SUBMIT},
    {"POST", "/v1/agency-reports", post_agency_report, SCOPE_SUBMIT},
    {"DELETE", "/v1/responses/:id", delete_response, SCOPE_SUBMIT},
    {NULL, NULL, NULL, 0},
};
