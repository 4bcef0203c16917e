/* kpi.c — judging a KPI target on a date */
#include "kpi.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "queries.h"

static const char *const STATUS_NAMES[] = {
    [KPI_NO_DATA] = "no_data", [KPI_MET] = "met",           [KPI_MISSED] = "missed",
    [KPI_AT_RISK] = "at_risk", [KPI_ON_TRACK] = "on_track",
};

static double position_of(struct pdate start, const char *date)
{
    struct pdate d;
    return pdate_parse(date, &d) ? programme_position(start, d) : 0.0;
}

/* The figure of the sums in columns n, sw, sw2, swy of a Q_KPI_LIST row. */
static struct proportion_figure figure_at(const PGresult *r, int row, int n, int sw, int sw2,
                                          int swy)
{
    return proportion_from_sums(atoll(PQgetvalue(r, row, n)), strtod(PQgetvalue(r, row, sw), NULL),
                                strtod(PQgetvalue(r, row, sw2), NULL),
                                strtod(PQgetvalue(r, row, swy), NULL));
}

void kpi_judge(const PGresult *r, int row, struct pdate on, struct kpi_judgement *j)
{
    memset(j, 0, sizeof *j);
    const struct indicator_def *def = indicator_find(PQgetvalue(r, row, KPI_LIST_INDICATOR));
    j->programme = !PQgetisnull(r, row, KPI_LIST_START_DATE) &&
                   pdate_parse(PQgetvalue(r, row, KPI_LIST_START_DATE), &j->start);
    j->has_latest = !PQgetisnull(r, row, KPI_LIST_LATEST_ROUND);
    j->has_base = !PQgetisnull(r, row, KPI_LIST_BASE_ROUND);
    if (j->has_latest)
        j->latest = figure_at(r, row, KPI_LIST_LATEST_N_RAW, KPI_LIST_LATEST_SW,
                              KPI_LIST_LATEST_SW2, KPI_LIST_LATEST_SWY);
    if (j->has_base)
        j->base = figure_at(r, row, KPI_LIST_BASE_N_RAW, KPI_LIST_BASE_SW, KPI_LIST_BASE_SW2,
                            KPI_LIST_BASE_SWY);
    j->base_shown = j->has_base && j->base.has_value && !j->base.suppressed;
    struct kpi_input *in = &j->in;
    in->has_data = j->programme && def && j->has_latest && j->latest.has_value &&
                   !j->latest.suppressed;
    in->higher_is_better = !def || def->direction == HIGHER_IS_BETTER;
    in->value = j->latest.value;
    in->ci_low = j->latest.ci_low;
    in->ci_high = j->latest.ci_high;
    in->target = strtod(PQgetvalue(r, row, KPI_LIST_TARGET), NULL);
    in->due_month = atof(PQgetvalue(r, row, KPI_LIST_DUE_MONTH));
    if (j->programme) {
        /* Without a baseline figure the line is flat at the target. */
        in->baseline_month = j->base_shown ? position_of(j->start, PQgetvalue(r, row, KPI_LIST_BASE_END))
                                           : in->due_month;
        in->baseline_value = j->base_shown ? j->base.value : in->target;
        in->now_month = j->has_latest ? position_of(j->start, PQgetvalue(r, row, KPI_LIST_LATEST_END)) : 0.0;
        in->today_month = programme_position(j->start, on);
    }
    j->status = stats_kpi_status(in);
    j->status_name = STATUS_NAMES[j->status];
}

void kpi_judge_dated(const PGresult *r, int row, struct pdate on, bool has_value, double value,
                     const char *baseline_on, bool has_base, double base_value,
                     struct kpi_judgement *j)
{
    memset(j, 0, sizeof *j);
    j->dated = true;
    const struct indicator_def *def = indicator_find(PQgetvalue(r, row, KPI_LIST_INDICATOR));
    j->programme = !PQgetisnull(r, row, KPI_LIST_START_DATE) &&
                   pdate_parse(PQgetvalue(r, row, KPI_LIST_START_DATE), &j->start);
    snprintf(j->baseline_on, sizeof j->baseline_on, "%s", baseline_on ? baseline_on : "");
    struct pdate base_day;
    j->dated_base_shown = has_base && pdate_parse(j->baseline_on, &base_day);
    j->dated_base = base_value;
    struct kpi_input *in = &j->in;
    in->has_data = j->programme && def && has_value;
    in->higher_is_better = !def || def->direction == HIGHER_IS_BETTER;
    in->value = in->ci_low = in->ci_high = value; /* a count has no interval */
    in->target = strtod(PQgetvalue(r, row, KPI_LIST_TARGET), NULL);
    in->due_month = atof(PQgetvalue(r, row, KPI_LIST_DUE_MONTH));
    if (j->programme) {
        in->baseline_month = j->dated_base_shown ? programme_position(j->start, base_day)
                                                 : in->due_month;
        in->baseline_value = j->dated_base_shown ? base_value : in->target;
        in->now_month = in->today_month = programme_position(j->start, on);
    }
    j->status = stats_kpi_status(in);
    j->status_name = STATUS_NAMES[j->status];
}
