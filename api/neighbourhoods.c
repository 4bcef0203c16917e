/* neighbourhoods.c — create, list and read neighbourhoods: named sets of areas in a programme */
#include "geography.h"
#include "ids.h"
#include "log.h"
#include "queries.h"
#include "records.h"
#include "text.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIST_DEFAULT_LIMIT 100
#define LIST_MAX_LIMIT 1000

/* Checks the areas of a new neighbourhood: each must exist, and an LSOA may
 * not be listed with its own ward (its people would count twice). Fails o
 * with 422 at the offending /areas/<i>. */
static enum cdm_status areas_check(PGconn *db, const json_t *areas, const char *codes_literal,
                                   struct outcome *o)
{
    const char *params[] = {codes_literal};
    PGresult *r = db_run(db, Q_GEO_NBH_AREAS_RESOLVE, 1, params);
    char pointer[32];
    if (!db_ok(r)) {
        outcome_db_fail(o, db, r, "reading the areas");
        goto out;
    }
    o->status = CDM_OK;
    for (int i = 0; i < PQntuples(r); i++) {
        snprintf(pointer, sizeof pointer, "/areas/%d", i);
        if (PQgetisnull(r, i, 1)) {
            outcome_fail_at(o, CDM_ERR_VALIDATION, pointer, "no area with code %s",
                            PQgetvalue(r, i, 0));
            goto out;
        }
        const char *ward = PQgetvalue(r, i, 3);
        for (size_t j = 0; *ward && j < json_array_size(areas); j++)
            if (strcmp(json_string_value(json_array_get(areas, j)), ward) == 0) {
                outcome_fail_at(o, CDM_ERR_VALIDATION, pointer,
                                "LSOA %s lies in ward %s, also listed: its residents would count twice",
                                PQgetvalue(r, i, 0), ward);
                goto out;
            }
    }
out:
    PQclear(r);
    return o->status;
}

/* Reads one neighbourhood as of `on` into o, with its phase. */
static enum cdm_status neighbourhood_read_on(PGconn *db, const char *id, const char *on,
                                             struct pdate d, struct outcome *o)
{
    const char *params[] = {id, on};
    if (db_one_json(db, Q_GEO_NBH_GET, 2, params, o, "reading the neighbourhood",
                    "no such neighbourhood") == CDM_OK)
        geo_neighbourhood_decorate(o->body, d);
    return o->status;
}

/* Inserts a neighbourhood from a schema-valid body, with its areas and its
 * record.created event, in one transaction; locality-wide keys only. With
 * `areas` its population is derived from them, else it is the declared one.
 * The code is the client's key: the same body resent is a replay (200), a
 * different body with a code in use a conflict (409). */
static enum cdm_status neighbourhood_create(PGconn *db, const struct route_call *call,
                                            struct outcome *o)
{
    const json_t *body = call->body;
    if (principal_areas_param(call->who))
        return outcome_fail(o, CDM_ERR_FORBIDDEN,
                            "only a key for the whole locality can create neighbourhoods");
    const json_t *areas = json_object_get(body, "areas");
    const json_t *jpop = json_object_get(body, "population");
    if (!areas && !jpop)
        return outcome_fail_at(o, CDM_ERR_VALIDATION, "/population",
                               "give the neighbourhood's areas or its population");
    char population[24], wave[12], decile[12], id[UUID_STR_LEN] = "", today[11];
    char programme[UUID_STR_LEN];
    const json_t *jdecile = json_object_get(body, "imdDecile");
    const char *programme_raw = json_string_value(json_object_get(body, "programmeId"));
    if (programme_raw)
        uuid_normalise(programme_raw, programme);
    snprintf(population, sizeof population, "%lld", (long long)json_integer_value(jpop));
    snprintf(wave, sizeof wave, "%lld", (long long)json_integer_value(json_object_get(body, "wave")));
    snprintf(decile, sizeof decile, "%lld", (long long)json_integer_value(jdecile));
    char *codes = areas ? pg_array_literal(areas) : NULL;
    PGresult *r = NULL;
    json_t *ids = NULL;
    if (areas && !codes) {
        outcome_fail(o, CDM_ERR_INTERNAL, "out of memory");
        goto out;
    }
    if (areas && areas_check(db, areas, codes, o) != CDM_OK)
        goto out;
    char digest[65];
    if (!record_body_digest_hex(body, digest)) {
        outcome_fail(o, CDM_ERR_INTERNAL, "out of memory");
        goto out;
    }
    const char *params[] = {
        json_string_value(json_object_get(body, "code")),
        json_string_value(json_object_get(body, "name")),
        jpop ? population : NULL,
        json_is_integer(jdecile) ? decile : NULL,
        json_is_true(json_object_get(body, "priority")) ? "true" : "false",
        wave,
        programme_raw ? programme : NULL,
        digest,
    };
    bool replay = false;
    if (!record_tx_begin(db, o))
        goto out;
    r = db_run(db, Q_GEO_NBH_INSERT, 8, params);
    if (!db_ok(r)) {
        if (strcmp(db_sqlstate(r), "23503") == 0)
            outcome_fail_at(o, CDM_ERR_VALIDATION, "/programmeId", "no such programme");
        else
            outcome_db_fail(o, db, r, "storing the neighbourhood");
        goto out;
    }
    if (PQntuples(r) == 0) { /* ON CONFLICT DO NOTHING: the code is taken */
        PQclear(r);
        const char *cp[] = {params[0], digest};
        r = db_run(db, Q_GEO_NBH_BY_CODE, 2, cp);
        if (!db_ok(r) || PQntuples(r) != 1) {
            outcome_db_fail(o, db, r, "reading the neighbourhood");
            goto out;
        }
        if (strcmp(PQgetvalue(r, 0, 1), "t") != 0) {
            outcome_fail_at(o, CDM_ERR_CONFLICT, "/code",
                            "a neighbourhood with code %s exists, made from another body", params[0]);
            goto out;
        }
        /* The same body resent: answered as the first time, nothing written. */
        snprintf(id, sizeof id, "%s", PQgetvalue(r, 0, 0));
        replay = true;
        record_tx_end(db);
        goto answer;
    }
    snprintf(id, sizeof id, "%s", PQgetvalue(r, 0, 0));
    if (areas) {
        PQclear(r);
        const char *ap[] = {id, codes};
        r = db_run(db, Q_GEO_NBH_AREAS_INSERT, 2, ap);
        if (!db_ok(r)) {
            outcome_db_fail(o, db, r, "storing the neighbourhood's areas");
            goto out;
        }
    }
    ids = json_pack("[s]", id);
    if (!ids) { /* never an event routed to no neighbourhood; out: rolls back */
        outcome_fail(o, CDM_ERR_INTERNAL, "out of memory");
        goto out;
    }
    if (!record_event_add(db, call, "created", ENTITY_NEIGHBOURHOOD, id, 1, ids)) {
        outcome_fail(o, CDM_ERR_UNAVAILABLE, "the event could not be stored; retry later");
        goto out;
    }
    if (!record_tx_commit(db, o))
        goto out;
answer:;
    struct pdate d = geo_today();
    pdate_format(d, today);
    if (neighbourhood_read_on(db, id, today, d, o) == CDM_OK) {
        o->status = replay ? CDM_REPLAYED : CDM_CREATED;
        snprintf(o->location, sizeof o->location, "/v1/neighbourhoods/%s", id);
    }
out:
    PQclear(r);
    record_tx_end(db);
    json_decref(ids);
    free(codes);
    return o->status;
}

