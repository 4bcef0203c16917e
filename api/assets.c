/* assets.c — meeting spaces, grant schemes and community development input */
#include "http.h"
#include "records.h"

const struct route asset_routes[] = {
    {NULL, NULL, NULL, 0},
};
