/* subscriptions.c — partners' subscriptions, their dead letters, and the polled event feed */
#include "http.h"
#include "ids.h"
#include "log.h"
#include "queries.h"
#include "webhook_sig.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FEED_DEFAULT_LIMIT 100
#define FEED_MAX_LIMIT 1000

/* A JSON array of strings as a PostgreSQL array literal ({a,b}); NULL when
 * empty. Items are UUIDs, event types or secrets: no quoting needed.
 * Caller frees. */
static char *pg_text_array(const json_t *items)
{
    size_t n = json_array_size(items), cap = 3;
    for (size_t i = 0; i < n; i++)
        cap += strlen(json_string_value(json_array_get(items, i))) + 1;
    if (n == 0)
        return NULL;
    char *out = malloc(cap);
    if (!out)
        return NULL;
    size_t len = 0;
    out[len++] = '{';
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(out + len, cap - len, "%s%s", i ? "," : "",
                                json_string_value(json_array_get(items, i)));
    snprintf(out + len, cap - len, "}");
    return out;
}

/* Creates a subscription for the caller's agency, within the caller's
 * neighbourhoods, with its replay if asked; a webhook's secret is in the
 * answer this once. */
static enum cdm_status subscription_create(const struct api_ctx *ctx, PGconn *db,
                                           const struct principal *who, const json_t *body,
                                           struct outcome *o)
{
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
    char *types = pg_text_array(json_object_get(body, "eventTypes"));
    char *area_list = pg_text_array(areas);
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

static int post_subscription(const struct _u_request *req, struct _u_response *res, void *user)
{
    struct api_ctx *ctx = user;
    struct outcome o = {0};
    json_t *body = http_json_body_or_problem(req, res);
    if (!body || !http_schema_or_problem(ctx, "subscription-create.json", body, req, res)) {
        json_decref(body);
        return U_CALLBACK_CONTINUE;
    }
    PGconn *db = http_db_or_problem(ctx, req, res);
    if (db) {
        subscription_create(ctx, db, http_principal(res), body, &o);
        pgpool_release(ctx->pool, db);
        http_reply(req, res, &o);
    }
    outcome_clear(&o);
    json_decref(body);
    return U_CALLBACK_CONTINUE;
}

/* True if the subscription is the caller's agency's and covers only
 * neighbourhoods the caller's key may touch: what a key limited to some
 * neighbourhoods must not see through a subscription's dead letters. */
static bool subscription_visible(PGconn *db, const struct principal *who, const char *id)
{
    const char *params[] = {id, who->agency_id};
    PGresult *r = db_run(db, Q_SUBSCRIPTION_SCOPE, 2, params);
    bool visible = db_ok(r) && PQntuples(r) == 1;
    if (visible && !who->all_neighbourhoods) {
        visible = strcmp(PQgetvalue(r, 0, 0), "t") != 0;
        char list[40 * 1000 + 1];
        snprintf(list, sizeof list, "%s", PQgetvalue(r, 0, 1));
        for (char *save = NULL, *t = strtok_r(list, ",", &save); visible && t; t = strtok_r(NULL, ",", &save))
            visible = principal_may(who, t);
    }
    PQclear(r);
    return visible;
}

/* Runs one statement of the caller's agency (and a subscription id from the
 * path, if the route has one) and answers with its first column as JSON,
 * 404 when no row. `wrap` names a key to wrap the value in, or NULL. */
static int agency_query(const struct _u_request *req, struct _u_response *res, void *user,
                        const char *stmt, bool with_id, const char *wrap, const char *what)
{
    struct api_ctx *ctx = user;
    struct outcome o = {0};
    const struct principal *who = http_principal(res);
    const char *raw = u_map_get(req->map_url, "id");
    char id[UUID_STR_LEN] = "";
    if (with_id) {
        if (!uuid_is_valid(raw))
            return http_problem(req, res, CDM_ERR_NOT_FOUND, "no such subscription");
        uuid_normalise(raw, id);
    }
    PGconn *db = http_db_or_problem(ctx, req, res);
    if (!db)
        return U_CALLBACK_CONTINUE;
    if (with_id && !subscription_visible(db, who, id)) {
        pgpool_release(ctx->pool, db);
        return http_problem(req, res, CDM_ERR_NOT_FOUND, "no such subscription");
    }
    const char *params[] = {with_id ? id : who->agency_id, who->agency_id};
    PGresult *r = db_run(db, stmt, with_id ? 2 : 1, params);
    if (!db_ok(r))
        outcome_db_fail(&o, db, r, what);
    else if (PQntuples(r) == 0)
        outcome_fail(&o, CDM_ERR_NOT_FOUND, "no such subscription");
    else {
        json_t *v = json_loads(PQgetvalue(r, 0, 0), 0, NULL);
        o.body = wrap ? json_pack("{s:o}", wrap, v ? v : json_array()) : v;
        o.status = CDM_OK;
    }
    PQclear(r);
    pgpool_release(ctx->pool, db);
    http_reply(req, res, &o);
    outcome_clear(&o);
    return U_CALLBACK_CONTINUE;
}

static int list_subscriptions(const struct _u_request *req, struct _u_response *res, void *user)
{
    agency_query(req, res, user, Q_SUBSCRIPTION_LIST, false, "items", "listing subscriptions");
    const struct principal *who = http_principal(res);
    if (res->status != 200 || who->all_neighbourhoods)
        return U_CALLBACK_CONTINUE;
    /* A limited key sees only the subscriptions within its neighbourhoods. */
    json_t *body = ulfius_get_json_body_response(res, NULL), *kept = json_array(), *item;
    size_t i;
    json_array_foreach(json_object_get(body, "items"), i, item) {
        const json_t *areas = json_object_get(item, "neighbourhoods"), *a;
        bool visible = !json_is_true(json_object_get(item, "allNeighbourhoods"));
        size_t j;
        json_array_foreach(areas, j, a) visible = visible && principal_may(who, json_string_value(a));
        if (visible)
            json_array_append(kept, item);
    }
    json_t *out = json_pack("{s:o}", "items", kept);
    ulfius_set_json_body_response(res, 200, out);
    json_decref(out);
    json_decref(body);
    return U_CALLBACK_CONTINUE;
}

static int get_subscription(const struct _u_request *req, struct _u_response *res, void *user)
{
    return agency_query(req, res, user, Q_SUBSCRIPTION_GET, true, NULL, "reading the subscription");
}

static int get_dead_letters(const struct _u_request *req, struct _u_response *res, void *user)
{
    return agency_query(req, res, user, Q_DEAD_LETTERS, true, "items", "listing dead letters");
}

/* Statements that change a subscription of the caller's agency: 404 if none. */
static int agency_change(const struct _u_request *req, struct _u_response *res, void *user,
                         const char *stmt, int nparams, const char *extra, const char *what,
                         json_t *answer /* stolen */, bool counts)
{
    struct api_ctx *ctx = user;
    struct outcome o = {0};
    const char *raw = u_map_get(req->map_url, "id");
    if (!uuid_is_valid(raw)) {
        json_decref(answer);
        return http_problem(req, res, CDM_ERR_NOT_FOUND, "no such subscription");
    }
    char id[UUID_STR_LEN];
    uuid_normalise(raw, id);
    PGconn *db = http_db_or_problem(ctx, req, res);
    if (!db) {
        json_decref(answer);
        return U_CALLBACK_CONTINUE;
    }
    if (!subscription_visible(db, http_principal(res), id)) {
        pgpool_release(ctx->pool, db);
        json_decref(answer);
        return http_problem(req, res, CDM_ERR_NOT_FOUND, "no such subscription");
    }
    const char *params[] = {id, http_principal(res)->agency_id, extra};
    PGresult *r = db_run(db, stmt, nparams, params);
    if (!db_ok(r))
        outcome_db_fail(&o, db, r, what);
    else if (strcmp(PQcmdTuples(r), "0") == 0 && !counts)
        outcome_fail(&o, CDM_ERR_NOT_FOUND, "no such subscription");
    else {
        o.status = CDM_OK;
        o.body = json_incref(answer);
        if (counts)
            json_object_set_new(o.body, "redriven", json_integer(atoll(PQcmdTuples(r))));
    }
    PQclear(r);
    pgpool_release(ctx->pool, db);
    http_reply(req, res, &o);
    outcome_clear(&o);
    json_decref(answer);
    return U_CALLBACK_CONTINUE;
}

static int delete_subscription(const struct _u_request *req, struct _u_response *res, void *user)
{
    return agency_change(req, res, user, Q_SUBSCRIPTION_DELETE, 2, NULL, "deleting the subscription",
                         json_pack("{s:s}", "status", "deleted"), false);
}

static int rotate_secret(const struct _u_request *req, struct _u_response *res, void *user)
{
    char secret[WEBHOOK_SECRET_LEN];
    if (!webhook_secret_generate(secret, sizeof secret))
        return http_problem(req, res, CDM_ERR_INTERNAL, "could not make a secret");
    /* Shown this once; the previous secret keeps signing too until the next rotation. */
    return agency_change(req, res, user, Q_SUBSCRIPTION_ROTATE, 3, secret, "rotating the secret",
                         json_pack("{s:s}", "secret", secret), false);
}

static int redrive(const struct _u_request *req, struct _u_response *res, void *user)
{
    return agency_change(req, res, user, Q_DEAD_LETTERS_REDRIVE, 2, NULL, "re-driving dead letters",
                         json_object(), true);
}

/* GET /v1/events?after=<cursor>&limit=: the caller's KPI events in order. The
 * cursor is "<xid>.<seq>" of the last event seen ("" or absent: the start). */
static int get_events(const struct _u_request *req, struct _u_response *res, void *user)
{
    struct api_ctx *ctx = user;
    struct outcome o = {0};
    const char *after = u_map_get(req->map_url, "after");
    const char *limit_s = u_map_get(req->map_url, "limit");
    char xid[24] = "0", seq[24] = "0", limit[16];
    unsigned long long x = 0, q = 0;
    char tail;
    if (after && *after && (sscanf(after, "%llu.%llu%c", &x, &q, &tail) != 2))
        return http_problem(req, res, CDM_ERR_VALIDATION, "after must be a cursor returned as next");
    snprintf(xid, sizeof xid, "%llu", x);
    snprintf(seq, sizeof seq, "%llu", q);
    long n = limit_s ? strtol(limit_s, NULL, 10) : FEED_DEFAULT_LIMIT;
    if (n < 1 || n > FEED_MAX_LIMIT)
        return http_problem(req, res, CDM_ERR_VALIDATION, "limit must be from 1 to 1000");
    snprintf(limit, sizeof limit, "%ld", n);
    PGconn *db = http_db_or_problem(ctx, req, res);
    if (!db)
        return U_CALLBACK_CONTINUE;
    const char *params[] = {ctx->cfg->topic_kpi_events, xid, seq,
                            principal_areas_param(http_principal(res)), limit};
    PGresult *r = db_run(db, Q_EVENT_FEED, 5, params);
    if (!db_ok(r)) {
        outcome_db_fail(&o, db, r, "reading the event feed");
    } else {
        json_t *items = json_array();
        char next[64];
        snprintf(next, sizeof next, "%s.%s", xid, seq);
        for (int i = 0; i < PQntuples(r); i++) {
            json_array_append_new(items, json_loads(PQgetvalue(r, i, 2), 0, NULL));
            snprintf(next, sizeof next, "%s.%s", PQgetvalue(r, i, 0), PQgetvalue(r, i, 1));
        }
        /* next is always given: polling with it later returns what came since. */
        o.body = json_pack("{s:o, s:s}", "items", items, "next", next);
        o.status = CDM_OK;
    }
    PQclear(r);
    pgpool_release(ctx->pool, db);
    http_reply(req, res, &o);
    outcome_clear(&o);
    return U_CALLBACK_CONTINUE;
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
