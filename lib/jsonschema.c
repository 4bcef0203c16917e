/* jsonschema.c — loads JSON Schema 2020-12 documents from a folder and validates instances against them. */
#include "jsonschema.h"

#include <dirent.h>
#include <errno.h>
#include <regex.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#if defined(__GNUC__)
#define JS_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define JS_PRINTF(f, a)
#endif

#define JS_DETAIL_MAX 512   /* longest error detail, in bytes */
#define JS_LIST_MAX 20      /* longest list of enum values quoted in a detail */

/* ------------------------------------------------------------------------------------------ */
/* Growable string                                                                            */
/* ------------------------------------------------------------------------------------------ */

/* A growable NUL-terminated string; s is owned by the sbuf and released with sb_free(). */
typedef struct {
    char *s;
    size_t len, cap;
    int oom; /* set when an allocation failed; further appends are ignored */
} sbuf;

static int sb_reserve(sbuf *b, size_t extra)
{
    if (b->oom)
        return -1;
    if (b->len + extra + 1 <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *s = realloc(b->s, cap);
    if (!s) {
        b->oom = 1;
        return -1;
    }
    b->s = s;
    b->cap = cap;
    return 0;
}

static void sb_putn(sbuf *b, const char *s, size_t n)
{
    if (sb_reserve(b, n) != 0)
        return;
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void sb_puts(sbuf *b, const char *s) { sb_putn(b, s, strlen(s)); }

static void sb_putc(sbuf *b, char c) { sb_putn(b, &c, 1); }

/* Appends "/" and key escaped as an RFC 6901 reference token (~ -> ~0, / -> ~1). */
static void sb_put_token(sbuf *b, const char *key)
{
    sb_putc(b, '/');
    for (const char *p = key; *p; p++) {
        if (*p == '~')
            sb_puts(b, "~0");
        else if (*p == '/')
            sb_puts(b, "~1");
        else
            sb_putc(b, *p);
    }
}

static void sb_put_index(sbuf *b, size_t i)
{
    char num[32];
    snprintf(num, sizeof num, "/%zu", i);
    sb_puts(b, num);
}

static void sb_truncate(sbuf *b, size_t len)
{
    if (b->s && len <= b->len) {
        b->len = len;
        b->s[len] = '\0';
    }
}

static const char *sb_str(const sbuf *b) { return b->s ? b->s : ""; }

static void sb_free(sbuf *b)
{
    free(b->s);
    b->s = NULL;
    b->len = b->cap = 0;
}

/* Cuts s (NUL-terminated) back so that it does not end inside a UTF-8 sequence. */
static void utf8_trim_tail(char *s)
{
    size_t n = strlen(s);
    size_t i = n;
    /* step back over continuation bytes to the lead byte of the last sequence */
    while (i > 0 && ((unsigned char)s[i - 1] & 0xC0) == 0x80)
        i--;
    if (i == 0)
        return;
    unsigned char lead = (unsigned char)s[i - 1];
    size_t need = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    if (n - (i - 1) < need)
        s[i - 1] = '\0';
}

/* ------------------------------------------------------------------------------------------ */
/* Registry                                                                                   */
/* ------------------------------------------------------------------------------------------ */

typedef struct {
    char *name;   /* path relative to the folder, e.g. "common.json" or "sub/x.json"; owned */
    char *id;     /* root "$id" without a trailing '#', or NULL; owned */
    json_t *root; /* owned reference */
} js_doc;

typedef struct {
    uintptr_t node; /* address of the schema object that holds "pattern" */
    regex_t re;     /* compiled translation of that pattern; owned (regfree) */
} js_regex;

struct js_registry {
    js_doc *docs; /* owned array of ndocs documents */
    size_t ndocs;
    js_regex *regexes; /* owned array sorted by node, filled at load time */
    size_t nregexes, capregexes;
};

void js_registry_free(js_registry *reg)
{
    if (!reg)
        return;
    for (size_t i = 0; i < reg->ndocs; i++) {
        free(reg->docs[i].name);
        free(reg->docs[i].id);
        json_decref(reg->docs[i].root);
    }
    free(reg->docs);
    for (size_t i = 0; i < reg->nregexes; i++)
        regfree(&reg->regexes[i].re);
    free(reg->regexes);
    free(reg);
}

static int key_eq(const char *s, const char *key, size_t keylen)
{
    return s && strlen(s) == keylen && memcmp(s, key, keylen) == 0;
}

/* Document whose name or $id is the first keylen bytes of key, or NULL. */
static const js_doc *find_doc(const js_registry *reg, const char *key, size_t keylen)
{
    for (size_t i = 0; i < reg->ndocs; i++)
        if (key_eq(reg->docs[i].name, key, keylen) || key_eq(reg->docs[i].id, key, keylen))
            return &reg->docs[i];
    return NULL;
}

const json_t *js_registry_get(const js_registry *reg, const char *name)
{
    if (!reg || !name)
        return NULL;
    const js_doc *d = find_doc(reg, name, strlen(name));
    return d ? d->root : NULL;
}

static int regex_cmp(const void *a, const void *b)
{
    uintptr_t x = ((const js_regex *)a)->node, y = ((const js_regex *)b)->node;
    return x < y ? -1 : x > y ? 1 : 0;
}

static const regex_t *find_regex(const js_registry *reg, const json_t *node)
{
    js_regex key;
    memset(&key, 0, sizeof key);
    key.node = (uintptr_t)node;
    const js_regex *r = bsearch(&key, reg->regexes, reg->nregexes, sizeof *reg->regexes, regex_cmp);
    return r ? &r->re : NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* ECMA-262 pattern -> POSIX ERE                                                              */
/* ------------------------------------------------------------------------------------------ */

/* POSIX ERE characters that need a backslash to stand for themselves outside brackets. */
static const char ere_special[] = ".[\\()*+?{|^$";

static void emit_literal(sbuf *out, char c)
{
    if (strchr(ere_special, c))
        sb_putc(out, '\\');
    sb_putc(out, c);
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
static int translate_bracket(const char *p, size_t *i, sbuf *out, const char **why)
{
    size_t k = *i + 1;
    int neg = 0, has_rb = 0, has_lb = 0, has_caret = 0, has_dash = 0;
    sbuf body = {0};
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
                sb_puts(&body, cls);
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
            sb_putc(&body, (char)c);
            sb_putc(&body, '-');
            sb_putc(&body, (char)hi);
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
            sb_putc(&body, (char)c);
    }
    if (p[k] != ']') {
        *why = "unterminated character class";
        goto done;
    }
    *i = k + 1;
    /* POSIX brackets have no escapes: ']' goes first, '[' '^' '-' last */
    if (!neg && !has_rb && body.len == 0 && !has_lb && has_caret) {
        sb_puts(out, has_dash ? "[-^]" : "\\^");
    } else {
        sb_putc(out, '[');
        if (neg)
            sb_putc(out, '^');
        if (has_rb)
            sb_putc(out, ']');
        sb_puts(out, sb_str(&body));
        if (has_lb)
            sb_putc(out, '[');
        if (has_caret)
            sb_putc(out, '^');
        if (has_dash)
            sb_putc(out, '-');
        sb_putc(out, ']');
    }
    rc = body.oom ? -1 : 0;
    if (body.oom)
        *why = "out of memory";
done:
    sb_free(&body);
    return rc;
}

/*
 * Translates an ECMA-262 regular expression into a POSIX ERE with the same match/no-match
 * result: \d \w \s (and negations) become bracket expressions, (?:...) and (?<name>...) plain
 * groups, lazy quantifiers greedy ones, '.' excludes line terminators. Look-arounds,
 * backreferences, \b, \x, \u, \p and non-ASCII characters inside brackets are rejected
 * (returns -1 and sets *why). The translation is appended to out.
 */
static int ecma_to_ere(const char *p, sbuf *out, const char **why)
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
            case 'd': sb_puts(out, "[0-9]"); break;
            case 'D': sb_puts(out, "[^0-9]"); break;
            case 'w': sb_puts(out, "[A-Za-z0-9_]"); break;
            case 'W': sb_puts(out, "[^A-Za-z0-9_]"); break;
            case 's': sb_puts(out, "[ \t\n\r\f\v]"); break;
            case 'S': sb_puts(out, "[^ \t\n\r\f\v]"); break;
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
            sb_putc(out, '(');
        } else if (ch == '*' || ch == '+' || ch == '?') {
            i++;
            if (ch == '?' && prev_quant) {
                prev_quant = 0; /* lazy marker: irrelevant for match/no-match */
                continue;
            }
            sb_putc(out, ch);
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
                sb_putn(out, p + i, j + 1 - i);
                i = j + 1;
                quant = 1;
            } else {
                sb_puts(out, "\\{");
                i++;
            }
        } else if (ch == '.') {
            sb_puts(out, "[^\n\r]");
            i++;
        } else if ((unsigned char)ch >= 0x80) {
            /* keep a multi-byte character together so that a quantifier applies to all of it */
            size_t n = utf8_seq_len((unsigned char)ch);
            size_t k = 1;
            while (k < n && p[i + k])
                k++;
            sb_putc(out, '(');
            sb_putn(out, p + i, k);
            sb_putc(out, ')');
            i += k;
        } else {
            sb_putc(out, ch); /* ( ) | ^ $ ] } and ordinary characters */
            i++;
        }
        prev_quant = quant;
    }
    if (out->oom) {
        *why = "out of memory";
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Load-time check of schemas                                                                 */
/* ------------------------------------------------------------------------------------------ */

typedef enum {
    KW_ANNOTATION,   /* ignored */
    KW_SCHEMA,       /* value is a schema */
    KW_SCHEMA_MAP,   /* value is an object of schemas */
    KW_SCHEMA_ARRAY, /* value is a non-empty array of schemas */
    KW_TYPE,
    KW_ENUM,
    KW_ANY,
    KW_STRINGS,
    KW_COUNT,
    KW_NUMBER,
    KW_BOOL,
    KW_PATTERN,
    KW_FORMAT,
    KW_REF
} kw_kind;

static const struct {
    const char *name;
    kw_kind kind;
} keywords[] = {
    {"$schema", KW_ANNOTATION},
    {"$id", KW_ANNOTATION},
    {"title", KW_ANNOTATION},
    {"description", KW_ANNOTATION},
    {"examples", KW_ANNOTATION},
    {"default", KW_ANNOTATION},
    {"$comment", KW_ANNOTATION},
    {"deprecated", KW_ANNOTATION},
    {"readOnly", KW_ANNOTATION},
    {"writeOnly", KW_ANNOTATION},
    {"contentMediaType", KW_ANNOTATION},
    {"type", KW_TYPE},
    {"enum", KW_ENUM},
    {"const", KW_ANY},
    {"required", KW_STRINGS},
    {"properties", KW_SCHEMA_MAP},
    {"$defs", KW_SCHEMA_MAP},
    {"additionalProperties", KW_SCHEMA},
    {"items", KW_SCHEMA},
    {"not", KW_SCHEMA},
    {"if", KW_SCHEMA},
    {"then", KW_SCHEMA},
    {"else", KW_SCHEMA},
    {"allOf", KW_SCHEMA_ARRAY},
    {"anyOf", KW_SCHEMA_ARRAY},
    {"oneOf", KW_SCHEMA_ARRAY},
    {"minItems", KW_COUNT},
    {"maxItems", KW_COUNT},
    {"minLength", KW_COUNT},
    {"maxLength", KW_COUNT},
    {"uniqueItems", KW_BOOL},
    {"minimum", KW_NUMBER},
    {"maximum", KW_NUMBER},
    {"exclusiveMinimum", KW_NUMBER},
    {"exclusiveMaximum", KW_NUMBER},
    {"pattern", KW_PATTERN},
    {"format", KW_FORMAT},
    {"$ref", KW_REF},
};

static const char *const type_names[] = {"null",   "boolean", "object", "array",
                                         "number", "integer", "string"};

static int is_type_name(const json_t *v)
{
    if (!json_is_string(v))
        return 0;
    for (size_t i = 0; i < sizeof type_names / sizeof *type_names; i++)
        if (strcmp(json_string_value(v), type_names[i]) == 0)
            return 1;
    return 0;
}

/* A number with no fractional part (1, 1.0, 1e2); reals beyond 2^53 are always integral. */
static int is_integral(const json_t *v)
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

typedef struct {
    js_registry *reg;
    const char *file;
    sbuf path; /* JSON pointer of the schema node being checked, for messages */
    char *err;
    size_t errlen;
} load_ctx;

JS_PRINTF(2, 3) static int load_fail(load_ctx *lc, const char *fmt, ...)
{
    if (lc->err && lc->errlen) {
        char msg[256];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        snprintf(lc->err, lc->errlen, "%s: at \"%s\": %s", lc->file, sb_str(&lc->path), msg);
    }
    return -1;
}

static int add_regex(load_ctx *lc, const json_t *node, const char *pattern)
{
    sbuf ere = {0};
    const char *why = NULL;
    if (ecma_to_ere(pattern, &ere, &why) != 0) {
        sb_free(&ere);
        return load_fail(lc, "unsupported pattern \"%s\": %s", pattern, why);
    }
    js_registry *reg = lc->reg;
    if (reg->nregexes == reg->capregexes) {
        size_t cap = reg->capregexes ? reg->capregexes * 2 : 16;
        js_regex *r = realloc(reg->regexes, cap * sizeof *r);
        if (!r) {
            sb_free(&ere);
            return load_fail(lc, "out of memory");
        }
        reg->regexes = r;
        reg->capregexes = cap;
    }
    js_regex *slot = &reg->regexes[reg->nregexes];
    int rc = regcomp(&slot->re, sb_str(&ere), REG_EXTENDED | REG_NOSUB);
    sb_free(&ere);
    if (rc != 0) {
        char msg[128];
        regerror(rc, &slot->re, msg, sizeof msg);
        regfree(&slot->re);
        return load_fail(lc, "pattern \"%s\" does not compile: %s", pattern, msg);
    }
    slot->node = (uintptr_t)node;
    reg->nregexes++;
    return 0;
}

static int check_schema(load_ctx *lc, const json_t *s);

/* check_schema on child, with path extended by token (a key) or index (when token is NULL). */
static int check_child(load_ctx *lc, const json_t *child, const char *token, size_t index)
{
    size_t mark = lc->path.len;
    if (token)
        sb_put_token(&lc->path, token);
    else
        sb_put_index(&lc->path, index);
    if (lc->path.oom)
        return load_fail(lc, "out of memory");
    int rc = check_schema(lc, child);
    sb_truncate(&lc->path, mark);
    return rc;
}

/* Checks one keyword of a schema object; returns 0 or -1 with lc->err written. */
static int check_keyword(load_ctx *lc, const json_t *s, const char *key, const json_t *val)
{
    size_t k;
    for (k = 0; k < sizeof keywords / sizeof *keywords; k++)
        if (strcmp(keywords[k].name, key) == 0)
            break;
    if (k == sizeof keywords / sizeof *keywords)
        return load_fail(lc, "unsupported keyword \"%s\"", key);

    size_t mark = lc->path.len;
    int rc = 0;
    sb_put_token(&lc->path, key);
    if (lc->path.oom)
        return load_fail(lc, "out of memory");

    switch (keywords[k].kind) {
    case KW_ANNOTATION:
    case KW_ANY:
        break;
    case KW_SCHEMA:
        rc = check_schema(lc, val);
        break;
    case KW_SCHEMA_MAP: {
        if (!json_is_object(val)) {
            rc = load_fail(lc, "must be an object of schemas");
            break;
        }
        const char *name;
        void *it;
        for (it = json_object_iter((json_t *)val); it && rc == 0;
             it = json_object_iter_next((json_t *)val, it)) {
            name = json_object_iter_key(it);
            rc = check_child(lc, json_object_iter_value(it), name, 0);
        }
        break;
    }
    case KW_SCHEMA_ARRAY:
        if (!json_is_array(val) || json_array_size(val) == 0) {
            rc = load_fail(lc, "must be a non-empty array of schemas");
            break;
        }
        for (size_t i = 0; i < json_array_size(val) && rc == 0; i++)
            rc = check_child(lc, json_array_get(val, i), NULL, i);
        break;
    case KW_TYPE:
        if (json_is_array(val)) {
            if (json_array_size(val) == 0)
                rc = load_fail(lc, "must not be empty");
            for (size_t i = 0; i < json_array_size(val) && rc == 0; i++)
                if (!is_type_name(json_array_get(val, i)))
                    rc = load_fail(lc, "unknown type");
        } else if (!is_type_name(val)) {
            rc = load_fail(lc, "unknown type");
        }
        break;
    case KW_ENUM:
        if (!json_is_array(val) || json_array_size(val) == 0)
            rc = load_fail(lc, "must be a non-empty array");
        break;
    case KW_STRINGS:
        if (!json_is_array(val)) {
            rc = load_fail(lc, "must be an array of strings");
            break;
        }
        for (size_t i = 0; i < json_array_size(val) && rc == 0; i++)
            if (!json_is_string(json_array_get(val, i)))
                rc = load_fail(lc, "must be an array of strings");
        break;
    case KW_COUNT:
        if (!is_integral(val) || json_number_value(val) < 0)
            rc = load_fail(lc, "must be a non-negative integer");
        break;
    case KW_NUMBER:
        if (!json_is_number(val))
            rc = load_fail(lc, "must be a number");
        break;
    case KW_BOOL:
        if (!json_is_boolean(val))
            rc = load_fail(lc, "must be a boolean");
        break;
    case KW_PATTERN:
        if (!json_is_string(val))
            rc = load_fail(lc, "must be a string");
        else
            rc = add_regex(lc, s, json_string_value(val));
        break;
    case KW_FORMAT:
        if (!json_is_string(val))
            rc = load_fail(lc, "must be a string");
        else if (strcmp(json_string_value(val), "uuid") != 0 &&
                 strcmp(json_string_value(val), "date") != 0 &&
                 strcmp(json_string_value(val), "date-time") != 0)
            rc = load_fail(lc, "unsupported format \"%s\" (supported: uuid, date, date-time)",
                           json_string_value(val));
        break;
    case KW_REF:
        if (!json_is_string(val))
            rc = load_fail(lc, "must be a string");
        break;
    }
    sb_truncate(&lc->path, mark);
    return rc;
}

/* Checks that s is a schema made only of supported keywords; compiles its patterns. */
static int check_schema(load_ctx *lc, const json_t *s)
{
    if (json_is_boolean(s))
        return 0;
    if (!json_is_object(s))
        return load_fail(lc, "a schema must be an object or a boolean");
    for (void *it = json_object_iter((json_t *)s); it; it = json_object_iter_next((json_t *)s, it))
        if (check_keyword(lc, s, json_object_iter_key(it), json_object_iter_value(it)) != 0)
            return -1;
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Loading a folder                                                                           */
/* ------------------------------------------------------------------------------------------ */

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A schema file: *.json, but not the OpenAPI document that lives beside the
 * schemas (so its relative references resolve) and is not a schema itself. */
static int ends_with_json(const char *name)
{
    size_t n = strlen(name);
    return n > 5 && strcmp(name + n - 5, ".json") == 0 && strcmp(name, "openapi.json") != 0;
}

/* Appends to *names (owned array of owned strings) every relative path prefix+entry of
 * dir/prefix that is a .json file; also descends into subfolders when recurse is set. */
static int list_dir(const char *dir, const char *prefix, int recurse, char ***names, size_t *n,
                    size_t *cap, char *err, size_t errlen)
{
    size_t plen = strlen(dir) + 1 + strlen(prefix) + 1;
    char *path = malloc(plen);
    if (!path) {
        if (err && errlen)
            snprintf(err, errlen, "out of memory");
        return -1;
    }
    snprintf(path, plen, "%s/%s", dir, prefix);
    DIR *d = opendir(path);
    if (!d) {
        if (err && errlen)
            snprintf(err, errlen, "cannot open folder %s: %s", path, strerror(errno));
        free(path);
        return -1;
    }
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        size_t rlen = strlen(prefix) + strlen(e->d_name) + 2;
        size_t flen = strlen(path) + strlen(e->d_name) + 2;
        char *rel = malloc(rlen);
        char *full = malloc(flen);
        struct stat st;
        if (!rel || !full) {
            if (err && errlen)
                snprintf(err, errlen, "out of memory");
            rc = -1;
        } else {
            snprintf(rel, rlen, "%s%s", prefix, e->d_name);
            snprintf(full, flen, "%s%s", path, e->d_name);
            if (stat(full, &st) != 0) {
                if (err && errlen)
                    snprintf(err, errlen, "cannot stat %s: %s", full, strerror(errno));
                rc = -1;
            } else if (S_ISDIR(st.st_mode) && recurse) {
                size_t slen = strlen(rel) + 2;
                char *sub = malloc(slen);
                if (!sub) {
                    if (err && errlen)
                        snprintf(err, errlen, "out of memory");
                    rc = -1;
                } else {
                    snprintf(sub, slen, "%s/", rel);
                    rc = list_dir(dir, sub, 0, names, n, cap, err, errlen);
                    free(sub);
                }
            } else if (S_ISREG(st.st_mode) && ends_with_json(e->d_name)) {
                if (*n == *cap) {
                    size_t ncap = *cap ? *cap * 2 : 16;
                    char **nn = realloc(*names, ncap * sizeof *nn);
                    if (!nn) {
                        if (err && errlen)
                            snprintf(err, errlen, "out of memory");
                        rc = -1;
                    } else {
                        *names = nn;
                        *cap = ncap;
                    }
                }
                if (rc == 0) {
                    (*names)[(*n)++] = rel;
                    rel = NULL; /* now owned by *names */
                }
            }
        }
        free(rel);
        free(full);
    }
    closedir(d);
    free(path);
    return rc;
}

/* Copy of s; the caller owns it and frees it with free(). NULL when out of memory. */
static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

/* Loads dir/rel into doc (fields owned by doc afterwards, also on failure); 0 or -1. */
static int load_doc(js_registry *reg, const char *dir, const char *rel, js_doc *doc, char *err,
                    size_t errlen)
{
    size_t flen = strlen(dir) + strlen(rel) + 2;
    char *full = malloc(flen);
    doc->name = dup_str(rel);
    if (!full || !doc->name) {
        free(full);
        if (err && errlen)
            snprintf(err, errlen, "out of memory");
        return -1;
    }
    snprintf(full, flen, "%s/%s", dir, rel);
    json_error_t jerr;
    doc->root = json_load_file(full, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    free(full);
    if (!doc->root) {
        if (err && errlen)
            snprintf(err, errlen, "%s: line %d column %d: %s", rel, jerr.line, jerr.column,
                     jerr.text);
        return -1;
    }
    const json_t *id = json_object_get(doc->root, "$id");
    if (json_is_string(id) && json_string_length(id) > 0) {
        doc->id = dup_str(json_string_value(id));
        if (!doc->id) {
            if (err && errlen)
                snprintf(err, errlen, "out of memory");
            return -1;
        }
        size_t n = strlen(doc->id);
        if (n > 0 && doc->id[n - 1] == '#')
            doc->id[n - 1] = '\0';
    }
    load_ctx lc = {reg, rel, {0}, err, errlen};
    int rc = check_schema(&lc, doc->root);
    sb_free(&lc.path);
    return rc;
}

js_registry *js_registry_load_dir(const char *dir, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (!dir) {
        if (err && errlen)
            snprintf(err, errlen, "no folder given");
        return NULL;
    }
    js_registry *reg = calloc(1, sizeof *reg);
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    if (!reg) {
        if (err && errlen)
            snprintf(err, errlen, "out of memory");
        return NULL;
    }
    rc = list_dir(dir, "", 1, &names, &n, &cap, err, errlen);
    if (rc == 0 && n > 0) {
        qsort(names, n, sizeof *names, name_cmp);
        reg->docs = calloc(n, sizeof *reg->docs);
        if (!reg->docs) {
            if (err && errlen)
                snprintf(err, errlen, "out of memory");
            rc = -1;
        }
    }
    for (size_t i = 0; rc == 0 && i < n; i++) {
        js_doc *doc = &reg->docs[reg->ndocs++];
        rc = load_doc(reg, dir, names[i], doc, err, errlen);
        if (rc != 0)
            break;
        /* every key (name and $id) must name one document only */
        for (size_t j = 0; j + 1 < reg->ndocs; j++) {
            const js_doc *o = &reg->docs[j];
            if ((doc->id && (strcmp(doc->id, o->name) == 0 ||
                             (o->id && strcmp(doc->id, o->id) == 0))) ||
                (o->id && strcmp(o->id, doc->name) == 0)) {
                if (err && errlen)
                    snprintf(err, errlen, "%s: \"$id\" or name clashes with %s", doc->name,
                             o->name);
                rc = -1;
                break;
            }
        }
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    if (rc != 0) {
        js_registry_free(reg);
        return NULL;
    }
    if (reg->nregexes > 1)
        qsort(reg->regexes, reg->nregexes, sizeof *reg->regexes, regex_cmp);
    return reg;
}

/* ------------------------------------------------------------------------------------------ */
/* $ref resolution                                                                            */
/* ------------------------------------------------------------------------------------------ */

/* Length of the "scheme://authority" prefix of s, or 0. */
static size_t authority_len(const char *s)
{
    const char *sep = strstr(s, "://");
    if (!sep)
        return 0;
    const char *slash = strchr(sep + 3, '/');
    return slash ? (size_t)(slash - s) : strlen(s);
}

static int has_scheme(const char *s, size_t n)
{
    size_t i = 0;
    if (n == 0 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
        return 0;
    for (i = 1; i < n; i++) {
        char c = s[i];
        if (c == ':')
            return 1;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '+' || c == '-' || c == '.'))
            return 0;
    }
    return 0;
}

/* Removes "." and ".." segments from the path part (after "scheme://authority") of s. */
static void remove_dot_segments(char *s)
{
    char *path = s + authority_len(s);
    char *out = path, *in = path;
    int absolute = *in == '/';
    if (absolute)
        in++, out++;
    char *start = out;
    while (*in) {
        char *end = strchr(in, '/');
        size_t seg = end ? (size_t)(end - in) : strlen(in);
        if (seg == 1 && in[0] == '.') {
            /* skip */
        } else if (seg == 2 && in[0] == '.' && in[1] == '.') {
            /* drop the last output segment */
            if (out > start) {
                out--; /* at the '/' ending the previous segment */
                while (out > start && out[-1] != '/')
                    out--;
            }
        } else {
            memmove(out, in, seg);
            out += seg;
            if (end)
                *out++ = '/';
        }
        in += seg + (end ? 1 : 0);
    }
    *out = '\0';
}

/* Document named by the URI ref[0..reflen) resolved against base, or NULL. */
static const js_doc *lookup_relative(const js_registry *reg, const char *base, const char *ref,
                                     size_t reflen)
{
    if (has_scheme(ref, reflen))
        return NULL;
    size_t keep;
    if (ref[0] == '/') {
        keep = authority_len(base);
    } else {
        const char *slash = strrchr(base, '/');
        keep = slash ? (size_t)(slash - base) + 1 : 0;
    }
    char *uri = malloc(keep + reflen + 1);
    if (!uri)
        return NULL;
    memcpy(uri, base, keep);
    memcpy(uri + keep, ref, reflen);
    uri[keep + reflen] = '\0';
    remove_dot_segments(uri);
    const js_doc *d = find_doc(reg, uri, strlen(uri));
    free(uri);
    return d;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Node at the JSON pointer fragment frag (URI-encoded, without '#') of root, or NULL. */
static const json_t *resolve_fragment(const json_t *root, const char *frag)
{
    if (frag[0] == '\0')
        return root;
    if (frag[0] != '/')
        return NULL; /* plain-name anchors are not supported */
    size_t n = strlen(frag);
    char *buf = malloc(n + 1);
    if (!buf)
        return NULL;
    /* percent-decode */
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (frag[i] == '%') {
            int hi = hexval(frag[i + 1]); /* a NUL terminator gives -1: no overrun */
            int lo = hi >= 0 ? hexval(frag[i + 2]) : -1;
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
                free(buf);
                return NULL;
            }
            buf[o++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            buf[o++] = frag[i];
        }
    }
    buf[o] = '\0';

    const json_t *node = root;
    char *tok = buf + 1;
    for (;;) {
        char *end = strchr(tok, '/');
        if (end)
            *end = '\0';
        /* unescape ~1 -> '/', ~0 -> '~' in place */
        char *w = tok;
        for (char *r = tok; *r; r++) {
            if (*r == '~') {
                if (r[1] == '0')
                    *w++ = '~';
                else if (r[1] == '1')
                    *w++ = '/';
                else {
                    node = NULL;
                    break;
                }
                r++;
            } else {
                *w++ = *r;
            }
        }
        if (!node)
            break;
        *w = '\0';
        if (json_is_object(node)) {
            node = json_object_get(node, tok);
        } else if (json_is_array(node)) {
            char *stop;
            if (tok[0] < '0' || tok[0] > '9' || (tok[0] == '0' && tok[1])) {
                node = NULL;
            } else {
                errno = 0;
                unsigned long long idx = strtoull(tok, &stop, 10);
                node = (*stop || errno) ? NULL : json_array_get(node, (size_t)idx);
            }
        } else {
            node = NULL;
        }
        if (!node || !end)
            break;
        tok = end + 1;
    }
    free(buf);
    return node;
}

/* Resolves ref as seen from doc; 0 with *out_doc and *out_node set (borrowed from reg), or -1. */
static int resolve_ref(const js_registry *reg, const js_doc *doc, const char *ref,
                       const js_doc **out_doc, const json_t **out_node)
{
    const char *hash = strchr(ref, '#');
    size_t ulen = hash ? (size_t)(hash - ref) : strlen(ref);
    const js_doc *t = doc;
    if (ulen > 0) {
        t = NULL;
        if (doc && doc->id)
            t = lookup_relative(reg, doc->id, ref, ulen);
        if (!t && doc)
            t = lookup_relative(reg, doc->name, ref, ulen);
        if (!t)
            t = find_doc(reg, ref, ulen);
    }
    if (!t)
        return -1;
    const json_t *node = resolve_fragment(t->root, hash ? hash + 1 : "");
    if (!node)
        return -1;
    *out_doc = t;
    *out_node = node;
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Instance helpers                                                                           */
/* ------------------------------------------------------------------------------------------ */

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

/* Numeric comparison of two JSON numbers: <0, 0, >0. */
static int num_cmp(const json_t *a, const json_t *b)
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

/* JSON Schema equality: like json_equal, except that 1 and 1.0 are equal. */
static int js_equal(const json_t *a, const json_t *b)
{
    if (json_is_number(a) && json_is_number(b))
        return num_cmp(a, b) == 0;
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
        for (void *it = json_object_iter((json_t *)a); it; it = json_object_iter_next((json_t *)a, it)) {
            const json_t *other = json_object_get(b, json_object_iter_key(it));
            if (!other || !js_equal(json_object_iter_value(it), other))
                return 0;
        }
        return 1;
    }
    return json_equal(a, b);
}

static size_t utf8_length(const char *s, size_t bytes)
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
        } else if (hexval(s[i]) < 0) {
            return 0;
        }
    }
    return 1;
}

