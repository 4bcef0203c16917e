/* http.h — the API's shared HTTP layer: context, outcomes, problems, bodies, routes */
#ifndef CDM_HTTP_H
#define CDM_HTTP_H
#include <jansson.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <ulfius.h>
#include "apikey.h"
#include "config.h"
#include "ids.h"
#include "jsonschema.h"
#include "pgpool.h"

/* What every handler reaches through user_data. Read-only after start, but
 * for the atomics. */
struct api_ctx {
    const struct cdm_config *cfg;
    pg_pool *pool;
    js_schema_set *schemas;
    json_t *openapi;             /* the OpenAPI document served at /openapi.json */
    atomic_int kafka_up;         /* -1 unknown, 0 down, 1 up: probed in the background */
    atomic_long consumer_lag[2]; /* [0] indicator workers on cdm.submissions, [1] delivery
                                    workers on cdm.kpi-events: messages not yet committed by the
                                    indicator workers' group; -1 unknown */
    atomic_int in_flight;        /* requests between the pre and post callbacks */
    atomic_int running;          /* cleared at shutdown: background threads stop */
    double rate_limit_per_s;     /* default requests per second per key */
    struct route_binding *bindings; /* one per registered route; owned, freed by http_unregister */
};

/* The background probe of PostgreSQL behind /readyz and /metrics (health.c):
 * a thread (pthread_create with the api_ctx) on a connection of its own,
 * once a second; returns when ctx->running is cleared. */
void *health_probe_run(void *api_ctx);

/* Results of logic functions; http.c maps each to an HTTP status and a
 * problem type, in one table. The zero value is the internal error, so an
 * outcome that a path forgot to set answers 500, never a silent 200. */
enum cdm_status {
    CDM_ERR_INTERNAL = 0,
    CDM_OK,
    CDM_CREATED,
    CDM_REPLAYED,         /* an idempotent resend: 200 with the first answer's body */
    CDM_ERR_BAD_JSON,
    CDM_ERR_UNAUTHORIZED,
    CDM_ERR_FORBIDDEN,
    CDM_ERR_RATE_LIMITED,
    CDM_ERR_VALIDATION,
    CDM_ERR_NOT_FOUND,
    CDM_ERR_CONFLICT,
    CDM_ERR_PRECONDITION_FAILED,   /* 412: If-Match names an older version */
    CDM_ERR_PRECONDITION_REQUIRED, /* 428: a write to an editable record without If-Match */
    CDM_ERR_MEDIA_TYPE,
    CDM_ERR_TOO_LARGE,
    CDM_ERR_UNAVAILABLE,
};

/* True for every status answered as an RFC 9457 problem. */
bool cdm_status_failed(enum cdm_status st);

/* A logic function's answer. `body` and `errors` are owned by the outcome and
 * released by outcome_clear(). */
struct outcome {
    enum cdm_status status;
    json_t *body;           /* success body, or NULL */
    json_t *errors;         /* problem "errors": [{pointer, detail}], or NULL */
    char detail[300];       /* problem detail for a person to read */
    char location[200];     /* Location header on 201, or "" */
    char etag[24];          /* ETag header (a record's version, quoted), or "" */
    char *text;             /* a success body other than JSON (CSV), malloc'd, owned; sent
                               instead of body when set */
    const char *text_type;  /* its Content-Type (static) */
};

/* Every outcome starts as the internal error until its logic sets it (kore's
 * "failing status first"). */
#define OUTCOME_INIT {.status = CDM_ERR_INTERNAL}

void outcome_clear(struct outcome *o);
/* Sets an error status with a printf-style detail, dropping any success body
 * or text the outcome held; returns the status. */
