/* health.c — liveness, readiness, metrics and the OpenAPI document */
#include "http.h"
#include "text.h"
#include "metrics.h"
#include "queries.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* What the background probe last saw of PostgreSQL: /readyz and /metrics read
 * this, so an unauthenticated scrape never takes a pooled connection. */
static struct {
    pthread_mutex_t lock;
    double ok_at;                /* monotonic seconds of the last probe that answered; 0 never */
    long long backlog, pending, delivered, dead; /* -1 unknown */
    double age;
} seen = {PTHREAD_MUTEX_INITIALIZER, 0, -1, -1, -1, -1, -1};

#define PROBE_EVERY_MS 1000
#define PROBE_STALE_S 3.0 /* no answer for this long: not ready */

/* One probe on db: the outbox backlog and the delivery counts. False if the
 * database did not answer. */
static bool probe_once(PGconn *db)
{
    PGresult *r = DB_RUN(db, OUTBOX_BACKLOG, NULL);
    bool ok = db_ok(r);
    long long backlog = ok ? atoll(PQgetvalue(r, 0, OUTBOX_BACKLOG_BACKLOG)) : -1;
    double age = ok ? atof(PQgetvalue(r, 0, OUTBOX_BACKLOG_OLDEST_AGE_S)) : -1;
    PQclear(r);
    long long pending = -1, delivered = -1, dead = -1;
    r = ok ? DB_RUN(db, DELIVERY_COUNTS, NULL) : NULL;
    if (r && db_ok(r)) {
        pending = atoll(PQgetvalue(r, 0, DELIVERY_COUNTS_PENDING));
        delivered = atoll(PQgetvalue(r, 0, DELIVERY_COUNTS_DELIVERED_LAST_HOUR));
        dead = atoll(PQgetvalue(r, 0, DELIVERY_COUNTS_DEAD));
    }
    PQclear(r);
    pthread_mutex_lock(&seen.lock);
    if (ok)
        seen.ok_at = monotonic_seconds();
    seen.backlog = backlog;
    seen.age = age;
    seen.pending = pending;
    seen.delivered = delivered;
    seen.dead = dead;
    pthread_mutex_unlock(&seen.lock);
    return ok;
}

void *health_probe_run(void *arg)
{
    struct api_ctx *ctx = arg;
    PGconn *db = NULL;
    char err[512];
    while (atomic_load(&ctx->running)) {
        if (!db)
            db = pg_connect_prepared_timeout(ctx->cfg->database_url, 2000, err, sizeof err);
        if (!db || (!probe_once(db) && PQstatus(db) != CONNECTION_OK)) {
            PQfinish(db); /* the next round connects again */
            db = NULL;
            pthread_mutex_lock(&seen.lock);
            seen.backlog = seen.pending = seen.delivered = seen.dead = -1;
            seen.age = -1;
            pthread_mutex_unlock(&seen.lock);
        }
        for (int i = 0; i < PROBE_EVERY_MS / 100 && atomic_load(&ctx->running); i++)
            usleep(100 * 1000);
    }
    PQfinish(db);
    return NULL;
}

static int get_healthz(const struct _u_request *req, struct _u_response *res, void *user)
{
    (void)user;
    struct outcome o = {.status = CDM_OK, .body = json_pack("{s:s}", "status", "alive")};
    http_reply(req, res, &o);
    outcome_clear(&o);
    return U_CALLBACK_CONTINUE;
}

static const char *kafka_state(const struct api_ctx *ctx)
{
    int k = atomic_load(&((struct api_ctx *)ctx)->kafka_up);
    return k < 0 ? "unknown" : k ? "up" : "down";
}

/* Ready means PostgreSQL answered the background probe within the last few
 * seconds (no pooled connection per request): submissions are durable once it commits,
 * and the outbox holds them while Kafka is away. Kafka's state is reported,
 * never failing readiness. */
static int get_readyz(const struct _u_request *req, struct _u_response *res, void *user)
{
    struct api_ctx *ctx = user;
    struct outcome o = OUTCOME_INIT;
    json_t *backlog = json_null(), *age = json_null();
    pthread_mutex_lock(&seen.lock);
    bool db_up = seen.ok_at > 0 && monotonic_seconds() - seen.ok_at < PROBE_STALE_S;
    if (db_up && seen.backlog >= 0) {
        backlog = json_integer(seen.backlog);
        age = json_real(seen.age);
    }
    pthread_mutex_unlock(&seen.lock);
    o.body = json_pack("{s:s, s:s, s:s, s:o, s:o}", "status", db_up ? "ready" : "not_ready",
                       "database", db_up ? "up" : "down", "kafka", kafka_state(ctx),
                       "outboxBacklog", backlog, "outboxOldestAgeSeconds", age);
    o.status = CDM_OK;
    http_reply(req, res, &o);
    if (!db_up)
        res->status = 503;
    outcome_clear(&o);
    return U_CALLBACK_CONTINUE;
}

/* Prometheus text: the API's own series, plus the pipeline as the database
 * and Kafka see it (outbox backlog and age, consumer lag), so one scrape of
 * any API replica shows whether events are flowing. */
