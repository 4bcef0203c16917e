/* apikey.h — API key format, generation and scopes (pure apart from the RNG) */
#ifndef CDM_APIKEY_H
#define CDM_APIKEY_H
#include <stdbool.h>
#include <stddef.h>

/* "cdm_" + 8 hex (the prefix, visible) + "_" + 43 base64url characters (256 random bits). */
#define APIKEY_PREFIX_LEN 12
#define APIKEY_LEN 56
#define APIKEY_HASH_HEX 65

enum scope {
    SCOPE_SUBMIT = 1 << 0,
    SCOPE_REGISTRY = 1 << 1,
    SCOPE_READ = 1 << 2,
    SCOPE_EVALUATOR = 1 << 3,
    SCOPE_ADMIN = 1 << 4,
};

/* A new key into key (APIKEY_LEN + 1 bytes) and its prefix (APIKEY_PREFIX_LEN + 1).
 * False if the RNG failed. */
bool apikey_generate(char *key, char *prefix);

/* Checks the shape of a presented key and copies its prefix out. */
bool apikey_parse(const char *key, char *prefix);

/* Lower-case hex SHA-256 of the key (APIKEY_HASH_HEX bytes). */
void apikey_hash_hex(const char *key, char *out);

/* Scope bit of a name ("submit" …), or 0 for an unknown name. */
unsigned scope_from_name(const char *name);

/* Parses a PostgreSQL text[] literal such as {read,submit} into scope bits;
 * unknown names are ignored. */
unsigned scopes_from_pg_array(const char *literal);
#endif
