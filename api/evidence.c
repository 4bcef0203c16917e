/* evidence.c — case studies and key-informant testimonies */
#include "community.h"
#include "ids.h"
#include "queries.h"
#include <stdio.h>
#include <string.h>

#define NO_EVIDENCE "no such evidence"

static enum cdm_status evidence_read(PGconn *db, const struct route_call *call, const char *id,
                                     struct outcome *o)
{
    const char *params[EVIDENCE_GET_NPARAMS] = {
        [EVIDENCE_GET_P_ID] = id,
        [EVIDENCE_GET_P_CALLER_NEIGHBOURHOODS] = principal_neighbourhoods_param(call->who)};
    return DB_ONE_JSON(db, EVIDENCE_GET, params, o, "reading the evidence",
                       NO_EVIDENCE);
}

/* The neighbourhoods the evidence concerns, if the caller may see it and,
 * when withdrawing, withdraw it (a new array), else NULL with o failed (404 or
 * the database's error). */
static json_t *evidence_neighbourhoods(PGconn *db, const struct route_call *call, const char *id,
                                       bool withdrawing, struct outcome *o)
{
    const char *params[EVIDENCE_NEIGHBOURHOOD_IDS_NPARAMS] = {
        [EVIDENCE_NEIGHBOURHOOD_IDS_P_ID] = id,
        [EVIDENCE_NEIGHBOURHOOD_IDS_P_CALLER_NEIGHBOURHOODS] = principal_neighbourhoods_param(call->who),
        [EVIDENCE_NEIGHBOURHOOD_IDS_P_WITHDRAWER] = withdrawing ? record_withdrawer_param(call) : NULL};
    PGresult *r = DB_RUN(db, EVIDENCE_NEIGHBOURHOOD_IDS, params);
    json_t *neighbourhoods = NULL;
    if (!db_ok(r))
        outcome_db_fail(o, db, r, "reading the evidence");
    else if (PQntuples(r) == 0)
        outcome_fail(o, CDM_ERR_NOT_FOUND, NO_EVIDENCE);
    else
        neighbourhoods = json_loads(PQgetvalue(r, 0, EVIDENCE_NEIGHBOURHOOD_IDS_NEIGHBOURHOOD_IDS), 0, NULL);
    PQclear(r);
    return neighbourhoods;
}

/* The community issue a body names must exist where the caller may see it. */
static enum cdm_status check_issue(PGconn *db, const struct route_call *call, const char *issue,
                                   struct outcome *o)
{
    const char *params[ISSUE_GET_NPARAMS] = {
        [ISSUE_GET_P_ID] = issue,
        [ISSUE_GET_P_CALLER_NEIGHBOURHOODS] = principal_neighbourhoods_param(call->who)};
    PGresult *r = DB_RUN(db, ISSUE_GET, params);
    if (!db_ok(r))
        outcome_db_fail(o, db, r, "checking the community issue");
    else if (PQntuples(r) == 0)
        outcome_fail_at(o, CDM_ERR_VALIDATION, "/issueId", "no such community issue");
    else
        o->status = CDM_OK;
    PQclear(r);
    return o->status;
}

/* Stores a piece of evidence with its event, or recognises a resend. The
 * provenance says whether the supplying key was an evaluator's. */
