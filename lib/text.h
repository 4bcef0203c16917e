/* text.h — small string helpers (pure), and the monotonic clock intervals are measured on */
#ifndef CDM_TEXT_H
#define CDM_TEXT_H
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Cuts a string that snprintf may have truncated back to the end of its last
 * whole UTF-8 character, so it stays valid UTF-8 for JSON and PostgreSQL. */
void utf8_trim(char *s);
/* A JSON array of strings as a PostgreSQL array literal, {a,b}; NULL when
 * empty or out of memory. The items must need no quoting (UUIDs, scope
 * names, event types, secrets): callers pass schema-checked values only.
 * Caller frees. */
char *pg_array_literal(const json_t *items);
/* The same of n C strings (NULL counts as ""). */
char *pg_array_literal_of(const char *const *items, size_t n);

/* A growable NUL-terminated string. Start it zeroed ({0}); s is malloc'd and
 * owned by whoever holds the buffer (free(b.s), or take it with textbuf_take).
 * After an allocation fails, `failed` is set and further appends do nothing,
 * so a builder checks once at the end. */
struct textbuf {
    char *s;
    size_t len, cap;
    bool failed;
};
/* Appends n bytes of s. */
void textbuf_put(struct textbuf *b, const char *s, size_t n);
/* Appends a NUL-terminated string. */
void textbuf_puts(struct textbuf *b, const char *s);
/* Appends one byte. */
void textbuf_putc(struct textbuf *b, char c);
/* The text so far (borrowed, "" while empty). */
const char *textbuf_str(const struct textbuf *b);
/* Cuts the text back to its first len bytes (no-op if it is shorter). */
void textbuf_truncate(struct textbuf *b, size_t len);
/* The text (the caller frees it), or NULL if an append failed (then freed
 * here); the buffer is left empty either way. An empty buffer gives "". */
char *textbuf_take(struct textbuf *b);
/* The FNV-1a hash of s: where a fixed table of slots keyed by a string
 * (a key prefix, an address) puts it. */
unsigned text_hash(const char *s);

/* Seconds on the monotonic clock: for intervals (rate buckets, cache ages,
 * a probe's freshness), never for dates. */
double monotonic_seconds(void);
#endif
