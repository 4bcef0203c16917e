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

/* What a create or an update of an asset writes: its schema-valid body, its
 * id and, for a create, the body's digest and who supplies it. */
struct asset_write {
    const json_t *body;
    const char *id, *digest;
    struct provenance who;
};

/* A list's filters and page as text parameters (each NULL: any). */
struct asset_filter {
    const char *caller_neighbourhoods, *neighbourhood, *on, *status, *cost, *after_name,
        *after_id, *limit;
};

/* Meeting spaces and grant schemes have the same life: a client id, dates
 * from/to, neighbourhoods served, edits with If-Match. What differs is here,
 * with each kind's statements (their parameters filled by name below). */
struct asset_kind {
    const char *what, *entity, *path;
    const char *from_key, *to_key; /* the body's date range */
    const char *status_filter;     /* the list's ?available= / ?open= */
    bool has_cost;
    /* The body's checks beyond its schema: CDM_OK or a 422 in o. */
    enum cdm_status (*check)(const json_t *body, struct outcome *o);
    /* Runs the insert (no row: the id exists) or the list; the caller PQclear()s. */
    PGresult *(*insert)(PGconn *db, const struct asset_write *w);
    PGresult *(*list)(PGconn *db, const struct asset_filter *f);
    int list_body; /* the list statement's column of items */
    /* Writes the fields of w over the asset's: its new version, or o failed. */
    enum cdm_status (*update)(PGconn *db, const struct asset_write *w, long *version,
                              struct outcome *o);
    /* The statements both kinds have in one shape (ASSET_STATEMENTS). */
    enum cdm_status (*resend)(PGconn *db, const char *id, const char *digest, const char *what,
                              struct outcome *o);
    PGresult *(*neighbourhoods_set)(PGconn *db, const char *id, const char *neighbourhood_ids);
    enum cdm_status (*lock)(PGconn *db, const char *id, const char *caller_neighbourhoods,
                            const char *what, long *version, json_t **neighbourhoods,
                            struct outcome *o);
    enum cdm_status (*get)(PGconn *db, const char *id, const char *caller_neighbourhoods,
                           const char *on, const char *missing, struct outcome *o);
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

/* The result of an update (taken): its VERSION column (version_col) into *version. */
static enum cdm_status asset_updated(PGconn *db, PGresult *r, int version_col, long *version,
                                     struct outcome *o)
{
    if (!db_ok(r) || PQntuples(r) != 1) {
        outcome_db_fail(o, db, r, "updating the record");
    } else {
        *version = atol(PQgetvalue(r, 0, version_col));
        o->status = CDM_OK;
    }
    PQclear(r);
    return o->status;
}

/* The result of a lock (taken), columns as *_LOCK: its version and the
 * neighbourhoods it serves (a new array into *neighbourhoods, which the
 * caller json_decref()s); 404 naming `what` when it is not there for the
 * caller. */
static enum cdm_status asset_locked(PGconn *db, PGresult *r, int version_col,
                                    int neighbourhoods_col, int visible_col, const char *what,
                                    long *version, json_t **neighbourhoods, struct outcome *o)
{
    if (!db_ok(r)) {
        outcome_db_fail(o, db, r, "reading the record");
    } else if (PQntuples(r) == 0 || strcmp(PQgetvalue(r, 0, visible_col), "t") != 0) {
        outcome_fail(o, CDM_ERR_NOT_FOUND, "no such %s", what);
    } else {
        *version = atol(PQgetvalue(r, 0, version_col));
        *neighbourhoods = json_loads(PQgetvalue(r, 0, neighbourhoods_col), 0, NULL);
        o->status = CDM_OK;
    }
    PQclear(r);
    return o->status;
}

/* The SQL both kinds have in one shape: k_sql_resend, k_sql_neighbourhoods_set,
 * k_sql_lock and k_sql_get for kind k, whose statements are K_EXISTING,
 * K_NEIGHBOURHOODS_SET, K_LOCK and K_GET. */
#define ASSET_STATEMENTS(k, K)                                                                \
    static enum cdm_status k##_sql_resend(PGconn *db, const char *id, const char *digest,    \
                                          const char *what, struct outcome *o)               \
    {                                                                                        \
        return CMTY_RESEND(db, K##_EXISTING, id, digest, what, o);                            \
    }                                                                                        \
    static PGresult *k##_sql_neighbourhoods_set(PGconn *db, const char *id, const char *ids)  \
    {                                                                                        \
        const char *p[K##_NEIGHBOURHOODS_SET_NPARAMS] = {[K##_NEIGHBOURHOODS_SET_P_ID] = id,                   \
                                                [K##_NEIGHBOURHOODS_SET_P_NEIGHBOURHOOD_IDS] = ids};   \
        return DB_RUN(db, K##_NEIGHBOURHOODS_SET, p);                                                  \
    }                                                                                        \
    static enum cdm_status k##_sql_lock(PGconn *db, const char *id, const char *caller,      \
                                        const char *what, long *version,                     \
                                        json_t **neighbourhoods, struct outcome *o)          \
    {                                                                                        \
        const char *p[K##_LOCK_NPARAMS] = {[K##_LOCK_P_ID] = id,                             \
                                           [K##_LOCK_P_CALLER_NEIGHBOURHOODS] = caller};     \
        return asset_locked(db, DB_RUN(db, K##_LOCK, p), K##_LOCK_VERSION,                    \
                            K##_LOCK_NEIGHBOURHOOD_IDS, K##_LOCK_VISIBLE, what, version,      \
                            neighbourhoods, o);                                              \
    }                                                                                        \
    static enum cdm_status k##_sql_get(PGconn *db, const char *id, const char *caller,       \
                                       const char *on, const char *missing, struct outcome *o) \
    {                                                                                        \
        const char *p[K##_GET_NPARAMS] = {[K##_GET_P_ID] = id,                               \
                                          [K##_GET_P_CALLER_NEIGHBOURHOODS] = caller,        \
                                          [K##_GET_P_ON_DATE] = on};                         \
        return DB_ONE_JSON(db, K##_GET, p, o, "reading the record",      \
                           missing);                                                         \
    }

ASSET_STATEMENTS(space, SPACE)
ASSET_STATEMENTS(grant, GRANT)

static enum cdm_status space_check(const json_t *body, struct outcome *o)
{
    (void)body;
    return o->status = CDM_OK;
}

static PGresult *space_sql_insert(PGconn *db, const struct asset_write *w)
{
    char capacity[32];
    const char *p[SPACE_INSERT_NPARAMS] = {
        [SPACE_INSERT_P_ID] = w->id,
        [SPACE_INSERT_P_NAME] = cmty_str(w->body, "name"),
        [SPACE_INSERT_P_COST] = cmty_str(w->body, "cost"),
        [SPACE_INSERT_P_CAPACITY] = int_text(w->body, "capacity", capacity),
        [SPACE_INSERT_P_AVAILABLE_FROM] = cmty_str(w->body, "availableFrom"),
        [SPACE_INSERT_P_AVAILABLE_TO] = cmty_str(w->body, "availableTo"),
        [SPACE_INSERT_P_DIGEST] = w->digest,
        [SPACE_INSERT_P_AGENCY] = w->who.agency_id,
        [SPACE_INSERT_P_KEY] = w->who.key_id,
        [SPACE_INSERT_P_EVALUATOR] = w->who.evaluator};
    return DB_RUN(db, SPACE_INSERT, p);
}

static enum cdm_status space_sql_update(PGconn *db, const struct asset_write *w, long *version,
                                    struct outcome *o)
{
    char capacity[32];
    const char *p[SPACE_UPDATE_NPARAMS] = {
        [SPACE_UPDATE_P_ID] = w->id,
        [SPACE_UPDATE_P_NAME] = cmty_str(w->body, "name"),
        [SPACE_UPDATE_P_COST] = cmty_str(w->body, "cost"),
        [SPACE_UPDATE_P_CAPACITY] = int_text(w->body, "capacity", capacity),
        [SPACE_UPDATE_P_AVAILABLE_FROM] = cmty_str(w->body, "availableFrom"),
        [SPACE_UPDATE_P_AVAILABLE_TO] = cmty_str(w->body, "availableTo")};
    return asset_updated(db, DB_RUN(db, SPACE_UPDATE, p), SPACE_UPDATE_VERSION, version, o);
}

static PGresult *space_sql_list(PGconn *db, const struct asset_filter *f)
{
    const char *p[SPACE_LIST_NPARAMS] = {
        [SPACE_LIST_P_CALLER_NEIGHBOURHOODS] = f->caller_neighbourhoods,
        [SPACE_LIST_P_NEIGHBOURHOOD] = f->neighbourhood,
        [SPACE_LIST_P_ON_DATE] = f->on,
        [SPACE_LIST_P_AVAILABLE] = f->status,
        [SPACE_LIST_P_COST] = f->cost,
        [SPACE_LIST_P_AFTER_NAME] = f->after_name,
        [SPACE_LIST_P_AFTER_ID] = f->after_id,
        [SPACE_LIST_P_LIMIT] = f->limit};
    return DB_RUN(db, SPACE_LIST, p);
}

static enum cdm_status grant_check(const json_t *body, struct outcome *o)
{
    const json_t *budget = json_object_get(body, "budgetPence");
    const json_t *max_award = json_object_get(body, "maxAwardPence");
    if (json_is_integer(budget) && json_is_integer(max_award) &&
        json_integer_value(max_award) > json_integer_value(budget))
        return outcome_fail_at(o, CDM_ERR_VALIDATION, "/maxAwardPence",
                               "the largest award cannot exceed the budget");
    return o->status = CDM_OK;
}

static PGresult *grant_sql_insert(PGconn *db, const struct asset_write *w)
{
    char budget[32], max_award[32];
    const char *p[GRANT_INSERT_NPARAMS] = {
        [GRANT_INSERT_P_ID] = w->id,
        [GRANT_INSERT_P_NAME] = cmty_str(w->body, "name"),
        [GRANT_INSERT_P_OPENS_ON] = cmty_str(w->body, "opensOn"),
        [GRANT_INSERT_P_CLOSES_ON] = cmty_str(w->body, "closesOn"),
        [GRANT_INSERT_P_BUDGET_PENCE] = int_text(w->body, "budgetPence", budget),
        [GRANT_INSERT_P_MAX_AWARD_PENCE] = int_text(w->body, "maxAwardPence", max_award),
        [GRANT_INSERT_P_DIGEST] = w->digest,
        [GRANT_INSERT_P_AGENCY] = w->who.agency_id,
        [GRANT_INSERT_P_KEY] = w->who.key_id,
        [GRANT_INSERT_P_EVALUATOR] = w->who.evaluator};
    return DB_RUN(db, GRANT_INSERT, p);
}

static enum cdm_status grant_sql_update(PGconn *db, const struct asset_write *w, long *version,
                                    struct outcome *o)
{
    char budget[32], max_award[32];
    const char *p[GRANT_UPDATE_NPARAMS] = {
        [GRANT_UPDATE_P_ID] = w->id,
        [GRANT_UPDATE_P_NAME] = cmty_str(w->body, "name"),
        [GRANT_UPDATE_P_OPENS_ON] = cmty_str(w->body, "opensOn"),
        [GRANT_UPDATE_P_CLOSES_ON] = cmty_str(w->body, "closesOn"),
        [GRANT_UPDATE_P_BUDGET_PENCE] = int_text(w->body, "budgetPence", budget),
        [GRANT_UPDATE_P_MAX_AWARD_PENCE] = int_text(w->body, "maxAwardPence", max_award)};
    return asset_updated(db, DB_RUN(db, GRANT_UPDATE, p), GRANT_UPDATE_VERSION, version, o);
}

/* Grant schemes have no cost: f->cost is always NULL for them. */
static PGresult *grant_sql_list(PGconn *db, const struct asset_filter *f)
{
    const char *p[GRANT_LIST_NPARAMS] = {
        [GRANT_LIST_P_CALLER_NEIGHBOURHOODS] = f->caller_neighbourhoods,
        [GRANT_LIST_P_NEIGHBOURHOOD] = f->neighbourhood,
        [GRANT_LIST_P_ON_DATE] = f->on,
        [GRANT_LIST_P_OPEN] = f->status,
        [GRANT_LIST_P_AFTER_NAME] = f->after_name,
        [GRANT_LIST_P_AFTER_ID] = f->after_id,
        [GRANT_LIST_P_LIMIT] = f->limit};
    return DB_RUN(db, GRANT_LIST, p);
}

static const struct asset_kind meeting_spaces = {
    .what = "meeting space", .entity = ENTITY_MEETING_SPACE, .path = "/v1/meeting-spaces",
    .from_key = "availableFrom", .to_key = "availableTo", .status_filter = "available",
    .has_cost = true, .check = space_check, .insert = space_sql_insert,
    .list = space_sql_list, .list_body = SPACE_LIST_BODY, .update = space_sql_update, .resend = space_sql_resend,
    .neighbourhoods_set = space_sql_neighbourhoods_set, .lock = space_sql_lock,
    .get = space_sql_get,
};

static const struct asset_kind grant_schemes = {
    .what = "grant scheme", .entity = ENTITY_GRANT_SCHEME, .path = "/v1/grant-schemes",
    .from_key = "opensOn", .to_key = "closesOn", .status_filter = "open",
    .has_cost = false, .check = grant_check, .insert = grant_sql_insert,
    .list = grant_sql_list, .list_body = GRANT_LIST_BODY, .update = grant_sql_update, .resend = grant_sql_resend,
    .neighbourhoods_set = grant_sql_neighbourhoods_set, .lock = grant_sql_lock,
    .get = grant_sql_get,
};

/* The body's checks shared by create and update: the date range, the
 * kind's own checks, the neighbourhoods. */
static enum cdm_status asset_check(PGconn *db, const struct route_call *call,
                                   const struct asset_kind *k, struct outcome *o)
{
    const json_t *body = call->body;
    const char *from = cmty_str(body, k->from_key), *to = cmty_str(body, k->to_key);
    char at[40];
    snprintf(at, sizeof at, "/%s", k->to_key);
    if (to && strcmp(to, from) < 0)
        return outcome_fail_at(o, CDM_ERR_VALIDATION, at, "%s cannot be before %s", k->to_key,
                               k->from_key);
    if (k->check(body, o) != CDM_OK)
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
    if (k->get(db, id, principal_neighbourhoods_param(call->who), on, missing, o) == CDM_OK)
        record_set_etag(o, (long)json_integer_value(json_object_get(o->body, "version")));
    return o->status;
}

/* The neighbourhoods of a body, normalised, as a uuid[] literal (caller frees). */
static char *neighbourhood_literal(const json_t *ids, json_t **normalised)
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
    char id[UUID_STR_LEN], digest[65];
    cmty_uuid(body, "id", id);
    if (!record_body_digest_hex(body, digest))
        return outcome_fail(o, CDM_ERR_INTERNAL, "out of memory");
    if (asset_check(db, call, k, o) != CDM_OK)
        return o->status;
    json_t *neighbourhoods = NULL;
    char *literal =
        neighbourhood_literal(json_object_get(body, "neighbourhoodIds"), &neighbourhoods);
    const struct asset_write w = {body, id, digest, provenance_of(call)};
    PGresult *r = NULL;
    if (!literal) {
        outcome_fail(o, CDM_ERR_INTERNAL, "out of memory");
        goto out;
    }
    if (!record_tx_begin(db, o))
        goto out;
    r = k->insert(db, &w);
    if (!db_ok(r)) {
        outcome_db_fail(o, db, r, "storing the record");
        goto out;
    }
    if (PQntuples(r) == 0) { /* the id exists (perhaps committed by a concurrent request) */
        record_tx_end(db);
        if (k->resend(db, id, digest, k->what, o) == CDM_REPLAYED &&
            asset_read(db, call, k, id, o) == CDM_OK)
            o->status = CDM_REPLAYED;
        goto out;
    }
    PQclear(r);
    r = k->neighbourhoods_set(db, id, literal);
    if (!db_ok(r)) {
        outcome_db_fail(o, db, r, "storing the neighbourhoods served");
        goto out;
    }
    if (!cmty_commit_with_event(db, call, "created", k->entity, id, 1, neighbourhoods, o))
        goto out;
    if (asset_read(db, call, k, id, o) == CDM_OK) {
        o->status = CDM_CREATED;
        snprintf(o->location, sizeof o->location, "%s/%s", k->path, id);
    }
out:
    PQclear(r);
    record_tx_end(db);
    free(literal);
    json_decref(neighbourhoods);
    return o->status;
}

/* Replaces an asset's fields and neighbourhoods (If-Match). A limited key
 * keeps the neighbourhoods it cannot see: they are not its to remove. */
static enum cdm_status asset_update(PGconn *db, const struct route_call *call,
                                    const struct asset_kind *k, struct outcome *o)
{
    const json_t *body = call->body;
    long expected, version;
    if (record_if_match(call, o, &expected) != CDM_OK)
        return o->status;
    json_t *neighbourhoods = NULL, *current = NULL;
    char *literal = NULL;
    PGresult *r = NULL;
    if (!record_tx_begin(db, o) ||
        k->lock(db, call->id, principal_neighbourhoods_param(call->who), k->what, &version, &current,
                o) != CDM_OK)
        goto out;
    if (version != expected) {
        outcome_fail(o, CDM_ERR_PRECONDITION_FAILED,
                     "the %s is at version %ld, not %ld: read it again", k->what, version, expected);
        goto out;
    }
    if (asset_check(db, call, k, o) != CDM_OK)
        goto out;
    json_t *wanted = json_deep_copy(json_object_get(body, "neighbourhoodIds"));
    const json_t *v;
    size_t i;
    json_array_foreach(current, i, v) {
        if (!principal_may(call->who, json_string_value(v)))
            json_array_append(wanted, (json_t *)v);
    }
    literal = neighbourhood_literal(wanted, &neighbourhoods);
    json_decref(wanted);
    if (!literal) {
        outcome_fail(o, CDM_ERR_INTERNAL, "out of memory");
        goto out;
    }
    const struct asset_write w = {.body = body, .id = call->id};
    if (k->update(db, &w, &version, o) != CDM_OK)
        goto out;
    r = k->neighbourhoods_set(db, call->id, literal);
    if (!db_ok(r)) {
        outcome_db_fail(o, db, r, "storing the neighbourhoods served");
        goto out;
    }
    /* The event names the neighbourhoods served before and after: both move. */
    json_array_foreach(current, i, v) {
        bool listed = false;
        const json_t *n;
        size_t j;
        json_array_foreach(neighbourhoods, j, n) listed = listed || json_equal(v, n);
        if (!listed)
            json_array_append(neighbourhoods, (json_t *)v);
    }
    if (cmty_commit_with_event(db, call, "updated", k->entity, call->id, version, neighbourhoods,
                               o))
        asset_read(db, call, k, call->id, o);
out:
    PQclear(r);
    record_tx_end(db);
    free(literal);
    json_decref(neighbourhoods);
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
    char neighbourhood_buf[UUID_STR_LEN];
    struct cmty_page page;
    struct asset_filter f = {.caller_neighbourhoods = principal_neighbourhoods_param(call->who),
                             .limit = page.limit_s};
    if (cmty_query_uuid(call, "neighbourhood", neighbourhood_buf, &f.neighbourhood, o) != CDM_OK ||
        cmty_query_date(call, "on", &f.on, o) != CDM_OK ||
        cmty_query_bool(call, k->status_filter, &f.status, o) != CDM_OK ||
        (k->has_cost && cmty_query_word(call, "cost", costs, &f.cost, o) != CDM_OK) ||
        cmty_page_params(call, CMTY_PAGE_DEFAULT, CMTY_PAGE_MAX, &page, o) != CDM_OK)
        return o->status;
    f.after_name = page.after_value;
    f.after_id = page.after_id;
    PGresult *r = k->list(db, &f);
    if (!db_ok(r))
        outcome_db_fail(o, db, r, "listing the records");
    else
        record_page_at(r, page.limit, k->list_body, asset_key, o);
    PQclear(r);
    json_decref(page.after);
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
    }

ASSET_LOGIC(space, meeting_spaces)
ASSET_LOGIC(grant, grant_schemes)

/* ------------------------------------------------ community development input */

static enum cdm_status cd_read(PGconn *db, const char *id, struct outcome *o)
{
    const char *params[CD_GET_NPARAMS] = {[CD_GET_P_ID] = id};
    return DB_ONE_JSON(db, CD_GET, params, o, "reading the input", NO_CD_INPUT);
}

/* Records worker hours for a neighbourhood and month, with its event. */
static enum cdm_status cd_create(PGconn *db, const struct route_call *call, struct outcome *o)
{
    const json_t *body = call->body;
    char id[UUID_STR_LEN], neighbourhood[UUID_STR_LEN], digest[65], hours[48];
    cmty_uuid(body, "id", id);
    cmty_uuid(body, "neighbourhoodId", neighbourhood);
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
    const char *params[CD_INSERT_NPARAMS] = {
        [CD_INSERT_P_ID] = id,
        [CD_INSERT_P_NEIGHBOURHOOD] = neighbourhood,
        [CD_INSERT_P_MONTH] = cmty_str(body, "month"),
        [CD_INSERT_P_HOURS] = hours,
        [CD_INSERT_P_NOTE] = cmty_str(body, "note"),
        [CD_INSERT_P_DIGEST] = digest,
        [CD_INSERT_P_AGENCY] = p.agency_id,
        [CD_INSERT_P_KEY] = p.key_id,
        [CD_INSERT_P_EVALUATOR] = p.evaluator};
    json_t *neighbourhoods = json_pack("[s]", neighbourhood);
    PGresult *r = NULL;
    if (!record_tx_begin(db, o))
        goto out;
    r = DB_RUN(db, CD_INSERT, params);
    if (!db_ok(r)) {
        outcome_db_fail(o, db, r, "storing the input");
        goto out;
    }
    if (PQntuples(r) == 0) {
        record_tx_end(db);
        if (CMTY_RESEND(db, CD_EXISTING, id, digest, "input", o) == CDM_REPLAYED &&
            cd_read(db, id, o) == CDM_OK)
            o->status = CDM_REPLAYED;
        goto out;
    }
    if (!cmty_commit_with_event(db, call, "created", ENTITY_CD_INPUT, id, 1, neighbourhoods, o))
        goto out;
    if (cd_read(db, id, o) == CDM_OK) {
        o->status = CDM_CREATED;
        snprintf(o->location, sizeof o->location, "/v1/cd-input/%s", id);
    }
out:
    PQclear(r);
    record_tx_end(db);
    json_decref(neighbourhoods);
    return o->status;
}

static json_t *cd_key(const json_t *item)
{
    return cmty_key2(item, "month", "id");
}

/* A page of input by month, and the hours per month over all pages. */
static enum cdm_status cd_list(PGconn *db, const struct route_call *call, struct outcome *o)
{
    char neighbourhood_buf[UUID_STR_LEN], from_d[16], to_d[16];
    const char *neighbourhood, *from, *to, *withdrawn;
    struct cmty_page page;
    if (cmty_query_uuid(call, "neighbourhood", neighbourhood_buf, &neighbourhood, o) != CDM_OK ||
        cmty_query_month(call, "from", &from, o) != CDM_OK || cmty_query_month(call, "to", &to, o) != CDM_OK ||
        cmty_query_bool(call, "includeWithdrawn", &withdrawn, o) != CDM_OK ||
        cmty_page_params(call, CMTY_PAGE_DEFAULT, CMTY_PAGE_MAX, &page, o) != CDM_OK)
        return o->status;
    if (from)
        snprintf(from_d, sizeof from_d, "%s-01", from);
    if (to)
        snprintf(to_d, sizeof to_d, "%s-01", to);
    const char *caller = principal_neighbourhoods_param(call->who);
    const char *params[CD_LIST_NPARAMS] = {
        [CD_LIST_P_CALLER_NEIGHBOURHOODS] = caller,
        [CD_LIST_P_NEIGHBOURHOOD] = neighbourhood,
        [CD_LIST_P_FROM_MONTH] = from ? from_d : NULL,
        [CD_LIST_P_TO_MONTH] = to ? to_d : NULL,
        [CD_LIST_P_WITHDRAWN] = withdrawn ? withdrawn : "false",
        [CD_LIST_P_AFTER_MONTH] = page.after_value,
        [CD_LIST_P_AFTER_ID] = page.after_id,
        [CD_LIST_P_LIMIT] = page.limit_s};
    PGresult *r = DB_RUN(db, CD_LIST, params);
    if (!db_ok(r)) {
        outcome_db_fail(o, db, r, "listing the input");
    } else if (record_page_at(r, page.limit, CD_LIST_BODY, cd_key, o) == CDM_OK) {
        PQclear(r);
        const char *tp[CD_TOTALS_NPARAMS] = {
            [CD_TOTALS_P_CALLER_NEIGHBOURHOODS] = caller,
            [CD_TOTALS_P_NEIGHBOURHOOD] = neighbourhood,
            [CD_TOTALS_P_FROM_MONTH] = from ? from_d : NULL,
            [CD_TOTALS_P_TO_MONTH] = to ? to_d : NULL};
        r = DB_RUN(db, CD_TOTALS, tp);
        json_t *totals = db_ok(r) && PQntuples(r) == 1
                             ? json_loads(PQgetvalue(r, 0, CD_TOTALS_MONTHLY_HOURS), 0, NULL)
                             : NULL;
        if (totals) {
            json_object_set_new(o->body, "monthlyHours", totals);
        } else {
            outcome_clear(o);
            outcome_db_fail(o, db, r, "adding up the hours");
        }
    }
    PQclear(r);
    json_decref(page.after);
    return o->status;
}

/* Withdraws input: kept, marked, out of every total; the withdrawal is an event. */
static enum cdm_status cd_withdraw(PGconn *db, const struct route_call *call, struct outcome *o)
{
    const char *idp[CD_WITHDRAW_NPARAMS] = {[CD_WITHDRAW_P_ID] = call->id};
    json_t *neighbourhoods = NULL;
    PGresult *r = NULL;
    if (cd_read(db, call->id, o) != CDM_OK)
        return o->status;
    const char *neighbourhood = cmty_str(o->body, "neighbourhoodId");
    const char *supplier = json_string_value(
        json_object_get(json_object_get(o->body, "provenance"), "agencyId"));
    /* Another agency's input is answered as absent, not as withdrawable. */
    if (!principal_may(call->who, neighbourhood) || !record_may_withdraw(call, supplier)) {
        outcome_clear(o);
        return outcome_fail(o, CDM_ERR_NOT_FOUND, NO_CD_INPUT);
    }
    neighbourhoods = json_pack("[s]", neighbourhood);
    outcome_clear(o);
    if (!record_tx_begin(db, o))
        goto out;
    r = DB_RUN(db, CD_WITHDRAW, idp);
    if (!db_ok(r)) {
        outcome_db_fail(o, db, r, "withdrawing the input");
        goto out;
    }
    if (PQntuples(r) == 1 &&
        !cmty_commit_with_event(db, call, "withdrawn", ENTITY_CD_INPUT, call->id, 2, neighbourhoods,
                                o))
        goto out;
    record_tx_end(db); /* already withdrawn: nothing to commit */
    cd_read(db, call->id, o);
out:
    PQclear(r);
    record_tx_end(db);
    json_decref(neighbourhoods);
    return o->status;
}

const struct route asset_routes[] = {
    {.method = "POST", .path = "/v1/meeting-spaces", .logic = space_create,
     .schema = "meeting-space-create.json", .scope = SCOPE_REGISTRY},
    {.method = "GET", .path = "/v1/meeting-spaces", .logic = space_list, .scope = SCOPE_READ},
    {.method = "GET", .path = "/v1/meeting-spaces/:id", .logic = space_get,
     .not_found = "no such meeting space", .scope = SCOPE_READ},
    {.method = "PUT", .path = "/v1/meeting-spaces/:id", .logic = space_update,
     .schema = "meeting-space-update.json", .not_found = "no such meeting space",
     .scope = SCOPE_REGISTRY},
    {.method = "POST", .path = "/v1/grant-schemes", .logic = grant_create,
     .schema = "grant-scheme-create.json", .scope = SCOPE_REGISTRY},
    {.method = "GET", .path = "/v1/grant-schemes", .logic = grant_list, .scope = SCOPE_READ},
    {.method = "GET", .path = "/v1/grant-schemes/:id", .logic = grant_get,
     .not_found = "no such grant scheme", .scope = SCOPE_READ},
    {.method = "PUT", .path = "/v1/grant-schemes/:id", .logic = grant_update,
     .schema = "grant-scheme-update.json", .not_found = "no such grant scheme",
     .scope = SCOPE_REGISTRY},
    {.method = "POST", .path = "/v1/cd-input", .logic = cd_create, .schema = "cd-input-create.json",
     .scope = SCOPE_REGISTRY},
    {.method = "GET", .path = "/v1/cd-input", .logic = cd_list, .scope = SCOPE_READ},
    {.method = "DELETE", .path = "/v1/cd-input/:id", .logic = cd_withdraw, .not_found = NO_CD_INPUT,
     .scope = SCOPE_REGISTRY},
    {.method = NULL},
};
