/* text.c — small string helpers */
#include "text.h"
#include <time.h>
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

char *pg_array_literal_of(const char *const *items, size_t n)
{
    struct textbuf b = {0};
    if (n == 0)
        return NULL;
    textbuf_puts(&b, "{");
    for (size_t i = 0; i < n; i++) {
        if (i)
            textbuf_puts(&b, ",");
        textbuf_puts(&b, items[i] ? items[i] : "");
    }
    textbuf_puts(&b, "}");
    return textbuf_take(&b);
}

char *pg_array_literal(const json_t *items)
{
    size_t n = json_array_size(items);
    const char **texts = n ? malloc(n * sizeof *texts) : NULL;
    if (!texts)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        const char *v = json_string_value(json_array_get(items, i));
        texts[i] = v ? v : "";
    }
    char *out = pg_array_literal_of(texts, n);
    free(texts);
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

void textbuf_putc(struct textbuf *b, char c)
{
    textbuf_put(b, &c, 1);
}

const char *textbuf_str(const struct textbuf *b)
{
    return b->s ? b->s : "";
}

void textbuf_truncate(struct textbuf *b, size_t len)
{
    if (b->s && len <= b->len) {
        b->len = len;
        b->s[len] = '\0';
    }
}

unsigned text_hash(const char *s)
{
    unsigned h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

double monotonic_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}
