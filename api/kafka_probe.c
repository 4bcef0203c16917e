/* kafka_probe.c — the API's view of Kafka: reachable or not, and the indicator workers' lag.
 *
 * The API never needs Kafka to accept a submission (the outbox decouples
 * them); this only feeds /readyz and /metrics. It uses a consumer handle
 * configured with the workers' group id but never subscribed, so it reads
 * the group's committed offsets without joining the group. */
#include "kafka_probe.h"
#include "log.h"
#include <librdkafka/rdkafka.h>
#include <stdbool.h>
#include <stdio.h>
#include <unistd.h>

static rd_kafka_t *probe_handle(const struct api_ctx *ctx, const char *group)
{
    char bootstrap[1024], err[256];
    if (!config_kafka_bootstrap(ctx->cfg, bootstrap, sizeof bootstrap))
        return NULL;
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, err, sizeof err) ||
        rd_kafka_conf_set(conf, "group.id", group, err, sizeof err) ||
        rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof err) ||
        rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err)) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err); /* takes conf */
    if (!rk)
        rd_kafka_conf_destroy(conf);
    return rk;
}

/* Sum over partitions of (high watermark − committed offset), or -1. */
static long consumer_lag(rd_kafka_t *rk, const char *topic)
{
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_topic_t *t = rd_kafka_topic_new(rk, topic, NULL);
    long lag = -1;
    if (!t || rd_kafka_metadata(rk, 0, t, &md, 2000) || md->topic_cnt != 1 || md->topics[0].err)
        goto out;
    int n = md->topics[0].partition_cnt;
    rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(n);
    for (int i = 0; i < n; i++)
        rd_kafka_topic_partition_list_add(parts, topic, md->topics[0].partitions[i].id);
    if (rd_kafka_committed(rk, parts, 2000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        lag = 0;
        for (int i = 0; i < parts->cnt && lag >= 0; i++) {
            int64_t lo = 0, hi = 0;
            if (rd_kafka_query_watermark_offsets(rk, topic, parts->elems[i].partition, &lo, &hi, 2000)) {
                lag = -1;
                break;
            }
            int64_t done = parts->elems[i].offset >= 0 ? parts->elems[i].offset : lo;
            lag += (long)(hi > done ? hi - done : 0);
        }
    }
    rd_kafka_topic_partition_list_destroy(parts);
out:
    if (md)
        rd_kafka_metadata_destroy(md);
    if (t)
        rd_kafka_topic_destroy(t);
    return lag;
}

void *kafka_probe_run(void *arg)
{
    struct api_ctx *ctx = arg;
    /* One handle per group whose lag is reported: committed offsets are read
     * with the group id of the handle. [0] also answers "is Kafka up". */
    const char *groups[2] = {ctx->cfg->consumer_group, ctx->cfg->delivery_group};
    const char *topics[2] = {ctx->cfg->topic_submissions, ctx->cfg->topic_kpi_events};
    rd_kafka_t *rk[2] = {NULL, NULL};
    while (atomic_load(&ctx->running)) {
        for (int g = 0; g < 2; g++)
            if (!rk[g])
                rk[g] = probe_handle(ctx, groups[g]);
        const struct rd_kafka_metadata *md = NULL;
        bool up = rk[0] && rd_kafka_metadata(rk[0], 0, NULL, &md, 2000) == RD_KAFKA_RESP_ERR_NO_ERROR;
        if (md)
            rd_kafka_metadata_destroy(md);
        atomic_store(&ctx->kafka_up, up ? 1 : 0);
        for (int g = 0; g < 2; g++) {
            atomic_store(&ctx->consumer_lag[g], up && rk[g] ? consumer_lag(rk[g], topics[g]) : -1);
            if (!up && rk[g]) { /* the bootstrap address may have changed: start afresh */
                rd_kafka_destroy_flags(rk[g], RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
                rk[g] = NULL;
            }
        }
        for (int i = 0; i < 30 && atomic_load(&ctx->running); i++)
            usleep(100 * 1000);
    }
    for (int g = 0; g < 2; g++)
        if (rk[g])
            rd_kafka_destroy_flags(rk[g], RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE); /* never subscribed */
    return NULL;
}
