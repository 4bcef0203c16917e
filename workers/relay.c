/* relay.c — cdm-relay: publishes the outbox to Kafka in commit order, one relay at a time */
#include "config.h"
#include "kafka.h"
#include "log.h"
#include "pgpool.h"
#include "service.h"
#include "queries.h"
#include <librdkafka/rdkafka.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <unistd.h>

#define BATCH_MAX 500
/* Five minutes, then the row is simply sent again (it stays unpublished):
 * Kafka down delays events, never loses them, and a message that can never
 * be delivered (a topic that does not exist) surfaces as an error. */
#define RELAY_MESSAGE_TIMEOUT_MS 300000

static atomic_int running = 1;
static void on_signal(int sig) { (void)sig; atomic_store(&running, 0); }

/* Delivery state of one message of the batch in hand, set by the delivery
 * report callback (@locality the thread calling rd_kafka_poll: ours). */
enum delivery { PENDING, DELIVERED, FAILED };

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    (void)opaque;
    enum delivery *d = m->_private; /* the per-message opaque */
    *d = m->err ? FAILED : DELIVERED;
    if (m->err)
        log_warn("delivery failed", json_pack("{s:s}", "error", rd_kafka_err2str(m->err)));
}


/* Waits for an outbox notification or timeout_ms. False if the connection broke. */
static bool wait_notify(PGconn *db, int timeout_ms)
{
    int fd = PQsocket(db);
    if (fd < 0)
        return false;
    /* A notification that arrived during the last query is already in
     * libpq's buffer, where select() cannot see it: look there first. */
    PGnotify *pending;
    if (PQconsumeInput(db) && (pending = PQnotifies(db))) {
        PQfreemem(pending);
        while ((pending = PQnotifies(db)))
            PQfreemem(pending);
        return true;
    }
    fd_set in;
    FD_ZERO(&in);
    FD_SET(fd, &in);
    struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    if (select(fd + 1, &in, NULL, NULL, &tv) > 0 && !PQconsumeInput(db))
        return false;
    PGnotify *n;
    while ((n = PQnotifies(db)))
        PQfreemem(n);
    return PQstatus(db) == CONNECTION_OK;
}

/* Publishes one batch of unpublished rows and marks the delivered ones.
 * Returns the number marked, or -1 on a database error. */
static int publish_batch(PGconn *db, rd_kafka_t *rk)
{
    char limit[16];
    snprintf(limit, sizeof limit, "%d", BATCH_MAX);
    const char *fp[OUTBOX_FETCH_NPARAMS] = {[OUTBOX_FETCH_P_LIMIT] = limit};
    PGresult *rows = DB_RUN(db, OUTBOX_FETCH, fp);
    if (!db_ok(rows)) {
        PQclear(rows);
        return -1;
    }
    int n = PQntuples(rows);
    if (n == 0) {
        PQclear(rows);
        return 0;
    }
    /* state: one delivery slot per row, written by the delivery callback;
     * seqs: the array literal of delivered seqs (at most 20 digits and a comma each). */
    enum delivery *state = calloc((size_t)n, sizeof *state);
    size_t cap = (size_t)n * 21 + 3, len = 0;
    char *seqs = malloc(cap);
    if (!state || !seqs) {
        free(state);
        free(seqs);
        PQclear(rows);
        return -1;
    }
    int produced = 0;
    for (int i = 0; i < n; i++) {
        const char *payload = PQgetvalue(rows, i, OUTBOX_FETCH_PAYLOAD);
        const char *key = PQgetvalue(rows, i, OUTBOX_FETCH_MSG_KEY);
        const char *topic = PQgetvalue(rows, i, OUTBOX_FETCH_TOPIC);
        rd_kafka_resp_err_t e;
        do {
            e = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic),
                                  RD_KAFKA_V_KEY(key, strlen(key)),
                                  RD_KAFKA_V_VALUE((void *)payload, strlen(payload)),
                                  RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                  RD_KAFKA_V_OPAQUE(&state[i]), RD_KAFKA_V_END);
            if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL)
                rd_kafka_poll(rk, 100);
        } while (e == RD_KAFKA_RESP_ERR__QUEUE_FULL && atomic_load(&running));
        if (e) {
            log_error("produce failed", json_pack("{s:s}", "error", rd_kafka_err2str(e)));
            state[i] = FAILED;
            break; /* later rows must not overtake this one */
        }
        produced++;
    }
    /* Wait for every delivery report: a row is published only once Kafka
     * acknowledged it. While Kafka is down this waits, and the outbox grows. */
    for (;;) {
        int pending = 0;
        for (int i = 0; i < produced; i++)
            pending += state[i] == PENDING;
        if (!pending)
            break;
        if (!atomic_load(&running)) {
            /* Stopping with messages in flight: void them (their rows stay
             * unpublished and go again next time) and collect their reports,
             * which point into `state`, before it is freed. */
            rd_kafka_purge(rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
            rd_kafka_poll(rk, 100);
            continue;
        }
        rd_kafka_poll(rk, 100);
    }
    /* Mark every delivered row. The idempotent producer fails every later
     * message of a partition after a failed one, so no key's order is broken
     * by marking the delivered rows of other keys. */
    int marked = 0;
    len += (size_t)snprintf(seqs + len, cap - len, "{");
    for (int i = 0; i < produced; i++)
        if (state[i] == DELIVERED)
            len += (size_t)snprintf(seqs + len, cap - len, "%s%s", marked++ ? "," : "",
                                    PQgetvalue(rows, i, OUTBOX_FETCH_SEQ));
    snprintf(seqs + len, cap - len, "}");
    int result = marked;
    if (marked > 0) {
        const char *mp[OUTBOX_MARK_NPARAMS] = {[OUTBOX_MARK_P_SEQS] = seqs};
        PGresult *r = DB_RUN(db, OUTBOX_MARK, mp);
        if (!db_ok(r))
            result = -1; /* they will be sent again; consumers drop duplicates by id */
        PQclear(r);
    }
    if (marked < n && atomic_load(&running)) {
        log_warn("batch partly delivered; the rest goes again",
                 json_pack("{s:i, s:i}", "rows", n, "delivered", marked));
        sleep(1); /* back off before sending the rest again */
    }
    free(seqs);
    free(state);
    PQclear(rows);
    return result;
}

