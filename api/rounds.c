/* rounds.c — survey rounds: one instrument fielded in some neighbourhoods */
#include "http.h"
#include "ids.h"
#include "log.h"
#include "queries.h"
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Reads a round as JSON into o->body; sets o->status. */
static enum cdm_status round_read(PGconn *db, const char *id, struct outcome *o)
{
    const char *params[] = {id};
    return db_one_json(db, Q_ROUND_GET, 1, params, o, "reading the round", "no such survey round");
}

/* Creates a round and its areas in one transaction, from a schema-valid body.
 * A neighbourhood outside the caller's is answered like one that does not exist. */
static enum cdm_status round_create(PGconn *db, const struct route_call *call, struct outcome *o)
{
    const struct principal *who = call->who;
    const json_t *body = call->body;
    const char *instrument = json_string_value(json_object_get(body, "instrument"));
    const char *start = json_string_value(json_object_get(body, "fieldworkStart"));
    const char *end = json_string_value(json_object_get(body, "fieldworkEnd"));
    const json_t *areas = json_object_get(body, "neighbourhoods");
    char pointer[64];
    if (strcmp(end, start) < 0) /* ISO dates compare as strings */
        return outcome_fail_at(o, CDM_ERR_VALIDATION, "/fieldworkEnd",
                               "fieldwork cannot end before it starts");
    for (size_t i = 0; i < json_array_size(areas); i++)
        for (size_t j = 0; j < i; j++) {
            const char *a = json_string_value(json_object_get(json_array_get(areas, i), "neighbourhoodId"));
            const char *b = json_string_value(json_object_get(json_array_get(areas, j), "neighbourhoodId"));
            if (strcasecmp(a, b) == 0) {
                snprintf(pointer, sizeof pointer, "/neighbourhoods/%zu/neighbourhoodId", i);
                return outcome_fail_at(o, CDM_ERR_VALIDATION, pointer,
                                       "neighbourhood listed twice");
            }
        }

    for (size_t i = 0; i < json_array_size(areas); i++) {
        char area[UUID_STR_LEN];
        uuid_normalise(json_string_value(json_object_get(json_array_get(areas, i), "neighbourhoodId")), area);
        if (!principal_may(who, area)) {
            snprintf(pointer, sizeof pointer, "/neighbourhoods/%zu/neighbourhoodId", i);
            return outcome_fail_at(o, CDM_ERR_VALIDATION, pointer, "no such neighbourhood");
        }
    }
    char round_id[UUID_STR_LEN] = "";
    PGresult *r = NULL;
    if (!db_exec(db, "BEGIN")) {
        outcome_fail(o, CDM_ERR_UNAVAILABLE, "the database is not reachable; retry later");
        goto out;
    }
    const char *rparams[] = {instrument, json_string_value(json_object_get(body, "name")), start, end};
    r = db_run(db, Q_ROUND_INSERT, 4, rparams);
    if (!db_ok(r)) {
        outcome_db_fail(o, db, r, "storing the round");
        goto out;
    }
    snprintf(round_id, sizeof round_id, "%s", PQgetvalue(r, 0, 0));
    for (size_t i = 0; i < json_array_size(areas); i++) {
        const json_t *a = json_array_get(areas, i);
        const char *aparams[] = {round_id, json_string_value(json_object_get(a, "neighbourhoodId")),
                                 instrument,
                                 json_is_true(json_object_get(a, "baseline")) ? "true" : "false"};
        PQclear(r);
        r = db_run(db, Q_ROUND_AREA_INSERT, 4, aparams);
        if (db_ok(r))
            continue;
        const char *state = db_sqlstate(r);
        if (strcmp(state, "23503") == 0) {
            snprintf(pointer, sizeof pointer, "/neighbourhoods/%zu/neighbourhoodId", i);
            outcome_fail_at(o, CDM_ERR_VALIDATION, pointer, "no such neighbourhood");
        } else if (strcmp(state, "23505") == 0) {
            snprintf(pointer, sizeof pointer, "/neighbourhoods/%zu/baseline", i);
            outcome_fail_at(o, CDM_ERR_CONFLICT, pointer,
                            "this neighbourhood already has a %s baseline round", instrument);
        } else {
            outcome_db_fail(o, db, r, "storing the round");
        }
        goto out;
    }
    if (!db_exec(db, "COMMIT")) {
        outcome_fail(o, CDM_ERR_UNAVAILABLE, "the database did not commit; retry later");
        goto out;
    }
    if (round_read(db, round_id, o) == CDM_OK) {
        o->status = CDM_CREATED;
        snprintf(o->location, sizeof o->location, "/v1/rounds/%s", round_id);
    }
out:
    PQclear(r);
    if (PQtransactionStatus(db) != PQTRANS_IDLE)
        db_exec(db, "ROLLBACK");
    return o->status;
}

/* A round as the caller may see it: only its neighbourhoods; a round with
 * none of them is not there for it. */
static enum cdm_status round_visible(PGconn *db, const struct route_call *call, struct outcome *o)
{
    if (round_read(db, call->id, o) != CDM_OK)
        return o->status;
    json_t *kept = json_array(), *a;
    size_t i;
    json_array_foreach(json_object_get(o->body, "neighbourhoods"), i, a) {
        if (principal_may(call->who, json_string_value(json_object_get(a, "neighbourhoodId"))))
            json_array_append(kept, a);
    }
    bool none = json_array_size(kept) == 0;
    json_object_set_new(o->body, "neighbourhoods", kept);
    if (none) {
        outcome_clear(o);
        outcome_fail(o, CDM_ERR_NOT_FOUND, "no such survey round");
    }
    return o->status;
}

static int post_round(const struct _u_request *req, struct _u_response *res, void *user)
{
    return http_run_body(user, req, res, "round-create.json", round_create, NULL);
}

static int get_round(const struct _u_request *req, struct _u_response *res, void *user)
{
    char id[UUID_STR_LEN];
    if (!http_path_id(req, res, "no such survey round", id))
        return U_CALLBACK_CONTINUE;
    return http_run(user, req, res, round_visible, id);
}

const struct route round_routes[] = {
    {"POST", "/v1/rounds", post_round, SCOPE_ADMIN},
    {"GET", "/v1/rounds/:id", get_round, SCOPE_READ},
    {NULL, NULL, NULL, 0},
};
