/* test_jsonschema.c — cmocka tests of the JSON Schema validator in lib/jsonschema.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jsonschema.h"

/* ------------------------------------------------------------------------------------------ */
/* Helpers. Schemas are written with ' for " to keep them readable; no test text contains an */
/* apostrophe of its own.                                                                     */
/* ------------------------------------------------------------------------------------------ */

typedef struct {
    const char *name; /* relative path, may contain one '/' */
    const char *text; /* JSON with ' for " */
} file_t;

typedef struct {
    char *dir;        /* owned (malloc), removed by env_free */
    js_schema_set *reg; /* owned */
    char err[512];
} env_t;

/* Returns a malloc'ed copy of text with every ' replaced by "; the caller frees it. */
static char *dq(const char *text)
{
    char *s = strdup(text);
    assert_non_null(s);
    for (char *p = s; *p; p++)
        if (*p == '\'')
            *p = '"';
    return s;
}

static json_t *parse(const char *text)
{
    char *s = dq(text);
    json_error_t jerr;
    json_t *v = json_loads(s, JSON_DECODE_ANY, &jerr);
    if (!v)
        fail_msg("bad test JSON %s: %s", s, jerr.text);
    free(s);
    return v;
}

static void write_file(const char *dir, const char *name, const char *text, int quote)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    const char *slash = strrchr(name, '/');
    if (slash) {
        char sub[1024];
        snprintf(sub, sizeof sub, "%s/%.*s", dir, (int)(slash - name), name);
        mkdir(sub, 0700);
    }
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    char *s = quote ? dq(text) : strdup(text);
    assert_non_null(s);
    fputs(s, f);
    free(s);
    fclose(f);
}

