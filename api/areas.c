/* areas.c — areas (wards, LSOAs) and their dated populations, one at a time or from CSV */
#include "geography.h"
#include "log.h"
#include "outbox.h"
#include "queries.h"
#include "records.h"
#include <ctype.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define AREA_LIST_DEFAULT 100
#define AREA_LIST_MAX 1000
#define POPULATION_MAX 100000000L
#define NAME_MAX_CHARS 200
#define SOURCE_MAX_CHARS 200
#define IMPORT_MAX_ERRORS 1000 /* errors listed in one 422; the rest are counted */

/* ------------------------------------------------------------ shared helpers */

struct pdate geo_today(void)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    struct pdate d = {tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday};
    return d;
}

enum cdm_status geo_on_date(const struct route_call *call, struct outcome *o, char on[11],
                            struct pdate *d)
{
    const char *s = u_map_get(call->req->map_url, "on");
    if (s && *s) {
        if (!pdate_parse(s, d))
            return outcome_fail_at(o, CDM_ERR_VALIDATION, "/on", "on must be a date, YYYY-MM-DD");
    } else {
        *d = geo_today();
    }
    pdate_format(*d, on);
    return CDM_OK;
}

/* True if s is a GSS code: a nation letter and eight digits. */
static bool gss_code_valid(const char *s)
{
    if (!s || strlen(s) != 9 || !strchr("EWSN", s[0]))
        return false;
    for (int i = 1; i < 9; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    return true;
}

/* Characters (UTF-8 code points) of s. */
static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* ------------------------------------------------------------ one area */

/* One area as a client gives it (strings borrowed; ward_code and source may
 * be NULL). The population is text, already checked to be 1..POPULATION_MAX. */
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
    const char *params[] = {area_id};
    PGresult *r = db_run(db, Q_GEO_AREA_NEIGHBOURHOODS, 1, params);
    json_t *ids = db_ok(r) && PQntuples(r) == 1 ? json_loads(PQgetvalue(r, 0, 0), 0, NULL) : NULL;
    PQclear(r);
    return ids ? ids : json_array();
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
    const char *lock[] = {area_id};
    PGresult *r = db_run(db, Q_GEO_AREA_LOCK, 1, lock);
    enum area_result res = AREA_DB_ERROR;
    if (!db_ok(r)) {
        outcome_db_fail(o, db, r, "locking the area");
        goto out;
    }
    PQclear(r);
    const char *params[] = {area_id, valid_from, population, source, pv.agency_id, pv.key_id,
                            pv.evaluator};
    r = db_run(db, Q_GEO_POPULATION_INSERT, 7, params);
    if (!db_ok(r)) {
        outcome_db_fail(o, db, r, "storing the population");
        goto out;
    }
    if (PQntuples(r) == 1) {
        long version = strtol(PQgetvalue(r, 0, 0), NULL, 10);
        json_t *ids = area_neighbourhoods(db, area_id);
        bool ok = record_event_add(db, call, "updated", ENTITY_AREA, area_id, version, ids);
        json_decref(ids);
        if (!ok) {
            outcome_fail(o, CDM_ERR_UNAVAILABLE, "the event could not be stored; retry later");
            goto out;
        }
        res = AREA_POPULATION_ADDED;
        goto out;
    }
    PQclear(r);
    const char *at[] = {area_id, valid_from};
    r = db_run(db, Q_GEO_POPULATION_AT, 2, at);
    if (!db_ok(r) || PQntuples(r) != 1) {
        outcome_db_fail(o, db, r, "reading the population");
        goto out;
    }
    res = strcmp(PQgetvalue(r, 0, 0), population) == 0 ? AREA_UNCHANGED : AREA_POPULATION_DIFFERS;
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
        const char *wp[] = {in->ward_code};
        r = db_run(db, Q_GEO_WARD_ID, 1, wp);
        if (!db_ok(r)) {
            outcome_db_fail(o, db, r, "finding the ward");
            goto out;
        }
        if (PQntuples(r) == 0) {
            res = AREA_NO_WARD;
            goto out;
        }
        snprintf(ward_id, sizeof ward_id, "%s", PQgetvalue(r, 0, 0));
        PQclear(r);
    }
    const char *ip[] = {in->code, in->kind, in->name, has_ward ? ward_id : NULL,
                        pv.agency_id, pv.key_id, pv.evaluator};
    r = db_run(db, Q_GEO_AREA_INSERT, 7, ip);
    if (!db_ok(r)) {
        outcome_db_fail(o, db, r, "storing the area");
        goto out;
    }
    if (PQntuples(r) == 1) { /* new: its first estimate, one record.created */
        snprintf(area_id, sizeof area_id, "%s", PQgetvalue(r, 0, 0));
        PQclear(r);
        const char *pp[] = {area_id, in->valid_from, in->population, in->source,
                            pv.agency_id, pv.key_id, pv.evaluator};
        r = db_run(db, Q_GEO_POPULATION_INSERT, 7, pp);
        if (!db_ok(r)) {
            outcome_db_fail(o, db, r, "storing the population");
            goto out;
        }
        json_t *ids = area_neighbourhoods(db, area_id);
        bool ok = record_event_add(db, call, "created", ENTITY_AREA, area_id, 1, ids);
        json_decref(ids);
        if (!ok) {
            outcome_fail(o, CDM_ERR_UNAVAILABLE, "the event could not be stored; retry later");
            goto out;
        }
        res = AREA_CREATED;
        goto out;
    }
    PQclear(r);
    const char *ep[] = {in->code};
    r = db_run(db, Q_GEO_AREA_EXISTING, 1, ep);
    if (!db_ok(r) || PQntuples(r) != 1) {
        outcome_db_fail(o, db, r, "reading the area");
        goto out;
    }
    snprintf(area_id, sizeof area_id, "%s", PQgetvalue(r, 0, 0));
    res = AREA_DIFFERS;
    if (strcmp(PQgetvalue(r, 0, 1), in->kind) != 0)
        *field = "kind";
    else if (strcmp(PQgetvalue(r, 0, 2), in->name) != 0)
        *field = "name";
    else if (strcmp(PQgetvalue(r, 0, 3), has_ward ? in->ward_code : "") != 0)
        *field = "ward_code";
    else
        res = AREA_UNCHANGED;
    if (res != AREA_UNCHANGED)
        goto out;
    PQclear(r);
    r = NULL;
    if (!may_add_population) {
        const char *at[] = {area_id, in->valid_from};
        r = db_run(db, Q_GEO_POPULATION_AT, 2, at);
        if (!db_ok(r)) {
            outcome_db_fail(o, db, r, "reading the population");
            res = AREA_DB_ERROR;
        } else if (PQntuples(r) == 0) {
            res = AREA_NEW_POPULATION;
        } else if (strcmp(PQgetvalue(r, 0, 0), in->population) != 0) {
            res = AREA_POPULATION_DIFFERS;
        }
        goto out;
    }
    res = population_add(db, call, area_id, in->population, in->valid_from, in->source, o);
