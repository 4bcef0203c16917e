/* organisations.c — the registry of community groups: organisations, their
 * contacts, versions and history (updates: organisation_updates.c; links:
 * organisation_links.c) */
#include "organisations.h"
#include "ids.h"
#include "outbox.h"
#include "queries.h"
#include "records.h"
#include "registry.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIST_DEFAULT_LIMIT 50
#define LIST_MAX_LIMIT 500
#define MAX_AREAS 50 /* neighbourhoodIds maxItems of organisation-create.json */

bool may_see_contacts(const struct principal *who)
{
    return who && registry_may_see_contacts(who->scopes);
}

bool areas_visible(const struct principal *who, const json_t *areas)
{
    size_t i;
    const json_t *a;
    /* A whole-locality key sees everything, organisations serving no
     * neighbourhood (yet) too. */
    if (!principal_areas_param(who))
        return true;
    json_array_foreach(areas, i, a) {
        if (principal_may(who, json_string_value(a)))
            return true;
    }
    return false;
}

enum cdm_status organisation_areas(PGconn *db, const struct route_call *call, const char *id,
                                   const char *other, json_t **areas, struct outcome *o,
                                   const char *not_found)
{
    *areas = NULL;
    const char *params[] = {id, other};
    PGresult *r = db_run(db, Q_ORG_AREAS, 2, params);
    if (!db_ok(r))
        outcome_db_fail(o, db, r, "reading the organisation");
    else if (PQntuples(r) == 0)
        outcome_fail(o, CDM_ERR_NOT_FOUND, "%s", not_found);
    else if (!(*areas = json_loads(PQgetvalue(r, 0, 0), 0, NULL)))
        outcome_fail(o, CDM_ERR_INTERNAL, "reading the organisation failed");
    else
        o->status = CDM_OK;
    PQclear(r);
    /* Only the first organisation decides visibility: a link's caller checks
     * the other one itself. */
    if (o->status == CDM_OK && !other && !areas_visible(call->who, *areas)) {
        json_decref(*areas);
        *areas = NULL;
        outcome_fail(o, CDM_ERR_NOT_FOUND, "%s", not_found);
    }
    return o->status;
}

/* An organisation as the API shows it, from its row (JSON text) and its
 * contact (JSON text, or NULL): the derived flags added, the contact only when
 * with_contact. Returns a new reference, or NULL. */
static json_t *organisation_present(const char *row, const char *contact, bool with_contact)
{
    json_t *org = json_loads(row, 0, NULL);
    if (!org)
        return NULL;
    const char *band = json_string_value(json_object_get(org, "incomeBand"));
    bool has_contact = json_is_true(json_object_get(org, "hasDesignatedContact"));
    bool counts = registry_counts_as_community_group(
        json_string_value(json_object_get(org, "name")), has_contact,
        json_is_true(json_object_get(org, "openToResidents")));
    enum registry_sector sector = registry_community_sector(band);
    json_object_set_new(org, "countsAsCommunityGroup", json_boolean(counts));
    json_object_set_new(org, "communitySector", sector == REGISTRY_SECTOR_UNKNOWN
                                                    ? json_null()
                                                    : json_boolean(sector == REGISTRY_SECTOR_COMMUNITY));
    json_t *c = with_contact && contact ? json_loads(contact, 0, NULL) : NULL;
    if (c) {
        /* Absent optional fields are left out, as a client sends them. */
        const char *k;
        json_t *v, *tmp;
        json_object_foreach_safe(c, tmp, k, v) {
            if (json_is_null(v))
                json_object_del(c, k);
        }
        json_object_set_new(org, "contact", c);
    }
    return org;
}

