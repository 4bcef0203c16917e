/* alerts.h — indicator.significant_change (adverse alerts) and KPIs re-judged when a closed round moves */
#ifndef CDM_ALERTS_H
#define CDM_ALERTS_H
#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include "worker.h"
#include "programme.h"

/* Notes in `touched` (a JSON object the batch owns: neighbourhood -> {round:
 * true}, or {"*": true} for every round) that the batch changed
 * neighbourhood's figures of `round` (NULL: a change that may move every
 * closed round of it, such as a round closing or a new baseline). False when
 * out of memory. */
bool alerts_note(json_t *touched, const char *neighbourhood, const char *round);

/* Takes a record.* event about a survey round (closed, or made a baseline):
 * records its id in processed_event and notes each of its neighbourhoods in
 * `touched`, with *result set (APPLY_DONE, APPLY_DUPLICATE, APPLY_RETRY).
 * Returns false, leaving *result alone, for any other event. */
bool alerts_record_event(PGconn *db, const struct apply_config *cfg, const json_t *ev,
                         json_t *touched, enum apply_result *result);

/* After a batch, inside its transaction: for each touched (neighbourhood,
 * round) whose round is closed on the clock's date, the significance of every
 * indicator is judged exactly as the API shows it, each change announced once
 * (indicator.significant_change), then the neighbourhood's KPI targets are
 * judged again (kpi.status_changed when one moves). Open rounds cost one
 * small query each. False on a database error (the batch is retried). */
bool alerts_after_batch(PGconn *db, const struct apply_config *cfg, const json_t *touched);

/* Makes the next alerts_tick judge again every round of each neighbourhood
 * noted in `touched` (as releases_tick notes them): the clock then takes
 * every neighbourhood's lock in one sorted pass, as a batch does, and never
 * in two. False on a database error. */
bool alerts_uncheck(PGconn *db, const json_t *touched);

/* The clock's part, inside its transaction: every resident (neighbourhood,
 * round) closed on `now` that no evaluation has seen yet — a round whose
 * fieldwork ended — is evaluated as above (without the KPIs: the tick judges
 * them all). Adds the events written to *events. False on a database error. */
bool alerts_tick(PGconn *db, const struct apply_config *cfg, struct pdate now, int *events);
#endif
