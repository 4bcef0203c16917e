/* queries.c — preparing every concern's statements on a connection, and running them */
#include "queries.h"
#include <stdio.h>
#include <string.h>

const struct named_sql *const statement_sets[] = {
    delivery_statements,  aggregate_statements, geography_statements, registry_statements,
    community_statements, instrument_statements, kpi_statements,     clock_statements,
    alert_statements,     figure_statements,      dated_statements,   rebuild_statements,
    release_statements, audit_statements,
    NULL,
};

bool queries_prepare(PGconn *conn, char *err, size_t errlen)
{
    for (size_t s = 0; statement_sets[s]; s++)
        for (const struct named_sql *q = statement_sets[s]; q->name; q++) {
            PGresult *r = PQprepare(conn, q->name, q->sql, 0, NULL);
            bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
            if (!ok)
                snprintf(err, errlen, "prepare %s: %s", q->name, PQresultErrorMessage(r));
            PQclear(r);
            if (!ok)
                return false;
        }
    return true;
}

PGresult *db_run(PGconn *conn, const char *name, int nparams, const char *const *params)
{
    PGresult *r = PQexecPrepared(conn, name, nparams, params, NULL, NULL, 0);
    return r ? r : PQmakeEmptyPGresult(conn, PGRES_FATAL_ERROR);
}

bool db_ok(const PGresult *r)
{
    ExecStatusType st = PQresultStatus(r);
    return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
}

bool db_ok_clear(PGresult *r)
{
    bool ok = db_ok(r);
    PQclear(r);
    return ok;
}

bool db_lock_taken(PGresult *r, int column)
{
    bool taken = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 &&
                 strcmp(PQgetvalue(r, 0, column), "t") == 0;
    PQclear(r);
    return taken;
}

bool db_exec(PGconn *conn, const char *sql)
{
    PGresult *r = PQexec(conn, sql);
    bool ok = db_ok(r);
    PQclear(r);
    return ok;
}

const char *db_sqlstate(const PGresult *r)
{
    const char *s = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    return s ? s : "";
}
