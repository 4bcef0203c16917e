/* csv.c — RFC 4180 CSV from JSON rows */
#include "csv.h"
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct buf {
    char *s;
    size_t len, cap;
    bool failed;
};

static void put(struct buf *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (b->len + n + 1 > cap)
            cap *= 2;
        char *p = realloc(b->s, cap);
        if (!p) {
            b->failed = true;
            return;
        }
        b->s = p;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void put_field(struct buf *b, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        put(b, s, strlen(s));
        return;
    }
    put(b, "\"", 1);
    for (const char *q; (q = strchr(s, '"')) != NULL; s = q + 1) {
        put(b, s, (size_t)(q - s));
        put(b, "\"\"", 2);
    }
    put(b, s, strlen(s));
    put(b, "\"", 1);
}

static void put_value(struct buf *b, const json_t *v)
{
    if (json_is_string(v)) {
        put_field(b, json_string_value(v));
    } else if (json_is_true(v) || json_is_false(v)) {
        put(b, json_is_true(v) ? "true" : "false", json_is_true(v) ? 4 : 5);
    } else if (json_is_integer(v)) {
        char text[32];
        snprintf(text, sizeof text, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        put(b, text, strlen(text));
    } else if (json_is_real(v)) {
        /* 15 significant digits: every figure exactly as a reader needs it,
         * without the binary tail (0.1, not 0.10000000000000001). */
        char text[32];
        snprintf(text, sizeof text, "%.15g", json_real_value(v));
        put(b, text, strlen(text));
    } /* null, absent, arrays and objects: an empty field */
}

char *csv_from_items(const json_t *items, const char *const columns[])
{
    struct buf b = {0};
    for (size_t c = 0; columns[c]; c++) {
        if (c)
            put(&b, ",", 1);
        put_field(&b, columns[c]);
    }
    put(&b, "\r\n", 2);
    size_t i;
    const json_t *item;
    json_array_foreach(items, i, item) {
        for (size_t c = 0; columns[c]; c++) {
            if (c)
                put(&b, ",", 1);
            put_value(&b, json_object_get(item, columns[c]));
        }
        put(&b, "\r\n", 2);
    }
    if (b.failed) {
        free(b.s);
        return NULL;
    }
    return b.s;
}