static char *make_dir(const file_t *files, size_t n)
{
    char tmpl[] = "/tmp/test_jsonschema_XXXXXX";
    assert_non_null(mkdtemp(tmpl));
    for (size_t i = 0; i < n; i++)
        write_file(tmpl, files[i].name, files[i].text, 1);
    char *dir = strdup(tmpl);
    assert_non_null(dir);
    return dir;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void remove_dir(char *dir)
{
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(dir);
}

/* Writes files into a new folder and loads it; env.reg is NULL and env.err set on failure. */
static env_t *env_load(const file_t *files, size_t n)
{
    env_t *e = calloc(1, sizeof *e);
    assert_non_null(e);
    e->dir = make_dir(files, n);
    e->reg = js_schema_set_load_dir(e->dir, e->err, sizeof e->err);
    return e;
}

static env_t *env_ok(const file_t *files, size_t n)
{
    env_t *e = env_load(files, n);
    if (!e->reg)
        fail_msg("load failed: %s", e->err);
    return e;
}

/* One schema file "s.json". */
static env_t *one(const char *schema)
{
    file_t f = {"s.json", schema};
    return env_ok(&f, 1);
}

static void env_free(env_t *e)
{
    js_schema_set_free(e->reg);
    remove_dir(e->dir);
    free(e);
}

/* Validates inst (with ' for ") against name; returns the result, errors in *out (caller decrefs). */
static int run(const env_t *e, const char *name, const char *inst, size_t max, json_t **out)
{
    json_t *v = parse(inst);
    json_t *errs = json_array();
    int r = js_validate(e->reg, name, v, errs, max);
    json_decref(v);
    *out = errs;
    return r;
}

static const char *err_field(const json_t *errs, size_t i, const char *field)
{
    return json_string_value(json_object_get(json_array_get(errs, i), field));
}

static void expect_valid(const env_t *e, const char *name, const char *inst)
{
    json_t *errs;
    int r = run(e, name, inst, 10, &errs);
    if (r != 0) {
        char *dump = json_dumps(errs, JSON_COMPACT);
        print_error("instance %s: %s\n", inst, dump);
        free(dump);
    }
    assert_int_equal(r, 0);
    assert_int_equal(json_array_size(errs), 0);
    json_decref(errs);
}

/* Expects invalid, with the first error at pointer and (if detail is not NULL) that detail. */
static void expect_invalid(const env_t *e, const char *name, const char *inst, const char *pointer,
                           const char *detail)
{
    json_t *errs;
    int r = run(e, name, inst, 10, &errs);
    if (r != 1) {
        char *dump = json_dumps(errs, JSON_COMPACT);
        print_error("instance %s: r=%d %s\n", inst, r, dump);
        free(dump);
    }
    assert_int_equal(r, 1);
    assert_true(json_array_size(errs) >= 1);
    assert_string_equal(err_field(errs, 0, "pointer"), pointer);
    if (detail)
        assert_string_equal(err_field(errs, 0, "detail"), detail);
    json_decref(errs);
}

/* Expects a load failure whose message contains needle. */
static void expect_load_error(const file_t *files, size_t n, const char *needle)
{
    env_t *e = env_load(files, n);
    assert_null(e->reg);
    if (!strstr(e->err, needle))
        fail_msg("load error \"%s\" lacks \"%s\"", e->err, needle);
    env_free(e);
}

static void expect_schema_load_error(const char *schema, const char *needle)
{
    file_t f = {"s.json", schema};
    expect_load_error(&f, 1, needle);
}

#define S "s.json"

/* ------------------------------------------------------------------------------------------ */
/* type                                                                                       */
/* ------------------------------------------------------------------------------------------ */

static void test_type_each(void **state)
{
    (void)state;
    env_t *e = one("{'$defs': {"
                   "'s': {'type': 'string'}, 'n': {'type': 'number'}, 'i': {'type': 'integer'},"
                   "'b': {'type': 'boolean'}, 'z': {'type': 'null'}, 'o': {'type': 'object'},"
                   "'a': {'type': 'array'}}}");
    expect_valid(e, S "#/$defs/s", "'x'");
    expect_invalid(e, S "#/$defs/s", "1", "", "must be a string");
    expect_valid(e, S "#/$defs/n", "1.5");
    expect_valid(e, S "#/$defs/n", "1");
    expect_invalid(e, S "#/$defs/n", "'1'", "", "must be a number");
    expect_valid(e, S "#/$defs/b", "false");
    expect_invalid(e, S "#/$defs/b", "0", "", "must be a boolean");
    expect_valid(e, S "#/$defs/z", "null");
    expect_invalid(e, S "#/$defs/z", "false", "", "must be null");
    expect_valid(e, S "#/$defs/o", "{}");
    expect_invalid(e, S "#/$defs/o", "[]", "", "must be an object");
    expect_valid(e, S "#/$defs/a", "[]");
    expect_invalid(e, S "#/$defs/a", "{}", "", "must be an array");
    env_free(e);
}

static void test_type_integer_vs_number(void **state)
{
    (void)state;
    env_t *e = one("{'type': 'integer'}");
    expect_valid(e, S, "2");
    expect_valid(e, S, "2.0"); /* a real with no fractional part is an integer */
    expect_valid(e, S, "1e2");
    expect_valid(e, S, "-0.0");
    expect_valid(e, S, "9223372036854775807");
    expect_invalid(e, S, "2.5", "", "must be an integer");
    expect_invalid(e, S, "-0.000001", "", "must be an integer");
    expect_invalid(e, S, "'2'", "", "must be an integer");
    expect_invalid(e, S, "true", "", "must be an integer");
    env_free(e);
}

static void test_type_array(void **state)
{
    (void)state;
    env_t *e = one("{'type': ['string', 'null']}");
    expect_valid(e, S, "'x'");
    expect_valid(e, S, "null");
    expect_invalid(e, S, "3", "", "must be a string or null");
    env_free(e);
    e = one("{'type': ['string', 'integer', 'null']}");
    expect_valid(e, S, "3");
    expect_invalid(e, S, "3.5", "", "must be a string, an integer or null");
    env_free(e);
}

/* ------------------------------------------------------------------------------------------ */
/* enum, const                                                                                */
/* ------------------------------------------------------------------------------------------ */

static void test_enum(void **state)
{
    (void)state;
    env_t *e = one("{'enum': ['yes', 'no', 'dont_know']}");
    expect_valid(e, S, "'no'");
    expect_invalid(e, S, "'maybe'", "", "must be one of: yes, no, dont_know");
    expect_invalid(e, S, "null", "", "must be one of: yes, no, dont_know");
    env_free(e);
    e = one("{'enum': [1, 2, null, [1], {'a': 1}]}");
    expect_valid(e, S, "1.0"); /* 1 and 1.0 are the same number */
    expect_valid(e, S, "null");
    expect_valid(e, S, "[1]");
    expect_valid(e, S, "{'a': 1}");
    expect_invalid(e, S, "3", "", "must be one of: 1, 2, null, [1], {\"a\":1}");
    expect_invalid(e, S, "'1'", "", NULL);
    env_free(e);
}

static void test_const(void **state)
{
    (void)state;
    env_t *e = one("{'properties': {'v': {'const': 'yes'}, 'n': {'const': 0}, 'o': {'const': {'a': [1]}}}}");
    expect_valid(e, S, "{'v': 'yes', 'n': 0.0, 'o': {'a': [1]}}");
    expect_invalid(e, S, "{'v': 'no'}", "/v", "must be yes");
    expect_invalid(e, S, "{'n': false}", "/n", "must be 0");
    expect_invalid(e, S, "{'o': {'a': [2]}}", "/o", "must equal the expected value");
    env_free(e);
}

/* ------------------------------------------------------------------------------------------ */
/* objects                                                                                    */
/* ------------------------------------------------------------------------------------------ */

static void test_required_points_at_missing_property(void **state)
{
    (void)state;
    env_t *e = one("{'type': 'object', 'required': ['answers'], 'properties': {"
                   "'answers': {'type': 'object', 'required': ['q03', 'q04']}}}");
    expect_valid(e, S, "{'answers': {'q03': 1, 'q04': 2}}");
    expect_invalid(e, S, "{}", "/answers", "required property missing");
    expect_invalid(e, S, "{'answers': {'q03': 1}}", "/answers/q04", "required property missing");
    /* both missing: two errors, in the order of "required" */
    json_t *errs;
    assert_int_equal(run(e, S, "{'answers': {}}", 10, &errs), 1);
    assert_int_equal(json_array_size(errs), 2);
    assert_string_equal(err_field(errs, 0, "pointer"), "/answers/q03");
    assert_string_equal(err_field(errs, 1, "pointer"), "/answers/q04");
    json_decref(errs);
    env_free(e);
}

static void test_properties_and_pointer_escaping(void **state)
{
    (void)state;
    env_t *e = one("{'properties': {'a/b': {'type': 'string'}, 'm~n': {'type': 'string'},"
                   "'o': {'properties': {'x y': {'type': 'string'}, '': {'type': 'null'}}}},"
                   "'required': ['c/d']}");
    expect_invalid(e, S, "{'a/b': 1, 'c/d': 0}", "/a~1b", "must be a string");
    expect_invalid(e, S, "{'m~n': 1, 'c/d': 0}", "/m~0n", "must be a string");
    expect_invalid(e, S, "{'o': {'x y': 1}, 'c/d': 0}", "/o/x y", "must be a string");
    expect_invalid(e, S, "{'o': {'': 1}, 'c/d': 0}", "/o/", "must be null");
    expect_invalid(e, S, "{}", "/c~1d", "required property missing");
    expect_valid(e, S, "{'a/b': 'x', 'c/d': 0, 'other': 1}");
    env_free(e);
}

static void test_additional_properties(void **state)
{
    (void)state;
    env_t *e = one("{'properties': {'a': {}}, 'additionalProperties': false}");
    expect_valid(e, S, "{'a': 1}");
    expect_invalid(e, S, "{'a': 1, 'zz': 2}", "/zz", "unknown property");
    expect_valid(e, S, "[1]"); /* object keywords ignore other types */
    env_free(e);
    e = one("{'properties': {'a': {}}, 'additionalProperties': {'type': 'integer', 'minimum': 0}}");
    expect_valid(e, S, "{'a': 'x', 'b': 1, 'c': 2}");
    expect_invalid(e, S, "{'a': 'x', 'b': -1}", "/b", "must be at least 0");
    env_free(e);
    e = one("{'additionalProperties': true}");
    expect_valid(e, S, "{'a': 1}");
    env_free(e);
}

/* ------------------------------------------------------------------------------------------ */
/* arrays                                                                                     */
/* ------------------------------------------------------------------------------------------ */

static void test_items_min_max(void **state)
{
    (void)state;
    env_t *e = one("{'properties': {'list': {'type': 'array', 'items': {'type': 'integer'},"
                   "'minItems': 1, 'maxItems': 3}}}");
    expect_valid(e, S, "{'list': [1, 2, 3]}");
    expect_invalid(e, S, "{'list': [1, 2, 'x']}", "/list/2", "must be an integer");
    expect_invalid(e, S, "{'list': []}", "/list", "must have at least 1 item");
    expect_invalid(e, S, "{'list': [1, 2, 3, 4]}", "/list", "must have at most 3 items");
    env_free(e);
}

static void test_unique_items(void **state)
{
    (void)state;
    env_t *e = one("{'uniqueItems': true}");
    expect_valid(e, S, "[1, 2, '1', [1], {'a': 1}, {'a': 2}, true, false, null]");
    expect_invalid(e, S, "['a', 'b', 'a']", "", "must not contain duplicates: item 2 repeats item 0");
    expect_invalid(e, S, "[1, 1.0]", "", "must not contain duplicates: item 1 repeats item 0");
    expect_invalid(e, S, "[{'a': 1, 'b': 2}, {'b': 2, 'a': 1}]", "", NULL);
    expect_invalid(e, S, "[[1, 2], [1, 2]]", "", NULL);
    /* at the array, once, even with several repeats */
    env_free(e);
    e = one("{'properties': {'ids': {'uniqueItems': true}}}");
    json_t *errs;
    assert_int_equal(run(e, S, "{'ids': [3, 3, 4, 4]}", 10, &errs), 1);
    assert_int_equal(json_array_size(errs), 1);
    assert_string_equal(err_field(errs, 0, "pointer"), "/ids");
    assert_string_equal(err_field(errs, 0, "detail"), "must not contain duplicates: item 1 repeats item 0");
    json_decref(errs);
    env_free(e);
    e = one("{'uniqueItems': false}");
    expect_valid(e, S, "[1, 1]");
    env_free(e);
}

/* An array of n distinct integers (i * 7 + 1), with item `at` (when at < n) equal to item `of`. */
static json_t *int_array(size_t n, size_t at, size_t of)
{
    json_t *a = json_array();
    assert_non_null(a);
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_integer((json_int_t)((i == at ? of : i) * 7 + 1)));
    return a;
}

