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

/* A client id that is already stored: r is what the record's *_EXISTING
 * statement answered for id (taken: cleared here), with the stored body
 * digest (hex) in column digest_col. Same digest → CDM_REPLAYED, different →
 * 409 at /id naming `what`. */
enum cdm_status cmty_resend(PGconn *db, PGresult *r, int digest_col, const char *id,
                            const char *digest, const char *what, struct outcome *o);

/* cmty_resend with S, an *_EXISTING statement (parameter ID, column DIGEST), run here. */
#define CMTY_RESEND(db, S, id, digest, what, o)                                              \
    cmty_resend((db), DB_RUN((db), S, ((const char *const[S##_NPARAMS]){[S##_P_ID] = (id)})), \
                S##_DIGEST, (id), (digest), (what), (o))

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


/* The cursor key [item[a], item[b]] of a list item (a new reference). */
json_t *cmty_key2(const json_t *item, const char *a, const char *b);

/* Splits a cursor key [sort value, id] (what cmty_key2 makes) into its two
 * strings, borrowed from after; NULL and NULL when there is no cursor (after
 * NULL). False if the cursor is not such a pair, the id a UUID. */
bool cmty_cursor_split(const json_t *after, const char **value, const char **id);

/* A list page whose items are sorted by (a value, id), the cursor key
 * cmty_key2 makes. */
struct cmty_page {
    long limit;                         /* items to serve */
    char limit_s[24];                   /* limit + 1, the statement's LIMIT: a row more
                                           than served says there is a next page */
    json_t *after;                      /* the cursor's key, NULL on the first page;
                                           owned: the caller json_decref()s it */
    const char *after_value, *after_id; /* its two strings, borrowed from after; NULL on
                                           the first page */
};

/* Fills page from ?limit= (1…max, default def) and ?cursor= (record_page_params),
 * the cursor split by cmty_cursor_split. Fails o with 422 at /limit or
 * /cursor, page->after then NULL. */
enum cdm_status cmty_page_params(const struct route_call *call, long def, long max,
                                 struct cmty_page *page, struct outcome *o);
#endif
