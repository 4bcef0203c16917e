/* http.c — problems, outcomes, JSON bodies, the request pre/post callbacks */
#include "http.h"
#include "ids.h"
#include "apikey.h"
#include "keycache.h"
#include "log.h"
#include "metrics.h"
#include "ratelimit.h"
#include "text.h"
#include "queries.h"
#include <ctype.h>
#include <math.h>
#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* One row per status: the HTTP code, the problem type and its title. */
static const struct {
    int http;
    const char *type;
    const char *title;
} status_table[] = {
    [CDM_OK] = {200, NULL, NULL},
    [CDM_CREATED] = {201, NULL, NULL},
    [CDM_REPLAYED] = {200, NULL, NULL},
    [CDM_ERR_BAD_JSON] = {400, "/problems/malformed-json", "request body is not valid JSON"},
    [CDM_ERR_UNAUTHORIZED] = {401, "/problems/unauthorized", "a valid API key is required"},
    [CDM_ERR_FORBIDDEN] = {403, "/problems/forbidden", "the API key lacks the scope for this"},
    [CDM_ERR_RATE_LIMITED] = {429, "/problems/rate-limited", "too many requests"},
    [CDM_ERR_VALIDATION] = {422, "/problems/validation", "request body failed validation"},
    [CDM_ERR_NOT_FOUND] = {404, "/problems/not-found", "not found"},
    [CDM_ERR_CONFLICT] = {409, "/problems/conflict", "conflict with the current state"},
    [CDM_ERR_PRECONDITION_FAILED] = {412, "/problems/precondition-failed",
                                     "the record changed since it was read (If-Match)"},
    [CDM_ERR_PRECONDITION_REQUIRED] = {428, "/problems/precondition-required",
                                       "this write needs an If-Match header with the record's ETag"},
    [CDM_ERR_MEDIA_TYPE] = {415, "/problems/unsupported-media-type",
                            "content type must be application/json"},
    [CDM_ERR_TOO_LARGE] = {413, "/problems/payload-too-large", "request body too large"},
    [CDM_ERR_UNAVAILABLE] = {503, "/problems/unavailable", "service unavailable"},
    [CDM_ERR_INTERNAL] = {500, "/problems/internal", "internal error"},
};

struct req_state {
    struct timespec start;
    char request_id[65];
    const char *route; /* the matched route's template (static), or NULL */
    bool handled;
    bool authenticated;
    struct principal who;
    PGconn *db;          /* borrowed by authentication, handed to the handler */
    pg_pool *pool;       /* where db goes back if no handler took it */
};

/* Frees a request's state (Ulfius calls it when the request ends). */
static void state_free(void *p)
{
    struct req_state *s = p;
    if (s) {
        if (s->db) /* a request answered before its handler used the connection */
            pgpool_release(s->pool, s->db);
        free(s->who.neighbourhoods);
    }
    free(s);
}

bool cdm_status_failed(enum cdm_status st)
{
    return status_table[st].type != NULL;
}

void outcome_clear(struct outcome *o)
{
    json_decref(o->body);
    json_decref(o->errors);
    free(o->text);
    o->body = o->errors = NULL;
    o->text = NULL;
}

/* outcome_fail with the detail's arguments in ap. A failed outcome carries no
 * success body: whatever a path built before it failed goes here, once. */
__attribute__((format(printf, 3, 0))) static enum cdm_status
outcome_vfail(struct outcome *o, enum cdm_status st, const char *fmt, va_list ap)
{
    json_decref(o->body);
    free(o->text);
    o->body = NULL;
    o->text = NULL;
    vsnprintf(o->detail, sizeof o->detail, fmt, ap);
    utf8_trim(o->detail);
    o->status = st;
    return st;
}

enum cdm_status outcome_fail(struct outcome *o, enum cdm_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    outcome_vfail(o, st, fmt, ap);
    va_end(ap);
    return st;
}

enum cdm_status outcome_fail_at(struct outcome *o, enum cdm_status st, const char *pointer,
                                const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    outcome_vfail(o, st, fmt, ap);
    va_end(ap);
    if (!o->errors)
        o->errors = json_array();
    json_array_append_new(o->errors,
                          json_pack("{s:s, s:s}", "pointer", pointer, "detail", o->detail));
    return st;
}

