/* main.c — cdm-api: wires configuration, database, schemas and routes, then serves */
#include "config.h"
#include "agencies.h"
#include "http.h"
#include "keycache.h"
#include "ratelimit.h"
#include "kafka_probe.h"
#include "log.h"
#include "pgpool.h"
#include "queries.h"
#include "service.h"
#include <arpa/inet.h>
#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Rewrites relative "$ref"s ("round.json") to absolute paths ("/schemas/round.json"),
 * so that the served document resolves from /openapi.json and /schemas/openapi.json alike,
 * while the file in the repository keeps references that resolve on disk. */
static void absolutise_refs(json_t *node)
{
    const char *key;
    json_t *value;
    size_t i;
    if (json_is_array(node)) {
        json_array_foreach(node, i, value)
            absolutise_refs(value);
        return;
    }
    json_object_foreach(node, key, value) {
        const char *ref = json_string_value(value);
        if (strcmp(key, "$ref") == 0 && ref && ref[0] != '#' && ref[0] != '/' && !strstr(ref, "://")) {
            char abs[512];
            snprintf(abs, sizeof abs, "/schemas/%s", ref);
            json_object_set_new(node, key, json_string(abs)); /* replaces in place: safe in foreach */
        } else {
            absolutise_refs(value);
        }
    }
}

/* Loads dir/openapi.json with its references made absolute. Caller owns the
 * result: json_decref(); NULL (logged) if it cannot be read. */
static json_t *load_openapi(const char *dir)
{
    char path[1200];
    json_error_t jerr;
    snprintf(path, sizeof path, "%s/openapi.json", dir);
    json_t *doc = json_load_file(path, 0, &jerr);
    if (!doc)
        log_error("cannot load the OpenAPI document",
                  json_pack("{s:s, s:s}", "path", path, "error", jerr.text));
    else
        absolutise_refs(doc);
    return doc;
}

/* cdm-api --create-key [--operator] AGENCY SCOPES all|UUID[,UUID…]: creates the
 * agency if needed and a key for it, and prints the key (once) on stdout. For
 * operators and for `make run`'s first start. --operator makes the platform's
 * own key (it needs admin and all): the only way an operator key is made. */
static int create_key_cli(const struct cdm_config *cfg, int argc, char **argv)
{
    bool operator_key = argc > 2 && strcmp(argv[2], "--operator") == 0;
    if (operator_key) {
        argv++;
        argc--;
    }
    if (argc != 5 || (operator_key && (strcmp(argv[4], "all") != 0 || !strstr(argv[3], "admin")))) {
        fprintf(stderr, "usage: cdm-api --create-key [--operator] AGENCY SCOPE[,SCOPE…] "
                        "all|NEIGHBOURHOOD-ID[,…]\n(an --operator key has the admin scope and all)\n");
        return 2;
    }
    char err[512];
    PGconn *db = pg_connect_prepared(cfg->database_url, err, sizeof err);
    if (!db) {
        fprintf(stderr, "cdm-api: %s\n", err);
        return 1;
    }
    json_t *scopes = json_array(), *neighbourhoods = json_array();
    char *list = strdup(argv[3]);
    for (char *save = NULL, *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save))
        json_array_append_new(scopes, json_string(t));
    free(list);
    bool all = strcmp(argv[4], "all") == 0;
    list = strdup(argv[4]);
    for (char *save = NULL, *t = strtok_r(list, ",", &save); !all && t; t = strtok_r(NULL, ",", &save))
        json_array_append_new(neighbourhoods, json_string(t));
    free(list);
    json_t *spec = json_pack("{s:o, s:b}", "scopes", scopes, "allNeighbourhoods", all);
    if (operator_key)
        json_object_set_new(spec, "operator", json_true());
    if (!all)
        json_object_set_new(spec, "neighbourhoods", neighbourhoods);
    else
        json_decref(neighbourhoods);
    struct outcome o = OUTCOME_INIT;
    char agency[40];
    int rc = 1;
    if (!agency_ensure(db, argv[2], agency))
        fprintf(stderr, "cdm-api: cannot store the agency: %s", PQerrorMessage(db));
    else if (key_create(db, agency, spec, NULL, &o) != CDM_CREATED)
        fprintf(stderr, "cdm-api: cannot create the key: %s\n", o.detail);
    else {
        printf("%s\n", json_string_value(json_object_get(o.body, "key")));
        rc = 0;
    }
    outcome_clear(&o);
    json_decref(spec);
    PQfinish(db);
    return rc;
}

