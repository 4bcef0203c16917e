/* issues.c — community issues routed to agencies, and the agencies' responses */
#include "community.h"
#include "ids.h"
#include "queries.h"
#include "text.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NO_ISSUE "no such community issue"

/* The issue as the caller may see it, with its agencies and responses. */
static enum cdm_status issue_read(PGconn *db, const struct route_call *call, const char *id,
                                  struct outcome *o)
{
    const char *params[ISSUE_GET_NPARAMS] = {
        [ISSUE_GET_P_ID] = id,
        [ISSUE_GET_P_CALLER_NEIGHBOURHOODS] = principal_neighbourhoods_param(call->who)};
    if (DB_ONE_JSON(db, ISSUE_GET, params, o, "reading the community issue",
                    NO_ISSUE) == CDM_OK)
        record_set_etag(o, (long)json_integer_value(json_object_get(o->body, "version")));
    return o->status;
}

/* The event's neighbourhoods: the issue's one. New reference. */
static json_t *one_neighbourhood(const char *neighbourhood)
{
    return json_pack("[s]", neighbourhood);
}

/* Checks the agencies a body routes to: each exists, none twice, none routed
 * before the issue was raised. */
static enum cdm_status check_agencies(PGconn *db, const json_t *agencies, const char *raised_on,
                                      struct outcome *o)
{
    char at[64], a[UUID_STR_LEN], b[UUID_STR_LEN];
    const json_t *v;
    size_t i;
    json_t *ids = json_array();
    json_array_foreach(agencies, i, v) {
        uuid_normalise(cmty_str(v, "agencyId"), a);
        for (size_t j = 0; j < i; j++) {
            uuid_normalise(cmty_str(json_array_get(agencies, j), "agencyId"), b);
            if (strcmp(a, b) == 0) {
                snprintf(at, sizeof at, "/agencies/%zu/agencyId", i);
                json_decref(ids);
                return outcome_fail_at(o, CDM_ERR_VALIDATION, at, "agency listed twice");
            }
        }
        if (raised_on && strcmp(cmty_str(v, "routedOn"), raised_on) < 0) {
            snprintf(at, sizeof at, "/agencies/%zu/routedOn", i);
            json_decref(ids);
            return outcome_fail_at(o, CDM_ERR_VALIDATION, at,
                                   "an issue cannot be routed before it was raised (%s)", raised_on);
        }
        json_array_append_new(ids, json_string(a));
    }
    char *literal = pg_array_literal(ids);
    const char *params[CMTY_MISSING_AGENCIES_NPARAMS] = {
        [CMTY_MISSING_AGENCIES_P_AGENCY_IDS] = literal};
    PGresult *r = literal ? DB_RUN(db, CMTY_MISSING_AGENCIES, params) : NULL;
    free(literal);
    o->status = CDM_OK;
    if (!r || !db_ok(r)) {
        outcome_db_fail(o, db, r, "checking the agencies");
    } else if (PQntuples(r) > 0) {
        const char *missing = PQgetvalue(r, 0, CMTY_MISSING_AGENCIES_AGENCY_ID);
        json_array_foreach(ids, i, v) {
            if (strcmp(json_string_value(v), missing) == 0)
                break;
        }
        snprintf(at, sizeof at, "/agencies/%zu/agencyId", i);
        outcome_fail_at(o, CDM_ERR_VALIDATION, at, "no such agency");
    }
    PQclear(r);
    json_decref(ids);
    return o->status;
}

/* Routes the issue to each agency of the body not yet routed (in the open transaction). */
static bool route_agencies(PGconn *db, const char *id, const json_t *agencies, struct outcome *o)
{
    const json_t *v;
    size_t i;
    json_array_foreach(agencies, i, v) {
        const char *params[ISSUE_AGENCY_ADD_NPARAMS] = {
            [ISSUE_AGENCY_ADD_P_ISSUE] = id, [ISSUE_AGENCY_ADD_P_AGENCY] = cmty_str(v, "agencyId"),
            [ISSUE_AGENCY_ADD_P_ROUTED_ON] = cmty_str(v, "routedOn")};
        PGresult *r = DB_RUN(db, ISSUE_AGENCY_ADD, params);
        bool ok = db_ok(r);
        if (!ok)
            outcome_db_fail(o, db, r, "routing the issue");
        PQclear(r);
        if (!ok)
            return false;
    }
    return true;
}

