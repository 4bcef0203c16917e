/* cells.c — survey figures per ward, per age band and sex, and for the locality,
 * with complementary suppression across every view of a cell */
#include "cells.h"
#include "dated_read.h"
#include "geography.h"
#include "csv.h"
#include "envelope.h"
#include "figures.h"
#include "catalogue.h"
#include "queries.h"
#include "suppress.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum cell_view { VIEW_WARDS, VIEW_BREAKDOWN, VIEW_LOCALITY };

static bool is_true(const PGresult *r, int row, int col)
{
    return strcmp(PQgetvalue(r, row, col), "t") == 0;
}

static bool same(const PGresult *r, int a, int b, int col)
{
    return strcmp(PQgetvalue(r, a, col), PQgetvalue(r, b, col)) == 0;
}

/* Complementary suppression within each (round, indicator): every label in a
 * cell's parents array ({a,b}) is one parent whose children are the cells
 * naming it, and its raw base (parent_ns, same order) tells the unstated
 * residual its children leave. Parents are taken in the order they first appear (cells by
 * label, each cell's parents in order), so the outcome is deterministic. suppressed[] holds the primary suppressions on entry. False when
 * out of memory. */
static bool suppress_slice(const PGresult *r, int from, int to, const long long *n_raw,
                           bool *suppressed)
{
    json_t *parents = json_object(), *parent_n = json_object();
    bool ok = parents && parent_n;
    for (int i = from; ok && i < to; i++) {
        char *list = strdup(PQgetvalue(r, i, CELL_PARENTS)), *save = NULL;
        char *ns = strdup(PQgetvalue(r, i, CELL_PARENT_NS)), *nsave = NULL;
        ok = list && ns;
        char *n = ok ? strtok_r(ns, "{},", &nsave) : NULL;
        for (char *t = ok ? strtok_r(list, "{},\"", &save) : NULL; ok && t;
             t = strtok_r(NULL, "{},\"", &save), n = n ? strtok_r(NULL, "{},", &nsave) : NULL) {
            json_t *members = json_object_get(parents, t);
            if (!members && json_object_set_new(parents, t, members = json_array()) != 0)
                ok = false;
            ok = ok && members && json_array_append_new(members, json_integer(i - from)) == 0;
            if (ok && n && !json_object_get(parent_n, t))
                ok = json_object_set_new(parent_n, t, json_integer(atoll(n))) == 0;
        }
        free(list);
        free(ns);
    }
    size_t ngroups = json_object_size(parents), g = 0;
    struct suppress_group *groups = calloc(ngroups ? ngroups : 1, sizeof *groups);
    size_t *indexes = calloc((size_t)(to - from) * (ngroups ? ngroups : 1), sizeof *indexes);
    ok = ok && groups && indexes;
    const char *label;
    json_t *members;
    size_t used = 0;
    json_object_foreach(parents, label, members) {
        if (!ok)
            break;
        size_t k;
        json_t *m;
        json_t *pn = json_object_get(parent_n, label);
        groups[g] = (struct suppress_group){indexes + used, json_array_size(members), false,
                                            pn ? (long long)json_integer_value(pn) : -1};
        json_array_foreach(members, k, m)
            indexes[used++] = (size_t)json_integer_value(m);
        g++;
    }
    if (ok)
        suppress_complementary(n_raw + from, suppressed + from, groups, ngroups);
    free(groups);
    free(indexes);
    json_decref(parents);
    json_decref(parent_n);
    return ok;
}

/* Index of rows by (round, indicator, key), to find a cell's baseline cell. */
static void cell_id(const PGresult *r, int row, int round_col, char *out, size_t len)
{
    snprintf(out, len, "%s|%s|%s", PQgetvalue(r, row, round_col),
             PQgetvalue(r, row, CELL_INDICATOR), PQgetvalue(r, row, CELL_KEY));
}

/* Suppression of every row of a cell read (any Q_CELLS_*, columns CELL_*):
 * primary (a base under 10, or a reason from the read itself: a shared ward,
 * a locality its small neighbourhoods would show), the rows whose
 * (round, indicator, key) is in `forced` (may be NULL: what another view
 * withholds), then complementary within each parent. It runs on the bases of
 * the round's exact release (FINAL_N), so that a revision keeps its pattern.
 * Fills n_raw (those bases) and hidden; false when out of memory. */
