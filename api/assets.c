/* assets.c — meeting spaces, grant schemes and community development input */
#include "community.h"
#include "ids.h"
#include "queries.h"
#include "text.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NO_CD_INPUT "no such community development input"

/* Meeting spaces and grant schemes have the same life: a client id, dates
 * from/to, neighbourhoods served, edits with If-Match. What differs is here. */
struct asset_kind {
    const char *what, *entity, *path, *create_schema, *update_schema;
    const char *q_insert, *q_existing, *q_areas_set, *q_lock, *q_update, *q_get, *q_list;
    const char *from_key, *to_key; /* the body's date range */
    const char *status_filter;     /* the list's ?available= / ?open= */
    bool has_cost;
    /* The five columns after the id, as SQL text into buf/out; CDM_OK or a 422 in o. */
    enum cdm_status (*fields)(const json_t *body, char buf[5][32], const char *out[5],
                              struct outcome *o);
};

/* An optional integer member as text into buf, or NULL. */
static const char *int_text(const json_t *body, const char *key, char buf[32])
{
    const json_t *v = json_object_get(body, key);
    if (!json_is_integer(v))
        return NULL;
    snprintf(buf, 32, "%lld", (long long)json_integer_value(v));
    return buf;
}

static enum cdm_status space_fields(const json_t *body, char buf[5][32], const char *out[5],
                                    struct outcome *o)
{
    out[0] = cmty_str(body, "name");
    out[1] = cmty_str(body, "cost");
    out[2] = int_text(body, "capacity", buf[2]);
    out[3] = cmty_str(body, "availableFrom");
    out[4] = cmty_str(body, "availableTo");
    return o->status = CDM_OK;
}

static enum cdm_status grant_fields(const json_t *body, char buf[5][32], const char *out[5],
                                    struct outcome *o)
{
    out[0] = cmty_str(body, "name");
    out[1] = cmty_str(body, "opensOn");
    out[2] = cmty_str(body, "closesOn");
    out[3] = int_text(body, "budgetPence", buf[3]);
    out[4] = int_text(body, "maxAwardPence", buf[4]);
    if (out[3] && out[4] &&
        json_integer_value(json_object_get(body, "maxAwardPence")) >
            json_integer_value(json_object_get(body, "budgetPence")))
        return outcome_fail_at(o, CDM_ERR_VALIDATION, "/maxAwardPence",
                               "the largest award cannot exceed the budget");
    return o->status = CDM_OK;
}

static const struct asset_kind meeting_spaces = {
    "meeting space", ENTITY_MEETING_SPACE, "/v1/meeting-spaces", "meeting-space-create.json",
    "meeting-space-update.json", Q_SPACE_INSERT, Q_SPACE_EXISTING, Q_SPACE_AREAS_SET,
    Q_SPACE_LOCK, Q_SPACE_UPDATE, Q_SPACE_GET, Q_SPACE_LIST, "availableFrom", "availableTo",
    "available", true, space_fields,
};

static const struct asset_kind grant_schemes = {
    "grant scheme", ENTITY_GRANT_SCHEME, "/v1/grant-schemes", "grant-scheme-create.json",
    "grant-scheme-update.json", Q_GRANT_INSERT, Q_GRANT_EXISTING, Q_GRANT_AREAS_SET,
    Q_GRANT_LOCK, Q_GRANT_UPDATE, Q_GRANT_GET, Q_GRANT_LIST, "opensOn", "closesOn", "open",
    false, grant_fields,
};

/* The body's checks shared by create and update: the date range, the
 * kind's own fields, the neighbourhoods. */
