/* migrate.c — applies the embedded migrations in order, each once */
#include "migrate.h"
#include "locks.h"
#include "log.h"
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "pgpool.h"


static bool exec_ok(PGconn *conn, const char *sql, char *err, size_t errlen)
{
    PGresult *r = PQexec(conn, sql);
    ExecStatusType st = PQresultStatus(r);
    bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
    if (!ok)
        snprintf(err, errlen, "%s", PQresultErrorMessage(r));
    PQclear(r);
    return ok;
}

static bool applied(PGconn *conn, int version, bool *yes, char *err, size_t errlen)
{
    char v[16];
    snprintf(v, sizeof v, "%d", version);
    const char *params[] = {v};
    PGresult *r = PQexecParams(conn, "SELECT 1 FROM schema_migrations WHERE version = $1", 1,
                               NULL, params, NULL, NULL, 0);
    bool ok = PQresultStatus(r) == PGRES_TUPLES_OK;
    if (ok)
        *yes = PQntuples(r) > 0;
    else
        snprintf(err, errlen, "%s", PQresultErrorMessage(r));
    PQclear(r);
    return ok;
}

bool migrate_connect_apply(const char *conninfo, int attempts, char *err, size_t errlen)
{
    for (int attempt = 0; attempt < attempts; attempt++) {
        PGconn *c = pg_connect(conninfo);
        if (PQstatus(c) == CONNECTION_OK) {
            bool ok = migrate_apply(c, err, errlen);
            PQfinish(c);
            return ok;
        }
        snprintf(err, errlen, "%s", PQerrorMessage(c));
        PQfinish(c);
        sleep(1);
    }
    return false;
}

bool migrate_apply(PGconn *conn, char *err, size_t errlen)
{
    if (!exec_ok(conn, "SELECT pg_advisory_lock(" LOCK_MIGRATIONS ")", err, errlen))
        return false;
    bool ok = exec_ok(conn, "SET client_min_messages = warning", err, errlen) &&
              exec_ok(conn,
                      "CREATE TABLE IF NOT EXISTS schema_migrations ("
                      " version integer PRIMARY KEY, name text NOT NULL,"
                      " applied_at timestamptz NOT NULL DEFAULT now())",
                      err, errlen);
    for (int i = 0; ok && i < cdm_migrations_count; i++) {
        const struct cdm_migration *m = &cdm_migrations[i];
        bool done = false;
        if (!(ok = applied(conn, m->version, &done, err, errlen)) || done)
            continue;
        char v[16];
        snprintf(v, sizeof v, "%d", m->version);
        const char *params[] = {v, m->name};
        ok = exec_ok(conn, "BEGIN", err, errlen) && exec_ok(conn, m->sql, err, errlen);
        if (ok) {
            PGresult *r = PQexecParams(
                conn, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", 2, NULL,
                params, NULL, NULL, 0);
            ok = PQresultStatus(r) == PGRES_COMMAND_OK;
            if (!ok)
                snprintf(err, errlen, "%s", PQresultErrorMessage(r));
            PQclear(r);
        }
        if (ok)
            ok = exec_ok(conn, "COMMIT", err, errlen);
        if (!ok) {
            char ignored[8];
            exec_ok(conn, "ROLLBACK", ignored, sizeof ignored);
            log_error("migration failed", json_pack("{s:s}", "migration", m->name));
        } else {
            log_info("migration applied", json_pack("{s:s}", "migration", m->name));
        }
    }
    char ignored[8];
    exec_ok(conn, "SELECT pg_advisory_unlock(" LOCK_MIGRATIONS ")", ignored, sizeof ignored);
    return ok;
}