out:
    PQclear(r);
    return res;
}

/* Reads one area as of today into o (with its population history). */
static enum cdm_status area_read_as_of(PGconn *db, const char *code, const char *on,
                                       struct outcome *o)
{
    const char *params[] = {code, on};
    return db_one_json(db, Q_GEO_AREA_GET, 2, params, o, "reading the area", "no such area");
}

/* Only a key for the whole locality may change its geography. */
static enum cdm_status locality_key_or_fail(const struct route_call *call, struct outcome *o)
{
    if (principal_areas_param(call->who))
        return outcome_fail(o, CDM_ERR_FORBIDDEN,
                            "only a key for the whole locality can change areas");
    return CDM_OK;
}

/* POST /v1/areas: the same area again is a replay (200), another area under
 * the same code is 409. */
static enum cdm_status area_create(PGconn *db, const struct route_call *call, struct outcome *o)
{
    const json_t *body = call->body;
    if (locality_key_or_fail(call, o) != CDM_OK)
        return o->status;
    char population[24], today[11];
    snprintf(population, sizeof population, "%lld",
             (long long)json_integer_value(json_object_get(body, "population")));
    struct area_input in = {
        json_string_value(json_object_get(body, "code")),
        json_string_value(json_object_get(body, "kind")),
        json_string_value(json_object_get(body, "name")),
        json_string_value(json_object_get(body, "wardCode")),
        population,
        json_string_value(json_object_get(body, "validFrom")),
        json_string_value(json_object_get(body, "source")),
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
    pdate_format(geo_today(), today);
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
    if (locality_key_or_fail(call, o) != CDM_OK)
        return o->status;
    char population[24], area_id[UUID_STR_LEN], today[11];
    snprintf(population, sizeof population, "%lld",
             (long long)json_integer_value(json_object_get(body, "population")));
    const char *valid_from = json_string_value(json_object_get(body, "validFrom"));
    const char *ep[] = {code};
    if (!record_tx_begin(db, o))
        return o->status;
    PGresult *r = db_run(db, Q_GEO_AREA_EXISTING, 1, ep);
    if (!db_ok(r)) {
        outcome_db_fail(o, db, r, "reading the area");
        goto out;
    }
    if (PQntuples(r) == 0) {
        outcome_fail(o, CDM_ERR_NOT_FOUND, "no such area");
        goto out;
    }
    snprintf(area_id, sizeof area_id, "%s", PQgetvalue(r, 0, 0));
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
    pdate_format(geo_today(), today);
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
    const char *params[] = {kind, ward && *ward ? ward : NULL, after_code, limit_s, on};
    PGresult *r = db_run(db, Q_GEO_AREA_LIST, 5, params);
    if (db_ok(r))
        record_page(r, limit, area_sort_key, o);
    else
        outcome_db_fail(o, db, r, "listing areas");
    PQclear(r);
    json_decref(after);
    return o->status;
}

/* ------------------------------------------------------------ CSV import */

/* One parsed line of the CSV. Fields point into the line's own copy. */
struct csv_row {
    long line;          /* 1-based line number in the file (the header is line 1) */
    char *text;         /* owned copy the fields point into */
    char *field[7];
    int nfields;
};

/* Splits one CSV record (RFC 4180 quoting, no newlines inside quotes) in
 * place. Returns the number of fields, or -1 on a broken quote. */
static int csv_split(char *s, char *field[], int max)
{
    int n = 0;
    char *p = s;
    for (;;) {
        if (n == max)
            return max + 1; /* too many fields */
        char *out = p;
        field[n++] = out;
        if (*p == '"') {
            p++;
            for (;;) {
                if (*p == '\0')
                    return -1;
                if (*p == '"') {
                    if (p[1] == '"') {
                        *out++ = '"';
                        p += 2;
                        continue;
                    }
                    p++;
                    break;
                }
                *out++ = *p++;
            }
            if (*p != ',' && *p != '\0')
                return -1;
        } else {
            while (*p && *p != ',') {
                if (*p == '"')
                    return -1;
                *out++ = *p++;
            }
        }
        char sep = *p;
        *out = '\0';
        if (sep == '\0')
            return n;
        p++;
    }
}

/* Adds {pointer: /lines/<line>[/<column>], detail} to errors (up to the cap). */
static void import_error(json_t *errors, long line, const char *column, const char *detail)
{
    if (json_array_size(errors) >= IMPORT_MAX_ERRORS)
        return;
    char pointer[64];
    if (column)
        snprintf(pointer, sizeof pointer, "/lines/%ld/%s", line, column);
    else
        snprintf(pointer, sizeof pointer, "/lines/%ld", line);
    json_array_append_new(errors, json_pack("{s:s, s:s}", "pointer", pointer, "detail", detail));
}

/* Checks one row on its own; adds its errors. */
static void import_check_row(const struct csv_row *row, json_t *errors)
{
    char *const *f = row->field;
    long line = row->line;
    if (!gss_code_valid(f[0]))
        import_error(errors, line, "code", "not a GSS code (a letter E, W, S or N and eight digits)");
    bool ward = strcmp(f[1], "ward") == 0, lsoa = strcmp(f[1], "lsoa") == 0;
    if (!ward && !lsoa)
        import_error(errors, line, "kind", "kind is ward or lsoa");
    size_t name_chars = utf8_chars(f[2]);
    if (name_chars < 1 || name_chars > NAME_MAX_CHARS)
        import_error(errors, line, "name", "a name of 1 to 200 characters");
    if (*f[3] && (!gss_code_valid(f[3]) || ward))
        import_error(errors, line, "ward_code",
                     ward ? "a ward has no ward_code" : "not a GSS code");
    char *end;
    long pop = strtol(f[4], &end, 10);
    if (!*f[4] || *end || !isdigit((unsigned char)f[4][0]) || pop < 1 || pop > POPULATION_MAX ||
        (f[4][0] == '0'))
        import_error(errors, line, "population", "a whole number from 1 to 100000000");
    struct pdate d;
    if (!pdate_parse(f[5], &d))
        import_error(errors, line, "valid_from", "a date, YYYY-MM-DD");
    if (row->nfields == 7 && utf8_chars(f[6]) > SOURCE_MAX_CHARS)
        import_error(errors, line, "source", "at most 200 characters");
}

/* Parses the whole body into rows (a new array the caller frees with
 * import_rows_free), checking the header and each row; errors go to errors.
 * *oom is set when memory ran out: the rows are then not the whole file. */
static struct csv_row *import_parse(const char *body, size_t len, size_t *nrows, json_t *errors,
                                    bool *oom)
{
    *oom = false;
    struct csv_row *rows = NULL;
    size_t n = 0, cap = 0;
    bool with_source = false;
    long line = 0;
    size_t pos = 0;
    while (pos < len) {
        size_t eol = pos;
        while (eol < len && body[eol] != '\n')
            eol++;
        size_t l = eol - pos;
        if (l > 0 && body[pos + l - 1] == '\r')
            l--;
        line++;
        char *text = strndup(body + pos, l);
        pos = eol + 1;
        if (!text) {
            *oom = true;
            break;
        }
        if (strlen(text) != l) { /* strndup stopped at a NUL byte */
            import_error(errors, line, NULL, "the line holds a NUL byte");
            free(text);
            continue;
        }
        if (line == 1) { /* the header */
            const char *plain = "code,kind,name,ward_code,population,valid_from";
            if (strcmp(text, plain) == 0)
                with_source = false;
            else if (strcmp(text, "code,kind,name,ward_code,population,valid_from,source") == 0)
                with_source = true;
            else
                import_error(errors, 1, NULL,
                             "the header must be code,kind,name,ward_code,population,valid_from[,source]");
            free(text);
            continue;
        }
        if (l == 0) { /* blank lines (a trailing newline) carry nothing */
            free(text);
            continue;
        }
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            struct csv_row *grown = realloc(rows, ncap * sizeof *rows);
            if (!grown) {
                free(text);
                *oom = true;
                break;
            }
            rows = grown;
            cap = ncap;
        }
        struct csv_row *row = &rows[n];
        row->line = line;
        row->text = text;
        int want = with_source ? 7 : 6;
        row->nfields = csv_split(text, row->field, want);
        if (row->nfields != want) {
            char detail[96];
            snprintf(detail, sizeof detail, row->nfields < 0 ? "a quote is not closed or misplaced"
                                                             : "expected %d fields", want);
            import_error(errors, line, NULL, detail);
            free(text);
            continue;
        }
        if (!with_source)
            row->field[6] = NULL;
        import_check_row(row, errors);
        n++;
    }
    if (line == 0)
        import_error(errors, 1, NULL, "the file is empty; it needs the header line");
    *nrows = n;
    return rows;
}

