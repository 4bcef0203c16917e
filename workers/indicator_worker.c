/* indicator_worker.c — cdm-indicators: consumes cdm.submissions, applies each event once */
#include "config.h"
#include "consumer.h"
#include "indicator_apply.h"
#include "log.h"
#include "migrate.h"
#include "pgpool.h"
#include "queries.h"
#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static atomic_int running = 1;
static void on_signal(int sig) { (void)sig; atomic_store(&running, 0); }

static rd_kafka_t *consumer_new(const struct cdm_config *cfg)
{
    char bootstrap[1024], err[512], session[16], heartbeat[16];
    if (!config_kafka_bootstrap(cfg, bootstrap, sizeof bootstrap)) {
        log_error("no Kafka bootstrap address", NULL);
        return NULL;
    }
    snprintf(session, sizeof session, "%d", cfg->session_timeout_ms);
    snprintf(heartbeat, sizeof heartbeat, "%d", cfg->session_timeout_ms / 3);
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    const char *settings[][2] = {
        {"bootstrap.servers", bootstrap},
        {"group.id", cfg->consumer_group},
        {"auto.offset.reset", "earliest"},
        /* At least once: an offset is stored only after its transaction commits. */
        {"enable.auto.offset.store", "false"},
        {"enable.auto.commit", "true"},
        {"auto.commit.interval.ms", "1000"},
        {"session.timeout.ms", session},
        {"heartbeat.interval.ms", heartbeat},
        /* Low latency from submission to indicator: don't let a fetch idle long. */
        {"fetch.wait.max.ms", "50"},
        {"log_level", "4"},
    };
    for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++)
        if (rd_kafka_conf_set(conf, settings[i][0], settings[i][1], err, sizeof err) !=
            RD_KAFKA_CONF_OK) {
            log_error("bad Kafka setting", json_pack("{s:s, s:s}", "key", settings[i][0], "error", err));
            rd_kafka_conf_destroy(conf);
            return NULL;
        }
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err); /* takes conf */
    if (!rk) {
        rd_kafka_conf_destroy(conf);
        log_error("cannot create the consumer", json_pack("{s:s}", "error", err));
        return NULL;
    }
    rd_kafka_poll_set_consumer(rk);
    rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(topics, cfg->topic_submissions, RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t e = rd_kafka_subscribe(rk, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    if (e) {
        log_error("cannot subscribe", json_pack("{s:s}", "error", rd_kafka_err2str(e)));
        rd_kafka_destroy(rk);
        return NULL;
    }
    return rk;
}

#define BATCH_MAX 200

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

int main(void)
{
    log_set_service("indicators");
    struct cdm_config cfg;
    char err[1024];
    if (!config_load(&cfg, err, sizeof err)) {
        log_error("bad configuration", json_pack("{s:s}", "error", err));
        return 2;
    }
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    if (!migrate_connect_apply(cfg.database_url, 60, err, sizeof err)) {
        log_error("cannot apply the database migrations", json_pack("{s:s}", "error", err));
        return 1;
    }
    PGconn *db = pg_ensure(NULL, cfg.database_url); /* NULL is fine: handle() retries */
    rd_kafka_t *rk = consumer_new(&cfg);
    if (!rk) {
        if (db)
            PQfinish(db);
        return 1;
    }
    const struct apply_config acfg = {cfg.consumer_group, cfg.topic_kpi_events, cfg.event_source};
    log_info("consuming", json_pack("{s:s, s:s}", "topic", cfg.topic_submissions, "group",
                                    cfg.consumer_group));
    long applied = 0;
    rd_kafka_message_t *msgs[BATCH_MAX];
    while (atomic_load(&running)) {
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
