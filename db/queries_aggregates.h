/* queries_aggregates.h — statement names and shapes of the indicator workers' fold: responses to apply, aggregates and cells, contributions, dated publications, processed events (queries_aggregates.c) */
#ifndef CDM_QUERIES_AGGREGATES_H
#define CDM_QUERIES_AGGREGATES_H
#include "statement.h"

/* Marks event EVENT_ID as applied by CONSUMER; no row affected: it was already (a redelivery). */
#define Q_PROCESSED_INSERT       "processed_insert"
#define PROCESSED_INSERT_PARAMS(P) P(PROCESSED_INSERT, CONSUMER) P(PROCESSED_INSERT, EVENT_ID)
#define PROCESSED_INSERT_COLUMNS(C)
DB_SHAPE(PROCESSED_INSERT)

/* One response, locked for the apply; no row: no such response. */
#define Q_RESPONSE_FOR_APPLY     "response_for_apply"
#define RESPONSE_FOR_APPLY_PARAMS(P) P(RESPONSE_FOR_APPLY, ID)
#define RESPONSE_FOR_APPLY_COLUMNS(C)                                                      \
    C(RESPONSE_FOR_APPLY, ANSWERS) C(RESPONSE_FOR_APPLY, WEIGHT)                            \
    C(RESPONSE_FOR_APPLY, COUNTED) C(RESPONSE_FOR_APPLY, WITHDRAWN)                         \
    C(RESPONSE_FOR_APPLY, ROUND_ID) C(RESPONSE_FOR_APPLY, NEIGHBOURHOOD_ID)                 \
    C(RESPONSE_FOR_APPLY, RECORD_KEY)
DB_SHAPE(RESPONSE_FOR_APPLY)

/* Counts a response (COUNTED true) or takes it back, returning the cells it goes to. */
#define Q_RESPONSE_SET_COUNTED   "response_set_counted"
#define RESPONSE_SET_COUNTED_PARAMS(P) P(RESPONSE_SET_COUNTED, ID) P(RESPONSE_SET_COUNTED, COUNTED)
#define RESPONSE_SET_COUNTED_COLUMNS(C)                                                    \
    C(RESPONSE_SET_COUNTED, CELL_WARD_ID) C(RESPONSE_SET_COUNTED, CELL_AGE_BAND)            \
    C(RESPONSE_SET_COUNTED, CELL_SEX)
DB_SHAPE(RESPONSE_SET_COUNTED)

/* Folds a batch (parallel arrays, one entry per contribution) into the
 * aggregates, keeps the state each reached, and stamps the ledger rows the
 * batch added or withdrew; one row per aggregate it changed. */
#define Q_AGGREGATE_APPLY        "aggregate_apply"
#define AGGREGATE_APPLY_PARAMS(P)                                                          \
    P(AGGREGATE_APPLY, INDICATORS) P(AGGREGATE_APPLY, NEIGHBOURHOODS)                       \
    P(AGGREGATE_APPLY, ROUNDS) P(AGGREGATE_APPLY, WEIGHTS) P(AGGREGATE_APPLY, YS)           \
    P(AGGREGATE_APPLY, SIGNS) P(AGGREGATE_APPLY, RECORD_KEYS)
#define AGGREGATE_APPLY_COLUMNS(C)                                                         \
    C(AGGREGATE_APPLY, INDICATOR) C(AGGREGATE_APPLY, NEIGHBOURHOOD_ID)                      \
    C(AGGREGATE_APPLY, ROUND_ID) C(AGGREGATE_APPLY, CHANGES)
DB_SHAPE(AGGREGATE_APPLY)

/* What one response added to each indicator (INDICATORS and YS parallel
 * arrays), and its ledger rows (a resident response's), stamped by the fold. */
#define Q_CONTRIBUTIONS_ADD      "contributions_add"
#define CONTRIBUTIONS_ADD_PARAMS(P)                                                        \
    P(CONTRIBUTIONS_ADD, RESPONSE_ID) P(CONTRIBUTIONS_ADD, INDICATORS)                      \
    P(CONTRIBUTIONS_ADD, WEIGHT) P(CONTRIBUTIONS_ADD, YS)
