/* jsonschema_value.c — instance values: numeric comparison, equality, formats, quoting in messages */
#include "jsonschema_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int js_is_integral(const json_t *v)
{
    if (json_is_integer(v))
        return 1;
    if (!json_is_real(v))
        return 0;
    double d = json_real_value(v);
    if (d >= 9007199254740992.0 || d <= -9007199254740992.0)
        return 1;
    return (double)(long long)d == d;
}

int js_hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Compares integer i with double d: <0, 0, >0. Exact for every value. */
static int cmp_int_real(json_int_t i, double d)
{
    if (d >= 9223372036854775808.0)
        return -1;
    if (d < -9223372036854775808.0)
        return 1;
    long long t = (long long)d; /* truncated toward zero */
    if ((double)t > d)
        t--; /* floor for negative non-integers */
    if ((long long)i < t)
        return -1;
    if ((long long)i > t)
        return 1;
    return d > (double)t ? -1 : 0;
}

int js_num_cmp(const json_t *a, const json_t *b)
{
    if (json_is_integer(a) && json_is_integer(b)) {
        json_int_t x = json_integer_value(a), y = json_integer_value(b);
        return x < y ? -1 : x > y ? 1 : 0;
    }
    if (json_is_real(a) && json_is_real(b)) {
        double x = json_real_value(a), y = json_real_value(b);
        return x < y ? -1 : x > y ? 1 : 0;
    }
    if (json_is_integer(a))
        return cmp_int_real(json_integer_value(a), json_real_value(b));
    return -cmp_int_real(json_integer_value(b), json_real_value(a));
}

int js_equal(const json_t *a, const json_t *b)
{
    if (json_is_number(a) && json_is_number(b))
        return js_num_cmp(a, b) == 0;
    if (json_is_array(a) && json_is_array(b)) {
        size_t n = json_array_size(a);
        if (n != json_array_size(b))
            return 0;
        for (size_t i = 0; i < n; i++)
            if (!js_equal(json_array_get(a, i), json_array_get(b, i)))
                return 0;
        return 1;
    }
    if (json_is_object(a) && json_is_object(b)) {
        if (json_object_size(a) != json_object_size(b))
            return 0;
        for (void *it = json_object_iter((json_t *)a); it;
         it = json_object_iter_next((json_t *)a, it)) {
            const json_t *other = json_object_get(b, json_object_iter_key(it));
            if (!other || !js_equal(json_object_iter_value(it), other))
                return 0;
        }
        return 1;
    }
    return json_equal(a, b);
}

/* FNV-1a over n bytes, continuing from h. */
static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 1099511628211ULL;
    }
    return h;
}

/* Mixes a 64-bit value well (the splitmix64 finaliser), so that sums of hashes stay spread. */
static uint64_t mix(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

uint64_t js_hash(const json_t *v)
{
    uint64_t h = 14695981039346656037ULL;
    unsigned char tag = (unsigned char)json_typeof(v);
    if (json_is_number(v)) {
        /* every number as its double, so 1 and 1.0 hash alike; integers beyond 2^53 that share
         * a double merely collide, and js_equal() tells them apart */
        double d = json_number_value(v);
        if (d == 0)
            d = 0; /* -0.0 equals 0 */
        tag = 'n';
        h = fnv(h, &tag, 1);
        return mix(fnv(h, &d, sizeof d));
    }
    h = fnv(h, &tag, 1);
    if (json_is_string(v))
        return mix(fnv(h, json_string_value(v), json_string_length(v)));
    if (json_is_array(v)) {
        for (size_t i = 0; i < json_array_size(v); i++) {
            uint64_t e = js_hash(json_array_get(v, i));
            h = fnv(h, &e, sizeof e);
        }
        return mix(h);
    }
    if (json_is_object(v)) {
        /* members in any order: a sum of each member's hash */
        uint64_t sum = 0;
        for (void *it = json_object_iter((json_t *)v); it;
             it = json_object_iter_next((json_t *)v, it)) {
            const char *k = json_object_iter_key(it);
            uint64_t kh = fnv(14695981039346656037ULL, k, strlen(k));
            sum += mix(kh ^ mix(js_hash(json_object_iter_value(it))));
        }
        return mix(fnv(h, &sum, sizeof sum));
    }
    return mix(h); /* true, false, null: the tag alone */
}

size_t js_utf8_length(const char *s, size_t bytes)
{
    size_t n = 0;
    for (size_t i = 0; i < bytes; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            n++;
    return n;
}

static int digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

static int num2(const char *s) { return (s[0] - '0') * 10 + (s[1] - '0'); }

static int days_in_month(int year, int month)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month == 2 && ((year % 4 == 0 && year % 100 != 0) || year % 400 == 0))
        return 29;
    return days[month - 1];
}