static void test_unique_items_large_arrays(void **state)
{
    (void)state;
    env_t *e = one("{'uniqueItems': true}");
    json_t *errs = json_array();
    /* 40,000 distinct integers: accepted (comparing every pair would take ~800 million steps,
     * well past the budget, so this also shows the check is not quadratic) */
    json_t *a = int_array(40000, SIZE_MAX, 0);
    assert_int_equal(js_validate(e->reg, S, a, errs, 10), 0);
    assert_int_equal(json_array_size(errs), 0);
    json_decref(a);
    /* one repeat near the end is found and named */
    a = int_array(40000, 39990, 17);
    assert_int_equal(js_validate(e->reg, S, a, errs, 10), 1);
    assert_string_equal(err_field(errs, 0, "detail"),
                        "must not contain duplicates: item 39990 repeats item 17");
    json_decref(a);
    json_array_clear(errs);
    /* the first repeat (least index) is the one named, whatever the hash order */
    a = int_array(5000, 4000, 3);
    json_array_set_new(a, 2500, json_integer(9 * 7 + 1)); /* item 2500 repeats item 9 */
    assert_int_equal(js_validate(e->reg, S, a, errs, 10), 1);
    assert_string_equal(err_field(errs, 0, "detail"),
                        "must not contain duplicates: item 2500 repeats item 9");
    json_decref(a);
    json_array_clear(errs);
    /* equal by JSON Schema but not byte for byte: 1 and 1.0, objects in another member order,
     * -0.0 and 0 */
    a = int_array(3000, SIZE_MAX, 0);
    json_array_append_new(a, json_real(1.0)); /* item 0 is 1 */
    assert_int_equal(js_validate(e->reg, S, a, errs, 10), 1);
    assert_string_equal(err_field(errs, 0, "detail"),
                        "must not contain duplicates: item 3000 repeats item 0");
    json_decref(a);
    json_array_clear(errs);
    expect_invalid(e, S, "[{'x': [1, {'y': 2, 'z': 3}]}, 5, {'x': [1.0, {'z': 3, 'y': 2}]}]", "",
                   "must not contain duplicates: item 2 repeats item 0");
    expect_invalid(e, S, "[0, -0.0]", "", "must not contain duplicates: item 1 repeats item 0");
    /* large integers that share a double are still told apart */
    expect_valid(e, S, "[9007199254740993, 9007199254740992, 'x']");
    /* many distinct strings and arrays */
    a = json_array();
    for (int i = 0; i < 20000; i++) {
        char buf[32];
        snprintf(buf, sizeof buf, "item-%d", i);
        json_array_append_new(a, i % 2 ? json_string(buf) : json_pack("[s, i]", buf, i));
    }
    assert_int_equal(js_validate(e->reg, S, a, errs, 10), 0);
    json_array_append_new(a, json_pack("[s, i]", "item-10", 10));
    assert_int_equal(js_validate(e->reg, S, a, errs, 10), 1);
    assert_string_equal(err_field(errs, 0, "detail"),
                        "must not contain duplicates: item 20000 repeats item 10");
    json_decref(a);
    json_decref(errs);
    env_free(e);
}

/* A failed maxItems stops there: the items of an array that is too long are not evaluated. */
static void test_too_long_array_not_evaluated(void **state)
{
    (void)state;
    env_t *e = one("{'properties': {'list': {'type': 'array', 'maxItems': 3, 'uniqueItems': true,"
                   "'items': {'type': 'string'}}, 'name': {'type': 'string', 'maxLength': 2,"
                   "'pattern': '^[a-z]+$'}}}");
    json_t *errs;
    assert_int_equal(run(e, S, "{'list': [1, 2, 2, 3, 4]}", 50, &errs), 1);
    assert_int_equal(json_array_size(errs), 1); /* no "must be a string", no duplicate error */
    assert_string_equal(err_field(errs, 0, "pointer"), "/list");
    assert_string_equal(err_field(errs, 0, "detail"), "must have at most 3 items");
    json_decref(errs);
    assert_int_equal(run(e, S, "{'name': 'ABC'}", 50, &errs), 1);
    assert_int_equal(json_array_size(errs), 1); /* the pattern is not tried on it */
    assert_string_equal(err_field(errs, 0, "detail"), "must be at most 2 characters long");
    json_decref(errs);
    env_free(e);
}

static void test_min_max_properties(void **state)
{
    (void)state;
    env_t *e = one("{'properties': {'o': {'minProperties': 1, 'maxProperties': 2,"
                   "'additionalProperties': {'type': 'integer'}}, 'p': {'maxProperties': 1}}}");
    expect_valid(e, S, "{'o': {'a': 1}}");
    expect_valid(e, S, "{'o': {'a': 1, 'b': 2}}");
    expect_valid(e, S, "{'p': {}}");
    expect_invalid(e, S, "{'o': {}}", "/o", "must have at least 1 property");
    expect_invalid(e, S, "{'p': {'a': 1, 'b': 2}}", "/p", "must have at most 1 property");
    /* too many members: reported once, and the members are not evaluated */
    json_t *errs;
    assert_int_equal(run(e, S, "{'o': {'a': 'x', 'b': 'y', 'c': 'z'}}", 50, &errs), 1);
    assert_int_equal(json_array_size(errs), 1);
    assert_string_equal(err_field(errs, 0, "pointer"), "/o");
    assert_string_equal(err_field(errs, 0, "detail"), "must have at most 2 properties");
    json_decref(errs);
    /* within the limit the members are evaluated */
    expect_invalid(e, S, "{'o': {'a': 'x'}}", "/o/a", "must be an integer");
    /* not numbers of the kind a count needs: refused at load */
    expect_schema_load_error("{'maxProperties': -1}", "non-negative integer");
    expect_schema_load_error("{'minProperties': 'a'}", "non-negative integer");
    env_free(e);
}

/* The step budget: a document needing more work than the cap is refused (1, not -1), with one
 * error saying why, before the errors collected so far; below the cap the same document is
 * checked in full. */