static int get_metrics(const struct _u_request *req, struct _u_response *res, void *user)
{
    struct api_ctx *ctx = user;
    size_t cap = 256 * 1024, len;
    char *text = malloc(cap);
    if (!text)
        return http_problem(req, res, CDM_ERR_INTERNAL, NULL);
    len = metrics_render_http(text, cap);
    int in_use = 0, size = 0;
    pgpool_usage(ctx->pool, &in_use, &size);
    /* The database's view from the background probe: a scrape costs no query. */
    pthread_mutex_lock(&seen.lock);
    bool fresh = seen.ok_at > 0 && monotonic_seconds() - seen.ok_at < PROBE_STALE_S;
    long long backlog = fresh ? seen.backlog : -1, pending = fresh ? seen.pending : -1,
              delivered = fresh ? seen.delivered : -1, dead = fresh ? seen.dead : -1;
    double age = fresh ? seen.age : -1;
    pthread_mutex_unlock(&seen.lock);
    len += (size_t)snprintf(text + len, cap - len,
             "# HELP cdm_deliveries Deliveries to partners' subscriptions: pending, dead, and delivered in the last hour (-1: database unreachable).\n"
             "# TYPE cdm_deliveries gauge\n"
             "cdm_deliveries{state=\"pending\"} %lld\n"
             "cdm_deliveries{state=\"delivered_last_hour\"} %lld\n"
             "cdm_deliveries{state=\"dead\"} %lld\n"
             "# HELP cdm_dead_letters Deliveries that failed their last retry and wait to be re-driven.\n"
             "# TYPE cdm_dead_letters gauge\n"
             "cdm_dead_letters %lld\n",
             pending, delivered, dead, dead);
    snprintf(text + len, cap - len,
             "# HELP cdm_http_requests_in_flight Requests being handled.\n"
             "# TYPE cdm_http_requests_in_flight gauge\n"
             "cdm_http_requests_in_flight %d\n"
             "# HELP cdm_db_pool_in_use Database connections borrowed.\n"
             "# TYPE cdm_db_pool_in_use gauge\n"
             "cdm_db_pool_in_use %d\n"
             "# HELP cdm_db_pool_size Database connections in the pool.\n"
             "# TYPE cdm_db_pool_size gauge\n"
             "cdm_db_pool_size %d\n"
             "# HELP cdm_outbox_backlog Events committed and not yet acknowledged by Kafka (-1: database unreachable).\n"
             "# TYPE cdm_outbox_backlog gauge\n"
             "cdm_outbox_backlog %lld\n"
             "# HELP cdm_outbox_oldest_age_seconds Age of the oldest unpublished event.\n"
             "# TYPE cdm_outbox_oldest_age_seconds gauge\n"
             "cdm_outbox_oldest_age_seconds %.3f\n"
             "# HELP cdm_kafka_up Kafka reachable (1), not (0), not yet known (-1).\n"
             "# TYPE cdm_kafka_up gauge\n"
             "cdm_kafka_up %d\n"
             "# HELP cdm_consumer_lag Messages not yet committed by a worker group (-1: unknown).\n"
             "# TYPE cdm_consumer_lag gauge\n"
             "cdm_consumer_lag{group=\"%s\",topic=\"%s\"} %ld\n"
             "cdm_consumer_lag{group=\"%s\",topic=\"%s\"} %ld\n",
             atomic_load(&ctx->in_flight), in_use, size, backlog, age, atomic_load(&ctx->kafka_up),
             ctx->cfg->consumer_group, ctx->cfg->topic_submissions, atomic_load(&ctx->consumer_lag[0]),
             ctx->cfg->delivery_group, ctx->cfg->topic_kpi_events, atomic_load(&ctx->consumer_lag[1]));
    ulfius_set_string_body_response(res, 200, text);
    free(text);
    u_map_put(res->map_header, "Content-Type", "text/plain; version=0.0.4");
    struct outcome o = {.status = CDM_OK}; /* no body: keeps the text set above */
    return http_reply(req, res, &o);
}

/* The OpenAPI document, its references made absolute (/schemas/…) at load. */
static int get_openapi(const struct _u_request *req, struct _u_response *res, void *user)
{
    struct api_ctx *ctx = user;
    struct outcome o = {.status = CDM_OK, .body = json_incref(ctx->openapi)};
    http_reply(req, res, &o);
    outcome_clear(&o);
    return U_CALLBACK_CONTINUE;
}

static int get_schema(const struct _u_request *req, struct _u_response *res, void *user)
{
    struct api_ctx *ctx = user;
    const char *name = u_map_get(req->map_url, "name");
    const json_t *doc = name && strcmp(name, "openapi.json") == 0 ? ctx->openapi
                        : name ? js_schema_set_get(ctx->schemas, name) : NULL;
    if (!doc)
        return http_problem(req, res, CDM_ERR_NOT_FOUND, "no such schema");
    struct outcome o = {.status = CDM_OK, .body = json_incref((json_t *)doc)};
    http_reply(req, res, &o);
    outcome_clear(&o);
    return U_CALLBACK_CONTINUE;
}

const struct route health_routes[] = {
    {.method = "GET", .path = "/healthz", .handler = get_healthz, .scope = 0},
    {.method = "GET", .path = "/readyz", .handler = get_readyz, .scope = 0},
    {.method = "GET", .path = "/metrics", .handler = get_metrics, .scope = 0},
    {.method = "GET", .path = "/openapi.json", .handler = get_openapi, .scope = 0},
    {.method = "GET", .path = "/schemas/:name", .handler = get_schema, .scope = 0},
    {.method = NULL},
};
