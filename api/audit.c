/* audit.c — the audit trail: appended by the privileged actions, read back by admins */
#include "audit.h"
#include "pages.h"
#include "queries.h"
#include <stdio.h>
#include <string.h>

#define AUDIT_PAGE_DEFAULT 100
#define AUDIT_PAGE_MAX 1000

struct audit_actor audit_actor_of(const struct route_call *call)
{
    const struct principal *who = call->who;
    return (struct audit_actor){.agency = who && who->agency_id[0] ? who->agency_id : NULL,
                                .key_prefix = who ? who->prefix : "",
                                .request_id = call->request_id};
}

bool audit_append(PGconn *db, const struct route_call *call, const char *action,
                  const char *entity, const char *entity_id, const char *owner_agency)
{
    struct audit_actor a = audit_actor_of(call);
    const char *p[AUDIT_APPEND_NPARAMS] = {
        [AUDIT_APPEND_P_AGENCY] = a.agency,
        [AUDIT_APPEND_P_KEY_PREFIX] = a.key_prefix,
        [AUDIT_APPEND_P_REQUEST_ID] = a.request_id,
        [AUDIT_APPEND_P_ACTION] = action,
        [AUDIT_APPEND_P_ENTITY] = entity,
        [AUDIT_APPEND_P_ENTITY_ID] = entity_id,
        [AUDIT_APPEND_P_OWNER_AGENCY] = owner_agency};
    return db_ok_clear(DB_RUN(db, AUDIT_APPEND, p));
}

/* Whether who reads the whole trail: the operator. */
static bool reads_everything(const struct principal *who)
{
    return who && who->is_operator;
}

/* GET /v1/audit?cursor=&limit=: the trail in the order it was written. */
static enum cdm_status audit_list(PGconn *db, const struct route_call *call, struct outcome *o)
{
    long limit;
    json_t *after = NULL;
    if (record_page_params(call, o, AUDIT_PAGE_DEFAULT, AUDIT_PAGE_MAX, &limit, &after) != CDM_OK)
        return o->status;
    char after_s[32] = "", limit_s[24];
    if (after)
        snprintf(after_s, sizeof after_s, "%lld",
                 (long long)json_integer_value(json_array_get(after, 0)));
    json_decref(after);
    snprintf(limit_s, sizeof limit_s, "%ld", limit + 1);
    const char *p[AUDIT_LIST_NPARAMS] = {
        [AUDIT_LIST_P_AGENCY] = reads_everything(call->who) ? NULL : call->who->agency_id,
        [AUDIT_LIST_P_AFTER] = after_s[0] ? after_s : NULL,
        [AUDIT_LIST_P_LIMIT] = limit_s};
    PGresult *r = DB_RUN(db, AUDIT_LIST, p);
    if (!db_ok(r)) {
        outcome_db_fail(o, db, r, "reading the audit trail");
        PQclear(r);
        return o->status;
    }
    enum cdm_status st = record_page_rows(r, limit, AUDIT_LIST_BODY, AUDIT_LIST_KEY, o);
    PQclear(r);
    return st;
}

const struct route audit_routes[] = {
    {.method = "GET", .path = "/v1/audit", .logic = audit_list, .scope = SCOPE_ADMIN},
    {.method = NULL},
};