static void test_step_budget(void **state)
{
    (void)state;
    unsigned long saved = js_steps_max();
    assert_int_equal(saved, JS_STEPS_MAX_DEFAULT);
    env_t *e = one("{'type': 'array', 'items': {'type': 'object', 'properties': {'k': {'enum':"
                   "['a', 'b', 'c', 'd']}}}}");
    json_t *doc = json_array(), *errs = json_array();
    for (int i = 0; i < 5000; i++)
        json_array_append_new(doc, json_pack("{s:s}", "k", i == 4999 ? "z" : "a"));
    /* at the default, checked in full: the bad last item is found */
    assert_int_equal(js_validate(e->reg, S, doc, errs, 10), 1);
    assert_int_equal(json_array_size(errs), 1);
    assert_string_equal(err_field(errs, 0, "pointer"), "/4999/k");
    json_array_clear(errs);
    /* with a cap below what 5,000 items need: stopped, and said so first */
    js_set_steps_max(10000);
    assert_int_equal(js_steps_max(), 10000);
    assert_int_equal(js_validate(e->reg, S, doc, errs, 10), 1);
    assert_int_equal(json_array_size(errs), 1);
    assert_string_equal(err_field(errs, 0, "pointer"), "");
    assert_non_null(strstr(err_field(errs, 0, "detail"), "validation stopped after 10000 steps"));
    json_array_clear(errs);
    /* quietly (no errors collected) it is still invalid, never a schema error */
    assert_int_equal(js_validate(e->reg, S, doc, NULL, 0), 1);
    /* the errors found before the cap stay, after the reason */
    json_array_set_new(doc, 1, json_pack("{s:s}", "k", "y"));
    assert_int_equal(js_validate(e->reg, S, doc, errs, 10), 1);
    assert_int_equal(json_array_size(errs), 2);
    assert_string_equal(err_field(errs, 0, "pointer"), "");
    assert_string_equal(err_field(errs, 1, "pointer"), "/1/k");
    json_array_clear(errs);
    /* a small document passes under the same cap */
    json_t *small = json_pack("[{s:s}, {s:s}]", "k", "a", "k", "b");
    assert_int_equal(js_validate(e->reg, S, small, errs, 10), 0);
    json_decref(small);
    env_free(e);
    /* uniqueItems counts its work: 40,000 distinct items exceed a cap of 100,000 steps */
    e = one("{'uniqueItems': true}");
    js_set_steps_max(100000);
    json_t *big = int_array(40000, SIZE_MAX, 0);
    assert_int_equal(js_validate(e->reg, S, big, errs, 10), 1);
    assert_non_null(strstr(err_field(errs, 0, "detail"), "validation stopped"));
    json_array_clear(errs);
    js_set_steps_max(saved);
    assert_int_equal(js_validate(e->reg, S, big, errs, 10), 0);
    json_decref(big);
    /* the budget is clamped, never 0 */
    js_set_steps_max(0);
    assert_int_equal(js_steps_max(), 1);
    js_set_steps_max(saved);
    json_decref(errs);
    json_decref(doc);
    env_free(e);
}

/* ------------------------------------------------------------------------------------------ */
/* numbers                                                                                    */
/* ------------------------------------------------------------------------------------------ */

static void test_numeric_limits(void **state)
{
    (void)state;
    env_t *e = one("{'$defs': {'min': {'minimum': 1}, 'max': {'maximum': 10},"
                   "'xmin': {'exclusiveMinimum': 0}, 'xmax': {'exclusiveMaximum': 2.5},"
                   "'fmin': {'minimum': 0.1}}}");
    expect_valid(e, S "#/$defs/min", "1");
    expect_valid(e, S "#/$defs/min", "1.0");
    expect_invalid(e, S "#/$defs/min", "0", "", "must be at least 1");
    expect_invalid(e, S "#/$defs/min", "0.999", "", "must be at least 1");
    expect_valid(e, S "#/$defs/min", "'0'"); /* numeric keywords ignore other types */
    expect_valid(e, S "#/$defs/max", "10");
    expect_invalid(e, S "#/$defs/max", "10.5", "", "must be at most 10");
    expect_invalid(e, S "#/$defs/xmin", "0", "", "must be greater than 0");
    expect_valid(e, S "#/$defs/xmin", "0.0001");
    expect_invalid(e, S "#/$defs/xmax", "2.5", "", "must be less than 2.5");
    expect_invalid(e, S "#/$defs/xmax", "3", "", "must be less than 2.5");
    expect_valid(e, S "#/$defs/xmax", "2");
    expect_invalid(e, S "#/$defs/fmin", "0", "", "must be at least 0.1");
    expect_valid(e, S "#/$defs/fmin", "0.1");
    env_free(e);
    /* integers beyond 2^53 compare exactly against reals */
    e = one("{'maximum': 9007199254740992.0}");
    expect_valid(e, S, "9007199254740992");
    expect_invalid(e, S, "9007199254740993", "", NULL);
    env_free(e);
    e = one("{'minimum': -1.5}");
    expect_valid(e, S, "-1");
    expect_invalid(e, S, "-2", "", "must be at least -1.5");
    env_free(e);
}

/* ------------------------------------------------------------------------------------------ */
/* strings                                                                                    */
/* ------------------------------------------------------------------------------------------ */

static void test_string_length_counts_code_points(void **state)
{
    (void)state;
    env_t *e = one("{'minLength': 2, 'maxLength': 3}");
    expect_valid(e, S, "'ab'");
    expect_valid(e, S, "'\xc3\xa9t\xc3\xa9'");         /* été: 3 code points, 5 bytes */
    expect_valid(e, S, "'\xe6\x97\xa5\xe6\x9c\xac'"); /* 日本: 2 code points, 6 bytes */
    expect_valid(e, S, "'\xf0\x9f\x98\x80\xf0\x9f\x98\x80'"); /* two emoji, 8 bytes */
    expect_invalid(e, S, "'\xf0\x9f\x98\x80'", "", "must be at least 2 characters long");
    expect_invalid(e, S, "'abcd'", "", "must be at most 3 characters long");
    expect_invalid(e, S, "'\xc3\xa9t\xc3\xa9s'", "", "must be at most 3 characters long");
    expect_valid(e, S, "5"); /* string keywords ignore other types */
    env_free(e);
    e = one("{'minLength': 1}");
    expect_invalid(e, S, "''", "", "must be at least 1 character long");
    env_free(e);
}

static void test_pattern(void **state)
{
    (void)state;
    env_t *e = one("{'$defs': {"
                   "'d': {'pattern': '^\\\\d{3}-\\\\d{2}$'},"
                   "'w': {'pattern': '^\\\\w+$'},"
                   "'search': {'pattern': 'b+'},"
                   "'cls': {'pattern': '^[A-Z\\\\-\\\\d_]+$'},"
                   "'neg': {'pattern': '^[^\\\\]x]+$'},"
                   "'dec': {'pattern': '^\\\\d+(?:\\\\.\\\\d{1,2})?$'},"
                   "'lazy': {'pattern': '^a+?b*?$'},"
                   "'dot': {'pattern': '^a.c$'},"
                   "'slash': {'pattern': '^\\\\/x\\\\/$'},"
                   "'utf': {'pattern': '^caf\xc3\xa9+$'},"
                   "'caret': {'pattern': '^[\\\\^]+$'},"
                   "'rb': {'pattern': '^[\\\\]a-]+$'},"
                   "'brace': {'pattern': '^a{2}[{}]$'}"
                   "}}");
    expect_valid(e, S "#/$defs/d", "'123-45'");
    expect_invalid(e, S "#/$defs/d", "'12-345'", "", "must match pattern ^\\d{3}-\\d{2}$");
    expect_invalid(e, S "#/$defs/d", "'a23-45'", "", NULL);
    expect_valid(e, S "#/$defs/w", "'abc_09'");
    expect_invalid(e, S "#/$defs/w", "'ab c'", "", NULL);
    expect_valid(e, S "#/$defs/search", "'abbc'"); /* not anchored: a search, as in ECMA */
    expect_invalid(e, S "#/$defs/search", "'ac'", "", NULL);
    expect_valid(e, S "#/$defs/cls", "'AB-12_'");
    expect_invalid(e, S "#/$defs/cls", "'ab'", "", NULL);
    expect_valid(e, S "#/$defs/neg", "'abc'");
    expect_invalid(e, S "#/$defs/neg", "'a]c'", "", NULL);
    expect_invalid(e, S "#/$defs/neg", "'axc'", "", NULL);
    expect_valid(e, S "#/$defs/dec", "'12.50'");
    expect_valid(e, S "#/$defs/dec", "'12'");
    expect_invalid(e, S "#/$defs/dec", "'12.'", "", NULL);
    expect_invalid(e, S "#/$defs/dec", "'12x50'", "", NULL);
    expect_valid(e, S "#/$defs/lazy", "'aab'");
    expect_valid(e, S "#/$defs/dot", "'abc'");
    expect_invalid(e, S "#/$defs/dot", "'a\\nc'", "", NULL); /* '.' excludes line breaks */
    expect_valid(e, S "#/$defs/slash", "'/x/'");
    expect_valid(e, S "#/$defs/utf", "'caf\xc3\xa9\xc3\xa9'"); /* + repeats the whole é */
    expect_invalid(e, S "#/$defs/utf", "'cafe'", "", NULL);
    expect_valid(e, S "#/$defs/caret", "'^^'");
    expect_invalid(e, S "#/$defs/caret", "'a'", "", NULL);
    expect_valid(e, S "#/$defs/rb", "']-a'");
    expect_invalid(e, S "#/$defs/rb", "'b'", "", NULL);
    expect_valid(e, S "#/$defs/brace", "'aa}'");
    expect_invalid(e, S "#/$defs/brace", "'a{'", "", NULL);
    expect_valid(e, S "#/$defs/d", "12"); /* pattern ignores non-strings */
    env_free(e);
}