enum cdm_status outcome_db_fail(struct outcome *o, PGconn *db, const PGresult *r,
                                const char *what)
{
    const char *state = r ? db_sqlstate(r) : "";
    log_error("database call failed",
              json_pack("{s:s, s:s, s:s}", "what", what, "sqlstate", state, "error",
                        r ? PQresultErrorMessage(r) : PQerrorMessage(db)));
    if (PQstatus(db) != CONNECTION_OK)
        return outcome_fail(o, CDM_ERR_UNAVAILABLE, "the database is not reachable; %s failed, retry later", what);
    if (strncmp(state, "22", 2) == 0 || strcmp(state, "23514") == 0) /* bad value, failed CHECK */
        return outcome_fail(o, CDM_ERR_VALIDATION, "%s failed: a value is out of the range the database accepts", what);
    return outcome_fail(o, CDM_ERR_INTERNAL, "%s failed", what);
}

static struct req_state *state_of(const struct _u_response *res)
{
    return (struct req_state *)res->shared_data;
}

const char *http_request_id(const struct _u_response *res)
{
    struct req_state *s = state_of(res);
    return s ? s->request_id : "";
}

/* A JSON string of s, or of fallback when s is not valid UTF-8 (a client's
 * bytes, or a message cut in the middle of a character). New reference. */
static json_t *string_or(const char *s, const char *fallback)
{
    json_t *j = s ? json_string(s) : NULL;
    return j ? j : json_string(fallback);
}

static void send_problem(const struct _u_request *req, struct _u_response *res,
                         enum cdm_status st, const char *detail, const json_t *errors)
{
    json_t *p = json_pack("{s:s, s:s, s:i, s:o, s:o}", "type", status_table[st].type, "title",
                          status_table[st].title, "status", status_table[st].http, "detail",
                          string_or(detail && *detail ? detail : NULL, status_table[st].title),
                          "instance", string_or(req->url_path, ""));
    if (!p) { /* out of memory: still a problem, never an empty 200 */
        ulfius_set_string_body_response(res, (unsigned)status_table[st].http,
                                        "{\"type\":\"/problems/internal\",\"title\":\"internal error\"}");
        res->status = status_table[st].http;
        u_map_put(res->map_header, "Content-Type", "application/problem+json");
        return;
    }
    if (errors && json_array_size(errors) > 0)
        json_object_set(p, "errors", (json_t *)errors);
    const char *rid = http_request_id(res);
    if (*rid)
        json_object_set_new(p, "requestId", json_string(rid));
    ulfius_set_json_body_response(res, (unsigned)status_table[st].http, p); /* copies */
    u_map_put(res->map_header, "Content-Type", "application/problem+json");
    json_decref(p);
    struct req_state *s = state_of(res);
    if (s)
        s->handled = true;
}

int http_problem(const struct _u_request *req, struct _u_response *res, enum cdm_status st,
                 const char *detail)
{
    send_problem(req, res, st, detail, NULL);
    return U_CALLBACK_CONTINUE;
}

int http_reply(const struct _u_request *req, struct _u_response *res, const struct outcome *o)
{
    if (cdm_status_failed(o->status)) {
        send_problem(req, res, o->status, o->detail, o->errors);
        return U_CALLBACK_CONTINUE;
    }
    if (o->text) {
        ulfius_set_string_body_response(res, (unsigned)status_table[o->status].http, o->text);
        u_map_put(res->map_header, "Content-Type", o->text_type);
    } else if (o->body)
        ulfius_set_json_body_response(res, (unsigned)status_table[o->status].http, o->body);
    else
        res->status = (long)status_table[o->status].http;
    if (o->location[0])
        u_map_put(res->map_header, "Location", o->location);
    if (o->etag[0])
        u_map_put(res->map_header, "ETag", o->etag);
    if (o->status == CDM_REPLAYED)
        u_map_put(res->map_header, "Idempotent-Replayed", "true");
    /* An answer holding an API key or a webhook secret (key creation,
     * subscription creation and rotation, their idempotent replays) must not
     * be kept by any cache between us and the client. */
    if (json_is_string(json_object_get(o->body, "key")) ||
        json_is_string(json_object_get(o->body, "secret")))
        u_map_put(res->map_header, "Cache-Control", "no-store");
    struct req_state *s = state_of(res);
    if (s)
        s->handled = true;
    return U_CALLBACK_CONTINUE;
}

