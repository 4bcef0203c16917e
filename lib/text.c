/* text.c — small string helpers */
#include "text.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void utf8_trim(char *s)
{
    size_t n = strlen(s), i = n;
    while (i > 0 && ((unsigned char)s[i - 1] & 0xC0) == 0x80)
        i--; /* continuation bytes */
    if (i > 0 && ((unsigned char)s[i - 1] & 0x80)) {
        unsigned char lead = (unsigned char)s[i - 1];
        size_t want = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
        if (n - (i - 1) < want)
            s[i - 1] = '\0';
    }
}

/* The string of items[i], or "" for a non-string. */
static const char *item(const json_t *items, size_t i)
{
    const char *v = json_string_value(json_array_get(items, i));
    return v ? v : "";
}

char *pg_array_literal(const json_t *items)
{
    size_t n = json_array_size(items), cap = 3;
    for (size_t i = 0; i < n; i++)
        cap += strlen(item(items, i)) + 1;
    char *out = n ? malloc(cap) : NULL;
    if (!out)
        return NULL;
    size_t len = (size_t)snprintf(out, cap, "{");
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(out + len, cap - len, "%s%s", i ? "," : "",
                                item(items, i));
    snprintf(out + len, cap - len, "}");
    return out;
}

void textbuf_put(struct textbuf *b, const char *s, size_t n)
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

void textbuf_puts(struct textbuf *b, const char *s)
{
    textbuf_put(b, s, strlen(s));
}

char *textbuf_take(struct textbuf *b)
{
    char *s = b->failed ? NULL : b->s ? b->s : strdup("");
    if (b->failed)
        free(b->s);
    *b = (struct textbuf){0};
    return s;
}
