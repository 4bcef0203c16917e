/* queries_dated.h — statement names and shapes of dated indicators: registry, assets and agency figures on a date (queries_dated.c) */
#ifndef CDM_QUERIES_DATED_H
#define CDM_QUERIES_DATED_H
#include "statement.h"

#define Q_DATED_CONTEXT              "dated_context"
#define Q_DATED_RAW                  "dated_raw"
#define Q_DATED_RAW_MORE             "dated_raw_more"
#endif