/* Parses the request body as JSON, checking Content-Type, or answers the
 * problem (415 or 400) and returns NULL. Caller owns the result: json_decref(). */
static json_t *http_json_body_or_problem(const struct _u_request *req, struct _u_response *res)
{
    const char *ct = u_map_get_case(req->map_header, "Content-Type");
    size_t n = strlen("application/json");
    if (!ct || strncasecmp(ct, "application/json", n) != 0 || (ct[n] && ct[n] != ';' && ct[n] != ' ')) {
        http_problem(req, res, CDM_ERR_MEDIA_TYPE,
                     "send the body as application/json");
        return NULL;
    }
    json_error_t err;
    json_t *body = json_loadb(req->binary_body ? req->binary_body : "", req->binary_body_length,
                              JSON_REJECT_DUPLICATES, &err);
    if (!body) {
        char detail[300];
        snprintf(detail, sizeof detail, "%s (line %d, column %d)", err.text, err.line,
                 err.column);
        http_problem(req, res, CDM_ERR_BAD_JSON, detail);
    }
    return body;
}

/* Validates body against the named schema; on failure answers 422 with every
 * error (pointer and detail) and returns false. */
static bool http_schema_or_problem(const struct api_ctx *ctx, const char *schema, const json_t *body,
                            const struct _u_request *req, struct _u_response *res)
{
    json_t *errors = json_array();
    int rc = js_validate(ctx->schemas, schema, body, errors, 50);
    if (rc == 0) {
        json_decref(errors);
        return true;
    }
    if (rc < 0) {
        log_error("schema missing", json_pack("{s:s}", "schema", schema));
        send_problem(req, res, CDM_ERR_INTERNAL, NULL, NULL);
    } else {
        char detail[300];
        const json_t *first = json_array_get(errors, 0);
        snprintf(detail, sizeof detail, "%s: %s",
                 json_string_value(json_object_get(first, "pointer")),
                 json_string_value(json_object_get(first, "detail")));
        utf8_trim(detail);
        send_problem(req, res, CDM_ERR_VALIDATION, detail, errors);
    }
    json_decref(errors);
    return false;
}

/* The request's connection: the one authentication borrowed, handed over,
 * or a new one. NULL (and a 503 answered) when the database is away. */
static PGconn *request_db(struct api_ctx *ctx, const struct _u_request *req,
                          struct _u_response *res)
{
    struct req_state *s = state_of(res);
    PGconn *c = s ? s->db : NULL;
    if (c)
        s->db = NULL;
    else if (!(c = pgpool_acquire(ctx->pool, 5000)))
        http_problem(req, res, CDM_ERR_UNAVAILABLE, "the database is not reachable; retry later");
    return c;
}

static int http_run_with(struct api_ctx *ctx, const struct _u_request *req,
                         struct _u_response *res, route_logic fn, const char *id,
                         const json_t *body)
{
    PGconn *db = request_db(ctx, req, res);
    if (!db)
        return U_CALLBACK_CONTINUE;
    struct route_call call = {ctx, http_principal(res), http_request_id(res), id, body, req};
    struct outcome o = OUTCOME_INIT;
    fn(db, &call, &o);
    pgpool_release(ctx->pool, db);
    http_reply(req, res, &o);
    outcome_clear(&o);
    return U_CALLBACK_CONTINUE;
}

int http_run(struct api_ctx *ctx, const struct _u_request *req, struct _u_response *res,
             route_logic fn, const char *id)
{
    return http_run_with(ctx, req, res, fn, id, NULL);
}

