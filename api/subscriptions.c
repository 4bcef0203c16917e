/* subscriptions.c — partners' subscriptions, their dead letters, and the polled event feed */
#include "http.h"
#include "ids.h"
#include "log.h"
#include "queries.h"
#include "text.h"
#include "webhook_sig.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FEED_DEFAULT_LIMIT 100
#define FEED_MAX_LIMIT 1000

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
    const json_t *areas = json_object_get(body, "neighbourhoods");
    bool all = json_is_true(json_object_get(body, "allNeighbourhoods"));
    const char *topic = json_string_value(json_object_get(body, "kafkaTopic"));
    const char *url = json_string_value(json_object_get(body, "webhookUrl"));
    if (all == (json_array_size(areas) > 0))
        return outcome_fail_at(o, CDM_ERR_VALIDATION, "/neighbourhoods",
                               "give either neighbourhoods or allNeighbourhoods: true");
    if (all && principal_areas_param(who))
        return outcome_fail_at(o, CDM_ERR_VALIDATION, "/allNeighbourhoods",
                               "this API key is not for the whole locality");
    for (size_t i = 0; i < json_array_size(areas); i++) {
        char id[UUID_STR_LEN], pointer[48];
        uuid_normalise(json_string_value(json_array_get(areas, i)), id);
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
    char *area_list = pg_array_literal(areas);
    char secrets[WEBHOOK_SECRET_LEN + 3];
    snprintf(secrets, sizeof secrets, "{%s}", secret);
    if (topic && (strcmp(topic, ctx->cfg->topic_kpi_events) == 0 ||
                  strcmp(topic, ctx->cfg->topic_submissions) == 0 || strncmp(topic, "cdm.", 4) == 0)) {
        free(types);
        free(area_list);
        return outcome_fail_at(o, CDM_ERR_VALIDATION, "/kafkaTopic", "that topic is cdmeasure's own");
    }
    const char *params[] = {who->agency_id, channel, types, all ? "true" : "false", area_list,
                            topic, url, url ? secrets : NULL,
                            json_string_value(json_object_get(body, "replayFrom")), who->key_id};
    PGresult *r = NULL;
    if (!db_exec(db, "BEGIN")) {
        outcome_fail(o, CDM_ERR_UNAVAILABLE, "the database is not reachable; retry later");
        goto out;
    }
    r = db_run(db, Q_SUBSCRIPTION_INSERT, 10, params);
    if (!db_ok(r)) {
        outcome_db_fail(o, db, r, "storing the subscription");
        goto out;
    }
    if (PQntuples(r) == 0) {
        outcome_fail_at(o, CDM_ERR_CONFLICT, "/kafkaTopic", "that topic is another agency's");
        goto out;
    }
    o->body = json_loads(PQgetvalue(r, 0, 0), 0, NULL);
    char id[UUID_STR_LEN];
    snprintf(id, sizeof id, "%s", PQgetvalue(r, 0, 1));
    PQclear(r);
    const char *rp[] = {id, ctx->cfg->topic_kpi_events};
    r = db_run(db, Q_SUBSCRIPTION_REPLAY, 2, rp);
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
    if (PQstatus(db) == CONNECTION_OK && PQtransactionStatus(db) != PQTRANS_IDLE)
        db_exec(db, "ROLLBACK");
    free(types);
    free(area_list);
    return o->status;
}

/* True if the subscription is the caller's agency's and covers only
 * neighbourhoods the caller's key may touch: what a key limited to some
 * neighbourhoods must not see through a subscription's dead letters. */
static bool subscription_visible(PGconn *db, const struct route_call *call)
{
    const char *params[] = {call->id, call->who->agency_id, principal_areas_param(call->who)};
    PGresult *r = db_run(db, Q_SUBSCRIPTION_SCOPE, 3, params);
    bool visible = db_ok(r) && PQntuples(r) == 1;
    PQclear(r);
    return visible;
}

static enum cdm_status subscription_list(PGconn *db, const struct route_call *call, struct outcome *o)
{
    const char *params[] = {call->who->agency_id, principal_areas_param(call->who)};
    if (db_one_json(db, Q_SUBSCRIPTION_LIST, 2, params, o, "listing subscriptions", "") == CDM_OK)
        o->body = json_pack("{s:o}", "items", o->body);
    return o->status;
}

/* A statement about one visible subscription ($1 its id, $2 the agency)
 * whose first column is the JSON answer; `wrap` wraps it in {wrap: …}. */
static enum cdm_status subscription_read(PGconn *db, const struct route_call *call, const char *stmt,
                                         const char *wrap, const char *what, struct outcome *o)
{
    if (!subscription_visible(db, call))
        return outcome_fail(o, CDM_ERR_NOT_FOUND, "no such subscription");
    const char *params[] = {call->id, call->who->agency_id};
    if (db_one_json(db, stmt, 2, params, o, what, "no such subscription") == CDM_OK && wrap)
        o->body = json_pack("{s:o}", wrap, o->body);
    return o->status;
}

