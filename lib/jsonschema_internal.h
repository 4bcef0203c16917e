/* jsonschema_internal.h — what the validator's pieces share; callers include jsonschema.h */
#ifndef CDMEASURE_JSONSCHEMA_INTERNAL_H
#define CDMEASURE_JSONSCHEMA_INTERNAL_H

/*
 * The pieces, from the bottom up; each calls only pieces listed above it, so the objects
 * form no cycle (tests/static_callgraph.py):
 *   jsonschema_text.c      the JSON pointers and messages built in a struct textbuf
 *   jsonschema_value.c     instance values: numeric comparison, equality, formats, quoting
 *   jsonschema_pattern.c   ECMA-262 pattern -> POSIX ERE, and the compiled patterns of a schema set
 *   jsonschema_check.c     the supported vocabulary, checked in every schema at load
 *   jsonschema_ref.c       the schema set: loading files, finding documents, resolving $ref
 *   jsonschema_errors.c    error collection during one js_validate() call
 *   jsonschema_keywords.c  evaluation: js_eval() and the evaluation of each keyword
 *   jsonschema.c           the public entry points of jsonschema.h
 * $ref resolution only finds the target; js_eval() evaluates it, so ref resolution never
 * calls back into evaluation.
 */

#include "jsonschema.h"
#include "text.h"

#include <regex.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#define JS_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define JS_PRINTF(f, a)
#endif

/* ---- jsonschema_text.c ------------------------------------------------------------------- */

/* Appends "/" and key escaped as an RFC 6901 reference token (~ -> ~0, / -> ~1). */
void js_text_put_token(struct textbuf *b, const char *key);
/* Appends "/" and the array index i. */
void js_text_put_index(struct textbuf *b, size_t i);
/* Appends the step to a child: key as a token, or index when key is NULL. */
void js_text_put_child(struct textbuf *b, const char *key, size_t index);
/* Writes a load error to err (when err is not NULL and errlen > 0); returns -1. */
int js_fail(char *err, size_t errlen, const char *fmt, ...) JS_PRINTF(3, 4);

/* ---- jsonschema_value.c ------------------------------------------------------------------ */

/* A number with no fractional part (1, 1.0, 1e2); reals beyond 2^53 are always integral. */
int js_is_integral(const json_t *v);
/* Numeric comparison of two JSON numbers: <0, 0, >0. */
int js_num_cmp(const json_t *a, const json_t *b);
/* JSON Schema equality: like json_equal, except that 1 and 1.0 are equal. */
int js_equal(const json_t *a, const json_t *b);
/* A hash of v such that js_equal() values hash alike (1 and 1.0 included). */
uint64_t js_hash(const json_t *v);
/* Number of UTF-8 code points in s[0..bytes). */
size_t js_utf8_length(const char *s, size_t bytes);
/* Value of the hexadecimal digit c, or -1. */
int js_hexval(char c);
/* 1 when format is one js_format_matches() knows (uuid, date, date-time). */
int js_format_supported(const char *format);
/* 1 when s[0..n) is valid for the supported format; 0 otherwise. */
int js_format_matches(const char *format, const char *s, size_t n);
/* Formats a number the shortest way that reads back to the same value. */
void js_fmt_number(const json_t *v, char *buf, size_t len);
/* Appends a value for a message: strings bare, other values as compact JSON. */
void js_put_value(struct textbuf *b, const json_t *v);

/* ---- jsonschema_pattern.c ---------------------------------------------------------------- */

typedef struct {
    uintptr_t node; /* address of the schema object that holds "pattern" */
    regex_t re;     /* compiled translation of that pattern; owned (regfree) */
} js_regex;

/* The compiled patterns of a schema set, filled at load time, sorted by node after it. */
typedef struct {
    js_regex *items; /* owned array */
    size_t n, cap;
} js_patterns;

/* Translates the ECMA-262 pattern of the schema object node and compiles it into ps.
 * Returns 0, or -1 with the reason (for the schema's author) written to why. */
int js_patterns_add(js_patterns *ps, const json_t *node, const char *pattern, char *why,
                    size_t whylen);
/* Sorts ps once every pattern is added, for js_patterns_find(). */
void js_patterns_sort(js_patterns *ps);
/* The compiled pattern of the schema object node (borrowed from ps), or NULL. */
const regex_t *js_patterns_find(const js_patterns *ps, const json_t *node);
/* Releases everything ps holds and leaves it empty. */
void js_patterns_free(js_patterns *ps);

