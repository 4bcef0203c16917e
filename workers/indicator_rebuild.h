/* indicator_rebuild.h — recomputing every survey aggregate from the raw responses */
#ifndef CDM_INDICATOR_REBUILD_H
#define CDM_INDICATOR_REBUILD_H
#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include "worker.h"

struct rebuild_result {
    long long responses;      /* live resident responses classified */
    long long contributions;  /* (response, indicator) rows written */
    long long aggregates;     /* aggregates after the rebuild */
    long long differed;       /* aggregates whose sums were not what the workers had */
    long long cells;          /* cells (ward, breakdown, sector locality) after the rebuild */
    long long cells_differed; /* cells and ward counts that were not what the workers had */
};

/* In one transaction: takes the aggregates and contributions from the
 * workers (they wait on the lock meanwhile), classifies every live resident
 * and sector response again with the current catalogue, recomputes every aggregate from
 * those rows in exact NUMERIC arithmetic, and logs each aggregate that
 * differed from the incremental state (partners see releases, which follow
 * the release rule: nothing is published here). Memory stays bounded: responses are read a chunk at a
 * time, in id order. False (rolled back, err filled) on failure. */
bool indicator_rebuild(PGconn *db, const struct apply_config *cfg, struct rebuild_result *out,
                       char *err, size_t errlen);
#endif