/* Holds the relay lock on db; true once held. */
static bool try_lock(PGconn *db)
{
    return db_lock_taken(DB_RUN(db, RELAY_LOCK, NULL), RELAY_LOCK_HELD) &&
           db_exec(db, "LISTEN cdm_outbox");
}

int main(void)
{
    struct cdm_config cfg;
    int init = service_init("relay", &cfg, on_signal);
    if (init != 0)
        return init;
    rd_kafka_t *rk = kafka_producer_new(&cfg, RELAY_MESSAGE_TIMEOUT_MS, on_delivery);
    if (!rk)
        return 1;
    char err[1024];
    PGconn *db = NULL;
    bool active = false, standby_logged = false;
    long published = 0;
    while (atomic_load(&running)) {
        if (!db || PQstatus(db) != CONNECTION_OK) {
            if (db)
                PQfinish(db);
            active = false; /* a lost connection released the lock */
            if (!(db = pg_connect_prepared(cfg.database_url, err, sizeof err))) {
                log_error("database unreachable", json_pack("{s:s}", "error", err));
                sleep(1);
                continue;
            }
        }
        if (!active) {
            if (!(active = try_lock(db))) {
                if (!standby_logged)
                    log_info("standby: another relay holds the lock", NULL);
                standby_logged = true;
                sleep(1);
                continue;
            }
            log_info("active: publishing the outbox", NULL);
        }
        char fatal[256];
        if (rd_kafka_fatal_error(rk, fatal, sizeof fatal)) {
            /* An idempotent producer that hit a fatal error cannot go on:
             * start a new one; unmarked rows are simply sent again. */
            log_error("producer failed; recreating it", json_pack("{s:s}", "error", fatal));
            rd_kafka_destroy(rk);
            while (!(rk = kafka_producer_new(&cfg, RELAY_MESSAGE_TIMEOUT_MS, on_delivery)) && atomic_load(&running))
                sleep(1);
            if (!rk)
                break;
        }
        /* Catch up by query first: notifications sent while we were away are lost. */
        int n = publish_batch(db, rk);
        if (n < 0) {
            log_error("outbox query failed", json_pack("{s:s}", "error", PQerrorMessage(db)));
            sleep(1);
        } else if (n == 0) {
            wait_notify(db, 1000); /* the timeout also catches a missed notification */
        } else {
            published += n;
        }
    }
    log_info("stopping", json_pack("{s:I}", "published", (json_int_t)published));
    if (rk) {
        rd_kafka_flush(rk, 5000);
        rd_kafka_destroy(rk);
    }
    if (db)
        PQfinish(db);
    return 0;
}
