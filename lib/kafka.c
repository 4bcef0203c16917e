/* kafka.c — client creation, batches, offsets after commit, and a bounded close */
#include "kafka.h"
#include "log.h"
#include <stdio.h>

/* Creates a client of type from settings (bootstrap and log level added).
 * NULL (logged) on failure. Caller owns the result. */
static rd_kafka_t *client_new(const struct cdm_config *cfg, rd_kafka_type_t type,
                              const char *const (*settings)[2], size_t n, kafka_dr_cb dr)
{
    char bootstrap[1024], err[512];
    if (!config_kafka_bootstrap(cfg, bootstrap, sizeof bootstrap)) {
        log_error("no Kafka bootstrap address", NULL);
        return NULL;
    }
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    bool ok = rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, err, sizeof err) == RD_KAFKA_CONF_OK &&
              rd_kafka_conf_set(conf, "log_level", "4", err, sizeof err) == RD_KAFKA_CONF_OK;
    for (size_t i = 0; ok && i < n; i++)
        if (rd_kafka_conf_set(conf, settings[i][0], settings[i][1], err, sizeof err) != RD_KAFKA_CONF_OK) {
            log_error("bad Kafka setting", json_pack("{s:s, s:s}", "key", settings[i][0], "error", err));
            ok = false;
        }
    if (ok && dr)
        rd_kafka_conf_set_dr_msg_cb(conf, dr);
    rd_kafka_t *rk = ok ? rd_kafka_new(type, conf, err, sizeof err) : NULL; /* takes conf */
    if (!rk) {
        rd_kafka_conf_destroy(conf);
        if (ok)
            log_error("cannot create a Kafka client", json_pack("{s:s}", "error", err));
    }
    return rk;
}

rd_kafka_t *kafka_producer_new(const struct cdm_config *cfg, int message_timeout_ms, kafka_dr_cb dr)
{
    char timeout[16];
    snprintf(timeout, sizeof timeout, "%d", message_timeout_ms);
    const char *const settings[][2] = {
        /* Idempotence keeps order and drops the producer's own retries' duplicates. */
        {"enable.idempotence", "true"},
        {"message.timeout.ms", timeout},
        {"linger.ms", "5"},
        /* Same key → same partition as the Java clients would choose. */
        {"partitioner", "murmur2_random"},
    };
    return client_new(cfg, RD_KAFKA_PRODUCER, settings, sizeof settings / sizeof settings[0], dr);
}

rd_kafka_t *kafka_consumer_new(const struct cdm_config *cfg, const char *group, const char *topic)
{
    char session[16], heartbeat[16];
    snprintf(session, sizeof session, "%d", cfg->session_timeout_ms);
    snprintf(heartbeat, sizeof heartbeat, "%d", cfg->session_timeout_ms / 3);
    const char *const settings[][2] = {
        {"group.id", group},
        {"auto.offset.reset", "earliest"},
        /* At least once: an offset is stored only after its transaction commits. */
        {"enable.auto.offset.store", "false"},
        {"enable.auto.commit", "true"},
        {"auto.commit.interval.ms", "1000"},
        {"session.timeout.ms", session},
        {"heartbeat.interval.ms", heartbeat},
        /* Low latency from submission to indicator: don't let a fetch idle long. */
        {"fetch.wait.max.ms", "50"},
    };
    rd_kafka_t *rk = client_new(cfg, RD_KAFKA_CONSUMER, settings, sizeof settings / sizeof settings[0], NULL);
    if (!rk)
        return NULL;
    rd_kafka_poll_set_consumer(rk);
    rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(topics, topic, RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t e = rd_kafka_subscribe(rk, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    if (e) {
        log_error("cannot subscribe", json_pack("{s:s, s:s}", "topic", topic, "error", rd_kafka_err2str(e)));
        rd_kafka_destroy(rk);
        return NULL;
    }
    return rk;
}

size_t consumer_next_batch(rd_kafka_t *rk, rd_kafka_message_t **msgs, size_t max, int wait_ms)
{
    size_t n = 0;
    rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, wait_ms);
    while (m) {
        if (m->err) {
            if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                log_warn("consumer error", json_pack("{s:s}", "error", rd_kafka_message_errstr(m)));
            rd_kafka_message_destroy(m);
        } else {
            msgs[n++] = m;
        }
        if (n == max)
            break;
        m = rd_kafka_consumer_poll(rk, 0);
    }
    return n;
}

void consumer_store_offsets(rd_kafka_t *rk, rd_kafka_message_t *const *msgs, size_t n)
{
    rd_kafka_topic_partition_list_t *offs = rd_kafka_topic_partition_list_new((int)n);
    for (size_t i = 0; i < n; i++)
        rd_kafka_topic_partition_list_add(offs, rd_kafka_topic_name(msgs[i]->rkt),
                                          msgs[i]->partition)->offset = msgs[i]->offset + 1;
    rd_kafka_offsets_store(rk, offs);
    rd_kafka_topic_partition_list_destroy(offs);
}

void consumer_close_bounded(rd_kafka_t *rk, int timeout_ms)
{
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_error_t *err = rd_kafka_consumer_close_queue(rk, q);
    if (err)
        rd_kafka_error_destroy(err);
    for (int waited = 0; waited < timeout_ms && !rd_kafka_consumer_closed(rk); waited += 100) {
        rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 100);
        if (ev)
            rd_kafka_event_destroy(ev);
    }
    rd_kafka_queue_destroy(q);
    rd_kafka_destroy_flags(rk, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
}