static bool suppress_rows(const PGresult *r, const json_t *forced, long long *n_raw,
                          bool *hidden)
{
    int rows = PQntuples(r);
    bool ok = true;
    for (int i = 0; i < rows; i++) {
        n_raw[i] = atoll(PQgetvalue(r, i, CELL_FINAL_N));
        hidden[i] = n_raw[i] < DISCLOSURE_MIN_BASE ||
                    atoll(PQgetvalue(r, i, CELL_N_RAW)) < DISCLOSURE_MIN_BASE ||
                    !PQgetisnull(r, i, CELL_WITHHELD);
        if (forced && !hidden[i]) {
            char id[200];
            cell_id(r, i, CELL_ROUND_ID, id, sizeof id);
            hidden[i] = json_object_get(forced, id) != NULL;
        }
    }
    for (int from = 0; ok && from < rows;) {
        int to = from + 1;
        while (to < rows && same(r, from, to, CELL_ROUND_ID) &&
               same(r, from, to, CELL_INDICATOR))
            to++;
        ok = suppress_slice(r, from, to, n_raw, hidden);
        from = to;
    }
    return ok;
}

/* Renders the rows of a cell read (any Q_CELLS_*, columns CELL_*) into items:
 * suppression first (suppress_rows, then anything whose baseline cell was
 * withheld), then the figures of each (round, cell) with BH across its
 * indicators, then one item per shown cell. forced as for suppress_rows; by
 * names the breakdown (NULL for none); live_counts: the caller may see the
 * live count of responses per ward (what fieldwork needs to reach 300; submit
 * and admin keys only, null for others). False when out of memory. */