/* RFC 3339 full-date "YYYY-MM-DD" in s[0..10): 1 if it is a real calendar date. */
static int is_full_date(const char *s, size_t n)
{
    if (n != 10 || s[4] != '-' || s[7] != '-' || !digits(s, 4) || !digits(s + 5, 2) ||
        !digits(s + 8, 2))
        return 0;
    int year = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + num2(s + 2);
    int month = num2(s + 5), day = num2(s + 8);
    /* Year 0000 does not exist in the proleptic Gregorian calendar of
     * PostgreSQL and Python's date: refuse it here too. */
    return year >= 1 && month >= 1 && month <= 12 && day >= 1 && day <= days_in_month(year, month);
}

/* RFC 3339 date-time, e.g. 2024-05-01T13:45:00Z or 2024-05-01T13:45:00.25+02:00. */
static int is_date_time(const char *s, size_t n)
{
    if (n < 20 || !is_full_date(s, 10) || (s[10] != 'T' && s[10] != 't'))
        return 0;
    const char *t = s + 11;
    size_t rest = n - 11;
    if (rest < 9 || t[2] != ':' || t[5] != ':' || !digits(t, 2) || !digits(t + 3, 2) ||
        !digits(t + 6, 2))
        return 0;
    int hour = num2(t), minute = num2(t + 3), second = num2(t + 6);
    if (hour > 23 || minute > 59 || second > 60)
        return 0;
    size_t i = 8;
    if (t[i] == '.') {
        size_t j = ++i;
        while (i < rest && t[i] >= '0' && t[i] <= '9')
            i++;
        if (i == j)
            return 0;
    }
    int off_minutes = 0;
    if (i < rest && (t[i] == 'Z' || t[i] == 'z')) {
        i++;
    } else if (i < rest && (t[i] == '+' || t[i] == '-')) {
        if (rest - i < 6 || t[i + 3] != ':' || !digits(t + i + 1, 2) || !digits(t + i + 4, 2))
            return 0;
        int oh = num2(t + i + 1), om = num2(t + i + 4);
        if (oh > 23 || om > 59)
            return 0;
        off_minutes = (t[i] == '+' ? 1 : -1) * (oh * 60 + om);
        i += 6;
    } else {
        return 0;
    }
    if (i != rest)
        return 0;
    if (second == 60) {
        /* a leap second exists only at 23:59:60 UTC */
        int utc = ((hour * 60 + minute - off_minutes) % 1440 + 1440) % 1440;
        if (utc != 23 * 60 + 59)
            return 0;
    }
    return 1;
}

static int is_uuid(const char *s, size_t n)
{
    if (n != 36)
        return 0;
    for (size_t i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return 0;
        } else if (js_hexval(s[i]) < 0) {
            return 0;
        }
    }
    return 1;
}

int js_format_supported(const char *format)
{
    return strcmp(format, "uuid") == 0 || strcmp(format, "date") == 0 ||
           strcmp(format, "date-time") == 0;
}

int js_format_matches(const char *format, const char *s, size_t n)
{
    return strcmp(format, "uuid") == 0   ? is_uuid(s, n)
           : strcmp(format, "date") == 0 ? is_full_date(s, n)
                                         : is_date_time(s, n);
}

void js_fmt_number(const json_t *v, char *buf, size_t len)
{
    if (json_is_integer(v)) {
        snprintf(buf, len, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return;
    }
    double d = json_real_value(v);
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, len, "%.*g", prec, d);
        if (strtod(buf, NULL) == d)
            return;
    }
}

void js_put_value(struct textbuf *b, const json_t *v)
{
    if (json_is_string(v)) {
        textbuf_puts(b, json_string_value(v));
        return;
    }
    char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    if (s) {
        textbuf_puts(b, s);
        free(s);
    }
}