#define CONTRIBUTIONS_ADD_COLUMNS(C)
DB_SHAPE(CONTRIBUTIONS_ADD)

/* Takes back what a withdrawn response added, returning it: the answers
 * leave; the ledger rows are marked withdrawn, stamped by the fold. */
#define Q_CONTRIBUTIONS_TAKE     "contributions_take"
#define CONTRIBUTIONS_TAKE_PARAMS(P) P(CONTRIBUTIONS_TAKE, RESPONSE_ID)
#define CONTRIBUTIONS_TAKE_COLUMNS(C)                                                      \
    C(CONTRIBUTIONS_TAKE, INDICATOR) C(CONTRIBUTIONS_TAKE, WEIGHT) C(CONTRIBUTIONS_TAKE, Y)
DB_SHAPE(CONTRIBUTIONS_TAKE)

/* Folds a batch (parallel arrays, one entry per cell contribution) into the cells. */
#define Q_CELL_APPLY             "cell_apply"
#define CELL_APPLY_PARAMS(P)                                                               \
    P(CELL_APPLY, INDICATORS) P(CELL_APPLY, ROUNDS) P(CELL_APPLY, LEVELS)                   \
    P(CELL_APPLY, KEYS) P(CELL_APPLY, BREAKDOWNS) P(CELL_APPLY, GROUPS)                     \
    P(CELL_APPLY, WEIGHTS) P(CELL_APPLY, YS) P(CELL_APPLY, SIGNS)
#define CELL_APPLY_COLUMNS(C)
DB_SHAPE(CELL_APPLY)

/* Moves one ward's count in a round by DELTA; one row per neighbourhood
 * containing the ward when it reached MIN_RESPONSES for the first time. */
#define Q_WARD_COUNT_ADD         "ward_count_add"
#define WARD_COUNT_ADD_PARAMS(P)                                                           \
    P(WARD_COUNT_ADD, WARD) P(WARD_COUNT_ADD, ROUND) P(WARD_COUNT_ADD, DELTA)               \
    P(WARD_COUNT_ADD, MIN_RESPONSES)
#define WARD_COUNT_ADD_COLUMNS(C)                                                          \
    C(WARD_COUNT_ADD, WARD_ID) C(WARD_COUNT_ADD, ROUND_ID) C(WARD_COUNT_ADD, WARD_CODE)     \
    C(WARD_COUNT_ADD, NEIGHBOURHOOD_ID) C(WARD_COUNT_ADD, RESPONSES)
DB_SHAPE(WARD_COUNT_ADD)

/* What was last published of each dated indicator of a neighbourhood. */
#define Q_DATED_PUBLISHED            "dated_published"
#define DATED_PUBLISHED_PARAMS(P) P(DATED_PUBLISHED, NEIGHBOURHOOD)
#define DATED_PUBLISHED_COLUMNS(C)                                                         \
    C(DATED_PUBLISHED, INDICATOR) C(DATED_PUBLISHED, VALUE) C(DATED_PUBLISHED, PUBLISHED_ON)
DB_SHAPE(DATED_PUBLISHED)

/* Remembers the value published for one dated indicator (NULL VALUE: none). */
#define Q_DATED_PUBLISH              "dated_publish"
#define DATED_PUBLISH_PARAMS(P)                                                            \
    P(DATED_PUBLISH, INDICATOR) P(DATED_PUBLISH, NEIGHBOURHOOD) P(DATED_PUBLISH, VALUE)     \
    P(DATED_PUBLISH, ON_DATE) P(DATED_PUBLISH, EVENT_ID)
#define DATED_PUBLISH_COLUMNS(C)
DB_SHAPE(DATED_PUBLISH)

/* The neighbourhoods whose dated figures the clock recomputes. */
#define Q_DATED_TICK_NEIGHBOURHOODS           "dated_tick_neighbourhoods"
#define DATED_TICK_NEIGHBOURHOODS_PARAMS(P)
#define DATED_TICK_NEIGHBOURHOODS_COLUMNS(C) C(DATED_TICK_NEIGHBOURHOODS, NEIGHBOURHOOD_ID)
DB_SHAPE(DATED_TICK_NEIGHBOURHOODS)
#endif
