/* test_corpus_schemas.c — the C validator (lib/jsonschema.c) over the example
 * corpus: valid/ and invalid-semantic/ examples pass their endpoint's schema,
 * invalid/ ones fail it. The same examples go through Python's jsonschema and
 * the service in tests/integration/test_corpus.py; this runs without a stack.
 * CDM_CORPUS_DIR and CDM_SCHEMA_DIR override tests/corpus and schemas (the
 * validators-fail test points them at a broken copy). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ids.h"
#include "jsonschema.h"

/* Stand-ins of the right format for the corpus's placeholders. */
static json_t *stand_in(const char *name)
{
    if (strcmp(name, "ward") == 0)
        return json_string("E05000001");
    if (strcmp(name, "ward2") == 0)
        return json_string("E05000002");
    if (strcmp(name, "lsoa") == 0)
        return json_string("E01000001");
    /* A fresh id at each {{uuid}}; the same one wherever an example names
     * another object twice (uniqueItems must see that), a different one for
     * each object ({{neighbourhood}} and {{neighbourhood2}} differ). */
    char id[UUID_STR_LEN];
    if (strcmp(name, "uuid") == 0) {
        if (!uuid_random(id))
            return NULL;
    } else {
        const char *parts[] = {"cdm-corpus", name, NULL};
        uuid_derive(id, parts);
    }
    return json_string(id);
}

/* Replaces every whole-string placeholder "{{name}}" in v, in place. */
static void substitute(json_t *v)
{
    const char *key;
    json_t *child;
    size_t i;
    if (json_is_object(v)) {
        json_object_foreach(v, key, child) {
            const char *s = json_string_value(child);
            size_t n = s ? strlen(s) : 0;
            if (n > 4 && strncmp(s, "{{", 2) == 0 && strcmp(s + n - 2, "}}") == 0) {
                char name[64];
                snprintf(name, sizeof name, "%.*s", (int)(n - 4), s + 2);
                json_object_set_new(v, key, stand_in(name));
            } else {
                substitute(child);
            }
        }
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, child) {
            const char *s = json_string_value(child);
            size_t n = s ? strlen(s) : 0;
            if (n > 4 && strncmp(s, "{{", 2) == 0 && strcmp(s + n - 2, "}}") == 0) {
                char name[64];
                snprintf(name, sizeof name, "%.*s", (int)(n - 4), s + 2);
                json_array_set_new(v, i, stand_in(name));
            } else {
                substitute(child);
            }
        }
    }
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

/* Checks every example of folder/kind against schema; returns the number of
 * disagreements (printed). */
static int check_kind(const js_schema_set *reg, const char *folder, const char *kind,
                      const char *schema, int want, int *seen)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/%s", folder, kind);
    struct dirent **names;
    int n = scandir(dir, &names, NULL, by_name);
    int bad = 0;
    for (int i = 0; i < n; i++) {
        const char *f = names[i]->d_name;
        size_t len = strlen(f);
        if (len > 5 && strcmp(f + len - 5, ".json") == 0) {
            char path[1400];
            snprintf(path, sizeof path, "%s/%s", dir, f);
            json_error_t err;
            json_t *doc = json_load_file(path, JSON_DECODE_ANY, &err);
            if (!doc) {
                printf("FAIL %s: %s\n", path, err.text);
                bad++;
            } else {
                substitute(doc);
                int rc = js_validate(reg, schema, doc, NULL, 0);
                (*seen)++;
                if (rc != want) {
                    printf("FAIL %s: the C validator says %s\n", path,
                           rc == 0 ? "valid" : rc == 1 ? "invalid" : "schema error");
                    bad++;
                }
                json_decref(doc);
            }
        }
        free(names[i]);
    }
    if (n >= 0)
        free(names);
    return bad;
}

static void test_every_example_of_the_corpus(void **state)
{
    (void)state;
    const char *corpus = getenv("CDM_CORPUS_DIR") ? getenv("CDM_CORPUS_DIR") : "tests/corpus";
    const char *schemas = getenv("CDM_SCHEMA_DIR") ? getenv("CDM_SCHEMA_DIR") : "schemas";
    char err[512];
    js_schema_set *reg = js_schema_set_load_dir(schemas, err, sizeof err);
    if (!reg)
        fail_msg("loading %s: %s", schemas, err);
    struct dirent **folders;
    int n = scandir(corpus, &folders, NULL, by_name);
    assert_true(n > 2);
    int bad = 0, seen = 0;
    for (int i = 0; i < n; i++) {
        char folder[600], endpoint[700];
        snprintf(folder, sizeof folder, "%s/%s", corpus, folders[i]->d_name);
        snprintf(endpoint, sizeof endpoint, "%s/endpoint.json", folder);
        json_t *ep = folders[i]->d_name[0] == '.' ? NULL : json_load_file(endpoint, 0, NULL);
        const char *schema = json_string_value(json_object_get(ep, "schema"));
        if (schema) {
            bad += check_kind(reg, folder, "valid", schema, 0, &seen);
            bad += check_kind(reg, folder, "invalid", schema, 1, &seen);
            bad += check_kind(reg, folder, "invalid-semantic", schema, 0, &seen);
        }
        json_decref(ep);
        free(folders[i]);
    }
    free(folders);
    js_schema_set_free(reg);
    printf("corpus: %d examples checked by the C validator, %d disagreement(s)\n", seen, bad);
    assert_true(seen > 0);
    assert_int_equal(bad, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_example_of_the_corpus),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
