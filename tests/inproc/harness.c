/* harness.c — the in-process server, Ulfius's callback order without a socket, the fakes */
#include "inproc.h"
#include "apikey.h"
#include "ids.h"
#include "jsonschema.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Ulfius's own routing, exported by libulfius but declared only in its private
 * u_private.h (2.7): the ordered list of endpoints a request matches, and the
 * :name parameters of one of them. Using them keeps the tests' routing Ulfius's. */
struct _u_endpoint **ulfius_endpoint_match(const char *method, const char *url,
                                           struct _u_endpoint *endpoint_list);
int ulfius_parse_url(const char *url, const struct _u_endpoint *endpoint, struct _u_map *map,
                     int check_utf8);

struct inproc_server server;

static char pool_token; /* the fake pool: only its address is ever used */

/* The one place the harness registers the API: the list cdm-api registers. */
static bool inproc_register(void)
{
    return http_register(&server.inst, &server.ctx, api_route_tables);
}

/* The instance holds the pre- and post-callbacks and exactly the routes of
 * api_route_tables: the list the tests walk is the one cdm-api serves. */
static bool registration_matches_tables(void)
{
    size_t routes = 0;
    for (size_t t = 0; api_route_tables[t]; t++)
        for (const struct route *r = api_route_tables[t]; r->method; r++, routes++) {
            bool found = false;
            for (int e = 0; !found && e < server.inst.nb_endpoints; e++) {
                const struct _u_endpoint *ep = &server.inst.endpoint_list[e];
                found = strcmp(ep->http_method, r->method) == 0 &&
                        strcmp(ep->url_format, r->path) == 0;
            }
            if (!found) {
                print_error("route %s %s is not registered\n", r->method, r->path);
                return false;
            }
        }
    if ((size_t)server.inst.nb_endpoints != routes + 2) {
        print_error("%d endpoints registered, the tables hold %zu routes (+2 callbacks)\n",
                    server.inst.nb_endpoints, routes);
        return false;
    }
    return true;
}

int inproc_start(void **state)
{
    (void)state;
    char err[1024];
    /* The settings the tests depend on; the broker is never contacted, but
     * config_load wants an address, as for cdm-api. */
    setenv("CDM_KAFKA_BOOTSTRAP", "127.0.0.1:9", 1);
    setenv("CDM_MAX_BODY_KIB", "1", 1);
    setenv("CDM_RATE_LIMIT_PER_S", "1000000", 1);
    if (!config_load(&server.cfg, err, sizeof err)) {
        print_error("configuration: %s\n", err);
        return -1;
    }
    memset(&server.ctx, 0, sizeof server.ctx);
    server.ctx.cfg = &server.cfg;
    server.ctx.pool = (pg_pool *)(void *)&pool_token;
    atomic_store(&server.ctx.kafka_up, -1);
    atomic_store(&server.ctx.consumer_lag[0], -1);
    atomic_store(&server.ctx.consumer_lag[1], -1);
    atomic_store(&server.ctx.running, 1);
    server.ctx.rate_limit_per_s = server.cfg.rate_limit_per_s;
    /* The schema set as cdm-api loads it (api/main.c). */
    server.ctx.schemas = js_schema_set_load_dir(server.cfg.schema_dir, err, sizeof err);
    if (!server.ctx.schemas) {
        print_error("schemas (run from the repository root): %s\n", err);
        return -1;
    }
    /* An unknown option: libpq gives back a connection object that never
     * opened a socket, which every libpq call treats as broken. */
    server.conn = PQconnectStart("inproc_never_connects=1");
    if (!server.conn || __real_PQstatus(server.conn) != CONNECTION_BAD) {
        print_error("cannot make the fake connection\n");
        return -1;
    }
    if (ulfius_init_instance(&server.inst, 1, NULL, NULL) != U_OK) /* never started */
        return -1;
    server.inst.max_post_body_size = server.cfg.max_body_bytes + 1;
    if (!inproc_register() || !registration_matches_tables())
        return -1;
    return 0;
}

