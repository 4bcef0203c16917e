/* fuzz_cursor.c — libFuzzer target: page cursor decoding, through the API's own code
 * (api/pages.c record_page_params, which base64url-decodes ?cursor= and parses the JSON
 * array; api/community.c cmty_cursor_split), linked as objects and called with a real
 * Ulfius request whose query holds the input as ?cursor=.
 *
 * Checked beyond "no crash, no sanitizer report":
 *  - a cursor is accepted (CDM_OK with a key) or refused with a 422 at /cursor, nothing
 *    else; an accepted key is a non-empty JSON array, and record_cursor of it is accepted
 *    again and gives an equal key (a cursor this API gives out reads back);
 *  - when the input, read as JSON, is a non-empty array, the cursor record_cursor makes of
 *    it (when no longer than the 512 characters a cursor may have) is accepted and gives
 *    an equal key;
 *  - cmty_cursor_split of an accepted key gives both strings or refuses it, never a half. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ulfius.h>

#include "community.h"
#include "pages.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const char *cursor)
{
    fprintf(stderr, "fuzz_cursor: %s (cursor \"%s\")\n", what, cursor);
    abort();
}

/* record_page_params with ?cursor=cursor: its status, the key in *after (or NULL). */
static enum cdm_status params(const char *cursor, json_t **after)
{
    struct _u_request req;
    if (ulfius_init_request(&req) != U_OK)
        fail("ulfius_init_request failed", cursor);
    u_map_put(req.map_url, "cursor", cursor);
    struct route_call call = {.req = &req};
    struct outcome o = OUTCOME_INIT;
    long limit = 0;
    enum cdm_status st = record_page_params(&call, &o, 20, 100, &limit, after);
    if (st == CDM_OK && limit != 20)
        fail("the default limit changed", cursor);
    if (st != CDM_OK) {
        const char *ptr = json_string_value(json_object_get(json_array_get(o.errors, 0), "pointer"));
        if (st != CDM_ERR_VALIDATION || *after || !ptr || strcmp(ptr, "/cursor") != 0)
            fail("a refused cursor is not a 422 at /cursor", cursor);
    }
    outcome_clear(&o);
    ulfius_clean_request(&req);
    return st;
}

/* key came from a cursor: its own cursor must read back as an equal key. */
static void reads_back(const json_t *key, const char *from)
{
    char *again = record_cursor(key);
    if (!again)
        fail("record_cursor failed", from);
    if (strlen(again) <= 512) {
        json_t *key2 = NULL;
        if (params(again, &key2) != CDM_OK || !json_equal(key, key2))
            fail("a cursor the API gave out does not read back", again);
        json_decref(key2);
    }
    free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *cursor = malloc(size + 1);
    if (!cursor)
        return 0;
    memcpy(cursor, data, size);
    cursor[size] = '\0';

    json_t *after = NULL;
    if (params(cursor, &after) == CDM_OK && after) {
        if (!json_is_array(after) || json_array_size(after) == 0)
            fail("an accepted key that is not a non-empty array", cursor);
        const char *value, *id;
        bool ok = cmty_cursor_split(after, &value, &id);
        if (ok && (!value || !id))
            fail("cmty_cursor_split accepted a key without its two strings", cursor);
        reads_back(after, cursor);
    }
    json_decref(after);

    json_t *key = json_loadb((const char *)data, size, 0, NULL);
    if (json_is_array(key) && json_array_size(key) > 0)
        reads_back(key, cursor);
    json_decref(key);
    free(cursor);
    return 0;
}