enum cdm_status organisation_read(PGconn *db, const struct route_call *call, const char *id,
                                  struct outcome *o)
{
    const char *params[] = {id};
    PGresult *r = db_run(db, Q_ORG_GET, 1, params);
    if (!db_ok(r)) {
        outcome_db_fail(o, db, r, "reading the organisation");
    } else if (PQntuples(r) == 0) {
        outcome_fail(o, CDM_ERR_NOT_FOUND, "no such organisation");
    } else {
        json_t *org = organisation_present(PQgetvalue(r, 0, 0),
                                           PQgetisnull(r, 0, 1) ? NULL : PQgetvalue(r, 0, 1),
                                           may_see_contacts(call->who));
        if (!org) {
            outcome_fail(o, CDM_ERR_INTERNAL, "reading the organisation failed");
        } else if (!areas_visible(call->who, json_object_get(org, "neighbourhoodIds"))) {
            json_decref(org);
            outcome_fail(o, CDM_ERR_NOT_FOUND, "no such organisation");
        } else {
            record_set_etag(o, (long)json_integer_value(json_object_get(org, "version")));
            o->body = org;
            o->status = CDM_OK;
        }
    }
    PQclear(r);
    return o->status;
}

bool organisation_version_store(PGconn *db, const char *id, bool contact_changed)
{
    const char *params[] = {id};
    PGresult *r = db_run(db, Q_ORG_GET, 1, params);
    json_t *doc = db_ok(r) && PQntuples(r) == 1
                      ? organisation_present(PQgetvalue(r, 0, 0), NULL, false)
                      : NULL;
    PQclear(r);
    char *text = doc ? json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(doc);
    if (!text)
        return false;
    const char *vparams[] = {id, text, contact_changed ? "true" : "false"};
    r = db_run(db, Q_ORG_VERSION_INSERT, 3, vparams);
    bool ok = db_ok(r) && strcmp(PQcmdTuples(r), "1") == 0;
    PQclear(r);
    free(text);
    return ok;
}

const char *registry_number_param(const json_t *v, char *out, size_t len)
{
    if (json_is_integer(v))
        snprintf(out, len, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v))
        snprintf(out, len, "%.17g", json_real_value(v));
    else
        return NULL;
    return out;
}

bool registry_cursor_pair(const json_t *after, const char **first, const char **id)
{
    *first = json_string_value(json_array_get(after, 0));
    *id = json_string_value(json_array_get(after, 1));
    return json_array_size(after) == 2 && *first && *id && uuid_is_valid(*id);
}

/* The columns of an organisation from a schema-valid body, as text
 * parameters 2–14 of Q_ORG_INSERT and Q_ORG_REPLACE. `themes` is malloc'd
 * (org_fields_free); the rest is borrowed from the body or held here. */
struct org_fields {
    const char *v[13];
    char volunteers[24], fte[40];
    char *themes;
};

static bool org_fields_of(const json_t *body, struct org_fields *f)
{
    const json_t *themes = json_object_get(body, "themes");
    const json_t *open = json_object_get(body, "openToResidents");
    f->themes = themes ? json_dumps(themes, JSON_COMPACT) : strdup("[]");
    const char *values[] = {
        json_string_value(json_object_get(body, "name")),
        json_string_value(json_object_get(body, "kind")),
        json_string_value(json_object_get(body, "status")),
        json_string_value(json_object_get(body, "foundedOn")),
        json_string_value(json_object_get(body, "closedOn")),
        f->themes,
        json_string_value(json_object_get(body, "incomeBand")),
        registry_number_param(json_object_get(body, "volunteers"), f->volunteers, sizeof f->volunteers),
        registry_number_param(json_object_get(body, "fteStaff"), f->fte, sizeof f->fte),
        open && !json_is_true(open) ? "false" : "true", /* open to residents unless said */
        json_is_true(json_object_get(body, "isHub")) ? "true" : "false",
        json_is_true(json_object_get(body, "onlineOnly")) ? "true" : "false",
        json_string_value(json_object_get(body, "description")),
    };
    memcpy(f->v, values, sizeof values);
    return f->themes != NULL;
}

static void org_fields_free(struct org_fields *f)
{
    free(f->themes);
}

/* The normalised neighbourhood ids of a body (at most MAX_AREAS), with the
 * checks no schema can make: a date order, an id listed twice in another
 * case, and whether each neighbourhood exists. */
