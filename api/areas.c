/* areas.c — areas (wards, LSOAs) and their dated populations */
#include "http.h"
#include "records.h"

const struct route area_routes[] = {
    {NULL, NULL, NULL, 0},
};
