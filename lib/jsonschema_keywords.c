/* jsonschema_keywords.c — evaluation of a schema against an instance: js_eval() and each keyword */
#include "jsonschema_internal.h"

#include <stdlib.h>
#include <string.h>

#define JS_LIST_MAX 20 /* longest list of enum values quoted in a detail */
#define JS_OVERSIZE 2  /* what a check returns for an instance over its size limit: invalid,
                        * and nothing more is evaluated in it */

/*
 * Folds the result of a check (0 valid, 1 invalid, -1 schema error) into the caller's
 * `invalid`: a schema error ends the evaluation, and so does a failure once no more errors
 * can be recorded (the first failure decides when nothing is collected).
 */
#define FOLD(expr)                                                                                 \
    do {                                                                                           \
        int folded = (expr);                                                                       \
        if (folded < 0)                                                                            \
            return -1;                                                                             \
        if (folded) {                                                                              \
            invalid = 1;                                                                           \
            if (js_quiet(c))                                                                       \
                return 1;                                                                          \
        }                                                                                          \
    } while (0)

/* Evaluates without recording errors: 0 valid, 1 invalid, -1 schema error. */
static int eval_quiet(js_vctx *c, const js_doc *doc, const json_t *s, const json_t *inst)
{
    json_t *saved = c->errors;
    c->errors = NULL;
    int r = js_eval(c, doc, s, inst);
    c->errors = saved;
    return r;
}

/* Evaluates s against the child inst of the current location, named by key or index. */
static int eval_child(js_vctx *c, const js_doc *doc, const json_t *s, const json_t *inst,
                      const char *key, size_t index)
{
    size_t mark = c->ptr.len;
    unsigned chain = c->ref_chain;
    js_text_put_child(&c->ptr, key, index);
    if (c->ptr.failed)
        return js_schema_error(c, "out of memory");
    c->ref_chain = 0;
    int r = js_eval(c, doc, s, inst);
    c->ref_chain = chain;
    textbuf_truncate(&c->ptr, mark);
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
    case 'i': return js_is_integral(inst);
    case 's': return json_is_string(inst);
    default: return 0;
    }
}

/* How a message names a value of type t (a name checked at load). */
static const char *type_phrase(const char *t)
{
    const char *phrase = js_type_phrase(t);
    return phrase ? phrase : "a string";
}

/* Checks "type"; on mismatch reports e.g. "must be a string or null" and returns 1. */
static int check_type(js_vctx *c, const json_t *type, const json_t *inst)
{
    if (json_is_string(type)) {
        if (type_matches(json_string_value(type), inst))
            return 0;
        js_report(c, NULL, "must be %s", type_phrase(json_string_value(type)));
        return 1;
    }
    size_t n = json_array_size(type);
    for (size_t i = 0; i < n; i++)
        if (type_matches(json_string_value(json_array_get(type, i)), inst))
            return 0;
    if (!js_quiet(c)) {
        struct textbuf msg = {0};
        textbuf_puts(&msg, "must be ");
        for (size_t i = 0; i < n; i++) {
            if (i > 0)
                textbuf_puts(&msg, i + 1 == n ? " or " : ", ");
            textbuf_puts(&msg, type_phrase(json_string_value(json_array_get(type, i))));
        }
        js_report(c, NULL, "%s", textbuf_str(&msg));
        free(msg.s);
    }
    return 1;
}

static void report_enum(js_vctx *c, const json_t *list)
{
    if (js_quiet(c))
        return;
    struct textbuf msg = {0};
    size_t n = json_array_size(list);
    textbuf_puts(&msg, "must be one of: ");
    for (size_t i = 0; i < n && i < JS_LIST_MAX; i++) {
        if (i > 0)
            textbuf_puts(&msg, ", ");
        js_put_value(&msg, json_array_get(list, i));
    }
    if (n > JS_LIST_MAX)
        textbuf_puts(&msg, ", ...");
    js_report(c, NULL, "%s", textbuf_str(&msg));
    free(msg.s);
}

static void report_const(js_vctx *c, const json_t *v)
{
    if (js_quiet(c))
        return;
    if (json_is_object(v) || json_is_array(v)) {
        js_report(c, NULL, "must equal the expected value");
        return;
    }
    struct textbuf msg = {0};
    js_put_value(&msg, v);
    js_report(c, NULL, "must be %s", textbuf_str(&msg));
    free(msg.s);
}

