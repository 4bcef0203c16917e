/* organisation_updates.c — an organisation's updates: status changes (which
 * edit the organisation, under If-Match), activity records, achievements,
 * problems and support received (appends, idempotent by client id, withdrawn
 * when mistaken) */
#include "organisations.h"
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
    const char *params[] = {id};
    PGresult *r = db_run(db, Q_UPDATE_EXISTING, 1, params);
    bool handled = true;
    if (!db_ok(r))
        outcome_db_fail(o, db, r, "reading the update");
    else if (PQntuples(r) == 0)
        handled = false;
    else if (strcmp(PQgetvalue(r, 0, 0), digest) != 0 || strcmp(PQgetvalue(r, 0, 2), org) != 0)
        outcome_fail_at(o, CDM_ERR_CONFLICT, "/id", "update %s was already recorded with a different body", id);
    else if (!(o->body = json_loads(PQgetvalue(r, 0, 1), 0, NULL)))
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
    json_t *areas = NULL;
    PGresult *r = NULL;
    uuid_normalise(json_string_value(json_object_get(body, "id")), id);
    if (organisation_areas(db, call, org, NULL, &areas, o, "no such organisation") != CDM_OK)
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
        const char *lp[] = {org};
        r = db_run(db, Q_ORG_LOCK, 1, lp);
        if (!db_ok(r) || PQntuples(r) != 1) {
            outcome_db_fail(o, db, r, "locking the organisation");
            goto out;
        }
        if (atol(PQgetvalue(r, 0, 0)) != if_match) {
            outcome_fail(o, CDM_ERR_PRECONDITION_FAILED,
                         "organisation %s is at version %s, not %ld: read it again", org,
                         PQgetvalue(r, 0, 0), if_match);
            goto out;
        }
        snprintf(status_from, sizeof status_from, "%s", PQgetvalue(r, 0, 1));
        if (!registry_status_change_allowed(status_from, status_to)) {
            outcome_fail_at(o, CDM_ERR_VALIDATION, "/status", "the organisation is already %s",
                            status_from);
            goto out;
        }
        PQclear(r);
        const char *sp[] = {org, status_to, json_string_value(json_object_get(body, "occurredOn")),
                            p.agency_id, p.key_id, p.evaluator};
        r = db_run(db, Q_ORG_SET_STATUS, 6, sp);
        if (!db_ok(r) || PQntuples(r) != 1) {
            outcome_db_fail(o, db, r, "changing the organisation's status");
            goto out;
        }
        version = atol(PQgetvalue(r, 0, 0));
        PQclear(r);
        r = NULL;
    }
    const char *params[] = {
        id, org, kind, json_string_value(json_object_get(body, "occurredOn")),
        status_change ? status_from : NULL, status_to,
        registry_number_param(json_object_get(body, "sessions"), sessions, sizeof sessions),
        registry_number_param(json_object_get(body, "attendance"), attendance, sizeof attendance),
        registry_number_param(json_object_get(body, "volunteerHours"), hours, sizeof hours),
        json_string_value(json_object_get(body, "supportKind")),
        registry_number_param(json_object_get(body, "supportHours"), support_hours, sizeof support_hours),
        registry_number_param(json_object_get(body, "amountPence"), amount, sizeof amount),
        json_string_value(json_object_get(body, "description")),
        digest, p.agency_id, p.key_id, p.evaluator};
    PQclear(r);
    r = db_run(db, Q_UPDATE_INSERT, 17, params);
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
    if (!(o->body = json_loads(PQgetvalue(r, 0, 0), 0, NULL))) {
        outcome_fail(o, CDM_ERR_INTERNAL, "storing the update failed");
        goto out;
    }
    if (status_change && (!organisation_version_store(db, org, false) ||
                          !record_event_add(db, call, "updated", ENTITY_ORGANISATION, org, version, areas))) {
        outcome_db_fail(o, db, NULL, "storing the organisation's new version");
        goto out;
    }
    if (!record_event_add(db, call, "created", ENTITY_ORGANISATION_UPDATE, id, 1, areas)) {
        outcome_db_fail(o, db, NULL, "storing the update's event");
        goto out;
    }
    if (record_tx_commit(db, o))
        o->status = CDM_CREATED;
out:
    if (cdm_status_failed(o->status)) {
        json_decref(o->body);
        o->body = NULL;
    }
    PQclear(r);
    record_tx_end(db);
    json_decref(areas);
    return o->status;
}

/* A page of an organisation's updates (withdrawn ones too, marked), by
 * occurredOn then id, optionally of one ?kind=. */