static enum cdm_status subscription_get(PGconn *db, const struct route_call *call, struct outcome *o)
{
    return subscription_read(db, call, Q_SUBSCRIPTION_GET, NULL, "reading the subscription", o);
}

static enum cdm_status dead_letters(PGconn *db, const struct route_call *call, struct outcome *o)
{
    return subscription_read(db, call, Q_DEAD_LETTERS, "items", "listing dead letters", o);
}

/* A change to one visible subscription; returns the affected row count or -1 (o failed). */
static long subscription_change(PGconn *db, const struct route_call *call, const char *stmt,
                                const char *extra, const char *what, struct outcome *o)
{
    if (!subscription_visible(db, call)) {
        outcome_fail(o, CDM_ERR_NOT_FOUND, "no such subscription");
        return -1;
    }
    const char *params[] = {call->id, call->who->agency_id, extra};
    PGresult *r = db_run(db, stmt, extra ? 3 : 2, params);
    long rows = db_ok(r) ? atol(PQcmdTuples(r)) : -1;
    if (rows < 0)
        outcome_db_fail(o, db, r, what);
    PQclear(r);
    return rows;
}

static enum cdm_status subscription_delete(PGconn *db, const struct route_call *call, struct outcome *o)
{
    if (subscription_change(db, call, Q_SUBSCRIPTION_DELETE, NULL, "deleting the subscription", o) >= 0) {
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
    long rows = subscription_change(db, call, Q_SUBSCRIPTION_ROTATE, secret, "rotating the secret", o);
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
    long rows = subscription_change(db, call, Q_DEAD_LETTERS_REDRIVE, NULL, "re-driving dead letters", o);
    if (rows >= 0) {
        o->body = json_pack("{s:I}", "redriven", (json_int_t)rows);
        o->status = CDM_OK;
    }
    return o->status;
}

static int post_subscription(const struct _u_request *req, struct _u_response *res, void *user)
{
    return http_run_body(user, req, res, "subscription-create.json", subscription_create, NULL);
}

static int list_subscriptions(const struct _u_request *req, struct _u_response *res, void *user)
{
    return http_run(user, req, res, subscription_list, NULL);
}

/* The routes on one subscription: its id from the path, then the logic. */
#define SUBSCRIPTION_ROUTE(name, logic)                                                        \
    static int name(const struct _u_request *req, struct _u_response *res, void *user)        \
    {                                                                                          \
        return http_run_id(user, req, res, "no such subscription", NULL, logic);               \
    }
SUBSCRIPTION_ROUTE(get_subscription, subscription_get)
SUBSCRIPTION_ROUTE(delete_subscription, subscription_delete)
SUBSCRIPTION_ROUTE(rotate_secret, secret_rotate)
SUBSCRIPTION_ROUTE(get_dead_letters, dead_letters)
SUBSCRIPTION_ROUTE(redrive, dead_letters_redrive)

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
    const char *params[] = {call->ctx->cfg->topic_kpi_events, xid, seq,
                            principal_areas_param(call->who), limit};
    PGresult *r = db_run(db, Q_EVENT_FEED, 5, params);
    if (!db_ok(r)) {
        outcome_db_fail(o, db, r, "reading the event feed");
    } else {
        json_t *items = json_array();
        char next[64];
        snprintf(next, sizeof next, "%s.%s", xid, seq);
        for (int i = 0; i < PQntuples(r); i++) {
            json_array_append_new(items, json_loads(PQgetvalue(r, i, 2), 0, NULL));
            snprintf(next, sizeof next, "%s.%s", PQgetvalue(r, i, 0), PQgetvalue(r, i, 1));
        }
        /* next is always given: polling with it later returns what came since. */
        o->body = json_pack("{s:o, s:s}", "items", items, "next", next);
        o->status = CDM_OK;
    }
    PQclear(r);
    return o->status;
}

static int get_events(const struct _u_request *req, struct _u_response *res, void *user)
{
    return http_run(user, req, res, event_feed, NULL);
}

const struct route subscription_routes[] = {
    {"POST", "/v1/subscriptions", post_subscription, SCOPE_READ},
    {"GET", "/v1/subscriptions", list_subscriptions, SCOPE_READ},
    {"GET", "/v1/subscriptions/:id", get_subscription, SCOPE_READ},
    {"DELETE", "/v1/subscriptions/:id", delete_subscription, SCOPE_READ},
    {"POST", "/v1/subscriptions/:id/rotate-secret", rotate_secret, SCOPE_READ},
    {"GET", "/v1/subscriptions/:id/dead-letters", get_dead_letters, SCOPE_READ},
    {"POST", "/v1/subscriptions/:id/dead-letters/redrive", redrive, SCOPE_READ},
    {"GET", "/v1/events", get_events, SCOPE_READ},
    {NULL, NULL, NULL, 0},
};
