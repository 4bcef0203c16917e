/* jsonschema_errors.c — error collection during one validation, and the schema error that stops it */
#include "jsonschema_internal.h"

#include <stdarg.h>
#include <stdio.h>

#define JS_DETAIL_MAX 512 /* longest error detail, in bytes */

int js_quiet(const js_vctx *c) { return c->errors == NULL || c->nerrors >= c->max_errors; }

int js_steps(js_vctx *c, unsigned long n)
{
    if (c->over_budget)
        return -1;
    c->steps = n > c->steps_max - c->steps ? c->steps_max + 1 : c->steps + n;
    if (c->steps <= c->steps_max)
        return 0;
    c->over_budget = 1;
    snprintf(c->diag_ptr, sizeof c->diag_ptr, "%s", textbuf_str(&c->ptr));
    utf8_trim(c->diag_ptr);
    return -1;
}

int js_schema_error(js_vctx *c, const char *fmt, ...)
{
    if (c->diag[0] == '\0') {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->diag, sizeof c->diag, fmt, ap);
        va_end(ap);
        utf8_trim(c->diag);
        snprintf(c->diag_ptr, sizeof c->diag_ptr, "%s", textbuf_str(&c->ptr));
        utf8_trim(c->diag_ptr);
    }
    return -1;
}

void js_append_error(json_t *errors, const char *pointer, const char *detail)
{
    json_t *e = json_object();
    if (!e)
        return;
    json_object_set_new(e, "pointer", json_string(pointer));
    json_object_set_new(e, "detail", json_string(detail));
    json_array_append_new(errors, e);
}

void js_report(js_vctx *c, const char *key, const char *fmt, ...)
{
    if (js_quiet(c))
        return;
    char detail[JS_DETAIL_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    utf8_trim(detail);
    size_t mark = c->ptr.len;
    if (key)
        js_text_put_token(&c->ptr, key);
    js_append_error(c->errors, textbuf_str(&c->ptr), detail);
    textbuf_truncate(&c->ptr, mark);
    c->nerrors++;
}
