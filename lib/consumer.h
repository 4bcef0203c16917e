/* consumer.h — the at-least-once consumer loop shared by the workers (librdkafka) */
#ifndef CDM_CONSUMER_H
#define CDM_CONSUMER_H
#include <librdkafka/rdkafka.h>
#include <stddef.h>

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
