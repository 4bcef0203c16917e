/* queries_geography.c — the SQL of areas, populations, neighbourhood areas, the programme and its milestones */
#include "queries.h"

const struct named_sql geography_statements[] = {
    {NULL, NULL},
};