int http_run_body(struct api_ctx *ctx, const struct _u_request *req, struct _u_response *res,
                  const char *schema, route_logic fn, const char *id)
{
    json_t *body = http_json_body_or_problem(req, res);
    if (body && http_schema_or_problem(ctx, schema, body, req, res))
        http_run_with(ctx, req, res, fn, id, body);
    json_decref(body);
    return U_CALLBACK_CONTINUE;
}

bool http_path_id(const struct _u_request *req, struct _u_response *res, const char *what,
                  char id[UUID_STR_LEN])
{
    const char *raw = u_map_get(req->map_url, "id");
    if (!uuid_is_valid(raw)) {
        http_problem(req, res, CDM_ERR_NOT_FOUND, what);
        return false;
    }
    uuid_normalise(raw, id);
    return true;
}

enum cdm_status db_one_json_of(PGconn *db, PGresult *r, int body_col, struct outcome *o,
                               const char *what, const char *not_found)
{
    if (!db_ok(r))
        outcome_db_fail(o, db, r, what);
    else if (PQntuples(r) == 0)
        outcome_fail(o, CDM_ERR_NOT_FOUND, "%s", not_found);
    else if (body_col < 0 || body_col >= PQnfields(r) ||
             !(o->body = json_loads(PQgetvalue(r, 0, body_col), 0, NULL)))
        outcome_fail(o, CDM_ERR_INTERNAL, "%s failed", what);
    else
        o->status = CDM_OK;
    PQclear(r);
    return o->status;
}

/* A client's X-Request-Id is kept if it is a short token; otherwise we make one. */
static void choose_request_id(const struct _u_request *req, char out[65])
{
    const char *given = u_map_get_case(req->map_header, "X-Request-Id");
    if (given) {
        size_t len = strlen(given);
        bool ok = len > 0 && len <= 64;
        for (size_t i = 0; ok && i < len; i++)
            ok = isalnum((unsigned char)given[i]) || strchr("-_.:", given[i]);
        if (ok) {
            memcpy(out, given, len + 1);
            return;
        }
    }
    char id[UUID_STR_LEN];
    if (!uuid_random(id))
        snprintf(id, sizeof id, "unknown");
    snprintf(out, 65, "%s", id);
}

/* The method as a static string, for metric labels that outlive the request. */
static const char *static_method(const char *m)
{
    static const char *const known[] = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"};
    for (size_t i = 0; m && i < sizeof known / sizeof known[0]; i++)
        if (strcmp(m, known[i]) == 0)
            return known[i];
    return "OTHER";
}

/* The request's log line and metrics: the one place every answered request passes. */
static void log_request(const struct _u_request *req, const struct _u_response *res,
                        const struct req_state *s)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double ms = (double)(now.tv_sec - s->start.tv_sec) * 1e3 +
                (double)(now.tv_nsec - s->start.tv_nsec) / 1e6;
    metrics_observe_request(s->route ? s->route : "unmatched", static_method(req->http_verb),
                            (int)res->status, ms / 1e3);
    log_info("request", json_pack("{s:s, s:s, s:i, s:f, s:s}", "method", req->http_verb,
                                  "path", req->url_path ? req->url_path : "", "status",
                                  (int)res->status, "durationMs", ms, "requestId",
                                  s->request_id));
}

/* Runs first for every request: request id, body size limit. */
static int pre_request(const struct _u_request *req, struct _u_response *res, void *user)
{
    struct api_ctx *ctx = user;
    struct req_state *s = calloc(1, sizeof *s);
    if (!s)
        return U_CALLBACK_ERROR;
    atomic_fetch_add(&ctx->in_flight, 1);
    clock_gettime(CLOCK_MONOTONIC, &s->start);
    choose_request_id(req, s->request_id);
    ulfius_set_response_shared_data(res, s, state_free);
    u_map_put(res->map_header, "X-Request-Id", s->request_id);

    /* Ulfius truncates a body at max_post_body_size (set one byte over our
     * limit) instead of refusing it: refuse here, before anyone parses it. */
    const char *cl = u_map_get_case(req->map_header, "Content-Length");
    unsigned long long declared = cl ? strtoull(cl, NULL, 10) : 0;
    if (declared > ctx->cfg->max_body_bytes || req->binary_body_length > ctx->cfg->max_body_bytes) {
        char detail[160];
        snprintf(detail, sizeof detail, "the body exceeds the limit of %zu bytes",
                 ctx->cfg->max_body_bytes);
        send_problem(req, res, CDM_ERR_TOO_LARGE, detail, NULL);
        u_map_put(res->map_header, "Connection", "close");
        log_request(req, res, s);
        atomic_fetch_sub(&ctx->in_flight, 1);
        return U_CALLBACK_COMPLETE;
    }
    return U_CALLBACK_CONTINUE;
}

