/* fuzz_jsonschema.c — libFuzzer target: the JSON Schema validator (lib/jsonschema*.c) on
 * every request schema, as the API applies it (http.c: JSON_REJECT_DUPLICATES, up to 50
 * errors). The schemas are loaded once from CDM_SCHEMA_DIR (default "schemas", the
 * repository root being the working folder); the request schemas are the requestBody
 * application/json $refs of openapi.json, sorted by name. The input's first byte picks
 * one (modulo their number), the rest is the JSON text.
 *
 * Checked beyond "no crash, no sanitizer report":
 *  - the result is 0 or 1: no body a client can send makes a request schema fail with -1
 *    (that would be a 500);
 *  - collecting errors does not change the answer: the result with an errors array and
 *    the result computed without one (which stops at the first failure) agree;
 *  - valid means no error reported, invalid at least one and at most the 50 asked for;
 *  - every error is {"pointer": string, "detail": non-empty string}, the pointer an RFC
 *    6901 pointer ("" or starting with "/") whose parent resolves in the instance. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonschema.h"

#define MAX_ERRORS 50 /* as api/http.c */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static js_schema_set *set;
static char **names; /* the request schemas, sorted */
static size_t nnames;

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void add_name(const char *ref)
{
    for (size_t i = 0; i < nnames; i++)
        if (strcmp(names[i], ref) == 0)
            return;
    names = realloc(names, (nnames + 1) * sizeof *names);
    names[nnames++] = strdup(ref);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *dir = getenv("CDM_SCHEMA_DIR") ? getenv("CDM_SCHEMA_DIR") : "schemas";
    char err[512] = "";
    set = js_schema_set_load_dir(dir, err, sizeof err);
    if (!set) {
        fprintf(stderr, "fuzz_jsonschema: cannot load %s: %s\n", dir, err);
        abort();
    }
    char path_api[1024];
    snprintf(path_api, sizeof path_api, "%s/openapi.json", dir);
    json_t *api = json_load_file(path_api, 0, NULL);
    const char *path, *method;
    json_t *ops, *op;
    json_object_foreach(json_object_get(api, "paths"), path, ops) {
        json_object_foreach(ops, method, op) {
            const json_t *ref = json_object_get(
                json_object_get(json_object_get(json_object_get(json_object_get(op, "requestBody"),
                                                                "content"),
                                                "application/json"),
                                "schema"),
                "$ref");
            if (json_is_string(ref))
                add_name(json_string_value(ref));
        }
    }
    json_decref(api);
    if (nnames == 0) {
        fprintf(stderr, "fuzz_jsonschema: no request schema in %s/openapi.json\n", dir);
        abort();
    }
    qsort(names, nnames, sizeof *names, by_name);
    for (size_t i = 0; i < nnames; i++)
        if (!js_schema_set_get(set, names[i])) {
            fprintf(stderr, "fuzz_jsonschema: request schema %s not loaded\n", names[i]);
            abort();
        }
    return 0;
}

/* Resolves the RFC 6901 pointer p[0 .. len-1] in v; NULL if it does not. */
static const json_t *resolve(const json_t *v, const char *p, size_t len)
{
    size_t i = 0;
    while (v && i < len) {
        if (p[i] != '/')
            return NULL;
        i++;
        char tok[1024];
        size_t n = 0;
        while (i < len && p[i] != '/') {
            char ch = p[i++];
            if (ch == '~') {
                if (i >= len || (p[i] != '0' && p[i] != '1'))
                    return NULL; /* a bad escape */
                ch = p[i++] == '0' ? '~' : '/';
            }
            if (n + 1 >= sizeof tok)
                return NULL;
            tok[n++] = ch;
        }
        tok[n] = '\0';
        if (json_is_object(v)) {
            v = json_object_getn(v, tok, n);
        } else if (json_is_array(v)) {
            char *end;
            unsigned long k = strtoul(tok, &end, 10);
            v = (n > 0 && *end == '\0') ? json_array_get(v, k) : NULL;
        } else {
            return NULL;
        }
    }
    return v;
}

static void fail(const char *what, const char *schema, const json_t *errors)
{
    char *e = errors ? json_dumps(errors, JSON_COMPACT) : NULL;
    fprintf(stderr, "fuzz_jsonschema: %s (schema %s, errors %s)\n", what, schema, e ? e : "-");
    free(e);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *schema = names[data[0] % nnames];
    json_t *inst = json_loadb((const char *)data + 1, size - 1, JSON_REJECT_DUPLICATES, NULL);
    if (!inst)
        return 0;
    json_t *errors = json_array();
    int full = js_validate(set, schema, inst, errors, MAX_ERRORS);
    int quick = js_validate(set, schema, inst, NULL, 0);
    if (full != 0 && full != 1)
        fail("js_validate returned neither 0 nor 1", schema, errors);
    if (quick != full)
        fail("the result without errors differs from the result with them", schema, errors);
    size_t n = json_array_size(errors);
    if (full == 0 && n != 0)
        fail("valid, yet errors reported", schema, errors);
    if (full == 1 && (n == 0 || n > MAX_ERRORS))
        fail("invalid with no error or more than asked for", schema, errors);
    for (size_t i = 0; i < n; i++) {
        const json_t *e = json_array_get(errors, i);
        const char *ptr = json_string_value(json_object_get(e, "pointer"));
        const char *detail = json_string_value(json_object_get(e, "detail"));
        if (!ptr || !detail || !*detail)
            fail("an error without pointer or detail", schema, errors);
        size_t len = json_string_length(json_object_get(e, "pointer"));
        if (len > 0 && ptr[0] != '/')
            fail("a pointer that is not an RFC 6901 pointer", schema, errors);
        const char *last = len ? memrchr(ptr, '/', len) : ptr;
        if (!resolve(inst, ptr, (size_t)(last - ptr)))
            fail("a pointer whose parent is not in the instance", schema, errors);
    }
    json_decref(errors);
    json_decref(inst);
    return 0;
}
