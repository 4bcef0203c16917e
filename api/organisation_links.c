/* organisation_links.c — links between organisations (networking,
 * cooperation): undirected, one live link of a kind per pair, ended rather
 * than deleted */
#include "organisations.h"
#include "community.h"
#include "ids.h"
#include "queries.h"
#include "records.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIST_DEFAULT_LIMIT 100
#define LIST_MAX_LIMIT 500

/* The neighbourhoods of both organisations of a link: where its event goes.
 * New array (caller json_decref()s) or NULL with o failed. */
static json_t *link_neighbourhoods(PGconn *db, const struct route_call *call, const char *a,
                                   const char *b, struct outcome *o)
{
    json_t *neighbourhoods = NULL;
    organisation_neighbourhoods(db, call, a, b, &neighbourhoods, o, "no such organisation");
    return neighbourhoods;
}

/* Links organisation call->id to body.organisationId, with its
 * record.created event, in one transaction. */
static enum cdm_status link_create(PGconn *db, const struct route_call *call, struct outcome *o)
{
    const json_t *body = call->body;
    const char *org = call->id;
    char other[UUID_STR_LEN];
    json_t *mine = NULL, *theirs = NULL, *neighbourhoods = NULL;
    PGresult *r = NULL;
    uuid_normalise(json_string_value(json_object_get(body, "organisationId")), other);
    if (organisation_neighbourhoods(db, call, org, NULL, &mine, o, "no such organisation") !=
        CDM_OK)
        goto out;
    if (strcmp(org, other) == 0) {
        outcome_fail_at(o, CDM_ERR_VALIDATION, "/organisationId", "an organisation cannot link to itself");
        goto out;
    }
    if (organisation_neighbourhoods(db, call, other, NULL, &theirs, o, "no such organisation") !=
        CDM_OK) {
        if (o->status == CDM_ERR_NOT_FOUND) { /* the body names it: a bad value, not a bad path */
            outcome_clear(o);
            outcome_fail_at(o, CDM_ERR_VALIDATION, "/organisationId", "no such organisation");
        }
        goto out;
    }
    if (!(neighbourhoods = link_neighbourhoods(db, call, org, other, o)))
        goto out;
    struct provenance p = provenance_of(call);
    const char *kind = json_string_value(json_object_get(body, "kind"));
    const char *since = json_string_value(json_object_get(body, "since"));
    if (!record_tx_begin(db, o))
        goto out;
    const char *params[LINK_INSERT_NPARAMS] = {
        [LINK_INSERT_P_ORGANISATION] = org,
        [LINK_INSERT_P_OTHER] = other,
        [LINK_INSERT_P_KIND] = kind,
        [LINK_INSERT_P_SINCE] = since,
        [LINK_INSERT_P_AGENCY] = p.agency_id,
        [LINK_INSERT_P_KEY] = p.key_id,
        [LINK_INSERT_P_EVALUATOR] = p.evaluator};
    r = DB_RUN(db, LINK_INSERT, params);
    if (!db_ok(r)) {
        outcome_db_fail(o, db, r, "storing the link");
        goto out;
    }
    if (PQntuples(r) == 0) { /* a live link of this kind exists: the same one resent? */
        PQclear(r);
        const char *lp[LINK_LIVE_NPARAMS] = {[LINK_LIVE_P_ORGANISATION] = org,
                                             [LINK_LIVE_P_OTHER] = other,
                                             [LINK_LIVE_P_KIND] = kind,
                                             [LINK_LIVE_P_SINCE] = since};
        r = DB_RUN(db, LINK_LIVE, lp);
        if (db_ok(r) && PQntuples(r) == 1 &&
            strcmp(PQgetvalue(r, 0, LINK_LIVE_SAME_SINCE), "t") == 0 &&
            (o->body = json_loads(PQgetvalue(r, 0, LINK_LIVE_BODY), 0, NULL)) != NULL) {
            o->status = CDM_REPLAYED;
            goto out;
        }
        outcome_fail_at(o, CDM_ERR_CONFLICT, "/kind",
                        "these organisations already have a live %s link; end it first", kind);
        goto out;
    }
    if (!(o->body = json_loads(PQgetvalue(r, 0, LINK_INSERT_BODY), 0, NULL)) ||
        !record_event_add(db, call, "created", ENTITY_ORGANISATION_LINK,
                          PQgetvalue(r, 0, LINK_INSERT_ID), 1, neighbourhoods)) {
        outcome_db_fail(o, db, NULL, "storing the link");
        goto out;
    }
    if (record_tx_commit(db, o))
        o->status = CDM_CREATED;
out:
    PQclear(r);
    record_tx_end(db);
    json_decref(mine);
    json_decref(theirs);
    json_decref(neighbourhoods);
    return o->status;
}

/* A page of an organisation's links, live and ended, by since then id; only
 * links whose other organisation also serves the caller. */
