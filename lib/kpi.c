/* kpi.c — judging a KPI target on a date */
#include "kpi.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const STATUS_NAMES[] = {
    [KPI_NO_DATA] = "no_data", [KPI_MET] = "met",           [KPI_MISSED] = "missed",
    [KPI_AT_RISK] = "at_risk", [KPI_ON_TRACK] = "on_track",
};

static double position_of(struct pdate start, const char *date)
{
    struct pdate d;
    return pdate_parse(date, &d) ? programme_position(start, d) : 0.0;
}

static struct proportion_figure figure_at(const PGresult *r, int row, int col)
{
    return proportion_from_sums(atoll(PQgetvalue(r, row, col)),
                                strtod(PQgetvalue(r, row, col + 1), NULL),
                                strtod(PQgetvalue(r, row, col + 2), NULL),
                                strtod(PQgetvalue(r, row, col + 3), NULL));
}

void kpi_judge(const PGresult *r, int row, struct pdate on, struct kpi_judgement *j)
{
    memset(j, 0, sizeof *j);
    const struct indicator_def *def = indicator_find(PQgetvalue(r, row, 1));
    j->programme = !PQgetisnull(r, row, 4) && pdate_parse(PQgetvalue(r, row, 4), &j->start);
    j->has_latest = !PQgetisnull(r, row, 5);
    j->has_base = !PQgetisnull(r, row, 11);
    if (j->has_latest)
        j->latest = figure_at(r, row, 7);
    if (j->has_base)
        j->base = figure_at(r, row, 13);
    j->base_shown = j->has_base && j->base.has_value && !j->base.suppressed;
    struct kpi_input *in = &j->in;
    in->has_data = j->programme && def && j->has_latest && j->latest.has_value &&
                   !j->latest.suppressed;
    in->higher_is_better = !def || def->direction == HIGHER_IS_BETTER;
    in->value = j->latest.value;
    in->ci_low = j->latest.ci_low;
    in->ci_high = j->latest.ci_high;
    in->target = strtod(PQgetvalue(r, row, 2), NULL);
    in->due_month = atof(PQgetvalue(r, row, 3));
    if (j->programme) {
        /* Without a baseline figure the line is flat at the target. */
        in->baseline_month = j->base_shown ? position_of(j->start, PQgetvalue(r, row, 12))
                                           : in->due_month;
        in->baseline_value = j->base_shown ? j->base.value : in->target;
        in->now_month = j->has_latest ? position_of(j->start, PQgetvalue(r, row, 6)) : 0.0;
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
    const struct indicator_def *def = indicator_find(PQgetvalue(r, row, 1));
    j->programme = !PQgetisnull(r, row, 4) && pdate_parse(PQgetvalue(r, row, 4), &j->start);
    snprintf(j->baseline_on, sizeof j->baseline_on, "%s", baseline_on ? baseline_on : "");
    struct pdate base_day;
    j->dated_base_shown = has_base && pdate_parse(j->baseline_on, &base_day);
    j->dated_base = base_value;
    struct kpi_input *in = &j->in;
    in->has_data = j->programme && def && has_value;
    in->higher_is_better = !def || def->direction == HIGHER_IS_BETTER;
    in->value = in->ci_low = in->ci_high = value; /* a count has no interval */
    in->target = strtod(PQgetvalue(r, row, 2), NULL);
    in->due_month = atof(PQgetvalue(r, row, 3));
    if (j->programme) {
        in->baseline_month = j->dated_base_shown ? programme_position(j->start, base_day)
                                                 : in->due_month;
        in->baseline_value = j->dated_base_shown ? base_value : in->target;
        in->now_month = in->today_month = programme_position(j->start, on);
    }
    j->status = stats_kpi_status(in);
    j->status_name = STATUS_NAMES[j->status];
}