static enum cdm_status asset_check(PGconn *db, const struct route_call *call,
                                   const struct asset_kind *k, char buf[5][32],
                                   const char *fields[5], struct outcome *o)
{
    const json_t *body = call->body;
    const char *from = cmty_str(body, k->from_key), *to = cmty_str(body, k->to_key);
    char at[40];
    snprintf(at, sizeof at, "/%s", k->to_key);
    if (to && strcmp(to, from) < 0)
        return outcome_fail_at(o, CDM_ERR_VALIDATION, at, "%s cannot be before %s", k->to_key,
                               k->from_key);
    if (k->fields(body, buf, fields, o) != CDM_OK)
        return o->status;
    return cmty_check_neighbourhoods(db, call, json_object_get(body, "neighbourhoodIds"),
                                     "/neighbourhoodIds", o);
}

/* The asset as the caller may see it, with its status on ?on= (or today). */
static enum cdm_status asset_read(PGconn *db, const struct route_call *call,
                                  const struct asset_kind *k, const char *id, struct outcome *o)
{
    const char *on;
    if (cmty_query_date(call, "on", &on, o) != CDM_OK)
        return o->status;
    char missing[64];
    snprintf(missing, sizeof missing, "no such %s", k->what);
    const char *params[] = {id, principal_areas_param(call->who), on};
    if (db_one_json(db, k->q_get, 3, params, o, "reading the record", missing) == CDM_OK)
        record_set_etag(o, (long)json_integer_value(json_object_get(o->body, "version")));
    return o->status;
}

/* The neighbourhoods of a body, normalised, as a uuid[] literal (caller frees). */
static char *area_literal(const json_t *ids, json_t **normalised)
{
    json_t *list = json_array();
    const json_t *v;
    size_t i;
    json_array_foreach(ids, i, v) {
        char id[UUID_STR_LEN];
        uuid_normalise(json_string_value(v), id);
        json_array_append_new(list, json_string(id));
    }
    char *literal = pg_array_literal(list);
    *normalised = list;
    return literal;
}

static enum cdm_status asset_create(PGconn *db, const struct route_call *call,
                                    const struct asset_kind *k, struct outcome *o)
{
    const json_t *body = call->body;
    char id[UUID_STR_LEN], digest[65], buf[5][32];
    const char *fields[5];
    cmty_uuid(body, "id", id);
    if (!record_body_digest_hex(body, digest))
        return outcome_fail(o, CDM_ERR_INTERNAL, "out of memory");
    if (asset_check(db, call, k, buf, fields, o) != CDM_OK)
        return o->status;
    json_t *areas = NULL;
    char *literal = area_literal(json_object_get(body, "neighbourhoodIds"), &areas);
    struct provenance p = provenance_of(call);
    const char *params[] = {id, fields[0], fields[1], fields[2], fields[3], fields[4], digest,
                            p.agency_id, p.key_id, p.evaluator};
    PGresult *r = NULL;
    if (!literal) {
        outcome_fail(o, CDM_ERR_INTERNAL, "out of memory");
        goto out;
    }
    if (!record_tx_begin(db, o))
        goto out;
    r = db_run(db, k->q_insert, 10, params);
    if (!db_ok(r)) {
        outcome_db_fail(o, db, r, "storing the record");
        goto out;
    }
    if (PQntuples(r) == 0) { /* the id exists (perhaps committed by a concurrent request) */
        record_tx_end(db);
        if (cmty_resend(db, k->q_existing, id, digest, k->what, o) == CDM_REPLAYED &&
            asset_read(db, call, k, id, o) == CDM_OK)
            o->status = CDM_REPLAYED;
        goto out;
    }
    PQclear(r);
    const char *ap[] = {id, literal};
    r = db_run(db, k->q_areas_set, 2, ap);
    if (!db_ok(r)) {
        outcome_db_fail(o, db, r, "storing the neighbourhoods served");
        goto out;
    }
    if (!cmty_commit_with_event(db, call, "created", k->entity, id, 1, areas, o))
        goto out;
    if (asset_read(db, call, k, id, o) == CDM_OK) {
        o->status = CDM_CREATED;
        snprintf(o->location, sizeof o->location, "%s/%s", k->path, id);
    }
out:
    PQclear(r);
    record_tx_end(db);
    free(literal);
    json_decref(areas);
    return o->status;
}