/* ---- jsonschema_check.c ------------------------------------------------------------------ */

/* Checks that root (the document file) uses only supported keywords with well-formed values,
 * compiling its patterns into ps. Returns 0, or -1 with a message written to err. */
int js_check_schema(js_patterns *ps, const char *file, const json_t *root, char *err,
                    size_t errlen);
/* 1 when key is a supported keyword that is not an annotation (it can fail an instance). */
int js_keyword_asserts(const char *key);
/* How an error message names a value of the type name ("an integer"), or NULL for no type. */
const char *js_type_phrase(const char *name);

/* ---- jsonschema_ref.c -------------------------------------------------------------------- */

typedef struct {
    char *name;   /* path relative to the folder, e.g. "common.json" or "sub/x.json"; owned */
    char *id;     /* root "$id" without a trailing '#', or NULL; owned */
    json_t *root; /* owned reference */
} js_doc;

struct js_schema_set {
    js_doc *docs; /* owned array of ndocs documents */
    size_t ndocs;
    js_patterns patterns;
};

/* Appends to *names (owned array of owned strings, n used, cap allocated) the relative path of
 * every schema file of dir and of its direct subfolders. Returns 0, or -1 with err written. */
int js_list_schema_files(const char *dir, char ***names, size_t *n, size_t *cap, char *err,
                         size_t errlen);
/* Loads and checks dir/rel into doc (its fields are owned by doc afterwards, also on failure;
 * its patterns go into ps). Returns 0, or -1 with err written. */
int js_load_doc(js_patterns *ps, const char *dir, const char *rel, js_doc *doc, char *err,
                size_t errlen);
/* Document whose name or $id is the first keylen bytes of key (borrowed from set), or NULL. */
const js_doc *js_find_doc(const js_schema_set *set, const char *key, size_t keylen);
/* Node at the JSON pointer fragment frag (URI-encoded, without '#') of root, or NULL. */
const json_t *js_resolve_fragment(const json_t *root, const char *frag);
/* Resolves ref as seen from doc; 0 with *out_doc and *out_node set (borrowed from set), or -1. */
int js_resolve_ref(const js_schema_set *set, const js_doc *doc, const char *ref,
                   const js_doc **out_doc, const json_t **out_node);

/* ---- jsonschema_errors.c ----------------------------------------------------------------- */

/* The state of one js_validate() call. */
typedef struct {
    const js_schema_set *set;
    json_t *errors;       /* NULL while evaluating silently (anyOf, oneOf, not, if) */
    size_t max_errors;    /* errors to collect in this call */
    size_t nerrors;       /* errors appended by this call */
    struct textbuf ptr;   /* JSON pointer of the instance location being evaluated; owned */
    unsigned depth;       /* nested js_eval() calls */
    unsigned ref_chain;   /* $ref hops since the instance location last changed */
    unsigned long steps;     /* work done so far: schemas visited, values compared, bytes matched */
    unsigned long steps_max; /* the budget: more steps than this stops the evaluation */
    int over_budget;         /* the budget ran out: -1 was returned for it, not a schema error */
    char diag[256];       /* why -1 was returned */
    char diag_ptr[256];   /* where */
} js_vctx;

/* True when no more errors can be recorded: evaluation may stop at the first failure. */
int js_quiet(const js_vctx *c);
/* Counts n steps of work; 0 while within the budget, else marks c over budget and returns -1
 * (the evaluation stops as on a schema error; js_validate() answers "invalid" for it). */
int js_steps(js_vctx *c, unsigned long n);
/* Records why evaluation cannot go on (the first reason only) and returns -1. */
int js_schema_error(js_vctx *c, const char *fmt, ...) JS_PRINTF(2, 3);
/* Records an error at the current location, or at its child `key` when key is not NULL. */
void js_report(js_vctx *c, const char *key, const char *fmt, ...) JS_PRINTF(3, 4);
/* Appends {"pointer": pointer, "detail": detail} to the array errors. */
void js_append_error(json_t *errors, const char *pointer, const char *detail);

/* ---- jsonschema_keywords.c --------------------------------------------------------------- */

/* Evaluates the schema s (a node of doc) against inst; 0 valid, 1 invalid, -1 schema error. */
int js_eval(js_vctx *c, const js_doc *doc, const json_t *s, const json_t *inst);

#endif /* CDMEASURE_JSONSCHEMA_INTERNAL_H */