int inproc_stop(void **state)
{
    (void)state;
    http_unregister(&server.ctx);
    ulfius_clean_instance(&server.inst);
    js_schema_set_free(server.ctx.schemas);
    PQfinish(server.conn);
    return 0;
}

/* ---------------------------------------------------------------- the fakes */

const struct fake_rows fake_failed = {.status = PGRES_FATAL_ERROR};
ConnStatusType fake_conn_status = CONNECTION_BAD;
const char *fake_sqlstate;

#define MAX_CALLS 16
#define MAX_PARAMS 24

static struct {
    char *name;
    int nparams;
    char *params[MAX_PARAMS];
} calls[MAX_CALLS];
static int ncalls;
static int conns_out; /* borrowed from the fake pool and not yet given back */
static int log_lines;
static char last_error[200];

void fake_reset(void)
{
    for (int i = 0; i < ncalls; i++) {
        free(calls[i].name);
        for (int p = 0; p < calls[i].nparams; p++)
            free(calls[i].params[p]);
    }
    memset(calls, 0, sizeof calls);
    ncalls = 0;
    log_lines = 0;
    last_error[0] = '\0';
    fake_conn_status = CONNECTION_BAD;
    fake_sqlstate = NULL;
    /* A test that failed half way through a request left these behind. */
    conns_out = 0;
    atomic_store(&server.ctx.in_flight, 0);
}

int fake_calls(void)
{
    return ncalls;
}

const char *fake_call_name(int i)
{
    return i >= 0 && i < ncalls ? calls[i].name : NULL;
}

const char *fake_call_param(int i, int p)
{
    return i >= 0 && i < ncalls && p >= 0 && p < calls[i].nparams ? calls[i].params[p] : NULL;
}

int fake_log_lines(void)
{
    return log_lines;
}

const char *fake_last_error(void)
{
    return last_error;
}

void expect_statement(const char *name, const struct fake_rows *rows)
{
    expect_string(__wrap_db_run, name, name);
    will_return(__wrap_db_run, rows);
}

void expect_exec(const char *sql, bool ok)
{
    expect_string(__wrap_db_exec, sql, sql);
    will_return(__wrap_db_exec, ok);
}

void expect_borrow(bool available)
{
    will_return(__wrap_pgpool_acquire, available ? server.conn : NULL);
}

PGconn *__wrap_pgpool_acquire(pg_pool *pool, int timeout_ms)
{
    (void)timeout_ms;
    assert_ptr_equal(pool, server.ctx.pool);
    PGconn *c = mock_ptr_type(PGconn *);
    if (c)
        conns_out++;
    return c;
}

void __wrap_pgpool_release(pg_pool *pool, PGconn *conn)
{
    assert_ptr_equal(pool, server.ctx.pool);
    assert_ptr_equal(conn, server.conn);
    assert_true(conns_out > 0);
    conns_out--;
}

static const struct named_sql *statement_named(const char *name)
{
    for (size_t s = 0; statement_sets[s]; s++)
        for (const struct named_sql *q = statement_sets[s]; q->name; q++)
            if (strcmp(q->name, name) == 0)
                return q;
    return NULL;
}

/* The result rows describe, laid out as the statement's shape names its
 * columns when it has one (else in the fake's order). Caller owns: PQclear(). */
