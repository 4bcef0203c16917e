/* apikey.c — API keys: 256 random bits, a visible prefix, stored as SHA-256 */
#include "apikey.h"
#include "ids.h"
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <openssl/rand.h>

static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

bool apikey_generate(char *key, char *prefix)
{
    unsigned char p[4], s[33];
    if (RAND_bytes(p, sizeof p) != 1 || RAND_bytes(s, 32) != 1)
        return false;
    s[32] = 0;
    snprintf(prefix, APIKEY_PREFIX_LEN + 1, "cdm_%02x%02x%02x%02x", p[0], p[1], p[2], p[3]);
    memcpy(key, prefix, APIKEY_PREFIX_LEN);
    key[APIKEY_PREFIX_LEN] = '_';
    char *out = key + APIKEY_PREFIX_LEN + 1;
    /* 32 bytes → 43 base64url characters (no padding): 6 bits at a time. */
    for (int bit = 0, i = 0; i < 43; i++, bit += 6) {
        int byte = bit / 8, shift = bit % 8;
        unsigned v = ((unsigned)s[byte] << 8 | s[byte + 1]) >> (10 - shift);
        out[i] = b64url[v & 63];
    }
    key[APIKEY_LEN] = '\0';
    return true;
}

bool apikey_parse(const char *key, char *prefix)
{
    if (!key || strlen(key) != APIKEY_LEN || strncmp(key, "cdm_", 4) != 0 ||
        key[APIKEY_PREFIX_LEN] != '_')
        return false;
    for (int i = 4; i < APIKEY_PREFIX_LEN; i++)
        if (!isxdigit((unsigned char)key[i]) || isupper((unsigned char)key[i]))
            return false;
    for (int i = APIKEY_PREFIX_LEN + 1; i < APIKEY_LEN; i++)
        if (!strchr(b64url, key[i]) || key[i] == '\0')
            return false;
    memcpy(prefix, key, APIKEY_PREFIX_LEN);
    prefix[APIKEY_PREFIX_LEN] = '\0';
    return true;
}

void apikey_hash_hex(const char *key, char *out)
{
    unsigned char md[32];
    sha256(key, strlen(key), md);
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

unsigned scope_from_name(const char *name)
{
    static const struct { const char *name; unsigned bit; } names[] = {
        {"submit", SCOPE_SUBMIT}, {"registry", SCOPE_REGISTRY}, {"read", SCOPE_READ},
        {"evaluator", SCOPE_EVALUATOR}, {"admin", SCOPE_ADMIN},
    };
    for (size_t i = 0; name && i < sizeof names / sizeof names[0]; i++)
        if (strcmp(name, names[i].name) == 0)
            return names[i].bit;
    return 0;
}

unsigned scopes_from_pg_array(const char *literal)
{
    unsigned bits = 0;
    char word[16];
    size_t n = 0;
    for (const char *c = literal ? literal : ""; ; c++) {
        if (*c == ',' || *c == '}' || *c == '\0') {
            word[n] = '\0';
            bits |= scope_from_name(word);
            n = 0;
            if (*c == '\0')
                break;
        } else if (*c != '{' && *c != '"' && n + 1 < sizeof word) {
            word[n++] = *c;
        }
    }
    return bits;
}
