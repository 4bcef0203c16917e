/* agencies.c — partner agencies and their API keys: create, list, revoke */
#include "agencies.h"
#include "apikey.h"
#include "ids.h"
#include "log.h"
#include "queries.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool agency_ensure(PGconn *db, const char *name, char id_out[40])
{
    const char *p[] = {name};
    PGresult *r = db_run(db, Q_AGENCY_INSERT, 1, p);
    bool ok = db_ok(r);
    PQclear(r);
    if (!ok)
        return false;
    r = PQexecParams(db, "SELECT id FROM agency WHERE name = $1", 1, NULL, p, NULL, NULL, 0);
    ok = db_ok(r) && PQntuples(r) == 1;
    if (ok)
        snprintf(id_out, 40, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    return ok;
}

/* Renders a JSON array of strings as a PostgreSQL array literal; NULL if
 * empty. Caller frees. Items are UUIDs or scope names: no quoting needed. */
static char *pg_array(const json_t *items)
{
    size_t n = json_array_size(items);
    if (n == 0)
        return NULL;
    char *out = malloc(n * 40 + 3);
    if (!out)
        return NULL;
    size_t len = 0;
    out[len++] = '{';
    for (size_t i = 0; i < n; i++)
        len += (size_t)sprintf(out + len, "%s%s", i ? "," : "",
                               json_string_value(json_array_get(items, i)));
    out[len++] = '}';
    out[len] = '\0';
    return out;
}

enum cdm_status key_create(PGconn *db, const char *agency_id, const json_t *spec, struct outcome *o)
{
    const json_t *areas = json_object_get(spec, "neighbourhoods");
    bool all = json_is_true(json_object_get(spec, "allNeighbourhoods"));
    if (all == (json_array_size(areas) > 0))
        return outcome_fail_at(o, CDM_ERR_VALIDATION, "/neighbourhoods",
                               "give either neighbourhoods or allNeighbourhoods: true");
    char *scopes = pg_array(json_object_get(spec, "scopes"));
    char *area_list = all ? NULL : pg_array(areas);
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
static bool locality_admin_or_problem(const struct _u_request *req, struct _u_response *res)
{
    if (!principal_areas_param(http_principal(res)))
        return true;
    http_problem(req, res, CDM_ERR_FORBIDDEN, "only a key for the whole locality can manage agencies and keys");
    return false;
}

static int post_agency(const struct _u_request *req, struct _u_response *res, void *user)
{
    struct api_ctx *ctx = user;
    struct outcome o = {0};
    if (!locality_admin_or_problem(req, res))
        return U_CALLBACK_CONTINUE;
    json_t *body = http_json_body_or_problem(req, res);
    if (!body || !http_schema_or_problem(ctx, "agency-create.json", body, req, res)) {
        json_decref(body);
        return U_CALLBACK_CONTINUE;
    }
    PGconn *db = http_db_or_problem(ctx, req, res);
    if (db) {
        const char *p[] = {json_string_value(json_object_get(body, "name"))};
        PGresult *r = db_run(db, Q_AGENCY_INSERT, 1, p);
        if (!db_ok(r))
            outcome_db_fail(&o, db, r, "storing the agency");
        else if (PQntuples(r) == 0)
            outcome_fail_at(&o, CDM_ERR_CONFLICT, "/name", "an agency of that name exists");
        else {
            o.body = json_loads(PQgetvalue(r, 0, 0), 0, NULL);
            o.status = CDM_CREATED;
        }
        PQclear(r);
        pgpool_release(ctx->pool, db);
        http_reply(req, res, &o);
    }
    outcome_clear(&o);
    json_decref(body);
    return U_CALLBACK_CONTINUE;
}

static int list_agencies(const struct _u_request *req, struct _u_response *res, void *user)
{
    struct api_ctx *ctx = user;
    struct outcome o = {0};
    if (!locality_admin_or_problem(req, res))
        return U_CALLBACK_CONTINUE;
    PGconn *db = http_db_or_problem(ctx, req, res);
    if (!db)
        return U_CALLBACK_CONTINUE;
    PGresult *r = db_run(db, Q_AGENCY_LIST, 0, NULL);
    if (!db_ok(r))
        outcome_db_fail(&o, db, r, "listing agencies");
    else {
        o.body = json_pack("{s:o}", "items", json_loads(PQgetvalue(r, 0, 0), 0, NULL));
        o.status = CDM_OK;
    }
    PQclear(r);
    pgpool_release(ctx->pool, db);
    http_reply(req, res, &o);
    outcome_clear(&o);
    return U_CALLBACK_CONTINUE;
}

static int post_key(const struct _u_request *req, struct _u_response *res, void *user)
{
    struct api_ctx *ctx = user;
    struct outcome o = {0};
    const char *raw = u_map_get(req->map_url, "id");
    if (!locality_admin_or_problem(req, res))
        return U_CALLBACK_CONTINUE;
    if (!uuid_is_valid(raw))
        return http_problem(req, res, CDM_ERR_NOT_FOUND, "no such agency");
    json_t *body = http_json_body_or_problem(req, res);
    if (!body || !http_schema_or_problem(ctx, "key-create.json", body, req, res)) {
        json_decref(body);
        return U_CALLBACK_CONTINUE;
    }
    char id[UUID_STR_LEN];
    uuid_normalise(raw, id);
    PGconn *db = http_db_or_problem(ctx, req, res);
    if (db) {
        const char *p[] = {id};
        PGresult *r = db_run(db, Q_AGENCY_GET, 1, p);
        if (!db_ok(r))
            outcome_db_fail(&o, db, r, "reading the agency");
        else if (PQntuples(r) == 0)
            outcome_fail(&o, CDM_ERR_NOT_FOUND, "no such agency");
        else
            key_create(db, id, body, &o);
        PQclear(r);
        pgpool_release(ctx->pool, db);
        http_reply(req, res, &o);
    }
    outcome_clear(&o);
    json_decref(body);
    return U_CALLBACK_CONTINUE;
}

static int delete_key(const struct _u_request *req, struct _u_response *res, void *user)
{
    struct api_ctx *ctx = user;
    struct outcome o = {0};
    const char *raw = u_map_get(req->map_url, "id");
    if (!locality_admin_or_problem(req, res))
        return U_CALLBACK_CONTINUE;
    if (!uuid_is_valid(raw))
        return http_problem(req, res, CDM_ERR_NOT_FOUND, "no such key");
    char id[UUID_STR_LEN];
    uuid_normalise(raw, id);
    PGconn *db = http_db_or_problem(ctx, req, res);
    if (!db)
        return U_CALLBACK_CONTINUE;
    const char *p[] = {id};
    PGresult *r = db_run(db, Q_KEY_REVOKE, 1, p);
    if (!db_ok(r))
        outcome_db_fail(&o, db, r, "revoking the key");
    else if (PQntuples(r) == 0)
        outcome_fail(&o, CDM_ERR_NOT_FOUND, "no such key");
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

const struct route agency_routes[] = {
    {"POST", "/v1/agencies", post_agency, SCOPE_ADMIN},
    {"GET", "/v1/agencies", list_agencies, SCOPE_ADMIN},
    {"POST", "/v1/agencies/:id/keys", post_key, SCOPE_ADMIN},
    {"DELETE", "/v1/keys/:id", delete_key, SCOPE_ADMIN},
    {NULL, NULL, NULL, 0},
};
