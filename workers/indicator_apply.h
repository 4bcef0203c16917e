/* indicator_apply.h — applying one cdm.submissions event to aggregates, snapshots and the outbox */
#ifndef CDM_INDICATOR_APPLY_H
#define CDM_INDICATOR_APPLY_H
#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include "catalogue.h"
#include "worker.h"

/* What an applied event was, for the log line that follows it through the
 * pipeline (the request id comes from the API request that caused it). */
struct apply_trace {
    char event_id[40];
    char type[40];
    char request_id[72];
};

/* Applies one event inside the caller's open transaction: records its id in
 * processed_event, updates the aggregates of every resident indicator for
 * the response's neighbourhood and round and its cells; a frozen round's
 * release or revision follows (releases.h). Touches a bounded number of
 * rows whatever the number of responses stored. */
enum apply_result indicator_apply_in_tx(PGconn *db, const struct apply_config *cfg,
                                        const char *payload, size_t len,
                                        struct apply_trace *trace);

/* One message of a batch. */
struct apply_input {
    const char *payload;
    size_t len;
};

/* Applies n events in one transaction (one commit for all: the commit, not
 * the statements, is what limits one worker). Duplicates and poison change
 * nothing and are skipped; any database failure rolls the whole batch back
 * and returns APPLY_RETRY, so the caller retries it whole. APPLY_DONE once
 * committed, with one log line per applied event. */
enum apply_result indicator_apply_batch(PGconn *db, const struct apply_config *cfg,
                                        const struct apply_input *in, size_t n);

#endif
