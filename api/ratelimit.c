/* ratelimit.c — token buckets keyed by API key prefix, in a fixed open-addressed table */
#include "ratelimit.h"
#include <pthread.h>
#include <string.h>
#include <time.h>

#define SLOTS 4096 /* a key probes 32 slots; when all are taken it evicts the idlest */

struct bucket {
    char key[16];
    double tokens;
    double updated;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct bucket table[SLOTS];

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static unsigned hash(const char *s)
{
    unsigned h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

bool ratelimit_take(const char *key, double rate, double *retry_after)
{
    double now = now_s(), burst = 2 * rate;
    bool ok = true;
    pthread_mutex_lock(&lock);
    unsigned h = hash(key);
    struct bucket *b = NULL, *oldest = NULL;
    for (unsigned i = 0; i < 32 && !b; i++) {
        struct bucket *c = &table[(h + i) % SLOTS];
        if (c->key[0] && strncmp(c->key, key, sizeof c->key - 1) == 0)
            b = c;
        else if (!oldest || !c->key[0] || (oldest->key[0] && c->updated < oldest->updated))
            oldest = c;
    }
    if (!b) {
        /* A new key takes a free slot, or the one idle longest: never unlimited. */
        b = oldest;
        memset(b, 0, sizeof *b);
        strncpy(b->key, key, sizeof b->key - 1);
        b->tokens = burst;
        b->updated = now;
    }
    {
        b->tokens += (now - b->updated) * rate;
        if (b->tokens > burst)
            b->tokens = burst;
        b->updated = now;
        if (b->tokens >= 1.0) {
            b->tokens -= 1.0;
        } else {
            ok = false;
            *retry_after = (1.0 - b->tokens) / rate;
        }
    }
    pthread_mutex_unlock(&lock);
    return ok;
}
