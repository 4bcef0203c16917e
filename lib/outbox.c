/* outbox.c — the write side of the transactional outbox */
#include "outbox.h"
#include "log.h"
#include "queries.h"
#include <stdlib.h>

bool outbox_add(PGconn *db, const char *topic, const char *key, const json_t *event)
{
    char *payload = json_dumps(event, JSON_COMPACT);
    if (!payload)
        return false;
    const char *params[OUTBOX_INSERT_NPARAMS] = {
        [OUTBOX_INSERT_P_EVENT_ID] = json_string_value(json_object_get(event, "id")),
        [OUTBOX_INSERT_P_TOPIC] = topic,
        [OUTBOX_INSERT_P_KEY] = key,
        [OUTBOX_INSERT_P_PAYLOAD] = payload,
    };
    PGresult *r = DB_RUN(db, OUTBOX_INSERT, params);
    bool ok = db_ok(r);
    if (!ok)
        log_error("outbox insert failed", json_pack("{s:s}", "error", PQresultErrorMessage(r)));
    PQclear(r);
    free(payload);
    return ok;
}

void outbox_wake(PGconn *db)
{
    db_exec(db, "NOTIFY cdm_outbox");
}
