/* csv.c — RFC 4180 CSV from JSON rows */
#include "csv.h"
#include "text.h"
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put_field(struct textbuf *b, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        textbuf_put(b, s, strlen(s));
        return;
    }
    textbuf_put(b, "\"", 1);
    for (const char *q; (q = strchr(s, '"')) != NULL; s = q + 1) {
        textbuf_put(b, s, (size_t)(q - s));
        textbuf_put(b, "\"\"", 2);
    }
    textbuf_put(b, s, strlen(s));
    textbuf_put(b, "\"", 1);
}

/* True if s is a plain decimal number ("-12", "+3.5", "-1e3"): a spreadsheet
 * reads it as that number, never as a formula, so it is left as it is. */
static bool plain_number(const char *s)
{
    if (*s == '+' || *s == '-')
        s++;
    bool digits = false;
    for (; *s >= '0' && *s <= '9'; s++)
        digits = true;
    if (*s == '.')
        for (s++; *s >= '0' && *s <= '9'; s++)
            digits = true;
    if (digits && (*s == 'e' || *s == 'E')) {
        s++;
        if (*s == '+' || *s == '-')
            s++;
        if (!(*s >= '0' && *s <= '9'))
            return false;
        while (*s >= '0' && *s <= '9')
            s++;
    }
    return digits && *s == '\0';
}

/* A text cell that a spreadsheet would run as a formula (it starts with =,
 * +, -, @, a tab or CR; OWASP "CSV injection") gets a leading single quote,
 * which spreadsheets show as text. */
static void put_text(struct textbuf *b, const char *s)
{
    if (strchr("=+-@\t\r", s[0]) && s[0] && !plain_number(s)) {
        struct textbuf t = {0};
        textbuf_put(&t, "'", 1);
        textbuf_put(&t, s, strlen(s));
        char *quoted = textbuf_take(&t);
        if (quoted) {
            put_field(b, quoted);
            free(quoted);
            return;
        }
        put_field(b, "'"); /* out of memory: never the formula itself */
        return;
    }
    put_field(b, s);
}

static void put_value(struct textbuf *b, const json_t *v)
{
    if (json_is_string(v)) {
        put_text(b, json_string_value(v));
    } else if (json_is_true(v) || json_is_false(v)) {
        textbuf_put(b, json_is_true(v) ? "true" : "false", json_is_true(v) ? 4 : 5);
    } else if (json_is_integer(v)) {
        char text[32];
        snprintf(text, sizeof text, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        textbuf_put(b, text, strlen(text));
    } else if (json_is_real(v)) {
        /* 15 significant digits: every figure exactly as a reader needs it,
         * without the binary tail (0.1, not 0.10000000000000001). */
        char text[32];
        snprintf(text, sizeof text, "%.15g", json_real_value(v));
        textbuf_put(b, text, strlen(text));
    } /* null, absent, arrays and objects: an empty field */
}

char *csv_from_items(const json_t *items, const char *const columns[])
{
    struct textbuf b = {0};
    for (size_t c = 0; columns[c]; c++) {
        if (c)
            textbuf_put(&b, ",", 1);
        put_field(&b, columns[c]);
    }
    textbuf_put(&b, "\r\n", 2);
    size_t i;
    const json_t *item;
    json_array_foreach(items, i, item) {
        for (size_t c = 0; columns[c]; c++) {
            if (c)
                textbuf_put(&b, ",", 1);
            put_value(&b, json_object_get(item, columns[c]));
        }
        textbuf_put(&b, "\r\n", 2);
    }
    return textbuf_take(&b);
}
