/* inproc.h — the in-process API harness: real routes, requests built in C, a faked database */
#ifndef CDM_INPROC_H
#define CDM_INPROC_H
/* The routes are registered with http_register on a _u_instance that is
 * never started; a test builds a _u_request, and ex_send runs the endpoints
 * Ulfius would match for it, in Ulfius's order, so http.c's pre-callback,
 * authentication, dispatch and post-callback run as they do in cdm-api. The
 * link (-Wl,--wrap, see the Makefile) replaces the pool, the statement
 * runner, BEGIN/COMMIT, the connection's status and the log with the fakes
 * below: a test says with expect_* which statements a request must run and
 * what they answer; an unexpected one fails the test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <libpq-fe.h>
#include "http.h"
#include "queries.h"

/* ---------------------------------------------------------------- the server */

/* What the tests run against: the configuration, the schema set and the
 * routes exactly as cdm-api loads and registers them, with no socket. */
struct inproc_server {
    struct cdm_config cfg;
    struct api_ctx ctx;
    struct _u_instance inst;
    PGconn *conn; /* the connection the fake pool lends: a real PGconn that never connected */
};
extern struct inproc_server server;

/* cmocka group setup and teardown: load, register; unregister, free. */
int inproc_start(void **state);
int inproc_stop(void **state);

/* Each group's tests (tests/inproc/<group>.c); each returns its failure count. */
int inproc_problem_tests(void);
int inproc_scope_tests(void);
int inproc_etag_tests(void);
int inproc_limit_tests(void);

/* ---------------------------------------------------------------- the database, faked */

#define FAKE_MAX_COLS 12
#define FAKE_MAX_ROWS 4

/* What a faked statement answers: rows of text values under lower-case column
 * names, in any order; or a failure. The result is laid out by the names of
 * the statement's shape (S_COLUMNS), so the fake follows the shape, and a
 * fake that lacks a column of it fails the test. */
struct fake_rows {
    ExecStatusType status; /* PGRES_TUPLES_OK, or PGRES_FATAL_ERROR */
    int ncols, nrows;
    const char *names[FAKE_MAX_COLS];
    const char *values[FAKE_MAX_ROWS][FAKE_MAX_COLS]; /* NULL: SQL NULL */
};

/* A failed statement (the server refused it, or the connection broke). */
extern const struct fake_rows fake_failed;

/* The next statement run must be `name`; it answers rows (kept by pointer:
 * rows must live until the request is answered). */
void expect_statement(const char *name, const struct fake_rows *rows);
/* The next BEGIN/COMMIT/ROLLBACK run must be sql; it succeeds when ok. */
void expect_exec(const char *sql, bool ok);
/* The next pgpool_acquire lends the fake connection (or, with available
 * false, times out as when the database is away). */
void expect_borrow(bool available);

/* Forgets the statements and log lines seen so far (ex_start does it). */
void fake_reset(void);
/* Statements run since the last reset: their names and parameters. */
int fake_calls(void);
const char *fake_call_name(int i);
const char *fake_call_param(int i, int p); /* NULL: an SQL NULL or no such parameter */

/* How the fake connection reports itself to PQstatus (CONNECTION_BAD unless
 * a test says otherwise), and the SQLSTATE db_sqlstate reports (NULL: the
 * result's own). ex_start and fake_reset put both back. */
extern ConnStatusType fake_conn_status;
extern const char *fake_sqlstate;

/* Log lines written since the last reset, and the message of the last one
 * at level "error" ("" if none). Set INPROC_LOG=1 to see them on stderr. */
int fake_log_lines(void);
const char *fake_last_error(void);

