/* transaction.h — a write's transaction: begin, commit and wake the relay, roll back the rest */
#ifndef CDM_TRANSACTION_H
#define CDM_TRANSACTION_H
#include "http.h"

/* The transaction of a write on the borrowed connection. begin: 503 when the
 * database is not reachable. commit: 503 when it did not commit; after a
 * commit, wakes the relay (the write's events are in the outbox). end: rolls
 * back whatever is still open, on every path out (the connection goes back
 * to the pool). */
bool record_tx_begin(PGconn *db, struct outcome *o);
bool record_tx_commit(PGconn *db, struct outcome *o);
void record_tx_end(PGconn *db);
#endif