enum cdm_status outcome_fail(struct outcome *o, enum cdm_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Same, with one {pointer, detail} error for the offending field. */
enum cdm_status outcome_fail_at(struct outcome *o, enum cdm_status st, const char *pointer,
                                const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* A failed database call: logs the server's message (never shown to the
 * client), then fails o with 503 when the connection is gone, 422 for a
 * value PostgreSQL refused (SQLSTATE class 22), 500 otherwise. r may be NULL. */
enum cdm_status outcome_db_fail(struct outcome *o, PGconn *db, const PGresult *r,
                                const char *what);

/* Writes an outcome to the HTTP response: the body (copied) on success, an
 * RFC 9457 problem otherwise. Returns U_CALLBACK_CONTINUE so the request
 * logger runs after it. Does not clear the outcome. */
int http_reply(const struct _u_request *req, struct _u_response *res, const struct outcome *o);

/* Sends an RFC 9457 problem for st with detail. Returns U_CALLBACK_CONTINUE. */
int http_problem(const struct _u_request *req, struct _u_response *res, enum cdm_status st,
                 const char *detail);

/* What a route's logic gets: the caller, what the handler parsed, and the
 * context. Logic functions never see an _u_response (STYLE §2). */
struct route_call {
    struct api_ctx *ctx;
    const struct principal *who;  /* NULL on a public route */
    const char *request_id;
    const char *id;               /* the :id path parameter, lower case, or NULL */
    const json_t *body;           /* the schema-valid body, or NULL */
    const struct _u_request *req; /* for query parameters */
};

/* A route's logic: runs with a borrowed connection and fills o. */
typedef enum cdm_status (*route_logic)(PGconn *db, const struct route_call *call,
                                       struct outcome *o);

/* Borrows the request's connection (the one its authentication used, or a
 * new one; 503 if none), runs fn, gives the connection back, answers o. id
 * may be NULL. Returns U_CALLBACK_CONTINUE. */
int http_run(struct api_ctx *ctx, const struct _u_request *req, struct _u_response *res,
             route_logic fn, const char *id);

/* Parses the body (415/400) and validates it against schema (422), then as
 * http_run with it in call->body. */
int http_run_body(struct api_ctx *ctx, const struct _u_request *req, struct _u_response *res,
                  const char *schema, route_logic fn, const char *id);

/* True if the request's Accept header asks for CSV (text/csv) rather than JSON. */
bool http_wants_csv(const struct _u_request *req);

/* A route on one object: the :id path parameter (anything but a UUID answers
 * 404 with `not_found`), then http_run_body with schema, or http_run when
 * schema is NULL. Returns U_CALLBACK_CONTINUE. */
int http_run_id(struct api_ctx *ctx, const struct _u_request *req, struct _u_response *res,
                const char *not_found, const char *schema, route_logic fn);

/* The :id path parameter as a lower-case UUID into id; anything else answers
 * 404 with `what` and returns false. */
bool http_path_id(const struct _u_request *req, struct _u_response *res, const char *what,
                  char id[UUID_STR_LEN]);

/* Runs statement S (db/queries_*.h; the caller includes queries.h) with
 * params; its first row's BODY column (JSON text) becomes o->body with
 * CDM_OK; no row is 404 not_found; a failure is outcome_db_fail(what).
 * Returns o->status. */
#define DB_ONE_JSON(db, S, params, o, what, not_found)                                      \
    db_one_json_of((db), DB_RUN((db), S, (params)), S##_BODY, (o), (what), (not_found))

/* What DB_ONE_JSON does with the result r of a statement (taken: cleared
 * here): column body_col of its first row is the document. */
enum cdm_status db_one_json_of(PGconn *db, PGresult *r, int body_col, struct outcome *o,
                               const char *what, const char *not_found);

/* A route: data, not code (STYLE §1). Each resource module exports a table,
 * written with designated initialisers, ending with {.method = NULL}.
 * Exactly one of logic and handler is set (http_register refuses a table
 * otherwise). A route with logic is run by the dispatcher itself: on one
 * object (not_found set: the path has :id) as http_run_id(not_found, schema,
 * logic), otherwise as http_run_body(schema, logic) when it has a schema and
 * http_run(logic) when not. A handler is for a route that needs its own code
 * (another path parameter, a body other than JSON, no database); it gets the
 * api_ctx as its user data, and schema and not_found stay NULL. */
struct route {
    const char *method;
    const char *path;      /* Ulfius format, e.g. "/v1/neighbourhoods/:id" */
    unsigned scope;        /* the API key scope it needs (apikey.h), 0 for a public route */
    route_logic logic;     /* what the route does, run with the request's connection */
    const char *schema;    /* the request body's schema (schemas/), or NULL for no body */
    const char *not_found; /* a route on one object: the 404 detail for an :id that is no UUID */
    int (*handler)(const struct _u_request *, struct _u_response *, void *);
};

/* Who is calling: the API key that authenticated the request. */
struct principal {
    char key_id[40], agency_id[40], prefix[16];
    unsigned scopes;
    bool all_neighbourhoods;
    bool is_operator; /* the platform's own key (cdm-api --create-key --operator): manages
                       * every agency; any other admin key manages its own agency only */
    char *neighbourhoods; /* PostgreSQL uuid[] literal, e.g. "{…,…}"; owned by the request */
};

/* The caller of the request in flight, or NULL on a public route. Borrowed. */
const struct principal *http_principal(const struct _u_response *res);

/* True if the caller may touch neighbourhood id (a lower-case UUID). */
bool principal_may(const struct principal *p, const char *id);

/* The caller's neighbourhoods as a uuid[] parameter for SQL, or NULL when it
 * may touch the whole locality (the queries read NULL as "no filter"). */
const char *principal_neighbourhoods_param(const struct principal *p);

/* Every resource module's route table, each ending with {.method = NULL}. main.c lists
 * them for http_register; http.c itself names none of them. */
extern const struct route health_routes[], neighbourhood_routes[], round_routes[],
    response_routes[], indicator_routes[], agency_routes[], subscription_routes[],
    area_routes[], programme_routes[], organisation_routes[], issue_routes[], asset_routes[],
    evidence_routes[], batch_routes[], kpi_routes[];
/* Ward, breakdown and locality survey figures (api/cells.c). */
extern const struct route cell_routes[];
/* The audit trail (api/audit.c). */
extern const struct route audit_routes[];
/* The group registry's updates and links, beside organisation_routes. */
extern const struct route organisation_update_routes[], organisation_link_routes[];
/* Every table above, NULL-terminated, in registration order (api/routes.c). */
extern const struct route *const api_route_tables[];

/* What Ulfius hands a route's dispatcher: the context and the route. */
struct route_binding {
    struct api_ctx *ctx;
    const struct route *route;
};

/* Registers the request pre- and post-callbacks (size limit, request id,
 * one log line per request, 404 for unmatched routes) and every route of
 * tables (a NULL-terminated list of route tables). Returns false, having
 * logged which, for a route that is not exactly one of logic or handler (see
 * struct route), or if Ulfius refused one. */
bool http_register(struct _u_instance *inst, struct api_ctx *ctx,
                   const struct route *const *tables);

/* Frees what http_register allocated (after the server stopped). */
void http_unregister(struct api_ctx *ctx);

/* The request id of the request in flight (for logs and events); "" if none. */
const char *http_request_id(const struct _u_response *res);
#endif
