/* pages.c — list pages: ?limit= and the opaque ?cursor=, and the {items, next} answer */
#include "pages.h"
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#define CURSOR_MAX 512 /* characters of an encoded cursor */

/* base64url without padding of n bytes into a malloc'd string. */
static char *b64url_encode(const unsigned char *in, size_t n)
{
    char *out = malloc(4 * ((n + 2) / 3) + 1);
    if (!out)
        return NULL;
    int len = EVP_EncodeBlock((unsigned char *)out, in, (int)n);
    while (len > 0 && out[len - 1] == '=')
        len--;
    out[len] = '\0';
    for (char *c = out; *c; c++)
        *c = *c == '+' ? '-' : *c == '/' ? '_' : *c;
    return out;
}

/* Decodes base64url (no padding) into a malloc'd NUL-terminated buffer, or NULL. */
static char *b64url_decode(const char *in)
{
    size_t n = strlen(in);
    if (n == 0 || n > CURSOR_MAX || n % 4 == 1)
        return NULL;
    char *std = malloc(n + 4);
    unsigned char *out = malloc(n + 1);
    if (!std || !out)
        goto fail;
    for (size_t i = 0; i < n; i++) {
        char c = in[i];
        if (c == '-')
            c = '+';
        else if (c == '_')
            c = '/';
        else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
            goto fail;
        std[i] = c;
    }
    size_t padded = n;
    while (padded % 4)
        std[padded++] = '=';
    int len = EVP_DecodeBlock(out, (unsigned char *)std, (int)padded);
    if (len < 0)
        goto fail;
    len -= (int)(padded - n); /* EVP_DecodeBlock counts the padding as zero bytes */
    out[len] = '\0';
    free(std);
    return (char *)out;
fail:
    free(std);
    free(out);
    return NULL;
}

char *record_cursor(const json_t *key)
{
    char *text = json_dumps(key, JSON_COMPACT);
    char *c = text ? b64url_encode((const unsigned char *)text, strlen(text)) : NULL;
    free(text);
    return c;
}

enum cdm_status record_page_params(const struct route_call *call, struct outcome *o,
                                   long def, long max, long *limit, json_t **after)
{
    const char *limit_s = u_map_get(call->req->map_url, "limit");
    const char *cursor = u_map_get(call->req->map_url, "cursor");
    *limit = def;
    *after = NULL;
    if (limit_s) {
        char *end;
        long l = strtol(limit_s, &end, 10);
        if (*end || end == limit_s || l < 1 || l > max)
            return outcome_fail_at(o, CDM_ERR_VALIDATION, "/limit", "limit must be from 1 to %ld",
                                   max);
        *limit = l;
    }
    if (cursor && *cursor) {
        char *text = b64url_decode(cursor);
        json_t *key = text ? json_loads(text, 0, NULL) : NULL;
        free(text);
        if (!json_is_array(key) || json_array_size(key) == 0) {
            json_decref(key);
            return outcome_fail_at(o, CDM_ERR_VALIDATION, "/cursor",
                                   "cursor is not one this API gave out");
        }
        *after = key;
    }
    return CDM_OK;
}

enum cdm_status record_page_at(const PGresult *r, long limit, int item_col,
                               json_t *(*key_of)(const json_t *item), struct outcome *o)
{
    json_t *items = json_array();
    int rows = PQntuples(r);
    for (int i = 0; i < rows && i < limit; i++)
        json_array_append_new(items, json_loads(PQgetvalue(r, i, item_col), 0, NULL));
    json_t *next = json_null();
    if (rows > limit) {
        json_t *key = key_of(json_array_get(items, (size_t)limit - 1));
        char *c = key ? record_cursor(key) : NULL;
        json_decref(key);
        if (c) {
            json_decref(next);
            next = json_string(c);
            free(c);
        }
    }
    o->body = json_pack("{s:o, s:o}", "items", items, "next", next);
    o->status = o->body ? CDM_OK : CDM_ERR_INTERNAL;
    return o->status;
}

enum cdm_status record_page_keyed(const PGresult *r, long limit, int key_col, json_t *items,
                                  struct outcome *o)
{
    json_t *next = json_null();
    if (PQntuples(r) > limit) { /* one more row than asked: there is a next page */
        json_t *key = json_loads(PQgetvalue(r, (int)limit - 1, key_col), 0, NULL);
        char *c = key ? record_cursor(key) : NULL;
        json_decref(key);
        if (c)
            next = json_string(c);
        free(c);
    }
    if (items && next) /* json_pack's "o" takes both references, on failure too */
        o->body = json_pack("{s:o, s:o}", "items", items, "next", next);
    else {
        json_decref(items);
        json_decref(next);
    }
    o->status = o->body ? CDM_OK : CDM_ERR_INTERNAL;
    return o->status;
}

enum cdm_status record_page_rows(const PGresult *r, long limit, int item_col, int key_col,
                                 struct outcome *o)
{
    json_t *items = json_array();
    for (int i = 0; items && i < PQntuples(r) && i < limit; i++)
        json_array_append_new(items, json_loads(PQgetvalue(r, i, item_col), 0, NULL));
    return record_page_keyed(r, limit, key_col, items, o);
}
