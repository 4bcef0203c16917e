/* cell_apply.h — a batch's contributions to the cells beyond (neighbourhood, all):
 * ward, age band, sex, sector locality; ward response counts and sample.adequate */
#ifndef CDM_CELL_APPLY_H
#define CDM_CELL_APPLY_H
#include "worker.h"
#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>

/* Where one counted response goes (NULL: not known / not applicable). A
 * sector response has no neighbourhood and goes to its round's locality cell.
 * The strings are borrowed for the duration of a call. */
struct cell_keys {
    const char *neighbourhood, *round, *ward, *age_band, *sex;
};

/* Columns as JSON arrays of strings, folded by cell_batch_flush in one
 * statement. Owned by the batch. */
struct cell_batch {
    json_t *indicator, *round, *level, *key, *by, *group, *weight, *y, *sign;
    json_t *count_ward, *count_round, *count_sign; /* one per (ward, round), signs summed */
};

bool cell_batch_init(struct cell_batch *c);
void cell_batch_free(struct cell_batch *c);

/* Records one (response, indicator) contribution in every cell of k. */
bool cell_batch_push(struct cell_batch *c, const struct cell_keys *k, const char *indicator,
                     const char *weight, int y, int sign);

/* Records one response (sign 1) or its withdrawal (-1) in its ward's count. */
bool cell_batch_count(struct cell_batch *c, const struct cell_keys *k, int sign);

/* Folds the batch into indicator_cell and ward_round_count (one statement),
 * and adds a sample.adequate event to the outbox for each ward that reached
 * the adequate sample for the first time, one per neighbourhood containing it. */
enum apply_result cell_batch_flush(PGconn *db, const struct apply_config *cfg,
                                   struct cell_batch *c);
#endif
