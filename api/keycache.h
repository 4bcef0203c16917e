/* keycache.h — API keys checked recently, reused for a few seconds without the database */
#ifndef CDM_KEYCACHE_H
#define CDM_KEYCACHE_H
#include <stdbool.h>
#include "apikey.h"

struct principal;
struct api_ctx;

/* The channel the key revocation statement notifies, with the key's id. */
#define KEYCACHE_CHANNEL "cdm_key_revoked"

/* Entries live ttl_ms (0: the cache is off). Call once before serving. */
void keycache_init(int ttl_ms);

/* The cache's generation: read it before looking a key up in the database,
 * and hand it to keycache_put, which keeps nothing if a revocation came in
 * between (the lookup may have read the key before it was revoked). */
unsigned long keycache_generation(void);

/* If the key with prefix and hash (hex of its SHA-256) was checked within
 * the TTL, is not revoked since, and has not expired, fills *who (its
 * neighbourhoods malloc'd: the caller owns them) and *rate (its own limit, or
 * a negative value for the default) and returns true. False when unknown,
 * when the cache is off, or while the revocation listener is not listening. */
bool keycache_get(const char *prefix, const char *hash, struct principal *who, double *rate);

/* Keeps a key the database just accepted: who as authentication filled it,
 * rate as keycache_get gives it, expires (seconds since the epoch; 0: never).
 * Copies what it keeps. Does nothing if the generation moved on since gen. */
void keycache_put(unsigned long gen, const char *prefix, const char *hash,
                  const struct principal *who, double rate, double expires);

/* Forgets the key with this id (a lower-case UUID), or every key when NULL.
 * Has the signature of a pg_notify_fn (pgpool.h): arg is unused. */
void keycache_revoked(const char *key_id, void *arg);

/* The revocation listener: a thread (pthread_create with the api_ctx) that
 * holds its own connection, LISTENs on KEYCACHE_CHANNEL and drops each key
 * notified, so a revocation on any replica takes effect here at once. While
 * it is not connected the cache answers nothing (every request goes to the
 * database). Returns when ctx->running is cleared. */
void *keycache_listen_run(void *api_ctx);
#endif