/* Runs last: 404 for a request no route handled, then the log line. */
static int post_request(const struct _u_request *req, struct _u_response *res, void *user)
{
    struct api_ctx *ctx = user;
    struct req_state *s = state_of(res);
    if (s && !s->handled)
        send_problem(req, res, CDM_ERR_NOT_FOUND, "no such resource", NULL);
    if (s) {
        log_request(req, res, s);
        atomic_fetch_sub(&ctx->in_flight, 1);
    }
    return U_CALLBACK_COMPLETE;
}

const struct principal *http_principal(const struct _u_response *res)
{
    struct req_state *s = state_of(res);
    return s && s->authenticated ? &s->who : NULL;
}

bool principal_may(const struct principal *p, const char *id)
{
    if (!p || p->all_neighbourhoods)
        return p != NULL;
    /* UUIDs are fixed-length tokens, so a substring match is an exact match. */
    return id && uuid_is_valid(id) && strstr(p->neighbourhoods, id) != NULL;
}

const char *principal_neighbourhoods_param(const struct principal *p)
{
    return !p || p->all_neighbourhoods ? NULL : p->neighbourhoods;
}

/* Looks the key with prefix and hash up in the database and fills s->who
 * and *rate (negative: the default), keeping it in the key cache. The
 * connection stays with the request: its handler uses it next, so a request
 * borrows from the pool once. CDM_OK, or the problem to answer (401, or 503
 * without a database). */
static enum cdm_status lookup_key(struct api_ctx *ctx, struct req_state *s, const char *prefix,
                                  const char *hash, double *rate, char *detail, size_t dlen)
{
    PGconn *db = pgpool_acquire(ctx->pool, 5000);
    if (!db) {
        snprintf(detail, dlen, "the database is not reachable; retry later");
        return CDM_ERR_UNAVAILABLE;
    }
    s->db = db;
    s->pool = ctx->pool;
    unsigned long gen = keycache_generation();
    const char *params[KEY_LOOKUP_NPARAMS] = {[KEY_LOOKUP_P_PREFIX] = prefix};
    PGresult *r = DB_RUN(db, KEY_LOOKUP, params);
    enum cdm_status st = CDM_ERR_UNAUTHORIZED;
    snprintf(detail, dlen, "unknown, revoked or expired API key");
    if (!db_ok(r)) {
        st = CDM_ERR_UNAVAILABLE;
        snprintf(detail, dlen, "the database is not reachable; retry later");
    } else if (PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, KEY_LOOKUP_LIVE), "t") == 0 &&
               CRYPTO_memcmp(PQgetvalue(r, 0, KEY_LOOKUP_KEY_SHA256), hash,
                             APIKEY_HASH_HEX - 1) == 0) {
        struct principal *w = &s->who;
        snprintf(w->prefix, sizeof w->prefix, "%s", prefix);
        w->scopes = scopes_from_pg_array(PQgetvalue(r, 0, KEY_LOOKUP_SCOPES));
        w->all_neighbourhoods = strcmp(PQgetvalue(r, 0, KEY_LOOKUP_ALL_NEIGHBOURHOODS), "t") == 0;
        w->is_operator = strcmp(PQgetvalue(r, 0, KEY_LOOKUP_OPERATOR), "t") == 0;
        w->neighbourhoods = strdup(PQgetvalue(r, 0, KEY_LOOKUP_NEIGHBOURHOODS));
        snprintf(w->agency_id, sizeof w->agency_id, "%s", PQgetvalue(r, 0, KEY_LOOKUP_AGENCY_ID));
        snprintf(w->key_id, sizeof w->key_id, "%s", PQgetvalue(r, 0, KEY_LOOKUP_ID));
        *rate = PQgetisnull(r, 0, KEY_LOOKUP_RATE_PER_S)
                    ? -1
                    : atof(PQgetvalue(r, 0, KEY_LOOKUP_RATE_PER_S));
        double expires = PQgetisnull(r, 0, KEY_LOOKUP_EXPIRES_EPOCH)
                             ? 0
                             : atof(PQgetvalue(r, 0, KEY_LOOKUP_EXPIRES_EPOCH));
        if (w->neighbourhoods) {
            st = CDM_OK;
            keycache_put(gen, prefix, hash, w, *rate, expires);
        } else {
            st = CDM_ERR_INTERNAL;
        }
    }
    PQclear(r);
    return st;
}

