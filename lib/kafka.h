/* kafka.h — the workers' Kafka clients: an idempotent producer and an at-least-once consumer */
#ifndef CDM_KAFKA_H
#define CDM_KAFKA_H
#include <librdkafka/rdkafka.h>
#include <stddef.h>
#include "config.h"

/* A delivery report callback (@locality the thread calling rd_kafka_poll). */
typedef void (*kafka_dr_cb)(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque);

/* An idempotent producer (order kept, its own retries deduplicated) that
 * partitions keys as the Java clients do, reporting to dr. NULL (logged) on
 * failure. Caller owns: rd_kafka_destroy(). */
rd_kafka_t *kafka_producer_new(const struct cdm_config *cfg, int message_timeout_ms, kafka_dr_cb dr);

/* A consumer in group, subscribed to topic, reading from the earliest offset
 * the group has not committed; offsets are stored by the caller after its
 * own commit (consumer_store_offsets) and committed every second. NULL
 * (logged) on failure. Caller owns: consumer_close_bounded(). */
rd_kafka_t *kafka_consumer_new(const struct cdm_config *cfg, const char *group, const char *topic);

/* Waits up to wait_ms for a message, then takes those already fetched, up to
 * max, into msgs: a busy worker commits many at once, an idle one has no
 * delay. Errors (partition EOF aside, logged) are dropped. The caller owns
 * the messages: rd_kafka_message_destroy() each. */
size_t consumer_next_batch(rd_kafka_t *rk, rd_kafka_message_t **msgs, size_t max, int wait_ms);

/* Stores, for each message, the next offset to read. Call only after the
 * transaction that applied them committed (enable.auto.offset.store=false). */
void consumer_store_offsets(rd_kafka_t *rk, rd_kafka_message_t *const *msgs, size_t n);

/* Leaves the group, committing the stored offsets, but gives up after
 * timeout_ms (a plain rd_kafka_consumer_close() waits forever when the broker
 * is gone; what is not committed is redelivered and found a duplicate), then
 * destroys rk. */
void consumer_close_bounded(rd_kafka_t *rk, int timeout_ms);
#endif
