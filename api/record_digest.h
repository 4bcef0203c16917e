/* record_digest.h — body digests: how a create resent under its client id is recognised */
#ifndef CDM_RECORD_DIGEST_H
#define CDM_RECORD_DIGEST_H
#include <jansson.h>
#include <stdbool.h>

/* SHA-256 (hex, 65 bytes) of the canonical JSON of body: how a resent
 * create with the same client id is told from a different one. */
bool record_body_digest_hex(const json_t *body, char out[65]);

/* The same digest of body with key set to value (a copy; body is unchanged):
 * for a field the service defaults, such as the key's agency, so that a
 * resend is recognised only when what was stored would be the same. */
bool record_body_digest_with(const json_t *body, const char *key, const char *value,
                             char out[65]);
#endif