enum cdm_status geo_neighbourhood_page(PGconn *db, const struct route_call *call,
                                       struct outcome *o, const char *programme_id)
{
    char on[11];
    struct pdate d;
    if (geo_on_date(call, o, on, &d) != CDM_OK)
        return o->status;
    const char *after = u_map_get(call->req->map_url, "after");
    const char *limit_s = u_map_get(call->req->map_url, "limit");
    long limit = LIST_DEFAULT_LIMIT;
    if (limit_s) {
        char *end;
        limit = strtol(limit_s, &end, 10);
        if (*end || end == limit_s || limit < 1 || limit > LIST_MAX_LIMIT)
            return outcome_fail_at(o, CDM_ERR_VALIDATION, "/limit", "limit must be from 1 to %d",
                                   LIST_MAX_LIMIT);
    }
    char limit_plus_one[16];
    snprintf(limit_plus_one, sizeof limit_plus_one, "%ld", limit + 1);
    const char *params[] = {after && *after ? after : NULL, limit_plus_one,
                            principal_areas_param(call->who), on, programme_id};
    PGresult *r = db_run(db, Q_GEO_NBH_LIST, 5, params);
    if (!db_ok(r)) {
        outcome_db_fail(o, db, r, "listing neighbourhoods");
    } else {
        json_t *items = json_array();
        int rows = PQntuples(r);
        for (int i = 0; i < rows && i < limit; i++) {
            json_t *n = json_loads(PQgetvalue(r, i, 0), 0, NULL);
            geo_neighbourhood_decorate(n, d);
            json_array_append_new(items, n);
        }
        json_t *next = json_null();
        if (rows > limit) /* one more row than asked: there is a next page */
            next = json_incref(json_object_get(json_array_get(items, (size_t)limit - 1), "code"));
        o->body = json_pack("{s:o, s:o}", "items", items, "next", next);
        o->status = CDM_OK;
    }
    PQclear(r);
    return o->status;
}

/* A page of the neighbourhoods the caller may see, by code (?after=&limit=&on=). */
static enum cdm_status neighbourhood_list(PGconn *db, const struct route_call *call,
                                          struct outcome *o)
{
    return geo_neighbourhood_page(db, call, o, NULL);
}

/* One neighbourhood (?on=); one outside the caller's is as if absent. */
static enum cdm_status neighbourhood_read(PGconn *db, const struct route_call *call,
                                          struct outcome *o)
{
    if (!principal_may(call->who, call->id))
        return outcome_fail(o, CDM_ERR_NOT_FOUND, "no such neighbourhood");
    char on[11];
    struct pdate d;
    if (geo_on_date(call, o, on, &d) != CDM_OK)
        return o->status;
    return neighbourhood_read_on(db, call->id, on, d, o);
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
    return http_run_id(user, req, res, "no such neighbourhood", NULL, neighbourhood_read);
}

const struct route neighbourhood_routes[] = {
    {"POST", "/v1/neighbourhoods", post_neighbourhood, SCOPE_ADMIN},
    {"GET", "/v1/neighbourhoods", list_neighbourhoods, SCOPE_READ},
    {"GET", "/v1/neighbourhoods/:id", get_neighbourhood, SCOPE_READ},
    {NULL, NULL, NULL, 0},
};
