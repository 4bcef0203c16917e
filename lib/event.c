/* event.c — one CloudEvent built and queued: derived id, current time, envelope, outbox row */
#include "event.h"
#include <stdio.h>
#include <stdlib.h>
#include "outbox.h"

/* Builds the envelope of spec around data (taken, even on failure), stamped
 * with the current time; copies its id into event_id when that is not NULL.
 * A new reference, or NULL on bad input or out of memory. */
static json_t *event_build(const struct event_spec *spec, json_t *data,
                           char event_id[UUID_STR_LEN])
{
    char id[UUID_STR_LEN], when[40], source[300];
    if (!data)
        return NULL;
    if (spec->id)
        snprintf(id, sizeof id, "%s", spec->id);
    else if (spec->id_parts)
        uuid_derive(id, spec->id_parts);
    else {
        json_decref(data);
        return NULL;
    }
    rfc3339_now(when, sizeof when);
    snprintf(source, sizeof source, "%s/%s", spec->source_base ? spec->source_base : "",
             spec->origin ? spec->origin : "");
    if (event_id)
        snprintf(event_id, UUID_STR_LEN, "%s", id);
    return envelope_new(id, source, spec->type, spec->subject, when, data);
}

char *event_payload(const struct event_spec *spec, json_t *data, char event_id[UUID_STR_LEN])
{
    json_t *ev = event_build(spec, data, event_id);
    char *payload = ev ? json_dumps(ev, JSON_COMPACT) : NULL;
    json_decref(ev);
    return payload;
}

bool event_emit(PGconn *db, const char *topic, const char *key, const struct event_spec *spec,
                json_t *data)
{
    json_t *ev = event_build(spec, data, NULL);
    bool ok = ev && outbox_add(db, topic, key, ev);
    json_decref(ev);
    return ok;
}