static void test_pattern_unsupported_rejected_at_load(void **state)
{
    (void)state;
    expect_schema_load_error("{'pattern': '^(?=a)b'}", "look-around");
    expect_schema_load_error("{'pattern': '\\\\bword'}", "unsupported escape");
    expect_schema_load_error("{'pattern': '(a)\\\\1'}", "unsupported escape");
    expect_schema_load_error("{'pattern': '[\\\\D]'}", "negated class");
    expect_schema_load_error("{'pattern': '\\\\u00e9'}", "unsupported escape");
    expect_schema_load_error("{'pattern': '[a-'}", "unterminated");
    expect_schema_load_error("{'pattern': '(ab'}", "does not compile");
    expect_schema_load_error("{'pattern': 7}", "must be a string");
}

static void test_format_uuid(void **state)
{
    (void)state;
    env_t *e = one("{'format': 'uuid'}");
    expect_valid(e, S, "'123e4567-e89b-12d3-a456-426614174000'");
    expect_valid(e, S, "'123E4567-E89B-12D3-A456-426614174000'");
    expect_invalid(e, S, "'123e4567e89b12d3a456426614174000'", "", "must match format uuid");
    expect_invalid(e, S, "'123e4567-e89b-12d3-a456-42661417400g'", "", NULL);
    expect_invalid(e, S, "'123e4567-e89b-12d3-a456-4266141740001'", "", NULL);
    expect_invalid(e, S, "''", "", NULL);
    expect_valid(e, S, "42"); /* format ignores non-strings */
    env_free(e);
}

static void test_format_date(void **state)
{
    (void)state;
    env_t *e = one("{'format': 'date'}");
    expect_valid(e, S, "'2024-02-29'");
    expect_valid(e, S, "'2000-02-29'");
    expect_valid(e, S, "'2023-12-31'");
    expect_invalid(e, S, "'2023-02-29'", "", "must match format date");
    expect_invalid(e, S, "'1900-02-29'", "", NULL);
    expect_invalid(e, S, "'2023-04-31'", "", NULL);
    expect_invalid(e, S, "'2023-13-01'", "", NULL);
    expect_invalid(e, S, "'2023-00-10'", "", NULL);
    expect_invalid(e, S, "'2023-01-00'", "", NULL);
    expect_invalid(e, S, "'2023-1-01'", "", NULL);
    expect_invalid(e, S, "'2023-01-01T00:00:00Z'", "", NULL);
    expect_invalid(e, S, "'20230101'", "", NULL);
    env_free(e);
}

static void test_format_date_time(void **state)
{
    (void)state;
    env_t *e = one("{'format': 'date-time'}");
    expect_valid(e, S, "'2024-05-01T13:45:00Z'");
    expect_valid(e, S, "'2024-05-01t13:45:00z'");
    expect_valid(e, S, "'2024-05-01T13:45:00.123456+02:00'");
    expect_valid(e, S, "'2024-05-01T13:45:00-08:30'");
    expect_valid(e, S, "'1998-12-31T23:59:60Z'");
    expect_valid(e, S, "'1998-12-31T15:59:60.5-08:00'");
    expect_invalid(e, S, "'1998-12-31T22:59:60Z'", "", "must match format date-time");
    expect_invalid(e, S, "'2024-05-01T13:45:00'", "", NULL);
    expect_invalid(e, S, "'2024-05-01 13:45:00Z'", "", NULL);
    expect_invalid(e, S, "'2024-05-01T24:00:00Z'", "", NULL);
    expect_invalid(e, S, "'2024-05-01T13:60:00Z'", "", NULL);
    expect_invalid(e, S, "'2024-05-01T13:45:00.Z'", "", NULL);
    expect_invalid(e, S, "'2024-05-01T13:45:00+0200'", "", NULL);
    expect_invalid(e, S, "'2023-02-29T13:45:00Z'", "", NULL);
    expect_invalid(e, S, "'2024-05-01T13:45Z'", "", NULL);
    env_free(e);
}

static void test_unsupported_format_rejected(void **state)
{
    (void)state;
    expect_schema_load_error("{'format': 'email'}", "unsupported format \"email\"");
}

/* ------------------------------------------------------------------------------------------ */
/* $ref                                                                                       */
/* ------------------------------------------------------------------------------------------ */

static void test_ref_local_and_escaped(void **state)
{
    (void)state;
    env_t *e = one("{'$defs': {'pos': {'type': 'integer', 'minimum': 1}, 'a/b': {'const': 1},"
                   "'t~x': {'const': 2}, 'sp ace': {'const': 3}, 'holder': {'allOf': [{'const': 4}]}},"
                   "'properties': {'n': {'$ref': '#/$defs/pos'}, 'e1': {'$ref': '#/$defs/a~1b'},"
                   "'e2': {'$ref': '#/$defs/t~0x'}, 'e3': {'$ref': '#/$defs/sp%20ace'},"
                   "'e4': {'$ref': '#/$defs/holder/allOf/0'}, 'self': {'$ref': '#'}}}");
    expect_valid(e, S, "{'n': 1, 'e1': 1, 'e2': 2, 'e3': 3, 'e4': 4, 'self': {'n': 2}}");
    expect_invalid(e, S, "{'n': 0}", "/n", "must be at least 1");
    expect_invalid(e, S, "{'e1': 2}", "/e1", "must be 1");
    expect_invalid(e, S, "{'e2': 1}", "/e2", "must be 2");
    expect_invalid(e, S, "{'e3': 1}", "/e3", "must be 3");
    expect_invalid(e, S, "{'e4': 1}", "/e4", "must be 4");
    expect_invalid(e, S, "{'self': {'n': 'x'}}", "/self/n", "must be an integer");
    env_free(e);
}