static PGresult *fake_result(const struct named_sql *q, const struct fake_rows *f)
{
    if (f->status != PGRES_TUPLES_OK)
        return PQmakeEmptyPGresult(NULL, f->status);
    int order[FAKE_MAX_COLS], n = f->ncols;
    for (int c = 0; c < n; c++)
        order[c] = c;
    {
        if (q->ncolumns != f->ncols)
            fail_msg("statement %s has %d columns, its fake %d: update the fake", q->name,
                     q->ncolumns, f->ncols);
        for (int c = 0; c < n; c++) {
            order[c] = -1;
            for (int j = 0; j < f->ncols && order[c] < 0; j++)
                if (strcasecmp(f->names[j], q->columns[c]) == 0)
                    order[c] = j;
            if (order[c] < 0)
                fail_msg("statement %s has a column %s its fake does not name: update the fake",
                         q->name, q->columns[c]);
        }
    }
    PGresAttDesc desc[FAKE_MAX_COLS];
    memset(desc, 0, sizeof desc);
    for (int c = 0; c < n; c++) {
        desc[c].name = (char *)f->names[order[c]];
        desc[c].typid = 25; /* text */
        desc[c].typlen = -1;
        desc[c].atttypmod = -1;
    }
    PGresult *r = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
    assert_non_null(r);
    assert_true(n == 0 || PQsetResultAttrs(r, n, desc));
    for (int row = 0; row < f->nrows; row++)
        for (int c = 0; c < n; c++) {
            const char *v = f->values[row][order[c]];
            assert_true(PQsetvalue(r, row, c, (char *)v, v ? (int)strlen(v) : -1));
        }
    return r;
}

/* In place of the prepared statement: checks it exists with that many
 * parameters, notes the call, answers the rows the test queued. The caller
 * PQclear()s the result, as with the real one. */
PGresult *__wrap_db_run(PGconn *conn, const char *name, int nparams, const char *const *params)
{
    assert_ptr_equal(conn, server.conn);
    const struct named_sql *q = statement_named(name);
    if (!q)
        fail_msg("no statement is prepared as %s", name);
    if (nparams != q->nparams)
        fail_msg("statement %s run with %d parameters, its shape has %d", name, nparams,
                 q->nparams);
    if (ncalls < MAX_CALLS) {
        calls[ncalls].name = strdup(name);
        calls[ncalls].nparams = nparams < MAX_PARAMS ? nparams : MAX_PARAMS;
        for (int p = 0; p < calls[ncalls].nparams; p++)
            calls[ncalls].params[p] = params[p] ? strdup(params[p]) : NULL;
        ncalls++;
    }
    check_expected(name);
    return fake_result(q, mock_ptr_type(const struct fake_rows *));
}

bool __wrap_db_exec(PGconn *conn, const char *sql)
{
    assert_ptr_equal(conn, server.conn);
    check_expected(sql);
    return mock_type(int) != 0;
}

const char *__wrap_db_sqlstate(const PGresult *r)
{
    return fake_sqlstate ? fake_sqlstate : __real_db_sqlstate(r);
}

ConnStatusType __wrap_PQstatus(const PGconn *conn)
{
    return conn && conn == server.conn ? fake_conn_status : __real_PQstatus(conn);
}

void __wrap_log_json(const char *level, const char *msg, json_t *fields)
{
    log_lines++;
    if (strcmp(level, "error") == 0)
        snprintf(last_error, sizeof last_error, "%s", msg);
    if (getenv("INPROC_LOG"))
        __real_log_json(level, msg, fields);
    else
        json_decref(fields);
}

/* ---------------------------------------------------------------- API keys */