struct org_areas {
    size_t n;
    char ids[MAX_AREAS][UUID_STR_LEN];
    char literal[MAX_AREAS * UUID_STR_LEN + 3]; /* as a uuid[] parameter */
};

static enum cdm_status org_body_check(PGconn *db, const json_t *body, struct org_areas *a,
                                      struct outcome *o)
{
    const char *founded = json_string_value(json_object_get(body, "foundedOn"));
    const char *closed = json_string_value(json_object_get(body, "closedOn"));
    if (founded && closed && strcmp(closed, founded) < 0) /* ISO dates compare as strings */
        return outcome_fail_at(o, CDM_ERR_VALIDATION, "/closedOn",
                               "an organisation cannot close before it was founded");
    const json_t *ids = json_object_get(body, "neighbourhoodIds");
    char pointer[48];
    size_t len = 0;
    a->n = 0;
    a->literal[len++] = '{';
    for (size_t i = 0; i < json_array_size(ids) && i < MAX_AREAS; i++) {
        uuid_normalise(json_string_value(json_array_get(ids, i)), a->ids[i]);
        for (size_t j = 0; j < i; j++)
            if (strcmp(a->ids[i], a->ids[j]) == 0) {
                snprintf(pointer, sizeof pointer, "/neighbourhoodIds/%zu", i);
                return outcome_fail_at(o, CDM_ERR_VALIDATION, pointer, "neighbourhood listed twice");
            }
        len += (size_t)snprintf(a->literal + len, sizeof a->literal - len, "%s%s", i ? "," : "",
                                a->ids[i]);
        a->n++;
    }
    snprintf(a->literal + len, sizeof a->literal - len, "}");
    const char *params[] = {a->literal};
    PGresult *r = db_run(db, Q_ORG_MISSING_AREA, 1, params);
    if (!db_ok(r)) {
        outcome_db_fail(o, db, r, "checking the neighbourhoods");
    } else if (PQntuples(r) == 1) {
        snprintf(pointer, sizeof pointer, "/neighbourhoodIds/%ld", atol(PQgetvalue(r, 0, 0)) - 1);
        outcome_fail_at(o, CDM_ERR_VALIDATION, pointer, "no such neighbourhood");
    } else {
        o->status = CDM_OK;
    }
    PQclear(r);
    return o->status;
}

/* Sets or removes the designated contact from a body (null or absent:
 * none). *changed says whether it differs from what was stored. */
static bool org_contact_store(PGconn *db, const char *id, const json_t *body, bool *changed)
{
    const json_t *c = json_object_get(body, "contact");
    PGresult *r;
    if (json_is_object(c)) {
        const char *params[] = {id, json_string_value(json_object_get(c, "name")),
                                json_string_value(json_object_get(c, "role")),
                                json_string_value(json_object_get(c, "email")),
                                json_string_value(json_object_get(c, "phone"))};
        r = db_run(db, Q_ORG_CONTACT_SET, 5, params);
    } else {
        const char *params[] = {id};
        r = db_run(db, Q_ORG_CONTACT_DELETE, 1, params);
    }
    /* Never log what failed here: the parameters are personal data, and the
     * schema's limits match the table's, so only an outage fails this. */
    bool ok = db_ok(r);
    *changed = ok && PQntuples(r) > 0;
    PQclear(r);
    return ok;
}

/* After the neighbourhoods were written (result areas_r, borrowed): the
 * contact and the version row. A failed contact write is reported without
 * the server's text, which would quote the personal data. */
static bool org_rest_store(PGconn *db, const PGresult *areas_r, const char *id, const json_t *body,
                           bool *contact_changed, struct outcome *o)
{
    if (!db_ok(areas_r)) {
        outcome_db_fail(o, db, areas_r, "storing the organisation's neighbourhoods");
        return false;
    }
    if (!org_contact_store(db, id, body, contact_changed)) {
        outcome_fail(o, PQstatus(db) == CONNECTION_OK ? CDM_ERR_INTERNAL : CDM_ERR_UNAVAILABLE,
                     "storing the contact failed");
        return false;
    }
    if (!organisation_version_store(db, id, *contact_changed)) {
        outcome_db_fail(o, db, NULL, "storing the organisation's version");
        return false;
    }
    return true;
}

