/* kpi.h — judging a KPI target on a date from the rows that hold its figures */
#ifndef CDM_KPI_H
#define CDM_KPI_H
#include <libpq-fe.h>
#include <stdbool.h>
#include "catalogue.h"
#include "programme.h"
#include "stats.h"

/* The judgement of one target (a row of Q_KPI_LIST) on a date. */
struct kpi_judgement {
    enum kpi_status status;
    const char *status_name;       /* "no_data", "met", … (static) */
    bool programme;                /* the neighbourhood has a programme */
    struct pdate start;            /* its first day, when it has */
    bool has_latest, has_base, base_shown;
    struct proportion_figure latest, base;
    struct kpi_input in;           /* what stats_kpi_status judged */
    /* A dated indicator (registry, assets, agency): judged on its value on
     * the date itself, from the baseline date's value. */
    bool dated;
    char baseline_on[11];          /* "" without a baseline date */
    bool dated_base_shown;
    double dated_base;
};

/* Judges row `row` of a Q_KPI_LIST result on `on` (SPEC §3, in order:
 * no_data, met, missed, at_risk, on_track): the latest closed, unsuppressed
 * figure against the target and against the straight line from the end of
 * baseline fieldwork (and the baseline value) to the end of the due month
 * (and the target). Pure apart from reading r. */
void kpi_judge(const PGresult *r, int row, struct pdate on, struct kpi_judgement *j);

/* The same for a dated indicator, whose figures the caller computed: its
 * value on `on` (has_value false: no_data) and on the baseline date
 * `baseline_on` ("" or has_base false: none, the line is flat at the
 * target). SPEC §3's order with the value itself in place of the interval
 * for at_risk, against the line from (baseline date, baseline value) to (end
 * of the due month, target). Pure apart from reading r. */
void kpi_judge_dated(const PGresult *r, int row, struct pdate on, bool has_value, double value,
                     const char *baseline_on, bool has_base, double base_value,
                     struct kpi_judgement *j);
#endif
