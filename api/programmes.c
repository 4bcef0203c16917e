/* programmes.c — the programme, its stages, neighbourhoods' phases and milestones */
#include "http.h"
#include "records.h"

const struct route programme_routes[] = {
    {NULL, NULL, NULL, 0},
};