/* Replaces an asset's fields and neighbourhoods (If-Match). A limited key
 * keeps the neighbourhoods it cannot see: they are not its to remove. */
static enum cdm_status asset_update(PGconn *db, const struct route_call *call,
                                    const struct asset_kind *k, struct outcome *o)
{
    const json_t *body = call->body;
    long expected;
    char buf[5][32];
    const char *fields[5];
    if (record_if_match(call, o, &expected) != CDM_OK)
        return o->status;
    json_t *areas = NULL, *current = NULL;
    char *literal = NULL;
    const char *lp[] = {call->id, principal_areas_param(call->who)};
    PGresult *r = NULL;
    if (!record_tx_begin(db, o))
        goto out;
    r = db_run(db, k->q_lock, 2, lp);
    if (!db_ok(r)) {
        outcome_db_fail(o, db, r, "reading the record");
        goto out;
    }
    if (PQntuples(r) == 0 || strcmp(PQgetvalue(r, 0, 2), "t") != 0) {
        outcome_fail(o, CDM_ERR_NOT_FOUND, "no such %s", k->what);
        goto out;
    }
    long version = atol(PQgetvalue(r, 0, 0));
    current = json_loads(PQgetvalue(r, 0, 1), 0, NULL);
    PQclear(r);
    r = NULL;
    if (version != expected) {
        outcome_fail(o, CDM_ERR_PRECONDITION_FAILED,
                     "the %s is at version %ld, not %ld: read it again", k->what, version, expected);
        goto out;
    }
    if (asset_check(db, call, k, buf, fields, o) != CDM_OK)
        goto out;
    json_t *wanted = json_deep_copy(json_object_get(body, "neighbourhoodIds"));
    const json_t *v;
    size_t i;
    json_array_foreach(current, i, v) {
        if (!principal_may(call->who, json_string_value(v)))
            json_array_append(wanted, (json_t *)v);
    }
    literal = area_literal(wanted, &areas);
    json_decref(wanted);
    if (!literal) {
        outcome_fail(o, CDM_ERR_INTERNAL, "out of memory");
        goto out;
    }
    const char *params[] = {call->id, fields[0], fields[1], fields[2], fields[3], fields[4]};
    r = db_run(db, k->q_update, 6, params);
    if (!db_ok(r) || PQntuples(r) != 1) {
        outcome_db_fail(o, db, r, "updating the record");
        goto out;
    }
    version = atol(PQgetvalue(r, 0, 0));
    PQclear(r);
    const char *ap[] = {call->id, literal};
    r = db_run(db, k->q_areas_set, 2, ap);
    if (!db_ok(r)) {
        outcome_db_fail(o, db, r, "storing the neighbourhoods served");
        goto out;
    }
    /* The event names the neighbourhoods served before and after: both move. */
    json_array_foreach(current, i, v) {
        bool listed = false;
        const json_t *w;
        size_t j;
        json_array_foreach(areas, j, w) listed = listed || json_equal(v, w);
        if (!listed)
            json_array_append(areas, (json_t *)v);
    }
    if (cmty_commit_with_event(db, call, "updated", k->entity, call->id, version, areas, o))
        asset_read(db, call, k, call->id, o);
out:
    PQclear(r);
    record_tx_end(db);
    free(literal);
    json_decref(areas);
    json_decref(current);
    return o->status;
}

static json_t *asset_key(const json_t *item)
{
    return cmty_key2(item, "name", "id");
}