/* Registers an organisation with its neighbourhoods, contact, first version
 * and record.created event in one transaction; a resent create is replayed. */
static enum cdm_status org_create(PGconn *db, const struct route_call *call, struct outcome *o)
{
    const json_t *body = call->body;
    struct org_areas areas;
    struct org_fields f = {0};
    char id[UUID_STR_LEN], digest[65], pointer[48];
    PGresult *r = NULL;
    json_t *event_areas = NULL;
    uuid_normalise(json_string_value(json_object_get(body, "id")), id);
    for (size_t i = 0; i < json_array_size(json_object_get(body, "neighbourhoodIds")); i++) {
        char area[UUID_STR_LEN];
        uuid_normalise(json_string_value(json_array_get(json_object_get(body, "neighbourhoodIds"), i)), area);
        if (!principal_may(call->who, area)) { /* answered like one that does not exist */
            snprintf(pointer, sizeof pointer, "/neighbourhoodIds/%zu", i);
            return outcome_fail_at(o, CDM_ERR_VALIDATION, pointer, "no such neighbourhood");
        }
    }
    if (org_body_check(db, body, &areas, o) != CDM_OK)
        return o->status;
    if (!record_body_digest_hex(body, digest) || !org_fields_of(body, &f)) {
        outcome_fail(o, CDM_ERR_INTERNAL, "out of memory");
        goto out;
    }
    struct provenance p = provenance_of(call);
    if (!record_tx_begin(db, o))
        goto out;
    const char *params[] = {id, f.v[0], f.v[1], f.v[2], f.v[3], f.v[4], f.v[5], f.v[6], f.v[7],
                            f.v[8], f.v[9], f.v[10], f.v[11], f.v[12], p.agency_id, p.key_id,
                            p.evaluator, digest};
    r = db_run(db, Q_ORG_INSERT, 18, params);
    if (!db_ok(r)) {
        outcome_db_fail(o, db, r, "storing the organisation");
        goto out;
    }
    if (PQntuples(r) == 0) { /* the id exists (perhaps committed by a concurrent create) */
        record_tx_end(db);
        PQclear(r);
        const char *idp[] = {id};
        r = db_run(db, Q_ORG_EXISTING, 1, idp);
        if (!db_ok(r))
            outcome_db_fail(o, db, r, "reading the organisation");
        else if (PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), digest) == 0 &&
                 organisation_read(db, call, id, o) == CDM_OK)
            o->status = CDM_REPLAYED;
        else if (o->status != CDM_ERR_INTERNAL && o->status != CDM_ERR_UNAVAILABLE) {
            outcome_clear(o);
            outcome_fail_at(o, CDM_ERR_CONFLICT, "/id",
                            "organisation %s was already registered with a different body", id);
        }
        goto out;
    }
    PQclear(r);
    const char *aparams[] = {id, areas.literal};
    r = db_run(db, Q_ORG_SET_AREAS, 2, aparams);
    bool contact_changed = false;
    if (!org_rest_store(db, r, id, body, &contact_changed, o))
        goto out;
    event_areas = json_array();
    for (size_t i = 0; event_areas && i < areas.n; i++)
        if (json_array_append_new(event_areas, json_string(areas.ids[i])) != 0) {
            json_decref(event_areas);
            event_areas = NULL;
        }
    if (!event_areas) { /* never an event short of its neighbourhoods; out: rolls back */
        outcome_fail(o, CDM_ERR_INTERNAL, "out of memory");
        goto out;
    }
    if (!record_event_add(db, call, "created", ENTITY_ORGANISATION, id, 1, event_areas)) {
        outcome_db_fail(o, db, NULL, "storing the organisation's event");
        goto out;
    }
    if (!record_tx_commit(db, o))
        goto out;
    if (organisation_read(db, call, id, o) == CDM_OK) {
        o->status = CDM_CREATED;
        snprintf(o->location, sizeof o->location, "/v1/organisations/%s", id);
    }
