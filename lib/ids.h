/* ids.h — UUIDs (random and derived) and SHA-256 digests (pure apart from the RNG) */
#ifndef CDM_IDS_H
#define CDM_IDS_H
#include <stdbool.h>
#include <stddef.h>

#define UUID_STR_LEN 37 /* 36 characters and the terminator */

/* True if s is a UUID in 8-4-4-4-12 hex form (either case). */
bool uuid_is_valid(const char *s);

/* Lower-cases a valid UUID into out (UUID_STR_LEN bytes). */
void uuid_normalise(const char *s, char out[UUID_STR_LEN]);

/* A random version-4 UUID from OpenSSL's CSPRNG. Returns false if the RNG failed. */
bool uuid_random(char out[UUID_STR_LEN]);

/* A version-8 UUID derived from SHA-256 of the NUL-separated parts: the same
 * parts always give the same id, which is what makes event ids stable
 * across redelivery. `parts` ends with NULL. */
void uuid_derive(char out[UUID_STR_LEN], const char *const parts[]);

/* SHA-256 of data into out (32 bytes). */
void sha256(const void *data, size_t len, unsigned char out[32]);
#endif
