/* queries_community.c — the SQL of community issues and agency responses, assets (meeting spaces, grant schemes, community development input) and evidence */
#include "queries.h"

const struct named_sql community_statements[] = {
    {NULL, NULL},
};