/* Creates an issue routed to its agencies, with its event, or recognises a resend. */
static enum cdm_status issue_create(PGconn *db, const struct route_call *call, struct outcome *o)
{
    const json_t *body = call->body;
    char id[UUID_STR_LEN], neighbourhood[UUID_STR_LEN], org[UUID_STR_LEN], digest[65];
    cmty_uuid(body, "id", id);
    cmty_uuid(body, "neighbourhoodId", neighbourhood);
    const char *org_id = cmty_uuid(body, "organisationId", org);
    const char *raised_on = cmty_str(body, "raisedOn");
    const json_t *agencies = json_object_get(body, "agencies");
    if (!record_body_digest_hex(body, digest))
        return outcome_fail(o, CDM_ERR_INTERNAL, "out of memory");
    if (cmty_check_neighbourhoods(db, call, json_object_get(body, "neighbourhoodId"),
                                  "/neighbourhoodId", o) != CDM_OK ||
        (org_id && cmty_check_organisation(db, call, org_id, "/organisationId", o) != CDM_OK) ||
        check_agencies(db, agencies, raised_on, o) != CDM_OK)
        return o->status;
    struct provenance p = provenance_of(call);
    const char *params[ISSUE_INSERT_NPARAMS] = {
        [ISSUE_INSERT_P_ID] = id,
        [ISSUE_INSERT_P_NEIGHBOURHOOD] = neighbourhood,
        [ISSUE_INSERT_P_TITLE] = cmty_str(body, "title"),
        [ISSUE_INSERT_P_DESCRIPTION] = cmty_str(body, "description"),
        [ISSUE_INSERT_P_THEME] = cmty_str(body, "theme"),
        [ISSUE_INSERT_P_PRIORITY] = cmty_str(body, "priority"),
        [ISSUE_INSERT_P_RAISED_ON] = raised_on,
        [ISSUE_INSERT_P_RAISED_VIA] = cmty_str(body, "raisedVia"),
        [ISSUE_INSERT_P_ORGANISATION] = org_id,
        [ISSUE_INSERT_P_DIGEST] = digest,
        [ISSUE_INSERT_P_AGENCY] = p.agency_id,
        [ISSUE_INSERT_P_KEY] = p.key_id,
        [ISSUE_INSERT_P_EVALUATOR] = p.evaluator};
    PGresult *r = NULL;
    json_t *neighbourhoods = one_neighbourhood(neighbourhood);
    if (!record_tx_begin(db, o))
        goto out;
    r = DB_RUN(db, ISSUE_INSERT, params);
    if (!db_ok(r)) {
        outcome_db_fail(o, db, r, "storing the community issue");
        goto out;
    }
    if (PQntuples(r) == 0) { /* the id exists (perhaps committed by a concurrent request) */
        record_tx_end(db);
        if (CMTY_RESEND(db, ISSUE_EXISTING, id, digest, "community issue", o) == CDM_REPLAYED &&
            issue_read(db, call, id, o) == CDM_OK)
            o->status = CDM_REPLAYED;
        goto out;
    }
    if (!route_agencies(db, id, agencies, o) ||
        !cmty_commit_with_event(db, call, "created", ENTITY_COMMUNITY_ISSUE, id, 1, neighbourhoods,
                                o))
        goto out;
    if (issue_read(db, call, id, o) == CDM_OK) {
        o->status = CDM_CREATED;
        snprintf(o->location, sizeof o->location, "/v1/community-issues/%s", id);
    }
out:
    PQclear(r);
    record_tx_end(db);
    json_decref(neighbourhoods);
    return o->status;
}

