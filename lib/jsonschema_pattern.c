/* jsonschema_pattern.c — the pattern translator (ECMA-262 -> POSIX ERE) and the compiled patterns */
#include "jsonschema_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------------------------ */
/* ECMA-262 pattern -> POSIX ERE                                                              */
/* ------------------------------------------------------------------------------------------ */

/* POSIX ERE characters that need a backslash to stand for themselves outside brackets. */
static const char ere_special[] = ".[\\()*+?{|^$";

static void emit_literal(struct textbuf *out, char c)
{
    if (strchr(ere_special, c))
        textbuf_putc(out, '\\');
    textbuf_putc(out, c);
}

/* Character named by an ECMA identity/control escape \e (not a class), or -1 if unsupported. */
static int escape_char(char e)
{
    switch (e) {
    case 'n': return '\n';
    case 't': return '\t';
    case 'r': return '\r';
    case 'f': return '\f';
    case 'v': return '\v';
    default: break;
    }
    /* ASCII punctuation escapes (\. \/ \- \\ ...) stand for themselves */
    if ((e >= '!' && e <= '/') || (e >= ':' && e <= '@') || (e >= '[' && e <= '`') ||
        (e >= '{' && e <= '~'))
        return (unsigned char)e;
    return -1;
}

/* Length of the UTF-8 sequence led by byte c (1 for ASCII or a stray byte). */
static size_t utf8_seq_len(unsigned char c)
{
    return c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
}

/* Translates the bracket expression starting at p[*i] == '['; advances *i past ']'. */
static int translate_bracket(const char *p, size_t *i, struct textbuf *out, const char **why)
{
    size_t k = *i + 1;
    int neg = 0, has_rb = 0, has_lb = 0, has_caret = 0, has_dash = 0;
    struct textbuf body = {0};
    int rc = -1;

    if (p[k] == '^') {
        neg = 1;
        k++;
    }
    if (p[k] == ']') {
        *why = "empty character class";
        goto done;
    }
    while (p[k] && p[k] != ']') {
        int c; /* the single character of this item, or -1 for a class */
        const char *cls = NULL;
        if ((unsigned char)p[k] >= 0x80) {
            *why = "non-ASCII characters in a character class are not supported";
            goto done;
        }
        if (p[k] == '\\') {
            char e = p[k + 1];
            if (!e) {
                *why = "trailing backslash";
                goto done;
            }
            k += 2;
            if (e == 'd')
                cls = "0-9";
            else if (e == 'w')
                cls = "A-Za-z0-9_";
            else if (e == 's')
                cls = " \t\n\r\f\v";
            else if (e == 'D' || e == 'W' || e == 'S') {
                *why = "negated class escapes inside a character class are not supported";
                goto done;
            }
            if (cls) {
                textbuf_puts(&body, cls);
                continue;
            }
            c = escape_char(e);
            if (c < 0) {
                *why = "unsupported escape in a character class";
                goto done;
            }
        } else {
            c = (unsigned char)p[k++];
        }
        /* a range a-b */
        if (p[k] == '-' && p[k + 1] && p[k + 1] != ']') {
            int hi;
            k++;
            if ((unsigned char)p[k] >= 0x80) {
                *why = "non-ASCII characters in a character class are not supported";
                goto done;
            }
            if (p[k] == '\\') {
                if (!p[k + 1]) {
                    *why = "trailing backslash";
                    goto done;
                }
                hi = escape_char(p[k + 1]); /* class escapes give -1 */
                if (hi < 0) {
                    *why = "unsupported range in a character class";
                    goto done;
                }
                k += 2;
            } else {
                hi = (unsigned char)p[k++];
            }
            if (strchr("]-^[", c) || strchr("]-^[", hi) || hi < c) {
                *why = "unsupported range in a character class";
                goto done;
            }
            textbuf_putc(&body, (char)c);
            textbuf_putc(&body, '-');
            textbuf_putc(&body, (char)hi);
            continue;
        }
        if (c == ']')
            has_rb = 1;
        else if (c == '[')
            has_lb = 1;
        else if (c == '^')
            has_caret = 1;
        else if (c == '-')
            has_dash = 1;
        else
            textbuf_putc(&body, (char)c);
    }
    if (p[k] != ']') {
        *why = "unterminated character class";
        goto done;
    }
    *i = k + 1;
    /* POSIX brackets have no escapes: ']' goes first, '[' '^' '-' last */
    if (!neg && !has_rb && body.len == 0 && !has_lb && has_caret) {
        textbuf_puts(out, has_dash ? "[-^]" : "\\^");
    } else {
        textbuf_putc(out, '[');
        if (neg)
            textbuf_putc(out, '^');
        if (has_rb)
            textbuf_putc(out, ']');
        textbuf_puts(out, textbuf_str(&body));
        if (has_lb)
            textbuf_putc(out, '[');
        if (has_caret)
            textbuf_putc(out, '^');
        if (has_dash)
            textbuf_putc(out, '-');
        textbuf_putc(out, ']');
    }
    rc = body.failed ? -1 : 0;
    if (body.failed)
        *why = "out of memory";
done:
    free(body.s);
    return rc;
}

/*
 * Translates an ECMA-262 regular expression into a POSIX ERE with the same match/no-match
 * result: \d \w \s (and negations) become bracket expressions, (?:...) and (?<name>...) plain
 * groups, lazy quantifiers greedy ones, '.' excludes line terminators. Look-arounds,
 * backreferences, \b, \x, \u, \p and non-ASCII characters inside brackets are rejected
 * (returns -1 and sets *why). The translation is appended to out.
 */