void fake_key_make(struct fake_key *k, unsigned scopes, const char *neighbourhood)
{
    static const struct { unsigned bit; const char *name; } names[] = {
        {SCOPE_SUBMIT, "submit"}, {SCOPE_REGISTRY, "registry"}, {SCOPE_READ, "read"},
        {SCOPE_EVALUATOR, "evaluator"}, {SCOPE_ADMIN, "admin"},
    };
    memset(k, 0, sizeof *k);
    assert_true(apikey_generate(k->key, k->prefix));
    apikey_hash_hex(k->key, k->hash);
    size_t n = (size_t)snprintf(k->scopes, sizeof k->scopes, "{");
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (scopes & names[i].bit)
            n += (size_t)snprintf(k->scopes + n, sizeof k->scopes - n, "%s%s",
                                  n > 1 ? "," : "", names[i].name);
    snprintf(k->scopes + n, sizeof k->scopes - n, "}");
    snprintf(k->neighbourhoods, sizeof k->neighbourhoods, "{%s}",
             neighbourhood ? neighbourhood : "");
    assert_true(uuid_random(k->agency_id) && uuid_random(k->key_id));
    /* Q_KEY_LOOKUP's columns by name; the values point into k. */
    k->row = (struct fake_rows){
        .status = PGRES_TUPLES_OK,
        .ncols = 10,
        .nrows = 1,
        .names = {"key_sha256", "scopes", "all_neighbourhoods", "neighbourhoods", "agency_id",
                  "id", "live", "rate_per_s", "operator", "expires_epoch"},
        .values = {{k->hash, k->scopes, neighbourhood ? "f" : "t", k->neighbourhoods,
                    k->agency_id, k->key_id, "t", NULL, "f", NULL}},
    };
}

/* Sets the value of column `name` in the first row of a fake. */
static void fake_set(struct fake_rows *f, const char *name, const char *value)
{
    for (int c = 0; c < f->ncols; c++)
        if (strcmp(f->names[c], name) == 0) {
            f->values[0][c] = value;
            return;
        }
    fail_msg("the fake has no column %s", name);
}

void fake_key_revoke(struct fake_key *k)
{
    fake_set(&k->row, "live", "f");
}

void fake_key_rate(struct fake_key *k, const char *per_second)
{
    fake_set(&k->row, "rate_per_s", per_second && *per_second ? per_second : NULL);
}

void expect_key_lookup(const struct fake_key *k)
{
    expect_borrow(true);
    expect_statement(Q_KEY_LOOKUP, &k->row);
}

/* ---------------------------------------------------------------- requests */

void ex_start(struct exchange *x, const char *method, const char *url)
{
    fake_reset();
    memset(x, 0, sizeof *x);
    assert_int_equal(ulfius_init_request(&x->req), U_OK);
    assert_int_equal(ulfius_init_response(&x->res), U_OK);
    assert_int_equal(u_map_init(&x->query), U_OK);
    const char *q = strchr(url, '?');
    x->req.http_protocol = o_strdup("HTTP/1.1");
    x->req.http_verb = o_strdup(method);
    x->req.http_url = o_strdup(url);
    x->req.url_path = q ? o_strndup(url, (size_t)(q - url)) : o_strdup(url);
    /* MHD hands Ulfius the query's pairs, which it puts into map_url (here
     * not percent-decoded: tests write them plain). */
    for (const char *p = q ? q + 1 : NULL; p && *p;) {
        size_t len = strcspn(p, "&");
        char pair[256];
        snprintf(pair, sizeof pair, "%.*s", (int)len, p);
        char *eq = strchr(pair, '=');
        if (eq)
            *eq = '\0';
        u_map_put(&x->query, pair, eq ? eq + 1 : "");
        p += len + (p[len] == '&');
    }
}

void ex_header(struct exchange *x, const char *name, const char *value)
{
    u_map_put(x->req.map_header, name, value);
}

void ex_key(struct exchange *x, const struct fake_key *k)
{
    char h[16 + APIKEY_LEN];
    snprintf(h, sizeof h, "Bearer %s", k->key);
    ex_header(x, "Authorization", h);
}

void ex_body(struct exchange *x, const char *content_type, const char *body)
{
    char len[24];
    if (content_type)
        ex_header(x, "Content-Type", content_type);
    snprintf(len, sizeof len, "%zu", strlen(body));
    ex_header(x, "Content-Length", len);
    o_free(x->req.binary_body);
    x->req.binary_body = o_strdup(body);
    x->req.binary_body_length = strlen(body);
}

void ex_json(struct exchange *x, const char *body)
{
    ex_body(x, "application/json", body);
}

