/* pgpool.h — a bounded pool of libpq connections with their statements prepared */
#ifndef CDM_PGPOOL_H
#define CDM_PGPOOL_H
#include <libpq-fe.h>
#include <stdbool.h>

typedef struct pg_pool pg_pool;

/* Opens `size` connections to conninfo, each with queries_prepare() done and
 * statement_timeout set to statement_timeout_ms (0: the server's default, no
 * limit), so that no statement holds a pooled connection for longer.
 * Returns NULL (reason in err) if any fails. Caller owns: pgpool_free(). */
pg_pool *pgpool_new(const char *conninfo, int size, int statement_timeout_ms, char *err,
                    size_t errlen);

/* Called with each notification's payload that a pooled connection received. */
typedef void (*pg_notify_fn)(const char *payload, void *arg);

/* Makes every pooled connection LISTEN on channel (again after a reset), and
 * hands each notification one received to fn as the connection goes back
 * (pgpool_release), so that a change made through the pool is seen before
 * the request that made it answers. Call before any acquire; channel must
 * be a plain identifier and outlive the pool. False (reason in err) if a
 * LISTEN failed. */
bool pgpool_listen(pg_pool *pool, const char *channel, pg_notify_fn fn, void *arg, char *err,
                   size_t errlen);
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
 * No statement_timeout: the workers and migrations use it, and a rebuild's
 * statements may run for minutes. Caller owns: PQfinish(). */
PGconn *pg_connect(const char *conninfo);

/* As pg_connect, with statement_timeout set to statement_timeout_ms (0: none). */
PGconn *pg_connect_timeout(const char *conninfo, int statement_timeout_ms);

/* Keeps a worker's connection usable: returns db if it is fine, else closes
 * it and opens a new prepared one (NULL, logged, if the database is away).
 * The caller owns the result: PQfinish(). */
PGconn *pg_ensure(PGconn *db, const char *conninfo);

/* Opens one connection outside any pool with statements prepared; NULL on
 * failure (reason in err). Caller owns: PQfinish(). */
PGconn *pg_connect_prepared(const char *conninfo, char *err, size_t errlen);

/* As pg_connect_prepared, with statement_timeout_ms (0: none). */
PGconn *pg_connect_prepared_timeout(const char *conninfo, int statement_timeout_ms, char *err,
                                    size_t errlen);
#endif
