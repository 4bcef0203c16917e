/* subscriptions.c — partners' subscriptions, their dead letters, and the polled event feed */
#include "http.h"
#include "audit.h"
#include "ids.h"
#include "log.h"
#include "queries.h"
#include "transaction.h"
#include "text.h"
#include "webhook_sig.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FEED_DEFAULT_LIMIT 100
#define FEED_MAX_LIMIT 1000

/* Whether topic is <prefix>.<slug>.<at least one character>: the agency's
 * namespace, which no other agency's (nor cdmeasure's own cdm.*) can overlap,
 * since a slug has no dot and the prefix is never "cdm". */
static bool topic_in_namespace(const char *prefix, const char *slug, const char *topic)
{
    size_t p = strlen(prefix), s = strlen(slug);
    return strncmp(topic, prefix, p) == 0 && topic[p] == '.' && strncmp(topic + p + 1, slug, s) == 0 &&
           topic[p + 1 + s] == '.' && topic[p + 2 + s] != '\0';
}

/* Creates a subscription for the caller's agency, within the caller's
 * neighbourhoods, with its replay if asked; a webhook's secret is in the
 * answer this once. */
static enum cdm_status subscription_create(PGconn *db, const struct route_call *call,
                                           struct outcome *o)
{
    const struct api_ctx *ctx = call->ctx;
    const struct principal *who = call->who;
    const json_t *body = call->body;
    const char *channel = json_string_value(json_object_get(body, "channel"));
    const json_t *neighbourhoods = json_object_get(body, "neighbourhoods");
    bool all = json_is_true(json_object_get(body, "allNeighbourhoods"));
    const char *topic = json_string_value(json_object_get(body, "kafkaTopic"));
    const char *url = json_string_value(json_object_get(body, "webhookUrl"));
    if (all == (json_array_size(neighbourhoods) > 0))
        return outcome_fail_at(o, CDM_ERR_VALIDATION, "/neighbourhoods",
                               "give either neighbourhoods or allNeighbourhoods: true");
    if (all && principal_neighbourhoods_param(who))
        return outcome_fail_at(o, CDM_ERR_VALIDATION, "/allNeighbourhoods",
                               "this API key is not for the whole locality");
    for (size_t i = 0; i < json_array_size(neighbourhoods); i++) {
        char id[UUID_STR_LEN], pointer[48];
        uuid_normalise(json_string_value(json_array_get(neighbourhoods, i)), id);
        if (!principal_may(who, id)) {
            snprintf(pointer, sizeof pointer, "/neighbourhoods/%zu", i);
            return outcome_fail_at(o, CDM_ERR_VALIDATION, pointer, "no such neighbourhood");
        }
    }
    if ((strcmp(channel, "kafka") == 0) != (topic != NULL) || (strcmp(channel, "webhook") == 0) != (url != NULL))
        return outcome_fail_at(o, CDM_ERR_VALIDATION, "/channel",
                               "a kafka subscription needs kafkaTopic, a webhook one webhookUrl, and not the other");
    char secret[WEBHOOK_SECRET_LEN] = "";
    if (url && !webhook_secret_generate(secret, sizeof secret))
        return outcome_fail(o, CDM_ERR_INTERNAL, "could not make a secret");
    char *types = pg_array_literal(json_object_get(body, "eventTypes"));
    char *neighbourhood_list = pg_array_literal(neighbourhoods);
    char secrets[WEBHOOK_SECRET_LEN + 3];
    snprintf(secrets, sizeof secrets, "{%s}", secret);
    const struct audit_actor actor = audit_actor_of(call); /* audited with it */
    const char *params[SUBSCRIPTION_INSERT_NPARAMS] = {
        [SUBSCRIPTION_INSERT_P_AGENCY] = who->agency_id,
        [SUBSCRIPTION_INSERT_P_CHANNEL] = channel,
        [SUBSCRIPTION_INSERT_P_EVENT_TYPES] = types,
        [SUBSCRIPTION_INSERT_P_ALL_NEIGHBOURHOODS] = all ? "true" : "false",
        [SUBSCRIPTION_INSERT_P_NEIGHBOURHOODS] = neighbourhood_list,
        [SUBSCRIPTION_INSERT_P_KAFKA_TOPIC] = topic,
        [SUBSCRIPTION_INSERT_P_WEBHOOK_URL] = url,
        [SUBSCRIPTION_INSERT_P_SECRETS] = url ? secrets : NULL,
        [SUBSCRIPTION_INSERT_P_REPLAY_FROM] =
            json_string_value(json_object_get(body, "replayFrom")),
        [SUBSCRIPTION_INSERT_P_KEY] = who->key_id,
        [SUBSCRIPTION_INSERT_P_ACTOR_AGENCY] = actor.agency,
        [SUBSCRIPTION_INSERT_P_ACTOR_KEY_PREFIX] = actor.key_prefix,
        [SUBSCRIPTION_INSERT_P_ACTOR_REQUEST] = actor.request_id,
    };
    PGresult *r = NULL;
    if (!record_tx_begin(db, o))
        goto out;
    /* The agency's row is locked until COMMIT: its count and the cap hold
     * against concurrent creations. */
    const char *ap[SUBSCRIPTION_AGENCY_NPARAMS] = {[SUBSCRIPTION_AGENCY_P_AGENCY] = who->agency_id};
    r = DB_RUN(db, SUBSCRIPTION_AGENCY, ap);
    if (!db_ok(r) || PQntuples(r) != 1) {
        outcome_db_fail(o, db, r, "reading the agency");
        goto out;
    }
    if (topic && !topic_in_namespace(ctx->cfg->partner_topic_prefix,
                                     PQgetvalue(r, 0, SUBSCRIPTION_AGENCY_SLUG), topic)) {
        outcome_fail_at(o, CDM_ERR_VALIDATION, "/kafkaTopic",
                        "a partner's Kafka topic is %s.%s.<name>: that topic is outside the "
                        "agency's namespace",
                        ctx->cfg->partner_topic_prefix, PQgetvalue(r, 0, SUBSCRIPTION_AGENCY_SLUG));
        goto out;
    }
    long count = atol(PQgetvalue(r, 0, SUBSCRIPTION_AGENCY_SUBSCRIPTIONS));
    if (count >= ctx->cfg->max_subscriptions_per_agency) {
        outcome_fail(o, CDM_ERR_CONFLICT,
                     "the agency has %ld subscriptions, the most this service allows "
                     "(CDM_MAX_SUBSCRIPTIONS_PER_AGENCY = %d): delete one first",
                     count, ctx->cfg->max_subscriptions_per_agency);
        goto out;
    }
    PQclear(r);
    r = DB_RUN(db, SUBSCRIPTION_INSERT, params);
    if (!db_ok(r)) {
        outcome_db_fail(o, db, r, "storing the subscription");
        goto out;
    }
    if (PQntuples(r) == 0) {
        outcome_fail_at(o, CDM_ERR_CONFLICT, "/kafkaTopic",
                        "a live subscription already claims that topic");
        goto out;
    }
    o->body = json_loads(PQgetvalue(r, 0, SUBSCRIPTION_INSERT_BODY), 0, NULL);
    char id[UUID_STR_LEN];
    snprintf(id, sizeof id, "%s", PQgetvalue(r, 0, SUBSCRIPTION_INSERT_ID));
    PQclear(r);
    const char *rp[SUBSCRIPTION_REPLAY_NPARAMS] = {
        [SUBSCRIPTION_REPLAY_P_ID] = id,
        [SUBSCRIPTION_REPLAY_P_TOPIC] = ctx->cfg->topic_kpi_events,
    };
    r = DB_RUN(db, SUBSCRIPTION_REPLAY, rp);
    if (!db_ok(r) || !db_exec(db, "COMMIT")) {
        outcome_clear(o);
        outcome_db_fail(o, db, r, "replaying the history");
        goto out;
    }
    if (url)
        json_object_set_new(o->body, "secret", json_string(secret));
    o->status = CDM_CREATED;
    snprintf(o->location, sizeof o->location, "/v1/subscriptions/%s", id);
out:
    PQclear(r);
    record_tx_end(db);
    free(types);
    free(neighbourhood_list);
    return o->status;
}