static void test_ref_cross_file(void **state)
{
    (void)state;
    file_t files[] = {
        {"common.json", "{'$id': 'https://example.org/schemas/common.json',"
                        "'$defs': {'uuid': {'type': 'string', 'format': 'uuid'},"
                        "'yn': {'enum': ['yes', 'no']}}}"},
        {"whole.json", "{'type': 'object', 'required': ['k']}"},
        {"main.json", "{'$id': 'https://example.org/schemas/main.json',"
                      "'properties': {'id': {'$ref': 'common.json#/$defs/uuid'},"
                      "'yn': {'$ref': 'https://example.org/schemas/common.json#/$defs/yn'},"
                      "'w': {'$ref': 'whole.json'}, 'sub': {'$ref': 'forms/form.json'}}}"},
        {"forms/form.json", "{'properties': {'q': {'$ref': '../common.json#/$defs/yn'},"
                            "'r': {'$ref': 'local.json'}}}"},
        {"forms/local.json", "{'type': 'integer'}"},
    };
    env_t *e = env_ok(files, sizeof files / sizeof *files);
    expect_valid(e, "main.json", "{'id': '123e4567-e89b-12d3-a456-426614174000', 'yn': 'no',"
                                 "'w': {'k': 1}, 'sub': {'q': 'yes', 'r': 3}}");
    expect_invalid(e, "main.json", "{'id': 'nope'}", "/id", "must match format uuid");
    expect_invalid(e, "main.json", "{'yn': 'maybe'}", "/yn", "must be one of: yes, no");
    expect_invalid(e, "main.json", "{'w': {}}", "/w/k", "required property missing");
    expect_invalid(e, "main.json", "{'sub': {'q': 1}}", "/sub/q", "must be one of: yes, no");
    expect_invalid(e, "main.json", "{'sub': {'r': 'x'}}", "/sub/r", "must be an integer");
    /* lookups by $id and with a fragment */
    expect_valid(e, "https://example.org/schemas/main.json", "{'yn': 'yes'}");
    expect_invalid(e, "common.json#/$defs/yn", "'x'", "", "must be one of: yes, no");
    env_free(e);
}

static void test_ref_unresolvable_and_unknown_schema(void **state)
{
    (void)state;
    env_t *e = one("{'properties': {'a': {'$ref': 'missing.json#/$defs/x'},"
                   "'b': {'$ref': '#/$defs/nope'}, 'c': {'$ref': '#anchor'}}}");
    json_t *errs;
    assert_int_equal(run(e, S, "{'a': 1}", 10, &errs), -1);
    assert_int_equal(json_array_size(errs), 1);
    assert_non_null(strstr(err_field(errs, 0, "detail"), "schema error: unresolvable $ref"));
    assert_string_equal(err_field(errs, 0, "pointer"), "/a");
    json_decref(errs);
    assert_int_equal(run(e, S, "{'b': 1}", 10, &errs), -1);
    json_decref(errs);
    assert_int_equal(run(e, S, "{'c': 1}", 10, &errs), -1);
    json_decref(errs);
    /* a $ref that is never reached does no harm */
    expect_valid(e, S, "{'z': 1}");
    assert_int_equal(run(e, "nope.json", "{}", 10, &errs), -1);
    assert_non_null(strstr(err_field(errs, 0, "detail"), "unknown schema"));
    json_decref(errs);
    assert_int_equal(run(e, S "#/nope", "{}", 10, &errs), -1);
    json_decref(errs);
    /* NULL errors is allowed */
    json_t *v = json_object();
    assert_int_equal(js_validate(e->reg, "nope.json", v, NULL, 10), -1);
    assert_int_equal(js_validate(NULL, S, v, NULL, 10), -1);
    json_decref(v);
    env_free(e);
}

static void test_ref_cycles_do_not_crash(void **state)
{
    (void)state;
    env_t *e = one("{'$defs': {'self': {'$ref': '#/$defs/self'},"
                   "'a': {'$ref': '#/$defs/b'}, 'b': {'allOf': [{'$ref': '#/$defs/a'}]},"
                   "'tree': {'type': 'object', 'properties': {'kids': {'type': 'array',"
                   "'items': {'$ref': '#/$defs/tree'}}}, 'additionalProperties': false}}}");
    json_t *errs;
    assert_int_equal(run(e, S "#/$defs/self", "1", 10, &errs), -1);
    assert_non_null(strstr(err_field(errs, 0, "detail"), "cyclic $ref"));
    json_decref(errs);
    assert_int_equal(run(e, S "#/$defs/a", "{}", 10, &errs), -1);
    json_decref(errs);
    /* a recursive schema is fine as long as the instance ends */
    expect_valid(e, S "#/$defs/tree", "{'kids': [{'kids': []}, {}]}");
    expect_invalid(e, S "#/$defs/tree", "{'kids': [{'kids': [{'x': 1}]}]}", "/kids/0/kids/0/x",
                   "unknown property");
    /* ... and a hostile deep instance is refused rather than overflowing the stack */
    char deep[8192] = "";
    for (int i = 0; i < 200; i++)
        strcat(deep, "{'kids': [");
    strcat(deep, "{}");
    for (int i = 0; i < 200; i++)
        strcat(deep, "]}");
    assert_int_equal(run(e, S "#/$defs/tree", deep, 10, &errs), 1);
    assert_string_equal(err_field(errs, 0, "detail"), "nested too deeply");
    json_decref(errs);
    env_free(e);
}

/* ------------------------------------------------------------------------------------------ */
/* combinators                                                                                */
/* ------------------------------------------------------------------------------------------ */

static void test_all_of(void **state)
{
    (void)state;
    env_t *e = one("{'properties': {'v': {'allOf': [{'type': 'integer'}, {'minimum': 3}, {'maximum': 5}]}}}");
    expect_valid(e, S, "{'v': 4}");
    expect_invalid(e, S, "{'v': 2}", "/v", "must be at least 3");
    expect_invalid(e, S, "{'v': 6}", "/v", "must be at most 5");
    expect_invalid(e, S, "{'v': 'x'}", "/v", "must be an integer");
    env_free(e);
}

static void test_any_of_one_of(void **state)
{
    (void)state;
    env_t *e = one("{'properties': {"
                   "'any': {'anyOf': [{'type': 'string'}, {'type': 'integer', 'minimum': 0}]},"
                   "'one': {'oneOf': [{'type': 'integer'}, {'minimum': 10}]}}}");
    expect_valid(e, S, "{'any': 'x'}");
    expect_valid(e, S, "{'any': 2}");
    expect_invalid(e, S, "{'any': -1}", "/any", "must match at least one of the allowed shapes");
    expect_invalid(e, S, "{'any': null}", "/any", NULL);
    expect_valid(e, S, "{'one': 3}");     /* integer, below 10 */
    expect_valid(e, S, "{'one': 10.5}");  /* not integer, at least 10 */
    expect_invalid(e, S, "{'one': 12}", "/one", "must match exactly one of the allowed shapes");
    expect_invalid(e, S, "{'one': 2.5}", "/one", "must match exactly one of the allowed shapes");
    /* one error only, at the instance location */
    json_t *errs;
    assert_int_equal(run(e, S, "{'any': null}", 10, &errs), 1);
    assert_int_equal(json_array_size(errs), 1);
    json_decref(errs);
    env_free(e);
}

static void test_not(void **state)
{
    (void)state;
    env_t *e = one("{'properties': {'v': {'not': {'type': 'string'}}}}");
    expect_valid(e, S, "{'v': 1}");
    expect_invalid(e, S, "{'v': 'x'}", "/v", "must not match the disallowed shape");
    env_free(e);
}

