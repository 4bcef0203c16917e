/* queries_aggregates.h — statement names and shapes of the indicator workers' fold: responses to apply, aggregates and cells, contributions, snapshots, dated publications, processed events (queries_aggregates.c) */
#ifndef CDM_QUERIES_AGGREGATES_H
#define CDM_QUERIES_AGGREGATES_H
#include "statement.h"

/* Marks event EVENT_ID as applied by CONSUMER; no row affected: it was already (a redelivery). */
#define Q_PROCESSED_INSERT       "processed_insert"
#define PROCESSED_INSERT_PARAMS(P) P(PROCESSED_INSERT, CONSUMER) P(PROCESSED_INSERT, EVENT_ID)
#define PROCESSED_INSERT_COLUMNS(C)
DB_SHAPE(PROCESSED_INSERT)
#define Q_RESPONSE_FOR_APPLY     "response_for_apply"
#define Q_RESPONSE_SET_COUNTED   "response_set_counted"
#define Q_AGGREGATE_APPLY        "aggregate_apply"
#define Q_CONTRIBUTIONS_ADD      "contributions_add"
#define Q_REBUILD_CONTRIBUTIONS  "rebuild_contributions"
#define Q_CONTRIBUTIONS_TAKE     "contributions_take"
#define Q_ROUND_OPEN             "round_open"
#define Q_SNAPSHOT_UPSERT        "snapshot_upsert"
#define Q_CELL_APPLY             "cell_apply"
#define Q_WARD_COUNT_ADD         "ward_count_add"
#define Q_DATED_PUBLISHED            "dated_published"
#define Q_DATED_PUBLISH              "dated_publish"
#define Q_DATED_TICK_AREAS           "dated_tick_areas"
#endif
