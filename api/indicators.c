/* indicators.c — reading indicator figures and the catalogue */
#include "http.h"
#include "neighbourhood_figures.h"
#include "cells.h"
#include "ids.h"
#include "csv.h"
#include "dated_read.h"
#include "programme.h"
#include "figures.h"
#include "geography.h"
#include "catalogue.h"
#include "queries.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Months in a dated series at most: a five-year programme has 60. */
#define DATED_SERIES_MAX 120

/* Renders the rows [from, to) of one round (neighbourhood_figures_read's columns)
 * with their statistics into items. False when out of memory. */
static bool render_round(const PGresult *r, int from, int to, json_t *items)
{
    struct neighbourhood_round nr;
    bool ok = neighbourhood_round_compute(r, from, to, &nr);
    for (int i = 0; ok && i < nr.n; i++) {
        int row = from + i;
        const struct indicator_def *def = nr.in[i].def;
        if (!def) /* retired from the catalogue: nothing published */
            continue;
        /* Which release this is (the figure as it was released then, never a
         * live sum) and when it was made; null when there is none yet. Both
         * go into the item, which owns them from json_pack on. */
        json_t *release = nr.in[i].released
                              ? json_pack("{s:i, s:s}", "number",
                                          atoi(PQgetvalue(r, row, NBH_FIGURES_RELEASE_NO)), "kind",
                                          PQgetvalue(r, row, NBH_FIGURES_RELEASE_KIND))
                              : json_null();
        json_t *at = PQgetisnull(r, row, NBH_FIGURES_COMPUTED_AT)
                         ? json_null()
                         : json_string(PQgetvalue(r, row, NBH_FIGURES_COMPUTED_AT));
        json_t *item = json_pack(
            "{s:s, s:s, s:i, s:s, s:s, s:s, s:b, s:o, s:i, s:b, s:o, s:o}", "source", def->source,
            "indicator", def->id,
            "factor", def->factor, "direction",
            def->direction == HIGHER_IS_BETTER ? "higher_is_better" : "lower_is_better",
            "roundId", PQgetvalue(r, row, NBH_FIGURES_ROUND_ID), "roundName",
            PQgetvalue(r, row, NBH_FIGURES_ROUND_NAME), "baseline", nr.in[i].is_baseline_round,
            "baselineRoundId",
            PQgetisnull(r, row, NBH_FIGURES_BASELINE_ROUND_ID)
                ? json_null()
                : json_string(PQgetvalue(r, row, NBH_FIGURES_BASELINE_ROUND_ID)),
            "definitionVersion", def->version,
            "provisional", !nr.closed, "release", release, "computedAt", at);
        ok = item && figure_to_json(&nr.out[i], item);
        if (ok)
            ok = json_array_append_new(items, item) == 0;
        else
            json_decref(item);
    }
    neighbourhood_round_free(&nr);
    return ok;
}

/* A neighbourhood's figures per indicator and round, each against the
 * neighbourhood's baseline, computed from their latest releases (never the
 * live sums): a withheld figure is withheld with everything derived from it,
 * and says why. */
static enum cdm_status neighbourhood_figures(PGconn *db, const struct route_call *call,
                                             json_t **out, struct outcome *o)
{
    if (!principal_may(call->who, call->id)) /* outside the key's neighbourhoods: as if absent */
        return outcome_fail(o, CDM_ERR_NOT_FOUND, "no such neighbourhood");
    PGresult *r = neighbourhood_figures_read(db, call->id, NULL);
    if (!db_ok(r)) {
        outcome_db_fail(o, db, r, "reading the indicators");
        PQclear(r);
        return o->status;
    }
    int rows = PQntuples(r);
    if (rows == 0) {
        PQclear(r);
        return outcome_fail(o, CDM_ERR_NOT_FOUND, "no such neighbourhood");
    }
    json_t *items = json_array();
    bool ok = items != NULL;
    for (int from = 0; ok && from < rows && !PQgetisnull(r, from, NBH_FIGURES_INDICATOR);) {
        int to = neighbourhood_figures_round_end(r, from);
        ok = render_round(r, from, to, items);
        from = to;
    }
    PQclear(r);
    if (!ok) {
        json_decref(items);
        return outcome_fail(o, CDM_ERR_INTERNAL, "out of memory");
    }
    *out = items;
    o->status = CDM_OK;
    return o->status;
}

