/* ratelimit.c — token buckets in fixed open-addressed tables; the client address behind proxies */
#include "ratelimit.h"
#include "text.h"
#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SLOTS 4096 /* a key probes 32 slots; when all are taken it evicts the idlest */

struct bucket {
    char key[RATELIMIT_ADDR_LEN];
    double tokens;
    double updated;
};

struct table {
    pthread_mutex_t lock;
    struct bucket slot[SLOTS];
};

static struct table keys = {.lock = PTHREAD_MUTEX_INITIALIZER};
static struct table addrs = {.lock = PTHREAD_MUTEX_INITIALIZER};

static bool take(struct table *t, const char *key, double rate, double *retry_after)
{
    double now = monotonic_seconds(), burst = 2 * rate;
    bool ok = true;
    pthread_mutex_lock(&t->lock);
    unsigned h = text_hash(key);
    struct bucket *b = NULL, *oldest = NULL;
    for (unsigned i = 0; i < 32 && !b; i++) {
        struct bucket *c = &t->slot[(h + i) % SLOTS];
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
    pthread_mutex_unlock(&t->lock);
    return ok;
}

bool ratelimit_take(const char *key, double rate, double *retry_after)
{
    return take(&keys, key, rate, retry_after);
}

bool ratelimit_take_ip(const char *addr, double rate, double *retry_after)
{
    return take(&addrs, addr, rate, retry_after);
}

/* An address as 16 bytes (IPv4 as IPv4-mapped IPv6) and a prefix length on that. */
struct net {
    unsigned char a[16];
    int bits;
};

#define MAX_PROXIES 32
static struct net proxies[MAX_PROXIES];
static int nproxies;

static bool parse_addr(const char *s, unsigned char out[16], bool *v4)
{
    struct in_addr a4;
    *v4 = inet_pton(AF_INET, s, &a4) == 1;
    if (*v4) {
        memset(out, 0, 10);
        out[10] = out[11] = 0xff;
        memcpy(out + 12, &a4, 4);
        return true;
    }
    return inet_pton(AF_INET6, s, out) == 1;
}

static bool in_net(const unsigned char a[16], const struct net *n)
{
    int full = n->bits / 8, rest = n->bits % 8;
    if (memcmp(a, n->a, (size_t)full) != 0)
        return false;
    return rest == 0 || ((a[full] ^ n->a[full]) & (0xff << (8 - rest)) & 0xff) == 0;
}

static bool trusted(const unsigned char a[16])
{
    for (int i = 0; i < nproxies; i++)
        if (in_net(a, &proxies[i]))
            return true;
    return false;
}

bool ratelimit_set_trusted_proxies(const char *list, char *err, size_t errlen)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", list);
    nproxies = 0;
    for (char *save = NULL, *t = strtok_r(buf, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
        char *slash = strchr(t, '/');
        long bits = -1;
        if (slash) {
            char *end;
            *slash = '\0';
            bits = strtol(slash + 1, &end, 10);
            if (*end || end == slash + 1)
                bits = -2;
        }
        bool v4;
        struct net n;
        if (nproxies == MAX_PROXIES || !parse_addr(t, n.a, &v4) || bits == -2 ||
            bits > (v4 ? 32 : 128)) {
            snprintf(err, errlen,
                     "CDM_TRUSTED_PROXIES must list at most %d addresses or CIDRs, "
                     "comma-separated; \"%s\" is not one", MAX_PROXIES, t);
            return false;
        }
        n.bits = bits < 0 ? 128 : v4 ? (int)bits + 96 : (int)bits;
        proxies[nproxies++] = n;
    }
    return true;
}

void ratelimit_client(const struct sockaddr *peer, const char *xff, char out[RATELIMIT_ADDR_LEN])
{
    unsigned char a[16] = {0};
    snprintf(out, RATELIMIT_ADDR_LEN, "unknown");
    if (peer && peer->sa_family == AF_INET) {
        const struct sockaddr_in *p = (const struct sockaddr_in *)peer;
        inet_ntop(AF_INET, &p->sin_addr, out, RATELIMIT_ADDR_LEN);
        a[10] = a[11] = 0xff;
        memcpy(a + 12, &p->sin_addr, 4);
    } else if (peer && peer->sa_family == AF_INET6) {
        const struct sockaddr_in6 *p = (const struct sockaddr_in6 *)peer;
        inet_ntop(AF_INET6, &p->sin6_addr, out, RATELIMIT_ADDR_LEN);
        memcpy(a, &p->sin6_addr, 16);
    } else {
        return;
    }
    if (!xff || !trusted(a))
        return;
    /* Walk X-Forwarded-For from the right: each hop a trusted proxy appended. */
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", xff);
    for (;;) {
        char *comma = strrchr(buf, ',');
        char *hop = comma ? comma + 1 : buf;
        while (*hop == ' ' || *hop == '\t')
            hop++;
        hop[strcspn(hop, " \t")] = '\0';
        bool v4;
        if (!parse_addr(hop, a, &v4))
            return; /* no address: the last one believed stands */
        /* Written back from the bytes: one spelling per address, one bucket. */
        inet_ntop(v4 ? AF_INET : AF_INET6, v4 ? (const void *)(a + 12) : (const void *)a, out,
                  RATELIMIT_ADDR_LEN);
        if (!trusted(a) || !comma)
            return;
        *comma = '\0';
    }
}