/* Edits an issue (If-Match), changes its status, routes it to more agencies. */
static enum cdm_status issue_update(PGconn *db, const struct route_call *call, struct outcome *o)
{
    const json_t *body = call->body;
    long expected;
    if (record_if_match(call, o, &expected) != CDM_OK)
        return o->status;
    char org[UUID_STR_LEN], neighbourhood[UUID_STR_LEN], raised_on[16];
    const char *org_id = cmty_uuid(body, "organisationId", org);
    const json_t *agencies = json_object_get(body, "agencies");
    const char *lp[ISSUE_LOCK_NPARAMS] = {[ISSUE_LOCK_P_ID] = call->id};
    PGresult *r = NULL;
    json_t *neighbourhoods = NULL;
    if (!record_tx_begin(db, o))
        goto out;
    r = DB_RUN(db, ISSUE_LOCK, lp);
    if (!db_ok(r)) {
        outcome_db_fail(o, db, r, "reading the community issue");
        goto out;
    }
    if (PQntuples(r) == 0 ||
        !principal_may(call->who, PQgetvalue(r, 0, ISSUE_LOCK_NEIGHBOURHOOD_ID))) {
        outcome_fail(o, CDM_ERR_NOT_FOUND, NO_ISSUE);
        goto out;
    }
    long version = atol(PQgetvalue(r, 0, ISSUE_LOCK_VERSION));
    snprintf(neighbourhood, sizeof neighbourhood, "%s",
             PQgetvalue(r, 0, ISSUE_LOCK_NEIGHBOURHOOD_ID));
    snprintf(raised_on, sizeof raised_on, "%s", PQgetvalue(r, 0, ISSUE_LOCK_RAISED_ON));
    PQclear(r);
    r = NULL;
    if (version != expected) {
        outcome_fail(o, CDM_ERR_PRECONDITION_FAILED,
                     "the issue is at version %ld, not %ld: read it again", version, expected);
        goto out;
    }
    if ((org_id && cmty_check_organisation(db, call, org_id, "/organisationId", o) != CDM_OK) ||
        (agencies && check_agencies(db, agencies, raised_on, o) != CDM_OK))
        goto out;
    const char *status = cmty_str(body, "status");
    const char *params[ISSUE_UPDATE_NPARAMS] = {
        [ISSUE_UPDATE_P_ID] = call->id,
        [ISSUE_UPDATE_P_TITLE] = cmty_str(body, "title"),
        [ISSUE_UPDATE_P_DESCRIPTION] = cmty_str(body, "description"),
        [ISSUE_UPDATE_P_THEME] = cmty_str(body, "theme"),
        [ISSUE_UPDATE_P_PRIORITY] = cmty_str(body, "priority"),
        [ISSUE_UPDATE_P_RAISED_VIA] = cmty_str(body, "raisedVia"),
        [ISSUE_UPDATE_P_ORGANISATION] = org_id,
        [ISSUE_UPDATE_P_STATUS] = status};
    r = DB_RUN(db, ISSUE_UPDATE, params);
    if (!db_ok(r) || PQntuples(r) != 1) {
        outcome_db_fail(o, db, r, "updating the community issue");
        goto out;
    }
    version = atol(PQgetvalue(r, 0, ISSUE_UPDATE_VERSION));
    neighbourhoods = one_neighbourhood(neighbourhood);
    if ((agencies && !route_agencies(db, call->id, agencies, o)) ||
        !cmty_commit_with_event(db, call, strcmp(status, "withdrawn") == 0 ? "withdrawn" : "updated",
                                ENTITY_COMMUNITY_ISSUE, call->id, version, neighbourhoods, o))
        goto out;
    issue_read(db, call, call->id, o);
out:
    PQclear(r);
    record_tx_end(db);
    json_decref(neighbourhoods);
    return o->status;
}

static enum cdm_status issue_get(PGconn *db, const struct route_call *call, struct outcome *o)
{
    return issue_read(db, call, call->id, o);
}

static json_t *issue_key(const json_t *item)
{
    return cmty_key2(item, "raisedOn", "id");
}

/* A page of the issues the caller may see, newest first, filtered. */
static enum cdm_status issue_list(PGconn *db, const struct route_call *call, struct outcome *o)
{
    static const char *const statuses[] = {"open", "resolved", "withdrawn", NULL};
    static const char *const priorities[] = {"high", "medium", "low", NULL};
    char neighbourhood_buf[UUID_STR_LEN], agency_buf[UUID_STR_LEN];
    const char *neighbourhood, *agency, *status, *priority;
    struct cmty_page page;
    const char *theme = u_map_get(call->req->map_url, "theme");
    if (cmty_query_uuid(call, "neighbourhood", neighbourhood_buf, &neighbourhood, o) != CDM_OK ||
        cmty_query_uuid(call, "agency", agency_buf, &agency, o) != CDM_OK ||
        cmty_query_word(call, "status", statuses, &status, o) != CDM_OK ||
        cmty_query_word(call, "priority", priorities, &priority, o) != CDM_OK ||
        cmty_page_params(call, CMTY_PAGE_DEFAULT, CMTY_PAGE_MAX, &page, o) != CDM_OK)
        return o->status;
    const char *params[ISSUE_LIST_NPARAMS] = {
        [ISSUE_LIST_P_CALLER_NEIGHBOURHOODS] = principal_neighbourhoods_param(call->who),
        [ISSUE_LIST_P_NEIGHBOURHOOD] = neighbourhood,
        [ISSUE_LIST_P_STATUS] = status,
        [ISSUE_LIST_P_THEME] = theme && *theme ? theme : NULL,
        [ISSUE_LIST_P_AGENCY] = agency,
        [ISSUE_LIST_P_PRIORITY] = priority,
        [ISSUE_LIST_P_AFTER_DATE] = page.after_value,
        [ISSUE_LIST_P_AFTER_ID] = page.after_id,
        [ISSUE_LIST_P_LIMIT] = page.limit_s};
    PGresult *r = DB_RUN(db, ISSUE_LIST, params);
    if (!db_ok(r))
        outcome_db_fail(o, db, r, "listing community issues");
    else
        record_page_at(r, page.limit, ISSUE_LIST_BODY, issue_key, o);
    PQclear(r);
    json_decref(page.after);
    return o->status;
}