/* The __wrap_ replacements the link redirects to (see the Makefile's INPROC_WRAP). */
PGconn *__wrap_pgpool_acquire(pg_pool *pool, int timeout_ms);
void __wrap_pgpool_release(pg_pool *pool, PGconn *conn);
PGresult *__wrap_db_run(PGconn *conn, const char *name, int nparams, const char *const *params);
bool __wrap_db_exec(PGconn *conn, const char *sql);
const char *__wrap_db_sqlstate(const PGresult *r);
ConnStatusType __wrap_PQstatus(const PGconn *conn);
void __wrap_log_json(const char *level, const char *msg, json_t *fields);
ConnStatusType __real_PQstatus(const PGconn *conn);
const char *__real_db_sqlstate(const PGresult *r);
void __real_log_json(const char *level, const char *msg, json_t *fields);

/* ---------------------------------------------------------------- API keys, faked */

/* A key as the key lookup returns it: a real key (apikey_generate), its
 * hash, scopes and neighbourhoods. */
struct fake_key {
    char key[APIKEY_LEN + 1], prefix[APIKEY_PREFIX_LEN + 1], hash[APIKEY_HASH_HEX];
    char scopes[64], neighbourhoods[2 * UUID_STR_LEN + 4], agency_id[UUID_STR_LEN],
        key_id[UUID_STR_LEN];
    struct fake_rows row;
};

/* A new key with scopes (enum scope bits) for the whole locality, or for the
 * one neighbourhood given (a lower-case UUID). The lookup's row points into k:
 * keep k where it is while requests use it. */
void fake_key_make(struct fake_key *k, unsigned scopes, const char *neighbourhood);
/* The key is revoked or expired (the lookup's liveness column false). */
void fake_key_revoke(struct fake_key *k);
/* The key's own rate limit, requests per second ("" for the default). */
void fake_key_rate(struct fake_key *k, const char *per_second);
/* The request presenting k borrows the connection and looks the key up. */
void expect_key_lookup(const struct fake_key *k);

/* ---------------------------------------------------------------- requests */

/* One request and its answer, run through the endpoints Ulfius would run. */
struct exchange {
    struct _u_request req;
    struct _u_response res;
    struct _u_map query; /* ?name=value pairs, put into map_url before each callback */
    int callbacks;       /* endpoints that ran */
    json_t *json;        /* the answer's body as JSON, or NULL */
};

/* Starts a request: method and url (path, optionally ?query). Clears the
 * fakes' logs. End with ex_end. */
void ex_start(struct exchange *x, const char *method, const char *url);
void ex_header(struct exchange *x, const char *name, const char *value);
/* Authorization: Bearer <k's key>. */
void ex_key(struct exchange *x, const struct fake_key *k);
/* A body with its Content-Type (NULL: none) and Content-Length. */
void ex_body(struct exchange *x, const char *content_type, const char *body);
/* An application/json body. */
void ex_json(struct exchange *x, const char *body);
/* Runs the pre-callback, the matching routes and the post-callback in
 * Ulfius's order, then frees the request's state as Ulfius does. Checks that
 * every borrowed connection went back. Returns the HTTP status. */
long ex_send(struct exchange *x);
/* A header of the answer, or NULL. */
const char *ex_reply_header(const struct exchange *x, const char *name);
void ex_end(struct exchange *x);

/* The answer is an RFC 9457 problem: status, its type, Content-Type
 * application/problem+json, a body valid against schemas/problem.json whose
 * status agrees and whose instance is instance (NULL: not checked). */
#define assert_problem_response(res, instance, status, type) \
    check_problem((res), (instance), (status), (type), __FILE__, __LINE__)
#define assert_problem(x, status, type) \
    check_problem(&(x)->res, (x)->req.url_path, (status), (type), __FILE__, __LINE__)
void check_problem(const struct _u_response *res, const char *instance, long status,
                   const char *type, const char *file, int line);
/* The answer's body parsed as JSON. Caller owns: json_decref(). */
json_t *response_json(const struct _u_response *res);
/* A string member of a JSON object, or NULL. */
const char *json_str(const json_t *o, const char *key);
#endif
