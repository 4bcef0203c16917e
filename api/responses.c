/* responses.c — survey responses: submit once (idempotent by client id), withdraw */
#include "envelope.h"
#include "http.h"
#include "ids.h"
#include "log.h"
#include "outbox.h"
#include "queries.h"
#include "survey.h"
#include <stdio.h>
#include <string.h>
#include <time.h>

/* What the API answers for an accepted response, the first time and on every
 * identical resend. Caller owns the result. */
static json_t *accepted_body(const char *id, const char *round, const char *area,
                             const char *received, bool withdrawn)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", id, "roundId", round,
                     "neighbourhoodId", area, "status", withdrawn ? "withdrawn" : "accepted",
                     "receivedAt", received);
}

/* A response id already stored: identical body → replay, different → 409. */
static enum cdm_status compare_existing(PGresult *r, const char *id, const char *digest_hex,
                                        struct outcome *o)
{
    if (strcmp(PQgetvalue(r, 0, 0), digest_hex) != 0)
        return outcome_fail_at(o, CDM_ERR_CONFLICT, "/id",
                               "response %s was already submitted with a different body", id);
    o->body = accepted_body(id, PQgetvalue(r, 0, 1), PQgetvalue(r, 0, 2), PQgetvalue(r, 0, 3),
                            strcmp(PQgetvalue(r, 0, 4), "t") == 0);
    o->status = CDM_REPLAYED;
    return o->status;
}

/* The CloudEvent announcing a response's submission or withdrawal. Its id is
 * derived from (type, response id): however often resent, one event.
 * Returns a new reference (caller json_decref()s) or NULL. */
static json_t *response_event(const struct api_ctx *ctx, const char *type, const char *id,
                              const char *round, const char *area, const char *instrument,
                              const char *request_id)
{
    char event_id[UUID_STR_LEN], when[40], source[300], subject[64];
    const char *parts[] = {type, id, NULL};
    uuid_derive(event_id, parts);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    rfc3339_utc(&now, when, sizeof when);
    snprintf(source, sizeof source, "%s/api", ctx->cfg->event_source);
    snprintf(subject, sizeof subject, "responses/%s", id);
    json_t *data = json_pack("{s:s, s:s, s:s, s:s, s:s}", "responseId", id, "roundId", round,
                             "neighbourhoodId", area, "instrument", instrument, "requestId",
                             request_id);
    return envelope_new(event_id, source, type, subject, when, data);
}

/* Adds an event about a response to the outbox, in the open transaction. */
static bool emit_response_event(const struct api_ctx *ctx, PGconn *db, const char *type,
                                const char *id, const char *round, const char *area,
                                const char *instrument, const char *request_id)
{
    json_t *ev = response_event(ctx, type, id, round, area, instrument, request_id);
    bool ok = ev && outbox_add(db, ctx->cfg->topic_submissions, area, ev);
    json_decref(ev);
    return ok;
}

/* Stores a schema-valid resident response and its event in one statement
 * (one implicit transaction), or recognises a resend. */
static enum cdm_status response_submit(PGconn *db, const struct route_call *call,
                                       struct outcome *o)
{
    const struct api_ctx *ctx = call->ctx;
    const struct principal *who = call->who;
    const json_t *body = call->body;
    const char *request_id = call->request_id;
    char id[UUID_STR_LEN], round[UUID_STR_LEN], area[UUID_STR_LEN], weight[WEIGHT_TEXT_LEN];
    char digest_hex[65];
    unsigned char digest[32];
    int64_t micro;
    const json_t *jweight = json_object_get(body, "weight");
    if (!weight_parse(jweight, &micro))
        return outcome_fail_at(o, CDM_ERR_VALIDATION, "/weight",
                               "weight must be a number above 0 and at most 1000, with at most 6 decimals");
    weight_format(micro, weight);
    uuid_normalise(json_string_value(json_object_get(body, "id")), id);
    uuid_normalise(json_string_value(json_object_get(body, "roundId")), round);
    uuid_normalise(json_string_value(json_object_get(body, "neighbourhoodId")), area);
    if (!principal_may(who, area)) /* answered like a neighbourhood that does not exist */
        return outcome_fail_at(o, CDM_ERR_VALIDATION, "/roundId",
                               "no survey round %s covering neighbourhood %s", round, area);
    if (!body_digest(body, digest))
        return outcome_fail(o, CDM_ERR_INTERNAL, "out of memory");
    for (int i = 0; i < 32; i++)
        snprintf(digest_hex + 2 * i, 3, "%02x", digest[i]);