static bool render_cells(const PGresult *r, enum cell_view view, const char *by,
                         const json_t *forced, bool live_counts, json_t *items)
{
    int rows = PQntuples(r);
    size_t nrows = rows > 0 ? (size_t)rows : 1;
    long long *n_raw = calloc(nrows, sizeof *n_raw);
    bool *hidden = calloc(nrows, sizeof *hidden), *withheld = calloc(nrows, sizeof *withheld);
    struct figure_input *in = calloc(nrows, sizeof *in);
    struct figure *out = calloc(nrows, sizeof *out);
    json_t *index = json_object();
    bool ok = n_raw && hidden && withheld && in && out && index &&
              suppress_rows(r, forced, n_raw, hidden);
    for (int i = 0; ok && i < rows; i++) {
        char id[200];
        cell_id(r, i, CELL_ROUND_ID, id, sizeof id);
        ok = json_object_set_new(index, id, json_integer(i)) == 0;
    }
    /* Withheld: suppressed for a sibling's sake here, or at the baseline. */
    for (int i = 0; ok && i < rows; i++)
        withheld[i] = hidden[i] && n_raw[i] >= DISCLOSURE_MIN_BASE;
    for (int i = 0; ok && i < rows; i++) {
        char id[200];
        json_t *b = NULL;
        if (!PQgetisnull(r, i, CELL_BASELINE_ROUND_ID)) {
            cell_id(r, i, CELL_BASELINE_ROUND_ID, id, sizeof id);
            b = json_object_get(index, id);
        }
        int bi = b ? (int)json_integer_value(b) : -1;
        in[i] = (struct figure_input){
            .def = indicator_find(PQgetvalue(r, i, CELL_INDICATOR)),
            .n_raw = atoll(PQgetvalue(r, i, CELL_N_RAW)),
            .sum_w = strtod(PQgetvalue(r, i, CELL_SUM_W), NULL),
            .sum_w2 = strtod(PQgetvalue(r, i, CELL_SUM_W2), NULL),
            .sum_wy = strtod(PQgetvalue(r, i, CELL_SUM_WY), NULL),
            .has_baseline = is_true(r, i, CELL_HAS_BASELINE),
            .is_baseline_round = is_true(r, i, CELL_IS_BASELINE),
            .base_n_raw = atoll(PQgetvalue(r, i, CELL_BASE_N_RAW)),
            .base_sum_w = strtod(PQgetvalue(r, i, CELL_BASE_SUM_W), NULL),
            .base_sum_w2 = strtod(PQgetvalue(r, i, CELL_BASE_SUM_W2), NULL),
            .base_sum_wy = strtod(PQgetvalue(r, i, CELL_BASE_SUM_WY), NULL),
            /* A row without a release (a ward of a round not yet frozen)
             * carries only the live count. */
            .released = PQgetisnull(r, i, CELL_WITHHELD) ||
                        strcmp(PQgetvalue(r, i, CELL_WITHHELD), "not_released") != 0,
            .base_released = bi >= 0,
            .withheld = withheld[i],
            .base_withheld = bi >= 0 && withheld[bi],
        };
    }
    /* Figures per (round, cell): BH runs across the cell's indicators. */
    json_t *cells = json_object();
    ok = ok && cells;
    for (int i = 0; ok && i < rows; i++) {
        char id[120];
        snprintf(id, sizeof id, "%s|%s", PQgetvalue(r, i, CELL_ROUND_ID),
                 PQgetvalue(r, i, CELL_KEY));
        json_t *members = json_object_get(cells, id);
        if (!members && json_object_set_new(cells, id, members = json_array()) != 0)
            ok = false;
        ok = ok && members && json_array_append_new(members, json_integer(i)) == 0;
    }
    const char *cell_key;
    json_t *members;
    json_object_foreach(cells, cell_key, members) {
        size_t count = json_array_size(members), k;
        json_t *m;
        struct figure_input *gi = ok ? calloc(count, sizeof *gi) : NULL;
        struct figure *go = ok ? calloc(count, sizeof *go) : NULL;
        ok = ok && gi && go;
        json_array_foreach(members, k, m)
            if (ok)
                gi[k] = in[json_integer_value(m)];
        int first = (int)json_integer_value(json_array_get(members, 0));
        if (ok)
            figures_compute(gi, count, is_true(r, first, CELL_CLOSED), go);
        json_array_foreach(members, k, m)
            if (ok)
                out[json_integer_value(m)] = go[k];
        free(gi);
        free(go);
    }
    json_decref(cells);
    for (int i = 0; ok && i < rows; i++) {
        const struct indicator_def *def = in[i].def;
        if (!def || !is_true(r, i, CELL_SHOWN)) /* retired, or a sibling shown elsewhere */
            continue;
        bool closed = is_true(r, i, CELL_CLOSED);
        json_t *item = json_pack(
            "{s:s, s:i, s:s, s:s, s:s, s:s, s:b, s:o, s:i, s:b}", "indicator", def->id,
            "factor", def->factor, "direction",
            def->direction == HIGHER_IS_BETTER ? "higher_is_better" : "lower_is_better", "source",
            def->source, "roundId", PQgetvalue(r, i, CELL_ROUND_ID), "roundName",
            PQgetvalue(r, i, CELL_ROUND_NAME), "baseline", in[i].is_baseline_round,
            "baselineRoundId",
            PQgetisnull(r, i, CELL_BASELINE_ROUND_ID)
                ? json_null()
                : json_string(PQgetvalue(r, i, CELL_BASELINE_ROUND_ID)),
            "definitionVersion", def->version, "provisional", !closed);
        ok = item && figure_to_json(&out[i], item);
        if (ok && view == VIEW_WARDS) {
            long long responses = atoll(PQgetvalue(r, i, CELL_RESPONSES));
            const char *ward = PQgetvalue(r, i, CELL_KEY), *code = PQgetvalue(r, i, CELL_LABEL);
            ok = json_object_set_new(item, "areaId", json_string(ward)) == 0 &&
                 json_object_set_new(item, "areaCode", json_string(code)) == 0 &&
                 json_object_set_new(item, "responses",
                                     live_counts ? json_integer(responses) : json_null()) == 0 &&
                 json_object_set_new(item, "sampleAdequate",
                                     live_counts ? json_boolean(responses >= SAMPLE_ADEQUATE_MIN)
                                                 : json_null()) == 0;
        } else if (ok && by) {
            ok = json_object_set_new(item, "breakdown",
                                     json_pack("{s:s, s:s}", "by", by, "group",
                                               PQgetvalue(r, i, CELL_LABEL))) == 0;
        }
        if (ok && view == VIEW_BREAKDOWN) /* as the neighbourhood's own items: when released */
            ok = json_object_set_new(item, "computedAt",
                                     json_string(PQgetvalue(r, i, CELL_COMPUTED_AT))) == 0;
        if (!item)
            ok = false;
        else if (!ok)
            json_decref(item);
        else
            ok = json_array_append_new(items, item) == 0;
    }
    free(n_raw);
    free(hidden);
    free(withheld);
    free(in);
    free(out);
    json_decref(index);
    return ok;
}

