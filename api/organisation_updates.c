/* organisation_updates.c — an organisation's updates: status changes (which
 * edit the organisation, under If-Match), activity records, achievements,
 * problems and support received (appends, idempotent by client id, withdrawn
 * when mistaken) */
#include "organisations.h"
#include "community.h"
#include "ids.h"
#include "queries.h"
#include "records.h"
#include "registry.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIST_DEFAULT_LIMIT 50
#define LIST_MAX_LIMIT 500

/* An update id already stored: the same organisation and body → replay of
 * the stored update, anything else → 409. False when there is no such
 * update (o untouched), true when o holds the answer. */
static bool update_resent(PGconn *db, const char *org, const char *id, const char *digest,
                          struct outcome *o)
{
    const char *params[UPDATE_EXISTING_NPARAMS] = {[UPDATE_EXISTING_P_ID] = id};
    PGresult *r = DB_RUN(db, UPDATE_EXISTING, params);
    bool handled = true;
    if (!db_ok(r))
        outcome_db_fail(o, db, r, "reading the update");
    else if (PQntuples(r) == 0)
        handled = false;
    else if (strcmp(PQgetvalue(r, 0, UPDATE_EXISTING_DIGEST), digest) != 0 ||
             strcmp(PQgetvalue(r, 0, UPDATE_EXISTING_ORGANISATION_ID), org) != 0)
        outcome_fail_at(o, CDM_ERR_CONFLICT, "/id", "update %s was already recorded with a different body", id);
    else if (!(o->body = json_loads(PQgetvalue(r, 0, UPDATE_EXISTING_BODY), 0, NULL)))
        outcome_fail(o, CDM_ERR_INTERNAL, "reading the update failed");
    else
        o->status = CDM_REPLAYED;
    PQclear(r);
    return handled;
}

/* Records an update of organisation call->id from a schema-valid body. A
 * status change edits the organisation (If-Match, new version, history row,
 * two events); the other kinds only append. One transaction either way. */