/* Whose subscriptions the caller reads: the operator's key every agency's
 * (NULL), any other key its own agency's. Changes (delete, rotate, re-drive)
 * are always the owning agency's own: another agency's subscription looks
 * absent (404), as one outside the key's neighbourhoods does. */
static const char *read_agency(const struct route_call *call)
{
    return call->who->is_operator ? NULL : call->who->agency_id;
}

/* True if the subscription is the caller's agency's (or, reading, any for the
 * operator) and covers only neighbourhoods the caller's key may touch: what a
 * key limited to some neighbourhoods must not see through a subscription's
 * dead letters. */
static bool subscription_visible(PGconn *db, const struct route_call *call, bool reading)
{
    const char *params[SUBSCRIPTION_SCOPE_NPARAMS] = {
        [SUBSCRIPTION_SCOPE_P_ID] = call->id,
        [SUBSCRIPTION_SCOPE_P_AGENCY] = reading ? read_agency(call) : call->who->agency_id,
        [SUBSCRIPTION_SCOPE_P_NEIGHBOURHOODS] = principal_neighbourhoods_param(call->who),
    };
    PGresult *r = DB_RUN(db, SUBSCRIPTION_SCOPE, params);
    bool visible = db_ok(r) && PQntuples(r) == 1;
    PQclear(r);
    return visible;
}