/* The CSV columns of a figure: every field of indicator-list.json's items. */
static const char *const FIGURE_COLUMNS[] = {
    "neighbourhoodId", "source", "indicator", "factor", "direction", "roundId", "roundName",
    "baseline", "baselineRoundId", "definitionVersion", "provisional", "releaseNumber",
    "releaseKind", "n", "suppressed", "withheldReason", "value", "nEff", "ciLow", "ciHigh",
    "baselineValue", "change", "pValue", "mdc", "changeWithheldReason", "significant",
    "adverse", "computedAt",
    /* dated items (registry, assets, agency); empty on survey items */
    "unit", "on", "baselineOn", "periodStart", "numerator", "denominator",
    "medianDaysToFirstResponse", "note", NULL,
};

/* The figures as JSON ({neighbourhoodId, key: items}) or, on Accept: text/csv,
 * as CSV with the neighbourhood on every line. Takes items. */
static enum cdm_status answer_figures(const struct route_call *call, const char *key,
                                      const char *indicator, json_t *items, struct outcome *o)
{
    if (http_wants_csv(call->req)) {
        size_t i;
        json_t *item;
        json_array_foreach(items, i, item) {
            json_object_set_new(item, "neighbourhoodId", json_string(call->id));
            json_t *release = json_object_get(item, "release");
            if (json_is_object(release)) {
                json_object_set(item, "releaseNumber", json_object_get(release, "number"));
                json_object_set(item, "releaseKind", json_object_get(release, "kind"));
            }
        }
        o->text = csv_from_items(items, FIGURE_COLUMNS);
        o->text_type = "text/csv; charset=utf-8";
        json_decref(items);
        o->status = o->text ? CDM_OK : CDM_ERR_INTERNAL;
        return o->status;
    }
    o->body = indicator ? json_pack("{s:s, s:s, s:o}", "neighbourhoodId", call->id, "indicator",
                                    indicator, key, items)
                        : json_pack("{s:s, s:o}", "neighbourhoodId", call->id, key, items);
    o->status = o->body ? CDM_OK : CDM_ERR_INTERNAL;
    return o->status;
}

/* Appends the dated items of the neighbourhood on `on` (indicator `only`, or
 * all with only = -1) to items. */
static enum cdm_status add_dated(PGconn *db, const struct route_call *call, const char *on,
                                 int only, json_t *items, struct outcome *o)
{
    struct dated_context ctx;
    if (!dated_context_read(db, call->id, &ctx))
        return outcome_db_fail(o, db, NULL, "reading the neighbourhood's dates");
    json_t *dated = ctx.exists ? dated_items(db, call->id, on, &ctx, only) : NULL;
    if (ctx.exists && !dated)
        return outcome_db_fail(o, db, NULL, "computing the dated indicators");
    json_array_extend(items, dated);
    json_decref(dated);
    o->status = CDM_OK;
    return o->status;
}

/* Survey items per round and dated items on ?on=, filtered by ?source=. */
static enum cdm_status neighbourhood_indicators(PGconn *db, const struct route_call *call,
                                                struct outcome *o)
{
    char on[11]; /* dated figures are taken on ?on=, else today */
    struct pdate d;
    if (geo_on_date(call, o, on, &d) != CDM_OK)
        return o->status;
    const char *source = u_map_get(call->req->map_url, "source");
    static const char *const SOURCES[] = {"resident", "sector", "registry", "assets", "agency"};
    bool known = source == NULL;
    for (size_t i = 0; !known && i < sizeof SOURCES / sizeof SOURCES[0]; i++)
        known = strcmp(source, SOURCES[i]) == 0;
    if (!known)
        return outcome_fail_at(o, CDM_ERR_VALIDATION, "/source",
                               "source must be resident, sector, registry, assets or agency");
    const char *by = NULL; /* ?breakdown=age_band|sex: the cells of that breakdown instead */
    if (!cells_breakdown_requested(call, &by, o))
        return o->status;
    if (by)
        return cells_breakdown(db, call, by, o);
    json_t *items = NULL;
    if (neighbourhood_figures(db, call, &items, o) != CDM_OK)
        return o->status;
    if (add_dated(db, call, on, -1, items, o) != CDM_OK) {
        json_decref(items);
        return o->status;
    }
    if (source) {
        json_t *kept = json_array();
        size_t i;
        json_t *item;
        json_array_foreach(items, i, item)
            if (kept && strcmp(json_string_value(json_object_get(item, "source")), source) == 0)
                json_array_append(kept, item);
        json_decref(items);
        if (!kept)
            return outcome_fail(o, CDM_ERR_INTERNAL, "out of memory");
        items = kept;
    }
    return answer_figures(call, "indicators", NULL, items, o);
}

