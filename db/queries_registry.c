/* queries_registry.c — the SQL of organisations, their contacts, versions, updates and links */
#include "queries.h"

const struct named_sql registry_statements[] = {
    {NULL, NULL},
};
