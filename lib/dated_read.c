/* dated_read.c — dated indicators of a neighbourhood or the locality, read from the database */
#include "dated_read.h"
#include "catalogue.h"
#include "figures.h"
#include "programme.h"
#include "queries.h"
#include "text.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool dated_context_read(PGconn *db, const char *neighbourhood, struct dated_context *ctx)
{
    *ctx = (struct dated_context){0};
    const char *p[DATED_CONTEXT_NPARAMS] = {[DATED_CONTEXT_P_NEIGHBOURHOOD] = neighbourhood};
    PGresult *r = DB_RUN(db, DATED_CONTEXT, p);
    bool ok = db_ok(r);
    if (ok && PQntuples(r) == 1) {
        ctx->exists = true;
        snprintf(ctx->programme_start, sizeof ctx->programme_start, "%s",
                 PQgetvalue(r, 0, DATED_CONTEXT_PROGRAMME_START));
        const char *base = PQgetisnull(r, 0, DATED_CONTEXT_BASELINE_ON)
                               ? ctx->programme_start
                               : PQgetvalue(r, 0, DATED_CONTEXT_BASELINE_ON);
        snprintf(ctx->baseline_on, sizeof ctx->baseline_on, "%s", base);
    }
    PQclear(r);
    return ok;
}

static double number_at(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? 0.0 : strtod(PQgetvalue(r, row, col), NULL);
}

bool dated_raw_read(PGconn *db, const char *neighbourhood, const char *const dates[], size_t n,
                    struct dated_raw out[])
{
    /* A date[] literal: the dates are checked YYYY-MM-DD, nothing to quote. */
    for (size_t i = 0; i < n; i++)
        if (strlen(dates[i]) != 10)
            return false;
    char *list = pg_array_literal_of(dates, n);
    if (!list)
        return false;
    const char *p[DATED_RAW_NPARAMS] = {[DATED_RAW_P_NEIGHBOURHOOD] = neighbourhood,
                                        [DATED_RAW_P_DATES] = list};
    const char *pm[DATED_RAW_MORE_NPARAMS] = {[DATED_RAW_MORE_P_NEIGHBOURHOOD] = neighbourhood,
                                              [DATED_RAW_MORE_P_DATES] = list};
    PGresult *r = DB_RUN(db, DATED_RAW, p);
    PGresult *m = db_ok(r) ? DB_RUN(db, DATED_RAW_MORE, pm) : NULL;
    free(list);
    bool ok = db_ok(r) && (size_t)PQntuples(r) == n && m && db_ok(m) && (size_t)PQntuples(m) == n;
    for (size_t i = 0; ok && i < n; i++) {
        int row = (int)i;
        struct dated_raw *x = &out[i];
        *x = (struct dated_raw){0};
        snprintf(x->on, sizeof x->on, "%s", PQgetvalue(r, row, DATED_RAW_ON_DATE));
        snprintf(x->period_start, sizeof x->period_start, "%s",
                 PQgetvalue(r, row, DATED_RAW_PERIOD_START));
        x->has_population = !PQgetisnull(r, row, DATED_RAW_POPULATION);
        x->population = number_at(r, row, DATED_RAW_POPULATION);
        x->volunteer_hours = number_at(r, row, DATED_RAW_VOLUNTEER_HOURS);
        x->volunteers = number_at(r, row, DATED_RAW_VOLUNTEERS);
        x->groups = number_at(r, row, DATED_RAW_GROUPS_FUNCTIONING);
        x->active = number_at(r, row, DATED_RAW_ACTIVE);
        x->income_known = number_at(r, row, DATED_RAW_INCOME_KNOWN);
        x->community_sector = number_at(r, row, DATED_RAW_COMMUNITY_SECTOR);
        x->themes = number_at(r, row, DATED_RAW_THEMES);
        x->links = number_at(r, row, DATED_RAW_LINKS);
        x->hubs = number_at(r, row, DATED_RAW_HUBS);
        x->new_groups = number_at(r, row, DATED_RAW_NEW_GROUPS);
        x->spaces = number_at(m, row, DATED_RAW_MORE_SPACES);
        x->grants = number_at(m, row, DATED_RAW_MORE_GRANTS);
        x->cd_hours = number_at(m, row, DATED_RAW_MORE_CD_HOURS);
        x->services = number_at(m, row, DATED_RAW_MORE_SERVICES);
        x->issues_due = number_at(m, row, DATED_RAW_MORE_ISSUES_DUE);
        x->in_time = number_at(m, row, DATED_RAW_MORE_IN_TIME);
        x->has_median = !PQgetisnull(m, row, DATED_RAW_MORE_MEDIAN_DAYS);
        x->median_days = number_at(m, row, DATED_RAW_MORE_MEDIAN_DAYS);
    }
    PQclear(r);
    PQclear(m);
    return ok;
}

bool dated_figures_on(PGconn *db, const char *neighbourhood, const char *on,
                      const struct dated_context *ctx, struct dated_figure now[DATED_COUNT],
                      struct dated_raw *raw_now, struct dated_figure base[DATED_COUNT],
                      bool *has_base)
{
    struct dated_raw raw[2];
    const char *dates[] = {on, ctx->baseline_on};
    *has_base = ctx->baseline_on[0] != '\0';
    if (!dated_raw_read(db, neighbourhood, dates, *has_base ? 2 : 1, raw))
        return false;
    dated_compute(&raw[0], now);
    if (*has_base)
        dated_compute(&raw[1], base);
    if (raw_now)
        *raw_now = raw[0];
    return true;
}

