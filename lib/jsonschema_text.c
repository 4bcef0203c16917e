/* jsonschema_text.c — the JSON pointers and messages the validator builds in a struct textbuf */
#include "jsonschema_internal.h"

#include <stdarg.h>
#include <stdio.h>

void js_text_put_token(struct textbuf *b, const char *key)
{
    textbuf_putc(b, '/');
    for (const char *p = key; *p; p++) {
        if (*p == '~')
            textbuf_puts(b, "~0");
        else if (*p == '/')
            textbuf_puts(b, "~1");
        else
            textbuf_putc(b, *p);
    }
}

void js_text_put_index(struct textbuf *b, size_t i)
{
    char num[32];
    snprintf(num, sizeof num, "/%zu", i);
    textbuf_puts(b, num);
}

void js_text_put_child(struct textbuf *b, const char *key, size_t index)
{
    if (key)
        js_text_put_token(b, key);
    else
        js_text_put_index(b, index);
}

int js_fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}