/* The CSV columns of each view: every field of its items. */
static const char *const WARD_COLUMNS[] = {
    "neighbourhoodId", "areaId", "areaCode", "indicator", "factor", "direction", "source",
    "roundId", "roundName", "baseline", "baselineRoundId", "definitionVersion", "provisional",
    "responses", "sampleAdequate", "n", "suppressed", "withheldReason", "value", "nEff",
    "ciLow", "ciHigh", "baselineValue", "change", "pValue", "mdc", "changeWithheldReason",
    "significant", "adverse", NULL,
};
static const char *const BREAKDOWN_COLUMNS[] = {
    "neighbourhoodId", "breakdownBy", "breakdownGroup", "indicator", "factor", "direction",
    "roundId", "roundName", "baseline", "baselineRoundId", "definitionVersion", "provisional",
    "n", "suppressed", "withheldReason", "value", "nEff", "ciLow", "ciHigh", "baselineValue",
    "change", "pValue", "mdc", "changeWithheldReason", "significant", "adverse", "computedAt",
    NULL,
};
static const char *const LOCALITY_COLUMNS[] = {
    "breakdownBy", "breakdownGroup", "indicator", "factor", "direction", "source", "roundId",
    "roundName", "baseline", "baselineRoundId", "definitionVersion", "provisional", "n",
    "suppressed", "withheldReason", "value", "nEff", "ciLow", "ciHigh", "baselineValue",
    "change", "pValue", "mdc", "changeWithheldReason", "significant", "adverse",
    /* dated items (registry, assets, agency); empty on survey items */
    "unit", "on", "baselineOn", "periodStart", "numerator", "denominator",
    "medianDaysToFirstResponse", "note", NULL,
};

/* The items as JSON (envelope with "indicators": items) or, on Accept:
 * text/csv, as CSV with the neighbourhood (if any) and the breakdown on every
 * line. Takes envelope and items. */
static enum cdm_status answer(const struct route_call *call, json_t *envelope, json_t *items,
                              const char *const *columns, struct outcome *o)
{
    if (http_wants_csv(call->req)) {
        size_t i;
        json_t *item;
        json_array_foreach(items, i, item) {
            if (call->id)
                json_object_set_new(item, "neighbourhoodId", json_string(call->id));
            json_t *b = json_object_get(item, "breakdown");
            if (b) {
                json_object_set(item, "breakdownBy", json_object_get(b, "by"));
                json_object_set(item, "breakdownGroup", json_object_get(b, "group"));
            }
        }
        o->text = csv_from_items(items, columns);
        o->text_type = "text/csv; charset=utf-8";
        json_decref(items);
        json_decref(envelope);
        o->status = o->text ? CDM_OK : CDM_ERR_INTERNAL;
        return o->status;
    }
    if (!envelope || json_object_set_new(envelope, "indicators", items) != 0) {
        json_decref(envelope);
        return outcome_fail(o, CDM_ERR_INTERNAL, "out of memory");
    }
    o->body = envelope;
    o->status = CDM_OK;
    return o->status;
}

/* Renders the result r of a cell read (any Q_CELLS_*: they share CELL_COLUMNS)
 * and PQclear()s it; *items is the caller's on CDM_OK. */
static enum cdm_status read_cells(PGconn *db, PGresult *r, enum cell_view view, const char *by,
                                  const json_t *forced, bool live_counts, json_t **items,
                                  struct outcome *o)
{
    if (!db_ok(r)) {
        outcome_db_fail(o, db, r, "reading the figures");
        PQclear(r);
        return o->status;
    }
    *items = json_array();
    bool ok = *items && render_cells(r, view, by, forced, live_counts, *items);
    PQclear(r);
    if (!ok) {
        json_decref(*items);
        *items = NULL;
        return outcome_fail(o, CDM_ERR_INTERNAL, "out of memory");
    }
    o->status = CDM_OK;
    return o->status;
}

/* The ?breakdown= parameter: NULL when absent; false (422) when not one of ours. */
static bool breakdown_param(const struct route_call *call, const char **by, struct outcome *o)
{
    *by = u_map_get(call->req->map_url, "breakdown");
    if (!*by || strcmp(*by, "age_band") == 0 || strcmp(*by, "sex") == 0)
        return true;
    outcome_fail_at(o, CDM_ERR_VALIDATION, "/breakdown", "breakdown must be age_band or sex");
    return false;
}

