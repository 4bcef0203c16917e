/* queries_rebuild.h — statement names and shapes of the rebuild of every survey aggregate from the raw responses (queries_rebuild.c) */
#ifndef CDM_QUERIES_REBUILD_H
#define CDM_QUERIES_REBUILD_H
#include "statement.h"

/* Makes the workers wait (they write these tables) while readers go on, until the
 * transaction ends. */
#define Q_REBUILD_LOCK               "rebuild_lock"
#define REBUILD_LOCK_PARAMS(P)
#define REBUILD_LOCK_COLUMNS(C)
DB_SHAPE(REBUILD_LOCK)

/* Forgets every response's contributions: they are classified again. */
#define Q_REBUILD_CONTRIBUTIONS_CLEAR "rebuild_contributions_clear"
#define REBUILD_CONTRIBUTIONS_CLEAR_PARAMS(P)
#define REBUILD_CONTRIBUTIONS_CLEAR_COLUMNS(C)
DB_SHAPE(REBUILD_CONTRIBUTIONS_CLEAR)

/* Marks every live resident and sector response counted, every withdrawn one not. */
#define Q_REBUILD_COUNTED            "rebuild_counted"
#define REBUILD_COUNTED_PARAMS(P)
#define REBUILD_COUNTED_COLUMNS(C)
DB_SHAPE(REBUILD_COUNTED)

/* Fixes again, from the raw rows, the cells each live resident response goes to. */
#define Q_REBUILD_CELL_KEYS          "rebuild_cell_keys"
#define REBUILD_CELL_KEYS_PARAMS(P)
#define REBUILD_CELL_KEYS_COLUMNS(C)
DB_SHAPE(REBUILD_CELL_KEYS)

/* Up to LIMIT counted responses to classify, in id order from FROM_ID (inclusive). */
#define Q_REBUILD_RESPONSES          "rebuild_responses"
#define REBUILD_RESPONSES_PARAMS(P) P(REBUILD_RESPONSES, AFTER_ID) P(REBUILD_RESPONSES, LIMIT)
#define REBUILD_RESPONSES_COLUMNS(C)                                                       \
    C(REBUILD_RESPONSES, ID) C(REBUILD_RESPONSES, ANSWERS) C(REBUILD_RESPONSES, WEIGHT)     \
    C(REBUILD_RESPONSES, INSTRUMENT)
DB_SHAPE(REBUILD_RESPONSES)

/* A chunk of reclassified responses' contributions (parallel arrays). */
#define Q_REBUILD_CONTRIBUTIONS      "rebuild_contributions"
#define REBUILD_CONTRIBUTIONS_PARAMS(P)                                                    \
    P(REBUILD_CONTRIBUTIONS, RESPONSE_IDS) P(REBUILD_CONTRIBUTIONS, INDICATORS)             \
    P(REBUILD_CONTRIBUTIONS, WEIGHTS) P(REBUILD_CONTRIBUTIONS, YS)
#define REBUILD_CONTRIBUTIONS_COLUMNS(C)
DB_SHAPE(REBUILD_CONTRIBUTIONS)

/* Every aggregate again from the contributions; returns those whose sums
 * changed, with their new sums and version and whether their round is open. */
#define Q_REBUILD_AGGREGATES         "rebuild_aggregates"
#define REBUILD_AGGREGATES_PARAMS(P)
#define REBUILD_AGGREGATES_COLUMNS(C)                                                      \
    C(REBUILD_AGGREGATES, INDICATOR) C(REBUILD_AGGREGATES, NEIGHBOURHOOD_ID)                \
    C(REBUILD_AGGREGATES, ROUND_ID) C(REBUILD_AGGREGATES, N_RAW) C(REBUILD_AGGREGATES, SUM_W) \
    C(REBUILD_AGGREGATES, SUM_W2) C(REBUILD_AGGREGATES, SUM_WY) C(REBUILD_AGGREGATES, VERSION)
DB_SHAPE(REBUILD_AGGREGATES)

/* How many aggregates there are. */
#define Q_REBUILD_AGGREGATE_COUNT    "rebuild_aggregate_count"
#define REBUILD_AGGREGATE_COUNT_PARAMS(P)
#define REBUILD_AGGREGATE_COUNT_COLUMNS(C) C(REBUILD_AGGREGATE_COUNT, AGGREGATES)
DB_SHAPE(REBUILD_AGGREGATE_COUNT)

/* Every cell again from the contributions: how many there are, and how many changed. */
#define Q_REBUILD_CELLS              "rebuild_cells"
#define REBUILD_CELLS_PARAMS(P)
#define REBUILD_CELLS_COLUMNS(C) C(REBUILD_CELLS, CELLS) C(REBUILD_CELLS, DIFFERED)
DB_SHAPE(REBUILD_CELLS)

/* Every ward's count again from the responses: how many changed. */
#define Q_REBUILD_COUNTS             "rebuild_counts"
#define REBUILD_COUNTS_PARAMS(P)
#define REBUILD_COUNTS_COLUMNS(C) C(REBUILD_COUNTS, DIFFERED)
DB_SHAPE(REBUILD_COUNTS)

/* Fresh planner statistics of the tables the rebuild rewrote. */
#define Q_REBUILD_ANALYZE            "rebuild_analyze"
#define REBUILD_ANALYZE_PARAMS(P)
#define REBUILD_ANALYZE_COLUMNS(C)
DB_SHAPE(REBUILD_ANALYZE)
#endif
