/* jsonschema.c — the validator's public entry points: load a schema set, look a schema up, validate */
#include "jsonschema_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void js_schema_set_free(js_schema_set *reg)
{
    if (!reg)
        return;
    for (size_t i = 0; i < reg->ndocs; i++) {
        free(reg->docs[i].name);
        free(reg->docs[i].id);
        json_decref(reg->docs[i].root);
    }
    free(reg->docs);
    js_patterns_free(&reg->patterns);
    free(reg);
}

const json_t *js_schema_set_get(const js_schema_set *reg, const char *name)
{
    if (!reg || !name)
        return NULL;
    const js_doc *d = js_find_doc(reg, name, strlen(name));
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
    js_schema_set *reg = calloc(1, sizeof *reg);
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    if (!reg) {
        js_fail(err, errlen, "out of memory");
        return NULL;
    }
    rc = js_list_schema_files(dir, &names, &n, &cap, err, errlen);
    if (rc == 0 && n > 0) {
        reg->docs = calloc(n, sizeof *reg->docs);
        if (!reg->docs)
            rc = js_fail(err, errlen, "out of memory");
    }
    for (size_t i = 0; rc == 0 && i < n; i++) {
        js_doc *doc = &reg->docs[reg->ndocs++];
        rc = js_load_doc(&reg->patterns, dir, names[i], doc, err, errlen);
        if (rc != 0)
            break;
        /* every key (name and $id) must name one document only */
        for (size_t j = 0; j + 1 < reg->ndocs; j++) {
            const js_doc *o = &reg->docs[j];
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
        js_schema_set_free(reg);
        return NULL;
    }
    js_patterns_sort(&reg->patterns);
    return reg;
}

int js_validate(const js_schema_set *reg, const char *name, const json_t *instance, json_t *errors,
                size_t max_errors)
{
    js_vctx c;
    memset(&c, 0, sizeof c);
    c.reg = reg;
    c.errors = json_is_array(errors) && max_errors > 0 ? errors : NULL;
    c.max_errors = max_errors;

    int r;
    const js_doc *doc = NULL;
    const json_t *schema = NULL;
    if (!reg || !name || !instance) {
        r = js_schema_error(&c, "invalid arguments");
    } else {
        /* the name is a key of the schema set, optionally followed by a JSON pointer fragment */
        const char *hash = strchr(name, '#');
        size_t klen = hash ? (size_t)(hash - name) : strlen(name);
        doc = js_find_doc(reg, name, klen);
        schema = doc ? js_resolve_fragment(doc->root, hash ? hash + 1 : "") : NULL;
        if (!schema)
            r = js_schema_error(&c, "unknown schema \"%s\"", name);
        else
            r = js_eval(&c, doc, schema, instance);
    }
    if (r < 0 && json_is_array(errors)) {
        char detail[300];
        snprintf(detail, sizeof detail, "schema error: %s", c.diag);
        utf8_trim(detail);
        js_append_error(errors, c.diag_ptr, detail);
    }
    free(c.ptr.s);
    return r;
}
