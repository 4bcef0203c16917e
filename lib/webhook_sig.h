/* webhook_sig.h — Standard Webhooks secrets, signing and verification (pure apart from the RNG) */
#ifndef CDM_WEBHOOK_SIG_H
#define CDM_WEBHOOK_SIG_H
#include <stdbool.h>
#include <stddef.h>

/* https://www.standardwebhooks.com/ — the signed content is "{msg_id}.{timestamp}.{body}",
 * the header value is space-separated "v1,<base64 HMAC-SHA256>" entries, one per live secret. */

#define WEBHOOK_SECRET_BYTES 32     /* random bytes in a generated secret */
#define WEBHOOK_SECRET_LEN 51       /* "whsec_" + 44 base64 characters + the terminator */
#define WEBHOOK_SIGNATURE_LEN 48    /* "v1," + 44 base64 characters + the terminator */
#define WEBHOOK_KEY_MIN 24          /* the specification's minimum key size (192 bits) */
#define WEBHOOK_KEY_MAX 64          /* and its maximum (512 bits): the largest secret sign_header/verify accept */
#define WEBHOOK_TOLERANCE_S 300     /* the usual receiver tolerance for webhook-timestamp, 5 minutes */

/* A header value for n secrets needs at most n * WEBHOOK_SIGNATURE_LEN bytes
 * (n entries, n - 1 spaces and the terminator). */

/* Decodes "whsec_<base64>" (prefix optional) into key; false if malformed or longer than cap.
 * Strict standard base64 with padding, no whitespace; a key shorter than WEBHOOK_KEY_MIN is
 * malformed. The caller owns key; on false *keylen is 0 and nothing is written past cap. */
bool webhook_secret_decode(const char *secret, unsigned char *key, size_t cap, size_t *keylen);

/* A new secret "whsec_" + base64 of 32 random bytes into out (at least WEBHOOK_SECRET_LEN bytes).
 * False if out is too small or the RNG failed; out is then "" (when outlen > 0). */
bool webhook_secret_generate(char *out, size_t outlen);

/* "v1,<base64 HMAC-SHA256>" of "{msg_id}.{timestamp}.{body}" into out (at least WEBHOOK_SIGNATURE_LEN).
 * The timestamp is printed as a decimal integer. False (out "" when outlen > 0) if out is too
 * small, keylen < WEBHOOK_KEY_MIN, msg_id is empty or contains '.' (the specification forbids
 * it: a dot would let id, timestamp and body be re-split under the same signature), body is
 * NULL with bodylen > 0, or libcrypto failed. */
bool webhook_sign(const unsigned char *key, size_t keylen, const char *msg_id, long long timestamp,
                  const char *body, size_t bodylen, char *out, size_t outlen);

/* The value of a webhook-signature header for every secret given (space-separated), for rotation.
 * Every secret must decode (webhook_secret_decode, at most WEBHOOK_KEY_MAX bytes): a bad one
 * fails the whole call rather than being left out silently. out needs
 * nsecrets * WEBHOOK_SIGNATURE_LEN bytes; on false out is "" (when outlen > 0). */
bool webhook_sign_header(const char *const *secrets, size_t nsecrets, const char *msg_id, long long timestamp,
                         const char *body, size_t bodylen, char *out, size_t outlen);

/* True if any v1 entry of header matches any of the secrets and |now - timestamp| <= tolerance_s.
 * Entries of other versions (v1a, ...) are ignored; comparison is constant-time per entry.
 * Secrets that do not decode are skipped, so a receiver keeps working while one of its
 * configured secrets is bad (check configuration with webhook_secret_decode at start-up).
 * The caller parses webhook-timestamp; pass the webhook-id header exactly as received. */
bool webhook_verify(const char *const *secrets, size_t nsecrets, const char *msg_id, long long timestamp,
                    const char *body, size_t bodylen, const char *header, long long now, long long tolerance_s);
#endif
