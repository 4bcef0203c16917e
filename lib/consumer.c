/* consumer.c — batches, offsets after commit, and a bounded close */
#include "consumer.h"
#include "log.h"

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
