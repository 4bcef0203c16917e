/* jsonschema.c — the validator's public entry points: load a schema set, look a schema up, validate */
#include "jsonschema_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The step budget of every js_validate() call; set once at start (js_set_steps_max). */
static unsigned long steps_max = JS_STEPS_MAX_DEFAULT;

void js_set_steps_max(unsigned long n)
{
    steps_max = n < 1 ? 1 : n > JS_STEPS_MAX_LIMIT ? JS_STEPS_MAX_LIMIT : n;
}

unsigned long js_steps_max(void) { return steps_max; }

void js_schema_set_free(js_schema_set *set)
{
    if (!set)
        return;
    for (size_t i = 0; i < set->ndocs; i++) {
        free(set->docs[i].name);
        free(set->docs[i].id);
        json_decref(set->docs[i].root);
    }
    free(set->docs);
    js_patterns_free(&set->patterns);
    free(set);
}

const json_t *js_schema_set_get(const js_schema_set *set, const char *name)
{
    if (!set || !name)
        return NULL;
    const js_doc *d = js_find_doc(set, name, strlen(name));
    return d ? d->root : NULL;
}

js_schema_set *js_schema_set_load_dir(const char *dir, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (!dir) {
        js_fail(err, errlen, "no folder given");
        return NULL;
    }
    js_schema_set *set = calloc(1, sizeof *set);
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    if (!set) {
        js_fail(err, errlen, "out of memory");
        return NULL;
    }
    rc = js_list_schema_files(dir, &names, &n, &cap, err, errlen);
    if (rc == 0 && n > 0) {
        set->docs = calloc(n, sizeof *set->docs);
        if (!set->docs)
            rc = js_fail(err, errlen, "out of memory");
    }
    for (size_t i = 0; rc == 0 && i < n; i++) {
        js_doc *doc = &set->docs[set->ndocs++];
        rc = js_load_doc(&set->patterns, dir, names[i], doc, err, errlen);
        if (rc != 0)
            break;
        /* every key (name and $id) must name one document only */
        for (size_t j = 0; j + 1 < set->ndocs; j++) {
            const js_doc *o = &set->docs[j];
            if ((doc->id && (strcmp(doc->id, o->name) == 0 ||
                             (o->id && strcmp(doc->id, o->id) == 0))) ||
                (o->id && strcmp(o->id, doc->name) == 0)) {
                rc = js_fail(err, errlen, "%s: \"$id\" or name clashes with %s", doc->name,
                             o->name);
                break;
            }
        }
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    if (rc != 0) {
        js_schema_set_free(set);
        return NULL;
    }
    js_patterns_sort(&set->patterns);
    return set;
}

int js_validate(const js_schema_set *set, const char *name, const json_t *instance, json_t *errors,
                size_t max_errors)
{
    js_vctx c;
    memset(&c, 0, sizeof c);
    c.set = set;
    c.errors = json_is_array(errors) && max_errors > 0 ? errors : NULL;
    c.max_errors = max_errors;
    c.steps_max = steps_max;
    size_t first_error = json_is_array(errors) ? json_array_size(errors) : 0;

    int r;
    const js_doc *doc = NULL;
    const json_t *schema = NULL;
    if (!set || !name || !instance) {
        r = js_schema_error(&c, "invalid arguments");
    } else {
        /* the name is a key of the schema set, optionally followed by a JSON pointer fragment */
        const char *hash = strchr(name, '#');
        size_t klen = hash ? (size_t)(hash - name) : strlen(name);
        doc = js_find_doc(set, name, klen);
        schema = doc ? js_resolve_fragment(doc->root, hash ? hash + 1 : "") : NULL;
        if (!schema)
            r = js_schema_error(&c, "unknown schema \"%s\"", name);
        else
            r = js_eval(&c, doc, schema, instance);
    }
    if (r < 0 && c.over_budget) {
        /* too much work: the document is refused, as any invalid one, with the reason first */
        r = 1;
        if (json_is_array(errors)) {
            char detail[512];
            snprintf(detail, sizeof detail,
                     "validation stopped after %lu steps: the document is too large or too "
                     "complex to check (at %s)",
                     c.steps_max, c.diag_ptr[0] ? c.diag_ptr : "the top");
            utf8_trim(detail);
            json_t *e = json_pack("{s:s, s:s}", "pointer", "", "detail", detail);
            if (e)
                json_array_insert_new(errors, first_error, e);
        }
    } else if (r < 0 && json_is_array(errors)) {
        char detail[300];
        snprintf(detail, sizeof detail, "schema error: %s", c.diag);
        utf8_trim(detail);
        js_append_error(errors, c.diag_ptr, detail);
    }
    free(c.ptr.s);
    return r;
}
