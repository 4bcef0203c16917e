/* releases.h — making the releases partners see of survey figures: freezing
 * rounds, the exact release at the freeze and its revisions, and daily
 * provisional releases before it (README, Statistics: the release rule) */
#ifndef CDM_RELEASES_H
#define CDM_RELEASES_H
#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include "worker.h"

/* What one run made. */
struct release_counts {
    int frozen;       /* rounds frozen by date */
    int figures;      /* neighbourhood totals released (each one indicator.updated) */
};

/* Notes in `rounds` (a JSON object the batch owns: round id -> {neighbourhood
 * id: true}) that a batch moved figures of (round, neighbourhood); NULL
 * neighbourhood: the round's locality cells (sector responses) or the round
 * as a whole (it closed). False when out of memory. */
bool releases_note(json_t *rounds, const char *round, const char *neighbourhood);

/* After a batch, inside its transaction: each noted round that is frozen gets
 * its exact release once every response accepted before the freeze is
 * applied, or, already released, a revision of each noted neighbourhood when
 * the rule allows. Rounds are taken in id order (their locks). Each
 * (neighbourhood, round) given an exact release is noted in `touched` (see
 * alerts.h) for its significance and KPIs. False on a database error. */
bool releases_after_batch(PGconn *db, const struct apply_config *cfg, const json_t *rounds,
                          json_t *touched, struct release_counts *out);

/* The clock's part, inside its transaction, on date `now`: freezes the
 * rounds due, makes every exact release due and the provisional releases of
 * the day (revisions come with the batches that apply withdrawals). Notes
 * exact releases in `touched`. */
bool releases_tick(PGconn *db, const struct apply_config *cfg, struct pdate now,
                   json_t *touched, struct release_counts *out);
#endif
