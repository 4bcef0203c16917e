/* text.h — small string helpers (pure) */
#ifndef CDM_TEXT_H
#define CDM_TEXT_H
#include <jansson.h>

/* Cuts a string that snprintf may have truncated back to the end of its last
 * whole UTF-8 character, so it stays valid UTF-8 for JSON and PostgreSQL. */
void utf8_trim(char *s);
/* A JSON array of strings as a PostgreSQL array literal, {a,b}; NULL when
 * empty or out of memory. The items must need no quoting (UUIDs, scope
 * names, event types, secrets): callers pass schema-checked values only.
 * Caller frees. */
char *pg_array_literal(const json_t *items);
#endif
