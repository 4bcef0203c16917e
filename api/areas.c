/* areas.c — areas (wards, LSOAs) and their dated populations, one at a time or from CSV */
#include "csv_read.h"
#include "geography.h"
#include "log.h"
#include "queries.h"
#include "records.h"
#include "text.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define AREA_LIST_DEFAULT 100
#define AREA_LIST_MAX 1000
#define AREA_SCHEMA "area-create.json" /* one area's body, whether posted or a CSV line */
#define IMPORT_MAX_ERRORS 1000 /* errors listed in one 422; the rest are counted */
/* A whole country's LSOAs and wards (England: about 34,000 and 7,000) fit in one file. */
#define IMPORT_MAX_LINES 100000
/* Bytes in one CSV field: a name or source of 200 characters takes at most 800. */
#define IMPORT_MAX_FIELD 1024

/* ------------------------------------------------------------ shared helpers */

/* True if s is a GSS code: a nation letter and eight digits (the path's
 * :code; bodies are checked by their schema). */
static bool gss_code_valid(const char *s)
{
    if (!s || strlen(s) != 9 || !strchr("EWSN", s[0]))
        return false;
    for (int i = 1; i < 9; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    return true;
}

/* ------------------------------------------------------------ one area */

/* One area as a client gives it (strings borrowed; ward_code and source may
 * be NULL). The population is text, already checked by the schema. */
struct area_input {
    const char *code, *kind, *name, *ward_code, *population, *valid_from, *source;
};

enum area_result {
    AREA_CREATED,
    AREA_POPULATION_ADDED,
    AREA_UNCHANGED,
    AREA_NO_WARD,          /* ward_code names no ward */
    AREA_DIFFERS,          /* the code exists with another kind, name or ward */
    AREA_NEW_POPULATION,   /* exists; this would add an estimate, which the caller forbade */
    AREA_POPULATION_DIFFERS, /* another figure is stored for that date */
    AREA_DB_ERROR,
};

/* The neighbourhoods an area counts in, as a new JSON array (empty on error). */
static json_t *area_neighbourhoods(PGconn *db, const char *area_id)
{
    const char *p[GEO_AREA_NEIGHBOURHOODS_NPARAMS] = {
        [GEO_AREA_NEIGHBOURHOODS_P_AREA_ID] = area_id};
    PGresult *r = DB_RUN(db, GEO_AREA_NEIGHBOURHOODS, p);
    json_t *ids = db_ok(r) && PQntuples(r) == 1
                      ? json_loads(PQgetvalue(r, 0, GEO_AREA_NEIGHBOURHOODS_NEIGHBOURHOOD_IDS), 0,
                                   NULL)
                      : NULL;
    PQclear(r);
    return ids ? ids : json_array();
}

/* Stores an estimate of area_id's population, supplied by pv, inside the
 * caller's transaction: a row (its VERSION) when it is new, none when that
 * date has one. Caller owns the result: PQclear(). */
static PGresult *population_insert(PGconn *db, const char *area_id, const char *population,
                                   const char *valid_from, const char *source,
                                   const struct provenance *pv)
{
    const char *p[GEO_POPULATION_INSERT_NPARAMS] = {
        [GEO_POPULATION_INSERT_P_AREA_ID] = area_id,
        [GEO_POPULATION_INSERT_P_VALID_FROM] = valid_from,
        [GEO_POPULATION_INSERT_P_POPULATION] = population,
        [GEO_POPULATION_INSERT_P_SOURCE] = source,
        [GEO_POPULATION_INSERT_P_AGENCY] = pv->agency_id,
        [GEO_POPULATION_INSERT_P_KEY] = pv->key_id,
        [GEO_POPULATION_INSERT_P_EVALUATOR] = pv->evaluator,
    };
    return DB_RUN(db, GEO_POPULATION_INSERT, p);
}

/* The area's record.<change> event at version, routed to the neighbourhoods
 * it counts in, inside the caller's transaction. False (503 in o) when it
 * could not be stored. */
static bool area_event(PGconn *db, const struct route_call *call, const char *change,
                       const char *area_id, long version, struct outcome *o)
{
    json_t *ids = area_neighbourhoods(db, area_id);
    bool ok = record_event_add(db, call, change, ENTITY_AREA, area_id, version, ids);
    json_decref(ids);
    if (!ok)
        outcome_fail(o, CDM_ERR_UNAVAILABLE, "the event could not be stored; retry later");
    return ok;
}

/* Adds an estimate to area_id inside the caller's transaction, with its
 * record.updated event. AREA_POPULATION_ADDED, AREA_UNCHANGED (the same
 * figure for that date is there), AREA_POPULATION_DIFFERS or AREA_DB_ERROR. */
static enum area_result population_add(PGconn *db, const struct route_call *call,
                                       const char *area_id, const char *population,
                                       const char *valid_from, const char *source,
                                       struct outcome *o)
{
    struct provenance pv = provenance_of(call);
    const char *lock[GEO_AREA_LOCK_NPARAMS] = {[GEO_AREA_LOCK_P_AREA_ID] = area_id};
    PGresult *r = DB_RUN(db, GEO_AREA_LOCK, lock);
    enum area_result res = AREA_DB_ERROR;
    if (!db_ok(r)) {
        outcome_db_fail(o, db, r, "locking the area");
        goto out;
    }
    PQclear(r);
    r = population_insert(db, area_id, population, valid_from, source, &pv);
    if (!db_ok(r)) {
        outcome_db_fail(o, db, r, "storing the population");
        goto out;
    }
    if (PQntuples(r) == 1) {
        long version = strtol(PQgetvalue(r, 0, GEO_POPULATION_INSERT_VERSION), NULL, 10);
        if (area_event(db, call, "updated", area_id, version, o))
            res = AREA_POPULATION_ADDED;
        goto out;
    }
    PQclear(r);
    const char *at[GEO_POPULATION_AT_NPARAMS] = {[GEO_POPULATION_AT_P_AREA_ID] = area_id,
                                                [GEO_POPULATION_AT_P_VALID_FROM] = valid_from};
    r = DB_RUN(db, GEO_POPULATION_AT, at);
    if (!db_ok(r) || PQntuples(r) != 1) {
        outcome_db_fail(o, db, r, "reading the population");
        goto out;
    }
    res = strcmp(PQgetvalue(r, 0, GEO_POPULATION_AT_POPULATION), population) == 0
              ? AREA_UNCHANGED
              : AREA_POPULATION_DIFFERS;
out:
    PQclear(r);
    return res;
}

/* Creates an area with its first estimate, or finds it there unchanged,
 * inside the caller's transaction. An existing area with the same kind, name
 * and ward takes a new estimate only if may_add_population. On AREA_DIFFERS
 * *field names the first field that differs (CSV column name). */
static enum area_result area_apply(PGconn *db, const struct route_call *call,
                                   const struct area_input *in, bool may_add_population,
                                   const char **field, struct outcome *o)
{
    struct provenance pv = provenance_of(call);
    char ward_id[UUID_STR_LEN] = "", area_id[UUID_STR_LEN] = "";
    enum area_result res = AREA_DB_ERROR;
    PGresult *r = NULL;
    bool has_ward = in->ward_code && *in->ward_code;
    if (has_ward) {
        const char *wp[GEO_WARD_ID_NPARAMS] = {[GEO_WARD_ID_P_CODE] = in->ward_code};
        r = DB_RUN(db, GEO_WARD_ID, wp);
        if (!db_ok(r)) {
            outcome_db_fail(o, db, r, "finding the ward");
            goto out;
        }
        if (PQntuples(r) == 0) {
            res = AREA_NO_WARD;
            goto out;
        }
        snprintf(ward_id, sizeof ward_id, "%s", PQgetvalue(r, 0, GEO_WARD_ID_ID));
        PQclear(r);
    }
    const char *ip[GEO_AREA_INSERT_NPARAMS] = {
        [GEO_AREA_INSERT_P_CODE] = in->code,
        [GEO_AREA_INSERT_P_KIND] = in->kind,
        [GEO_AREA_INSERT_P_NAME] = in->name,
        [GEO_AREA_INSERT_P_WARD_ID] = has_ward ? ward_id : NULL,
        [GEO_AREA_INSERT_P_AGENCY] = pv.agency_id,
        [GEO_AREA_INSERT_P_KEY] = pv.key_id,
        [GEO_AREA_INSERT_P_EVALUATOR] = pv.evaluator,
    };
    r = DB_RUN(db, GEO_AREA_INSERT, ip);
    if (!db_ok(r)) {
        outcome_db_fail(o, db, r, "storing the area");
        goto out;
    }
    if (PQntuples(r) == 1) { /* new: its first estimate, one record.created */
        snprintf(area_id, sizeof area_id, "%s", PQgetvalue(r, 0, GEO_AREA_INSERT_ID));
        PQclear(r);
        r = population_insert(db, area_id, in->population, in->valid_from, in->source, &pv);
        if (!db_ok(r)) {
            outcome_db_fail(o, db, r, "storing the population");
            goto out;
        }
        if (area_event(db, call, "created", area_id, 1, o))
            res = AREA_CREATED;
        goto out;
    }
    PQclear(r);
    const char *ep[GEO_AREA_EXISTING_NPARAMS] = {[GEO_AREA_EXISTING_P_CODE] = in->code};
    r = DB_RUN(db, GEO_AREA_EXISTING, ep);
    if (!db_ok(r) || PQntuples(r) != 1) {
        outcome_db_fail(o, db, r, "reading the area");
        goto out;
    }
    snprintf(area_id, sizeof area_id, "%s", PQgetvalue(r, 0, GEO_AREA_EXISTING_ID));
    res = AREA_DIFFERS;
    if (strcmp(PQgetvalue(r, 0, GEO_AREA_EXISTING_KIND), in->kind) != 0)
        *field = "kind";
    else if (strcmp(PQgetvalue(r, 0, GEO_AREA_EXISTING_NAME), in->name) != 0)
        *field = "name";
    else if (strcmp(PQgetvalue(r, 0, GEO_AREA_EXISTING_WARD_CODE),
                    has_ward ? in->ward_code : "") != 0)
        *field = "ward_code";
    else
        res = AREA_UNCHANGED;
    if (res != AREA_UNCHANGED)
        goto out;
    PQclear(r);
    r = NULL;
    if (!may_add_population) {
        const char *at[GEO_POPULATION_AT_NPARAMS] = {
            [GEO_POPULATION_AT_P_AREA_ID] = area_id,
            [GEO_POPULATION_AT_P_VALID_FROM] = in->valid_from,
        };
        r = DB_RUN(db, GEO_POPULATION_AT, at);
        if (!db_ok(r)) {
            outcome_db_fail(o, db, r, "reading the population");
            res = AREA_DB_ERROR;
        } else if (PQntuples(r) == 0) {
            res = AREA_NEW_POPULATION;
        } else if (strcmp(PQgetvalue(r, 0, GEO_POPULATION_AT_POPULATION), in->population) != 0) {
            res = AREA_POPULATION_DIFFERS;
        }
        goto out;
    }
    res = population_add(db, call, area_id, in->population, in->valid_from, in->source, o);
out:
    PQclear(r);
    return res;
}

/* Reads one area as of date on into o (with its population history). */
static enum cdm_status area_read_as_of(PGconn *db, const char *code, const char *on,
                                       struct outcome *o)
{
    const char *p[GEO_AREA_GET_NPARAMS] = {[GEO_AREA_GET_P_CODE] = code,
                                           [GEO_AREA_GET_P_ON_DATE] = on};
    return DB_ONE_JSON(db, GEO_AREA_GET, p, o, "reading the area",
                       "no such area");
}


/* POST /v1/areas: the same area again is a replay (200), another area under
 * the same code is 409. */
static enum cdm_status area_create(PGconn *db, const struct route_call *call, struct outcome *o)
{
    const json_t *body = call->body;
    if (geo_locality_key_or_fail(call, o, "change areas") != CDM_OK)
        return o->status;
    char population[24], today[11];
    snprintf(population, sizeof population, "%lld",
             (long long)json_integer_value(json_object_get(body, "population")));
    struct area_input in = {
        .code = json_string_value(json_object_get(body, "code")),
        .kind = json_string_value(json_object_get(body, "kind")),
        .name = json_string_value(json_object_get(body, "name")),
        .ward_code = json_string_value(json_object_get(body, "wardCode")),
        .population = population,
        .valid_from = json_string_value(json_object_get(body, "validFrom")),
        .source = json_string_value(json_object_get(body, "source")),
    };
    const char *field = NULL;
    if (!record_tx_begin(db, o))
        return o->status;
    enum area_result res = area_apply(db, call, &in, false, &field, o);
    switch (res) {
    case AREA_CREATED:
        if (!record_tx_commit(db, o))
            goto out;
        break;
    case AREA_UNCHANGED:
        break;
    case AREA_NO_WARD:
        outcome_fail_at(o, CDM_ERR_VALIDATION, "/wardCode", "no ward with code %s", in.ward_code);
        goto out;
    case AREA_DIFFERS:
        outcome_fail_at(o, CDM_ERR_CONFLICT,
                        strcmp(field, "ward_code") == 0 ? "/wardCode" : strcmp(field, "kind") == 0 ? "/kind" : "/name",
                        "area %s exists with another %s", in.code, field);
        goto out;
    case AREA_NEW_POPULATION:
        outcome_fail_at(o, CDM_ERR_CONFLICT, "/validFrom",
                        "area %s exists; add estimates at /v1/areas/%s/populations", in.code, in.code);
        goto out;
    case AREA_POPULATION_DIFFERS:
        outcome_fail_at(o, CDM_ERR_CONFLICT, "/population",
                        "area %s exists with another population for %s", in.code, in.valid_from);
        goto out;
    default:
        goto out;
    }
    record_tx_end(db); /* a replay changed nothing */
    pdate_format(pdate_today(), today);
    if (area_read_as_of(db, in.code, today, o) == CDM_OK) {
        o->status = res == AREA_CREATED ? CDM_CREATED : CDM_REPLAYED;
        snprintf(o->location, sizeof o->location, "/v1/areas/%s", in.code);
    }
out:
    record_tx_end(db);
    return o->status;
}

/* POST /v1/areas/{code}/populations: a new estimate from its date on; the
 * same figure for the same date again is a replay, another figure is 409. */
static enum cdm_status population_create(PGconn *db, const struct route_call *call,
                                         struct outcome *o)
{
    const json_t *body = call->body;
    const char *code = call->id;
    if (geo_locality_key_or_fail(call, o, "change areas") != CDM_OK)
        return o->status;
    char population[24], area_id[UUID_STR_LEN], today[11];
    snprintf(population, sizeof population, "%lld",
             (long long)json_integer_value(json_object_get(body, "population")));
    const char *valid_from = json_string_value(json_object_get(body, "validFrom"));
    const char *ep[GEO_AREA_EXISTING_NPARAMS] = {[GEO_AREA_EXISTING_P_CODE] = code};
    if (!record_tx_begin(db, o))
        return o->status;
    PGresult *r = DB_RUN(db, GEO_AREA_EXISTING, ep);
    if (!db_ok(r)) {
        outcome_db_fail(o, db, r, "reading the area");
        goto out;
    }
    if (PQntuples(r) == 0) {
        outcome_fail(o, CDM_ERR_NOT_FOUND, "no such area");
        goto out;
    }
    snprintf(area_id, sizeof area_id, "%s", PQgetvalue(r, 0, GEO_AREA_EXISTING_ID));
    enum area_result res = population_add(db, call, area_id, population, valid_from,
                                          json_string_value(json_object_get(body, "source")), o);
    if (res == AREA_POPULATION_DIFFERS) {
        outcome_fail_at(o, CDM_ERR_CONFLICT, "/population",
                        "another population is stored for %s from %s", code, valid_from);
        goto out;
    }
    if (res == AREA_DB_ERROR || (res == AREA_POPULATION_ADDED && !record_tx_commit(db, o)))
        goto out;
    record_tx_end(db);
    pdate_format(pdate_today(), today);
    if (area_read_as_of(db, code, today, o) == CDM_OK) {
        o->status = res == AREA_POPULATION_ADDED ? CDM_CREATED : CDM_REPLAYED;
        snprintf(o->location, sizeof o->location, "/v1/areas/%s", code);
    }
out:
    PQclear(r);
    record_tx_end(db);
    return o->status;
}

/* GET /v1/areas/{code}?on= */
static enum cdm_status area_get(PGconn *db, const struct route_call *call, struct outcome *o)
{
    char on[11];
    struct pdate d;
    if (geo_on_date(call, o, on, &d) != CDM_OK)
        return o->status;
    return area_read_as_of(db, call->id, on, o);
}

static json_t *area_sort_key(const json_t *item)
{
    return json_pack("[O]", json_object_get(item, "code"));
}

/* GET /v1/areas?kind=&ward=&on=&limit=&cursor= — by code. Areas are the
 * locality's reference geography: every read key sees them all. */
static enum cdm_status area_list(PGconn *db, const struct route_call *call, struct outcome *o)
{
    long limit;
    json_t *after = NULL;
    char on[11], limit_s[24];
    struct pdate d;
    if (geo_on_date(call, o, on, &d) != CDM_OK ||
        record_page_params(call, o, AREA_LIST_DEFAULT, AREA_LIST_MAX, &limit, &after) != CDM_OK)
        return o->status;
    const char *kind = u_map_get(call->req->map_url, "kind");
    const char *ward = u_map_get(call->req->map_url, "ward");
    if (kind && strcmp(kind, "ward") != 0 && strcmp(kind, "lsoa") != 0) {
        json_decref(after);
        return outcome_fail_at(o, CDM_ERR_VALIDATION, "/kind", "kind is ward or lsoa");
    }
    const char *after_code = after ? json_string_value(json_array_get(after, 0)) : NULL;
    if (after && !after_code) {
        json_decref(after);
        return outcome_fail_at(o, CDM_ERR_VALIDATION, "/cursor", "cursor is not one this API gave out");
    }
    snprintf(limit_s, sizeof limit_s, "%ld", limit + 1);
    const char *p[GEO_AREA_LIST_NPARAMS] = {
        [GEO_AREA_LIST_P_KIND] = kind,
        [GEO_AREA_LIST_P_WARD_CODE] = ward && *ward ? ward : NULL,
        [GEO_AREA_LIST_P_AFTER_CODE] = after_code,
        [GEO_AREA_LIST_P_LIMIT] = limit_s,
        [GEO_AREA_LIST_P_ON_DATE] = on,
    };
    PGresult *r = DB_RUN(db, GEO_AREA_LIST, p);
    if (db_ok(r))
        record_page_at(r, limit, GEO_AREA_LIST_BODY, area_sort_key, o);
    else
        outcome_db_fail(o, db, r, "listing areas");
    PQclear(r);
    json_decref(after);
    return o->status;
}

/* ------------------------------------------------------------ CSV import */

/* The CSV's columns in the header's order, and the property of the
 * single-area body (AREA_SCHEMA) each one fills. */
enum import_column {
    IMPORT_CODE,
    IMPORT_KIND,
    IMPORT_NAME,
    IMPORT_WARD_CODE,
    IMPORT_POPULATION,
    IMPORT_VALID_FROM,
    IMPORT_SOURCE, /* optional: the header says whether the file has it */
    IMPORT_NCOLUMNS
};
static const struct {
    const char *column, *property;
} IMPORT_COLUMNS[IMPORT_NCOLUMNS] = {
    [IMPORT_CODE] = {"code", "code"},
    [IMPORT_KIND] = {"kind", "kind"},
    [IMPORT_NAME] = {"name", "name"},
    [IMPORT_WARD_CODE] = {"ward_code", "wardCode"},
    [IMPORT_POPULATION] = {"population", "population"},
    [IMPORT_VALID_FROM] = {"valid_from", "validFrom"},
    [IMPORT_SOURCE] = {"source", "source"},
};

/* A line with the header's number of fields, kept for the duplicate check
 * and the database pass: its fields (IMPORT_NCOLUMNS strings, one after the
 * other, source "" when the file has none) start at `at` in the import's
 * text store. Offsets, not pointers: the store moves as it grows. */
struct import_row {
    size_t line; /* where it starts in the file, 1-based; the header is line 1 */
    size_t at;
};

/* What an import read: the rows, their fields, and the errors found so far
 * ({pointer: /lines/<n>[/<column>], detail}). */
struct import {
    struct import_row *rows;
    size_t nrows, cap;
    struct textbuf store;
    json_t *errors;
    bool with_source;
};

/* Adds {pointer: /lines/<line>[/<column>], detail} to errors, whatever their number. */
static void import_error_always(json_t *errors, size_t line, const char *column,
                                const char *detail)
{
    char pointer[64];
    if (column)
        snprintf(pointer, sizeof pointer, "/lines/%zu/%s", line, column);
    else
        snprintf(pointer, sizeof pointer, "/lines/%zu", line);
    json_array_append_new(errors, json_pack("{s:s, s:s}", "pointer", pointer, "detail", detail));
}

/* The same, up to IMPORT_MAX_ERRORS. */
static void import_error(json_t *errors, size_t line, const char *column, const char *detail)
{
    if (json_array_size(errors) < IMPORT_MAX_ERRORS)
        import_error_always(errors, line, column, detail);
}

/* The fields of row (IMPORT_NCOLUMNS pointers into the store, valid until it
 * changes). */
static void import_fields(const struct import *im, const struct import_row *row,
                          const char *f[IMPORT_NCOLUMNS])
{
    const char *s = im->store.s + row->at;
    for (int c = 0; c < IMPORT_NCOLUMNS; c++, s += strlen(s) + 1)
        f[c] = s;
}

/* A JSON integer when s is written as one (-?(0|[1-9][0-9]*), at most 18
 * digits), else the string itself: a population of "lots" or "007" is then
 * refused by the schema's type, as in a posted body. New reference. */
static json_t *integer_or_string(const char *s)
{
    const char *d = s + (*s == '-');
    size_t n = strspn(d, "0123456789");
    if (n == 0 || n > 18 || d[n] || (d[0] == '0' && n > 1))
        return json_string(s);
    return json_integer((json_int_t)strtoll(s, NULL, 10));
}

/* The body the single-area endpoint would take for this line: an empty
 * ward_code or source is absent, every other field present as written (the
 * population as an integer when it is one). New reference, NULL when out of
 * memory. */
static json_t *import_body(const char *const f[IMPORT_NCOLUMNS])
{
    json_t *body = json_object();
    for (int c = 0; body && c < IMPORT_NCOLUMNS; c++) {
        bool optional = c == IMPORT_WARD_CODE || c == IMPORT_SOURCE;
        if (optional && !*f[c])
            continue;
        json_t *v = c == IMPORT_POPULATION ? integer_or_string(f[c]) : json_string(f[c]);
        if (!v || json_object_set_new(body, IMPORT_COLUMNS[c].property, v) != 0) {
            json_decref(body);
            body = NULL;
        }
    }
    return body;
}

/* Checks one line's body against AREA_SCHEMA, as a posted area is checked;
 * each error points at the line and the column of the offending property.
 * False (o failed) when the schema could not be applied. */
static bool import_check_row(const struct api_ctx *ctx, const char *const f[IMPORT_NCOLUMNS],
                             size_t line, json_t *errors, struct outcome *o)
{
    json_t *body = import_body(f), *found = json_array();
    int rc = body && found ? js_validate(ctx->schemas, AREA_SCHEMA, body, found, IMPORT_NCOLUMNS)
                           : -2;
    if (rc < 0) {
        if (rc == -1)
            log_error("schema missing",
                      json_pack("{s:s, s:O}", "schema", AREA_SCHEMA, "errors", found));
        outcome_fail(o, CDM_ERR_INTERNAL, rc == -1 ? "the area schema could not be applied"
                                                   : "out of memory");
    }
    for (size_t i = 0; rc == 1 && i < json_array_size(found); i++) {
        const json_t *e = json_array_get(found, i);
        const char *pointer = json_string_value(json_object_get(e, "pointer"));
        const char *column = NULL; /* a property's error names its column; any other, the line */
        for (int c = 0; !column && pointer && *pointer == '/' && c < IMPORT_NCOLUMNS; c++)
            if (strcmp(pointer + 1, IMPORT_COLUMNS[c].property) == 0)
                column = IMPORT_COLUMNS[c].column;
        import_error(errors, line, column, json_string_value(json_object_get(e, "detail")));
    }
    json_decref(found);
    json_decref(body);
    return rc >= 0;
}

/* Keeps a line with the right number of fields for the database pass
 * (whatever the schema said of it, so later lines are still compared with
 * it). False when out of memory. */
static bool import_keep(struct import *im, size_t line, const char *const f[IMPORT_NCOLUMNS])
{
    if (im->nrows == im->cap) {
        size_t cap = im->cap ? im->cap * 2 : 64;
        struct import_row *grown = realloc(im->rows, cap * sizeof *grown);
        if (!grown)
            return false;
        im->rows = grown;
        im->cap = cap;
    }
    im->rows[im->nrows++] = (struct import_row){line, im->store.len};
    for (int c = 0; c < IMPORT_NCOLUMNS; c++)
        textbuf_put(&im->store, f[c], strlen(f[c]) + 1);
    return !im->store.failed;
}

/* The header: the columns in order, with or without source. Sets with_source;
 * false if it is neither. */
static bool import_header(const struct csv_record *rec, bool *with_source)
{
    if (rec->nfields != IMPORT_NCOLUMNS && rec->nfields != IMPORT_NCOLUMNS - 1)
        return false;
    for (size_t c = 0; c < rec->nfields; c++)
        if (strcmp(rec->field[c], IMPORT_COLUMNS[c].column) != 0)
            return false;
    *with_source = rec->nfields == IMPORT_NCOLUMNS;
    return true;
}

/* Reads the whole file into im: the header, then each line, checked on its
 * own (its CSV, its number of fields, its body against the schema); errors go
 * to im->errors. False (o failed) when memory ran out or the schema could not
 * be applied: the rows are then not the whole file. */
static bool import_read(const struct api_ctx *ctx, const char *text, size_t len, struct import *im,
                        struct outcome *o)
{
    const struct csv_limits limits = {IMPORT_MAX_LINES + 1, IMPORT_NCOLUMNS, IMPORT_MAX_FIELD};
    struct csv_reader reader;
    csv_reader_init(&reader, text, len, limits);
    struct csv_record rec;
    bool header = true, ok = true;
    for (;;) {
        enum csv_result res = csv_next(&reader, &rec);
        if (res == CSV_END)
            break;
        if (res == CSV_NO_MEMORY) {
            ok = false;
            outcome_fail(o, CDM_ERR_INTERNAL, "out of memory");
            break;
        }
        if (res == CSV_TOO_MANY_RECORDS) {
            char detail[96];
            snprintf(detail, sizeof detail, "a file holds at most %d lines; import it in parts",
                     IMPORT_MAX_LINES);
            import_error_always(im->errors, rec.line, NULL, detail); /* however many came before */
            break;
        }
        if (header) { /* the first record, whatever the lines before it held */
            header = false;
            if (res != CSV_RECORD || !import_header(&rec, &im->with_source))
                import_error(im->errors, 1, NULL,
                             "the header must be code,kind,name,ward_code,population,valid_from[,source]");
            continue;
        }
        size_t want = im->with_source ? IMPORT_NCOLUMNS : IMPORT_NCOLUMNS - 1;
        if (res == CSV_TOO_MANY_FIELDS || (res == CSV_RECORD && rec.nfields != want)) {
            char detail[96];
            snprintf(detail, sizeof detail, "expected %zu fields", want);
            import_error(im->errors, rec.line, NULL, detail);
            continue;
        }
        if (res == CSV_FIELD_TOO_LONG) {
            char detail[96];
            snprintf(detail, sizeof detail, "a field is longer than %d bytes", IMPORT_MAX_FIELD);
            import_error(im->errors, rec.line, NULL, detail);
            continue;
        }
        if (res != CSV_RECORD) {
            import_error(im->errors, rec.line, NULL, csv_result_text(res));
            continue;
        }
        const char *f[IMPORT_NCOLUMNS];
        for (int c = 0; c < IMPORT_NCOLUMNS; c++)
            f[c] = (size_t)c < rec.nfields ? rec.field[c] : "";
        if (!import_check_row(ctx, f, rec.line, im->errors, o)) {
            ok = false;
            break;
        }
        if (!import_keep(im, rec.line, f)) {
            ok = false;
            outcome_fail(o, CDM_ERR_INTERNAL, "out of memory");
            break;
        }
    }
    if (ok && header)
        import_error(im->errors, 1, NULL, "the file is empty; it needs the header line");
    csv_reader_free(&reader);
    return ok;
}

/* A row's code, to find the codes listed twice. */
struct import_code {
    const char *code;
    size_t row;
};

static int import_code_cmp(const void *a, const void *b)
{
    const struct import_code *x = a, *y = b;
    int c = strcmp(x->code, y->code);
    return c ? c : (x->row > y->row) - (x->row < y->row);
}

/* Codes listed twice in the file are an error at each later line, naming the
 * first. Sorted, not compared pairwise: a file of many lines stays cheap.
 * False when out of memory. */
static bool import_check_duplicates(const struct import *im)
{
    if (im->nrows == 0)
        return true;
    struct import_code *codes = malloc(im->nrows * sizeof *codes);
    size_t *first = malloc(im->nrows * sizeof *first); /* per row: the row it repeats, or itself */
    if (!codes || !first) {
        free(codes);
        free(first);
        return false;
    }
    for (size_t i = 0; i < im->nrows; i++) {
        codes[i] = (struct import_code){im->store.s + im->rows[i].at, i};
        first[i] = i;
    }
    qsort(codes, im->nrows, sizeof *codes, import_code_cmp);
    for (size_t i = 1, head = 0; i < im->nrows; i++) {
        if (strcmp(codes[i].code, codes[head].code) != 0)
            head = i;
        else
            first[codes[i].row] = codes[head].row;
    }
    for (size_t i = 0; i < im->nrows; i++)
        if (first[i] != i) {
            char detail[80];
            snprintf(detail, sizeof detail, "code listed already on line %zu",
                     im->rows[first[i]].line);
            import_error(im->errors, im->rows[i].line, IMPORT_COLUMNS[IMPORT_CODE].column, detail);
        }
    free(codes);
    free(first);
    return true;
}

/* POST /v1/areas/import (text/csv): every line or none, in one transaction. */
static enum cdm_status area_import(PGconn *db, const struct route_call *call, struct outcome *o)
{
    if (geo_locality_key_or_fail(call, o, "change areas") != CDM_OK)
        return o->status;
    const struct _u_request *req = call->req;
    struct import im = {.errors = json_array()};
    long created = 0, added = 0, unchanged = 0;
    /* Every line or none: a file read only in part is not imported. */
    if (!im.errors) {
        outcome_fail(o, CDM_ERR_INTERNAL, "out of memory");
        goto out;
    }
    if (!import_read(call->ctx, req->binary_body ? req->binary_body : "", req->binary_body_length,
                     &im, o))
        goto out;
    if (!import_check_duplicates(&im)) {
        outcome_fail(o, CDM_ERR_INTERNAL, "out of memory");
        goto out;
    }
    if (json_array_size(im.errors) > 0)
        goto invalid;
    if (!record_tx_begin(db, o))
        goto out;
    /* Wards first, so an LSOA finds a ward listed further down the file. */
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < im.nrows; i++) {
            const char *f[IMPORT_NCOLUMNS];
            import_fields(&im, &im.rows[i], f);
            if ((strcmp(f[IMPORT_KIND], "ward") == 0) != (pass == 0))
                continue;
            struct area_input in = {
                .code = f[IMPORT_CODE],
                .kind = f[IMPORT_KIND],
                .name = f[IMPORT_NAME],
                .ward_code = *f[IMPORT_WARD_CODE] ? f[IMPORT_WARD_CODE] : NULL,
                .population = f[IMPORT_POPULATION],
                .valid_from = f[IMPORT_VALID_FROM],
                .source = *f[IMPORT_SOURCE] ? f[IMPORT_SOURCE] : NULL,
            };
            size_t line = im.rows[i].line;
            const char *field = NULL;
            char detail[160];
            switch (area_apply(db, call, &in, true, &field, o)) {
            case AREA_CREATED: created++; break;
            case AREA_POPULATION_ADDED: added++; break;
            case AREA_UNCHANGED: unchanged++; break;
            case AREA_NO_WARD:
                import_error(im.errors, line, IMPORT_COLUMNS[IMPORT_WARD_CODE].column,
                             "no ward with this code");
                break;
            case AREA_DIFFERS:
                snprintf(detail, sizeof detail, "area %s exists with another %s", in.code, field);
                import_error(im.errors, line, field, detail);
                break;
            case AREA_POPULATION_DIFFERS:
                import_error(im.errors, line, IMPORT_COLUMNS[IMPORT_POPULATION].column,
                             "another population is stored for this area from this date");
                break;
            default:
                goto out; /* o says what failed */
            }
        }
    if (json_array_size(im.errors) > 0)
        goto invalid;
    if (!record_tx_commit(db, o))
        goto out;
    o->body = json_pack("{s:I, s:I, s:I, s:I}", "lines", (json_int_t)im.nrows, "created",
                        (json_int_t)created, "populationsAdded", (json_int_t)added, "unchanged",
                        (json_int_t)unchanged);
    o->status = o->body ? CDM_OK : CDM_ERR_INTERNAL;
    goto out;
invalid:
    outcome_clear(o);
    outcome_fail(o, CDM_ERR_VALIDATION, "%zu line(s) of the file are not valid; nothing was stored",
                 json_array_size(im.errors));
    o->errors = json_incref(im.errors);
out:
    record_tx_end(db);
    json_decref(im.errors);
    free(im.rows);
    free(textbuf_take(&im.store));
    return o->status;
}

