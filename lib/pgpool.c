/* pgpool.c — connection pool: a mutex, a condition variable and a fixed array */
#include "pgpool.h"
#include "log.h"
#include "queries.h"
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct pg_pool {
    pthread_mutex_t lock;
    pthread_cond_t freed;
    int size, in_use;
    PGconn **conns;
    bool *busy;
    const char *channel; /* LISTENed on every connection, or NULL */
    pg_notify_fn on_notify;
    void *notify_arg;
};

PGconn *pg_connect_timeout(const char *conninfo, int statement_timeout_ms)
{
    /* dbname is expanded as a full connection string or URI; the bounded
     * connect_timeout keeps a reconnect from holding an HTTP thread for long.
     * The options come after it, so they win over any in conninfo, and
     * PQreset keeps them. */
    char options[64];
    snprintf(options, sizeof options, "-c statement_timeout=%d", statement_timeout_ms);
    const char *keys[] = {"dbname", "connect_timeout", "options", NULL};
    const char *values[] = {conninfo, "5", options, NULL};
    if (statement_timeout_ms <= 0)
        keys[2] = NULL; /* none: the server's (or conninfo's) setting */
    return PQconnectdbParams(keys, values, 1);
}

PGconn *pg_connect(const char *conninfo)
{
    return pg_connect_timeout(conninfo, 0);
}

PGconn *pg_connect_prepared(const char *conninfo, char *err, size_t errlen)
{
    return pg_connect_prepared_timeout(conninfo, 0, err, errlen);
}

PGconn *pg_connect_prepared_timeout(const char *conninfo, int statement_timeout_ms, char *err,
                                    size_t errlen)
{
    PGconn *c = pg_connect_timeout(conninfo, statement_timeout_ms);
    if (PQstatus(c) != CONNECTION_OK) {
        snprintf(err, errlen, "%s", PQerrorMessage(c));
        PQfinish(c);
        return NULL;
    }
    if (!queries_prepare(c, err, errlen)) {
        PQfinish(c);
        return NULL;
    }
    return c;
}

PGconn *pg_ensure(PGconn *db, const char *conninfo)
{
    if (db && PQstatus(db) == CONNECTION_OK)
        return db;
    if (db)
        PQfinish(db);
    char err[512];
    db = pg_connect_prepared(conninfo, err, sizeof err);
    if (!db)
        log_error("database unreachable", json_pack("{s:s}", "error", err));
    return db;
}

pg_pool *pgpool_new(const char *conninfo, int size, int statement_timeout_ms, char *err,
                    size_t errlen)
{
    pg_pool *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->conns = calloc((size_t)size, sizeof *p->conns);
    p->busy = calloc((size_t)size, sizeof *p->busy);
    p->size = size;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->freed, NULL);
    if (!p->conns || !p->busy) {
        pgpool_free(p);
        return NULL;
    }
    for (int i = 0; i < size; i++) {
        if (!(p->conns[i] = pg_connect_prepared_timeout(conninfo, statement_timeout_ms, err, errlen))) {
            pgpool_free(p);
            return NULL;
        }
    }
    return p;
}

void pgpool_free(pg_pool *p)
{
    if (!p)
        return;
    for (int i = 0; p->conns && i < p->size; i++)
        if (p->conns[i])
            PQfinish(p->conns[i]);
    free(p->conns);
    free(p->busy);
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->freed);
    free(p);
}

/* LISTEN channel on c (the channel is a plain identifier: no quoting). */
static bool listen_on(PGconn *c, const char *channel, char *err, size_t errlen)
{
    char sql[128];
    snprintf(sql, sizeof sql, "LISTEN %s", channel);
    PGresult *r = PQexec(c, sql);
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok)
        snprintf(err, errlen, "%s", PQerrorMessage(c));
    PQclear(r);
    return ok;
}

bool pgpool_listen(pg_pool *p, const char *channel, pg_notify_fn fn, void *arg, char *err,
                   size_t errlen)
{
    for (int i = 0; i < p->size; i++)
        if (!listen_on(p->conns[i], channel, err, errlen))
            return false;
    p->channel = channel;
    p->on_notify = fn;
    p->notify_arg = arg;
    return true;
}

/* Brings a broken connection back: reset, then prepare (and listen) again. */
static bool revive(pg_pool *p, PGconn *c)
{
    if (PQstatus(c) == CONNECTION_OK)
        return true;
    PQreset(c);
    if (PQstatus(c) != CONNECTION_OK)
        return false;
    char err[256];
    if (!queries_prepare(c, err, sizeof err)) {
        log_error("re-prepare failed", json_pack("{s:s}", "error", err));
        return false;
    }
    if (p->channel && !listen_on(c, p->channel, err, sizeof err)) {
        log_error("re-listen failed", json_pack("{s:s}", "error", err));
        return false;
    }
    /* What was notified while it was away is lost: say so, as a NULL payload. */
    if (p->on_notify)
        p->on_notify(NULL, p->notify_arg);
    log_info("database connection re-established", NULL);
    return true;
}

PGconn *pgpool_acquire(pg_pool *p, int timeout_ms)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    PGconn *c = NULL;
    pthread_mutex_lock(&p->lock);
    while (p->in_use == p->size) {
        if (pthread_cond_timedwait(&p->freed, &p->lock, &deadline) == ETIMEDOUT)
            break;
    }
    for (int i = 0; i < p->size && p->in_use < p->size; i++) {
        if (!p->busy[i]) {
            p->busy[i] = true;
            p->in_use++;
            c = p->conns[i];
            break;
        }
    }
    pthread_mutex_unlock(&p->lock);
    if (c && !revive(p, c)) {
        pgpool_release(p, c);
        return NULL;
    }
    return c;
}

void pgpool_release(pg_pool *p, PGconn *c)
{
    if (!c)
        return;
    if (PQstatus(c) == CONNECTION_OK && PQtransactionStatus(c) != PQTRANS_IDLE)
        db_exec(c, "ROLLBACK");
    if (p->on_notify) {
        PQconsumeInput(c); /* what arrived since its last statement, without waiting */
        for (PGnotify *n; (n = PQnotifies(c)) != NULL; PQfreemem(n))
            p->on_notify(n->extra, p->notify_arg);
    }
    pthread_mutex_lock(&p->lock);
    for (int i = 0; i < p->size; i++) {
        if (p->conns[i] == c && p->busy[i]) {
            p->busy[i] = false;
            p->in_use--;
            break;
        }
    }
    pthread_cond_signal(&p->freed);
    pthread_mutex_unlock(&p->lock);
}

void pgpool_usage(pg_pool *p, int *in_use, int *size)
{
    pthread_mutex_lock(&p->lock);
    *in_use = p->in_use;
    *size = p->size;
    pthread_mutex_unlock(&p->lock);
}
