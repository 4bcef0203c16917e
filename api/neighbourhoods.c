/* neighbourhoods.c — create, list and read neighbourhoods */
#include "http.h"
#include "ids.h"
#include "log.h"
#include "queries.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIST_DEFAULT_LIMIT 100
#define LIST_MAX_LIMIT 1000

/* Inserts a neighbourhood from a schema-valid body. */
static enum cdm_status neighbourhood_create(PGconn *db, const json_t *body, struct outcome *o)
{
    char population[24], wave[12], decile[12];
    const json_t *jdecile = json_object_get(body, "imdDecile");
    snprintf(population, sizeof population, "%lld",
             (long long)json_integer_value(json_object_get(body, "population")));
    snprintf(wave, sizeof wave, "%lld", (long long)json_integer_value(json_object_get(body, "wave")));
    snprintf(decile, sizeof decile, "%lld", (long long)json_integer_value(jdecile));
    const char *params[] = {
        json_string_value(json_object_get(body, "code")),
        json_string_value(json_object_get(body, "name")),
        population,
        json_is_integer(jdecile) ? decile : NULL,
        json_is_true(json_object_get(body, "priority")) ? "true" : "false",
        wave,
    };
    PGresult *r = db_run(db, Q_NEIGHBOURHOOD_INSERT, 6, params);
    if (!db_ok(r)) {
        outcome_db_fail(o, db, r, "storing the neighbourhood");
    } else if (PQntuples(r) == 0) {
        outcome_fail_at(o, CDM_ERR_CONFLICT, "/code", "a neighbourhood with code %s exists",
                        params[0]);
    } else {
        o->body = json_loads(PQgetvalue(r, 0, 0), 0, NULL);
        o->status = CDM_CREATED;
        snprintf(o->location, sizeof o->location, "/v1/neighbourhoods/%s",
                 json_string_value(json_object_get(o->body, "id")));
    }
    PQclear(r);
    return o->status;
}

static int post_neighbourhood(const struct _u_request *req, struct _u_response *res, void *user)
{
    struct api_ctx *ctx = user;
    struct outcome o = {0};
    json_t *body = http_json_body_or_problem(req, res);
    if (!body || !http_schema_or_problem(ctx, "neighbourhood-create.json", body, req, res)) {
        json_decref(body);
        return U_CALLBACK_CONTINUE;
    }
    if (principal_areas_param(http_principal(res))) {
        json_decref(body);
        return http_problem(req, res, CDM_ERR_FORBIDDEN,
                            "only a key for the whole locality can create neighbourhoods");
    }
    PGconn *db = http_db_or_problem(ctx, req, res);
    if (db) {
        neighbourhood_create(db, body, &o);
        pgpool_release(ctx->pool, db);
        http_reply(req, res, &o);
    }
    outcome_clear(&o);
    json_decref(body);
    return U_CALLBACK_CONTINUE;
}

static int list_neighbourhoods(const struct _u_request *req, struct _u_response *res, void *user)
{
    struct api_ctx *ctx = user;
    struct outcome o = {0};
    const char *after = u_map_get(req->map_url, "after");
    const char *limit_s = u_map_get(req->map_url, "limit");
    long limit = LIST_DEFAULT_LIMIT;
    if (limit_s) {
        char *end;
        limit = strtol(limit_s, &end, 10);
        if (*end || limit < 1 || limit > LIST_MAX_LIMIT) {
            outcome_fail_at(&o, CDM_ERR_VALIDATION, "/limit", "limit must be from 1 to %d",
                            LIST_MAX_LIMIT);
            http_reply(req, res, &o);
            outcome_clear(&o);
            return U_CALLBACK_CONTINUE;
        }
    }
    PGconn *db = http_db_or_problem(ctx, req, res);
    if (!db)
        return U_CALLBACK_CONTINUE;
    char limit_plus_one[16];
    snprintf(limit_plus_one, sizeof limit_plus_one, "%ld", limit + 1);
    const char *params[] = {after && *after ? after : NULL, limit_plus_one,
                            principal_areas_param(http_principal(res))};
    PGresult *r = db_run(db, Q_NEIGHBOURHOOD_LIST, 3, params);
    if (!db_ok(r)) {
        outcome_db_fail(&o, db, r, "listing neighbourhoods");
    } else {
        json_t *items = json_array();
        int rows = PQntuples(r);
        for (int i = 0; i < rows && i < limit; i++)
            json_array_append_new(items, json_loads(PQgetvalue(r, i, 0), 0, NULL));
        json_t *next = json_null();
        if (rows > limit) /* one more row than asked: there is a next page */
            next = json_incref(json_object_get(json_array_get(items, (size_t)limit - 1), "code"));
        o.body = json_pack("{s:o, s:o}", "items", items, "next", next);
        o.status = CDM_OK;
    }
    PQclear(r);
    pgpool_release(ctx->pool, db);
    http_reply(req, res, &o);
    outcome_clear(&o);
    return U_CALLBACK_CONTINUE;
}

static int get_neighbourhood(const struct _u_request *req, struct _u_response *res, void *user)
{
    struct api_ctx *ctx = user;
    struct outcome o = {0};
    const char *raw = u_map_get(req->map_url, "id");
    char id[UUID_STR_LEN];
    if (!uuid_is_valid(raw))
        return http_problem(req, res, CDM_ERR_NOT_FOUND, "no such neighbourhood");
    uuid_normalise(raw, id);
    if (!principal_may(http_principal(res), id)) /* outside the key's area: as if absent */
        return http_problem(req, res, CDM_ERR_NOT_FOUND, "no such neighbourhood");
    PGconn *db = http_db_or_problem(ctx, req, res);
    if (!db)
        return U_CALLBACK_CONTINUE;
    const char *params[] = {id};
    PGresult *r = db_run(db, Q_NEIGHBOURHOOD_GET, 1, params);
    if (!db_ok(r))
        outcome_db_fail(&o, db, r, "reading the neighbourhood");
    else if (PQntuples(r) == 0)
        outcome_fail(&o, CDM_ERR_NOT_FOUND, "no such neighbourhood");
    else {
        o.body = json_loads(PQgetvalue(r, 0, 0), 0, NULL);
        o.status = CDM_OK;
    }
    PQclear(r);
    pgpool_release(ctx->pool, db);
    http_reply(req, res, &o);
    outcome_clear(&o);
    return U_CALLBACK_CONTINUE;
}

const struct route neighbourhood_routes[] = {
    {"POST", "/v1/neighbourhoods", post_neighbourhood, SCOPE_ADMIN},
    {"GET", "/v1/neighbourhoods", list_neighbourhoods, SCOPE_READ},
    {"GET", "/v1/neighbourhoods/:id", get_neighbourhood, SCOPE_READ},
    {NULL, NULL, NULL, 0},
};
