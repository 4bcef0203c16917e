/* agencies.c — partner agencies and their API keys: create, list, revoke */
#include "agencies.h"
#include "audit.h"
#include "apikey.h"
#include "ids.h"
#include "log.h"
#include "queries.h"
#include "text.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

bool agency_ensure(PGconn *db, const char *name, char id_out[40])
{
    const char *p[AGENCY_ENSURE_NPARAMS] = {[AGENCY_ENSURE_P_NAME] = name};
    PGresult *r = DB_RUN(db, AGENCY_ENSURE, p);
    bool ok = db_ok(r) && PQntuples(r) == 1;
    if (ok)
        snprintf(id_out, 40, "%s", PQgetvalue(r, 0, AGENCY_ENSURE_ID));
    PQclear(r);
    return ok;
}

enum cdm_status key_create(PGconn *db, const char *agency_id, const json_t *spec,
                           const struct audit_actor *actor, struct outcome *o)
{
    const json_t *neighbourhoods = json_object_get(spec, "neighbourhoods");
    bool all = json_is_true(json_object_get(spec, "allNeighbourhoods"));
    /* "operator" only from the command line: key-create.json admits no such member. */
    bool operator_key = json_is_true(json_object_get(spec, "operator"));
    if (all == (json_array_size(neighbourhoods) > 0))
        return outcome_fail_at(o, CDM_ERR_VALIDATION, "/neighbourhoods",
                               "give either neighbourhoods or allNeighbourhoods: true");
    char *scopes = pg_array_literal(json_object_get(spec, "scopes"));
    char *neighbourhood_list = all ? NULL : pg_array_literal(neighbourhoods);
    char key[APIKEY_LEN + 1], prefix[APIKEY_PREFIX_LEN + 1], hash[APIKEY_HASH_HEX], rate[16];
    PGresult *r = NULL;
    if (!scopes || (!all && !neighbourhood_list) || !apikey_generate(key, prefix)) {
        outcome_fail(o, CDM_ERR_INTERNAL, "could not make a key");
        goto out;
    }
    if (neighbourhood_list) {
        const char *ep[NEIGHBOURHOODS_EXIST_NPARAMS] = {
            [NEIGHBOURHOODS_EXIST_P_NEIGHBOURHOODS] = neighbourhood_list};
        r = DB_RUN(db, NEIGHBOURHOODS_EXIST, ep);
        if (!db_ok(r)) {
            outcome_db_fail(o, db, r, "checking the neighbourhoods");
            goto out;
        }
        if (strcmp(PQgetvalue(r, 0, NEIGHBOURHOODS_EXIST_ALL_EXIST), "t") != 0) {
            outcome_fail_at(o, CDM_ERR_VALIDATION, "/neighbourhoods", "no such neighbourhood among these");
            goto out;
        }
        PQclear(r);
        r = NULL;
    }
    apikey_hash_hex(key, hash);
    const json_t *jrate = json_object_get(spec, "ratePerSecond");
    snprintf(rate, sizeof rate, "%lld", (long long)json_integer_value(jrate));
    const char *params[KEY_INSERT_NPARAMS] = {
        [KEY_INSERT_P_AGENCY] = agency_id,
        [KEY_INSERT_P_PREFIX] = prefix,
        [KEY_INSERT_P_KEY_SHA256] = hash,
        [KEY_INSERT_P_SCOPES] = scopes,
        [KEY_INSERT_P_ALL_NEIGHBOURHOODS] = all ? "true" : "false",
        [KEY_INSERT_P_NEIGHBOURHOODS] = neighbourhood_list,
        [KEY_INSERT_P_EXPIRES_AT] = json_string_value(json_object_get(spec, "expiresAt")),
        [KEY_INSERT_P_RATE_PER_S] = jrate ? rate : NULL,
        [KEY_INSERT_P_OPERATOR] = operator_key ? "true" : "false",
        /* The operator's command line has no key of its own: "cli". */
        [KEY_INSERT_P_ACTOR_AGENCY] = actor ? actor->agency : NULL,
        [KEY_INSERT_P_ACTOR_KEY_PREFIX] = actor ? actor->key_prefix : "cli",
        [KEY_INSERT_P_ACTOR_REQUEST] = actor ? actor->request_id : NULL,
    };
    r = DB_RUN(db, KEY_INSERT, params);
    if (!db_ok(r)) {
        outcome_db_fail(o, db, r, "storing the key");
        goto out;
    }
    o->body = json_loads(PQgetvalue(r, 0, KEY_INSERT_BODY), 0, NULL);
    json_object_set_new(o->body, "key", json_string(key));
    o->status = CDM_CREATED;
    log_info("api key created", json_pack("{s:s, s:s}", "prefix", prefix, "agencyId", agency_id));
out:
    PQclear(r);
    free(scopes);
    free(neighbourhood_list);
    return o->status;
}

/* Keys are managed only with a locality-wide admin key. Roles: the operator
 * (api_key.operator) manages every agency; any other such key is its agency's
 * admin and manages that agency's keys only. What another agency owns looks
 * absent to it (404), as an object outside a key's neighbourhoods does; what
 * only the operator may do is refused (403), judged before any lookup. */