/* ------------------------------------------------------------ handlers */

/* The :code path parameter when it is a GSS code; else answers 404. */
static bool path_code(const struct _u_request *req, struct _u_response *res, char code[10])
{
    const char *c = u_map_get(req->map_url, "code");
    if (!gss_code_valid(c)) {
        http_problem(req, res, CDM_ERR_NOT_FOUND, "no such area");
        return false;
    }
    memcpy(code, c, 10);
    return true;
}

static int get_area(const struct _u_request *req, struct _u_response *res, void *user)
{
    char code[10];
    if (!path_code(req, res, code))
        return U_CALLBACK_CONTINUE;
    return http_run(user, req, res, area_get, code);
}

static int post_population(const struct _u_request *req, struct _u_response *res, void *user)
{
    char code[10];
    if (!path_code(req, res, code))
        return U_CALLBACK_CONTINUE;
    return http_run_body(user, req, res, "population-create.json", population_create, code);
}

static int post_import(const struct _u_request *req, struct _u_response *res, void *user)
{
    const char *ct = u_map_get_case(req->map_header, "Content-Type");
    size_t n = strlen("text/csv");
    if (!ct || strncasecmp(ct, "text/csv", n) != 0 || (ct[n] && ct[n] != ';' && ct[n] != ' '))
        return http_problem(req, res, CDM_ERR_MEDIA_TYPE, "send the file as text/csv");
    return http_run(user, req, res, area_import, NULL);
}

const struct route area_routes[] = {
    {.method = "POST", .path = "/v1/areas", .logic = area_create, .schema = AREA_SCHEMA,
     .scope = SCOPE_ADMIN},
    {.method = "GET", .path = "/v1/areas", .logic = area_list, .scope = SCOPE_READ},
    {.method = "POST", .path = "/v1/areas/import", .handler = post_import, .scope = SCOPE_ADMIN},
    {.method = "GET", .path = "/v1/areas/:code", .handler = get_area, .scope = SCOPE_READ},
    {.method = "POST", .path = "/v1/areas/:code/populations", .handler = post_population,
     .scope = SCOPE_ADMIN},
    {.method = NULL},
};