long ex_send(struct exchange *x)
{
    struct _u_endpoint **list =
        ulfius_endpoint_match(x->req.http_verb, x->req.url_path, server.inst.endpoint_list);
    assert_non_null(list);
    int ret = U_CALLBACK_CONTINUE;
    /* As ulfius_webservice_dispatcher: by priority, each with map_url holding
     * the query and its own :parameters; CONTINUE goes on to the next, any
     * other answer ends the request (ERROR as a 500). */
    for (size_t i = 0; list[i]; i++) {
        u_map_empty(x->req.map_url);
        u_map_copy_into(x->req.map_url, &x->query);
        assert_int_equal(ulfius_parse_url(x->req.url_path, list[i], x->req.map_url,
                                          server.inst.check_utf8),
                         U_OK);
        ret = list[i]->callback_function(&x->req, &x->res, list[i]->user_data);
        x->callbacks++;
        if (ret != U_CALLBACK_IGNORE)
            x->req.callback_position++;
        if (ret != U_CALLBACK_CONTINUE && ret != U_CALLBACK_IGNORE)
            break;
    }
    for (size_t i = 0; list[i]; i++) {
        ulfius_clean_endpoint(list[i]);
        o_free(list[i]);
    }
    o_free(list);
    if (ret == U_CALLBACK_ERROR)
        x->res.status = 500;
    /* Ulfius frees the request's state once the answer is queued. */
    if (x->res.free_shared_data && x->res.shared_data)
        x->res.free_shared_data(x->res.shared_data);
    x->res.shared_data = NULL;
    assert_int_equal(conns_out, 0);
    assert_int_equal(atomic_load(&server.ctx.in_flight), 0);
    x->json = response_json(&x->res);
    return x->res.status;
}

const char *ex_reply_header(const struct exchange *x, const char *name)
{
    return u_map_get_case(x->res.map_header, name);
}

void ex_end(struct exchange *x)
{
    json_decref(x->json);
    ulfius_clean_request(&x->req);
    ulfius_clean_response(&x->res);
    u_map_clean(&x->query);
    memset(x, 0, sizeof *x);
}

/* ---------------------------------------------------------------- answers */

json_t *response_json(const struct _u_response *res)
{
    if (!res->binary_body || res->binary_body_length == 0)
        return NULL;
    return json_loadb(res->binary_body, res->binary_body_length, 0, NULL);
}

const char *json_str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

void check_problem(const struct _u_response *res, const char *instance, long status,
                   const char *type, const char *file, int line)
{
    _assert_int_equal((LargestIntegralType)res->status, (LargestIntegralType)status, file, line);
    const char *ct = u_map_get_case(res->map_header, "Content-Type");
    _assert_string_equal(ct ? ct : "(none)", "application/problem+json", file, line);
    json_t *p = response_json(res);
    _assert_true(p != NULL, "the problem's body is JSON", file, line);
    json_t *errors = json_array();
    int rc = js_validate(server.ctx.schemas, "problem.json", p, errors, 10);
    if (rc != 0) {
        char *text = json_dumps(errors, JSON_COMPACT);
        print_error("not an RFC 9457 problem: %s\n", text);
        free(text);
    }
    json_decref(errors);
    _assert_int_equal((LargestIntegralType)rc, 0, file, line);
    _assert_string_equal(json_str(p, "type"), type, file, line);
    _assert_int_equal((LargestIntegralType)json_integer_value(json_object_get(p, "status")),
                      (LargestIntegralType)status, file, line);
    _assert_true(*json_str(p, "title") != '\0', "the problem has a title", file, line);
    _assert_true(*json_str(p, "detail") != '\0', "the problem has a detail", file, line);
    if (instance)
        _assert_string_equal(json_str(p, "instance") ? json_str(p, "instance") : "(none)",
                             instance, file, line);
    json_decref(p);
}
