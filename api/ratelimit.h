/* ratelimit.h — per-key token buckets, in process memory */
#ifndef CDM_RATELIMIT_H
#define CDM_RATELIMIT_H
#include <stdbool.h>

/* Takes one token from key's bucket (rate tokens per second, burst of twice
 * that). False when empty, with the seconds until the next token in
 * *retry_after. Thread-safe. Each API replica limits on its own: the limit
 * a client sees is per replica, which the README says. */
bool ratelimit_take(const char *key, double rate, double *retry_after);
#endif
