/* webhook_sig.c — Standard Webhooks v1 signatures on OpenSSL's libcrypto */
#include "webhook_sig.h"
#include <stdio.h>
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#define SECRET_PREFIX "whsec_"
#define SECRET_PREFIX_LEN (sizeof SECRET_PREFIX - 1)
#define SIG_PREFIX "v1,"
#define SIG_PREFIX_LEN (sizeof SIG_PREFIX - 1)
#define MAC_LEN 32
#define B64_LEN(n) (4 * (((n) + 2) / 3)) /* characters, without the terminator */

/* Leaves out as "" so a failed call never hands back half a value. */
static void clear_out(char *out, size_t outlen)
{
    if (out && outlen > 0)
        out[0] = '\0';
}

/* The standard base64 alphabet (RFC 4648 section 4), not the URL-safe one. */
static bool b64_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

/* True if s[0..n) is standard base64 with padding and no whitespace; *len is then its decoded
 * length. Checked here because EVP_DecodeBlock trims whitespace and counts padding as data. */
static bool b64_decoded_len(const char *s, size_t n, size_t *len)
{
    if (n == 0 || n % 4 != 0)
        return false;
    size_t pad = 0;
    if (s[n - 1] == '=')
        pad = s[n - 2] == '=' ? 2 : 1;
    for (size_t i = 0; i < n - pad; i++)
        if (!b64_char(s[i]))
            return false;
    *len = n / 4 * 3 - pad;
    return true;
}

bool webhook_secret_decode(const char *secret, unsigned char *key, size_t cap, size_t *keylen)
{
    if (keylen)
        *keylen = 0;
    if (!secret || !key || !keylen)
        return false;
    if (strncmp(secret, SECRET_PREFIX, SECRET_PREFIX_LEN) == 0)
        secret += SECRET_PREFIX_LEN;
    size_t n = strlen(secret);
    size_t len = 0;
    if (!b64_decoded_len(secret, n, &len) || len < WEBHOOK_KEY_MIN || len > cap)
        return false;
    /* One quartet at a time through a 3-byte buffer: EVP_DecodeBlock writes the padding
     * positions as zero bytes, which must not land past cap. */
    unsigned char q[3];
    size_t at = 0;
    for (size_t i = 0; i < n; i += 4) {
        if (EVP_DecodeBlock(q, (const unsigned char *)secret + i, 4) != 3) {
            OPENSSL_cleanse(q, sizeof q);
            OPENSSL_cleanse(key, at);
            return false;
        }
        size_t take = len - at < 3 ? len - at : 3;
        memcpy(key + at, q, take);
        at += take;
    }
    OPENSSL_cleanse(q, sizeof q);
    *keylen = at;
    return true;
}

bool webhook_secret_generate(char *out, size_t outlen)
{
    clear_out(out, outlen);
    if (!out || outlen < WEBHOOK_SECRET_LEN)
        return false;
    unsigned char raw[WEBHOOK_SECRET_BYTES];
    unsigned char b64[B64_LEN(WEBHOOK_SECRET_BYTES) + 1];
    bool ok = RAND_bytes(raw, sizeof raw) == 1;
    if (ok) {
        EVP_EncodeBlock(b64, raw, sizeof raw); /* writes the terminator too */
        memcpy(out, SECRET_PREFIX, SECRET_PREFIX_LEN);
        memcpy(out + SECRET_PREFIX_LEN, b64, sizeof b64);
    }
    OPENSSL_cleanse(raw, sizeof raw);
    OPENSSL_cleanse(b64, sizeof b64);
    return ok;
}

/* HMAC-SHA256 of "{msg_id}.{ts}.{body}" fed in pieces, so the body is never copied.
 * False if libcrypto failed; the fetch per call keeps the module free of shared state. */
static bool hmac_content(const unsigned char *key, size_t keylen, const char *msg_id, const char *ts,
                         const char *body, size_t bodylen, unsigned char mac[MAC_LEN])
{
    bool ok = false;
    size_t maclen = 0;
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
        OSSL_PARAM_construct_end(),
    };
    EVP_MAC *hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *ctx = hmac ? EVP_MAC_CTX_new(hmac) : NULL;
    if (!ctx || !EVP_MAC_init(ctx, key, keylen, params))
        goto out;
    if (!EVP_MAC_update(ctx, (const unsigned char *)msg_id, strlen(msg_id)) ||
        !EVP_MAC_update(ctx, (const unsigned char *)".", 1) ||
        !EVP_MAC_update(ctx, (const unsigned char *)ts, strlen(ts)) ||
        !EVP_MAC_update(ctx, (const unsigned char *)".", 1))
        goto out;
    if (bodylen > 0 && !EVP_MAC_update(ctx, (const unsigned char *)body, bodylen))
        goto out;
    if (!EVP_MAC_final(ctx, mac, &maclen, MAC_LEN) || maclen != MAC_LEN)
        goto out;
    ok = true;