/* ------------------------------------------------------------ responses */

/* Records an agency's response to an issue (its own agency's, or the named
 * one for an admin key), with its event, or recognises a resend. */
static enum cdm_status response_create(PGconn *db, const struct route_call *call,
                                       struct outcome *o)
{
    const json_t *body = call->body;
    char id[UUID_STR_LEN], named[UUID_STR_LEN], neighbourhood[UUID_STR_LEN], digest[65];
    cmty_uuid(body, "id", id);
    const char *agency = cmty_uuid(body, "agencyId", named);
    const char *responded_on = cmty_str(body, "respondedOn");
    if (agency && strcmp(agency, call->who->agency_id) != 0 && !(call->who->scopes & SCOPE_ADMIN))
        return outcome_fail_at(o, CDM_ERR_VALIDATION, "/agencyId",
                               "only an admin key may respond for another agency");
    if (!agency)
        agency = call->who->agency_id;
    /* The digest covers the agency stored, so another agency resending the
     * same id and body is a conflict, not a replay of this one's response. */
    if (!record_body_digest_with(body, "agencyId", agency, digest))
        return outcome_fail(o, CDM_ERR_INTERNAL, "out of memory");
    const char *rp[ISSUE_ROUTE_NPARAMS] = {[ISSUE_ROUTE_P_ID] = call->id,
                                           [ISSUE_ROUTE_P_AGENCY] = agency};
    PGresult *r = DB_RUN(db, ISSUE_ROUTE, rp);
    json_t *neighbourhoods = NULL;
    if (!db_ok(r)) {
        outcome_db_fail(o, db, r, "reading the community issue");
        goto out;
    }
    if (PQntuples(r) == 0 ||
        !principal_may(call->who, PQgetvalue(r, 0, ISSUE_ROUTE_NEIGHBOURHOOD_ID))) {
        outcome_fail(o, CDM_ERR_NOT_FOUND, NO_ISSUE);
        goto out;
    }
    snprintf(neighbourhood, sizeof neighbourhood, "%s",
             PQgetvalue(r, 0, ISSUE_ROUTE_NEIGHBOURHOOD_ID));
    if (PQgetisnull(r, 0, ISSUE_ROUTE_ROUTED_ON)) {
        outcome_fail_at(o, CDM_ERR_VALIDATION, "/agencyId",
                        "the issue is not routed to agency %s", agency);
        goto out;
    }
    const char *raised_on = PQgetvalue(r, 0, ISSUE_ROUTE_RAISED_ON);
    const char *routed_on = PQgetvalue(r, 0, ISSUE_ROUTE_ROUTED_ON);
    if (strcmp(responded_on, raised_on) < 0) {
        outcome_fail_at(o, CDM_ERR_VALIDATION, "/respondedOn",
                        "a response cannot precede the issue being raised (%s)", raised_on);
        goto out;
    }
    if (strcmp(responded_on, routed_on) < 0) {
        outcome_fail_at(o, CDM_ERR_VALIDATION, "/respondedOn",
                        "a response cannot precede the issue being routed to the agency (%s)",
                        routed_on);
        goto out;
    }
    PQclear(r);
    r = NULL;
    struct provenance p = provenance_of(call);
    const char *params[ISSUE_RESPONSE_INSERT_NPARAMS] = {
        [ISSUE_RESPONSE_INSERT_P_ID] = id,
        [ISSUE_RESPONSE_INSERT_P_ISSUE] = call->id,
        [ISSUE_RESPONSE_INSERT_P_RESPONDER] = agency,
        [ISSUE_RESPONSE_INSERT_P_KIND] = cmty_str(body, "kind"),
        [ISSUE_RESPONSE_INSERT_P_RESPONDED_ON] = responded_on,
        [ISSUE_RESPONSE_INSERT_P_NOTE] = cmty_str(body, "note"),
        [ISSUE_RESPONSE_INSERT_P_DIGEST] = digest,
        [ISSUE_RESPONSE_INSERT_P_AGENCY] = p.agency_id,
        [ISSUE_RESPONSE_INSERT_P_KEY] = p.key_id,
        [ISSUE_RESPONSE_INSERT_P_EVALUATOR] = p.evaluator};
    neighbourhoods = one_neighbourhood(neighbourhood);
    if (!record_tx_begin(db, o))
        goto out;
    r = DB_RUN(db, ISSUE_RESPONSE_INSERT, params);
    if (!db_ok(r)) {
        outcome_db_fail(o, db, r, "storing the response");
        goto out;
    }
    const char *gp[ISSUE_RESPONSE_GET_NPARAMS] = {[ISSUE_RESPONSE_GET_P_ID] = id};
    if (PQntuples(r) == 0) {
        record_tx_end(db);
        PQclear(r);
        const char *ep[ISSUE_RESPONSE_EXISTING_NPARAMS] = {[ISSUE_RESPONSE_EXISTING_P_ID] = id};
        r = DB_RUN(db, ISSUE_RESPONSE_EXISTING, ep);
        if (db_ok(r) && PQntuples(r) == 1 &&
            strcmp(PQgetvalue(r, 0, ISSUE_RESPONSE_EXISTING_ISSUE_ID), call->id) != 0)
            outcome_fail_at(o, CDM_ERR_CONFLICT, "/id", "response %s belongs to another issue", id);
        else if (CMTY_RESEND(db, ISSUE_RESPONSE_EXISTING, id, digest, "response", o) ==
                     CDM_REPLAYED &&
                 DB_ONE_JSON(db, ISSUE_RESPONSE_GET, gp, o,
                             "reading the response", "") == CDM_OK)
            o->status = CDM_REPLAYED;
        goto out;
    }
    /* The issue shows its responses: it is at a new version (its ETag), with
     * its record.updated event, in the same transaction. */
    PQclear(r);
    const char *bp[ISSUE_BUMP_NPARAMS] = {[ISSUE_BUMP_P_ID] = call->id};
    r = DB_RUN(db, ISSUE_BUMP, bp);
    if (!db_ok(r) || PQntuples(r) != 1) {
        outcome_db_fail(o, db, r, "updating the community issue");
        goto out;
    }
    if (!neighbourhoods) {
        outcome_fail(o, CDM_ERR_INTERNAL, "out of memory");
        goto out;
    }
    if (!record_event_add(db, call, "updated", ENTITY_COMMUNITY_ISSUE, call->id,
                          atol(PQgetvalue(r, 0, ISSUE_BUMP_VERSION)), neighbourhoods)) {
        outcome_db_fail(o, db, NULL, "recording the issue's change event");
        goto out;
    }
    if (!cmty_commit_with_event(db, call, "created", ENTITY_ISSUE_RESPONSE, id, 1, neighbourhoods,
                                o))
        goto out;
    if (DB_ONE_JSON(db, ISSUE_RESPONSE_GET, gp, o,
                    "reading the response", "") == CDM_OK) {
        o->status = CDM_CREATED;
        snprintf(o->location, sizeof o->location, "/v1/community-issues/%s/responses", call->id);
    }
out:
    PQclear(r);
    record_tx_end(db);
    json_decref(neighbourhoods);
    return o->status;
}