static void test_not_required_routing_pattern(void **state)
{
    (void)state;
    env_t *e = one("{'properties': {'answers': {'type': 'object',"
                   "'allOf': ["
                   " {'if': {'properties': {'q03': {'const': 'no'}}, 'required': ['q03']},"
                   "  'then': {'not': {'required': ['q04']}},"
                   "  'else': {'required': ['q04']}},"
                   " {'if': {'properties': {'q05': {'const': 'no'}}, 'required': ['q05']},"
                   "  'then': {'not': {'anyOf': [{'required': ['q06']}, {'required': ['q07']}]}}},"
                   " {'not': {'required': ['a', 'b']}}"
                   "]}}}");
    expect_valid(e, S, "{'answers': {'q03': 'no'}}");
    expect_valid(e, S, "{'answers': {'q03': 'yes', 'q04': 1}}");
    expect_invalid(e, S, "{'answers': {'q03': 'no', 'q04': 1}}", "/answers/q04", "must not be present");
    expect_invalid(e, S, "{'answers': {'q03': 'yes'}}", "/answers/q04", "required property missing");
    expect_invalid(e, S, "{'answers': {'q04': 1, 'q05': 'no', 'q07': 1}}", "/answers/q07",
                   "must not be present");
    json_t *errs;
    assert_int_equal(run(e, S, "{'answers': {'q04': 1, 'q05': 'no', 'q06': 1, 'q07': 1}}", 10, &errs), 1);
    assert_int_equal(json_array_size(errs), 2);
    assert_string_equal(err_field(errs, 0, "pointer"), "/answers/q06");
    assert_string_equal(err_field(errs, 1, "pointer"), "/answers/q07");
    json_decref(errs);
    expect_invalid(e, S, "{'answers': {'q04': 1, 'a': 1, 'b': 2}}", "/answers", "must not have all of: a, b");
    expect_valid(e, S, "{'answers': {'q04': 1, 'a': 1}}");
    env_free(e);
}

static void test_if_then_else(void **state)
{
    (void)state;
    env_t *e = one("{'if': {'properties': {'kind': {'const': 'num'}}},"
                   "'then': {'properties': {'value': {'type': 'number'}}},"
                   "'else': {'properties': {'value': {'type': 'string'}}}}");
    expect_valid(e, S, "{'kind': 'num', 'value': 1}");
    expect_valid(e, S, "{'kind': 'txt', 'value': 'a'}");
    expect_invalid(e, S, "{'kind': 'num', 'value': 'a'}", "/value", "must be a number");
    expect_invalid(e, S, "{'kind': 'txt', 'value': 1}", "/value", "must be a string");
    env_free(e);
    e = one("{'if': {'minimum': 5}, 'then': {'maximum': 7}}"); /* no else */
    expect_valid(e, S, "1");
    expect_valid(e, S, "6");
    expect_invalid(e, S, "8", "", "must be at most 7");
    env_free(e);
}

static void test_boolean_schemas(void **state)
{
    (void)state;
    file_t files[] = {{"t.json", "true"}, {"f.json", "false"},
                      {"p.json", "{'properties': {'gone': false, 'any': true}}"}};
    env_t *e = env_ok(files, 3);
    expect_valid(e, "t.json", "{'x': [1]}");
    expect_invalid(e, "f.json", "1", "", "must not be present");
    expect_valid(e, "p.json", "{'any': 1}");
    expect_invalid(e, "p.json", "{'gone': 1}", "/gone", "must not be present");
    env_free(e);
}

/* ------------------------------------------------------------------------------------------ */
/* loading                                                                                    */
/* ------------------------------------------------------------------------------------------ */

static void test_unknown_keyword_rejected_at_load(void **state)
{
    (void)state;
    expect_schema_load_error("{'type': 'object', 'patternProperties': {}}",
                             "unsupported keyword \"patternProperties\"");
    expect_schema_load_error("{'$defs': {'x': {'properties': {'a/b': {'dependentRequired': 1}}}}}",
                             "s.json: at \"/$defs/x/properties/a~1b\": unsupported keyword \"dependentRequired\"");
    expect_schema_load_error("{'allOf': [{}, {'prefixItems': []}]}", "/allOf/1");
    expect_schema_load_error("{'items': [{}]}", "a schema must be an object or a boolean");
    expect_schema_load_error("{'type': 'float'}", "unknown type");
    expect_schema_load_error("{'required': 'a'}", "array of strings");
    expect_schema_load_error("{'minLength': -1}", "non-negative integer");
    expect_schema_load_error("{'anyOf': []}", "non-empty array");
    expect_schema_load_error("{'uniqueItems': 1}", "must be a boolean");
    expect_schema_load_error("{'$ref': 1}", "must be a string");
    expect_schema_load_error("[1]", "a schema must be an object or a boolean");
    /* keywords inside enum/const/examples/default are data, not schema */
    env_t *e = one("{'$schema': 'https://json-schema.org/draft/2020-12/schema', '$id': 'x',"
                   "'title': 't', 'description': 'd', 'examples': [{'bogus': 1}],"
                   "'default': {'bogus': 1}, '$comment': 'c', 'deprecated': false,"
                   "'readOnly': false, 'writeOnly': false, 'contentMediaType': 'text/plain',"
                   "'const': {'patternProperties': 1}}");
    expect_valid(e, S, "{'patternProperties': 1}");
    env_free(e);
}

static void test_load_failures(void **state)
{
    (void)state;
    char err[256];
    assert_null(js_schema_set_load_dir("/nonexistent/folder/for/test", err, sizeof err));
    assert_non_null(strstr(err, "cannot open folder"));
    assert_null(js_schema_set_load_dir(NULL, NULL, 0)); /* err may be NULL */

    file_t bad[] = {{"ok.json", "{}"}, {"bad.json", "{'a': }"}};
    expect_load_error(bad, 2, "bad.json: line 1");
    file_t dup_keys[] = {{"d.json", "{'type': 'string', 'type': 'integer'}"}};
    expect_load_error(dup_keys, 1, "d.json");
    file_t clash[] = {{"a.json", "{'$id': 'same'}"}, {"b.json", "{'$id': 'same'}"}};
    expect_load_error(clash, 2, "clashes");
}

/* Load messages whole: the location, then the reason (a pattern's reason names the pattern). */
static void test_load_error_messages_whole(void **state)
{
    (void)state;
    file_t pattern[] = {{"s.json", "{'properties': {'a/b': {'pattern': '(?=x)'}}}"}};
    env_t *e = env_load(pattern, 1);
    assert_null(e->reg);
    assert_string_equal(e->err, "s.json: at \"/properties/a~1b/pattern\": unsupported pattern "
                                "\"(?=x)\": look-around groups are not supported");
    env_free(e);
    file_t compile[] = {{"s.json", "{'items': {'pattern': '(ab'}}"}};
    e = env_load(compile, 1);
    assert_null(e->reg);
    const char *want = "s.json: at \"/items/pattern\": pattern \"(ab\" does not compile: ";
    assert_memory_equal(e->err, want, strlen(want));
    env_free(e);
    file_t format[] = {{"s.json", "{'anyOf': [{'format': 'email'}]}"}};
    e = env_load(format, 1);
    assert_null(e->reg);
    assert_string_equal(e->err, "s.json: at \"/anyOf/0/format\": unsupported format \"email\" "
                                "(supported: uuid, date, date-time)");
    env_free(e);
    file_t clash[] = {{"a.json", "{}"}, {"b.json", "{'$id': 'a.json'}"}};
    e = env_load(clash, 2);
    assert_null(e->reg);
    assert_string_equal(e->err, "b.json: \"$id\" or name clashes with a.json");
    env_free(e);

    /* a short buffer holds the start of the message, NUL-terminated */
    file_t bad[] = {{"s.json", "{'minLength': -1}"}};
    char *dir = make_dir(bad, 1);
    char err[8];
    assert_null(js_schema_set_load_dir(dir, err, sizeof err));
    assert_string_equal(err, "s.json:");
    remove_dir(dir);
}