out:
    EVP_MAC_CTX_free(ctx); /* the context is cleansed on free */
    EVP_MAC_free(hmac);
    return ok;
}

bool webhook_sign(const unsigned char *key, size_t keylen, const char *msg_id, long long timestamp,
                  const char *body, size_t bodylen, char *out, size_t outlen)
{
    clear_out(out, outlen);
    if (!out || outlen < WEBHOOK_SIGNATURE_LEN || !key || keylen < WEBHOOK_KEY_MIN)
        return false;
    if (!msg_id || !*msg_id || strchr(msg_id, '.') || (!body && bodylen > 0))
        return false;
    char ts[24];
    snprintf(ts, sizeof ts, "%lld", timestamp);
    unsigned char mac[MAC_LEN];
    if (!hmac_content(key, keylen, msg_id, ts, body, bodylen, mac)) {
        OPENSSL_cleanse(mac, sizeof mac);
        return false;
    }
    memcpy(out, SIG_PREFIX, SIG_PREFIX_LEN);
    EVP_EncodeBlock((unsigned char *)out + SIG_PREFIX_LEN, mac, MAC_LEN); /* 44 characters and the terminator */
    OPENSSL_cleanse(mac, sizeof mac);
    return true;
}

bool webhook_sign_header(const char *const *secrets, size_t nsecrets, const char *msg_id, long long timestamp,
                         const char *body, size_t bodylen, char *out, size_t outlen)
{
    clear_out(out, outlen);
    if (!secrets || nsecrets == 0 || !out)
        return false;
    unsigned char key[WEBHOOK_KEY_MAX];
    size_t keylen = 0;
    char sig[WEBHOOK_SIGNATURE_LEN];
    size_t at = 0;
    bool ok = true;
    for (size_t i = 0; i < nsecrets; i++) {
        ok = webhook_secret_decode(secrets[i], key, sizeof key, &keylen) &&
             webhook_sign(key, keylen, msg_id, timestamp, body, bodylen, sig, sizeof sig);
        if (!ok)
            break;
        size_t siglen = strlen(sig);
        if ((at > 0) + siglen + 1 > outlen - at) {
            ok = false;
            break;
        }
        if (at > 0)
            out[at++] = ' ';
        memcpy(out + at, sig, siglen + 1);
        at += siglen;
    }
    OPENSSL_cleanse(key, sizeof key);
    if (!ok)
        clear_out(out, outlen);
    return ok;
}

/* |now - timestamp| <= tolerance_s without signed overflow at the extremes of long long. */
static bool within_tolerance(long long timestamp, long long now, long long tolerance_s)
{
    if (tolerance_s < 0)
        return false;
    unsigned long long diff = timestamp >= now ? (unsigned long long)timestamp - (unsigned long long)now
                                               : (unsigned long long)now - (unsigned long long)timestamp;
    return diff <= (unsigned long long)tolerance_s;
}

/* True if some space-separated entry of header equals expected (length len), in constant time
 * per entry of that length. Only the whole "v1,<sig>" string can match, so other versions,
 * empty and garbage entries simply fail. */
static bool header_has(const char *header, const char *expected, size_t len)
{
    bool found = false;
    const char *p = header;
    while (*p) {
        while (*p == ' ' || *p == '\t')
            p++;
        const char *start = p;
        while (*p && *p != ' ' && *p != '\t')
            p++;
        if ((size_t)(p - start) == len && CRYPTO_memcmp(start, expected, len) == 0)
            found = true; /* keep scanning: the time taken does not depend on which entry matched */
    }
    return found;
}

bool webhook_verify(const char *const *secrets, size_t nsecrets, const char *msg_id, long long timestamp,
                    const char *body, size_t bodylen, const char *header, long long now, long long tolerance_s)
{
    if (!secrets || !header || !within_tolerance(timestamp, now, tolerance_s))
        return false;
    unsigned char key[WEBHOOK_KEY_MAX];
    size_t keylen = 0;
    char expected[WEBHOOK_SIGNATURE_LEN];
    bool ok = false;
    for (size_t i = 0; !ok && i < nsecrets; i++) {
        if (!webhook_secret_decode(secrets[i], key, sizeof key, &keylen))
            continue; /* a bad configured secret verifies nothing */
        if (!webhook_sign(key, keylen, msg_id, timestamp, body, bodylen, expected, sizeof expected))
            break; /* msg_id or body refused, or libcrypto failed: the same for every secret */
        ok = header_has(header, expected, strlen(expected));
    }
    OPENSSL_cleanse(key, sizeof key);
    OPENSSL_cleanse(expected, sizeof expected);
    return ok;
}
