/* indicator_worker.c — cdm-indicators: consumes cdm.submissions, applies each event once */
#include "config.h"
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

/* Takes the messages already fetched, up to BATCH_MAX, after a first one
 * waited for: a busy worker commits many at once, an idle one has no delay. */
static size_t next_batch(rd_kafka_t *rk, rd_kafka_message_t **msgs)
{
    size_t n = 0;
    rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 200);
    while (m) {
        if (m->err) {
            if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                log_warn("consumer error", json_pack("{s:s}", "error", rd_kafka_message_errstr(m)));
            rd_kafka_message_destroy(m);
        } else {
            msgs[n++] = m;
        }
        if (n == BATCH_MAX)
            break;
        m = rd_kafka_consumer_poll(rk, 0);
    }
    return n;
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
        size_t n = next_batch(rk, msgs);
        if (n > 0 && handle(&db, &cfg, &acfg, msgs, n)) {
            /* Only now, after the commit: the next offset to read, per message. */
            rd_kafka_topic_partition_list_t *offs = rd_kafka_topic_partition_list_new((int)n);
            for (size_t i = 0; i < n; i++)
                rd_kafka_topic_partition_list_add(offs, rd_kafka_topic_name(msgs[i]->rkt),
                                                  msgs[i]->partition)->offset = msgs[i]->offset + 1;
            rd_kafka_offsets_store(rk, offs);
            rd_kafka_topic_partition_list_destroy(offs);
            applied += (long)n;
        }
        for (size_t i = 0; i < n; i++)
            rd_kafka_message_destroy(msgs[i]);
    }
    log_info("stopping", json_pack("{s:I}", "applied", (json_int_t)applied));
    /* Leave the group and commit the stored offsets, but not forever: with
     * the broker gone, a plain rd_kafka_consumer_close() waits indefinitely.
     * Offsets not committed are redelivered and recognised as duplicates. */
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_error_t *cerr = rd_kafka_consumer_close_queue(rk, q);
    if (cerr)
        rd_kafka_error_destroy(cerr);
    for (int i = 0; i < 100 && !rd_kafka_consumer_closed(rk); i++) {
        rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 100);
        if (ev)
            rd_kafka_event_destroy(ev);
    }
    rd_kafka_queue_destroy(q);
    rd_kafka_destroy_flags(rk, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
    if (db)
        PQfinish(db);
    return 0;
}