static enum cdm_status response_list(PGconn *db, const struct route_call *call, struct outcome *o)
{
    const char *params[ISSUE_RESPONSE_LIST_NPARAMS] = {
        [ISSUE_RESPONSE_LIST_P_ISSUE] = call->id,
        [ISSUE_RESPONSE_LIST_P_CALLER_NEIGHBOURHOODS] = principal_neighbourhoods_param(call->who)};
    return DB_ONE_JSON(db, ISSUE_RESPONSE_LIST, params, o,
                       "listing the responses", NO_ISSUE);
}

const struct route issue_routes[] = {
    {.method = "POST", .path = "/v1/community-issues", .logic = issue_create,
     .schema = "community-issue-create.json", .scope = SCOPE_REGISTRY},
    {.method = "GET", .path = "/v1/community-issues", .logic = issue_list, .scope = SCOPE_READ},
    {.method = "GET", .path = "/v1/community-issues/:id", .logic = issue_get, .not_found = NO_ISSUE,
     .scope = SCOPE_READ},
    {.method = "PUT", .path = "/v1/community-issues/:id", .logic = issue_update,
     .schema = "community-issue-update.json", .not_found = NO_ISSUE, .scope = SCOPE_REGISTRY},
    {.method = "POST", .path = "/v1/community-issues/:id/responses", .logic = response_create,
     .schema = "issue-response-create.json", .not_found = NO_ISSUE, .scope = SCOPE_SUBMIT},
    {.method = "GET", .path = "/v1/community-issues/:id/responses", .logic = response_list,
     .not_found = NO_ISSUE, .scope = SCOPE_READ},
    {.method = NULL},
};