static enum cdm_status asset_list(PGconn *db, const struct route_call *call,
                                  const struct asset_kind *k, struct outcome *o)
{
    static const char *const costs[] = {"free", "low", "standard", NULL};
    char area_buf[UUID_STR_LEN], limit_s[24];
    const char *area, *on, *status, *cost = NULL, *after_name, *after_id;
    long limit;
    json_t *after = NULL;
    if (cmty_query_uuid(call, "neighbourhood", area_buf, &area, o) != CDM_OK ||
        cmty_query_date(call, "on", &on, o) != CDM_OK ||
        cmty_query_bool(call, k->status_filter, &status, o) != CDM_OK ||
        (k->has_cost && cmty_query_word(call, "cost", costs, &cost, o) != CDM_OK) ||
        record_page_params(call, o, CMTY_PAGE_DEFAULT, CMTY_PAGE_MAX, &limit, &after) != CDM_OK)
        return o->status;
    if (!cmty_cursor2(after, &after_name, &after_id)) {
        json_decref(after);
        return outcome_fail_at(o, CDM_ERR_VALIDATION, "/cursor", "cursor is not one this API gave out");
    }
    snprintf(limit_s, sizeof limit_s, "%ld", limit + 1);
    const char *params[] = {principal_areas_param(call->who), area, on, status, cost,
                            after_name, after_id, limit_s};
    PGresult *r = db_run(db, k->q_list, 8, params);
    if (!db_ok(r))
        outcome_db_fail(o, db, r, "listing the records");
    else
        record_page(r, limit, asset_key, o);
    PQclear(r);
    json_decref(after);
    return o->status;
}

