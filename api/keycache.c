/* keycache.c — a fixed table of recently checked API keys, emptied by revocations */
#include "keycache.h"
#include "text.h"
#include "http.h"
#include "log.h"
#include "pgpool.h"
#include <openssl/crypto.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SLOTS 1024 /* a key probes PROBES slots; when all are taken the oldest goes */
#define PROBES 16

struct entry {
    char prefix[APIKEY_PREFIX_LEN + 1]; /* "" for a free slot */
    char hash[APIKEY_HASH_HEX];
    struct principal who;               /* who.neighbourhoods owned by the entry */
    double rate, expires;               /* as keycache_put got them */
    double stored;                      /* monotonic seconds when kept */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct entry table[SLOTS];
static double ttl_s;
static bool listening;           /* the listener is connected: revocations reach us */
static unsigned long generation; /* moves on with every revocation and flush */

static void entry_clear(struct entry *e)
{
    free(e->who.neighbourhoods);
    memset(e, 0, sizeof *e);
}

/* Empties the table; the lock is held. */
static void flush_locked(void)
{
    for (size_t i = 0; i < SLOTS; i++)
        if (table[i].prefix[0])
            entry_clear(&table[i]);
    generation++;
}

void keycache_init(int ttl_ms)
{
    pthread_mutex_lock(&lock);
    ttl_s = ttl_ms / 1000.0;
    flush_locked();
    pthread_mutex_unlock(&lock);
}

unsigned long keycache_generation(void)
{
    pthread_mutex_lock(&lock);
    unsigned long g = generation;
    pthread_mutex_unlock(&lock);
    return g;
}

bool keycache_get(const char *prefix, const char *hash, struct principal *who, double *rate)
{
    bool hit = false;
    pthread_mutex_lock(&lock);
    double now = monotonic_seconds();
    unsigned h = text_hash(prefix) % SLOTS;
    for (unsigned i = 0; listening && ttl_s > 0 && i < PROBES && !hit; i++) {
        struct entry *e = &table[(h + i) % SLOTS];
        if (!e->prefix[0] || strcmp(e->prefix, prefix) != 0)
            continue;
        if (now - e->stored > ttl_s || (e->expires > 0 && (double)time(NULL) >= e->expires) ||
            CRYPTO_memcmp(e->hash, hash, APIKEY_HASH_HEX - 1) != 0) {
            entry_clear(e); /* stale, expired, or another secret with this prefix */
            break;
        }
        char *hoods = strdup(e->who.neighbourhoods);
        if (!hoods)
            break;
        *who = e->who;
        who->neighbourhoods = hoods;
        *rate = e->rate;
        hit = true;
    }
    pthread_mutex_unlock(&lock);
    return hit;
}

void keycache_put(unsigned long gen, const char *prefix, const char *hash,
                  const struct principal *who, double rate, double expires)
{
    pthread_mutex_lock(&lock);
    if (gen == generation && listening && ttl_s > 0) {
        unsigned h = text_hash(prefix) % SLOTS;
        struct entry *e = NULL, *oldest = NULL;
        for (unsigned i = 0; i < PROBES && !e; i++) {
            struct entry *c = &table[(h + i) % SLOTS];
            if (!c->prefix[0] || strcmp(c->prefix, prefix) == 0)
                e = c;
            else if (!oldest || c->stored < oldest->stored)
                oldest = c;
        }
        e = e ? e : oldest;
        char *hoods = strdup(who->neighbourhoods);
        if (hoods) {
            entry_clear(e);
            snprintf(e->prefix, sizeof e->prefix, "%s", prefix);
            memcpy(e->hash, hash, sizeof e->hash);
            e->who = *who;
            e->who.neighbourhoods = hoods;
            e->rate = rate;
            e->expires = expires;
            e->stored = monotonic_seconds();
        }
    }
    pthread_mutex_unlock(&lock);
}

void keycache_revoked(const char *key_id, void *arg)
{
    (void)arg;
    pthread_mutex_lock(&lock);
    if (!key_id) {
        flush_locked();
    } else {
        for (size_t i = 0; i < SLOTS; i++)
            if (table[i].prefix[0] && strcmp(table[i].who.key_id, key_id) == 0)
                entry_clear(&table[i]);
        generation++;
    }
    pthread_mutex_unlock(&lock);
}

/* Listening or not: either way what the cache holds may have missed a
 * revocation, so it starts empty. */
static void set_listening(bool on)
{
    pthread_mutex_lock(&lock);
    listening = on;
    flush_locked();
    pthread_mutex_unlock(&lock);
}

/* A connection that LISTENs on the channel, or NULL (closed) if none. */
static PGconn *listener_connect(const char *conninfo)
{
    PGconn *c = pg_connect_timeout(conninfo, 5000);
    PGresult *r = PQstatus(c) == CONNECTION_OK ? PQexec(c, "LISTEN " KEYCACHE_CHANNEL) : NULL;
    bool ok = r && PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    if (!ok) {
        log_error("key revocation listener cannot listen",
                  json_pack("{s:s}", "error", PQerrorMessage(c)));
        PQfinish(c);
        return NULL;
    }
    return c;
}

void *keycache_listen_run(void *arg)
{
    struct api_ctx *ctx = arg;
    PGconn *c = NULL;
    double last_ping = monotonic_seconds();
    while (atomic_load(&ctx->running)) {
        if (!c) {
            if (!(c = listener_connect(ctx->cfg->database_url))) {
                for (int i = 0; i < 10 && atomic_load(&ctx->running); i++)
                    usleep(100 * 1000);
                continue;
            }
            set_listening(true);
            last_ping = monotonic_seconds();
        }
        struct pollfd pfd = {.fd = PQsocket(c), .events = POLLIN};
        poll(&pfd, 1, 250);
        bool ok = PQconsumeInput(c) == 1;
        /* A connection gone quiet without a FIN is found by a round trip
         * every few seconds, not only when a notification fails to come. */
        if (ok && monotonic_seconds() - last_ping > 5) {
            PGresult *r = PQexec(c, "SELECT 1");
            ok = PQresultStatus(r) == PGRES_TUPLES_OK;
            PQclear(r);
            last_ping = monotonic_seconds();
        }
        for (PGnotify *n; ok && (n = PQnotifies(c)) != NULL; PQfreemem(n))
            keycache_revoked(n->extra, NULL);
        if (!ok || PQstatus(c) != CONNECTION_OK) {
            log_error("key revocation listener lost its connection", NULL);
            set_listening(false);
            PQfinish(c);
            c = NULL;
        }
    }
    set_listening(false);
    PQfinish(c);
    return NULL;
}
