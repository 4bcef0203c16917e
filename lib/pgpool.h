/* pgpool.h — a bounded pool of libpq connections with their statements prepared */
#ifndef CDM_PGPOOL_H
#define CDM_PGPOOL_H
#include <libpq-fe.h>
#include <stdbool.h>

typedef struct pg_pool pg_pool;

/* Opens `size` connections to conninfo, each with queries_prepare() done.
 * Returns NULL (reason in err) if any fails. Caller owns: pgpool_free(). */
pg_pool *pgpool_new(const char *conninfo, int size, char *err, size_t errlen);
void pgpool_free(pg_pool *pool);

/* Borrows a connection, waiting up to timeout_ms for one to be free. A
 * connection found broken is reset and re-prepared first (PQreset drops
 * prepared statements). Returns NULL on timeout or if the database is
 * unreachable. The connection goes back with pgpool_release(). */
PGconn *pgpool_acquire(pg_pool *pool, int timeout_ms);

/* Returns a borrowed connection. If it is inside a transaction (the caller
 * failed half way), it is rolled back first. */
void pgpool_release(pg_pool *pool, PGconn *conn);

/* Connections in use and in all, for /metrics. */
void pgpool_usage(pg_pool *pool, int *in_use, int *size);

/* Opens a connection with a 5 s connect timeout; never NULL (check PQstatus).
 * Caller owns: PQfinish(). */
PGconn *pg_connect(const char *conninfo);

/* Keeps a worker's connection usable: returns db if it is fine, else closes
 * it and opens a new prepared one (NULL, logged, if the database is away).
 * The caller owns the result: PQfinish(). */
PGconn *pg_ensure(PGconn *db, const char *conninfo);

/* Opens one connection outside any pool with statements prepared; NULL on
 * failure (reason in err). Caller owns: PQfinish(). */
PGconn *pg_connect_prepared(const char *conninfo, char *err, size_t errlen);
#endif