static enum cdm_status evidence_create(PGconn *db, const struct route_call *call,
                                       struct outcome *o)
{
    const json_t *body = call->body;
    char id[UUID_STR_LEN], neighbourhood[UUID_STR_LEN], org[UUID_STR_LEN], issue[UUID_STR_LEN];
    char digest[65];
    cmty_uuid(body, "id", id);
    const char *neighbourhood_id = cmty_uuid(body, "neighbourhoodId", neighbourhood);
    const char *org_id = cmty_uuid(body, "organisationId", org);
    const char *issue_id = cmty_uuid(body, "issueId", issue);
    if (!record_body_digest_hex(body, digest))
        return outcome_fail(o, CDM_ERR_INTERNAL, "out of memory");
    if ((neighbourhood_id &&
         cmty_check_neighbourhoods(db, call, json_object_get(body, "neighbourhoodId"),
                                   "/neighbourhoodId", o) != CDM_OK) ||
        (org_id && cmty_check_organisation(db, call, org_id, "/organisationId", o) != CDM_OK) ||
        (issue_id && check_issue(db, call, issue_id, o) != CDM_OK))
        return o->status;
    struct provenance p = provenance_of(call);
    const char *params[EVIDENCE_INSERT_NPARAMS] = {
        [EVIDENCE_INSERT_P_ID] = id,
        [EVIDENCE_INSERT_P_KIND] = cmty_str(body, "kind"),
        [EVIDENCE_INSERT_P_NEIGHBOURHOOD] = neighbourhood_id,
        [EVIDENCE_INSERT_P_ORGANISATION] = org_id,
        [EVIDENCE_INSERT_P_ISSUE] = issue_id,
        [EVIDENCE_INSERT_P_TITLE] = cmty_str(body, "title"),
        [EVIDENCE_INSERT_P_SUMMARY] = cmty_str(body, "summary"),
        [EVIDENCE_INSERT_P_URL] = cmty_str(body, "url"),
        [EVIDENCE_INSERT_P_INFORMANT_ROLE] = cmty_str(body, "informantRole"),
        [EVIDENCE_INSERT_P_COLLECTED_ON] = cmty_str(body, "collectedOn"),
        [EVIDENCE_INSERT_P_DIGEST] = digest,
        [EVIDENCE_INSERT_P_AGENCY] = p.agency_id,
        [EVIDENCE_INSERT_P_KEY] = p.key_id,
        [EVIDENCE_INSERT_P_EVALUATOR] = p.evaluator};
    json_t *neighbourhoods = NULL;
    PGresult *r = NULL;
    if (!record_tx_begin(db, o))
        goto out;
    r = DB_RUN(db, EVIDENCE_INSERT, params);
    if (!db_ok(r)) {
        outcome_db_fail(o, db, r, "storing the evidence");
        goto out;
    }
    if (PQntuples(r) == 0) {
        record_tx_end(db);
        if (CMTY_RESEND(db, EVIDENCE_EXISTING, id, digest, "evidence", o) == CDM_REPLAYED &&
            evidence_read(db, call, id, o) == CDM_OK)
            o->status = CDM_REPLAYED;
        goto out;
    }
    if (!(neighbourhoods = evidence_neighbourhoods(db, call, id, false, o)) ||
        !cmty_commit_with_event(db, call, "created", ENTITY_EVIDENCE, id, 1, neighbourhoods, o))
        goto out;
    if (evidence_read(db, call, id, o) == CDM_OK) {
        o->status = CDM_CREATED;
        snprintf(o->location, sizeof o->location, "/v1/evidence/%s", id);
    }
out:
    PQclear(r);
    record_tx_end(db);
    json_decref(neighbourhoods);
    return o->status;
}

static enum cdm_status evidence_get(PGconn *db, const struct route_call *call, struct outcome *o)
{
    return evidence_read(db, call, call->id, o);
}

static json_t *evidence_key(const json_t *item)
{
    return cmty_key2(item, "collectedOn", "id");
}