/* Whether the neighbourhood exists and the caller may see it (404 if not). */
static bool neighbourhood_visible(PGconn *db, const struct route_call *call, struct outcome *o)
{
    if (!principal_may(call->who, call->id)) {
        outcome_fail(o, CDM_ERR_NOT_FOUND, "no such neighbourhood");
        return false;
    }
    const char *p[NEIGHBOURHOOD_FOUND_NPARAMS] = {[NEIGHBOURHOOD_FOUND_P_ID] = call->id};
    PGresult *r = DB_RUN(db, NEIGHBOURHOOD_FOUND, p);
    bool found = db_ok(r) && PQntuples(r) == 1;
    if (!db_ok(r))
        outcome_db_fail(o, db, r, "reading the neighbourhood");
    else if (!found)
        outcome_fail(o, CDM_ERR_NOT_FOUND, "no such neighbourhood");
    PQclear(r);
    return found;
}

enum cdm_status cells_breakdown(PGconn *db, const struct route_call *call, const char *by,
                                struct outcome *o)
{
    if (!neighbourhood_visible(db, call, o))
        return o->status;
    char min[16];
    snprintf(min, sizeof min, "%d", DISCLOSURE_MIN_BASE);
    const char *p[CELLS_BREAKDOWN_NPARAMS] = {[CELLS_BREAKDOWN_P_NEIGHBOURHOOD] = call->id,
                                              [CELLS_BREAKDOWN_P_BREAKDOWN] = by,
                                              [CELLS_BREAKDOWN_P_MIN_BASE] = min};
    json_t *items = NULL;
    if (read_cells(db, DB_RUN(db, CELLS_BREAKDOWN, p), VIEW_BREAKDOWN, by, NULL, false, &items, o) != CDM_OK)
        return o->status;
    return answer(call, json_pack("{s:s, s:s}", "neighbourhoodId", call->id, "breakdown", by),
                  items, BREAKDOWN_COLUMNS, o);
}

bool cells_breakdown_requested(const struct route_call *call, const char **by, struct outcome *o)
{
    return breakdown_param(call, by, o);
}

static enum cdm_status ward_indicators(PGconn *db, const struct route_call *call,
                                       struct outcome *o)
{
    if (!neighbourhood_visible(db, call, o))
        return o->status;
    char min[16], ids[4096];
    snprintf(min, sizeof min, "%d", DISCLOSURE_MIN_BASE);
    bool live = call->who && (call->who->scopes & (SCOPE_SUBMIT | SCOPE_ADMIN));
    const char *p[CELLS_WARDS_NPARAMS] = {[CELLS_WARDS_P_NEIGHBOURHOOD] = call->id,
                                          [CELLS_WARDS_P_MIN_BASE] = min};
    json_t *items = NULL;
    if (read_cells(db, DB_RUN(db, CELLS_WARDS, p), VIEW_WARDS, NULL, NULL, live, &items, o) !=
        CDM_OK)
        return o->status;
    /* Then the rounds not frozen yet: their wards, not released, with the live count. */
    const char *op[CELLS_WARDS_OPEN_NPARAMS] = {
        [CELLS_WARDS_OPEN_P_NEIGHBOURHOOD] = call->id,
        [CELLS_WARDS_OPEN_P_MIN_BASE] = min,
        [CELLS_WARDS_OPEN_P_INDICATORS] = catalogue_resident_ids(ids, sizeof ids) ? ids : NULL};
    PGresult *r = DB_RUN(db, CELLS_WARDS_OPEN, op);
    bool ok = db_ok(r) && render_cells(r, VIEW_WARDS, NULL, NULL, live, items);
    if (!db_ok(r))
        outcome_db_fail(o, db, r, "reading the wards");
    else if (!ok)
        outcome_fail(o, CDM_ERR_INTERNAL, "out of memory");
    PQclear(r);
    if (!ok) {
        json_decref(items);
        return o->status;
    }
    return answer(call, json_pack("{s:s}", "neighbourhoodId", call->id), items, WARD_COLUMNS, o);
}

/* The locality's age and sex figures are sums of the neighbourhoods' cells:
 * a locality cell is withheld (complementary) whenever any neighbourhood
 * withholds its part of it — for its small base or as a sibling's
 * complement — since the locality minus the shown parts would give it. Sets
 * *groups to the (round|indicator|group) keys to withhold, from every
 * neighbourhood's cells suppressed as its own view suppresses them. False
 * (with o filled) on failure. */
