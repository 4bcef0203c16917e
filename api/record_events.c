/* record_events.c — the record.created / .updated / .withdrawn events of a record's versions */
#include "record_events.h"
#include "event.h"
#include <stdio.h>

/* A record change's event spec with the buffers it points into. */
struct record_change {
    char type[32], version[24], subject[96];
    const char *id_parts[5];
    struct event_spec spec;
};

/* Fills c for one change of a record and returns the event's data: a new
 * reference that event_payload / event_emit take, or NULL when out of memory. */
static json_t *record_change_of(struct record_change *c, const struct route_call *call,
                                const char *change, const char *entity, const char *id,
                                long version, const json_t *neighbourhood_ids)
{
    snprintf(c->type, sizeof c->type, "record.%s", change);
    snprintf(c->version, sizeof c->version, "%ld", version);
    snprintf(c->subject, sizeof c->subject, "%s/%s", entity, id);
    c->id_parts[0] = c->type;
    c->id_parts[1] = entity;
    c->id_parts[2] = id;
    c->id_parts[3] = c->version;
    c->id_parts[4] = NULL;
    c->spec = (struct event_spec){
        .type = c->type,
        .source_base = call->ctx->cfg->event_source,
        .origin = "api",
        .subject = c->subject,
        .id_parts = c->id_parts,
    };
    json_t *ids = neighbourhood_ids ? json_deep_copy(neighbourhood_ids) : json_array();
    return json_pack("{s:s, s:s, s:I, s:o, s:s}", "entity", entity, "id", id, "version",
                     (json_int_t)version, "neighbourhoodIds", ids, "requestId",
                     call->request_id ? call->request_id : "");
}

char *record_event_payload(const struct route_call *call, const char *change,
                           const char *entity, const char *id, long version,
                           const json_t *neighbourhood_ids, char event_id[UUID_STR_LEN])
{
    struct record_change c;
    json_t *data = record_change_of(&c, call, change, entity, id, version, neighbourhood_ids);
    return event_payload(&c.spec, data, event_id);
}

bool record_event_add(PGconn *db, const struct route_call *call, const char *change,
                      const char *entity, const char *id, long version,
                      const json_t *neighbourhood_ids)
{
    struct record_change c;
    json_t *data = record_change_of(&c, call, change, entity, id, version, neighbourhood_ids);
    return event_emit(db, call->ctx->cfg->topic_submissions, id, &c.spec, data);
}