static enum cdm_status subscription_list(PGconn *db, const struct route_call *call, struct outcome *o)
{
    const char *params[SUBSCRIPTION_LIST_NPARAMS] = {
        [SUBSCRIPTION_LIST_P_AGENCY] = read_agency(call),
        [SUBSCRIPTION_LIST_P_NEIGHBOURHOODS] = principal_neighbourhoods_param(call->who),
    };
    if (DB_ONE_JSON(db, SUBSCRIPTION_LIST, params, o, "listing subscriptions", "") == CDM_OK)
        o->body = json_pack("{s:o}", "items", o->body);
    return o->status;
}

static enum cdm_status subscription_get(PGconn *db, const struct route_call *call, struct outcome *o)
{
    if (!subscription_visible(db, call, true))
        return outcome_fail(o, CDM_ERR_NOT_FOUND, "no such subscription");
    const char *params[SUBSCRIPTION_GET_NPARAMS] = {
        [SUBSCRIPTION_GET_P_ID] = call->id, [SUBSCRIPTION_GET_P_AGENCY] = read_agency(call)};
    return DB_ONE_JSON(db, SUBSCRIPTION_GET, params, o, "reading the subscription",
                       "no such subscription");
}

static enum cdm_status dead_letters(PGconn *db, const struct route_call *call, struct outcome *o)
{
    if (!subscription_visible(db, call, true))
        return outcome_fail(o, CDM_ERR_NOT_FOUND, "no such subscription");
    const char *params[DEAD_LETTERS_NPARAMS] = {
        [DEAD_LETTERS_P_SUBSCRIPTION] = call->id, [DEAD_LETTERS_P_AGENCY] = read_agency(call)};
    if (DB_ONE_JSON(db, DEAD_LETTERS, params, o, "listing dead letters", "no such subscription") ==
        CDM_OK)
        o->body = json_pack("{s:o}", "items", o->body);
    return o->status;
}

/* The rows a change to a subscription affected (r taken: cleared here), or
 * -1 with o failed. */
static long subscription_changed(PGconn *db, PGresult *r, const char *what, struct outcome *o)
{
    long rows = db_ok(r) ? atol(PQcmdTuples(r)) : -1;
    if (rows < 0)
        outcome_db_fail(o, db, r, what);
    PQclear(r);
    return rows;
}

