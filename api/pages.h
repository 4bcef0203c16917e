/* pages.h — list pages: ?limit= and the opaque ?cursor=, and the {items, next} answer */
#ifndef CDM_PAGES_H
#define CDM_PAGES_H
#include "http.h"

/* A list page's bounds from ?limit= (1…max, default def) and ?cursor=.
 * The cursor is opaque to clients: base64url of a JSON array of the sort key
 * of the last item served. *after is NULL on the first page, else a new
 * array the caller json_decref()s. Fails o with 422 on a bad limit or cursor. */
enum cdm_status record_page_params(const struct route_call *call, struct outcome *o,
                                   long def, long max, long *limit, json_t **after);

/* The cursor for a page that ends with sort key `key` (borrowed JSON array).
 * Returns a malloc'd string the caller frees, or NULL. */
char *record_cursor(const json_t *key);

/* Builds o->body = {"items": [...], "next": cursor|null} from column
 * item_col (JSON text) of up to limit rows of r; when r has more rows than
 * limit (ask for limit + 1), `next` is the cursor of the sort key that key_of
 * extracts from the last item served (a new reference). Sets CDM_OK. */
enum cdm_status record_page_at(const PGresult *r, long limit, int item_col,
                               json_t *(*key_of)(const json_t *item), struct outcome *o);

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
