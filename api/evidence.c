/* evidence.c — case studies and key-informant testimonies */
#include "http.h"
#include "records.h"

const struct route evidence_routes[] = {
    {NULL, NULL, NULL, 0},
};
