/* instruments.c — the three survey instruments: a response stored once with its event, or withdrawn */
#include "instruments.h"
#include "audit.h"
#include "event.h"
#include "ids.h"
#include "outbox.h"
#include "queries.h"
#include "records.h"
#include "survey.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct instrument instruments[] = {
    {"resident", INSTRUMENT_SCHEMA_RESIDENT},
    {"sector", INSTRUMENT_SCHEMA_SECTOR},
    {"agency", INSTRUMENT_SCHEMA_AGENCY},
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
    char id[UUID_STR_LEN], round[UUID_STR_LEN], neighbourhood[UUID_STR_LEN],
        org[UUID_STR_LEN], agency[UUID_STR_LEN];
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
                          or_null(ids->neighbourhood), "status",
                          withdrawn ? "withdrawn" : "accepted", "receivedAt", received);
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
    if (strcmp(PQgetvalue(r, 0, INSTR_EXISTING_DIGEST), digest_hex) != 0)
        return outcome_fail_at(o, CDM_ERR_CONFLICT, "/id",
                               "response %s was already submitted with a different body", ids.id);
    snprintf(ids.round, sizeof ids.round, "%s", PQgetvalue(r, 0, INSTR_EXISTING_ROUND_ID));
    snprintf(ids.neighbourhood, sizeof ids.neighbourhood, "%s",
             PQgetvalue(r, 0, INSTR_EXISTING_NEIGHBOURHOOD_ID));
    snprintf(ids.org, sizeof ids.org, "%s", PQgetvalue(r, 0, INSTR_EXISTING_ORGANISATION_ID));
    snprintf(ids.agency, sizeof ids.agency, "%s", PQgetvalue(r, 0, INSTR_EXISTING_AGENCY_ID));
    o->body = accepted_body(PQgetvalue(r, 0, INSTR_EXISTING_INSTRUMENT), &ids,
                            PQgetvalue(r, 0, INSTR_EXISTING_RECEIVED_AT),
                            strcmp(PQgetvalue(r, 0, INSTR_EXISTING_WITHDRAWN), "t") == 0);
    o->status = CDM_REPLAYED;
    return o->status;
}

/* The CloudEvent announcing a response's submission or withdrawal, as the
 * outbox text, with its id in event_id. The id is derived from (type,
 * response id): however often resent, one event. Sector responses have no
 * neighbourhood (their figures are locality-wide). Returns a malloc'd string
 * the caller free()s, or NULL when out of memory. */
static char *response_event(const struct api_ctx *ctx, const char *type,
                            const struct response_ids *ids, const char *instrument,
                            const char *request_id, char event_id[UUID_STR_LEN])
{
    char subject[64];
    snprintf(subject, sizeof subject, "responses/%s", ids->id);
    const char *parts[] = {type, ids->id, NULL};
    const struct event_spec spec = {.type = type, .source_base = ctx->cfg->event_source,
                                    .origin = "api", .subject = subject, .id_parts = parts};
    json_t *data = json_pack("{s:s, s:s, s:s?, s:s, s:s}", "responseId", ids->id, "roundId",
                             ids->round, "neighbourhoodId", or_null(ids->neighbourhood),
                             "instrument", instrument, "requestId", request_id ? request_id : "");
    if (data && ids->org[0])
        json_object_set_new(data, "organisationId", json_string(ids->org));
    if (data && ids->agency[0])
        json_object_set_new(data, "agencyId", json_string(ids->agency));
    return event_payload(&spec, data, event_id);
}

/* The Kafka key of a response's events: its neighbourhood, so one
 * neighbourhood's events stay in order; a sector response, which has none,
 * is keyed by its round. */