static enum cdm_status update_create(PGconn *db, const struct route_call *call, struct outcome *o)
{
    const json_t *body = call->body;
    const char *org = call->id;
    const char *kind = json_string_value(json_object_get(body, "kind"));
    const char *status_to = json_string_value(json_object_get(body, "status"));
    bool status_change = strcmp(kind, "status_change") == 0;
    char id[UUID_STR_LEN], digest[65], status_from[16] = "";
    char sessions[24], attendance[24], hours[40], support_hours[40], amount[24];
    long if_match = 0, version = 0;
    json_t *neighbourhoods = NULL;
    PGresult *r = NULL;
    uuid_normalise(json_string_value(json_object_get(body, "id")), id);
    if (organisation_neighbourhoods(db, call, org, NULL, &neighbourhoods, o,
                                    "no such organisation") != CDM_OK)
        goto out;
    if (!record_body_digest_hex(body, digest)) {
        outcome_fail(o, CDM_ERR_INTERNAL, "out of memory");
        goto out;
    }
    /* A resend is recognised before anything else: a resent status change
     * carries the ETag it was first sent with, now stale. */
    if (update_resent(db, org, id, digest, o))
        goto out;
    if (status_change && record_if_match(call, o, &if_match) != CDM_OK)
        goto out;
    struct provenance p = provenance_of(call);
    if (!record_tx_begin(db, o))
        goto out;
    if (status_change) {
        if (!organisation_lock(db, org, if_match, status_from, sizeof status_from, o))
            goto out;
        if (!registry_status_change_allowed(status_from, status_to)) {
            outcome_fail_at(o, CDM_ERR_VALIDATION, "/status", "the organisation is already %s",
                            status_from);
            goto out;
        }
        const char *sp[ORG_SET_STATUS_NPARAMS] = {
            [ORG_SET_STATUS_P_ID] = org,
            [ORG_SET_STATUS_P_STATUS] = status_to,
            [ORG_SET_STATUS_P_OCCURRED_ON] = json_string_value(json_object_get(body, "occurredOn")),
            [ORG_SET_STATUS_P_AGENCY] = p.agency_id,
            [ORG_SET_STATUS_P_KEY] = p.key_id,
            [ORG_SET_STATUS_P_EVALUATOR] = p.evaluator};
        r = DB_RUN(db, ORG_SET_STATUS, sp);
        if (!db_ok(r) || PQntuples(r) != 1) {
            outcome_db_fail(o, db, r, "changing the organisation's status");
            goto out;
        }
        version = atol(PQgetvalue(r, 0, ORG_SET_STATUS_VERSION));
        PQclear(r);
        r = NULL;
    }
    const char *params[UPDATE_INSERT_NPARAMS] = {
        [UPDATE_INSERT_P_ID] = id,
        [UPDATE_INSERT_P_ORGANISATION] = org,
        [UPDATE_INSERT_P_KIND] = kind,
        [UPDATE_INSERT_P_OCCURRED_ON] = json_string_value(json_object_get(body, "occurredOn")),
        [UPDATE_INSERT_P_STATUS_FROM] = status_change ? status_from : NULL,
        [UPDATE_INSERT_P_STATUS_TO] = status_to,
        [UPDATE_INSERT_P_SESSIONS] =
            registry_number_param(json_object_get(body, "sessions"), sessions, sizeof sessions),
        [UPDATE_INSERT_P_ATTENDANCE] = registry_number_param(json_object_get(body, "attendance"),
                                                             attendance, sizeof attendance),
        [UPDATE_INSERT_P_VOLUNTEER_HOURS] =
            registry_number_param(json_object_get(body, "volunteerHours"), hours, sizeof hours),
        [UPDATE_INSERT_P_SUPPORT_KIND] = json_string_value(json_object_get(body, "supportKind")),
        [UPDATE_INSERT_P_SUPPORT_HOURS] = registry_number_param(
            json_object_get(body, "supportHours"), support_hours, sizeof support_hours),
        [UPDATE_INSERT_P_AMOUNT_PENCE] =
            registry_number_param(json_object_get(body, "amountPence"), amount, sizeof amount),
        [UPDATE_INSERT_P_DESCRIPTION] = json_string_value(json_object_get(body, "description")),
        [UPDATE_INSERT_P_DIGEST] = digest,
        [UPDATE_INSERT_P_AGENCY] = p.agency_id,
        [UPDATE_INSERT_P_KEY] = p.key_id,
        [UPDATE_INSERT_P_EVALUATOR] = p.evaluator};
    PQclear(r);
    r = DB_RUN(db, UPDATE_INSERT, params);
    if (!db_ok(r)) {
        outcome_db_fail(o, db, r, "storing the update");
        goto out;
    }
    if (PQntuples(r) == 0) { /* a concurrent request with the same id committed first */
        record_tx_end(db);
        if (!update_resent(db, org, id, digest, o))
            outcome_fail(o, CDM_ERR_INTERNAL, "storing the update failed");
        goto out;
    }
    if (!(o->body = json_loads(PQgetvalue(r, 0, UPDATE_INSERT_BODY), 0, NULL))) {
        outcome_fail(o, CDM_ERR_INTERNAL, "storing the update failed");
        goto out;
    }
    if (status_change && (!organisation_version_store(db, org, false) ||
                          !record_event_add(db, call, "updated", ENTITY_ORGANISATION, org, version,
                                            neighbourhoods))) {
        outcome_db_fail(o, db, NULL, "storing the organisation's new version");
        goto out;
    }
    if (!record_event_add(db, call, "created", ENTITY_ORGANISATION_UPDATE, id, 1, neighbourhoods)) {
        outcome_db_fail(o, db, NULL, "storing the update's event");
        goto out;
    }
    if (record_tx_commit(db, o))
        o->status = CDM_CREATED;
out:
    PQclear(r);
    record_tx_end(db);
    json_decref(neighbourhoods);
    return o->status;
}

/* A page of an organisation's updates (withdrawn ones too, marked), by
 * occurredOn then id, optionally of one ?kind=. */
static enum cdm_status update_list(PGconn *db, const struct route_call *call, struct outcome *o)
{
    const char *kind = u_map_get(call->req->map_url, "kind");
    const char *after_date = NULL, *after_id = NULL;
    json_t *neighbourhoods = NULL, *after = NULL, *kind_json = NULL;
    PGresult *r = NULL;
    long limit;
    char limit_s[24];
    if (organisation_neighbourhoods(db, call, call->id, NULL, &neighbourhoods, o,
                                    "no such organisation") != CDM_OK ||
        record_page_params(call, o, LIST_DEFAULT_LIMIT, LIST_MAX_LIMIT, &limit, &after) != CDM_OK)
        goto out;
    if (kind && *kind) {
        kind_json = json_string(kind);
        if (!kind_json || js_validate(call->ctx->schemas, "organisation-update-entry.json#/properties/kind",
                                      kind_json, NULL, 0) != 0) {
            outcome_fail_at(o, CDM_ERR_VALIDATION, "/kind", "kind is not a kind of update");
            goto out;
        }
    } else {
        kind = NULL;
    }
    if (!cmty_cursor_split(after, &after_date, &after_id)) {
        outcome_fail_at(o, CDM_ERR_VALIDATION, "/cursor", "cursor is not one this API gave out");
        goto out;
    }
    snprintf(limit_s, sizeof limit_s, "%ld", limit + 1);
    const char *params[UPDATE_LIST_NPARAMS] = {
        [UPDATE_LIST_P_ORGANISATION] = call->id,
        [UPDATE_LIST_P_KIND] = kind,
        [UPDATE_LIST_P_AFTER_DATE] = after_date,
        [UPDATE_LIST_P_AFTER_ID] = after_id,
        [UPDATE_LIST_P_LIMIT] = limit_s};
    r = DB_RUN(db, UPDATE_LIST, params);
    if (!db_ok(r)) {
        outcome_db_fail(o, db, r, "listing the updates");
        goto out;
    }
    record_page_rows(r, limit, UPDATE_LIST_BODY, UPDATE_LIST_SORT_KEY, o);
out:
    PQclear(r);
    json_decref(neighbourhoods);
    json_decref(after);
    json_decref(kind_json);
    return o->status;
}