static enum cdm_status subscription_delete(PGconn *db, const struct route_call *call, struct outcome *o)
{
    if (!subscription_visible(db, call, false))
        return outcome_fail(o, CDM_ERR_NOT_FOUND, "no such subscription");
    const struct audit_actor actor = audit_actor_of(call); /* audited with it */
    const char *params[SUBSCRIPTION_DELETE_NPARAMS] = {
        [SUBSCRIPTION_DELETE_P_ID] = call->id,
        [SUBSCRIPTION_DELETE_P_AGENCY] = call->who->agency_id,
        [SUBSCRIPTION_DELETE_P_ACTOR_AGENCY] = actor.agency,
        [SUBSCRIPTION_DELETE_P_ACTOR_KEY_PREFIX] = actor.key_prefix,
        [SUBSCRIPTION_DELETE_P_ACTOR_REQUEST] = actor.request_id,
    };
    if (subscription_changed(db, DB_RUN(db, SUBSCRIPTION_DELETE, params),
                             "deleting the subscription", o) >= 0) {
        o->body = json_pack("{s:s}", "status", "deleted");
        o->status = CDM_OK;
    }
    return o->status;
}

/* A new secret, shown this once; the previous one keeps signing too until the next rotation. */
static enum cdm_status secret_rotate(PGconn *db, const struct route_call *call, struct outcome *o)
{
    char secret[WEBHOOK_SECRET_LEN];
    if (!webhook_secret_generate(secret, sizeof secret))
        return outcome_fail(o, CDM_ERR_INTERNAL, "could not make a secret");
    if (!subscription_visible(db, call, false))
        return outcome_fail(o, CDM_ERR_NOT_FOUND, "no such subscription");
    const struct audit_actor actor = audit_actor_of(call); /* audited with it */
    const char *params[SUBSCRIPTION_ROTATE_NPARAMS] = {
        [SUBSCRIPTION_ROTATE_P_ID] = call->id,
        [SUBSCRIPTION_ROTATE_P_AGENCY] = call->who->agency_id,
        [SUBSCRIPTION_ROTATE_P_SECRET] = secret,
        [SUBSCRIPTION_ROTATE_P_ACTOR_AGENCY] = actor.agency,
        [SUBSCRIPTION_ROTATE_P_ACTOR_KEY_PREFIX] = actor.key_prefix,
        [SUBSCRIPTION_ROTATE_P_ACTOR_REQUEST] = actor.request_id,
    };
    long rows = subscription_changed(db, DB_RUN(db, SUBSCRIPTION_ROTATE, params),
                                     "rotating the secret", o);
    if (rows == 0)
        return outcome_fail(o, CDM_ERR_NOT_FOUND, "no such webhook subscription");
    if (rows > 0) {
        o->body = json_pack("{s:s}", "secret", secret);
        o->status = CDM_OK;
    }
    return o->status;
}

static enum cdm_status dead_letters_redrive(PGconn *db, const struct route_call *call, struct outcome *o)
{
    if (!subscription_visible(db, call, false))
        return outcome_fail(o, CDM_ERR_NOT_FOUND, "no such subscription");
    const char *params[DEAD_LETTERS_REDRIVE_NPARAMS] = {
        [DEAD_LETTERS_REDRIVE_P_SUBSCRIPTION] = call->id,
        [DEAD_LETTERS_REDRIVE_P_AGENCY] = call->who->agency_id,
    };
    long rows = subscription_changed(db, DB_RUN(db, DEAD_LETTERS_REDRIVE, params),
                                     "re-driving dead letters", o);
    if (rows >= 0) {
        o->body = json_pack("{s:I}", "redriven", (json_int_t)rows);
        o->status = CDM_OK;
    }
    return o->status;
}

/* GET /v1/events?after=<cursor>&limit=: the caller's KPI events in order. The
 * cursor is "<xid>.<seq>" of the last event seen ("" or absent: the start). */
