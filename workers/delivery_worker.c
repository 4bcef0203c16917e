/* delivery_worker.c — cdm-delivery: fans KPI events out to partners' subscriptions and delivers them.
 *
 * Two jobs in one loop. (1) A consumer group on cdm.kpi-events: for each
 * event, in one transaction with its processed_event row, one pending
 * delivery per matching active subscription; offsets stored after commit.
 * (2) A sender: due deliveries, locked with SKIP LOCKED so several workers
 * share them, go to the partner's Kafka topic (keyed by neighbourhood, only
 * marked delivered on the broker's acknowledgement) or to its webhook
 * (signed the Standard Webhooks way; retried on the schedule of
 * CDM_WEBHOOK_RETRY_SCHEDULE; 410 Gone disables the subscription; after the
 * last retry the delivery is a dead letter, listed and re-driven through the
 * API). The payload is the outbox row's, exactly as it was emitted, and the
 * webhook-id is the event id on every attempt. */
#include "config.h"
#include "kafka.h"
#include "log.h"
#include "pgpool.h"
#include "service.h"
#include "ids.h"
#include "queries.h"
#include "text.h"
#include "webhook_send.h"
#include "webhook_sig.h"
#include <librdkafka/rdkafka.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BATCH_MAX 200
#define SEND_BATCH 50

static atomic_int running = 1;
static void on_signal(int sig) { (void)sig; atomic_store(&running, 0); }

struct kafka_ack { atomic_int state; }; /* 0 pending, 1 delivered, 2 failed */

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    (void)opaque;
    struct kafka_ack *a = m->_private;
    atomic_store(&a->state, m->err ? 2 : 1);
}


/* (1) Fans a batch of consumed events out into pending deliveries. True once committed. */
static bool fan_out(PGconn *db, const char *topic, rd_kafka_message_t **msgs, size_t n)
{
    if (!db_exec(db, "BEGIN"))
        return false;
    for (size_t i = 0; i < n; i++) {
        json_t *ev = json_loadb(msgs[i]->payload, msgs[i]->len, 0, NULL);
        const char *id = json_string_value(json_object_get(ev, "id"));
        bool ok = true;
        if (uuid_is_valid(id)) {
            const char *pp[PROCESSED_INSERT_NPARAMS] = {
                [PROCESSED_INSERT_P_CONSUMER] = "cdm-delivery", [PROCESSED_INSERT_P_EVENT_ID] = id};
            PGresult *r = DB_RUN(db, PROCESSED_INSERT, pp);
            ok = db_ok(r);
            bool fresh = ok && strcmp(PQcmdTuples(r), "1") == 0;
            PQclear(r);
            if (fresh) {
                const char *fp[DELIVERY_FANOUT_NPARAMS] = {
                    [DELIVERY_FANOUT_P_EVENT_ID] = id, [DELIVERY_FANOUT_P_TOPIC] = topic};
                r = DB_RUN(db, DELIVERY_FANOUT, fp);
                ok = db_ok(r);
                PQclear(r);
            }
        } else {
            log_error("not an event (no UUID id); skipped", NULL); /* never blocks the partition */
        }
        json_decref(ev);
        if (!ok) {
            db_exec(db, "ROLLBACK");
            return false;
        }
    }
    return db_exec(db, "COMMIT");
}

/* Parses the text[] literal of secrets ({a,b}) into up to two strings. */
static size_t parse_secrets(const char *literal, char out[2][WEBHOOK_SECRET_LEN + 8])
{
    size_t n = 0;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", literal);
    for (char *save = NULL, *t = strtok_r(buf, "{},\"", &save); t && n < 2; t = strtok_r(NULL, "{},\"", &save))
        if (strcmp(t, "NULL") != 0)
            snprintf(out[n++], WEBHOOK_SECRET_LEN + 8, "%s", t);
    return n;
}

/* Sends one webhook delivery; fills status/error. */
static void send_webhook(const struct cdm_config *cfg, const char *url, const char *secrets_literal,
                         const char *event_id, const char *payload, long *status, char *error, size_t elen)
{
    char secrets[2][WEBHOOK_SECRET_LEN + 8];
    size_t ns = parse_secrets(secrets_literal, secrets);
    const char *sp[2] = {secrets[0], secrets[1]};
    char header[2 * WEBHOOK_SIGNATURE_LEN + 2];
    long long now = (long long)time(NULL);
    *status = 0;
    if (ns == 0 || !webhook_sign_header(sp, ns, event_id, now, payload, strlen(payload), header, sizeof header)) {
        snprintf(error, elen, "cannot sign: the subscription has no usable secret");
        return;
    }
    struct webhook_request req = {
        .url = url, .msg_id = event_id, .timestamp = now, .signature = header, .body = payload,
        .body_len = strlen(payload), .timeout_ms = cfg->webhook_timeout_ms,
        .allow_private = cfg->webhook_allow_private,
        .ca_file = *cfg->webhook_ca_file ? cfg->webhook_ca_file : NULL,
    };
    struct webhook_result res;
    memset(&res, 0, sizeof res);
    webhook_send(&req, &res);
    *status = res.http_status;
    snprintf(error, elen, "%s", res.refused_address ? "the target address is private or local: refused" : res.error);
}

