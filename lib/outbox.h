/* outbox.h — adding an event to the transactional outbox */
#ifndef CDM_OUTBOX_H
#define CDM_OUTBOX_H
#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>

/* Inserts event (a CloudEvents envelope, borrowed) into the outbox for topic,
 * keyed by key, inside the caller's open transaction. An event whose id is
 * already there is left as it was (ids are derived, so it is the same event).
 * Returns false on a database error (the caller rolls back). */
bool outbox_add(PGconn *db, const char *topic, const char *key, const json_t *event);

/* Wakes the relay after the caller's transaction committed (see 001 migration
 * for why not inside it). A lost wake-up only delays: the relay also polls. */
void outbox_wake(PGconn *db);
#endif
