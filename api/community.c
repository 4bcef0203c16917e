/* community.c — helpers shared by the issue, asset and evidence resources */
#include "community.h"
#include "ids.h"
#include "outbox.h"
#include "programme.h"
#include "queries.h"
#include "text.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *cmty_str(const json_t *body, const char *key)
{
    return json_string_value(json_object_get(body, key));
}

const char *cmty_uuid(const json_t *body, const char *key, char out[UUID_STR_LEN])
{
    const char *s = cmty_str(body, key);
    out[0] = '\0';
    if (!s || !uuid_is_valid(s))
        return NULL;
    uuid_normalise(s, out);
    return out;
}

enum cdm_status cmty_check_neighbourhoods(PGconn *db, const struct route_call *call,
                                          const json_t *ids, const char *pointer,
                                          struct outcome *o)
{
    bool single = json_is_string(ids);
    json_t *list = single ? json_pack("[O]", ids) : json_incref((json_t *)ids);
    char at[96], id[UUID_STR_LEN];
    const json_t *v;
    size_t i;
    o->status = CDM_OK;
    json_array_foreach(list, i, v) {
        uuid_normalise(json_string_value(v), id);
        if (!principal_may(call->who, id))
            goto missing;
    }
    char *literal = pg_array_literal(list);
    const char *params[CMTY_MISSING_NEIGHBOURHOODS_NPARAMS] = {
        [CMTY_MISSING_NEIGHBOURHOODS_P_NEIGHBOURHOOD_IDS] = literal};
    PGresult *r = literal ? DB_RUN(db, CMTY_MISSING_NEIGHBOURHOODS, params) : NULL;
    free(literal);
    if (!r || !db_ok(r)) {
        outcome_db_fail(o, db, r, "checking the neighbourhoods");
        PQclear(r);
        json_decref(list);
        return o->status;
    }
    bool found = PQntuples(r) > 0;
    if (found)
        snprintf(id, sizeof id, "%s",
                 PQgetvalue(r, 0, CMTY_MISSING_NEIGHBOURHOODS_NEIGHBOURHOOD_ID));
    PQclear(r);
    if (found) {
        json_array_foreach(list, i, v) {
            char mine[UUID_STR_LEN];
            uuid_normalise(json_string_value(v), mine);
            if (strcmp(mine, id) == 0)
                goto missing;
        }
    }
    json_decref(list);
    return o->status;
missing:
    if (single)
        snprintf(at, sizeof at, "%s", pointer);
    else
        snprintf(at, sizeof at, "%s/%zu", pointer, i);
    json_decref(list);
    return outcome_fail_at(o, CDM_ERR_VALIDATION, at, "no such neighbourhood");
}

enum cdm_status cmty_check_organisation(PGconn *db, const struct route_call *call,
                                        const char *org, const char *pointer, struct outcome *o)
{
    const char *params[CMTY_ORGANISATION_VISIBLE_NPARAMS] = {
        [CMTY_ORGANISATION_VISIBLE_P_ID] = org,
        [CMTY_ORGANISATION_VISIBLE_P_CALLER_NEIGHBOURHOODS] = principal_neighbourhoods_param(call->who)};
    PGresult *r = DB_RUN(db, CMTY_ORGANISATION_VISIBLE, params);
    if (!db_ok(r))
        outcome_db_fail(o, db, r, "checking the organisation");
    else if (PQntuples(r) == 0)
        outcome_fail_at(o, CDM_ERR_VALIDATION, pointer, "no such organisation");
    else
        o->status = CDM_OK;
    PQclear(r);
    return o->status;
}

enum cdm_status cmty_resend(PGconn *db, PGresult *r, int digest_col, const char *id,
                            const char *digest, const char *what, struct outcome *o)
{
    if (!db_ok(r))
        outcome_db_fail(o, db, r, "reading the stored record");
    else if (PQntuples(r) == 0) /* inserted nothing, yet not there: only a concurrent oddity */
        outcome_fail(o, CDM_ERR_CONFLICT, "%s %s is being written by another request; retry", what, id);
    else if (PQgetisnull(r, 0, digest_col) || strcmp(PQgetvalue(r, 0, digest_col), digest) != 0)
        outcome_fail_at(o, CDM_ERR_CONFLICT, "/id", "%s %s was already created with a different body",
                        what, id);
    else
        o->status = CDM_REPLAYED;
    PQclear(r);
    return o->status;
}