static enum cdm_status evidence_list(PGconn *db, const struct route_call *call, struct outcome *o)
{
    static const char *const kinds[] = {"case_study", "testimony", "other", NULL};
    char neighbourhood_buf[UUID_STR_LEN], org_buf[UUID_STR_LEN], issue_buf[UUID_STR_LEN];
    const char *neighbourhood, *org, *issue, *kind, *withdrawn;
    struct cmty_page page;
    if (cmty_query_uuid(call, "neighbourhood", neighbourhood_buf, &neighbourhood, o) != CDM_OK ||
        cmty_query_uuid(call, "organisation", org_buf, &org, o) != CDM_OK ||
        cmty_query_uuid(call, "issue", issue_buf, &issue, o) != CDM_OK ||
        cmty_query_word(call, "kind", kinds, &kind, o) != CDM_OK ||
        cmty_query_bool(call, "includeWithdrawn", &withdrawn, o) != CDM_OK ||
        cmty_page_params(call, CMTY_PAGE_DEFAULT, CMTY_PAGE_MAX, &page, o) != CDM_OK)
        return o->status;
    const char *params[EVIDENCE_LIST_NPARAMS] = {
        [EVIDENCE_LIST_P_CALLER_NEIGHBOURHOODS] = principal_neighbourhoods_param(call->who),
        [EVIDENCE_LIST_P_NEIGHBOURHOOD] = neighbourhood,
        [EVIDENCE_LIST_P_ORGANISATION] = org,
        [EVIDENCE_LIST_P_ISSUE] = issue,
        [EVIDENCE_LIST_P_KIND] = kind,
        [EVIDENCE_LIST_P_WITHDRAWN] = withdrawn ? withdrawn : "false",
        [EVIDENCE_LIST_P_AFTER_DATE] = page.after_value,
        [EVIDENCE_LIST_P_AFTER_ID] = page.after_id,
        [EVIDENCE_LIST_P_LIMIT] = page.limit_s};
    PGresult *r = DB_RUN(db, EVIDENCE_LIST, params);
    if (!db_ok(r))
        outcome_db_fail(o, db, r, "listing evidence");
    else
        record_page_at(r, page.limit, EVIDENCE_LIST_BODY, evidence_key, o);
    PQclear(r);
    json_decref(page.after);
    return o->status;
}

/* Withdraws evidence: kept, marked; the withdrawal is an event. Idempotent. */
static enum cdm_status evidence_withdraw(PGconn *db, const struct route_call *call,
                                         struct outcome *o)
{
    const char *idp[EVIDENCE_WITHDRAW_NPARAMS] = {[EVIDENCE_WITHDRAW_P_ID] = call->id};
    PGresult *r = NULL;
    json_t *neighbourhoods = evidence_neighbourhoods(db, call, call->id, true, o);
    if (!neighbourhoods)
        return o->status;
    if (!record_tx_begin(db, o))
        goto out;
    r = DB_RUN(db, EVIDENCE_WITHDRAW, idp);
    if (!db_ok(r)) {
        outcome_db_fail(o, db, r, "withdrawing the evidence");
        goto out;
    }
    if (PQntuples(r) == 1 &&
        !cmty_commit_with_event(db, call, "withdrawn", ENTITY_EVIDENCE, call->id, 2, neighbourhoods,
                                o))
        goto out;
    record_tx_end(db); /* already withdrawn: nothing to commit */
    evidence_read(db, call, call->id, o);
out:
    PQclear(r);
    record_tx_end(db);
    json_decref(neighbourhoods);
    return o->status;
}

const struct route evidence_routes[] = {
    /* Evidence comes from community development teams and, collected apart
     * from the fieldworkers as the handbook wants, from evaluators: either
     * scope files it, and an evaluator needs no registry scope (which would
     * show contact details). */
    {.method = "POST", .path = "/v1/evidence", .logic = evidence_create,
     .schema = "evidence-create.json", .scope = SCOPE_REGISTRY | SCOPE_EVALUATOR},
    {.method = "GET", .path = "/v1/evidence", .logic = evidence_list, .scope = SCOPE_READ},
    {.method = "GET", .path = "/v1/evidence/:id", .logic = evidence_get, .not_found = NO_EVIDENCE,
     .scope = SCOPE_READ},
    {.method = "DELETE", .path = "/v1/evidence/:id", .logic = evidence_withdraw,
     .not_found = NO_EVIDENCE, .scope = SCOPE_REGISTRY | SCOPE_EVALUATOR},
    {.method = NULL},
};
