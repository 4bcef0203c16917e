/* issues.c — community issues routed to agencies, and the agencies' responses */
#include "http.h"
#include "records.h"

const struct route issue_routes[] = {
    {NULL, NULL, NULL, 0},
};