static bool locality_admin(const struct route_call *call, struct outcome *o)
{
    if (!principal_neighbourhoods_param(call->who))
        return true;
    outcome_fail(o, CDM_ERR_FORBIDDEN, "only a key for the whole locality can manage agencies and keys");
    return false;
}

static bool operator_only(const struct route_call *call, struct outcome *o)
{
    if (call->who->is_operator)
        return true;
    outcome_fail(o, CDM_ERR_FORBIDDEN, "only the operator's key can create agencies");
    return false;
}

/* The agency whose objects the caller manages: NULL (every one) for the operator. */
static const char *managed_agency(const struct route_call *call)
{
    return call->who->is_operator ? NULL : call->who->agency_id;
}

static enum cdm_status agency_create(PGconn *db, const struct route_call *call, struct outcome *o)
{
    if (!locality_admin(call, o) || !operator_only(call, o))
        return o->status;
    const struct audit_actor actor = audit_actor_of(call); /* audited with it */
    const char *p[AGENCY_INSERT_NPARAMS] = {
        [AGENCY_INSERT_P_NAME] = json_string_value(json_object_get(call->body, "name")),
        [AGENCY_INSERT_P_SLUG] = json_string_value(json_object_get(call->body, "slug")),
        [AGENCY_INSERT_P_ACTOR_AGENCY] = actor.agency,
        [AGENCY_INSERT_P_ACTOR_KEY_PREFIX] = actor.key_prefix,
        [AGENCY_INSERT_P_ACTOR_REQUEST] = actor.request_id};
    if (DB_ONE_JSON(db, AGENCY_INSERT, p, o, "storing the agency", "") == CDM_ERR_NOT_FOUND)
        return outcome_fail_at(o, CDM_ERR_CONFLICT, p[AGENCY_INSERT_P_SLUG] ? "/slug" : "/name",
                               "an agency of that name or slug exists (a slug not given is made "
                               "from the name: give another)");
    if (o->status == CDM_OK)
        o->status = CDM_CREATED;
    return o->status;
}

/* The operator lists every agency; an agency's admin its own, with its keys. */
static enum cdm_status agency_list(PGconn *db, const struct route_call *call, struct outcome *o)
{
    const char *p[AGENCY_LIST_NPARAMS] = {[AGENCY_LIST_P_AGENCY] = managed_agency(call)};
    if (!locality_admin(call, o) ||
        DB_ONE_JSON(db, AGENCY_LIST, p, o, "listing agencies", "") != CDM_OK)
        return o->status;
    o->body = json_pack("{s:o}", "items", o->body);
    return o->status;
}

static enum cdm_status agency_key_create(PGconn *db, const struct route_call *call, struct outcome *o)
{
    if (!locality_admin(call, o))
        return o->status;
    const char *own = managed_agency(call);
    if (own && strcasecmp(own, call->id) != 0)
        return outcome_fail(o, CDM_ERR_FORBIDDEN,
                            "an agency's admin key mints keys for its own agency only");
    const struct audit_actor actor = audit_actor_of(call); /* the new key is audited with it */
    const char *p[AGENCY_GET_NPARAMS] = {[AGENCY_GET_P_ID] = call->id};
    PGresult *r = DB_RUN(db, AGENCY_GET, p);
    if (!db_ok(r))
        outcome_db_fail(o, db, r, "reading the agency");
    else if (PQntuples(r) == 0)
        outcome_fail(o, CDM_ERR_NOT_FOUND, "no such agency");
    else
        key_create(db, call->id, call->body, &actor, o);
    PQclear(r);
    return o->status;
}

static enum cdm_status key_revoke(PGconn *db, const struct route_call *call, struct outcome *o)
{
    const struct audit_actor actor = audit_actor_of(call); /* audited with it */
    const char *p[KEY_REVOKE_NPARAMS] = {[KEY_REVOKE_P_ID] = call->id,
                                         [KEY_REVOKE_P_AGENCY] = managed_agency(call),
                                         [KEY_REVOKE_P_ACTOR_AGENCY] = actor.agency,
                                         [KEY_REVOKE_P_ACTOR_KEY_PREFIX] = actor.key_prefix,
                                         [KEY_REVOKE_P_ACTOR_REQUEST] = actor.request_id};
    if (locality_admin(call, o))
        DB_ONE_JSON(db, KEY_REVOKE, p, o, "revoking the key", "no such key");
    return o->status;
}

const struct route agency_routes[] = {
    {.method = "POST", .path = "/v1/agencies", .logic = agency_create,
     .schema = "agency-create.json", .scope = SCOPE_ADMIN},
    {.method = "GET", .path = "/v1/agencies", .logic = agency_list, .scope = SCOPE_ADMIN},
    {.method = "POST", .path = "/v1/agencies/:id/keys", .logic = agency_key_create,
     .schema = "key-create.json", .not_found = "no such agency", .scope = SCOPE_ADMIN},
    {.method = "DELETE", .path = "/v1/keys/:id", .logic = key_revoke, .not_found = "no such key",
     .scope = SCOPE_ADMIN},
    {.method = NULL},
};
