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

/* Inserts a neighbourhood from a schema-valid body; locality-wide keys only. */
static enum cdm_status neighbourhood_create(PGconn *db, const struct route_call *call,
                                            struct outcome *o)
{
    const json_t *body = call->body;
    if (principal_areas_param(call->who))
        return outcome_fail(o, CDM_ERR_FORBIDDEN,
                            "only a key for the whole locality can create neighbourhoods");
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
    if (db_one_json(db, Q_NEIGHBOURHOOD_INSERT, 6, params, o, "storing the neighbourhood",
                    "") == CDM_ERR_NOT_FOUND) { /* ON CONFLICT DO NOTHING: the code is taken */
        return outcome_fail_at(o, CDM_ERR_CONFLICT, "/code", "a neighbourhood with code %s exists",
                               params[0]);
    }
    if (o->status == CDM_OK) {
        o->status = CDM_CREATED;
        snprintf(o->location, sizeof o->location, "/v1/neighbourhoods/%s",
                 json_string_value(json_object_get(o->body, "id")));
    }
    return o->status;
}

/* A page of the neighbourhoods the caller may see, by code (?after=&limit=). */
static enum cdm_status neighbourhood_list(PGconn *db, const struct route_call *call,
                                          struct outcome *o)
{
    const char *after = u_map_get(call->req->map_url, "after");
    const char *limit_s = u_map_get(call->req->map_url, "limit");
    long limit = LIST_DEFAULT_LIMIT;
    if (limit_s) {
        char *end;
        limit = strtol(limit_s, &end, 10);
        if (*end || limit < 1 || limit > LIST_MAX_LIMIT)
            return outcome_fail_at(o, CDM_ERR_VALIDATION, "/limit", "limit must be from 1 to %d",
                                   LIST_MAX_LIMIT);
    }
    char limit_plus_one[16];
    snprintf(limit_plus_one, sizeof limit_plus_one, "%ld", limit + 1);
    const char *params[] = {after && *after ? after : NULL, limit_plus_one,
                            principal_areas_param(call->who)};
    PGresult *r = db_run(db, Q_NEIGHBOURHOOD_LIST, 3, params);
    if (!db_ok(r)) {
        outcome_db_fail(o, db, r, "listing neighbourhoods");
    } else {
        json_t *items = json_array();
        int rows = PQntuples(r);
        for (int i = 0; i < rows && i < limit; i++)
            json_array_append_new(items, json_loads(PQgetvalue(r, i, 0), 0, NULL));
        json_t *next = json_null();
        if (rows > limit) /* one more row than asked: there is a next page */
            next = json_incref(json_object_get(json_array_get(items, (size_t)limit - 1), "code"));
        o->body = json_pack("{s:o, s:o}", "items", items, "next", next);
        o->status = CDM_OK;
    }
    PQclear(r);
    return o->status;
}

/* One neighbourhood; one outside the caller's is as if absent. */
static enum cdm_status neighbourhood_read(PGconn *db, const struct route_call *call,
                                          struct outcome *o)
{
    if (!principal_may(call->who, call->id))
        return outcome_fail(o, CDM_ERR_NOT_FOUND, "no such neighbourhood");
    const char *params[] = {call->id};
    return db_one_json(db, Q_NEIGHBOURHOOD_GET, 1, params, o, "reading the neighbourhood",
                       "no such neighbourhood");
}

static int post_neighbourhood(const struct _u_request *req, struct _u_response *res, void *user)
{
    return http_run_body(user, req, res, "neighbourhood-create.json", neighbourhood_create, NULL);
}

static int list_neighbourhoods(const struct _u_request *req, struct _u_response *res, void *user)
{
    return http_run(user, req, res, neighbourhood_list, NULL);
}

static int get_neighbourhood(const struct _u_request *req, struct _u_response *res, void *user)
{
    char id[UUID_STR_LEN];
    if (!http_path_id(req, res, "no such neighbourhood", id))
        return U_CALLBACK_CONTINUE;
    return http_run(user, req, res, neighbourhood_read, id);
}

const struct route neighbourhood_routes[] = {
    {"POST", "/v1/neighbourhoods", post_neighbourhood, SCOPE_ADMIN},
    {"GET", "/v1/neighbourhoods", list_neighbourhoods, SCOPE_READ},
    {"GET", "/v1/neighbourhoods/:id", get_neighbourhood, SCOPE_READ},
    {NULL, NULL, NULL, 0},
};
