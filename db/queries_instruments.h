/* queries_instruments.h — statement names and shapes of the three survey instruments, rounds, baselines, batches (queries_instruments.c) */
#ifndef CDM_QUERIES_INSTRUMENTS_H
#define CDM_QUERIES_INSTRUMENTS_H
#include "statement.h"

#define Q_INSTR_SUBMIT           "instr_submit"
#define Q_INSTR_EXISTING         "instr_existing"
#define Q_INSTR_RESPONSE_VISIBLE "instr_response_visible"
#define Q_INSTR_WITHDRAW         "instr_withdraw"
#define Q_ROUND_CREATE           "round_create"
#define Q_ROUND_READ             "round_read"
#define Q_ROUND_LIST             "round_list"
#define Q_ROUND_CLOSE            "round_close"
#define Q_BASELINE_ROUND         "baseline_round"
#define Q_BASELINE_SET           "baseline_set"
#define Q_BASELINE_MARK          "baseline_mark"
#define Q_ROUND_BUMP             "round_bump"
/* One row when neighbourhood $1 exists. */
#define Q_NEIGHBOURHOOD_FOUND    "neighbourhood_found"
#define NEIGHBOURHOOD_FOUND_PARAMS(P) P(NEIGHBOURHOOD_FOUND, ID)
#define NEIGHBOURHOOD_FOUND_COLUMNS(C) C(NEIGHBOURHOOD_FOUND, FOUND)
DB_SHAPE(NEIGHBOURHOOD_FOUND)
#define Q_ROUND_AREA_INSERT      "round_area_insert"
#endif
