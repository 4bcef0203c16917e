/* queries_kpi.h — statement names and shapes of KPI targets (queries_kpi.c) */
#ifndef CDM_QUERIES_KPI_H
#define CDM_QUERIES_KPI_H
#include "statement.h"

/* The neighbourhood's programme: no row, no such neighbourhood; NULL start, no programme. */
#define Q_KPI_PROGRAMME "kpi_programme"
#define KPI_PROGRAMME_PARAMS(P) P(KPI_PROGRAMME, NEIGHBOURHOOD)
#define KPI_PROGRAMME_COLUMNS(C) C(KPI_PROGRAMME, START_DATE) C(KPI_PROGRAMME, STAGE_MONTHS)
DB_SHAPE(KPI_PROGRAMME)

/* A target and its record.created event; STORED is 0 when the id exists. */
#define Q_KPI_INSERT "kpi_insert"
#define KPI_INSERT_PARAMS(P)                                                                  \
    P(KPI_INSERT, ID) P(KPI_INSERT, NEIGHBOURHOOD) P(KPI_INSERT, INDICATOR)                   \
    P(KPI_INSERT, TARGET) P(KPI_INSERT, DUE_MONTH) P(KPI_INSERT, DIGEST)                      \
    P(KPI_INSERT, AGENCY) P(KPI_INSERT, KEY) P(KPI_INSERT, EVALUATOR) P(KPI_INSERT, EVENT_ID) \
    P(KPI_INSERT, TOPIC) P(KPI_INSERT, EVENT)
#define KPI_INSERT_COLUMNS(C) C(KPI_INSERT, STORED)
DB_SHAPE(KPI_INSERT)

#define Q_KPI_EXISTING "kpi_existing"
#define KPI_EXISTING_PARAMS(P) P(KPI_EXISTING, ID)
#define KPI_EXISTING_COLUMNS(C) \
    C(KPI_EXISTING, DIGEST) C(KPI_EXISTING, NEIGHBOURHOOD_ID) C(KPI_EXISTING, WITHDRAWN)
DB_SHAPE(KPI_EXISTING)

/* Withdraws a target with its record.withdrawn event; WITHDRAWN is 0 when it was already. */
#define Q_KPI_WITHDRAW "kpi_withdraw"
#define KPI_WITHDRAW_PARAMS(P) \
    P(KPI_WITHDRAW, ID) P(KPI_WITHDRAW, EVENT_ID) P(KPI_WITHDRAW, TOPIC) P(KPI_WITHDRAW, EVENT)
#define KPI_WITHDRAW_COLUMNS(C) C(KPI_WITHDRAW, WITHDRAWN)
DB_SHAPE(KPI_WITHDRAW)

/* Live targets with what their status is judged on: the programme's start,
 * the latest closed unsuppressed round (LATEST_*) and the resident baseline
 * (BASE_*), each with its fieldwork end and exact sums. */
#define Q_KPI_LIST "kpi_list"
#define KPI_LIST_PARAMS(P) \
    P(KPI_LIST, NEIGHBOURHOOD) P(KPI_LIST, ID) P(KPI_LIST, MIN_BASE)
#define KPI_LIST_COLUMNS(C)                                                                   \
    C(KPI_LIST, ID) C(KPI_LIST, INDICATOR) C(KPI_LIST, TARGET) C(KPI_LIST, DUE_MONTH)         \
    C(KPI_LIST, START_DATE) C(KPI_LIST, LATEST_ROUND) C(KPI_LIST, LATEST_END)                 \
    C(KPI_LIST, LATEST_N_RAW) C(KPI_LIST, LATEST_SW) C(KPI_LIST, LATEST_SW2)                  \
    C(KPI_LIST, LATEST_SWY) C(KPI_LIST, BASE_ROUND) C(KPI_LIST, BASE_END)                     \
    C(KPI_LIST, BASE_N_RAW) C(KPI_LIST, BASE_SW) C(KPI_LIST, BASE_SW2) C(KPI_LIST, BASE_SWY)  \
    C(KPI_LIST, CREATED_AT) C(KPI_LIST, AGENCY) C(KPI_LIST, KEY) C(KPI_LIST, EVALUATOR)       \
    C(KPI_LIST, NEIGHBOURHOOD_ID)
DB_SHAPE(KPI_LIST)
#endif
