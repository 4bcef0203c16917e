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
    const char *params[] = {json_string_value(json_object_get(event, "id")), topic, key, payload};
    PGresult *r = db_run(db, Q_OUTBOX_INSERT, 4, params);
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
