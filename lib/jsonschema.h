/* jsonschema.h — validation of JSON instances against a subset of JSON Schema 2020-12 */
#ifndef CDMEASURE_JSONSCHEMA_H
#define CDMEASURE_JSONSCHEMA_H

#include <jansson.h>
#include <stddef.h>

/*
 * Supported keywords: type, enum, const, required, properties, additionalProperties,
 * items (a schema), minItems, maxItems, uniqueItems, minProperties, maxProperties, minimum, maximum, exclusiveMinimum,
 * exclusiveMaximum, minLength, maxLength (in UTF-8 code points), pattern (ECMA-262 subset,
 * translated to a POSIX ERE at load), format (uuid, date, date-time only), $ref, $defs,
 * allOf, anyOf, oneOf, not, if/then/else, and the boolean schemas true/false.
 * Ignored annotations: $schema, $id (used only as a lookup key of a root document), title,
 * description, examples, default, $comment, deprecated, readOnly, writeOnly, contentMediaType.
 * Any other keyword, or an unsupported format or pattern, makes js_schema_set_load_dir() fail.
 *
 * Thread safety: a schema set is read-only after js_schema_set_load_dir() returns, so one
 * schema set may be used by any number of threads calling js_validate() at the same time.
 */

typedef struct js_schema_set js_schema_set;

/* Maximum number of $ref hops at one instance location before the $refs count as cyclic. */
#define JS_MAX_REF_CHAIN 32
/* Maximum nesting of schema evaluations in one js_validate() call. */
#define JS_MAX_DEPTH 128

/*
 * The step budget. A js_validate() call counts its work: one step per schema evaluated at an
 * instance location, per enum value compared, per byte a pattern is matched against, and
 * n*log2(n) steps (plus one per pair of items compared) for uniqueItems over n items. When a
 * call needs more steps than the budget it stops and answers 1 (invalid) with the error
 *   {"pointer": "", "detail": "validation stopped after N steps: ..."}
 * placed before any other error it collected (if errors is an array, regardless of
 * max_errors). The default is far above the largest legitimate request: a 1,000-item response
 * batch takes about 1,000 steps for the batch, then each item (checked in a call of its own)
 * at most about 5,000 (the corpus's largest resident response).
 */
#define JS_STEPS_MAX_DEFAULT 1000000UL
#define JS_STEPS_MAX_LIMIT 1000000000UL /* the largest budget js_set_steps_max() accepts */

/* Sets the step budget of every later js_validate() call (clamped to 1..JS_STEPS_MAX_LIMIT).
 * Call it once at start, before any thread validates (config_load() does, from
 * CDM_VALIDATION_STEPS_MAX). */
void js_set_steps_max(unsigned long n);
/* The step budget in force. */
unsigned long js_steps_max(void);

/*
 * Loads every *.json file of dir, and of each direct subfolder of dir, keyed by its file
 * name relative to dir ("name.json", "sub/name.json") and also by its root "$id" if present.
 * Hidden entries (names starting with '.') are skipped. Every schema is checked for
 * unsupported keywords and every pattern is compiled here, so nothing is loaded lazily.
 * Returns NULL and writes a message to err (if err is not NULL) on failure: unreadable
 * folder or file, bad JSON, a root that is not a schema, a duplicate key, an unsupported
 * keyword/format/pattern anywhere.
 * Ownership: the caller owns the result and releases it with js_schema_set_free().
 */
js_schema_set *js_schema_set_load_dir(const char *dir, char *err, size_t errlen);

/* Releases set and everything it holds; NULL is allowed. */
void js_schema_set_free(js_schema_set *set);

/* Borrowed reference (owned by set) to a loaded schema document, by file name or "$id"; or NULL. */
const json_t *js_schema_set_get(const js_schema_set *set, const char *name);

/*
 * Validates instance against the schema document `name` (a file name or "$id"; a fragment
 * such as "common.json#/$defs/uuid" selects a subschema).
 * Appends up to max_errors error objects
 *   {"pointer": "<RFC 6901 JSON pointer into the instance>", "detail": "<short lower-case message>"}
 * to errors (a JSON array the caller owns; NULL or max_errors == 0 only computes the result,
 * and stops at the first failure).
 * Returns 0 when valid, 1 when invalid (also when the step budget runs out, see above), -1 when
 * the schema name is unknown, a $ref cannot be
 * resolved, $refs are cyclic, or memory runs out. On -1 one more object
 * {"pointer": ..., "detail": "schema error: ..."} is appended to errors (if errors is an
 * array, regardless of max_errors): it is meant for the server log, not for the client.
 */
int js_validate(const js_schema_set *set, const char *name, const json_t *instance, json_t *errors,
                size_t max_errors);

#endif /* CDMEASURE_JSONSCHEMA_H */
