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

/* Checks the areas of a new neighbourhood: each must exist, and an LSOA may
 * not be listed with its own ward (its people would count twice). Fails o
 * with 422 at the offending /areas/<i>. */
static enum cdm_status areas_check(PGconn *db, const json_t *areas, const char *codes_literal,
                                   struct outcome *o)
{
    const char *p[GEO_NBH_AREAS_RESOLVE_NPARAMS] = {
        [GEO_NBH_AREAS_RESOLVE_P_CODES] = codes_literal};
    PGresult *r = DB_RUN(db, GEO_NBH_AREAS_RESOLVE, p);
    char pointer[32];
    if (!db_ok(r)) {
        outcome_db_fail(o, db, r, "reading the areas");
        goto out;
    }
    o->status = CDM_OK;
    for (int i = 0; i < PQntuples(r); i++) {
        snprintf(pointer, sizeof pointer, "/areas/%d", i);
        const char *code = PQgetvalue(r, i, GEO_NBH_AREAS_RESOLVE_CODE);
        if (PQgetisnull(r, i, GEO_NBH_AREAS_RESOLVE_AREA_ID)) {
            outcome_fail_at(o, CDM_ERR_VALIDATION, pointer, "no area with code %s", code);
            goto out;
        }
        const char *ward = PQgetvalue(r, i, GEO_NBH_AREAS_RESOLVE_WARD_CODE);
        for (size_t j = 0; *ward && j < json_array_size(areas); j++)
            if (strcmp(json_string_value(json_array_get(areas, j)), ward) == 0) {
                outcome_fail_at(o, CDM_ERR_VALIDATION, pointer,
                                "LSOA %s lies in ward %s, also listed: its residents would count twice",
                                code, ward);
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
    const char *p[GEO_NBH_GET_NPARAMS] = {[GEO_NBH_GET_P_ID] = id, [GEO_NBH_GET_P_ON_DATE] = on};
    if (DB_ONE_JSON(db, GEO_NBH_GET, p, o, "reading the neighbourhood",
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
    if (geo_locality_key_or_fail(call, o, "create neighbourhoods") != CDM_OK)
        return o->status;
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
    const char *code = json_string_value(json_object_get(body, "code"));
    const char *params[GEO_NBH_INSERT_NPARAMS] = {
        [GEO_NBH_INSERT_P_CODE] = code,
        [GEO_NBH_INSERT_P_NAME] = json_string_value(json_object_get(body, "name")),
        [GEO_NBH_INSERT_P_POPULATION] = jpop ? population : NULL,
        [GEO_NBH_INSERT_P_IMD_DECILE] = json_is_integer(jdecile) ? decile : NULL,
        [GEO_NBH_INSERT_P_PRIORITY] = json_is_true(json_object_get(body, "priority")) ? "true"
                                                                                    : "false",
        [GEO_NBH_INSERT_P_WAVE] = wave,
        [GEO_NBH_INSERT_P_PROGRAMME_ID] = programme_raw ? programme : NULL,
        [GEO_NBH_INSERT_P_DIGEST] = digest,
    };
    bool replay = false;
    if (!record_tx_begin(db, o))
        goto out;
    r = DB_RUN(db, GEO_NBH_INSERT, params);
    if (!db_ok(r)) {
        if (strcmp(db_sqlstate(r), "23503") == 0)
            outcome_fail_at(o, CDM_ERR_VALIDATION, "/programmeId", "no such programme");
        else
            outcome_db_fail(o, db, r, "storing the neighbourhood");
        goto out;
    }
    if (PQntuples(r) == 0) { /* ON CONFLICT DO NOTHING: the code is taken */
        PQclear(r);
        const char *cp[GEO_NBH_BY_CODE_NPARAMS] = {[GEO_NBH_BY_CODE_P_CODE] = code,
                                                   [GEO_NBH_BY_CODE_P_DIGEST] = digest};
        r = DB_RUN(db, GEO_NBH_BY_CODE, cp);
        if (!db_ok(r) || PQntuples(r) != 1) {
            outcome_db_fail(o, db, r, "reading the neighbourhood");
            goto out;
        }
        if (strcmp(PQgetvalue(r, 0, GEO_NBH_BY_CODE_SAME_BODY), "t") != 0) {
            outcome_fail_at(o, CDM_ERR_CONFLICT, "/code",
                            "a neighbourhood with code %s exists, made from another body", code);
            goto out;
        }
        /* The same body resent: answered as the first time, nothing written. */
        snprintf(id, sizeof id, "%s", PQgetvalue(r, 0, GEO_NBH_BY_CODE_ID));
        replay = true;
        record_tx_end(db);
        goto answer;
    }
    snprintf(id, sizeof id, "%s", PQgetvalue(r, 0, GEO_NBH_INSERT_ID));
    if (areas) {
        PQclear(r);
        const char *ap[GEO_NBH_AREAS_INSERT_NPARAMS] = {
            [GEO_NBH_AREAS_INSERT_P_NEIGHBOURHOOD_ID] = id, [GEO_NBH_AREAS_INSERT_P_CODES] = codes};
        r = DB_RUN(db, GEO_NBH_AREAS_INSERT, ap);
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
    struct pdate d = pdate_today();
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

const struct route neighbourhood_routes[] = {
    {.method = "POST", .path = "/v1/neighbourhoods", .logic = neighbourhood_create,
     .schema = "neighbourhood-create.json", .scope = SCOPE_ADMIN},
    {.method = "GET", .path = "/v1/neighbourhoods", .logic = neighbourhood_list,
     .scope = SCOPE_READ},
    {.method = "GET", .path = "/v1/neighbourhoods/:id", .logic = neighbourhood_read,
     .not_found = "no such neighbourhood", .scope = SCOPE_READ},
    {.method = NULL},
};
