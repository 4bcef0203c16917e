/* queries_dated.h — statement names and shapes of dated indicators: registry, assets and agency figures on a date (queries_dated.c) */
#ifndef CDM_QUERIES_DATED_H
#define CDM_QUERIES_DATED_H
#include "statement.h"

/* What a neighbourhood's dated figures hang on (NEIGHBOURHOOD NULL: the
 * locality's): its baseline date (NULL without a resident baseline round) and
 * its programme's start. No row: no such neighbourhood. */
#define Q_DATED_CONTEXT "dated_context"
#define DATED_CONTEXT_PARAMS(P) P(DATED_CONTEXT, NEIGHBOURHOOD)
#define DATED_CONTEXT_COLUMNS(C) C(DATED_CONTEXT, BASELINE_ON) C(DATED_CONTEXT, PROGRAMME_START)
DB_SHAPE(DATED_CONTEXT)

/* The registry counts of a neighbourhood (NULL: the locality) on each of
 * DATES (date[]), one row per date in that order. */
#define Q_DATED_RAW "dated_raw"
#define DATED_RAW_PARAMS(P) P(DATED_RAW, NEIGHBOURHOOD) P(DATED_RAW, DATES)
#define DATED_RAW_COLUMNS(C)                                                                 \
    C(DATED_RAW, ON_DATE) C(DATED_RAW, PERIOD_START) C(DATED_RAW, POPULATION)                \
    C(DATED_RAW, VOLUNTEER_HOURS) C(DATED_RAW, VOLUNTEERS) C(DATED_RAW, GROUPS_FUNCTIONING)  \
    C(DATED_RAW, ACTIVE) C(DATED_RAW, INCOME_KNOWN) C(DATED_RAW, COMMUNITY_SECTOR)           \
    C(DATED_RAW, THEMES) C(DATED_RAW, LINKS) C(DATED_RAW, HUBS) C(DATED_RAW, NEW_GROUPS)
DB_SHAPE(DATED_RAW)

/* The assets and agency counts for the same neighbourhood and dates as Q_DATED_RAW. */
#define Q_DATED_RAW_MORE "dated_raw_more"
#define DATED_RAW_MORE_PARAMS(P) P(DATED_RAW_MORE, NEIGHBOURHOOD) P(DATED_RAW_MORE, DATES)
#define DATED_RAW_MORE_COLUMNS(C)                                                            \
    C(DATED_RAW_MORE, SPACES) C(DATED_RAW_MORE, GRANTS) C(DATED_RAW_MORE, CD_HOURS)          \
    C(DATED_RAW_MORE, SERVICES) C(DATED_RAW_MORE, ISSUES_DUE) C(DATED_RAW_MORE, IN_TIME)     \
    C(DATED_RAW_MORE, MEDIAN_DAYS)
DB_SHAPE(DATED_RAW_MORE)
#endif
