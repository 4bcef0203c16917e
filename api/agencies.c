/* agencies.c — partner agencies and their API keys: create, list, revoke */
#include "agencies.h"
#include "apikey.h"
#include "ids.h"
#include "log.h"
#include "queries.h"
#include "text.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool agency_ensure(PGconn *db, const char *name, char id_out[40])
{
    const char *p[] = {name};
    PGresult *r = db_run(db, Q_AGENCY_ENSURE, 1, p);
    bool ok = db_ok(r) && PQntuples(r) == 1;
    if (ok)
        snprintf(id_out, 40, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    return ok;
}

enum cdm_status key_create(PGconn *db, const char *agency_id, const json_t *spec, struct outcome *o)
{
    const json_t *areas = json_object_get(spec, "neighbourhoods");
    bool all = json_is_true(json_object_get(spec, "allNeighbourhoods"));
    if (all == (json_array_size(areas) > 0))
        return outcome_fail_at(o, CDM_ERR_VALIDATION, "/neighbourhoods",
                               "give either neighbourhoods or allNeighbourhoods: true");
    char *scopes = pg_array_literal(json_object_get(spec, "scopes"));
    char *area_list = all ? NULL : pg_array_literal(areas);
    char key[APIKEY_LEN + 1], prefix[APIKEY_PREFIX_LEN + 1], hash[APIKEY_HASH_HEX], rate[16];
    PGresult *r = NULL;
    if (!scopes || (!all && !area_list) || !apikey_generate(key, prefix)) {
        outcome_fail(o, CDM_ERR_INTERNAL, "could not make a key");
        goto out;
    }
    if (area_list) {
        const char *ep[] = {area_list};
        r = db_run(db, Q_NEIGHBOURHOODS_EXIST, 1, ep);
        if (!db_ok(r)) {
            outcome_db_fail(o, db, r, "checking the neighbourhoods");
            goto out;
        }
        if (strcmp(PQgetvalue(r, 0, 0), "t") != 0) {
            outcome_fail_at(o, CDM_ERR_VALIDATION, "/neighbourhoods", "no such neighbourhood among these");
            goto out;
        }
        PQclear(r);
    }
    apikey_hash_hex(key, hash);
    const json_t *jrate = json_object_get(spec, "ratePerSecond");
    snprintf(rate, sizeof rate, "%lld", (long long)json_integer_value(jrate));
    const char *params[] = {agency_id, prefix, hash, scopes, all ? "true" : "false", area_list,
                            json_string_value(json_object_get(spec, "expiresAt")),
                            jrate ? rate : NULL};
    r = db_run(db, Q_KEY_INSERT, 8, params);
    if (!db_ok(r)) {
        outcome_db_fail(o, db, r, "storing the key");
        goto out;
    }
    o->body = json_loads(PQgetvalue(r, 0, 0), 0, NULL);
    json_object_set_new(o->body, "key", json_string(key));
    o->status = CDM_CREATED;
    log_info("api key created", json_pack("{s:s, s:s}", "prefix", prefix, "agencyId", agency_id));
out:
    PQclear(r);
    free(scopes);
    free(area_list);
    return o->status;
}

/* Agencies and keys are managed only with a locality-wide admin key. */
static bool locality_admin(const struct route_call *call, struct outcome *o)
{
    if (!principal_areas_param(call->who))
        return true;
    outcome_fail(o, CDM_ERR_FORBIDDEN, "only a key for the whole locality can manage agencies and keys");
    return false;
}

static enum cdm_status agency_create(PGconn *db, const struct route_call *call, struct outcome *o)
{
    if (!locality_admin(call, o))
        return o->status;
    const char *p[] = {json_string_value(json_object_get(call->body, "name"))};
    if (db_one_json(db, Q_AGENCY_INSERT, 1, p, o, "storing the agency", "") == CDM_ERR_NOT_FOUND)
        return outcome_fail_at(o, CDM_ERR_CONFLICT, "/name", "an agency of that name exists");
    if (o->status == CDM_OK)
        o->status = CDM_CREATED;
    return o->status;
}

static enum cdm_status agency_list(PGconn *db, const struct route_call *call, struct outcome *o)
{
    if (!locality_admin(call, o) ||
        db_one_json(db, Q_AGENCY_LIST, 0, NULL, o, "listing agencies", "") != CDM_OK)
        return o->status;
    o->body = json_pack("{s:o}", "items", o->body);
    return o->status;
}

static enum cdm_status agency_key_create(PGconn *db, const struct route_call *call, struct outcome *o)
{
    if (!locality_admin(call, o))
        return o->status;
    const char *p[] = {call->id};
    PGresult *r = db_run(db, Q_AGENCY_GET, 1, p);
    if (!db_ok(r))
        outcome_db_fail(o, db, r, "reading the agency");
    else if (PQntuples(r) == 0)
        outcome_fail(o, CDM_ERR_NOT_FOUND, "no such agency");
    else
        key_create(db, call->id, call->body, o);
    PQclear(r);
    return o->status;
}

static enum cdm_status key_revoke(PGconn *db, const struct route_call *call, struct outcome *o)
{
    const char *p[] = {call->id};
    if (locality_admin(call, o))
        db_one_json(db, Q_KEY_REVOKE, 1, p, o, "revoking the key", "no such key");
    return o->status;
}

static int post_agency(const struct _u_request *req, struct _u_response *res, void *user)
{
    return http_run_body(user, req, res, "agency-create.json", agency_create, NULL);
}

static int list_agencies(const struct _u_request *req, struct _u_response *res, void *user)
{
    return http_run(user, req, res, agency_list, NULL);
}

static int post_key(const struct _u_request *req, struct _u_response *res, void *user)
{
    return http_run_id(user, req, res, "no such agency", "key-create.json", agency_key_create);
}

static int delete_key(const struct _u_request *req, struct _u_response *res, void *user)
{
    return http_run_id(user, req, res, "no such key", NULL, key_revoke);
}

const struct route agency_routes[] = {
    {"POST", "/v1/agencies", post_agency, SCOPE_ADMIN},
    {"GET", "/v1/agencies", list_agencies, SCOPE_ADMIN},
    {"POST", "/v1/agencies/:id/keys", post_key, SCOPE_ADMIN},
    {"DELETE", "/v1/keys/:id", delete_key, SCOPE_ADMIN},
    {NULL, NULL, NULL, 0},
};