bool cmty_commit_with_event(PGconn *db, const struct route_call *call, const char *change,
                            const char *entity, const char *id, long version,
                            const json_t *neighbourhood_ids, struct outcome *o)
{
    /* NULL here is a failed allocation: an event routed to no neighbourhood
     * would reach no subscriber, so nothing commits (the caller rolls back). */
    if (!neighbourhood_ids) {
        outcome_fail(o, CDM_ERR_INTERNAL, "out of memory");
        return false;
    }
    if (!record_event_add(db, call, change, entity, id, version, neighbourhood_ids)) {
        outcome_db_fail(o, db, NULL, "recording the change event");
        return false;
    }
    return record_tx_commit(db, o);
}

static const char *query(const struct route_call *call, const char *name)
{
    const char *v = u_map_get(call->req->map_url, name);
    return v && *v ? v : NULL;
}

static enum cdm_status bad_query(struct outcome *o, const char *name, const char *what)
{
    char at[64];
    snprintf(at, sizeof at, "/%s", name);
    return outcome_fail_at(o, CDM_ERR_VALIDATION, at, "%s must be %s", name, what);
}

enum cdm_status cmty_query_uuid(const struct route_call *call, const char *name,
                                char out[UUID_STR_LEN], const char **value, struct outcome *o)
{
    const char *v = query(call, name);
    *value = NULL;
    if (!v)
        return CDM_OK;
    if (!uuid_is_valid(v))
        return bad_query(o, name, "a UUID");
    uuid_normalise(v, out);
    *value = out;
    return CDM_OK;
}

/* A real calendar date YYYY-MM-DD (lib/programme.c's rule, 1900-9999). */
static bool date_valid(const char *s)
{
    struct pdate d;
    return pdate_parse(s, &d);
}

enum cdm_status cmty_query_date(const struct route_call *call, const char *name,
                                const char **value, struct outcome *o)
{
    const char *v = query(call, name);
    *value = NULL;
    if (v && !date_valid(v))
        return bad_query(o, name, "a date, YYYY-MM-DD");
    *value = v;
    return CDM_OK;
}

enum cdm_status cmty_query_month(const struct route_call *call, const char *name,
                                 const char **value, struct outcome *o)
{
    const char *v = query(call, name);
    char date[16];
    *value = NULL;
    if (v && (strlen(v) != 7 || (snprintf(date, sizeof date, "%s-01", v), !date_valid(date))))
        return bad_query(o, name, "a month, YYYY-MM");
    *value = v;
    return CDM_OK;
}

enum cdm_status cmty_query_bool(const struct route_call *call, const char *name,
                                const char **value, struct outcome *o)
{
    static const char *const words[] = {"true", "false", NULL};
    return cmty_query_word(call, name, words, value, o);
}

enum cdm_status cmty_query_word(const struct route_call *call, const char *name,
                                const char *const allowed[], const char **value,
                                struct outcome *o)
{
    const char *v = query(call, name);
    *value = NULL;
    if (!v)
        return CDM_OK;
    for (size_t i = 0; allowed[i]; i++)
        if (strcmp(v, allowed[i]) == 0) {
            *value = allowed[i];
            return CDM_OK;
        }
    char what[300] = "one of";
    for (size_t i = 0; allowed[i]; i++) {
        size_t len = strlen(what);
        snprintf(what + len, sizeof what - len, "%s %s", i ? "," : "", allowed[i]);
    }
    return bad_query(o, name, what);
}

json_t *cmty_key2(const json_t *item, const char *a, const char *b)
{
    return json_pack("[OO]", json_object_get(item, a), json_object_get(item, b));
}

bool cmty_cursor_split(const json_t *after, const char **value, const char **id)
{
    *value = *id = NULL;
    if (!after)
        return true;
    *value = json_string_value(json_array_get(after, 0));
    *id = json_string_value(json_array_get(after, 1));
    return json_array_size(after) == 2 && *value && *id && uuid_is_valid(*id);
}

enum cdm_status cmty_page_params(const struct route_call *call, long def, long max,
                                 struct cmty_page *page, struct outcome *o)
{
    if (record_page_params(call, o, def, max, &page->limit, &page->after) != CDM_OK)
        return o->status;
    if (!cmty_cursor_split(page->after, &page->after_value, &page->after_id)) {
        json_decref(page->after);
        page->after = NULL;
        return outcome_fail_at(o, CDM_ERR_VALIDATION, "/cursor",
                               "cursor is not one this API gave out");
    }
    snprintf(page->limit_s, sizeof page->limit_s, "%ld", page->limit + 1);
    return CDM_OK;
}
