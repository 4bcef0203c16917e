/* ratelimit.h — per-key and per-address token buckets, in process memory */
#ifndef CDM_RATELIMIT_H
#define CDM_RATELIMIT_H
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

/* Takes one token from key's bucket (rate tokens per second, burst of twice
 * that). False when empty, with the seconds until the next token in
 * *retry_after. Thread-safe. Each API replica limits on its own: the limit
 * a client sees is per replica, which the README says. */
bool ratelimit_take(const char *key, double rate, double *retry_after);

/* The same for a client address (text, as ratelimit_client gives it), in a
 * table of its own: taken before any API key is looked up, so a stream of
 * made-up keys from one address costs no database work past its bucket. */
bool ratelimit_take_ip(const char *addr, double rate, double *retry_after);

/* The proxies whose X-Forwarded-For is believed: a comma-separated list of
 * IPv4 or IPv6 addresses, each with an optional /prefix length ("" for
 * none). Call once at start, before serving. False (why in err) if an entry
 * is malformed or there are more than 32. */
bool ratelimit_set_trusted_proxies(const char *list, char *err, size_t errlen);

#define RATELIMIT_ADDR_LEN INET6_ADDRSTRLEN

/* The client's address as text into out: the peer's, unless the peer is a
 * trusted proxy, when it is the right-most address of X-Forwarded-For (xff,
 * may be NULL) that is not itself a trusted proxy. An entry that is no
 * address ends the walk at the last address believed. */
void ratelimit_client(const struct sockaddr *peer, const char *xff, char out[RATELIMIT_ADDR_LEN]);
#endif