/* Finds the key presented as "Authorization: Bearer <key>" and fills s->who,
 * then takes a token from its bucket. CDM_OK, or the problem to answer (401,
 * 429 with the seconds to wait in detail, or 503 without a database). */
static enum cdm_status authenticate(struct api_ctx *ctx, const struct _u_request *req,
                                    struct req_state *s, char *detail, size_t dlen)
{
    const char *h = u_map_get_case(req->map_header, "Authorization");
    char prefix[APIKEY_PREFIX_LEN + 1], hash[APIKEY_HASH_HEX];
    if (!h || strncasecmp(h, "Bearer ", 7) != 0 || !apikey_parse(h + 7, prefix)) {
        snprintf(detail, dlen, "send an API key as Authorization: Bearer cdm_…");
        return CDM_ERR_UNAUTHORIZED;
    }
    apikey_hash_hex(h + 7, hash);
    struct principal *w = &s->who;
    double rate = -1, retry = 0;
    /* A key checked a moment ago is taken from the cache (revocations empty
     * it at once): no pooled connection is borrowed for it here. */
    if (!keycache_get(prefix, hash, w, &rate)) {
        enum cdm_status st = lookup_key(ctx, s, prefix, hash, &rate, detail, dlen);
        if (st != CDM_OK)
            return st;
    }
    if (!ratelimit_take(prefix, rate < 0 ? ctx->rate_limit_per_s : rate, &retry)) {
        snprintf(detail, dlen, "%.17g", retry); /* read back by the caller */
        return CDM_ERR_RATE_LIMITED;
    }
    s->authenticated = true;
    return CDM_OK;
}

/* Runs a route past its authentication: its logic as struct route says, or
 * its own handler with the shared context. */
static int run_route(struct api_ctx *ctx, const struct route *r, const struct _u_request *req,
                     struct _u_response *res)
{
    if (r->handler)
        return r->handler(req, res, ctx);
    if (r->not_found)
        return http_run_id(ctx, req, res, r->not_found, r->schema, r->logic);
    if (r->schema)
        return http_run_body(ctx, req, res, r->schema, r->logic, NULL);
    return http_run(ctx, req, res, r->logic, NULL);
}

/* Every route's callback: notes the route for the log and metrics, checks
 * the API key and its scope on routes that need one, then runs the route. */
