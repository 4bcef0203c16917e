/* jsonschema_check.c — the supported vocabulary, checked in every schema when it is loaded */
#include "jsonschema_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    {"minProperties", KW_COUNT},
    {"maxProperties", KW_COUNT},
    {"uniqueItems", KW_BOOL},
    {"minimum", KW_NUMBER},
    {"maximum", KW_NUMBER},
    {"exclusiveMinimum", KW_NUMBER},
    {"exclusiveMaximum", KW_NUMBER},
    {"pattern", KW_PATTERN},
    {"format", KW_FORMAT},
    {"$ref", KW_REF},
};

/* The kind of the supported keyword key (borrowed from the table), or NULL. */
static const kw_kind *keyword_kind(const char *key)
{
    for (size_t k = 0; k < sizeof keywords / sizeof *keywords; k++)
        if (strcmp(keywords[k].name, key) == 0)
            return &keywords[k].kind;
    return NULL;
}

/* The type names, each with how an error message names a value of that type. */
static const struct {
    const char *name, *phrase;
} types[] = {
    {"null", "null"},      {"boolean", "a boolean"}, {"object", "an object"},
    {"array", "an array"}, {"number", "a number"},   {"integer", "an integer"},
    {"string", "a string"},
};

const char *js_type_phrase(const char *name)
{
    for (size_t i = 0; i < sizeof types / sizeof *types; i++)
        if (strcmp(name, types[i].name) == 0)
            return types[i].phrase;
    return NULL;
}

static int is_type_name(const json_t *v)
{
    return json_is_string(v) && js_type_phrase(json_string_value(v)) != NULL;
}

typedef struct {
    js_patterns *patterns;
    const char *file;
    struct textbuf path; /* JSON pointer of the schema node being checked, for messages */
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
        snprintf(lc->err, lc->errlen, "%s: at \"%s\": %s", lc->file, textbuf_str(&lc->path), msg);
    }
    return -1;
}

/* Compiles the pattern of the schema object node, or fails with the reason. */
static int check_pattern(load_ctx *lc, const json_t *node, const char *pattern)
{
    char why[256];
    if (js_patterns_add(lc->patterns, node, pattern, why, sizeof why) != 0)
        return load_fail(lc, "%s", why);
    return 0;
}

static int check_schema(load_ctx *lc, const json_t *s);

/* check_schema on child, with path extended by token (a key) or index (when token is NULL). */
static int check_child(load_ctx *lc, const json_t *child, const char *token, size_t index)
{
    size_t mark = lc->path.len;
    js_text_put_child(&lc->path, token, index);
    if (lc->path.failed)
        return load_fail(lc, "out of memory");
    int rc = check_schema(lc, child);
    textbuf_truncate(&lc->path, mark);
    return rc;
}

/* Checks one keyword of a schema object; returns 0 or -1 with lc->err written. */
static int check_keyword(load_ctx *lc, const json_t *s, const char *key, const json_t *val)
{
    const kw_kind *kind = keyword_kind(key);
    if (!kind)
        return load_fail(lc, "unsupported keyword \"%s\"", key);

    size_t mark = lc->path.len;
    int rc = 0;
    js_text_put_token(&lc->path, key);
    if (lc->path.failed)
        return load_fail(lc, "out of memory");

    switch (*kind) {
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
        if (!js_is_integral(val) || json_number_value(val) < 0)
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
            rc = check_pattern(lc, s, json_string_value(val));
        break;
    case KW_FORMAT:
        if (!json_is_string(val))
            rc = load_fail(lc, "must be a string");
        else if (!js_format_supported(json_string_value(val)))
            rc = load_fail(lc, "unsupported format \"%s\" (supported: uuid, date, date-time)",
                           json_string_value(val));
        break;
    case KW_REF:
        if (!json_is_string(val))
            rc = load_fail(lc, "must be a string");
        break;
    }
    textbuf_truncate(&lc->path, mark);
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

int js_check_schema(js_patterns *ps, const char *file, const json_t *root, char *err,
                    size_t errlen)
{
    load_ctx lc = {ps, file, {0}, err, errlen};
    int rc = check_schema(&lc, root);
    free(lc.path.s);
    return rc;
}

int js_keyword_asserts(const char *key)
{
    const kw_kind *kind = keyword_kind(key);
    return kind && *kind != KW_ANNOTATION;
}