/* The names of s when s is {"required": [...]} plus annotations only, else NULL. */
static const json_t *pure_required(const json_t *s)
{
    const json_t *req = json_object_get(s, "required");
    if (!json_is_array(req) || json_array_size(req) == 0)
        return NULL;
    for (void *it = json_object_iter((json_t *)s); it;
         it = json_object_iter_next((json_t *)s, it)) {
        const char *key = json_object_iter_key(it);
        if (strcmp(key, "required") == 0)
            continue;
        if (js_keyword_asserts(key))
            return NULL;
    }
    return req;
}

/*
 * Reports a failed "not" (the instance matched the schema ns). The routing patterns
 * not:{required:[x]} and not:{anyOf:[{required:[x]},{required:[y]}]} are reported at the
 * offending properties ("must not be present"); anything else at the current location.
 */
static void report_not(js_vctx *c, const json_t *ns, const json_t *inst)
{
    if (js_quiet(c))
        return;
    if (json_is_object(inst) && json_is_object(ns)) {
        const json_t *req = pure_required(ns);
        if (req && json_array_size(req) == 1) {
            js_report(c, json_string_value(json_array_get(req, 0)), "must not be present");
            return;
        }
        if (req) {
            struct textbuf msg = {0};
            for (size_t i = 0; i < json_array_size(req); i++) {
                if (i > 0)
                    textbuf_puts(&msg, ", ");
                textbuf_puts(&msg, json_string_value(json_array_get(req, i)));
            }
            js_report(c, NULL, "must not have all of: %s", textbuf_str(&msg));
            free(msg.s);
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
                    js_report(c, name, "must not be present");
                    hits++;
                }
            }
            if (simple && hits > 0)
                return;
        }
    }
    js_report(c, NULL, "must not match the disallowed shape");
}

/* Reports a failed count limit: fmt takes the limit and then "s" unless the limit is 1. */
static void report_count(js_vctx *c, const char *fmt, const json_t *limit)
{
    char num[64];
    js_fmt_number(limit, num, sizeof num);
    js_report(c, NULL, fmt, num, json_number_value(limit) == 1 ? "" : "s");
}

/* Reports a failed property count limit ("must have at most 3 properties"). */
static void report_properties(js_vctx *c, const char *bound, const json_t *limit)
{
    char num[64];
    js_fmt_number(limit, num, sizeof num);
    js_report(c, NULL, "must have %s %s propert%s", bound, num,
              json_number_value(limit) == 1 ? "y" : "ies");
}

/* 0 when the string str[0..bytes) matches the compiled "pattern" of s, 1 when not, or -1. */
static int match_pattern(js_vctx *c, const json_t *s, const char *str, size_t bytes)
{
    const regex_t *re = js_patterns_find(&c->set->patterns, s);
    if (!re)
        return js_schema_error(c, "pattern not compiled at load");
    if (js_steps(c, 1 + bytes) != 0)
        return -1;
#ifdef REG_STARTEND
    regmatch_t m[1];
    m[0].rm_so = 0;
    m[0].rm_eo = (regoff_t)bytes;
    return regexec(re, str, 1, m, REG_STARTEND) != 0;
#else
    (void)bytes;
    return regexec(re, str, 0, NULL, 0) != 0;
#endif
}

/* Keywords that apply to strings. */
static int eval_string(js_vctx *c, const json_t *s, const json_t *inst)
{
    int invalid = 0;
    const char *str = json_string_value(inst);
    size_t bytes = json_string_length(inst);
    const json_t *v;

    if ((v = json_object_get(s, "minLength")) || json_object_get(s, "maxLength")) {
        size_t len = js_utf8_length(str, bytes);
        if (v && (double)len < json_number_value(v)) {
            report_count(c, "must be at least %s character%s long", v);
            FOLD(1);
        }
        v = json_object_get(s, "maxLength");
        if (v && (double)len > json_number_value(v)) {
            /* too long: nothing more is checked in it */
            report_count(c, "must be at most %s character%s long", v);
            return JS_OVERSIZE;
        }
    }
    if ((v = json_object_get(s, "pattern")) != NULL) {
        int r = match_pattern(c, s, str, bytes);
        if (r > 0)
            js_report(c, NULL, "must match pattern %s", json_string_value(v));
        FOLD(r);
    }
    if ((v = json_object_get(s, "format")) != NULL) {
        const char *f = json_string_value(v);
        if (!js_format_matches(f, str, bytes)) {
            js_report(c, NULL, "must match format %s", f);
            FOLD(1);
        }
    }
    return invalid;
}

