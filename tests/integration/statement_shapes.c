/* statement_shapes.c — every prepared statement has the parameters and result columns its header names.
 *
 * Usage: statement_shapes CONNINFO (of a migrated database). Prepares each
 * statement of every concern (db/queries.h: statement_sets) on one
 * connection and asks the server for its shape (PQdescribePrepared): the
 * number of parameters must be S_NPARAMS, the number of result columns
 * S_NCOLS, and column i must be called what enum member i says (in lower
 * case, as PostgreSQL folds unquoted aliases). Prints one line per mismatch
 * and exits 1 if there is any; a statement declared without its shape counts
 * as a mismatch. */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "queries.h"

/* Compares one statement with its declared shape; returns the mismatches found. */
static int check(PGconn *c, const struct named_sql *q)
{
    if (!q->columns) {
        printf("%s: no shape declared (DB_SHAPE and DB_STATEMENT)\n", q->name);
        return 1;
    }
    PGresult *r = PQprepare(c, q->name, q->sql, 0, NULL);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        printf("%s: does not prepare: %s", q->name, PQresultErrorMessage(r));
        PQclear(r);
        return 1;
    }
    PQclear(r);
    PGresult *d = PQdescribePrepared(c, q->name);
    int bad = 0;
    if (PQresultStatus(d) != PGRES_COMMAND_OK) {
        printf("%s: describe failed: %s", q->name, PQresultErrorMessage(d));
        PQclear(d);
        return 1;
    }
    if (PQnparams(d) != q->nparams) {
        printf("%s: %d parameters in the SQL, %d named\n", q->name, PQnparams(d), q->nparams);
        bad++;
    }
    if (PQnfields(d) != q->ncolumns) {
        printf("%s: %d result columns in the SQL, %d named\n", q->name, PQnfields(d), q->ncolumns);
        bad++;
    }
    for (int i = 0; i < PQnfields(d) && i < q->ncolumns; i++)
        if (strcasecmp(PQfname(d, i), q->columns[i]) != 0) {
            printf("%s: column %d is \"%s\" in the SQL, %s in the enum\n", q->name, i,
                   PQfname(d, i), q->columns[i]);
            bad++;
        }
    PQclear(d);
    return bad;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s CONNINFO\n", argv[0]);
        return 2;
    }
    PGconn *c = PQconnectdb(argv[1]);
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "connect: %s", PQerrorMessage(c));
        PQfinish(c);
        return 2;
    }
    int statements = 0, bad = 0;
    for (size_t s = 0; statement_sets[s]; s++)
        for (const struct named_sql *q = statement_sets[s]; q->name; q++, statements++)
            bad += check(c, q);
    PQfinish(c);
    printf("%d statements, %d mismatches\n", statements, bad);
    return bad ? 1 : 0;
}