/* A dated indicator's series: its value at the end of each month from the
 * programme's start to ?on= (the last point on that date). */
static enum cdm_status dated_indicator_series(PGconn *db, const struct route_call *call,
                                              int idx, struct outcome *o)
{
    char on[11];
    struct pdate d;
    if (geo_on_date(call, o, on, &d) != CDM_OK)
        return o->status;
    if (!principal_may(call->who, call->id))
        return outcome_fail(o, CDM_ERR_NOT_FOUND, "no such neighbourhood");
    struct dated_context ctx;
    if (!dated_context_read(db, call->id, &ctx))
        return outcome_db_fail(o, db, NULL, "reading the neighbourhood's dates");
    if (!ctx.exists)
        return outcome_fail(o, CDM_ERR_NOT_FOUND, "no such neighbourhood");
    json_t *series = dated_series(db, call->id, on, &ctx, idx, DATED_SERIES_MAX);
    if (!series)
        return outcome_db_fail(o, db, NULL, "computing the series");
    return answer_figures(call, "items", dated_indicator_ids[idx], series, o);
}

/* One indicator across the neighbourhood's rounds, in fieldwork order: its
 * time series. Each figure is computed with its round's other indicators
 * (Benjamini–Hochberg runs across them), then the others are left out. */
static enum cdm_status indicator_series(PGconn *db, const struct route_call *call,
                                        struct outcome *o)
{
    const char *indicator = u_map_get(call->req->map_url, "indicator");
    const struct indicator_def *def = indicator_find(indicator);
    if (!def)
        return outcome_fail(o, CDM_ERR_NOT_FOUND, "no such indicator in the catalogue");
    int dated = dated_index(def->id);
    if (dated >= 0)
        return dated_indicator_series(db, call, dated, o);
    json_t *items = NULL;
    if (neighbourhood_figures(db, call, &items, o) != CDM_OK)
        return o->status;
    json_t *series = json_array();
    size_t i;
    json_t *item;
    json_array_foreach(items, i, item)
        if (series && strcmp(json_string_value(json_object_get(item, "indicator")), def->id) == 0)
            json_array_append(series, item);
    json_decref(items);
    if (!series)
        return outcome_fail(o, CDM_ERR_INTERNAL, "out of memory");
    return answer_figures(call, "items", def->id, series, o);
}

static int get_catalogue(const struct _u_request *req, struct _u_response *res, void *user)
{
    (void)user;
    struct outcome o = OUTCOME_INIT;
    json_t *items = json_array();
    for (const struct indicator_def *d = indicator_catalogue; d->id; d++) {
        json_t *levels = json_array();
        if (d->levels & LEVEL_WARD)
            json_array_append_new(levels, json_string("ward"));
        if (d->levels & LEVEL_NEIGHBOURHOOD)
            json_array_append_new(levels, json_string("neighbourhood"));
        if (d->levels & LEVEL_LOCALITY)
            json_array_append_new(levels, json_string("locality"));
        json_array_append_new(
            items, json_pack("{s:s, s:i, s:s, s:s, s:s, s:i, s:s, s:o}", "id", d->id, "factor",
                             d->factor, "direction",
                             d->direction == HIGHER_IS_BETTER ? "higher_is_better"
                                                              : "lower_is_better",
                             "source", d->source, "unit", d->unit, "version", d->version,
                             "definition", d->definition, "levels", levels));
    }
    o.body = json_pack("{s:o}", "indicators", items);
    if (o.body)
        o.status = CDM_OK;
    http_reply(req, res, &o);
    outcome_clear(&o);
    return U_CALLBACK_CONTINUE;
}

const struct route indicator_routes[] = {
    {.method = "GET", .path = "/v1/neighbourhoods/:id/indicators",
     .logic = neighbourhood_indicators, .not_found = "no such neighbourhood", .scope = SCOPE_READ},
    {.method = "GET", .path = "/v1/neighbourhoods/:id/indicators/:indicator",
     .logic = indicator_series, .not_found = "no such neighbourhood", .scope = SCOPE_READ},
    {.method = "GET", .path = "/v1/indicators/catalogue", .handler = get_catalogue,
     .scope = SCOPE_READ},
    {.method = NULL},
};
