/* organisations.c — the registry of community groups: organisations, contacts, versions, updates, links */
#include "http.h"
#include "records.h"

const struct route organisation_routes[] = {
    {NULL, NULL, NULL, 0},
};