json_t *dated_item_json(int idx, const struct dated_raw *raw, const struct dated_figure *now,
                        const struct dated_figure *base, const char *baseline_on)
{
    const struct indicator_def *def = indicator_find(dated_indicator_ids[idx]);
    if (!def)
        return NULL;
    bool has_base = base && base->has_value;
    json_t *item = json_pack(
        "{s:s, s:s, s:i, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:i, s:o}",
        "source", def->source, "indicator", def->id, "factor", def->factor, "direction",
        def->direction == HIGHER_IS_BETTER ? "higher_is_better" : "lower_is_better", "unit",
        def->unit, "on", raw->on, "baselineOn",
        baseline_on && baseline_on[0] ? json_string(baseline_on) : json_null(), "periodStart",
        now->periodic ? json_string(raw->period_start) : json_null(), "value",
        real_or_null(now->has_value, now->value), "baselineValue",
        real_or_null(has_base, has_base ? base->value : 0), "change",
        real_or_null(now->has_value && has_base, now->value - (has_base ? base->value : 0)),
        "numerator", real_or_null(now->has_numerator, now->numerator), "denominator",
        real_or_null(now->has_denominator, now->denominator), "definitionVersion",
        def->version, "note", now->note ? json_string(now->note) : json_null());
    if (item && idx == DATED_ISSUES_ANSWERED_IN_TIME)
        json_object_set_new(item, "medianDaysToFirstResponse",
                            real_or_null(now->has_median, now->median_days));
    return item;
}

json_t *dated_items(PGconn *db, const char *neighbourhood, const char *on,
                    const struct dated_context *ctx, int only)
{
    struct dated_figure now[DATED_COUNT], base[DATED_COUNT];
    struct dated_raw raw;
    bool has_base;
    if (!dated_figures_on(db, neighbourhood, on, ctx, now, &raw, base, &has_base))
        return NULL;
    json_t *items = json_array();
    for (int i = 0; items && i < DATED_COUNT; i++) {
        if (only >= 0 && i != only)
            continue;
        if (json_array_append_new(items, dated_item_json(i, &raw, &now[i],
                                                         has_base ? &base[i] : NULL,
                                                         ctx->baseline_on)) != 0) {
            json_decref(items);
            items = NULL;
        }
    }
    return items;
}

json_t *dated_series(PGconn *db, const char *neighbourhood, const char *on,
                     const struct dated_context *ctx, int idx, size_t max_points)
{
    struct pdate end, start;
    if (!pdate_parse(on, &end) || max_points == 0)
        return NULL;
    size_t n = 1;
    bool programme = pdate_parse(ctx->programme_start, &start) && pdate_cmp(start, end) <= 0;
    int last_month = programme ? programme_month(start, end) : 1;
    if (programme)
        n = (size_t)last_month;
    if (n > max_points)
        n = max_points;
    char (*texts)[11] = calloc(n + 1, sizeof *texts);
    const char **dates = calloc(n + 1, sizeof *dates);
    struct dated_raw *raw = calloc(n + 1, sizeof *raw);
    json_t *items = NULL;
    bool has_base = ctx->baseline_on[0] != '\0';
    if (!texts || !dates || !raw)
        goto out;
    /* Ends of months, oldest first; the last point is `on` itself. */
    for (size_t i = 0; i < n; i++) {
        struct pdate d = i + 1 == n ? end
                                    : programme_month_last(start, last_month - (int)(n - 1 - i));
        pdate_format(d, texts[i]);
        dates[i] = texts[i];
    }
    dates[n] = ctx->baseline_on;
    if (!dated_raw_read(db, neighbourhood, dates, has_base ? n + 1 : n, raw))
        goto out;
    struct dated_figure base[DATED_COUNT], fig[DATED_COUNT];
    if (has_base)
        dated_compute(&raw[n], base);
    items = json_array();
    for (size_t i = 0; items && i < n; i++) {
        dated_compute(&raw[i], fig);
        if (json_array_append_new(items, dated_item_json(idx, &raw[i], &fig[idx],
                                                         has_base ? &base[idx] : NULL,
                                                         ctx->baseline_on)) != 0) {
            json_decref(items);
            items = NULL;
        }
    }
out:
    free(texts);
    free(dates);
    free(raw);
    return items;
}

bool dated_kpi_judge(PGconn *db, const PGresult *r, int row, struct pdate on,
                     struct kpi_judgement *j)
{
    int idx = dated_index(PQgetvalue(r, row, KPI_LIST_INDICATOR));
    if (idx < 0) {
        kpi_judge(r, row, on, j);
        return true;
    }
    const char *neighbourhood = PQgetvalue(r, row, KPI_LIST_NEIGHBOURHOOD_ID);
    char on_s[11];
    pdate_format(on, on_s);
    struct dated_context ctx;
    struct dated_figure now[DATED_COUNT], base[DATED_COUNT];
    bool has_base = false;
    bool ok = dated_context_read(db, neighbourhood, &ctx) && ctx.exists &&
              dated_figures_on(db, neighbourhood, on_s, &ctx, now, NULL, base, &has_base);
    bool has_value = ok && now[idx].has_value;
    has_base = ok && has_base && base[idx].has_value;
    kpi_judge_dated(r, row, on, has_value, has_value ? now[idx].value : 0.0,
                    ok ? ctx.baseline_on : "", has_base, has_base ? base[idx].value : 0.0, j);
    return ok;
}
