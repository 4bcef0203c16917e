/* jsonschema_ref.c — the schema set: loading its files, finding a document, resolving $ref */
#include "jsonschema_internal.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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
    if (!path)
        return js_fail(err, errlen, "out of memory");
    snprintf(path, plen, "%s/%s", dir, prefix);
    DIR *d = opendir(path);
    if (!d) {
        js_fail(err, errlen, "cannot open folder %s: %s", path, strerror(errno));
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
            rc = js_fail(err, errlen, "out of memory");
        } else {
            snprintf(rel, rlen, "%s%s", prefix, e->d_name);
            snprintf(full, flen, "%s%s", path, e->d_name);
            if (stat(full, &st) != 0) {
                rc = js_fail(err, errlen, "cannot stat %s: %s", full, strerror(errno));
            } else if (S_ISDIR(st.st_mode) && recurse) {
                size_t slen = strlen(rel) + 2;
                char *sub = malloc(slen);
                if (!sub) {
                    rc = js_fail(err, errlen, "out of memory");
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
                        rc = js_fail(err, errlen, "out of memory");
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

int js_list_schema_files(const char *dir, char ***names, size_t *n, size_t *cap, char *err,
                         size_t errlen)
{
    int rc = list_dir(dir, "", 1, names, n, cap, err, errlen);
    if (rc == 0 && *n > 1)
        qsort(*names, *n, sizeof **names, name_cmp);
    return rc;
}

int js_load_doc(js_patterns *ps, const char *dir, const char *rel, js_doc *doc, char *err,
                size_t errlen)
{
    size_t flen = strlen(dir) + strlen(rel) + 2;
    char *full = malloc(flen);
    doc->name = strdup(rel);
    if (!full || !doc->name) {
        free(full);
        return js_fail(err, errlen, "out of memory");
    }
    snprintf(full, flen, "%s/%s", dir, rel);
    json_error_t jerr;
    doc->root = json_load_file(full, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    free(full);
    if (!doc->root)
        return js_fail(err, errlen, "%s: line %d column %d: %s", rel, jerr.line, jerr.column,
                       jerr.text);
    const json_t *id = json_object_get(doc->root, "$id");
    if (json_is_string(id) && json_string_length(id) > 0) {
        doc->id = strdup(json_string_value(id));
        if (!doc->id)
            return js_fail(err, errlen, "out of memory");
        size_t n = strlen(doc->id);
        if (n > 0 && doc->id[n - 1] == '#')
            doc->id[n - 1] = '\0';
    }
    return js_check_schema(ps, rel, doc->root, err, errlen);
}

/* ------------------------------------------------------------------------------------------ */
/* Finding a document                                                                         */
/* ------------------------------------------------------------------------------------------ */

static int key_eq(const char *s, const char *key, size_t keylen)
{
    return s && strlen(s) == keylen && memcmp(s, key, keylen) == 0;
}

const js_doc *js_find_doc(const js_schema_set *set, const char *key, size_t keylen)
{
    for (size_t i = 0; i < set->ndocs; i++)
        if (key_eq(set->docs[i].name, key, keylen) || key_eq(set->docs[i].id, key, keylen))
            return &set->docs[i];
    return NULL;
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
static const js_doc *lookup_relative(const js_schema_set *set, const char *base, const char *ref,
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
    const js_doc *d = js_find_doc(set, uri, strlen(uri));
    free(uri);
    return d;
}

const json_t *js_resolve_fragment(const json_t *root, const char *frag)
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
            int hi = js_hexval(frag[i + 1]); /* a NUL terminator gives -1: no overrun */
            int lo = hi >= 0 ? js_hexval(frag[i + 2]) : -1;
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

int js_resolve_ref(const js_schema_set *set, const js_doc *doc, const char *ref,
                   const js_doc **out_doc, const json_t **out_node)
{
    const char *hash = strchr(ref, '#');
    size_t ulen = hash ? (size_t)(hash - ref) : strlen(ref);
    const js_doc *t = doc;
    if (ulen > 0) {
        t = NULL;
        if (doc && doc->id)
            t = lookup_relative(set, doc->id, ref, ulen);
        if (!t && doc)
            t = lookup_relative(set, doc->name, ref, ulen);
        if (!t)
            t = js_find_doc(set, ref, ulen);
    }
    if (!t)
        return -1;
    const json_t *node = js_resolve_fragment(t->root, hash ? hash + 1 : "");
    if (!node)
        return -1;
    *out_doc = t;
    *out_node = node;
    return 0;
}
