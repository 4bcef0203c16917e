/* queries_clock.h — statement names and shapes of the clock job (queries_clock.c) */
#ifndef CDM_QUERIES_CLOCK_H
#define CDM_QUERIES_CLOCK_H
#include "statement.h"

#define Q_CLOCK_KPI_STATE            "clock_kpi_state"
#define Q_CLOCK_KPI_SET              "clock_kpi_set"
#define Q_CLOCK_MILESTONES           "clock_milestones"
#define Q_CLOCK_MILESTONE_ANNOUNCED  "clock_milestone_announced"
#endif