static void import_rows_free(struct csv_row *rows, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(rows[i].text);
    free(rows);
}

/* Codes listed twice in the file are an error at the second line. */
static void import_check_duplicates(const struct csv_row *rows, size_t n, json_t *errors)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp(rows[i].field[0], rows[j].field[0]) == 0) {
                char detail[80];
                snprintf(detail, sizeof detail, "code listed already on line %ld", rows[j].line);
                import_error(errors, rows[i].line, "code", detail);
                break;
            }
}

/* POST /v1/areas/import (text/csv): every line or none, in one transaction. */
static enum cdm_status area_import(PGconn *db, const struct route_call *call, struct outcome *o)
{
    if (locality_key_or_fail(call, o) != CDM_OK)
        return o->status;
    const struct _u_request *req = call->req;
    json_t *errors = json_array();
    size_t n = 0;
    long created = 0, added = 0, unchanged = 0;
    bool oom = false;
    struct csv_row *rows = errors ? import_parse(req->binary_body ? req->binary_body : "",
                                                 req->binary_body_length, &n, errors, &oom)
                                  : NULL;
    /* Every line or none: a file read only in part is not imported. */
    if (!errors || oom) {
        outcome_fail(o, CDM_ERR_INTERNAL, "out of memory");
        goto out;
    }
    import_check_duplicates(rows, n, errors);
    if (json_array_size(errors) > 0)
        goto invalid;
    if (!record_tx_begin(db, o))
        goto out;
    /* Wards first, so an LSOA finds a ward listed further down the file. */
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < n; i++) {
            char **f = rows[i].field;
            if ((strcmp(f[1], "ward") == 0) != (pass == 0))
                continue;
            struct area_input in = {f[0], f[1], f[2], *f[3] ? f[3] : NULL, f[4], f[5],
                                    f[6] && *f[6] ? f[6] : NULL};
            const char *field = NULL;
            char detail[160];
            switch (area_apply(db, call, &in, true, &field, o)) {
            case AREA_CREATED: created++; break;
            case AREA_POPULATION_ADDED: added++; break;
            case AREA_UNCHANGED: unchanged++; break;
            case AREA_NO_WARD:
                import_error(errors, rows[i].line, "ward_code", "no ward with this code");
                break;
            case AREA_DIFFERS:
                snprintf(detail, sizeof detail, "area %s exists with another %s", f[0], field);
                import_error(errors, rows[i].line, field, detail);
                break;
            case AREA_POPULATION_DIFFERS:
                import_error(errors, rows[i].line, "population",
                             "another population is stored for this area from this date");
                break;
            default:
                goto out; /* o says what failed */
            }
        }
    if (json_array_size(errors) > 0)
        goto invalid;
    if (!record_tx_commit(db, o))
        goto out;
    o->body = json_pack("{s:I, s:I, s:I, s:I}", "lines", (json_int_t)n, "created",
                        (json_int_t)created, "populationsAdded", (json_int_t)added, "unchanged",
                        (json_int_t)unchanged);
    o->status = CDM_OK;
    goto out;
invalid:
    outcome_clear(o);
    outcome_fail(o, CDM_ERR_VALIDATION, "%zu line(s) of the file are not valid; nothing was stored",
                 json_array_size(errors));
    o->errors = json_incref(errors);
out:
    record_tx_end(db);
    json_decref(errors);
    import_rows_free(rows, n);
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

static int post_area(const struct _u_request *req, struct _u_response *res, void *user)
{
    return http_run_body(user, req, res, "area-create.json", area_create, NULL);
}

static int list_areas(const struct _u_request *req, struct _u_response *res, void *user)
{
    return http_run(user, req, res, area_list, NULL);
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
    {"POST", "/v1/areas", post_area, SCOPE_ADMIN},
    {"GET", "/v1/areas", list_areas, SCOPE_READ},
    {"POST", "/v1/areas/import", post_import, SCOPE_ADMIN},
    {"GET", "/v1/areas/:code", get_area, SCOPE_READ},
    {"POST", "/v1/areas/:code/populations", post_population, SCOPE_ADMIN},
    {NULL, NULL, NULL, 0},
};