out:
    PQclear(r);
    record_tx_end(db);
    json_decref(event_areas);
    org_fields_free(&f);
    return o->status;
}

/* True if id is in the array of ids. */
static bool area_listed(const json_t *ids, const char *id)
{
    size_t i;
    const json_t *a;
    json_array_foreach(ids, i, a) {
        if (strcmp(json_string_value(a), id) == 0)
            return true;
    }
    return false;
}

/* Replaces an organisation (If-Match): new version, its history row, a
 * status_change update when the status moved, and the record events, in one
 * transaction. Concurrent writers of one version: the first wins, the rest 412. */
static enum cdm_status org_replace(PGconn *db, const struct route_call *call, struct outcome *o)
{
    const json_t *body = call->body;
    const char *id = call->id;
    struct org_areas areas;
    struct org_fields f = {0};
    char digest[65], pointer[48];
    long if_match, version;
    PGresult *r = NULL;
    json_t *old_areas = NULL, *event_areas = NULL;
    if (organisation_areas(db, call, id, NULL, &old_areas, o, "no such organisation") != CDM_OK ||
        record_if_match(call, o, &if_match) != CDM_OK || org_body_check(db, body, &areas, o) != CDM_OK)
        goto out;
    /* A key limited to some neighbourhoods may keep the others an
     * organisation serves, but neither add nor remove them. */
    event_areas = json_deep_copy(old_areas);
    bool event_areas_ok = event_areas != NULL;
    for (size_t i = 0; i < areas.n; i++) {
        if (area_listed(old_areas, areas.ids[i]))
            continue;
        if (!principal_may(call->who, areas.ids[i])) {
            snprintf(pointer, sizeof pointer, "/neighbourhoodIds/%zu", i);
            outcome_fail_at(o, CDM_ERR_VALIDATION, pointer, "no such neighbourhood");
            goto out;
        }
        if (json_array_append_new(event_areas, json_string(areas.ids[i])) != 0)
            event_areas_ok = false;
    }
    if (!event_areas_ok) { /* never an event short of its neighbourhoods */
        outcome_fail(o, CDM_ERR_INTERNAL, "out of memory");
        goto out;
    }
    size_t i;
    const json_t *a;
    json_array_foreach(old_areas, i, a) {
        bool kept = false;
        for (size_t j = 0; j < areas.n && !kept; j++)
            kept = strcmp(areas.ids[j], json_string_value(a)) == 0;
        if (!kept && !principal_may(call->who, json_string_value(a))) {
            outcome_fail_at(o, CDM_ERR_VALIDATION, "/neighbourhoodIds",
                            "neighbourhood %s is served by this organisation and outside this key's: it cannot be removed with it",
                            json_string_value(a));
            goto out;
        }
    }
    if (!record_body_digest_hex(body, digest) || !org_fields_of(body, &f)) {
        outcome_fail(o, CDM_ERR_INTERNAL, "out of memory");
        goto out;
    }
    if (!record_tx_begin(db, o))
        goto out;
    const char *idp[] = {id};
    r = db_run(db, Q_ORG_LOCK, 1, idp);
    if (!db_ok(r) || PQntuples(r) != 1) {
        outcome_db_fail(o, db, r, "locking the organisation");
        goto out;
    }
    if (atol(PQgetvalue(r, 0, 0)) != if_match) {
        outcome_fail(o, CDM_ERR_PRECONDITION_FAILED,
                     "organisation %s is at version %s, not %ld: read it again", id,
                     PQgetvalue(r, 0, 0), if_match);
        goto out;
    }
    char status_from[16];
    snprintf(status_from, sizeof status_from, "%s", PQgetvalue(r, 0, 1));
    PQclear(r);
    struct provenance p = provenance_of(call);
    const char *params[] = {id, f.v[0], f.v[1], f.v[2], f.v[3], f.v[4], f.v[5], f.v[6], f.v[7],
                            f.v[8], f.v[9], f.v[10], f.v[11], f.v[12], p.agency_id, p.key_id,
                            p.evaluator};
    r = db_run(db, Q_ORG_REPLACE, 17, params);
    if (!db_ok(r) || PQntuples(r) != 1) {
        outcome_db_fail(o, db, r, "storing the organisation");
        goto out;
    }
    version = atol(PQgetvalue(r, 0, 0));
    PQclear(r);
    const char *aparams[] = {id, areas.literal};
    r = db_run(db, Q_ORG_SET_AREAS, 2, aparams);
    bool contact_changed = false;
    if (!org_rest_store(db, r, id, body, &contact_changed, o))
        goto out;
    const char *status_to = f.v[2];
    if (strcmp(status_from, status_to) != 0) {
        PQclear(r);
        const char *uparams[] = {NULL, id, "status_change", NULL, status_from, status_to,
                                 NULL, NULL, NULL, NULL, NULL, NULL, NULL, digest,
                                 p.agency_id, p.key_id, p.evaluator};
        r = db_run(db, Q_UPDATE_INSERT, 17, uparams);
        if (!db_ok(r) || PQntuples(r) != 1) {
            outcome_db_fail(o, db, r, "recording the status change");
            goto out;
        }
        if (!record_event_add(db, call, "created", ENTITY_ORGANISATION_UPDATE, PQgetvalue(r, 0, 1),
                              1, event_areas)) {
            outcome_db_fail(o, db, NULL, "storing the update's event");
            goto out;
        }
    }
    if (!record_event_add(db, call, "updated", ENTITY_ORGANISATION, id, version, event_areas)) {
        outcome_db_fail(o, db, NULL, "storing the organisation's event");
        goto out;
    }
    if (record_tx_commit(db, o))
        organisation_read(db, call, id, o);
out:
    PQclear(r);
    record_tx_end(db);
    json_decref(old_areas);
    json_decref(event_areas);
    org_fields_free(&f);
    return o->status;
}