/* Formats a number the shortest way that reads back to the same value. */
static void fmt_number(const json_t *v, char *buf, size_t len)
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

/* Appends a value for a message: strings bare, other values as compact JSON. */
static void put_value(sbuf *b, const json_t *v)
{
    if (json_is_string(v)) {
        sb_puts(b, json_string_value(v));
        return;
    }
    char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    if (s) {
        sb_puts(b, s);
        free(s);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Validation                                                                                 */
/* ------------------------------------------------------------------------------------------ */

typedef struct {
    const js_registry *reg;
    json_t *errors;     /* NULL while evaluating silently (anyOf, oneOf, not, if) */
    size_t max_errors;  /* errors to collect in this call */
    size_t nerrors;     /* errors appended by this call */
    sbuf ptr;           /* JSON pointer of the instance location being evaluated */
    unsigned depth;     /* nested eval() calls */
    unsigned ref_chain; /* $ref hops since the instance location last changed */
    char diag[256];     /* why -1 was returned */
    char diag_ptr[256]; /* where */
} vctx;

/* True when no more errors can be recorded: evaluation may stop at the first failure. */
static int quiet(const vctx *c) { return c->errors == NULL || c->nerrors >= c->max_errors; }

JS_PRINTF(2, 3) static int schema_error(vctx *c, const char *fmt, ...)
{
    if (c->diag[0] == '\0') {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->diag, sizeof c->diag, fmt, ap);
        va_end(ap);
        utf8_trim_tail(c->diag);
        snprintf(c->diag_ptr, sizeof c->diag_ptr, "%s", sb_str(&c->ptr));
        utf8_trim_tail(c->diag_ptr);
    }
    return -1;
}

static void append_error(json_t *errors, const char *pointer, const char *detail)
{
    json_t *e = json_object();
    if (!e)
        return;
    json_object_set_new(e, "pointer", json_string(pointer));
    json_object_set_new(e, "detail", json_string(detail));
    json_array_append_new(errors, e);
}

/* Records an error at the current location, or at its child `key` when key is not NULL. */
JS_PRINTF(3, 4) static void report(vctx *c, const char *key, const char *fmt, ...)
{
    if (quiet(c))
        return;
    char detail[JS_DETAIL_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    utf8_trim_tail(detail);
    size_t mark = c->ptr.len;
    if (key)
        sb_put_token(&c->ptr, key);
    append_error(c->errors, sb_str(&c->ptr), detail);
    sb_truncate(&c->ptr, mark);
    c->nerrors++;
}

static int eval(vctx *c, const js_doc *doc, const json_t *s, const json_t *inst);

/* Evaluates without recording errors: 0 valid, 1 invalid, -1 schema error. */
static int eval_quiet(vctx *c, const js_doc *doc, const json_t *s, const json_t *inst)
{
    json_t *saved = c->errors;
    c->errors = NULL;
    int r = eval(c, doc, s, inst);
    c->errors = saved;
    return r;
}

/* Evaluates s against the child inst of the current location, named by key or index. */
static int eval_child(vctx *c, const js_doc *doc, const json_t *s, const json_t *inst,
                      const char *key, size_t index)
{
    size_t mark = c->ptr.len;
    unsigned chain = c->ref_chain;
    if (key)
        sb_put_token(&c->ptr, key);
    else
        sb_put_index(&c->ptr, index);
    if (c->ptr.oom)
        return schema_error(c, "out of memory");
    c->ref_chain = 0;
    int r = eval(c, doc, s, inst);
    c->ref_chain = chain;
    sb_truncate(&c->ptr, mark);
    return r;
}

static int type_matches(const char *t, const json_t *inst)
{
    switch (t[0]) {
    case 'n':
        return strcmp(t, "null") == 0 ? json_is_null(inst) : json_is_number(inst);
    case 'b': return json_is_boolean(inst);
    case 'o': return json_is_object(inst);
    case 'a': return json_is_array(inst);
    case 'i': return is_integral(inst);
    case 's': return json_is_string(inst);
    default: return 0;
    }
}

static const char *type_phrase(const char *t)
{
    if (strcmp(t, "null") == 0)
        return "null";
    if (strcmp(t, "integer") == 0)
        return "an integer";
    if (strcmp(t, "object") == 0)
        return "an object";
    if (strcmp(t, "array") == 0)
        return "an array";
    if (strcmp(t, "boolean") == 0)
        return "a boolean";
    if (strcmp(t, "number") == 0)
        return "a number";
    return "a string";
}

/* Checks "type"; on mismatch reports e.g. "must be a string or null" and returns 1. */
static int check_type(vctx *c, const json_t *type, const json_t *inst)
{
    if (json_is_string(type)) {
        if (type_matches(json_string_value(type), inst))
            return 0;
        report(c, NULL, "must be %s", type_phrase(json_string_value(type)));
        return 1;
    }
    size_t n = json_array_size(type);
    for (size_t i = 0; i < n; i++)
        if (type_matches(json_string_value(json_array_get(type, i)), inst))
            return 0;
    if (!quiet(c)) {
        sbuf msg = {0};
        sb_puts(&msg, "must be ");
        for (size_t i = 0; i < n; i++) {
            if (i > 0)
                sb_puts(&msg, i + 1 == n ? " or " : ", ");
            sb_puts(&msg, type_phrase(json_string_value(json_array_get(type, i))));
        }
        report(c, NULL, "%s", sb_str(&msg));
        sb_free(&msg);
    }
    return 1;
}

static void report_enum(vctx *c, const json_t *list)
{
    if (quiet(c))
        return;
    sbuf msg = {0};
    size_t n = json_array_size(list);
    sb_puts(&msg, "must be one of: ");
    for (size_t i = 0; i < n && i < JS_LIST_MAX; i++) {
        if (i > 0)
            sb_puts(&msg, ", ");
        put_value(&msg, json_array_get(list, i));
    }
    if (n > JS_LIST_MAX)
        sb_puts(&msg, ", ...");
    report(c, NULL, "%s", sb_str(&msg));
    sb_free(&msg);
}

static void report_const(vctx *c, const json_t *v)
{
    if (quiet(c))
        return;
    if (json_is_object(v) || json_is_array(v)) {
        report(c, NULL, "must equal the expected value");
        return;
    }
    sbuf msg = {0};
    put_value(&msg, v);
    report(c, NULL, "must be %s", sb_str(&msg));
    sb_free(&msg);
}

/* The names of s when s is {"required": [...]} plus annotations only, else NULL. */
static const json_t *pure_required(const json_t *s)
{
    const json_t *req = json_object_get(s, "required");
    if (!json_is_array(req) || json_array_size(req) == 0)
        return NULL;
    for (void *it = json_object_iter((json_t *)s); it; it = json_object_iter_next((json_t *)s, it)) {
        const char *key = json_object_iter_key(it);
        if (strcmp(key, "required") == 0)
            continue;
        for (size_t k = 0; k < sizeof keywords / sizeof *keywords; k++)
            if (strcmp(keywords[k].name, key) == 0 && keywords[k].kind != KW_ANNOTATION)
                return NULL;
    }
    return req;
}

/*
 * Reports a failed "not" (the instance matched the schema ns). The routing patterns
 * not:{required:[x]} and not:{anyOf:[{required:[x]},{required:[y]}]} are reported at the
 * offending properties ("must not be present"); anything else at the current location.
 */
static void report_not(vctx *c, const json_t *ns, const json_t *inst)
{
    if (quiet(c))
        return;
    if (json_is_object(inst) && json_is_object(ns)) {
        const json_t *req = pure_required(ns);
        if (req && json_array_size(req) == 1) {
            report(c, json_string_value(json_array_get(req, 0)), "must not be present");
            return;
        }
        if (req) {
            sbuf msg = {0};
            for (size_t i = 0; i < json_array_size(req); i++) {
                if (i > 0)
                    sb_puts(&msg, ", ");
                sb_puts(&msg, json_string_value(json_array_get(req, i)));
            }
            report(c, NULL, "must not have all of: %s", sb_str(&msg));
            sb_free(&msg);
            return;
        }
        const json_t *any = json_object_get(ns, "anyOf");
        if (any && json_object_size(ns) == 1) {
            size_t n = json_array_size(any), hits = 0;
            int simple = 1;
            for (size_t i = 0; i < n && simple; i++) {
                const json_t *b = json_array_get(any, i);
                const json_t *r = json_is_object(b) ? pure_required(b) : NULL;
                if (!r || json_array_size(r) != 1)
                    simple = 0;
            }
            for (size_t i = 0; i < n && simple; i++) {
                const char *name =
                    json_string_value(json_array_get(pure_required(json_array_get(any, i)), 0));
                if (json_object_get(inst, name)) {
                    report(c, name, "must not be present");
                    hits++;
                }
            }
            if (simple && hits > 0)
                return;
        }
    }
    report(c, NULL, "must not match the disallowed shape");
}

/* Keywords that apply to strings. */
static int eval_string(vctx *c, const json_t *s, const json_t *inst)
{
    int invalid = 0;
    const char *str = json_string_value(inst);
    size_t bytes = json_string_length(inst);
    const json_t *v;
    char num[64];

    if ((v = json_object_get(s, "minLength")) || json_object_get(s, "maxLength")) {
        size_t len = utf8_length(str, bytes);
        if (v && (double)len < json_number_value(v)) {
            fmt_number(v, num, sizeof num);
            report(c, NULL, "must be at least %s character%s long", num,
                   json_number_value(v) == 1 ? "" : "s");
            invalid = 1;
            if (quiet(c))
                return 1;
        }
        v = json_object_get(s, "maxLength");
        if (v && (double)len > json_number_value(v)) {
            fmt_number(v, num, sizeof num);
            report(c, NULL, "must be at most %s character%s long", num,
                   json_number_value(v) == 1 ? "" : "s");
            invalid = 1;
            if (quiet(c))
                return 1;
        }
    }
    if ((v = json_object_get(s, "pattern")) != NULL) {
        const regex_t *re = find_regex(c->reg, s);
        if (!re)
            return schema_error(c, "pattern not compiled at load");
        int rc;
#ifdef REG_STARTEND
        regmatch_t m[1];
        m[0].rm_so = 0;
        m[0].rm_eo = (regoff_t)bytes;
        rc = regexec(re, str, 1, m, REG_STARTEND);
#else
        rc = regexec(re, str, 0, NULL, 0);
#endif
        if (rc != 0) {
            report(c, NULL, "must match pattern %s", json_string_value(v));
            invalid = 1;
            if (quiet(c))
                return 1;
        }
    }
    if ((v = json_object_get(s, "format")) != NULL) {
        const char *f = json_string_value(v);
        int ok = strcmp(f, "uuid") == 0   ? is_uuid(str, bytes)
                 : strcmp(f, "date") == 0 ? is_full_date(str, bytes)
                                          : is_date_time(str, bytes);
        if (!ok) {
            report(c, NULL, "must match format %s", f);
            invalid = 1;
        }
    }
    return invalid;
}

/* Keywords that apply to numbers. */
static int eval_number(vctx *c, const json_t *s, const json_t *inst)
{
    static const struct {
        const char *kw;
        int fails_when; /* num_cmp(inst, limit) result sign that fails */
        int or_equal;   /* also fails when equal */
        const char *msg;
    } checks[] = {
        {"minimum", -1, 0, "must be at least %s"},
        {"maximum", 1, 0, "must be at most %s"},
        {"exclusiveMinimum", -1, 1, "must be greater than %s"},
        {"exclusiveMaximum", 1, 1, "must be less than %s"},
    };
    int invalid = 0;
    char num[64];
    for (size_t i = 0; i < sizeof checks / sizeof *checks; i++) {
        const json_t *limit = json_object_get(s, checks[i].kw);
        if (!limit)
            continue;
        int cmp = num_cmp(inst, limit);
        if ((cmp < 0 && checks[i].fails_when < 0) || (cmp > 0 && checks[i].fails_when > 0) ||
            (cmp == 0 && checks[i].or_equal)) {
            fmt_number(limit, num, sizeof num);
            report(c, NULL, checks[i].msg, num);
            invalid = 1;
            if (quiet(c))
                return 1;
        }
    }
    return invalid;
}

/* Keywords that apply to arrays. */
static int eval_array(vctx *c, const js_doc *doc, const json_t *s, const json_t *inst)
{
    int invalid = 0;
    size_t n = json_array_size(inst);
    const json_t *v;
    char num[64];

    if ((v = json_object_get(s, "minItems")) && (double)n < json_number_value(v)) {
        fmt_number(v, num, sizeof num);
        report(c, NULL, "must have at least %s item%s", num, json_number_value(v) == 1 ? "" : "s");
        invalid = 1;
        if (quiet(c))
            return 1;
    }
    if ((v = json_object_get(s, "maxItems")) && (double)n > json_number_value(v)) {
        fmt_number(v, num, sizeof num);
        report(c, NULL, "must have at most %s item%s", num, json_number_value(v) == 1 ? "" : "s");
        invalid = 1;
        if (quiet(c))
            return 1;
    }
    if (json_is_true(json_object_get(s, "uniqueItems"))) {
        /* one error at the array (the form field), naming the first repeated item */
        int dup = 0;
        for (size_t j = 1; j < n && !dup; j++) {
            for (size_t i = 0; i < j && !dup; i++) {
                if (js_equal(json_array_get(inst, i), json_array_get(inst, j))) {
                    report(c, NULL, "must not contain duplicates: item %zu repeats item %zu", j, i);
                    dup = 1;
                }
            }
        }
        if (dup) {
            invalid = 1;
            if (quiet(c))
                return 1;
        }
    }
    if ((v = json_object_get(s, "items")) != NULL) {
        for (size_t i = 0; i < n; i++) {
            int r = eval_child(c, doc, v, json_array_get(inst, i), NULL, i);
            if (r < 0)
                return -1;
            if (r) {
                invalid = 1;
                if (quiet(c))
                    return 1;
            }
        }
    }
    return invalid;
}

/* Keywords that apply to objects. */
static int eval_object(vctx *c, const js_doc *doc, const json_t *s, const json_t *inst)
{
    int invalid = 0;
    const json_t *req = json_object_get(s, "required");
    const json_t *props = json_object_get(s, "properties");
    const json_t *addl = json_object_get(s, "additionalProperties");

    for (size_t i = 0; i < json_array_size(req); i++) {
        const char *name = json_string_value(json_array_get(req, i));
        if (!json_object_get(inst, name)) {
            report(c, name, "required property missing");
            invalid = 1;
            if (quiet(c))
                return 1;
        }
    }
    if (props) {
        for (void *it = json_object_iter((json_t *)props); it;
             it = json_object_iter_next((json_t *)props, it)) {
            const char *name = json_object_iter_key(it);
            const json_t *child = json_object_get(inst, name);
            if (!child)
                continue;
            int r = eval_child(c, doc, json_object_iter_value(it), child, name, 0);
            if (r < 0)
                return -1;
            if (r) {
                invalid = 1;
                if (quiet(c))
                    return 1;
            }
        }
    }
    if (addl && !json_is_true(addl)) {
        for (void *it = json_object_iter((json_t *)inst); it;
             it = json_object_iter_next((json_t *)inst, it)) {
            const char *name = json_object_iter_key(it);
            if (props && json_object_get(props, name))
                continue;
            int r;
            if (json_is_false(addl)) {
                report(c, name, "unknown property");
                r = 1;
            } else {
                r = eval_child(c, doc, addl, json_object_iter_value(it), name, 0);
            }
            if (r < 0)
                return -1;
            if (r) {
                invalid = 1;
                if (quiet(c))
                    return 1;
            }
        }
    }
    return invalid;
}

/* Evaluates the keywords of the schema object s; 0 valid, 1 invalid, -1 schema error. */
static int eval_keywords(vctx *c, const js_doc *doc, const json_t *s, const json_t *inst)
{
    int invalid = 0, r;
    const json_t *v;

/* Folds a sub-result r into `invalid`; returns early on a schema error or when quiet. */
#define FOLD(expr)                                                                                 \
    do {                                                                                           \
        r = (expr);                                                                                \
        if (r < 0)                                                                                 \
            return -1;                                                                             \
        if (r) {                                                                                   \
            invalid = 1;                                                                           \
            if (quiet(c))                                                                          \
                return 1;                                                                          \
        }                                                                                          \
    } while (0)

    /* a value of the wrong type makes every other check moot: report only that */
    if ((v = json_object_get(s, "type")) && check_type(c, v, inst))
        return 1;

    if ((v = json_object_get(s, "enum")) != NULL) {
        size_t i, n = json_array_size(v);
        for (i = 0; i < n; i++)
            if (js_equal(json_array_get(v, i), inst))
                break;
        if (i == n) {
            report_enum(c, v);
            FOLD(1);
        }
    }
    if ((v = json_object_get(s, "const")) != NULL && !js_equal(v, inst)) {
        report_const(c, v);
        FOLD(1);
    }

    if (json_is_string(inst))
        FOLD(eval_string(c, s, inst));
    else if (json_is_number(inst))
        FOLD(eval_number(c, s, inst));
    else if (json_is_array(inst))
        FOLD(eval_array(c, doc, s, inst));
    else if (json_is_object(inst))
        FOLD(eval_object(c, doc, s, inst));

    if ((v = json_object_get(s, "$ref")) != NULL) {
        const char *ref = json_string_value(v);
        const js_doc *tdoc;
        const json_t *target;
        if (resolve_ref(c->reg, doc, ref, &tdoc, &target) != 0)
            return schema_error(c, "unresolvable $ref \"%s\" in %s", ref, doc->name);
        if (c->ref_chain >= JS_MAX_REF_CHAIN)
            return schema_error(c, "cyclic $ref \"%s\" in %s", ref, doc->name);
        c->ref_chain++;
        r = eval(c, tdoc, target, inst);
        c->ref_chain--;
        FOLD(r);
    }

    if ((v = json_object_get(s, "allOf")) != NULL)
        for (size_t i = 0; i < json_array_size(v); i++)
            FOLD(eval(c, doc, json_array_get(v, i), inst));

    if ((v = json_object_get(s, "anyOf")) != NULL) {
        int matched = 0;
        for (size_t i = 0; i < json_array_size(v) && !matched; i++) {
            r = eval_quiet(c, doc, json_array_get(v, i), inst);
            if (r < 0)
                return -1;
            matched = r == 0;
        }
        if (!matched) {
            report(c, NULL, "must match at least one of the allowed shapes");
            FOLD(1);
        }
    }

    if ((v = json_object_get(s, "oneOf")) != NULL) {
        size_t matches = 0;
        for (size_t i = 0; i < json_array_size(v) && matches < 2; i++) {
            r = eval_quiet(c, doc, json_array_get(v, i), inst);
            if (r < 0)
                return -1;
            matches += r == 0;
        }
        if (matches != 1) {
            report(c, NULL, "must match exactly one of the allowed shapes");
            FOLD(1);
        }
    }

    if ((v = json_object_get(s, "not")) != NULL) {
        r = eval_quiet(c, doc, v, inst);
        if (r < 0)
            return -1;
        if (r == 0) {
            report_not(c, v, inst);
            FOLD(1);
        }
    }

    if ((v = json_object_get(s, "if")) != NULL) {
        r = eval_quiet(c, doc, v, inst);
        if (r < 0)
            return -1;
        const json_t *branch = json_object_get(s, r == 0 ? "then" : "else");
        if (branch)
            FOLD(eval(c, doc, branch, inst));
    }
#undef FOLD
    return invalid;
}

static int eval(vctx *c, const js_doc *doc, const json_t *s, const json_t *inst)
{
    if (json_is_true(s))
        return 0;
    if (json_is_false(s)) {
        report(c, NULL, "must not be present");
        return 1;
    }
    if (c->depth >= JS_MAX_DEPTH) {
        report(c, NULL, "nested too deeply");
        return 1;
    }
    c->depth++;
    int r = eval_keywords(c, doc, s, inst);
    c->depth--;
    return r;
}

int js_validate(const js_registry *reg, const char *name, const json_t *instance, json_t *errors,
                size_t max_errors)
{
    vctx c;
    memset(&c, 0, sizeof c);
    c.reg = reg;
    c.errors = json_is_array(errors) && max_errors > 0 ? errors : NULL;
    c.max_errors = max_errors;

    int r;
    const js_doc *doc = NULL;
    const json_t *schema = NULL;
    if (!reg || !name || !instance) {
        r = schema_error(&c, "invalid arguments");
    } else {
        /* the name is a registry key, optionally followed by a JSON pointer fragment */
        const char *hash = strchr(name, '#');
        size_t klen = hash ? (size_t)(hash - name) : strlen(name);
        doc = find_doc(reg, name, klen);
        schema = doc ? resolve_fragment(doc->root, hash ? hash + 1 : "") : NULL;
        if (!schema)
            r = schema_error(&c, "unknown schema \"%s\"", name);
        else
            r = eval(&c, doc, schema, instance);
    }
    if (r < 0 && json_is_array(errors)) {
        char detail[300];
        snprintf(detail, sizeof detail, "schema error: %s", c.diag);
        utf8_trim_tail(detail);
        append_error(errors, c.diag_ptr, detail);
    }
    sb_free(&c.ptr);
    return r;
}