/* Keywords that apply to numbers. */
static int eval_number(js_vctx *c, const json_t *s, const json_t *inst)
{
    static const struct {
        const char *kw;
        int fails_when; /* js_num_cmp(inst, limit) result sign that fails */
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
        int cmp = js_num_cmp(inst, limit);
        if ((cmp < 0 && checks[i].fails_when < 0) || (cmp > 0 && checks[i].fails_when > 0) ||
            (cmp == 0 && checks[i].or_equal)) {
            js_fmt_number(limit, num, sizeof num);
            js_report(c, NULL, checks[i].msg, num);
            FOLD(1);
        }
    }
    return invalid;
}

/* An item of an array with its hash, for finding repeated items. */
struct hashed_item {
    uint64_t hash;
    size_t index;
};

static int cmp_hashed(const void *pa, const void *pb)
{
    const struct hashed_item *a = pa, *b = pb;
    if (a->hash != b->hash)
        return a->hash < b->hash ? -1 : 1;
    return a->index < b->index ? -1 : a->index > b->index;
}

/*
 * Finds the first repeated item of inst (n items): the least j whose item equals an earlier one,
 * and the first such earlier i. O(n log n): the items are sorted by hash, and only items of the
 * same hash are compared. Every comparison counts as a step, so items made to collide cannot
 * take long either. 1 with *rep and *first set, 0 when the items are distinct, -1 on error.
 */
static int find_repeat(js_vctx *c, const json_t *inst, size_t n, size_t *rep, size_t *first)
{
    if (n < 2)
        return 0;
    unsigned long log2n = 1;
    while (log2n < 64 && ((size_t)1 << log2n) < n)
        log2n++;
    if (js_steps(c, (unsigned long)n * log2n) != 0)
        return -1;
    struct hashed_item *h = malloc(n * sizeof *h);
    if (!h)
        return js_schema_error(c, "out of memory");
    for (size_t i = 0; i < n; i++) {
        h[i].hash = js_hash(json_array_get(inst, i));
        h[i].index = i;
    }
    qsort(h, n, sizeof *h, cmp_hashed);
    int found = 0;
    for (size_t run = 0; run < n;) {
        size_t end = run + 1;
        while (end < n && h[end].hash == h[run].hash)
            end++;
        /* within a run the indexes ascend: the first item equal to an earlier one is this
         * run's least repeat, and the earliest equal item before it its first occurrence */
        int in_run = 0;
        for (size_t b = run + 1; b < end && !in_run; b++) {
            if (found && h[b].index > *rep)
                break;
            for (size_t a = run; a < b && !in_run; a++) {
                if (js_steps(c, 1) != 0) {
                    free(h);
                    return -1;
                }
                if (js_equal(json_array_get(inst, h[a].index), json_array_get(inst, h[b].index))) {
                    *rep = h[b].index;
                    *first = h[a].index;
                    found = in_run = 1;
                }
            }
        }
        run = end;
    }
    free(h);
    return found;
}

/* Keywords that apply to arrays. */
static int eval_array(js_vctx *c, const js_doc *doc, const json_t *s, const json_t *inst)
{
    int invalid = 0;
    size_t n = json_array_size(inst);
    const json_t *v;

    if ((v = json_object_get(s, "minItems")) && (double)n < json_number_value(v)) {
        report_count(c, "must have at least %s item%s", v);
        FOLD(1);
    }
    if ((v = json_object_get(s, "maxItems")) && (double)n > json_number_value(v)) {
        /* too long: its items are not looked at (they could be any number) */
        report_count(c, "must have at most %s item%s", v);
        return JS_OVERSIZE;
    }
    if (json_is_true(json_object_get(s, "uniqueItems"))) {
        /* one error at the array (the form field), naming the first repeated item */
        size_t rep = 0, first = 0;
        int dup = find_repeat(c, inst, n, &rep, &first);
        if (dup > 0)
            js_report(c, NULL, "must not contain duplicates: item %zu repeats item %zu", rep,
                      first);
        FOLD(dup);
    }
    if ((v = json_object_get(s, "items")) != NULL)
        for (size_t i = 0; i < n; i++)
            FOLD(eval_child(c, doc, v, json_array_get(inst, i), NULL, i));
    return invalid;
}

