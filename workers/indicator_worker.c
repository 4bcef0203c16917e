/* indicator_worker.c — cdm-indicators: consumes cdm.submissions, applies each event once */
#include "config.h"
#include "kafka.h"
#include "indicator_apply.h"
#include "indicator_rebuild.h"
#include "clock.h"
#include "outbox.h"
#include "log.h"
#include "pgpool.h"
#include "service.h"
#include "queries.h"
#include <librdkafka/rdkafka.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static atomic_int running = 1;
static void on_signal(int sig) { (void)sig; atomic_store(&running, 0); }

#define BATCH_MAX 200

/* What the worker's modules need of the configuration (its strings stay in cfg). */
static struct apply_config apply_config_of(const struct cdm_config *cfg)
{
    return (struct apply_config){.consumer = cfg->consumer_group,
                                 .topic_kpi = cfg->topic_kpi_events,
                                 .event_source = cfg->event_source,
                                 .clock_fixed = cfg->clock_fixed,
                                 .clock_date = cfg->clock_date};
}

/* Applies a batch until it commits, retrying database failures with back-off
 * while running. True when the batch's offsets may be stored. */
static bool handle(PGconn **db, const struct cdm_config *cfg, const struct apply_config *acfg,
                   rd_kafka_message_t *const *msgs, size_t n)
{
    struct apply_input in[BATCH_MAX];
    for (size_t i = 0; i < n; i++)
        in[i] = (struct apply_input){msgs[i]->payload, msgs[i]->len};
    int backoff_ms = 100;
    while (atomic_load(&running)) {
        *db = pg_ensure(*db, cfg->database_url);
        if (*db && indicator_apply_batch(*db, acfg, in, n) == APPLY_DONE)
            return true;
        usleep((useconds_t)backoff_ms * 1000);
        if (backoff_ms < 5000)
            backoff_ms *= 2;
    }
    return false;
}

/* cdm-indicators --rebuild: recomputes every aggregate from the raw
 * responses, reports what differed, and exits (0 on success). */
static int rebuild(const struct cdm_config *cfg)
{
    PGconn *db = pg_ensure(NULL, cfg->database_url);
    if (!db) {
        log_error("rebuild: the database is not reachable", NULL);
        return 1;
    }
    const struct apply_config acfg = apply_config_of(cfg);
    struct rebuild_result res;
    char err[1024];
    bool ok = indicator_rebuild(db, &acfg, &res, err, sizeof err);
    if (ok) {
        log_info("rebuilt", json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "responses",
                                      (json_int_t)res.responses, "contributions",
                                      (json_int_t)res.contributions, "aggregates",
                                      (json_int_t)res.aggregates, "differed", (json_int_t)res.differed,
                                      "cells", (json_int_t)res.cells, "cellsDiffered",
                                      (json_int_t)res.cells_differed));
        printf("rebuilt %lld aggregates from %lld responses; %lld differed from the incremental state;"
               " rebuilt %lld cells, cells differed: %lld\n",
               res.aggregates, res.responses, res.differed, res.cells, res.cells_differed);
        outbox_wake(db);
    } else {
        log_error("rebuild failed", json_pack("{s:s}", "error", err));
    }
    PQfinish(db);
    return ok ? 0 : 1;
}

/* One clock tick on the clock's date; logs what it announced. */
static bool tick(PGconn *db, const struct apply_config *acfg)
{
    struct pdate now = worker_clock_date(acfg);
    struct clock_result res;
    char err[1024];
    if (!clock_tick(db, acfg, now, &res, err, sizeof err)) {
        log_error("clock tick failed", json_pack("{s:s}", "error", err));
        return false;
    }
    if (res.kpi_changes || res.milestone_events || res.alert_events || res.indicator_updates ||
        res.releases || res.rounds_frozen) {
        char on[11];
        pdate_format(now, on);
        log_info("clock tick",
                 json_pack("{s:s, s:i, s:i, s:i, s:i, s:i, s:i}", "on", on, "kpiChanges",
                           res.kpi_changes, "milestoneEvents", res.milestone_events,
                           "significantChanges", res.alert_events, "indicatorUpdates",
                           res.indicator_updates, "roundsFrozen", res.rounds_frozen,
                           "releases", res.releases));
    }
    return true;
}

int main(int argc, char **argv)
{
    bool rebuild_only = argc == 2 && strcmp(argv[1], "--rebuild") == 0;
    bool tick_only = argc == 2 && strcmp(argv[1], "--clock-tick") == 0;
    if (argc > 1 && !rebuild_only && !tick_only) {
        fprintf(stderr, "usage: cdm-indicators [--rebuild | --clock-tick]\n");
        return 2;
    }
    struct cdm_config cfg;
    int init = service_init("indicators", &cfg, on_signal);
    if (init != 0)
        return init;
    if (rebuild_only)
        return rebuild(&cfg);
    if (tick_only) { /* one tick on CDM_CLOCK_NOW (or today), then exit */
        PGconn *tdb = pg_ensure(NULL, cfg.database_url);
        const struct apply_config tcfg = apply_config_of(&cfg);
        bool ok = tdb && tick(tdb, &tcfg);
        if (tdb)
            PQfinish(tdb);
        return ok ? 0 : 1;
    }
    PGconn *db = pg_ensure(NULL, cfg.database_url); /* NULL is fine: handle() retries */
    rd_kafka_t *rk = kafka_consumer_new(&cfg, cfg.consumer_group, cfg.topic_submissions);
    if (!rk) {
        if (db)
            PQfinish(db);
        return 1;
    }
    const struct apply_config acfg = apply_config_of(&cfg);
    log_info("consuming", json_pack("{s:s, s:s}", "topic", cfg.topic_submissions, "group",
                                    cfg.consumer_group));
    long applied = 0;
    rd_kafka_message_t *msgs[BATCH_MAX];
    /* The clock ticks between batches, every CDM_CLOCK_INTERVAL_S seconds. */
    time_t next_tick = 0;
    while (atomic_load(&running)) {
        if (time(NULL) >= next_tick) {
            db = pg_ensure(db, cfg.database_url);
            if (db)
                tick(db, &acfg);
            next_tick = time(NULL) + cfg.clock_interval_s;
        }
        size_t n = consumer_next_batch(rk, msgs, BATCH_MAX, 200);
        if (n > 0 && handle(&db, &cfg, &acfg, msgs, n)) {
            consumer_store_offsets(rk, msgs, n); /* only now, after the commit */
            applied += (long)n;
        }
        for (size_t i = 0; i < n; i++)
            rd_kafka_message_destroy(msgs[i]);
    }
    log_info("stopping", json_pack("{s:I}", "applied", (json_int_t)applied));
    consumer_close_bounded(rk, 10000);
    if (db)
        PQfinish(db);
    return 0;
}