static enum cdm_status event_feed(PGconn *db, const struct route_call *call, struct outcome *o)
{
    const char *after = u_map_get(call->req->map_url, "after");
    const char *limit_s = u_map_get(call->req->map_url, "limit");
    char xid[24], seq[24], limit[16], tail;
    unsigned long long x = 0, q = 0;
    if (after && *after && sscanf(after, "%llu.%llu%c", &x, &q, &tail) != 2)
        return outcome_fail_at(o, CDM_ERR_VALIDATION, "/after", "after must be a cursor returned as next");
    long n = limit_s ? strtol(limit_s, NULL, 10) : FEED_DEFAULT_LIMIT;
    if (n < 1 || n > FEED_MAX_LIMIT)
        return outcome_fail_at(o, CDM_ERR_VALIDATION, "/limit", "limit must be from 1 to %d", FEED_MAX_LIMIT);
    snprintf(xid, sizeof xid, "%llu", x);
    snprintf(seq, sizeof seq, "%llu", q);
    snprintf(limit, sizeof limit, "%ld", n);
    const char *params[EVENT_FEED_NPARAMS] = {
        [EVENT_FEED_P_TOPIC] = call->ctx->cfg->topic_kpi_events,
        [EVENT_FEED_P_XID] = xid,
        [EVENT_FEED_P_SEQ] = seq,
        [EVENT_FEED_P_NEIGHBOURHOODS] = principal_neighbourhoods_param(call->who),
        [EVENT_FEED_P_LIMIT] = limit,
        [EVENT_FEED_P_LIVE_COUNTS] =
            call->who && (call->who->scopes & (SCOPE_SUBMIT | SCOPE_ADMIN)) ? "true" : "false",
    };
    PGresult *r = DB_RUN(db, EVENT_FEED, params);
    if (!db_ok(r)) {
        outcome_db_fail(o, db, r, "reading the event feed");
    } else {
        json_t *items = json_array();
        char next[64];
        snprintf(next, sizeof next, "%s.%s", xid, seq);
        for (int i = 0; i < PQntuples(r); i++) {
            json_array_append_new(items, json_loads(PQgetvalue(r, i, EVENT_FEED_PAYLOAD), 0, NULL));
            snprintf(next, sizeof next, "%s.%s", PQgetvalue(r, i, EVENT_FEED_XID),
                     PQgetvalue(r, i, EVENT_FEED_SEQ));
        }
        /* next is always given: polling with it later returns what came since. */
        o->body = json_pack("{s:o, s:s}", "items", items, "next", next);
        o->status = CDM_OK;
    }
    PQclear(r);
    return o->status;
}

const struct route subscription_routes[] = {
    {.method = "POST", .path = "/v1/subscriptions", .logic = subscription_create,
     .schema = "subscription-create.json", .scope = SCOPE_READ},
    {.method = "GET", .path = "/v1/subscriptions", .logic = subscription_list, .scope = SCOPE_READ},
    {.method = "GET", .path = "/v1/subscriptions/:id", .logic = subscription_get,
     .not_found = "no such subscription", .scope = SCOPE_READ},
    {.method = "DELETE", .path = "/v1/subscriptions/:id", .logic = subscription_delete,
     .not_found = "no such subscription", .scope = SCOPE_READ},
    {.method = "POST", .path = "/v1/subscriptions/:id/rotate-secret", .logic = secret_rotate,
     .not_found = "no such subscription", .scope = SCOPE_READ},
    {.method = "GET", .path = "/v1/subscriptions/:id/dead-letters", .logic = dead_letters,
     .not_found = "no such subscription", .scope = SCOPE_READ},
    {.method = "POST", .path = "/v1/subscriptions/:id/dead-letters/redrive",
     .logic = dead_letters_redrive, .not_found = "no such subscription", .scope = SCOPE_READ},
    {.method = "GET", .path = "/v1/events", .logic = event_feed, .scope = SCOPE_READ},
    {.method = NULL},
};