/* Records one delivery's outcome in its own statement (autocommit): one
 * failing update cannot undo the others. */
static void record(PGconn *db, const struct cdm_config *cfg, const char *sub, const char *seq,
                   int attempts, bool webhook, long status, char *error, const char *event_id)
{
    char status_s[16], delay_s[16];
    snprintf(status_s, sizeof status_s, "%ld", status);
    PGresult *r;
    if (status >= 200 && status < 300) {
        const char *p[DELIVERY_DONE_NPARAMS] = {[DELIVERY_DONE_P_SUBSCRIPTION] = sub,
                                                [DELIVERY_DONE_P_EVENT_SEQ] = seq,
                                                [DELIVERY_DONE_P_STATUS] = status_s};
        r = DB_RUN(db, DELIVERY_DONE, p);
    } else {
        bool gone = webhook && status == 410;
        bool last = gone || attempts > cfg->webhook_retries;
        snprintf(delay_s, sizeof delay_s, "%d", last ? 0 : cfg->webhook_retry_delays[attempts - 1]);
        if (!*error)
            snprintf(error, 300, "HTTP %ld", status);
        utf8_trim(error);
        const char *p[DELIVERY_RETRY_NPARAMS] = {
            [DELIVERY_RETRY_P_SUBSCRIPTION] = sub,
            [DELIVERY_RETRY_P_EVENT_SEQ] = seq,
            [DELIVERY_RETRY_P_STATUS] = status ? status_s : NULL,
            [DELIVERY_RETRY_P_ERROR] = error,
            [DELIVERY_RETRY_P_DELAY_S] = last ? NULL : delay_s,
        };
        r = DB_RUN(db, DELIVERY_RETRY, p);
        if (gone && db_ok(r)) {
            PQclear(r);
            const char *dp[SUBSCRIPTION_DISABLE_NPARAMS] = {
                [SUBSCRIPTION_DISABLE_P_ID] = sub,
                [SUBSCRIPTION_DISABLE_P_REASON] = "the webhook answered 410 Gone"};
            r = DB_RUN(db, SUBSCRIPTION_DISABLE, dp);
        }
        log_warn(last ? "delivery failed: dead letter" : "delivery failed: will retry",
                 json_pack("{s:s, s:s, s:i, s:s}", "subscriptionId", sub, "eventId", event_id,
                           "attempt", attempts, "error", error));
    }
    if (!db_ok(r))
        log_error("cannot record a delivery; it is retried when its lease ends",
                  json_pack("{s:s, s:s}", "subscriptionId", sub, "error", PQresultErrorMessage(r)));
    PQclear(r);
}

/* (2) Claims the due deliveries (a lease, committed at once), sends them in
 * event order outside any transaction, and records each outcome. */