static int dispatch(const struct _u_request *req, struct _u_response *res, void *user)
{
    const struct route_binding *b = user;
    struct req_state *s = state_of(res);
    if (!s)
        return U_CALLBACK_ERROR;
    s->route = b->route->path;
    /* The client address's bucket first: before any key lookup or query, so
     * made-up keys or anonymous floods from one address cost nothing past it.
     * Handler routes without a scope (health, metrics, schemas) touch no
     * database and stay outside, for probes and scrapers. */
    if ((b->route->scope || b->route->logic) && b->ctx->cfg->rate_limit_per_ip_per_s > 0) {
        char addr[RATELIMIT_ADDR_LEN], retry[16];
        double wait = 0;
        ratelimit_client(req->client_address,
                         u_map_get_case(req->map_header, "X-Forwarded-For"), addr);
        if (!ratelimit_take_ip(addr, b->ctx->cfg->rate_limit_per_ip_per_s, &wait)) {
            snprintf(retry, sizeof retry, "%d", (int)ceil(wait));
            u_map_put(res->map_header, "Retry-After", retry);
            return http_problem(req, res, CDM_ERR_RATE_LIMITED,
                                "this address sent too many requests; retry later");
        }
    }
    if (b->route->scope) {
        char detail[200];
        enum cdm_status st = authenticate(b->ctx, req, s, detail, sizeof detail);
        if (st == CDM_ERR_RATE_LIMITED) {
            char retry[16];
            snprintf(retry, sizeof retry, "%d", (int)ceil(atof(detail)));
            u_map_put(res->map_header, "Retry-After", retry);
            return http_problem(req, res, st, "this API key sent too many requests; retry later");
        }
        if (st != CDM_OK) {
            if (st == CDM_ERR_UNAUTHORIZED)
                u_map_put(res->map_header, "WWW-Authenticate", "Bearer");
            return http_problem(req, res, st, detail);
        }
        if (!(s->who.scopes & b->route->scope))
            return http_problem(req, res, CDM_ERR_FORBIDDEN,
                                "this API key does not have the scope this request needs");
    }
    return run_route(b->ctx, b->route, req, res);
}

/* True if r is exactly one of a logic route and a handler route, and a logic
 * route names its not-found text exactly when its path has :id; otherwise
 * logs why and returns false. */
static bool route_well_formed(const struct route *r)
{
    const char *why = NULL, *id = r->path ? strstr(r->path, "/:id") : NULL;
    bool on_one = id && (id[4] == '/' || id[4] == '\0');
    if (!r->path)
        why = "it has no path";
    else if ((r->logic != NULL) == (r->handler != NULL))
        why = "it needs exactly one of logic and handler";
    else if (r->handler && (r->schema || r->not_found))
        why = "a handler route takes no schema or not-found text";
    else if (r->logic && on_one != (r->not_found != NULL))
        why = on_one ? "a route on :id needs its not-found text"
                     : "not-found text is for a route on :id";
    if (why)
        log_error("route refused", json_pack("{s:s, s:s?, s:s}", "method", r->method, "path",
                                             r->path, "why", why));
    return why == NULL;
}

bool http_register(struct _u_instance *inst, struct api_ctx *ctx,
                   const struct route *const *tables)
{
    size_t n = 0;
    for (size_t t = 0; tables[t]; t++)
        for (const struct route *r = tables[t]; r->method; r++, n++)
            if (!route_well_formed(r))
                return false;
    ctx->bindings = calloc(n ? n : 1, sizeof *ctx->bindings);
    if (!ctx->bindings)
        return false;
    bool ok = ulfius_add_endpoint_by_val(inst, "*", NULL, "*", 0, pre_request, ctx) == U_OK &&
              ulfius_add_endpoint_by_val(inst, "*", NULL, "*", 1000, post_request, ctx) == U_OK;
    size_t i = 0;
    for (size_t t = 0; ok && tables[t]; t++)
        for (const struct route *r = tables[t]; ok && r->method; r++, i++) {
            ctx->bindings[i] = (struct route_binding){ctx, r};
            ok = ulfius_add_endpoint_by_val(inst, r->method, NULL, r->path, 10, dispatch,
                                            &ctx->bindings[i]) == U_OK;
        }
    return ok;
}

void http_unregister(struct api_ctx *ctx)
{
    free(ctx->bindings);
    ctx->bindings = NULL;
}

bool http_wants_csv(const struct _u_request *req)
{
    const char *accept = u_map_get_case(req->map_header, "Accept");
    return accept && strstr(accept, "text/csv") != NULL;
}

int http_run_id(struct api_ctx *ctx, const struct _u_request *req, struct _u_response *res,
                const char *not_found, const char *schema, route_logic fn)
{
    char id[UUID_STR_LEN];
    if (!http_path_id(req, res, not_found, id))
        return U_CALLBACK_CONTINUE;
    return schema ? http_run_body(ctx, req, res, schema, fn, id) : http_run(ctx, req, res, fn, id);
}
