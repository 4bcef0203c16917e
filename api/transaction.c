/* transaction.c — a write's transaction: begin, commit and wake the relay, roll back the rest */
#include "transaction.h"
#include "outbox.h"
#include "queries.h"

bool record_tx_begin(PGconn *db, struct outcome *o)
{
    if (db_exec(db, "BEGIN"))
        return true;
    outcome_fail(o, CDM_ERR_UNAVAILABLE, "the database is not reachable; retry later");
    return false;
}

bool record_tx_commit(PGconn *db, struct outcome *o)
{
    if (!db_exec(db, "COMMIT")) {
        outcome_fail(o, CDM_ERR_UNAVAILABLE, "the database did not commit; retry later");
        return false;
    }
    outbox_wake(db);
    return true;
}

void record_tx_end(PGconn *db)
{
    if (PQstatus(db) == CONNECTION_OK && PQtransactionStatus(db) != PQTRANS_IDLE)
        db_exec(db, "ROLLBACK");
}
