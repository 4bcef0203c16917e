/* queries.h — every SQL statement of the services, named and prepared once per connection */
#ifndef CDM_QUERIES_H
#define CDM_QUERIES_H
#include <libpq-fe.h>
#include <stdbool.h>

/* Statement names and shapes, one header per concern (the SQL is in the .c of the same name). */
#include "queries_delivery.h"
#include "queries_aggregates.h"
#include "queries_geography.h"
#include "queries_registry.h"
#include "queries_community.h"
#include "queries_instruments.h"
#include "queries_kpi.h"
#include "queries_clock.h"
#include "queries_alerts.h"
#include "queries_figures.h"
#include "queries_dated.h"
#include "queries_rebuild.h"
#include "queries_releases.h"
#include "queries_audit.h"

/* Every concern's statements (db/queries_<concern>.c), NULL-terminated:
 * what queries_prepare() prepares and the shape test checks. */
extern const struct named_sql delivery_statements[], aggregate_statements[],
    geography_statements[], registry_statements[],
    community_statements[], instrument_statements[], kpi_statements[], clock_statements[],
    alert_statements[], figure_statements[], dated_statements[], rebuild_statements[],
    release_statements[], audit_statements[];
extern const struct named_sql *const statement_sets[];

/* Prepares every statement on conn. False (with the server's message in
 * err) if one fails: a connection without its statements is not usable. */
bool queries_prepare(PGconn *conn, char *err, size_t errlen);

/* Runs a prepared statement with text parameters. Returns the result, which
 * the caller PQclear()s; never NULL (libpq returns an error result on OOM…
 * and we map a NULL to a fatal-error result for callers' sake). */
PGresult *db_run(PGconn *conn, const char *name, int nparams, const char *const *params);

/* True if r is COMMAND_OK or TUPLES_OK. */
bool db_ok(const PGresult *r);
/* db_ok(r), and r cleared: for a statement whose rows nobody reads. */
bool db_ok_clear(PGresult *r);

/* Whether r, what a try-lock statement (pg_try_advisory_lock or its _xact_
 * form) answered, says the lock was taken: its boolean column `column` is
 * true. False when another session holds the lock or the statement failed.
 * Clears r. */
bool db_lock_taken(PGresult *r, int column);

/* Runs BEGIN / COMMIT / ROLLBACK; true on success. */
bool db_exec(PGconn *conn, const char *sql);

/* The SQLSTATE of a failed result, or "" (static or owned by r). */
const char *db_sqlstate(const PGresult *r);
#endif
