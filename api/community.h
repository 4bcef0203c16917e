/* community.h — what the issue, asset and evidence resources share: checks of
 * the references a body names, client-id resends, transactions that commit
 * with their record event, and list query parameters */
#ifndef CDM_COMMUNITY_H
#define CDM_COMMUNITY_H
#include "http.h"
#include "records.h"

#define CMTY_PAGE_DEFAULT 50
#define CMTY_PAGE_MAX 500

/* A string member of body, or NULL. Borrowed from body. */
const char *cmty_str(const json_t *body, const char *key);

/* A lower-case copy of a schema-checked uuid member into out; NULL (and out
 * "") when absent. */
const char *cmty_uuid(const json_t *body, const char *key, char out[UUID_STR_LEN]);

/* Fails o with 422 at `pointer` (and `pointer`/i for an array) unless every
 * neighbourhood in ids (a uuid string or an array of them) exists and the
 * caller may touch it. Either way answers "no such neighbourhood". */
enum cdm_status cmty_check_neighbourhoods(PGconn *db, const struct route_call *call,
                                          const json_t *ids, const char *pointer,
                                          struct outcome *o);

/* Fails o with 422 at pointer unless organisation org exists and serves one
 * of the caller's neighbourhoods (any, for a locality-wide key). */
enum cdm_status cmty_check_organisation(PGconn *db, const struct route_call *call,
                                        const char *org, const char *pointer, struct outcome *o);

/* A client id that is already stored: stmt ($1 id) gives the stored body
 * digest (hex) in column 0. Same digest → CDM_REPLAYED, different → 409 at
 * /id naming `what`. */
enum cdm_status cmty_resend(PGconn *db, const char *stmt, const char *id, const char *digest,
                            const char *what, struct outcome *o);

/* Adds the record event in the open transaction and commits, then wakes the
 * relay. False (o failed) if either failed; the caller rolls back. */
bool cmty_commit_with_event(PGconn *db, const struct route_call *call, const char *change,
                            const char *entity, const char *id, long version,
                            const json_t *neighbourhood_ids, struct outcome *o);

/* Query parameter `name` checked as a uuid (lower-cased into out), a date
 * (YYYY-MM-DD), a month (YYYY-MM), a boolean ("true"/"false") or one of the
 * NULL-terminated `allowed` words. *value is NULL when absent, else borrowed
 * from the request (or out). Fails o with 422 at /name when malformed. */
enum cdm_status cmty_query_uuid(const struct route_call *call, const char *name,
                                char out[UUID_STR_LEN], const char **value, struct outcome *o);
enum cdm_status cmty_query_date(const struct route_call *call, const char *name,
                                const char **value, struct outcome *o);
enum cdm_status cmty_query_month(const struct route_call *call, const char *name,
                                 const char **value, struct outcome *o);
enum cdm_status cmty_query_bool(const struct route_call *call, const char *name,
                                const char **value, struct outcome *o);
enum cdm_status cmty_query_word(const struct route_call *call, const char *name,
                                const char *const allowed[], const char **value,
                                struct outcome *o);

/* True if s is a real calendar date YYYY-MM-DD. */
bool cmty_date_valid(const char *s);

/* The cursor key [item[a], item[b]] of a list item (a new reference). */
json_t *cmty_key2(const json_t *item, const char *a, const char *b);

/* The cursor's two parts as text (borrowed from after), or NULL and NULL
 * when there is no cursor. False if the cursor is not one of ours. */
bool cmty_cursor2(const json_t *after, const char **first, const char **second);
#endif
