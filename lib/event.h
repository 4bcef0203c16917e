/* event.h — one CloudEvent built and queued: derived id, current time, envelope, outbox row */
#ifndef CDM_EVENT_H
#define CDM_EVENT_H
#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include "envelope.h"
#include "ids.h"

/* What makes an event what it is. The id is derived from id_parts (a
 * NULL-terminated list of the values that identify the change), so a
 * redelivered trigger derives the same id and the outbox keeps one row; a
 * caller that already holds the id (derived earlier, or read from a row)
 * gives it in id instead. */
struct event_spec {
    const char *type;               /* EVT_* */
    const char *source_base;        /* the deployment's event source (config event_source) */
    const char *origin;             /* who emits it: "api", "indicators", "clock"… */
    const char *subject;            /* what it is about, e.g. "neighbourhoods/<id>/kpis/<id>" */
    const char *const *id_parts;    /* NULL-terminated; used when id is NULL */
    const char *id;                 /* a given id, or NULL */
};

/* The event of spec around data (taken, even on failure), stamped with the
 * current time (RFC 3339, UTC), its id copied into event_id when that is not
 * NULL: a malloc'd compact JSON text the caller free()s, for statements that
 * insert the outbox row themselves; NULL on bad input or out of memory. */
char *event_payload(const struct event_spec *spec, json_t *data, char event_id[UUID_STR_LEN]);

/* Builds the event and adds it to the outbox for topic, keyed by key, inside
 * the caller's open transaction. Takes data. Returns false on bad input or a
 * database error (the caller rolls back). The caller wakes the relay
 * (outbox_wake) after its commit. */
bool event_emit(PGconn *db, const char *topic, const char *key, const struct event_spec *spec,
                json_t *data);
#endif