static enum cdm_status org_get(PGconn *db, const struct route_call *call, struct outcome *o)
{
    return organisation_read(db, call, call->id, o);
}

/* The value of a list filter that must be one of a schema's codes: NULL when
 * absent, else the value; fails o (422) when it is not a code. */
static bool org_filter(const struct route_call *call, const char *name, const char *schema,
                       const char **value, struct outcome *o)
{
    *value = u_map_get(call->req->map_url, name);
    if (!*value || !**value) {
        *value = NULL;
        return true;
    }
    json_t *v = json_string(*value);
    bool ok = v && js_validate(call->ctx->schemas, schema, v, NULL, 0) == 0;
    json_decref(v);
    if (!ok) {
        char pointer[32];
        snprintf(pointer, sizeof pointer, "/%s", name);
        outcome_fail_at(o, CDM_ERR_VALIDATION, pointer, "%s is not one of the codes of %s", name,
                        schema);
    }
    return ok;
}

/* A page of the organisations serving the caller's neighbourhoods, by name
 * then id, filtered by ?neighbourhood=&status=&kind=&theme=. */
static enum cdm_status org_list(PGconn *db, const struct route_call *call, struct outcome *o)
{
    const char *status, *kind, *theme, *after_name = NULL, *after_id = NULL;
    const char *area = u_map_get(call->req->map_url, "neighbourhood");
    char area_id[UUID_STR_LEN], limit_s[24];
    long limit;
    json_t *after = NULL;
    PGresult *r = NULL;
    if (!org_filter(call, "status", "organisation.json#/properties/status", &status, o) ||
        !org_filter(call, "kind", "organisation.json#/properties/kind", &kind, o) ||
        !org_filter(call, "theme", "common.json#/$defs/theme", &theme, o))
        return o->status;
    if (area && *area) {
        if (!uuid_is_valid(area))
            return outcome_fail_at(o, CDM_ERR_VALIDATION, "/neighbourhood",
                                   "neighbourhood must be a neighbourhood's id");
        uuid_normalise(area, area_id);
    }
    if (record_page_params(call, o, LIST_DEFAULT_LIMIT, LIST_MAX_LIMIT, &limit, &after) != CDM_OK)
        return o->status;
    if (after && !registry_cursor_pair(after, &after_name, &after_id)) {
        outcome_fail_at(o, CDM_ERR_VALIDATION, "/cursor", "cursor is not one this API gave out");
        goto out;
    }
    snprintf(limit_s, sizeof limit_s, "%ld", limit + 1);
    const char *params[] = {principal_areas_param(call->who), area && *area ? area_id : NULL,
                            status, kind, theme, after_name, after_id, limit_s};
    r = db_run(db, Q_ORG_LIST, 8, params);
    if (!db_ok(r)) {
        outcome_db_fail(o, db, r, "listing organisations");
        goto out;
    }
    bool contacts = may_see_contacts(call->who);
    json_t *items = json_array();
    for (int i = 0; items && i < PQntuples(r) && i < limit; i++)
        json_array_append_new(items, organisation_present(PQgetvalue(r, i, 0),
                                                          PQgetisnull(r, i, 1) ? NULL : PQgetvalue(r, i, 1),
                                                          contacts));
    record_page_keyed(r, limit, 2, items, o);
out:
    PQclear(r);
    json_decref(after);
    return o->status;
}