static const char *event_key(const struct response_ids *ids)
{
    return ids->neighbourhood[0] ? ids->neighbourhood : ids->round;
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

/* True when column col of the checks row holds true. */
static bool check_held(const PGresult *r, int col)
{
    return strcmp(PQgetvalue(r, 0, col), "t") == 0;
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
    const char *round_instrument = PQgetvalue(r, 0, INSTR_SUBMIT_ROUND_INSTRUMENT);
    /* Coverage first, and one message for "absent" and "not yours": nothing
     * about a round or organisation outside the key's neighbourhoods shows. */
    if (!check_held(r, INSTR_SUBMIT_ORGANISATION_FOUND))
        return outcome_fail_at(o, CDM_ERR_VALIDATION, "/organisationId",
                               "no such organisation %s", ids->org);
    if (PQgetisnull(r, 0, INSTR_SUBMIT_ROUND_INSTRUMENT) ||
        !check_held(r, INSTR_SUBMIT_COVERED)) {
        if (is_sector)
            return outcome_fail_at(o, CDM_ERR_VALIDATION, "/roundId",
                                   "no survey round %s covering a neighbourhood that organisation %s serves",
                                   ids->round, ids->org);
        return outcome_fail_at(o, CDM_ERR_VALIDATION, "/roundId",
                               "no survey round %s covering neighbourhood %s", ids->round,
                               ids->neighbourhood);
    }
    if (strcmp(round_instrument, ins->name) != 0)
        return outcome_fail_at(o, CDM_ERR_VALIDATION, "/roundId",
                               "round %s fields the %s instrument, not the %s one", ids->round,
                               round_instrument, ins->name);
    if (check_held(r, INSTR_SUBMIT_CLOSED)) /* frozen: its figures are final */
        return outcome_fail_at(o, CDM_ERR_CONFLICT, "/roundId",
                               "round %s is frozen: it takes no more responses", ids->round);
    if (!check_held(r, INSTR_SUBMIT_AGENCY_FOUND))
        return outcome_fail_at(o, CDM_ERR_VALIDATION, "/agencyId", "no such agency %s",
                               ids->agency);
    if (area_code && !check_held(r, INSTR_SUBMIT_AREA_FOUND))
        return outcome_fail_at(o, CDM_ERR_VALIDATION, "/areaCode",
                               "area %s is not in neighbourhood %s", area_code,
                               ids->neighbourhood);
    if (strcmp(ins->name, "resident") == 0 && !PQgetisnull(r, 0, INSTR_SUBMIT_WEIGHTED)) {
        bool round_weighted = check_held(r, INSTR_SUBMIT_WEIGHTED);
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
    char weight[WEIGHT_TEXT_LEN], digest_hex[65], event_id[UUID_STR_LEN];
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
    uuid_field(item, "neighbourhoodId", ids.neighbourhood);
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
    if (ids.neighbourhood[0] && !principal_may(who, ids.neighbourhood))
        return outcome_fail_at(o, CDM_ERR_VALIDATION, "/roundId",
                               "no survey round %s covering neighbourhood %s", ids.round,
                               ids.neighbourhood);
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
    char *payload = response_event(ctx, EVT_RESPONSE_SUBMITTED, &ids, ins->name,
                                   call->request_id, event_id);
    struct provenance prov = provenance_of(call);
    PGresult *r = NULL;
    if (!answers || !payload || (jrespondent && !respondent)) {
        outcome_fail(o, CDM_ERR_INTERNAL, "out of memory");
        goto out;
    }
    const char *params[INSTR_SUBMIT_NPARAMS] = {
        [INSTR_SUBMIT_P_ID] = ids.id,
        [INSTR_SUBMIT_P_ROUND] = ids.round,
        [INSTR_SUBMIT_P_INSTRUMENT] = ins->name,
        [INSTR_SUBMIT_P_NEIGHBOURHOOD] = or_null(ids.neighbourhood),
        [INSTR_SUBMIT_P_AREA_CODE] = area_code,
        [INSTR_SUBMIT_P_ORGANISATION] = or_null(ids.org),
        [INSTR_SUBMIT_P_AGENCY] = or_null(ids.agency),
        [INSTR_SUBMIT_P_ANSWERS] = answers,
        [INSTR_SUBMIT_P_RESPONDENT] = respondent,
        [INSTR_SUBMIT_P_WEIGHT] = is_resident && jweight ? weight : NULL,
        [INSTR_SUBMIT_P_DIGEST] = digest_hex,
        [INSTR_SUBMIT_P_EVENT_ID] = event_id,
        [INSTR_SUBMIT_P_TOPIC] = ctx->cfg->topic_submissions,
        [INSTR_SUBMIT_P_EVENT_KEY] = event_key(&ids),
        [INSTR_SUBMIT_P_EVENT] = payload,
        [INSTR_SUBMIT_P_NEIGHBOURHOODS] = principal_neighbourhoods_param(who),
        [INSTR_SUBMIT_P_SUPPLIED_BY_AGENCY] = prov.agency_id,
        [INSTR_SUBMIT_P_SUPPLIED_BY_KEY] = prov.key_id,
        [INSTR_SUBMIT_P_SUPPLIED_AS_EVALUATOR] = prov.evaluator,
        [INSTR_SUBMIT_P_CLAIM_WEIGHTING] = "false",
    };
    /* The round's weighting is decided once, by its first response. So: the
     * statement alone (one round trip), which stores the response when the
     * round has decided; only when it has not, again in a transaction that
     * may decide it; and a third time if a concurrent first response decided
     * it meanwhile. */
    for (int attempt = 0; attempt < 3; attempt++) {
        bool claim = attempt == 1, wrapped = in_tx || claim;
        params[INSTR_SUBMIT_P_CLAIM_WEIGHTING] = claim ? "true" : "false";
        PQclear(r);
        r = NULL;
        if (wrapped && !submit_begin(db, in_tx)) {
            outcome_fail(o, CDM_ERR_UNAVAILABLE, "the database is not reachable; retry later");
            goto out;
        }
        r = DB_RUN(db, INSTR_SUBMIT, params);
        if (!db_ok(r)) {
            if (wrapped)
                submit_end(db, in_tx, false);
            goto db_error;
        }
        bool stored = !PQgetisnull(r, 0, INSTR_SUBMIT_RECEIVED_AT);
        if (wrapped && !submit_end(db, in_tx, stored)) {
            outcome_fail(o, CDM_ERR_UNAVAILABLE, "the database did not commit; retry later");
            goto out;
        }
        if (stored) { /* with its event */
            o->body = accepted_body(ins->name, &ids, PQgetvalue(r, 0, INSTR_SUBMIT_RECEIVED_AT),
                                    false);
            o->status = CDM_CREATED;
            snprintf(o->location, sizeof o->location, "/v1/responses/%s", ids.id);
            if (!in_tx)
                outbox_wake(db);
            goto out;
        }
        /* Not stored: a resend (the id exists, perhaps committed by a
         * concurrent request, which the insert waited for), or a check failed. */
        const char *idp[INSTR_EXISTING_NPARAMS] = {[INSTR_EXISTING_P_ID] = ids.id};
        PGresult *e = DB_RUN(db, INSTR_EXISTING, idp);
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
    return o->status;
}

enum cdm_status instrument_withdraw(PGconn *db, const struct route_call *call,
                                    struct outcome *o)
{
    struct response_ids ids = {0};
    char *payload = NULL;
    char instrument[16], event_id[UUID_STR_LEN];
    const char *vp[INSTR_RESPONSE_VISIBLE_NPARAMS] = {
        [INSTR_RESPONSE_VISIBLE_P_ID] = call->id,
        [INSTR_RESPONSE_VISIBLE_P_NEIGHBOURHOODS] = principal_neighbourhoods_param(call->who),
        [INSTR_RESPONSE_VISIBLE_P_WITHDRAWER] = record_withdrawer_param(call)};
    PGresult *r = DB_RUN(db, INSTR_RESPONSE_VISIBLE, vp);
    if (!db_ok(r))
        goto db_error;
    if (PQntuples(r) == 0) {
        outcome_fail(o, CDM_ERR_NOT_FOUND, "no such response");
        goto out;
    }
    snprintf(ids.id, sizeof ids.id, "%s", call->id);
    snprintf(ids.round, sizeof ids.round, "%s", PQgetvalue(r, 0, INSTR_RESPONSE_VISIBLE_ROUND_ID));
    snprintf(ids.neighbourhood, sizeof ids.neighbourhood, "%s",
             PQgetvalue(r, 0, INSTR_RESPONSE_VISIBLE_NEIGHBOURHOOD_ID));
    snprintf(instrument, sizeof instrument, "%s",
             PQgetvalue(r, 0, INSTR_RESPONSE_VISIBLE_INSTRUMENT));
    snprintf(ids.org, sizeof ids.org, "%s",
             PQgetvalue(r, 0, INSTR_RESPONSE_VISIBLE_ORGANISATION_ID));
    snprintf(ids.agency, sizeof ids.agency, "%s",
             PQgetvalue(r, 0, INSTR_RESPONSE_VISIBLE_AGENCY_ID));
    PQclear(r);
    r = NULL;
    payload = response_event(call->ctx, EVT_RESPONSE_WITHDRAWN, &ids, instrument,
                             call->request_id, event_id);
    if (!payload) {
        outcome_fail(o, CDM_ERR_INTERNAL, "out of memory");
        goto out;
    }
    const struct audit_actor actor = audit_actor_of(call); /* the withdrawal is audited with it */
    const char *wp[INSTR_WITHDRAW_NPARAMS] = {
        [INSTR_WITHDRAW_P_ID] = ids.id, [INSTR_WITHDRAW_P_EVENT_ID] = event_id,
        [INSTR_WITHDRAW_P_TOPIC] = call->ctx->cfg->topic_submissions,
        [INSTR_WITHDRAW_P_EVENT_KEY] = event_key(&ids), [INSTR_WITHDRAW_P_EVENT] = payload,
        [INSTR_WITHDRAW_P_AGENCY] = actor.agency, [INSTR_WITHDRAW_P_KEY_PREFIX] = actor.key_prefix,
        [INSTR_WITHDRAW_P_REQUEST_ID] = actor.request_id};
    r = DB_RUN(db, INSTR_WITHDRAW, wp);
    if (!db_ok(r))
        goto db_error;
    if (strcmp(PQgetvalue(r, 0, INSTR_WITHDRAW_WITHDRAWN), "0") != 0)
        outbox_wake(db);
    o->body = json_pack("{s:s, s:s}", "id", ids.id, "status", "withdrawn");
    o->status = CDM_OK;
    goto out;
db_error:
    outcome_db_fail(o, db, r, "withdrawing the response");
out:
    PQclear(r);
    free(payload);
    return o->status;
}