static bool neighbourhood_withheld_groups(PGconn *db, const char *by, const char *min,
                                          json_t **groups, struct outcome *o)
{
    const char *p[CELLS_BREAKDOWN_ALL_NPARAMS] = {[CELLS_BREAKDOWN_ALL_P_BREAKDOWN] = by,
                                                  [CELLS_BREAKDOWN_ALL_P_MIN_BASE] = min};
    PGresult *r = DB_RUN(db, CELLS_BREAKDOWN_ALL, p);
    if (!db_ok(r)) {
        outcome_db_fail(o, db, r, "reading the neighbourhoods' cells");
        PQclear(r);
        return false;
    }
    int rows = PQntuples(r);
    size_t nrows = rows > 0 ? (size_t)rows : 1;
    long long *n_raw = calloc(nrows, sizeof *n_raw);
    bool *hidden = calloc(nrows, sizeof *hidden);
    *groups = json_object();
    bool ok = n_raw && hidden && *groups && suppress_rows(r, NULL, n_raw, hidden);
    for (int i = 0; ok && i < rows; i++)
        if (hidden[i] && n_raw[i] > 0) {
            char id[200];
            snprintf(id, sizeof id, "%s|%s|%s", PQgetvalue(r, i, CELL_ROUND_ID),
                     PQgetvalue(r, i, CELL_INDICATOR), PQgetvalue(r, i, CELL_LABEL));
            ok = json_object_set_new(*groups, id, json_true()) == 0;
        }
    free(n_raw);
    free(hidden);
    PQclear(r);
    if (!ok) {
        json_decref(*groups);
        *groups = NULL;
        outcome_fail(o, CDM_ERR_INTERNAL, "out of memory");
    }
    return ok;
}

/* The locality's figures: survey figures per round and, for the locality as
 * a whole, the dated ones on ?on= (default today). Only a key of the whole
 * locality reads them; any other gets 404, as for an object outside its
 * neighbourhoods. */
static enum cdm_status locality_indicators(PGconn *db, const struct route_call *call,
                                           struct outcome *o)
{
    if (!call->who || !call->who->all_neighbourhoods)
        return outcome_fail(o, CDM_ERR_NOT_FOUND, "no locality figures for this key");
    const char *by = NULL;
    if (!breakdown_param(call, &by, o))
        return o->status;
    char min[16];
    snprintf(min, sizeof min, "%d", DISCLOSURE_MIN_BASE);
    char on[11];
    struct pdate d;
    if (geo_on_date(call, o, on, &d) != CDM_OK)
        return o->status;
    const char *p[CELLS_LOCALITY_NPARAMS] = {[CELLS_LOCALITY_P_BREAKDOWN] = by ? by : "all",
                                             [CELLS_LOCALITY_P_MIN_BASE] = min};
    json_t *forced = NULL;
    if (by && !neighbourhood_withheld_groups(db, by, min, &forced, o))
        return o->status;
    json_t *items = NULL;
    enum cdm_status st = read_cells(db, DB_RUN(db, CELLS_LOCALITY, p), VIEW_LOCALITY, by, forced,
                                    false, &items, o);
    json_decref(forced);
    if (st != CDM_OK)
        return o->status;
    if (!by) { /* the registry, asset and agency figures of the whole locality on `on` */
        struct dated_context ctx;
        json_t *dated = dated_context_read(db, NULL, &ctx) ? dated_items(db, NULL, on, &ctx, -1) : NULL;
        if (!dated) {
            json_decref(items);
            return outcome_db_fail(o, db, NULL, "computing the locality's dated indicators");
        }
        json_array_extend(items, dated);
        json_decref(dated);
    }
    return answer(call, json_pack("{s:o}", "breakdown", by ? json_string(by) : json_null()),
                  items, LOCALITY_COLUMNS, o);
}

const struct route cell_routes[] = {
    {.method = "GET", .path = "/v1/neighbourhoods/:id/wards/indicators", .logic = ward_indicators,
     .not_found = "no such neighbourhood", .scope = SCOPE_READ},
    {.method = "GET", .path = "/v1/locality/indicators", .logic = locality_indicators,
     .scope = SCOPE_READ},
    {.method = NULL},
};
