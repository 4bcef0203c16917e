/* records.h — what every domain resource shares: provenance, change events,
 * versions (ETag / If-Match), client ids with body digests, and list pages */
#ifndef CDM_RECORDS_H
#define CDM_RECORDS_H
#include "http.h"

/* Entities whose changes are events on cdm.submissions (record.created,
 * record.updated, record.withdrawn); the indicator workers switch on it. */
#define ENTITY_AREA                "area"
#define ENTITY_NEIGHBOURHOOD       "neighbourhood"
#define ENTITY_PROGRAMME           "programme"
#define ENTITY_MILESTONE           "milestone"
#define ENTITY_ORGANISATION        "organisation"
#define ENTITY_ORGANISATION_UPDATE "organisation_update"
#define ENTITY_ORGANISATION_LINK   "organisation_link"
#define ENTITY_COMMUNITY_ISSUE     "community_issue"
#define ENTITY_ISSUE_RESPONSE      "issue_response"
#define ENTITY_MEETING_SPACE       "meeting_space"
#define ENTITY_GRANT_SCHEME        "grant_scheme"
#define ENTITY_CD_INPUT            "cd_input"
#define ENTITY_EVIDENCE            "evidence"
#define ENTITY_KPI_TARGET          "kpi_target"

/* Who supplied a record, as three SQL text parameters in this order:
 * agency id, key id, "true"/"false" for the evaluator role. The strings are
 * borrowed from call->who (valid for the request). */
struct provenance {
    const char *agency_id, *key_id, *evaluator;
};
struct provenance provenance_of(const struct route_call *call);

/* Who may withdraw a record: the agency that supplied it, or an admin key.
 * As an SQL uuid parameter for "AND ($n::uuid IS NULL OR supplied_by_agency =
 * $n::uuid)": NULL for an admin, else the caller's agency (a key without one
 * gets a uuid no agency has). A record with no supplying agency: admin only.
 * Borrowed from call->who. */
const char *record_withdrawer_param(const struct route_call *call);

/* The same rule in C; supplied_by_agency is "" or NULL when the row has none. */
bool record_may_withdraw(const struct route_call *call, const char *supplied_by_agency);

/* The record.<change> CloudEvent for one version of a record, as the compact
 * JSON text that goes into the outbox, and its id into event_id. The id is
 * derived from (type, entity, id, version): the same change always gives the
 * same event. change is "created", "updated" or "withdrawn".
 * neighbourhood_ids (borrowed, may be NULL) is an array of uuid strings.
 * Returns a malloc'd string the caller frees, or NULL when out of memory. */
char *record_event_payload(const struct route_call *call, const char *change,
                           const char *entity, const char *id, long version,
                           const json_t *neighbourhood_ids, char event_id[UUID_STR_LEN]);

/* Same event, inserted into the outbox inside the caller's open transaction
 * (topic cdm.submissions, key: the record's id). False on a database error. */
bool record_event_add(PGconn *db, const struct route_call *call, const char *change,
                      const char *entity, const char *id, long version,
                      const json_t *neighbourhood_ids);

/* The If-Match header as a version: 428 when absent (`*` is refused too: a
 * field team's write must say which version it read), 412 when it names no
 * version. Returns CDM_OK and sets *version, else fails o. */
enum cdm_status record_if_match(const struct route_call *call, struct outcome *o,
                                long *version);

/* Sets o->etag to the quoted version, e.g. "\"3\"". */
void record_set_etag(struct outcome *o, long version);

/* SHA-256 (hex, 65 bytes) of the canonical JSON of body: how a resent
 * create with the same client id is told from a different one. */
bool record_body_digest_hex(const json_t *body, char out[65]);

/* The same digest of body with key set to value (a copy; body is unchanged):
 * for a field the service defaults, such as the key's agency, so that a
 * resend is recognised only when what was stored would be the same. */
bool record_body_digest_with(const json_t *body, const char *key, const char *value,
                             char out[65]);

/* A list page's bounds from ?limit= (1…max, default def) and ?cursor=.
 * The cursor is opaque to clients: base64url of a JSON array of the sort key
 * of the last item served. *after is NULL on the first page, else a new
 * array the caller json_decref()s. Fails o with 422 on a bad limit or cursor. */
enum cdm_status record_page_params(const struct route_call *call, struct outcome *o,
                                   long def, long max, long *limit, json_t **after);

/* The cursor for a page that ends with sort key `key` (borrowed JSON array).
 * Returns a malloc'd string the caller frees, or NULL. */
char *record_cursor(const json_t *key);

/* Builds o->body = {"items": [...], "next": cursor|null} from the first
 * column (JSON text) of up to limit rows of r; when r has more rows than limit
 * (ask for limit + 1), `next` is the cursor of the sort key that key_of
 * extracts from the last item served (a new reference). Sets CDM_OK. */
enum cdm_status record_page(const PGresult *r, long limit,
                            json_t *(*key_of)(const json_t *item), struct outcome *o);
/* The transaction of a write on the borrowed connection. begin: 503 when the
 * database is not reachable. commit: 503 when it did not commit; after a
 * commit, wakes the relay (the write's events are in the outbox). end: rolls
 * back whatever is still open, on every path out (the connection goes back
 * to the pool). */
bool record_tx_begin(PGconn *db, struct outcome *o);
bool record_tx_commit(PGconn *db, struct outcome *o);
void record_tx_end(PGconn *db);

/* Finishes a page whose rows carry their own sort key (JSON array text) in
 * column key_col: o->body = {"items": items, "next": …}, `next` the cursor of
 * row limit-1's key when r holds more than limit rows (ask for limit + 1).
 * Takes ownership of items (built by the caller from the first limit rows).
 * Sets CDM_OK, or CDM_ERR_INTERNAL when out of memory. */
enum cdm_status record_page_keyed(const PGresult *r, long limit, int key_col, json_t *items,
                                  struct outcome *o);

/* The same with the items read from column item_col (JSON text) of the rows. */
enum cdm_status record_page_rows(const PGresult *r, long limit, int item_col, int key_col,
                                 struct outcome *o);
#endif