#define ASSET_LOGIC(prefix, kind)                                                          \
    static enum cdm_status prefix##_create(PGconn *db, const struct route_call *call,       \
                                           struct outcome *o)                              \
    {                                                                                       \
        return asset_create(db, call, &kind, o);                                            \
    }                                                                                       \
    static enum cdm_status prefix##_update(PGconn *db, const struct route_call *call,       \
                                           struct outcome *o)                              \
    {                                                                                       \
        return asset_update(db, call, &kind, o);                                            \
    }                                                                                       \
    static enum cdm_status prefix##_get(PGconn *db, const struct route_call *call,          \
                                        struct outcome *o)                                 \
    {                                                                                       \
        return asset_read(db, call, &kind, call->id, o);                                    \
    }                                                                                       \
    static enum cdm_status prefix##_list(PGconn *db, const struct route_call *call,         \
                                         struct outcome *o)                                \
    {                                                                                       \
        return asset_list(db, call, &kind, o);                                              \
    }                                                                                       \
    static int post_##prefix(const struct _u_request *req, struct _u_response *res,         \
                             void *user)                                                    \
    {                                                                                       \
        return http_run_body(user, req, res, kind.create_schema, prefix##_create, NULL);    \
    }                                                                                       \
    static int list_##prefix(const struct _u_request *req, struct _u_response *res,         \
                             void *user)                                                    \
    {                                                                                       \
        return http_run(user, req, res, prefix##_list, NULL);                               \
    }                                                                                       \
    static int get_##prefix(const struct _u_request *req, struct _u_response *res,          \
                            void *user)                                                     \
    {                                                                                       \
        char missing[64];                                                                   \
        snprintf(missing, sizeof missing, "no such %s", kind.what);                         \
        return http_run_id(user, req, res, missing, NULL, prefix##_get);                    \
    }                                                                                       \
    static int put_##prefix(const struct _u_request *req, struct _u_response *res,          \
                            void *user)                                                     \
    {                                                                                       \
        char missing[64];                                                                   \
        snprintf(missing, sizeof missing, "no such %s", kind.what);                         \
        return http_run_id(user, req, res, missing, kind.update_schema, prefix##_update);   \
    }

ASSET_LOGIC(space, meeting_spaces)
ASSET_LOGIC(grant, grant_schemes)

/* ------------------------------------------------ community development input */

static enum cdm_status cd_read(PGconn *db, const char *id, struct outcome *o)
{
    const char *params[] = {id};
    return db_one_json(db, Q_CD_GET, 1, params, o, "reading the input", NO_CD_INPUT);
}

/* Records worker hours for a neighbourhood and month, with its event. */
static enum cdm_status cd_create(PGconn *db, const struct route_call *call, struct outcome *o)
{
    const json_t *body = call->body;
    char id[UUID_STR_LEN], area[UUID_STR_LEN], digest[65], hours[48];
    cmty_uuid(body, "id", id);
    cmty_uuid(body, "neighbourhoodId", area);
    double h = json_number_value(json_object_get(body, "hours"));
    if (fabs(h * 100 - round(h * 100)) > 1e-6)
        return outcome_fail_at(o, CDM_ERR_VALIDATION, "/hours", "hours have at most 2 decimals");
    snprintf(hours, sizeof hours, "%.2f", h);
    if (!record_body_digest_hex(body, digest))
        return outcome_fail(o, CDM_ERR_INTERNAL, "out of memory");
    if (cmty_check_neighbourhoods(db, call, json_object_get(body, "neighbourhoodId"),
                                  "/neighbourhoodId", o) != CDM_OK)
        return o->status;
    struct provenance p = provenance_of(call);
    const char *params[] = {id, area, cmty_str(body, "month"), hours, cmty_str(body, "note"),
                            digest, p.agency_id, p.key_id, p.evaluator};
    json_t *areas = json_pack("[s]", area);
    PGresult *r = NULL;
    if (!record_tx_begin(db, o))
        goto out;
    r = db_run(db, Q_CD_INSERT, 9, params);
    if (!db_ok(r)) {
        outcome_db_fail(o, db, r, "storing the input");
        goto out;
    }
    if (PQntuples(r) == 0) {
        record_tx_end(db);
        if (cmty_resend(db, Q_CD_EXISTING, id, digest, "input", o) == CDM_REPLAYED &&
            cd_read(db, id, o) == CDM_OK)
            o->status = CDM_REPLAYED;
        goto out;
    }
    if (!cmty_commit_with_event(db, call, "created", ENTITY_CD_INPUT, id, 1, areas, o))
        goto out;
    if (cd_read(db, id, o) == CDM_OK) {
        o->status = CDM_CREATED;
        snprintf(o->location, sizeof o->location, "/v1/cd-input/%s", id);
    }
out:
    PQclear(r);
    record_tx_end(db);
    json_decref(areas);
    return o->status;
}

static json_t *cd_key(const json_t *item)
{
    return cmty_key2(item, "month", "id");
}

/* A page of input by month, and the hours per month over all pages. */
static enum cdm_status cd_list(PGconn *db, const struct route_call *call, struct outcome *o)
{
    char area_buf[UUID_STR_LEN], limit_s[24], from_d[16], to_d[16];
    const char *area, *from, *to, *withdrawn, *after_month, *after_id;
    long limit;
    json_t *after = NULL;
    if (cmty_query_uuid(call, "neighbourhood", area_buf, &area, o) != CDM_OK ||
        cmty_query_month(call, "from", &from, o) != CDM_OK || cmty_query_month(call, "to", &to, o) != CDM_OK ||
        cmty_query_bool(call, "includeWithdrawn", &withdrawn, o) != CDM_OK ||
        record_page_params(call, o, CMTY_PAGE_DEFAULT, CMTY_PAGE_MAX, &limit, &after) != CDM_OK)
        return o->status;
    if (!cmty_cursor2(after, &after_month, &after_id)) {
        json_decref(after);
        return outcome_fail_at(o, CDM_ERR_VALIDATION, "/cursor", "cursor is not one this API gave out");
    }
    if (from)
        snprintf(from_d, sizeof from_d, "%s-01", from);
    if (to)
        snprintf(to_d, sizeof to_d, "%s-01", to);
    snprintf(limit_s, sizeof limit_s, "%ld", limit + 1);
    const char *params[] = {principal_areas_param(call->who), area, from ? from_d : NULL,
                            to ? to_d : NULL, withdrawn ? withdrawn : "false", after_month,
                            after_id, limit_s};
    PGresult *r = db_run(db, Q_CD_LIST, 8, params);
    if (!db_ok(r)) {
        outcome_db_fail(o, db, r, "listing the input");
    } else if (record_page(r, limit, cd_key, o) == CDM_OK) {
        PQclear(r);
        r = db_run(db, Q_CD_TOTALS, 4, params);
        json_t *totals = db_ok(r) && PQntuples(r) == 1 ? json_loads(PQgetvalue(r, 0, 0), 0, NULL) : NULL;
        if (totals) {
            json_object_set_new(o->body, "monthlyHours", totals);
        } else {
            outcome_clear(o);
            outcome_db_fail(o, db, r, "adding up the hours");
        }
    }
    PQclear(r);
    json_decref(after);
    return o->status;
}

/* Withdraws input: kept, marked, out of every total; the withdrawal is an event. */
static enum cdm_status cd_withdraw(PGconn *db, const struct route_call *call, struct outcome *o)
{
    const char *idp[] = {call->id};
    json_t *areas = NULL;
    PGresult *r = NULL;
    if (cd_read(db, call->id, o) != CDM_OK)
        return o->status;
    const char *area = cmty_str(o->body, "neighbourhoodId");
    const char *supplier = json_string_value(
        json_object_get(json_object_get(o->body, "provenance"), "agencyId"));
    /* Another agency's input is answered as absent, not as withdrawable. */
    if (!principal_may(call->who, area) || !record_may_withdraw(call, supplier)) {
        outcome_clear(o);
        return outcome_fail(o, CDM_ERR_NOT_FOUND, NO_CD_INPUT);
    }
    areas = json_pack("[s]", area);
    outcome_clear(o);
    if (!record_tx_begin(db, o))
        goto out;
    r = db_run(db, Q_CD_WITHDRAW, 1, idp);
    if (!db_ok(r)) {
        outcome_db_fail(o, db, r, "withdrawing the input");
        goto out;
    }
    if (PQntuples(r) == 1 &&
        !cmty_commit_with_event(db, call, "withdrawn", ENTITY_CD_INPUT, call->id, 2, areas, o))
        goto out;
    record_tx_end(db); /* already withdrawn: nothing to commit */
    cd_read(db, call->id, o);
out:
    PQclear(r);
    record_tx_end(db);
    json_decref(areas);
    return o->status;
}

static int post_cd(const struct _u_request *req, struct _u_response *res, void *user)
{
    return http_run_body(user, req, res, "cd-input-create.json", cd_create, NULL);
}

static int list_cd(const struct _u_request *req, struct _u_response *res, void *user)
{
    return http_run(user, req, res, cd_list, NULL);
}

static int delete_cd(const struct _u_request *req, struct _u_response *res, void *user)
{
    return http_run_id(user, req, res, NO_CD_INPUT, NULL, cd_withdraw);
}

const struct route asset_routes[] = {
    {"POST", "/v1/meeting-spaces", post_space, SCOPE_REGISTRY},
    {"GET", "/v1/meeting-spaces", list_space, SCOPE_READ},
    {"GET", "/v1/meeting-spaces/:id", get_space, SCOPE_READ},
    {"PUT", "/v1/meeting-spaces/:id", put_space, SCOPE_REGISTRY},
    {"POST", "/v1/grant-schemes", post_grant, SCOPE_REGISTRY},
    {"GET", "/v1/grant-schemes", list_grant, SCOPE_READ},
    {"GET", "/v1/grant-schemes/:id", get_grant, SCOPE_READ},
    {"PUT", "/v1/grant-schemes/:id", put_grant, SCOPE_REGISTRY},
    {"POST", "/v1/cd-input", post_cd, SCOPE_REGISTRY},
    {"GET", "/v1/cd-input", list_cd, SCOPE_READ},
    {"DELETE", "/v1/cd-input/:id", delete_cd, SCOPE_REGISTRY},
    {NULL, NULL, NULL, 0},
};