    const json_t *jrespondent = json_object_get(body, "respondent");
    char *answers = json_dumps(json_object_get(body, "answers"), JSON_COMPACT | JSON_SORT_KEYS);
    char *respondent = jrespondent ? json_dumps(jrespondent, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_t *ev = response_event(ctx, EVT_RESPONSE_SUBMITTED, id, round, area, "resident", request_id);
    char *payload = ev ? json_dumps(ev, JSON_COMPACT) : NULL;
    PGresult *r = NULL;
    if (!answers || !payload || (jrespondent && !respondent)) {
        outcome_fail(o, CDM_ERR_INTERNAL, "out of memory");
        goto out;
    }
    const char *params[] = {id, round, area, answers, respondent, jweight ? weight : NULL,
                            digest_hex, json_string_value(json_object_get(ev, "id")),
                            ctx->cfg->topic_submissions, payload};
    r = db_run(db, Q_RESPONSE_SUBMIT, 10, params);
    if (!db_ok(r))
        goto db_error;
    if (!PQgetisnull(r, 0, 1)) { /* stored, with its event */
        o->body = accepted_body(id, round, area, PQgetvalue(r, 0, 1), false);
        o->status = CDM_CREATED;
        snprintf(o->location, sizeof o->location, "/v1/responses/%s", id);
        outbox_wake(db);
        goto out;
    }
    bool covered = !PQgetisnull(r, 0, 0);
    char instrument[16];
    snprintf(instrument, sizeof instrument, "%s", covered ? PQgetvalue(r, 0, 0) : "");
    /* Not stored: a resend (the id exists, perhaps committed by a concurrent
     * request, which the insert waited for), or a round that does not fit. */
    PQclear(r);
    const char *idp[] = {id};
    r = db_run(db, Q_RESPONSE_EXISTING, 1, idp);
    if (!db_ok(r))
        goto db_error;
    if (PQntuples(r) == 1)
        compare_existing(r, id, digest_hex, o);
    else if (!covered)
        outcome_fail_at(o, CDM_ERR_VALIDATION, "/roundId",
                        "no survey round %s covering neighbourhood %s", round, area);
    else
        outcome_fail_at(o, CDM_ERR_VALIDATION, "/roundId",
                        "round %s fields the %s instrument, not the resident survey", round,
                        instrument);
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

/* Withdraws a response: it leaves every aggregate through its event. Idempotent. */
static enum cdm_status response_withdraw(PGconn *db, const struct route_call *call,
                                         struct outcome *o)
{
    const char *id = call->id;
    const char *idp[] = {id};
    PGresult *r = db_run(db, Q_RESPONSE_AREA, 1, idp);
    if (!db_ok(r))
        goto db_error;
    if (PQntuples(r) == 0 || !principal_may(call->who, PQgetvalue(r, 0, 0))) {
        outcome_fail(o, CDM_ERR_NOT_FOUND, "no such response");
        goto out;
    }
    PQclear(r);
    r = NULL;
    if (!db_exec(db, "BEGIN")) {
        outcome_fail(o, CDM_ERR_UNAVAILABLE, "the database is not reachable; retry later");
        goto out;
    }
    r = db_run(db, Q_RESPONSE_WITHDRAW, 1, idp);
    if (!db_ok(r))
        goto db_error;
    if (PQntuples(r) == 0) { /* it exists (checked above): already withdrawn, nothing to do */
        o->status = CDM_OK;
        goto out;
    }
    if (!emit_response_event(call->ctx, db, EVT_RESPONSE_WITHDRAWN, id, PQgetvalue(r, 0, 0),
                             PQgetvalue(r, 0, 1), PQgetvalue(r, 0, 2), call->request_id))
        goto db_error;
    if (!db_exec(db, "COMMIT")) {
        outcome_fail(o, CDM_ERR_UNAVAILABLE, "the database did not commit; retry later");
        goto out;
    }
    outbox_wake(db);
    o->status = CDM_OK;
    goto out;
db_error:
    outcome_db_fail(o, db, r, "withdrawing the response");
out:
    PQclear(r);
    if (PQstatus(db) == CONNECTION_OK && PQtransactionStatus(db) != PQTRANS_IDLE)
        db_exec(db, "ROLLBACK");
    if (o->status == CDM_OK)
        o->body = json_pack("{s:s, s:s}", "id", id, "status", "withdrawn");
    return o->status;
}

static int post_response(const struct _u_request *req, struct _u_response *res, void *user)
{
    return http_run_body(user, req, res, "resident-response.json", response_submit, NULL);
}

static int delete_response(const struct _u_request *req, struct _u_response *res, void *user)
{
    char id[UUID_STR_LEN];
    if (!http_path_id(req, res, "no such response", id))
        return U_CALLBACK_CONTINUE;
    return http_run(user, req, res, response_withdraw, id);
}

const struct route response_routes[] = {
    {"POST", "/v1/responses", post_response, SCOPE_SUBMIT},
    {"DELETE", "/v1/responses/:id", delete_response, SCOPE_SUBMIT},
    {NULL, NULL, NULL, 0},
};