static int ecma_to_ere(const char *p, struct textbuf *out, const char **why)
{
    size_t i = 0;
    int prev_quant = 0; /* the previous token was a quantifier, so '?' makes it lazy */
    while (p[i]) {
        char ch = p[i];
        int quant = 0;
        if (ch == '\\') {
            char e = p[i + 1];
            int c;
            if (!e) {
                *why = "trailing backslash";
                return -1;
            }
            i += 2;
            switch (e) {
            case 'd': textbuf_puts(out, "[0-9]"); break;
            case 'D': textbuf_puts(out, "[^0-9]"); break;
            case 'w': textbuf_puts(out, "[A-Za-z0-9_]"); break;
            case 'W': textbuf_puts(out, "[^A-Za-z0-9_]"); break;
            case 's': textbuf_puts(out, "[ \t\n\r\f\v]"); break;
            case 'S': textbuf_puts(out, "[^ \t\n\r\f\v]"); break;
            default:
                c = escape_char(e);
                if (c < 0) {
                    *why = "unsupported escape (only \\d \\D \\w \\W \\s \\S \\n \\t \\r \\f \\v and "
                           "escaped punctuation)";
                    return -1;
                }
                emit_literal(out, (char)c);
            }
        } else if (ch == '[') {
            if (translate_bracket(p, &i, out, why) != 0)
                return -1;
        } else if (ch == '(') {
            if (p[i + 1] == '?') {
                if (p[i + 2] == ':') {
                    i += 3;
                } else if (p[i + 2] == '<' && p[i + 3] != '=' && p[i + 3] != '!') {
                    const char *gt = strchr(p + i + 3, '>');
                    if (!gt) {
                        *why = "unterminated group name";
                        return -1;
                    }
                    i = (size_t)(gt - p) + 1;
                } else {
                    *why = "look-around groups are not supported";
                    return -1;
                }
            } else {
                i++;
            }
            textbuf_putc(out, '(');
        } else if (ch == '*' || ch == '+' || ch == '?') {
            i++;
            if (ch == '?' && prev_quant) {
                prev_quant = 0; /* lazy marker: irrelevant for match/no-match */
                continue;
            }
            textbuf_putc(out, ch);
            quant = 1;
        } else if (ch == '{') {
            size_t j = i + 1, d1 = 0;
            while (p[j] >= '0' && p[j] <= '9') {
                j++;
                d1++;
            }
            if (d1 && p[j] == ',') {
                j++;
                while (p[j] >= '0' && p[j] <= '9')
                    j++;
            }
            if (d1 && p[j] == '}') {
                textbuf_put(out, p + i, j + 1 - i);
                i = j + 1;
                quant = 1;
            } else {
                textbuf_puts(out, "\\{");
                i++;
            }
        } else if (ch == '.') {
            textbuf_puts(out, "[^\n\r]");
            i++;
        } else if ((unsigned char)ch >= 0x80) {
            /* keep a multi-byte character together so that a quantifier applies to all of it */
            size_t n = utf8_seq_len((unsigned char)ch);
            size_t k = 1;
            while (k < n && p[i + k])
                k++;
            textbuf_putc(out, '(');
            textbuf_put(out, p + i, k);
            textbuf_putc(out, ')');
            i += k;
        } else {
            textbuf_putc(out, ch); /* ( ) | ^ $ ] } and ordinary characters */
            i++;
        }
        prev_quant = quant;
    }
    if (out->failed) {
        *why = "out of memory";
        return -1;
    }
    return 0;
}


/* ------------------------------------------------------------------------------------------ */
/* Compiled patterns, keyed by the schema object that holds "pattern"                         */
/* ------------------------------------------------------------------------------------------ */

int js_patterns_add(js_patterns *ps, const json_t *node, const char *pattern, char *why,
                    size_t whylen)
{
    struct textbuf ere = {0};
    const char *reason = NULL;
    if (ecma_to_ere(pattern, &ere, &reason) != 0) {
        free(ere.s);
        snprintf(why, whylen, "unsupported pattern \"%s\": %s", pattern, reason);
        return -1;
    }
    if (ps->n == ps->cap) {
        size_t cap = ps->cap ? ps->cap * 2 : 16;
        js_regex *r = realloc(ps->items, cap * sizeof *r);
        if (!r) {
            free(ere.s);
            snprintf(why, whylen, "out of memory");
            return -1;
        }
        ps->items = r;
        ps->cap = cap;
    }
    js_regex *slot = &ps->items[ps->n];
    int rc = regcomp(&slot->re, textbuf_str(&ere), REG_EXTENDED | REG_NOSUB);
    free(ere.s);
    if (rc != 0) {
        char msg[128];
        regerror(rc, &slot->re, msg, sizeof msg);
        regfree(&slot->re);
        snprintf(why, whylen, "pattern \"%s\" does not compile: %s", pattern, msg);
        return -1;
    }
    slot->node = (uintptr_t)node;
    ps->n++;
    return 0;
}

static int regex_cmp(const void *a, const void *b)
{
    uintptr_t x = ((const js_regex *)a)->node, y = ((const js_regex *)b)->node;
    return x < y ? -1 : x > y ? 1 : 0;
}

void js_patterns_sort(js_patterns *ps)
{
    if (ps->n > 1)
        qsort(ps->items, ps->n, sizeof *ps->items, regex_cmp);
}

const regex_t *js_patterns_find(const js_patterns *ps, const json_t *node)
{
    js_regex key;
    memset(&key, 0, sizeof key);
    key.node = (uintptr_t)node;
    const js_regex *r = bsearch(&key, ps->items, ps->n, sizeof *ps->items, regex_cmp);
    return r ? &r->re : NULL;
}

void js_patterns_free(js_patterns *ps)
{
    for (size_t i = 0; i < ps->n; i++)
        regfree(&ps->items[i].re);
    free(ps->items);
    *ps = (js_patterns){0};
}