/* What migration 017 did with the default prefix, with CDM_PARTNER_TOPIC_PREFIX:
 * live Kafka subscriptions outside their agency's namespace are disabled. Not
 * fatal: the server starts anyway (and its pool reports the database). */
static void namespace_sweep(const struct cdm_config *cfg)
{
    char err[512];
    PGconn *db = pg_connect_prepared(cfg->database_url, err, sizeof err);
    const char *p[SUBSCRIPTIONS_OUTSIDE_NAMESPACE_NPARAMS] = {
        [SUBSCRIPTIONS_OUTSIDE_NAMESPACE_P_PREFIX] = cfg->partner_topic_prefix};
    PGresult *r = db ? DB_RUN(db, SUBSCRIPTIONS_OUTSIDE_NAMESPACE, p) : NULL;
    if (!db_ok(r))
        log_error("cannot check the partner topics' namespaces",
                  json_pack("{s:s}", "error", db ? PQerrorMessage(db) : err));
    PQclear(r);
    if (db)
        PQfinish(db);
}

int main(int argc, char **argv)
{
    struct cdm_config cfg;
    int init = service_init("api", &cfg, NULL); /* its signals: sigwait, below */
    if (init != 0)
        return init;
    if (argc > 1 && strcmp(argv[1], "--create-key") == 0)
        return create_key_cli(&cfg, argc, argv);
    namespace_sweep(&cfg); /* after the migrations, as the server or the upgrade step starts */
    if (argc > 1 && strcmp(argv[1], "--migrate-only") == 0)
        return 0;

    /* Signals go to one sigwait below, not to whichever thread is running. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct api_ctx ctx = {.cfg = &cfg, .kafka_up = -1, .consumer_lag = {-1, -1}, .running = 1,
                          .rate_limit_per_s = cfg.rate_limit_per_s};
    struct _u_instance inst;
    pthread_t probe, db_probe, revocations;
    bool started = false, probing = false, db_probing = false, listening = false;
    MHD_socket listen_fd = MHD_INVALID_SOCKET;
    int rc = 1;
    char err[1024];
    ctx.schemas = js_schema_set_load_dir(cfg.schema_dir, err, sizeof err);
    if (!ctx.schemas) {
        log_error("cannot load schemas", json_pack("{s:s}", "error", err));
        goto out;
    }
    if (!(ctx.openapi = load_openapi(cfg.schema_dir)))
        goto out;
    if (!ratelimit_set_trusted_proxies(cfg.trusted_proxies, err, sizeof err)) {
        log_error("bad configuration", json_pack("{s:s}", "error", err));
        goto out;
    }
    /* statement_timeout bounds how long one request holds a pooled connection. */
    if (!(ctx.pool = pgpool_new(cfg.database_url, cfg.db_pool_size, cfg.statement_timeout_ms, err,
                                sizeof err)) ||
        !pgpool_listen(ctx.pool, KEYCACHE_CHANNEL, keycache_revoked, NULL, err, sizeof err)) {
        log_error("cannot open the database pool", json_pack("{s:s}", "error", err));
        goto out;
    }
    keycache_init(cfg.key_cache_ttl_ms);
    probing = pthread_create(&probe, NULL, kafka_probe_run, &ctx) == 0;
    db_probing = pthread_create(&db_probe, NULL, health_probe_run, &ctx) == 0;
    listening = pthread_create(&revocations, NULL, keycache_listen_run, &ctx) == 0;

    struct sockaddr_in bind_addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)cfg.http_port)};
    if (inet_pton(AF_INET, cfg.http_bind, &bind_addr.sin_addr) != 1) {
        log_error("CDM_HTTP_BIND is not an IPv4 address", json_pack("{s:s}", "bind", cfg.http_bind));
        goto out;
    }
    /* Ulfius refuses port 0, but libmicrohttpd binds the address of
     * MHD_OPTION_SOCK_ADDR below (port 0 there: any free port, read back
     * afterwards), so the instance's own port is only a placeholder then. */
    if (ulfius_init_instance(&inst, cfg.http_port ? (unsigned)cfg.http_port : 1, &bind_addr, NULL) != U_OK) {
        log_error("cannot initialise the HTTP server", NULL);
        goto out;
    }
    /* One byte over the limit, so that a truncated body is recognisable. */
    inst.max_post_body_size = cfg.max_body_bytes + 1;
    if (!http_register(&inst, &ctx, api_route_tables)) {
        log_error("cannot register routes", NULL);
        ulfius_clean_instance(&inst);
        goto out;
    }
    /* A bounded thread pool and an idle timeout instead of Ulfius's default
     * thread per connection without one (SPEC §7). */
    struct MHD_OptionItem ops[] = {
        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)mhd_request_completed, NULL},
        {MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)ulfius_uri_logger, NULL},
        {MHD_OPTION_THREAD_POOL_SIZE, cfg.http_threads, NULL},
        {MHD_OPTION_CONNECTION_TIMEOUT, cfg.http_timeout_s, NULL},
        {MHD_OPTION_CONNECTION_LIMIT, 1024, NULL},
        /* One address cannot take every connection (0: no limit, behind an ingress). */
        {MHD_OPTION_PER_IP_CONNECTION_LIMIT, cfg.http_per_ip_connections, NULL},
        {MHD_OPTION_SOCK_ADDR, 0, &bind_addr},
        {MHD_OPTION_END, 0, NULL},
    };
    if (ulfius_start_framework_with_mhd_options(
            &inst, MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | MHD_USE_ERROR_LOG,
            ops) != U_OK) {
        log_error("cannot start the HTTP server", json_pack("{s:i}", "port", cfg.http_port));
        ulfius_clean_instance(&inst);
        goto out;
    }
    started = true;
    /* The port actually bound, from the socket itself (the daemon's own
     * record is the placeholder above when CDM_HTTP_PORT is 0). */
    int port = cfg.http_port;
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(inst.mhd_daemon, MHD_DAEMON_INFO_LISTEN_FD);
    struct sockaddr_in bound;
    socklen_t blen = sizeof bound;
    if (info && getsockname(info->listen_fd, (struct sockaddr *)&bound, &blen) == 0)
        port = ntohs(bound.sin_port);
    if (*cfg.http_port_file) {
        char tmp[1100];
        snprintf(tmp, sizeof tmp, "%s.tmp", cfg.http_port_file);
        FILE *f = fopen(tmp, "w");
        if (f) {
            fprintf(f, "%d\n", port);
            fclose(f);
            rename(tmp, cfg.http_port_file); /* atomic: readers never see half a port */
        }
    }
    log_info("listening", json_pack("{s:s, s:i, s:i}", "bind", cfg.http_bind, "port", port,
                                    "threads", cfg.http_threads));

    int sig = 0;
    sigwait(&sigs, &sig);
    log_info("stopping", json_pack("{s:i}", "signal", sig));
    /* Stop accepting new connections, let the requests in flight finish
     * (bounded: an orchestrator's grace period is typically 30 s), then stop. */
    listen_fd = MHD_quiesce_daemon(inst.mhd_daemon);
    for (int i = 0; i < 250 && atomic_load(&ctx.in_flight) > 0; i++)
        usleep(100 * 1000);
    log_info("stopped accepting", json_pack("{s:i}", "inFlight", atomic_load(&ctx.in_flight)));
    rc = 0;
out:
    atomic_store(&ctx.running, 0);
    if (started) {
        ulfius_stop_framework(&inst);
        ulfius_clean_instance(&inst);
    }
    if (listen_fd != MHD_INVALID_SOCKET) /* ours after quiesce, closed only after the stop */
        close(listen_fd);
    http_unregister(&ctx);
    if (probing)
        pthread_join(probe, NULL);
    if (db_probing)
        pthread_join(db_probe, NULL);
    if (listening)
        pthread_join(revocations, NULL);
    keycache_revoked(NULL, NULL); /* frees what the cache held */
    pgpool_free(ctx.pool);
    json_decref(ctx.openapi);
    js_schema_set_free(ctx.schemas);
    return rc;
}