/* The version of a history item, as its cursor key. New reference. */
static json_t *history_key(const json_t *item)
{
    return json_pack("[O]", json_object_get(item, "version"));
}

/* The versions of an organisation, oldest first, with who wrote each and when. */
static enum cdm_status org_history(PGconn *db, const struct route_call *call, struct outcome *o)
{
    json_t *areas = NULL, *after = NULL;
    PGresult *r = NULL;
    long limit;
    char after_s[24], limit_s[24];
    if (organisation_areas(db, call, call->id, NULL, &areas, o, "no such organisation") != CDM_OK ||
        record_page_params(call, o, LIST_DEFAULT_LIMIT, LIST_MAX_LIMIT, &limit, &after) != CDM_OK)
        goto out;
    if (after && (json_array_size(after) != 1 || !json_is_integer(json_array_get(after, 0)))) {
        outcome_fail_at(o, CDM_ERR_VALIDATION, "/cursor", "cursor is not one this API gave out");
        goto out;
    }
    snprintf(after_s, sizeof after_s, "%lld", (long long)json_integer_value(json_array_get(after, 0)));
    snprintf(limit_s, sizeof limit_s, "%ld", limit + 1);
    const char *params[] = {call->id, after ? after_s : NULL, limit_s};
    r = db_run(db, Q_ORG_HISTORY, 3, params);
    if (!db_ok(r))
        outcome_db_fail(o, db, r, "reading the organisation's history");
    else
        record_page(r, limit, history_key, o);
out:
    PQclear(r);
    json_decref(areas);
    json_decref(after);
    return o->status;
}

static int post_organisation(const struct _u_request *req, struct _u_response *res, void *user)
{
    return http_run_body(user, req, res, "organisation-create.json", org_create, NULL);
}

static int list_organisations(const struct _u_request *req, struct _u_response *res, void *user)
{
    return http_run(user, req, res, org_list, NULL);
}

static int get_organisation(const struct _u_request *req, struct _u_response *res, void *user)
{
    return http_run_id(user, req, res, "no such organisation", NULL, org_get);
}

static int put_organisation(const struct _u_request *req, struct _u_response *res, void *user)
{
    return http_run_id(user, req, res, "no such organisation", "organisation-update.json", org_replace);
}

static int get_history(const struct _u_request *req, struct _u_response *res, void *user)
{
    return http_run_id(user, req, res, "no such organisation", NULL, org_history);
}

const struct route organisation_routes[] = {
    {"POST", "/v1/organisations", post_organisation, SCOPE_REGISTRY},
    {"GET", "/v1/organisations", list_organisations, SCOPE_READ},
    {"GET", "/v1/organisations/:id", get_organisation, SCOPE_READ},
    {"PUT", "/v1/organisations/:id", put_organisation, SCOPE_REGISTRY},
    {"GET", "/v1/organisations/:id/history", get_history, SCOPE_READ},
    {NULL, NULL, NULL, 0},
};