/* Withdraws a mistaken append: kept, marked withdrawn, with its
 * record.withdrawn event. Withdrawing twice changes nothing. A status change
 * is not withdrawn (409): a new one corrects it. */
static enum cdm_status update_withdraw(PGconn *db, const struct route_call *call, struct outcome *o)
{
    const char *params[UPDATE_EXISTING_NPARAMS] = {[UPDATE_EXISTING_P_ID] = call->id};
    json_t *neighbourhoods = NULL;
    char org[UUID_STR_LEN];
    PGresult *r = DB_RUN(db, UPDATE_EXISTING, params);
    if (!db_ok(r)) {
        outcome_db_fail(o, db, r, "reading the update");
        goto out;
    }
    if (PQntuples(r) == 0) {
        outcome_fail(o, CDM_ERR_NOT_FOUND, "no such update");
        goto out;
    }
    snprintf(org, sizeof org, "%s", PQgetvalue(r, 0, UPDATE_EXISTING_ORGANISATION_ID));
    if (organisation_neighbourhoods(db, call, org, NULL, &neighbourhoods, o, "no such update") !=
        CDM_OK)
        goto out;
    /* Another agency's update is answered as absent, before anything that
     * would tell it apart (withdrawn already, a status change). */
    if (!record_may_withdraw(call, PQgetvalue(r, 0, UPDATE_EXISTING_SUPPLIED_BY_AGENCY))) {
        outcome_fail(o, CDM_ERR_NOT_FOUND, "no such update");
        goto out;
    }
    if (!registry_update_withdrawable(PQgetvalue(r, 0, UPDATE_EXISTING_KIND))) {
        outcome_fail(o, CDM_ERR_CONFLICT,
                     "a status change cannot be withdrawn; record a new status change instead");
        goto out;
    }
    if (strcmp(PQgetvalue(r, 0, UPDATE_EXISTING_WITHDRAWN), "t") == 0) { /* already withdrawn */
        o->body = json_loads(PQgetvalue(r, 0, UPDATE_EXISTING_BODY), 0, NULL);
        o->status = o->body ? CDM_OK : CDM_ERR_INTERNAL;
        goto out;
    }
    PQclear(r);
    r = NULL;
    if (!record_tx_begin(db, o))
        goto out;
    const char *wp[UPDATE_WITHDRAW_NPARAMS] = {[UPDATE_WITHDRAW_P_ID] = call->id};
    r = DB_RUN(db, UPDATE_WITHDRAW, wp);
    if (!db_ok(r)) {
        outcome_db_fail(o, db, r, "withdrawing the update");
        goto out;
    }
    if (PQntuples(r) == 0) { /* a concurrent withdrawal committed first */
        record_tx_end(db);
        PQclear(r);
        r = DB_RUN(db, UPDATE_EXISTING, params);
        if (db_ok(r) && PQntuples(r) == 1 &&
            (o->body = json_loads(PQgetvalue(r, 0, UPDATE_EXISTING_BODY), 0, NULL)))
            o->status = CDM_OK;
        else
            outcome_db_fail(o, db, r, "reading the update");
        goto out;
    }
    if (!(o->body = json_loads(PQgetvalue(r, 0, UPDATE_WITHDRAW_BODY), 0, NULL)) ||
        !record_event_add(db, call, "withdrawn", ENTITY_ORGANISATION_UPDATE, call->id, 1,
                          neighbourhoods)) {
        outcome_db_fail(o, db, NULL, "withdrawing the update");
        goto out;
    }
    if (record_tx_commit(db, o))
        o->status = CDM_OK;
out:
    PQclear(r);
    record_tx_end(db);
    json_decref(neighbourhoods);
    return o->status;
}

const struct route organisation_update_routes[] = {
    {.method = "POST", .path = "/v1/organisations/:id/updates", .logic = update_create,
     .schema = "organisation-update-create.json", .not_found = "no such organisation",
     .scope = SCOPE_REGISTRY},
    {.method = "GET", .path = "/v1/organisations/:id/updates", .logic = update_list,
     .not_found = "no such organisation", .scope = SCOPE_READ},
    {.method = "DELETE", .path = "/v1/organisation-updates/:id", .logic = update_withdraw,
     .not_found = "no such update", .scope = SCOPE_REGISTRY},
    {.method = NULL},
};