static enum cdm_status update_list(PGconn *db, const struct route_call *call, struct outcome *o)
{
    const char *kind = u_map_get(call->req->map_url, "kind");
    const char *after_date = NULL, *after_id = NULL;
    json_t *areas = NULL, *after = NULL, *kind_json = NULL;
    PGresult *r = NULL;
    long limit;
    char limit_s[24];
    if (organisation_areas(db, call, call->id, NULL, &areas, o, "no such organisation") != CDM_OK ||
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
    if (after && !registry_cursor_pair(after, &after_date, &after_id)) {
        outcome_fail_at(o, CDM_ERR_VALIDATION, "/cursor", "cursor is not one this API gave out");
        goto out;
    }
    snprintf(limit_s, sizeof limit_s, "%ld", limit + 1);
    const char *params[] = {call->id, kind, after_date, after_id, limit_s};
    r = db_run(db, Q_UPDATE_LIST, 5, params);
    if (!db_ok(r)) {
        outcome_db_fail(o, db, r, "listing the updates");
        goto out;
    }
    record_page_rows(r, limit, 0, 1, o);
out:
    PQclear(r);
    json_decref(areas);
    json_decref(after);
    json_decref(kind_json);
    return o->status;
}

/* Withdraws a mistaken append: kept, marked withdrawn, with its
 * record.withdrawn event. Withdrawing twice changes nothing. A status change
 * is not withdrawn (409): a new one corrects it. */
static enum cdm_status update_withdraw(PGconn *db, const struct route_call *call, struct outcome *o)
{
    const char *params[] = {call->id};
    json_t *areas = NULL;
    char org[UUID_STR_LEN];
    PGresult *r = db_run(db, Q_UPDATE_EXISTING, 1, params);
    if (!db_ok(r)) {
        outcome_db_fail(o, db, r, "reading the update");
        goto out;
    }
    if (PQntuples(r) == 0) {
        outcome_fail(o, CDM_ERR_NOT_FOUND, "no such update");
        goto out;
    }
    snprintf(org, sizeof org, "%s", PQgetvalue(r, 0, 2));
    if (organisation_areas(db, call, org, NULL, &areas, o, "no such update") != CDM_OK)
        goto out;
    /* Another agency's update is answered as absent, before anything that
     * would tell it apart (withdrawn already, a status change). */
    if (!record_may_withdraw(call, PQgetvalue(r, 0, 5))) {
        outcome_fail(o, CDM_ERR_NOT_FOUND, "no such update");
        goto out;
    }
    if (!registry_update_withdrawable(PQgetvalue(r, 0, 3))) {
        outcome_fail(o, CDM_ERR_CONFLICT,
                     "a status change cannot be withdrawn; record a new status change instead");
        goto out;
    }
    if (strcmp(PQgetvalue(r, 0, 4), "t") == 0) { /* already withdrawn */
        o->body = json_loads(PQgetvalue(r, 0, 1), 0, NULL);
        o->status = o->body ? CDM_OK : CDM_ERR_INTERNAL;
        goto out;
    }
    PQclear(r);
    r = NULL;
    if (!record_tx_begin(db, o))
        goto out;
    r = db_run(db, Q_UPDATE_WITHDRAW, 1, params);
    if (!db_ok(r)) {
        outcome_db_fail(o, db, r, "withdrawing the update");
        goto out;
    }
    if (PQntuples(r) == 0) { /* a concurrent withdrawal committed first */
        record_tx_end(db);
        PQclear(r);
        r = NULL;
        r = db_run(db, Q_UPDATE_EXISTING, 1, params);
        if (db_ok(r) && PQntuples(r) == 1 && (o->body = json_loads(PQgetvalue(r, 0, 1), 0, NULL)))
            o->status = CDM_OK;
        else
            outcome_db_fail(o, db, r, "reading the update");
        goto out;
    }
    if (!(o->body = json_loads(PQgetvalue(r, 0, 0), 0, NULL)) ||
        !record_event_add(db, call, "withdrawn", ENTITY_ORGANISATION_UPDATE, call->id, 1, areas)) {
        outcome_db_fail(o, db, NULL, "withdrawing the update");
        goto out;
    }
    if (record_tx_commit(db, o))
        o->status = CDM_OK;
out:
    if (cdm_status_failed(o->status)) {
        json_decref(o->body);
        o->body = NULL;
    }
    PQclear(r);
    record_tx_end(db);
    json_decref(areas);
    return o->status;
}

static int post_update(const struct _u_request *req, struct _u_response *res, void *user)
{
    return http_run_id(user, req, res, "no such organisation", "organisation-update-create.json", update_create);
}

static int list_updates(const struct _u_request *req, struct _u_response *res, void *user)
{
    return http_run_id(user, req, res, "no such organisation", NULL, update_list);
}

static int delete_update(const struct _u_request *req, struct _u_response *res, void *user)
{
    return http_run_id(user, req, res, "no such update", NULL, update_withdraw);
}

const struct route organisation_update_routes[] = {
    {"POST", "/v1/organisations/:id/updates", post_update, SCOPE_REGISTRY},
    {"GET", "/v1/organisations/:id/updates", list_updates, SCOPE_READ},
    {"DELETE", "/v1/organisation-updates/:id", delete_update, SCOPE_REGISTRY},
    {NULL, NULL, NULL, 0},
};
