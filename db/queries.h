/* queries.h — every SQL statement of the services, named and prepared once per connection */
#ifndef CDM_QUERIES_H
#define CDM_QUERIES_H
#include <libpq-fe.h>
#include <stdbool.h>

/* Statement names (the SQL is in queries.c). */
#define Q_NEIGHBOURHOOD_INSERT   "neighbourhood_insert"
#define Q_NEIGHBOURHOOD_LIST     "neighbourhood_list"
#define Q_NEIGHBOURHOOD_GET      "neighbourhood_get"
#define Q_ROUND_INSERT           "round_insert"
#define Q_ROUND_AREA_INSERT      "round_area_insert"
#define Q_ROUND_GET              "round_get"
#define Q_RESPONSE_SUBMIT        "response_submit"
#define Q_RESPONSE_EXISTING      "response_existing"
#define Q_RESPONSE_WITHDRAW      "response_withdraw"
#define Q_OUTBOX_INSERT          "outbox_insert"
#define Q_INDICATORS_FOR_AREA    "indicators_for_area"
#define Q_OUTBOX_FETCH           "outbox_fetch"
#define Q_OUTBOX_MARK            "outbox_mark"
#define Q_OUTBOX_BACKLOG         "outbox_backlog"
#define Q_PROCESSED_INSERT       "processed_insert"
#define Q_RESPONSE_FOR_APPLY     "response_for_apply"
#define Q_RESPONSE_SET_COUNTED   "response_set_counted"
#define Q_AGGREGATE_APPLY        "aggregate_apply"
#define Q_CONTRIBUTIONS_ADD      "contributions_add"
#define Q_CONTRIBUTIONS_TAKE     "contributions_take"
#define Q_ROUND_OPEN             "round_open"
#define Q_SNAPSHOT_UPSERT        "snapshot_upsert"

#define Q_KEY_LOOKUP             "key_lookup"
#define Q_AGENCY_INSERT          "agency_insert"
#define Q_AGENCY_LIST            "agency_list"
#define Q_AGENCY_GET             "agency_get"
#define Q_AGENCY_ENSURE          "agency_ensure"
#define Q_KEY_INSERT             "key_insert"
#define Q_KEY_REVOKE             "key_revoke"
#define Q_NEIGHBOURHOODS_EXIST   "neighbourhoods_exist"
#define Q_RESPONSE_AREA          "response_area"

#define Q_EVENT_FEED             "event_feed"
#define Q_SUBSCRIPTION_INSERT    "subscription_insert"
#define Q_SUBSCRIPTION_REPLAY    "subscription_replay"
#define Q_SUBSCRIPTION_LIST      "subscription_list"
#define Q_SUBSCRIPTION_GET       "subscription_get"
#define Q_SUBSCRIPTION_DELETE    "subscription_delete"
#define Q_SUBSCRIPTION_ROTATE    "subscription_rotate"
#define Q_DEAD_LETTERS           "dead_letters"
#define Q_DEAD_LETTERS_REDRIVE   "dead_letters_redrive"
#define Q_DELIVERY_FANOUT        "delivery_fanout"
#define Q_DELIVERY_DUE           "delivery_due"
#define Q_DELIVERY_DONE          "delivery_done"
#define Q_DELIVERY_RETRY         "delivery_retry"
#define Q_SUBSCRIPTION_DISABLE   "subscription_disable"
#define Q_DELIVERY_COUNTS        "delivery_counts"
#define Q_SUBSCRIPTION_SCOPE     "subscription_scope"

/* A named statement. Each concern keeps its SQL in its own file (queries.c for
 * the skeleton, queries_<concern>.c for the domain), as an array ending with
 * {NULL, NULL}. */
struct named_sql {
    const char *name;
    const char *sql;
};
extern const struct named_sql geography_statements[], registry_statements[],
    community_statements[], instrument_statements[];

/* Prepares every statement on conn. False (with the server's message in
 * err) if one fails: a connection without its statements is not usable. */
bool queries_prepare(PGconn *conn, char *err, size_t errlen);

/* Runs a prepared statement with text parameters. Returns the result, which
 * the caller PQclear()s; never NULL (libpq returns an error result on OOM…
 * and we map a NULL to a fatal-error result for callers' sake). */
PGresult *db_run(PGconn *conn, const char *name, int nparams, const char *const *params);

/* True if r is COMMAND_OK or TUPLES_OK. */
bool db_ok(const PGresult *r);

/* Runs BEGIN / COMMIT / ROLLBACK; true on success. */
bool db_exec(PGconn *conn, const char *sql);

/* The SQLSTATE of a failed result, or "" (static or owned by r). */
const char *db_sqlstate(const PGresult *r);
#endif
