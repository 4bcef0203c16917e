/* queries_clock.h — statement names and shapes of the clock job (queries_clock.c) */
#ifndef CDM_QUERIES_CLOCK_H
#define CDM_QUERIES_CLOCK_H
#include "statement.h"

/* Takes the clock's lock KEY for the transaction if it is free; LOCKED says whether it was. */
#define Q_CLOCK_TRY_LOCK             "clock_try_lock"
#define CLOCK_TRY_LOCK_PARAMS(P)
#define CLOCK_TRY_LOCK_COLUMNS(C) C(CLOCK_TRY_LOCK, LOCKED)
DB_SHAPE(CLOCK_TRY_LOCK)

/* The status last announced for a KPI target; no row: none yet. */
#define Q_CLOCK_KPI_STATE            "clock_kpi_state"
#define CLOCK_KPI_STATE_PARAMS(P) P(CLOCK_KPI_STATE, KPI_ID)
#define CLOCK_KPI_STATE_COLUMNS(C) C(CLOCK_KPI_STATE, STATUS)
DB_SHAPE(CLOCK_KPI_STATE)

/* Remembers the status announced for a KPI target and the date it was judged on. */
#define Q_CLOCK_KPI_SET              "clock_kpi_set"
#define CLOCK_KPI_SET_PARAMS(P) \
    P(CLOCK_KPI_SET, KPI_ID) P(CLOCK_KPI_SET, STATUS) P(CLOCK_KPI_SET, ON_DATE)
#define CLOCK_KPI_SET_COLUMNS(C)
DB_SHAPE(CLOCK_KPI_SET)

/* Milestones with something to announce on ON_DATE; WHAT is "completed" or "overdue". */
#define Q_CLOCK_MILESTONES           "clock_milestones"
#define CLOCK_MILESTONES_PARAMS(P) P(CLOCK_MILESTONES, ON_DATE)
#define CLOCK_MILESTONES_COLUMNS(C)                                                        \
    C(CLOCK_MILESTONES, ID) C(CLOCK_MILESTONES, PROGRAMME_ID) C(CLOCK_MILESTONES, CODE)     \
    C(CLOCK_MILESTONES, STAGE) C(CLOCK_MILESTONES, DUE_MONTH) C(CLOCK_MILESTONES, TITLE)    \
    C(CLOCK_MILESTONES, WHAT) C(CLOCK_MILESTONES, COMPLETED_ON)
DB_SHAPE(CLOCK_MILESTONES)

/* Remembers that a milestone was announced as WHAT. */
#define Q_CLOCK_MILESTONE_ANNOUNCED  "clock_milestone_announced"
#define CLOCK_MILESTONE_ANNOUNCED_PARAMS(P)                                                \
    P(CLOCK_MILESTONE_ANNOUNCED, MILESTONE_ID) P(CLOCK_MILESTONE_ANNOUNCED, WHAT)           \
    P(CLOCK_MILESTONE_ANNOUNCED, ON_DATE)
#define CLOCK_MILESTONE_ANNOUNCED_COLUMNS(C)
DB_SHAPE(CLOCK_MILESTONE_ANNOUNCED)
#endif