static void test_registry_keys_and_folder_layout(void **state)
{
    (void)state;
    file_t files[] = {
        {"a.json", "{'$id': 'urn:example:a', 'type': 'string'}"},
        {"sub/b.json", "{'type': 'integer'}"},
        {"notes.txt", "not json at all"},
        {".hidden.json", "not json either"},
        {"sub/deeper/c.json", "not loaded: two levels down"},
    };
    env_t *e = env_ok(files, sizeof files / sizeof *files);
    assert_non_null(js_schema_set_get(e->reg, "a.json"));
    assert_ptr_equal(js_schema_set_get(e->reg, "a.json"), js_schema_set_get(e->reg, "urn:example:a"));
    assert_non_null(js_schema_set_get(e->reg, "sub/b.json"));
    assert_null(js_schema_set_get(e->reg, "b.json"));
    assert_null(js_schema_set_get(e->reg, "notes.txt"));
    assert_null(js_schema_set_get(e->reg, ".hidden.json"));
    assert_null(js_schema_set_get(e->reg, "sub/deeper/c.json"));
    assert_null(js_schema_set_get(NULL, "a.json"));
    expect_valid(e, "sub/b.json", "3");
    expect_invalid(e, "urn:example:a", "3", "", "must be a string");
    env_free(e);

    /* an empty folder is a valid, empty registry */
    env_t *empty = env_ok(NULL, 0);
    assert_null(js_schema_set_get(empty->reg, "a.json"));
    env_free(empty);
}

/* ------------------------------------------------------------------------------------------ */
/* error collection                                                                           */
/* ------------------------------------------------------------------------------------------ */

static void test_max_errors(void **state)
{
    (void)state;
    env_t *e = one("{'required': ['a', 'b', 'c', 'd', 'e'], 'additionalProperties': false}");
    json_t *errs;
    assert_int_equal(run(e, S, "{'x': 1}", 100, &errs), 1);
    assert_int_equal(json_array_size(errs), 6);
    json_decref(errs);
    assert_int_equal(run(e, S, "{'x': 1}", 2, &errs), 1);
    assert_int_equal(json_array_size(errs), 2);
    assert_string_equal(err_field(errs, 1, "pointer"), "/b");
    json_decref(errs);
    assert_int_equal(run(e, S, "{'x': 1}", 1, &errs), 1);
    assert_int_equal(json_array_size(errs), 1);
    json_decref(errs);
    assert_int_equal(run(e, S, "{'x': 1}", 0, &errs), 1);
    assert_int_equal(json_array_size(errs), 0);
    json_decref(errs);
    json_t *v = parse("{'x': 1}");
    assert_int_equal(js_validate(e->reg, S, v, NULL, 5), 1);
    /* errors already in the array are kept and do not count against max_errors */
    errs = json_array();
    json_array_append_new(errs, json_string("earlier"));
    assert_int_equal(js_validate(e->reg, S, v, errs, 3), 1);
    assert_int_equal(json_array_size(errs), 4);
    json_decref(errs);
    json_decref(v);
    env_free(e);
}

static void test_error_objects_shape(void **state)
{
    (void)state;
    env_t *e = one("{'properties': {'n': {'type': 'integer'}}}");
    json_t *errs;
    assert_int_equal(run(e, S, "{'n': 'x'}", 10, &errs), 1);
    const json_t *first = json_array_get(errs, 0);
    assert_int_equal(json_object_size(first), 2);
    assert_true(json_is_string(json_object_get(first, "pointer")));
    assert_true(json_is_string(json_object_get(first, "detail")));
    json_decref(errs);
    env_free(e);
}

/* ------------------------------------------------------------------------------------------ */
/* concurrency: one registry, many threads                                                   */
/* ------------------------------------------------------------------------------------------ */

static void *validate_many(void *arg)
{
    const env_t *e = arg;
    json_t *good = json_pack("{s:s}", "code", "123-45");
    json_t *bad = json_pack("{s:s}", "code", "12-345");
    intptr_t failures = 0;
    for (int i = 0; i < 2000; i++) {
        json_t *errs = json_array();
        failures += js_validate(e->reg, S, good, errs, 5) != 0;
        failures += js_validate(e->reg, S, bad, errs, 5) != 1;
        json_decref(errs);
    }
    json_decref(good);
    json_decref(bad);
    return (void *)failures;
}

static void test_shared_registry_across_threads(void **state)
{
    (void)state;
    env_t *e = one("{'properties': {'code': {'$ref': '#/$defs/code'}},"
                   "'$defs': {'code': {'type': 'string', 'pattern': '^\\\\d{3}-\\\\d{2}$'}}}");
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, validate_many, e), 0);
    for (int i = 0; i < 4; i++) {
        void *res;
        assert_int_equal(pthread_join(t[i], &res), 0);
        assert_int_equal((intptr_t)res, 0);
    }
    env_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_type_each),
        cmocka_unit_test(test_type_integer_vs_number),
        cmocka_unit_test(test_type_array),
        cmocka_unit_test(test_enum),
        cmocka_unit_test(test_const),
        cmocka_unit_test(test_required_points_at_missing_property),
        cmocka_unit_test(test_properties_and_pointer_escaping),
        cmocka_unit_test(test_additional_properties),
        cmocka_unit_test(test_items_min_max),
        cmocka_unit_test(test_unique_items),
        cmocka_unit_test(test_numeric_limits),
        cmocka_unit_test(test_string_length_counts_code_points),
        cmocka_unit_test(test_pattern),
        cmocka_unit_test(test_pattern_unsupported_rejected_at_load),
        cmocka_unit_test(test_format_uuid),
        cmocka_unit_test(test_format_date),
        cmocka_unit_test(test_format_date_time),
        cmocka_unit_test(test_unsupported_format_rejected),
        cmocka_unit_test(test_ref_local_and_escaped),
        cmocka_unit_test(test_ref_cross_file),
        cmocka_unit_test(test_ref_unresolvable_and_unknown_schema),
        cmocka_unit_test(test_ref_cycles_do_not_crash),
        cmocka_unit_test(test_all_of),
        cmocka_unit_test(test_any_of_one_of),
        cmocka_unit_test(test_not),
        cmocka_unit_test(test_not_required_routing_pattern),
        cmocka_unit_test(test_if_then_else),
        cmocka_unit_test(test_boolean_schemas),
        cmocka_unit_test(test_unique_items_large_arrays),
        cmocka_unit_test(test_too_long_array_not_evaluated),
        cmocka_unit_test(test_min_max_properties),
        cmocka_unit_test(test_step_budget),
        cmocka_unit_test(test_unknown_keyword_rejected_at_load),
        cmocka_unit_test(test_load_failures),
        cmocka_unit_test(test_load_error_messages_whole),
        cmocka_unit_test(test_registry_keys_and_folder_layout),
        cmocka_unit_test(test_max_errors),
        cmocka_unit_test(test_error_objects_shape),
        cmocka_unit_test(test_shared_registry_across_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
