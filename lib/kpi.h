/* kpi.h — judging a KPI target on a date from the rows that hold its figures */
#ifndef CDM_KPI_H
#define CDM_KPI_H
#include <libpq-fe.h>
#include <stdbool.h>
#include "indicators.h"
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
};

/* Judges row `row` of a Q_KPI_LIST result on `on` (SPEC §3, in order:
 * no_data, met, missed, at_risk, on_track): the latest closed, unsuppressed
 * figure against the target and against the straight line from the end of
 * baseline fieldwork (and the baseline value) to the end of the due month
 * (and the target). Pure apart from reading r. */
void kpi_judge(const PGresult *r, int row, struct pdate on, struct kpi_judgement *j);
#endif
