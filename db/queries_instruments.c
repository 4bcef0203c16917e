/* queries_instruments.c — the SQL of the sector and agency instruments and batches of responses */
#include "queries.h"

const struct named_sql instrument_statements[] = {
    {NULL, NULL},
};