static void send_due(const struct cdm_config *cfg, PGconn *db, rd_kafka_t *producer)
{
    char limit[8], lease[16];
    snprintf(limit, sizeof limit, "%d", SEND_BATCH);
    /* Long enough for every webhook of the batch to time out, and a minute more. */
    snprintf(lease, sizeof lease, "%d", SEND_BATCH * (cfg->webhook_timeout_ms / 1000 + 1) + 60);
    const char *lp[DELIVERY_DUE_NPARAMS] = {[DELIVERY_DUE_P_LIMIT] = limit,
                                            [DELIVERY_DUE_P_LEASE_S] = lease};
    PGresult *due = DB_RUN(db, DELIVERY_DUE, lp);
    int n = db_ok(due) ? PQntuples(due) : 0;
    struct kafka_ack acks[SEND_BATCH];
    /* Kafka ones first, all produced, then acknowledged together. */
    for (int i = 0; i < n; i++) {
        atomic_store(&acks[i].state, -1);
        if (strcmp(PQgetvalue(due, i, DELIVERY_DUE_CHANNEL), "kafka") != 0 || !producer)
            continue;
        atomic_store(&acks[i].state, 0);
        const char *key = PQgetvalue(due, i, DELIVERY_DUE_MSG_KEY);
        const char *payload = PQgetvalue(due, i, DELIVERY_DUE_PAYLOAD);
        const char *topic = PQgetvalue(due, i, DELIVERY_DUE_KAFKA_TOPIC);
        if (rd_kafka_producev(producer, RD_KAFKA_V_TOPIC(topic),
                              RD_KAFKA_V_KEY(key, strlen(key)),
                              RD_KAFKA_V_VALUE((void *)payload, strlen(payload)),
                              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_OPAQUE(&acks[i]),
                              RD_KAFKA_V_END))
            atomic_store(&acks[i].state, 2);
    }
    for (int waited = 0; waited < 600; waited++) { /* at most a minute */
        int pending = 0;
        for (int i = 0; i < n; i++)
            pending += atomic_load(&acks[i].state) == 0;
        if (!pending)
            break;
        rd_kafka_poll(producer, 100);
    }
    if (producer) {
        /* acks[] lives on this stack frame: void what is still out and serve
         * every delivery report before returning. */
        rd_kafka_purge(producer, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        while (rd_kafka_outq_len(producer) > 0)
            rd_kafka_flush(producer, 100);
    }
    for (int i = 0; i < n && atomic_load(&running); i++) {
        long status = 0;
        char error[300] = "";
        const char *event_id = PQgetvalue(due, i, DELIVERY_DUE_EVENT_ID);
        bool webhook = strcmp(PQgetvalue(due, i, DELIVERY_DUE_CHANNEL), "webhook") == 0;
        if (webhook)
            send_webhook(cfg, PQgetvalue(due, i, DELIVERY_DUE_WEBHOOK_URL),
                         PQgetvalue(due, i, DELIVERY_DUE_SECRETS), event_id,
                         PQgetvalue(due, i, DELIVERY_DUE_PAYLOAD), &status, error, sizeof error);
        else if (atomic_load(&acks[i].state) == 1)
            status = 200;
        else
            snprintf(error, sizeof error, "the partner topic did not acknowledge the event");
        record(db, cfg, PQgetvalue(due, i, DELIVERY_DUE_SUBSCRIPTION_ID),
               PQgetvalue(due, i, DELIVERY_DUE_EVENT_SEQ),
               atoi(PQgetvalue(due, i, DELIVERY_DUE_ATTEMPTS)) + 1, webhook, status, error,
               event_id);
    }
    PQclear(due);
}

int main(void)
{
    struct cdm_config cfg;
    int init = service_init("delivery", &cfg, on_signal);
    if (init != 0)
        return init;
    if (!webhook_send_global_init())
        return 1;
    rd_kafka_t *consumer = kafka_consumer_new(&cfg, cfg.delivery_group, cfg.topic_kpi_events);
    rd_kafka_t *producer = kafka_producer_new(&cfg, 60000, on_delivery);
    if (!consumer || !producer)
        return 1;
    PGconn *db = pg_ensure(NULL, cfg.database_url);
    log_info("consuming", json_pack("{s:s, s:s}", "topic", cfg.topic_kpi_events, "group", cfg.delivery_group));
    rd_kafka_message_t *msgs[BATCH_MAX];
    while (atomic_load(&running)) {
        size_t n = consumer_next_batch(consumer, msgs, BATCH_MAX, 200);
        /* Fan out until committed (the offsets wait for it); no seeking back. */
        int backoff_ms = 100;
        bool done = n == 0;
        while (!done && atomic_load(&running)) {
            db = pg_ensure(db, cfg.database_url);
            done = db && fan_out(db, cfg.topic_kpi_events, msgs, n);
            if (!done) {
                usleep((useconds_t)backoff_ms * 1000);
                backoff_ms = backoff_ms < 5000 ? backoff_ms * 2 : backoff_ms;
            }
        }
        if (n > 0) {
            if (done)
                consumer_store_offsets(consumer, msgs, n); /* only after the commit */
            for (size_t i = 0; i < n; i++)
                rd_kafka_message_destroy(msgs[i]);
        }
        db = pg_ensure(db, cfg.database_url);
        if (db)
            send_due(&cfg, db, producer);
    }
    log_info("stopping", NULL);
    consumer_close_bounded(consumer, 10000);
    rd_kafka_flush(producer, 2000);
    rd_kafka_destroy(producer);
    webhook_send_global_cleanup();
    if (db)
        PQfinish(db);
    return 0;
}
