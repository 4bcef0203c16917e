/* organisations.c — the registry of community groups: organisations, their
 * contacts, versions and history (updates: organisation_updates.c; links:
 * organisation_links.c) */
#include "organisations.h"
#include "audit.h"
#include "community.h"
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
#define MAX_NEIGHBOURHOODS 50 /* neighbourhoodIds maxItems of organisation-create.json */

bool may_see_contacts(const struct principal *who)
{
    return who && registry_may_see_contacts(who->scopes);
}

bool neighbourhoods_visible(const struct principal *who, const json_t *neighbourhoods)
{
    size_t i;
    const json_t *n;
    /* A whole-locality key sees everything, organisations serving no
     * neighbourhood (yet) too. */
    if (!principal_neighbourhoods_param(who))
        return true;
    json_array_foreach(neighbourhoods, i, n) {
        if (principal_may(who, json_string_value(n)))
            return true;
    }
    return false;
}

enum cdm_status organisation_neighbourhoods(PGconn *db, const struct route_call *call,
                                            const char *id, const char *other,
                                            json_t **neighbourhoods, struct outcome *o,
                                            const char *not_found)
{
    *neighbourhoods = NULL;
    const char *params[ORG_NEIGHBOURHOODS_NPARAMS] = {[ORG_NEIGHBOURHOODS_P_ID] = id, [ORG_NEIGHBOURHOODS_P_OTHER] = other};
    PGresult *r = DB_RUN(db, ORG_NEIGHBOURHOODS, params);
    if (!db_ok(r))
        outcome_db_fail(o, db, r, "reading the organisation");
    else if (PQntuples(r) == 0)
        outcome_fail(o, CDM_ERR_NOT_FOUND, "%s", not_found);
    else if (!(*neighbourhoods =
                   json_loads(PQgetvalue(r, 0, ORG_NEIGHBOURHOODS_NEIGHBOURHOOD_IDS), 0, NULL)))
        outcome_fail(o, CDM_ERR_INTERNAL, "reading the organisation failed");
    else
        o->status = CDM_OK;
    PQclear(r);
    /* Only the first organisation decides visibility: a link's caller checks
     * the other one itself. */
    if (o->status == CDM_OK && !other && !neighbourhoods_visible(call->who, *neighbourhoods)) {
        json_decref(*neighbourhoods);
        *neighbourhoods = NULL;
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
    const char *params[ORG_GET_NPARAMS] = {[ORG_GET_P_ID] = id};
    PGresult *r = DB_RUN(db, ORG_GET, params);
    if (!db_ok(r)) {
        outcome_db_fail(o, db, r, "reading the organisation");
    } else if (PQntuples(r) == 0) {
        outcome_fail(o, CDM_ERR_NOT_FOUND, "no such organisation");
    } else {
        json_t *org = organisation_present(
            PQgetvalue(r, 0, ORG_GET_BODY),
            PQgetisnull(r, 0, ORG_GET_CONTACT) ? NULL : PQgetvalue(r, 0, ORG_GET_CONTACT),
            may_see_contacts(call->who));
        if (!org) {
            outcome_fail(o, CDM_ERR_INTERNAL, "reading the organisation failed");
        } else if (!neighbourhoods_visible(call->who, json_object_get(org, "neighbourhoodIds"))) {
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

bool organisation_lock(PGconn *db, const char *id, long if_match, char *status_from, size_t len,
                       struct outcome *o)
{
    const char *p[ORG_LOCK_NPARAMS] = {[ORG_LOCK_P_ID] = id};
    PGresult *r = DB_RUN(db, ORG_LOCK, p);
    bool locked = false;
    if (!db_ok(r) || PQntuples(r) != 1) {
        outcome_db_fail(o, db, r, "locking the organisation");
    } else if (atol(PQgetvalue(r, 0, ORG_LOCK_VERSION)) != if_match) {
        outcome_fail(o, CDM_ERR_PRECONDITION_FAILED,
                     "organisation %s is at version %s, not %ld: read it again", id,
                     PQgetvalue(r, 0, ORG_LOCK_VERSION), if_match);
    } else {
        snprintf(status_from, len, "%s", PQgetvalue(r, 0, ORG_LOCK_STATUS));
        locked = true;
    }
    PQclear(r);
    return locked;
}

bool organisation_version_store(PGconn *db, const char *id, bool contact_changed)
{
    const char *params[ORG_GET_NPARAMS] = {[ORG_GET_P_ID] = id};
    PGresult *r = DB_RUN(db, ORG_GET, params);
    json_t *doc = db_ok(r) && PQntuples(r) == 1
                      ? organisation_present(PQgetvalue(r, 0, ORG_GET_BODY), NULL, false)
                      : NULL;
    PQclear(r);
    char *text = doc ? json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(doc);
    if (!text)
        return false;
    const char *vparams[ORG_VERSION_INSERT_NPARAMS] = {
        [ORG_VERSION_INSERT_P_ID] = id,
        [ORG_VERSION_INSERT_P_DOCUMENT] = text,
        [ORG_VERSION_INSERT_P_CONTACT_CHANGED] = contact_changed ? "true" : "false"};
    r = DB_RUN(db, ORG_VERSION_INSERT, vparams);
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

/* The columns of an organisation from a schema-valid body, as the text
 * parameters ORG_FIELD_PARAMS names (ORG_FIELDS fills them by name).
 * `themes` is malloc'd (org_fields_free); the rest is borrowed from the body
 * or held here. */
struct org_fields {
    const char *name, *kind, *status, *founded_on, *closed_on, *income_band, *volunteers,
        *fte_staff, *open_to_residents, *is_hub, *online_only, *description;
    char *themes;
    char volunteers_s[24], fte_staff_s[40];
};

/* The designated initialisers of statement S's ORG_FIELD_PARAMS from f. */
#define ORG_FIELDS(S, f)                                                                      \
    [S##_P_NAME] = (f).name, [S##_P_KIND] = (f).kind, [S##_P_STATUS] = (f).status,            \
    [S##_P_FOUNDED_ON] = (f).founded_on, [S##_P_CLOSED_ON] = (f).closed_on,                   \
    [S##_P_THEMES] = (f).themes, [S##_P_INCOME_BAND] = (f).income_band,                       \
    [S##_P_VOLUNTEERS] = (f).volunteers, [S##_P_FTE_STAFF] = (f).fte_staff,                   \
    [S##_P_OPEN_TO_RESIDENTS] = (f).open_to_residents, [S##_P_IS_HUB] = (f).is_hub,           \
    [S##_P_ONLINE_ONLY] = (f).online_only, [S##_P_DESCRIPTION] = (f).description

static bool org_fields_of(const json_t *body, struct org_fields *f)
{
    const json_t *themes = json_object_get(body, "themes");
    const json_t *open = json_object_get(body, "openToResidents");
    f->themes = themes ? json_dumps(themes, JSON_COMPACT) : strdup("[]");
    f->name = json_string_value(json_object_get(body, "name"));
    f->kind = json_string_value(json_object_get(body, "kind"));
    f->status = json_string_value(json_object_get(body, "status"));
    f->founded_on = json_string_value(json_object_get(body, "foundedOn"));
    f->closed_on = json_string_value(json_object_get(body, "closedOn"));
    f->income_band = json_string_value(json_object_get(body, "incomeBand"));
    f->volunteers = registry_number_param(json_object_get(body, "volunteers"), f->volunteers_s,
                                          sizeof f->volunteers_s);
    f->fte_staff = registry_number_param(json_object_get(body, "fteStaff"), f->fte_staff_s,
                                         sizeof f->fte_staff_s);
    f->open_to_residents = open && !json_is_true(open) ? "false" : "true"; /* unless said */
    f->is_hub = json_is_true(json_object_get(body, "isHub")) ? "true" : "false";
    f->online_only = json_is_true(json_object_get(body, "onlineOnly")) ? "true" : "false";
    f->description = json_string_value(json_object_get(body, "description"));
    return f->themes != NULL;
}

static void org_fields_free(struct org_fields *f)
{
    free(f->themes);
}

/* The normalised neighbourhood ids of a body (at most MAX_NEIGHBOURHOODS),
 * with the checks no schema can make: a date order, an id listed twice in
 * another case, and whether each neighbourhood exists. */
struct org_neighbourhoods {
    size_t n;
    char ids[MAX_NEIGHBOURHOODS][UUID_STR_LEN];
    char literal[MAX_NEIGHBOURHOODS * UUID_STR_LEN + 3]; /* as a uuid[] parameter */
};

static enum cdm_status org_body_check(PGconn *db, const json_t *body,
                                      struct org_neighbourhoods *a, struct outcome *o)
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
    for (size_t i = 0; i < json_array_size(ids) && i < MAX_NEIGHBOURHOODS; i++) {
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
    const char *params[ORG_MISSING_NEIGHBOURHOOD_NPARAMS] = {
        [ORG_MISSING_NEIGHBOURHOOD_P_NEIGHBOURHOOD_IDS] = a->literal};
    PGresult *r = DB_RUN(db, ORG_MISSING_NEIGHBOURHOOD, params);
    if (!db_ok(r)) {
        outcome_db_fail(o, db, r, "checking the neighbourhoods");
    } else if (PQntuples(r) == 1) {
        snprintf(pointer, sizeof pointer, "/neighbourhoodIds/%ld",
                 atol(PQgetvalue(r, 0, ORG_MISSING_NEIGHBOURHOOD_ORDINAL)) - 1);
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
        const char *params[ORG_CONTACT_SET_NPARAMS] = {
            [ORG_CONTACT_SET_P_ID] = id,
            [ORG_CONTACT_SET_P_NAME] = json_string_value(json_object_get(c, "name")),
            [ORG_CONTACT_SET_P_ROLE] = json_string_value(json_object_get(c, "role")),
            [ORG_CONTACT_SET_P_EMAIL] = json_string_value(json_object_get(c, "email")),
            [ORG_CONTACT_SET_P_PHONE] = json_string_value(json_object_get(c, "phone"))};
        r = DB_RUN(db, ORG_CONTACT_SET, params);
    } else {
        const char *params[ORG_CONTACT_DELETE_NPARAMS] = {[ORG_CONTACT_DELETE_P_ID] = id};
        r = DB_RUN(db, ORG_CONTACT_DELETE, params);
    }
    /* Never log what failed here: the parameters are personal data, and the
     * schema's limits match the table's, so only an outage fails this. */
    bool ok = db_ok(r);
    *changed = ok && PQntuples(r) > 0;
    PQclear(r);
    return ok;
}

/* Sets the organisation's neighbourhoods to a's; the result, which the caller PQclear()s. */
static PGresult *org_neighbourhoods_set(PGconn *db, const char *id,
                                        const struct org_neighbourhoods *a)
{
    const char *params[ORG_SET_NEIGHBOURHOODS_NPARAMS] = {[ORG_SET_NEIGHBOURHOODS_P_ID] = id,
                                                 [ORG_SET_NEIGHBOURHOODS_P_NEIGHBOURHOOD_IDS] = a->literal};
    return DB_RUN(db, ORG_SET_NEIGHBOURHOODS, params);
}

/* After the neighbourhoods were written (result neighbourhoods_r, borrowed):
 * the contact and the version row. A failed contact write is reported
 * without the server's text, which would quote the personal data. */
static bool org_rest_store(PGconn *db, const PGresult *neighbourhoods_r, const char *id,
                           const json_t *body, bool *contact_changed, struct outcome *o)
{
    if (!db_ok(neighbourhoods_r)) {
        outcome_db_fail(o, db, neighbourhoods_r, "storing the organisation's neighbourhoods");
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
    struct org_neighbourhoods neighbourhoods;
    struct org_fields f = {0};
    char id[UUID_STR_LEN], digest[65], pointer[48];
    PGresult *r = NULL;
    json_t *event_neighbourhoods = NULL;
    uuid_normalise(json_string_value(json_object_get(body, "id")), id);
    const json_t *ids = json_object_get(body, "neighbourhoodIds");
    for (size_t i = 0; i < json_array_size(ids); i++) {
        char neighbourhood[UUID_STR_LEN];
        uuid_normalise(json_string_value(json_array_get(ids, i)), neighbourhood);
        if (!principal_may(call->who, neighbourhood)) { /* answered like one that does not exist */
            snprintf(pointer, sizeof pointer, "/neighbourhoodIds/%zu", i);
            return outcome_fail_at(o, CDM_ERR_VALIDATION, pointer, "no such neighbourhood");
        }
    }
    if (org_body_check(db, body, &neighbourhoods, o) != CDM_OK)
        return o->status;
    if (!record_body_digest_hex(body, digest) || !org_fields_of(body, &f)) {
        outcome_fail(o, CDM_ERR_INTERNAL, "out of memory");
        goto out;
    }
    struct provenance p = provenance_of(call);
    if (!record_tx_begin(db, o))
        goto out;
    const char *params[ORG_INSERT_NPARAMS] = {
        [ORG_INSERT_P_ID] = id, ORG_FIELDS(ORG_INSERT, f), [ORG_INSERT_P_AGENCY] = p.agency_id,
        [ORG_INSERT_P_KEY] = p.key_id, [ORG_INSERT_P_EVALUATOR] = p.evaluator,
        [ORG_INSERT_P_DIGEST] = digest};
    r = DB_RUN(db, ORG_INSERT, params);
    if (!db_ok(r)) {
        outcome_db_fail(o, db, r, "storing the organisation");
        goto out;
    }
    if (PQntuples(r) == 0) { /* the id exists (perhaps committed by a concurrent create) */
        record_tx_end(db);
        PQclear(r);
        const char *idp[ORG_EXISTING_NPARAMS] = {[ORG_EXISTING_P_ID] = id};
        r = DB_RUN(db, ORG_EXISTING, idp);
        if (!db_ok(r)) {
            outcome_db_fail(o, db, r, "reading the organisation");
            goto out;
        }
        /* The same body is a replay of the first answer; anything else under
         * this id (another body, or one the caller cannot read) is a conflict,
         * unless reading it failed for want of the database. */
        bool same = PQntuples(r) == 1 &&
                    strcmp(PQgetvalue(r, 0, ORG_EXISTING_DIGEST), digest) == 0;
        enum cdm_status read = same ? organisation_read(db, call, id, o) : CDM_ERR_CONFLICT;
        if (read == CDM_OK)
            o->status = CDM_REPLAYED;
        else if (read != CDM_ERR_INTERNAL && read != CDM_ERR_UNAVAILABLE) {
            outcome_clear(o);
            outcome_fail_at(o, CDM_ERR_CONFLICT, "/id",
                            "organisation %s was already registered with a different body", id);
        }
        goto out;
    }
    PQclear(r);
    r = org_neighbourhoods_set(db, id, &neighbourhoods);
    bool contact_changed = false;
    if (!org_rest_store(db, r, id, body, &contact_changed, o))
        goto out;
    event_neighbourhoods = json_array();
    for (size_t i = 0; event_neighbourhoods && i < neighbourhoods.n; i++)
        if (json_array_append_new(event_neighbourhoods, json_string(neighbourhoods.ids[i])) != 0) {
            json_decref(event_neighbourhoods);
            event_neighbourhoods = NULL;
        }
    if (!event_neighbourhoods) { /* never an event short of its neighbourhoods; out: rolls back */
        outcome_fail(o, CDM_ERR_INTERNAL, "out of memory");
        goto out;
    }
    if (!record_event_add(db, call, "created", ENTITY_ORGANISATION, id, 1, event_neighbourhoods)) {
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
    json_decref(event_neighbourhoods);
    org_fields_free(&f);
    return o->status;
}

/* True if id is in the array of ids. */
static bool neighbourhood_listed(const json_t *ids, const char *id)
{
    size_t i;
    const json_t *n;
    json_array_foreach(ids, i, n) {
        if (strcmp(json_string_value(n), id) == 0)
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
    struct org_neighbourhoods neighbourhoods;
    struct org_fields f = {0};
    char digest[65], pointer[48];
    long if_match, version;
    PGresult *r = NULL;
    json_t *old_neighbourhoods = NULL, *event_neighbourhoods = NULL;
    if (organisation_neighbourhoods(db, call, id, NULL, &old_neighbourhoods, o,
                                    "no such organisation") != CDM_OK ||
        record_if_match(call, o, &if_match) != CDM_OK ||
        org_body_check(db, body, &neighbourhoods, o) != CDM_OK)
        goto out;
    /* A key limited to some neighbourhoods may keep the others an
     * organisation serves, but neither add nor remove them. */
    event_neighbourhoods = json_deep_copy(old_neighbourhoods);
    bool event_neighbourhoods_ok = event_neighbourhoods != NULL;
    for (size_t i = 0; i < neighbourhoods.n; i++) {
        if (neighbourhood_listed(old_neighbourhoods, neighbourhoods.ids[i]))
            continue;
        if (!principal_may(call->who, neighbourhoods.ids[i])) {
            snprintf(pointer, sizeof pointer, "/neighbourhoodIds/%zu", i);
            outcome_fail_at(o, CDM_ERR_VALIDATION, pointer, "no such neighbourhood");
            goto out;
        }
        if (json_array_append_new(event_neighbourhoods, json_string(neighbourhoods.ids[i])) != 0)
            event_neighbourhoods_ok = false;
    }
    if (!event_neighbourhoods_ok) { /* never an event short of its neighbourhoods */
        outcome_fail(o, CDM_ERR_INTERNAL, "out of memory");
        goto out;
    }
    size_t i;
    const json_t *n;
    json_array_foreach(old_neighbourhoods, i, n) {
        bool kept = false;
        for (size_t j = 0; j < neighbourhoods.n && !kept; j++)
            kept = strcmp(neighbourhoods.ids[j], json_string_value(n)) == 0;
        if (!kept && !principal_may(call->who, json_string_value(n))) {
            outcome_fail_at(o, CDM_ERR_VALIDATION, "/neighbourhoodIds",
                            "neighbourhood %s is served by this organisation and outside this key's: it cannot be removed with it",
                            json_string_value(n));
            goto out;
        }
    }
    if (!record_body_digest_hex(body, digest) || !org_fields_of(body, &f)) {
        outcome_fail(o, CDM_ERR_INTERNAL, "out of memory");
        goto out;
    }
    if (!record_tx_begin(db, o))
        goto out;
    char status_from[16];
    if (!organisation_lock(db, id, if_match, status_from, sizeof status_from, o))
        goto out;
    struct provenance p = provenance_of(call);
    const char *params[ORG_REPLACE_NPARAMS] = {
        [ORG_REPLACE_P_ID] = id, ORG_FIELDS(ORG_REPLACE, f), [ORG_REPLACE_P_AGENCY] = p.agency_id,
        [ORG_REPLACE_P_KEY] = p.key_id, [ORG_REPLACE_P_EVALUATOR] = p.evaluator};
    r = DB_RUN(db, ORG_REPLACE, params);
    if (!db_ok(r) || PQntuples(r) != 1) {
        outcome_db_fail(o, db, r, "storing the organisation");
        goto out;
    }
    version = atol(PQgetvalue(r, 0, ORG_REPLACE_VERSION));
    PQclear(r);
    r = org_neighbourhoods_set(db, id, &neighbourhoods);
    bool contact_changed = false;
    if (!org_rest_store(db, r, id, body, &contact_changed, o))
        goto out;
    if (strcmp(status_from, f.status) != 0) {
        PQclear(r);
        /* No id and no date: a new update dated today (Q_UPDATE_INSERT). */
        const char *uparams[UPDATE_INSERT_NPARAMS] = {
            [UPDATE_INSERT_P_ORGANISATION] = id,
            [UPDATE_INSERT_P_KIND] = "status_change",
            [UPDATE_INSERT_P_STATUS_FROM] = status_from,
            [UPDATE_INSERT_P_STATUS_TO] = f.status,
            [UPDATE_INSERT_P_DIGEST] = digest,
            [UPDATE_INSERT_P_AGENCY] = p.agency_id,
            [UPDATE_INSERT_P_KEY] = p.key_id,
            [UPDATE_INSERT_P_EVALUATOR] = p.evaluator};
        r = DB_RUN(db, UPDATE_INSERT, uparams);
        if (!db_ok(r) || PQntuples(r) != 1) {
            outcome_db_fail(o, db, r, "recording the status change");
            goto out;
        }
        if (!record_event_add(db, call, "created", ENTITY_ORGANISATION_UPDATE,
                              PQgetvalue(r, 0, UPDATE_INSERT_ID), 1, event_neighbourhoods)) {
            outcome_db_fail(o, db, NULL, "storing the update's event");
            goto out;
        }
    }
    if (!record_event_add(db, call, "updated", ENTITY_ORGANISATION, id, version,
                          event_neighbourhoods)) {
        outcome_db_fail(o, db, NULL, "storing the organisation's event");
        goto out;
    }
    if (record_tx_commit(db, o))
        organisation_read(db, call, id, o);
out:
    PQclear(r);
    record_tx_end(db);
    json_decref(old_neighbourhoods);
    json_decref(event_neighbourhoods);
    org_fields_free(&f);
    return o->status;
}

/* A read that showed an organisation's designated contact (personal data)
 * leaves an audit row; without the row the read fails, so none goes
 * unrecorded. */
static bool contact_read_recorded(PGconn *db, const struct route_call *call, const json_t *org,
                                  struct outcome *o)
{
    if (!json_object_get(org, "contact") ||
        audit_append(db, call, "contact.read", "organisation",
                     json_string_value(json_object_get(org, "id")), NULL))
        return true;
    outcome_db_fail(o, db, NULL, "recording the read of a contact");
    return false;
}

static enum cdm_status org_get(PGconn *db, const struct route_call *call, struct outcome *o)
{
    if (organisation_read(db, call, call->id, o) == CDM_OK)
        contact_read_recorded(db, call, o->body, o);
    return o->status;
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
    const char *status, *kind, *theme;
    const char *neighbourhood = u_map_get(call->req->map_url, "neighbourhood");
    char neighbourhood_id[UUID_STR_LEN];
    struct cmty_page page;
    PGresult *r = NULL;
    if (!org_filter(call, "status", "organisation.json#/properties/status", &status, o) ||
        !org_filter(call, "kind", "organisation.json#/properties/kind", &kind, o) ||
        !org_filter(call, "theme", "common.json#/$defs/theme", &theme, o))
        return o->status;
    if (neighbourhood && *neighbourhood) {
        if (!uuid_is_valid(neighbourhood))
            return outcome_fail_at(o, CDM_ERR_VALIDATION, "/neighbourhood",
                                   "neighbourhood must be a neighbourhood's id");
        uuid_normalise(neighbourhood, neighbourhood_id);
    }
    if (cmty_page_params(call, LIST_DEFAULT_LIMIT, LIST_MAX_LIMIT, &page, o) != CDM_OK)
        return o->status;
    const char *params[ORG_LIST_NPARAMS] = {
        [ORG_LIST_P_CALLER_NEIGHBOURHOODS] = principal_neighbourhoods_param(call->who),
        [ORG_LIST_P_NEIGHBOURHOOD] = neighbourhood && *neighbourhood ? neighbourhood_id : NULL,
        [ORG_LIST_P_STATUS] = status,
        [ORG_LIST_P_KIND] = kind,
        [ORG_LIST_P_THEME] = theme,
        [ORG_LIST_P_AFTER_NAME] = page.after_value,
        [ORG_LIST_P_AFTER_ID] = page.after_id,
        [ORG_LIST_P_LIMIT] = page.limit_s};
    r = DB_RUN(db, ORG_LIST, params);
    if (!db_ok(r)) {
        outcome_db_fail(o, db, r, "listing organisations");
        goto out;
    }
    bool contacts = may_see_contacts(call->who), recorded = true;
    json_t *items = json_array();
    for (int i = 0; items && recorded && i < PQntuples(r) && i < page.limit; i++) {
        json_t *org = organisation_present(PQgetvalue(r, i, ORG_LIST_BODY),
                                           PQgetisnull(r, i, ORG_LIST_CONTACT)
                                               ? NULL
                                               : PQgetvalue(r, i, ORG_LIST_CONTACT),
                                           contacts);
        recorded = !org || contact_read_recorded(db, call, org, o);
        json_array_append_new(items, org);
    }
    if (recorded)
        record_page_keyed(r, page.limit, ORG_LIST_SORT_KEY, items, o);
    else
        json_decref(items);
out:
    PQclear(r);
    json_decref(page.after);
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
    json_t *neighbourhoods = NULL, *after = NULL;
    PGresult *r = NULL;
    long limit;
    char after_s[24], limit_s[24];
    if (organisation_neighbourhoods(db, call, call->id, NULL, &neighbourhoods, o,
                                    "no such organisation") != CDM_OK ||
        record_page_params(call, o, LIST_DEFAULT_LIMIT, LIST_MAX_LIMIT, &limit, &after) != CDM_OK)
        goto out;
    if (after && (json_array_size(after) != 1 || !json_is_integer(json_array_get(after, 0)))) {
        outcome_fail_at(o, CDM_ERR_VALIDATION, "/cursor", "cursor is not one this API gave out");
        goto out;
    }
    snprintf(after_s, sizeof after_s, "%lld", (long long)json_integer_value(json_array_get(after, 0)));
    snprintf(limit_s, sizeof limit_s, "%ld", limit + 1);
    const char *params[ORG_HISTORY_NPARAMS] = {
        [ORG_HISTORY_P_ID] = call->id,
        [ORG_HISTORY_P_AFTER_VERSION] = after ? after_s : NULL,
        [ORG_HISTORY_P_LIMIT] = limit_s};
    r = DB_RUN(db, ORG_HISTORY, params);
    if (!db_ok(r))
        outcome_db_fail(o, db, r, "reading the organisation's history");
    else
        record_page_at(r, limit, ORG_HISTORY_BODY, history_key, o);
out:
    PQclear(r);
    json_decref(neighbourhoods);
    json_decref(after);
    return o->status;
}

const struct route organisation_routes[] = {
    {.method = "POST", .path = "/v1/organisations", .logic = org_create,
     .schema = "organisation-create.json", .scope = SCOPE_REGISTRY},
    {.method = "GET", .path = "/v1/organisations", .logic = org_list, .scope = SCOPE_READ},
    {.method = "GET", .path = "/v1/organisations/:id", .logic = org_get,
     .not_found = "no such organisation", .scope = SCOPE_READ},
    {.method = "PUT", .path = "/v1/organisations/:id", .logic = org_replace,
     .schema = "organisation-update.json", .not_found = "no such organisation",
     .scope = SCOPE_REGISTRY},
    {.method = "GET", .path = "/v1/organisations/:id/history", .logic = org_history,
     .not_found = "no such organisation", .scope = SCOPE_READ},
    {.method = NULL},
};
