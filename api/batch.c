/* batch.c — batches of survey responses from offline front-ends */
#include "http.h"
#include "records.h"

const struct route batch_routes[] = {
    {NULL, NULL, NULL, 0},
};