/* Keywords that apply to objects. */
static int eval_object(js_vctx *c, const js_doc *doc, const json_t *s, const json_t *inst)
{
    int invalid = 0;
    const json_t *req = json_object_get(s, "required");
    const json_t *props = json_object_get(s, "properties");
    const json_t *addl = json_object_get(s, "additionalProperties");
    const json_t *v;
    size_t n = json_object_size(inst);

    if ((v = json_object_get(s, "minProperties")) && (double)n < json_number_value(v)) {
        report_properties(c, "at least", v);
        FOLD(1);
    }
    if ((v = json_object_get(s, "maxProperties")) && (double)n > json_number_value(v)) {
        /* too many: its members are not looked at */
        report_properties(c, "at most", v);
        return JS_OVERSIZE;
    }
    for (size_t i = 0; i < json_array_size(req); i++) {
        const char *name = json_string_value(json_array_get(req, i));
        if (!json_object_get(inst, name)) {
            js_report(c, name, "required property missing");
            FOLD(1);
        }
    }
    if (props) {
        for (void *it = json_object_iter((json_t *)props); it;
             it = json_object_iter_next((json_t *)props, it)) {
            const char *name = json_object_iter_key(it);
            const json_t *child = json_object_get(inst, name);
            if (child)
                FOLD(eval_child(c, doc, json_object_iter_value(it), child, name, 0));
        }
    }
    if (addl && !json_is_true(addl)) {
        for (void *it = json_object_iter((json_t *)inst); it;
             it = json_object_iter_next((json_t *)inst, it)) {
            const char *name = json_object_iter_key(it);
            if (props && json_object_get(props, name))
                continue;
            if (json_is_false(addl)) {
                js_report(c, name, "unknown property");
                FOLD(1);
            } else {
                FOLD(eval_child(c, doc, addl, json_object_iter_value(it), name, 0));
            }
        }
    }
    return invalid;
}

/* Evaluates the keywords of the schema object s; 0 valid, 1 invalid, -1 schema error. */
static int eval_keywords(js_vctx *c, const js_doc *doc, const json_t *s, const json_t *inst)
{
    int invalid = 0, r;
    const json_t *v;

    /* a value of the wrong type makes every other check moot: report only that */
    if ((v = json_object_get(s, "type")) && check_type(c, v, inst))
        return 1;

    if ((v = json_object_get(s, "enum")) != NULL) {
        size_t i, n = json_array_size(v);
        if (js_steps(c, n) != 0)
            return -1;
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
        r = eval_string(c, s, inst);
    else if (json_is_number(inst))
        r = eval_number(c, s, inst);
    else if (json_is_array(inst))
        r = eval_array(c, doc, s, inst);
    else if (json_is_object(inst))
        r = eval_object(c, doc, s, inst);
    else
        r = 0;
    if (r == JS_OVERSIZE)
        return 1; /* an instance over its size limit is not evaluated any further */
    FOLD(r);

    if ((v = json_object_get(s, "$ref")) != NULL) {
        const char *ref = json_string_value(v);
        const js_doc *tdoc;
        const json_t *target;
        if (js_resolve_ref(c->set, doc, ref, &tdoc, &target) != 0)
            return js_schema_error(c, "unresolvable $ref \"%s\" in %s", ref, doc->name);
        if (c->ref_chain >= JS_MAX_REF_CHAIN)
            return js_schema_error(c, "cyclic $ref \"%s\" in %s", ref, doc->name);
        c->ref_chain++;
        r = js_eval(c, tdoc, target, inst);
        c->ref_chain--;
        FOLD(r);
    }

    if ((v = json_object_get(s, "allOf")) != NULL)
        for (size_t i = 0; i < json_array_size(v); i++)
            FOLD(js_eval(c, doc, json_array_get(v, i), inst));

    if ((v = json_object_get(s, "anyOf")) != NULL) {
        int matched = 0;
        for (size_t i = 0; i < json_array_size(v) && !matched; i++) {
            r = eval_quiet(c, doc, json_array_get(v, i), inst);
            if (r < 0)
                return -1;
            matched = r == 0;
        }
        if (!matched) {
            js_report(c, NULL, "must match at least one of the allowed shapes");
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
            js_report(c, NULL, "must match exactly one of the allowed shapes");
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
            FOLD(js_eval(c, doc, branch, inst));
    }
    return invalid;
}

int js_eval(js_vctx *c, const js_doc *doc, const json_t *s, const json_t *inst)
{
    if (json_is_true(s))
        return 0;
    if (json_is_false(s)) {
        js_report(c, NULL, "must not be present");
        return 1;
    }
    if (js_steps(c, 1) != 0)
        return -1;
    if (c->depth >= JS_MAX_DEPTH) {
        js_report(c, NULL, "nested too deeply");
        return 1;
    }
    c->depth++;
    int r = eval_keywords(c, doc, s, inst);
    c->depth--;
    return r;
}