static enum cdm_status link_list(PGconn *db, const struct route_call *call, struct outcome *o)
{
    json_t *neighbourhoods = NULL;
    struct cmty_page page = {.after = NULL};
    PGresult *r = NULL;
    if (organisation_neighbourhoods(db, call, call->id, NULL, &neighbourhoods, o,
                                    "no such organisation") != CDM_OK ||
        cmty_page_params(call, LIST_DEFAULT_LIMIT, LIST_MAX_LIMIT, &page, o) != CDM_OK)
        goto out;
    const char *params[LINK_LIST_NPARAMS] = {
        [LINK_LIST_P_ORGANISATION] = call->id,
        [LINK_LIST_P_CALLER_NEIGHBOURHOODS] = principal_neighbourhoods_param(call->who),
        [LINK_LIST_P_AFTER_DATE] = page.after_value,
        [LINK_LIST_P_AFTER_ID] = page.after_id,
        [LINK_LIST_P_LIMIT] = page.limit_s};
    r = DB_RUN(db, LINK_LIST, params);
    if (!db_ok(r)) {
        outcome_db_fail(o, db, r, "listing the links");
        goto out;
    }
    record_page_rows(r, page.limit, LINK_LIST_BODY, LINK_LIST_SORT_KEY, o);
out:
    PQclear(r);
    json_decref(neighbourhoods);
    json_decref(page.after);
    return o->status;
}

/* Ends a live link on body.endedOn (kept, with its date), with its
 * record.updated event. A link is there for a caller that sees both ends. */
static enum cdm_status link_end(PGconn *db, const struct route_call *call, struct outcome *o)
{
    const char *ended_on = json_string_value(json_object_get(call->body, "endedOn"));
    const char *idp[LINK_GET_NPARAMS] = {[LINK_GET_P_ID] = call->id};
    char a[UUID_STR_LEN], b[UUID_STR_LEN];
    json_t *seen_a = NULL, *seen_b = NULL, *neighbourhoods = NULL;
    PGresult *r = DB_RUN(db, LINK_GET, idp);
    if (!db_ok(r)) {
        outcome_db_fail(o, db, r, "reading the link");
        goto out;
    }
    if (PQntuples(r) == 0) {
        outcome_fail(o, CDM_ERR_NOT_FOUND, "no such link");
        goto out;
    }
    snprintf(a, sizeof a, "%s", PQgetvalue(r, 0, LINK_GET_ORG_A));
    snprintf(b, sizeof b, "%s", PQgetvalue(r, 0, LINK_GET_ORG_B));
    if (organisation_neighbourhoods(db, call, a, NULL, &seen_a, o, "no such link") != CDM_OK ||
        organisation_neighbourhoods(db, call, b, NULL, &seen_b, o, "no such link") != CDM_OK)
        goto out;
    if (strcmp(PQgetvalue(r, 0, LINK_GET_ENDED), "t") == 0) {
        outcome_fail(o, CDM_ERR_CONFLICT, "this link has already ended");
        goto out;
    }
    const char *since = PQgetvalue(r, 0, LINK_GET_SINCE);
    if (strcmp(ended_on, since) < 0) { /* ISO dates compare as strings */
        outcome_fail_at(o, CDM_ERR_VALIDATION, "/endedOn", "a link cannot end before it began (%s)",
                        since);
        goto out;
    }
    if (!(neighbourhoods = link_neighbourhoods(db, call, a, b, o)))
        goto out;
    PQclear(r);
    r = NULL;
    if (!record_tx_begin(db, o))
        goto out;
    const char *params[LINK_END_NPARAMS] = {[LINK_END_P_ID] = call->id,
                                            [LINK_END_P_ENDED_ON] = ended_on};
    r = DB_RUN(db, LINK_END, params);
    if (!db_ok(r)) {
        outcome_db_fail(o, db, r, "ending the link");
        goto out;
    }
    if (PQntuples(r) == 0) { /* a concurrent request ended it first */
        outcome_fail(o, CDM_ERR_CONFLICT, "this link has already ended");
        goto out;
    }
    if (!(o->body = json_loads(PQgetvalue(r, 0, LINK_END_BODY), 0, NULL)) ||
        !record_event_add(db, call, "updated", ENTITY_ORGANISATION_LINK, call->id,
                          atol(PQgetvalue(r, 0, LINK_END_VERSION)), neighbourhoods)) {
        outcome_db_fail(o, db, NULL, "ending the link");
        goto out;
    }
    if (record_tx_commit(db, o))
        o->status = CDM_OK;
out:
    PQclear(r);
    record_tx_end(db);
    json_decref(seen_a);
    json_decref(seen_b);
    json_decref(neighbourhoods);
    return o->status;
}

const struct route organisation_link_routes[] = {
    {.method = "POST", .path = "/v1/organisations/:id/links", .logic = link_create,
     .schema = "link-create.json", .not_found = "no such organisation", .scope = SCOPE_REGISTRY},
    {.method = "GET", .path = "/v1/organisations/:id/links", .logic = link_list,
     .not_found = "no such organisation", .scope = SCOPE_READ},
    {.method = "POST", .path = "/v1/organisation-links/:id/end", .logic = link_end,
     .schema = "link-end.json", .not_found = "no such link", .scope = SCOPE_REGISTRY},
    {.method = NULL},
};
