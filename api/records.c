/* records.c — provenance, change events, versions and list pages shared by the
 * domain resources (geography, programme, registry, issues, assets, evidence) */
#include "records.h"
#include "envelope.h"
#include "ids.h"
#include "outbox.h"
#include "queries.h"
#include "survey.h"
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CURSOR_MAX 512 /* characters of an encoded cursor */

struct provenance provenance_of(const struct route_call *call)
{
    const struct principal *who = call->who;
    struct provenance p = {NULL, NULL, "false"};
    if (who) {
        p.agency_id = who->agency_id[0] ? who->agency_id : NULL;
        p.key_id = who->key_id[0] ? who->key_id : NULL;
        p.evaluator = (who->scopes & SCOPE_EVALUATOR) ? "true" : "false";
    }
    return p;
}

const char *record_withdrawer_param(const struct route_call *call)
{
    const struct principal *who = call->who;
    if (who && (who->scopes & SCOPE_ADMIN))
        return NULL;
    return who && who->agency_id[0] ? who->agency_id : "00000000-0000-0000-0000-000000000000";
}

bool record_may_withdraw(const struct route_call *call, const char *supplied_by_agency)
{
    const char *mine = record_withdrawer_param(call);
    return !mine || (supplied_by_agency && strcmp(mine, supplied_by_agency) == 0);
}

/* The envelope of a record change. Returns a new reference, or NULL. */
static json_t *record_event(const struct route_call *call, const char *change,
                            const char *entity, const char *id, long version,
                            const json_t *neighbourhood_ids)
{
    char type[32], event_id[UUID_STR_LEN], when[40], source[300], subject[96], v[24];
    snprintf(type, sizeof type, "record.%s", change);
    snprintf(v, sizeof v, "%ld", version);
    const char *parts[] = {type, entity, id, v, NULL};
    uuid_derive(event_id, parts);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    rfc3339_utc(&now, when, sizeof when);
    snprintf(source, sizeof source, "%s/api", call->ctx->cfg->event_source);
    snprintf(subject, sizeof subject, "%s/%s", entity, id);
    json_t *ids = neighbourhood_ids ? json_deep_copy(neighbourhood_ids) : json_array();
    json_t *data = json_pack("{s:s, s:s, s:I, s:o, s:s}", "entity", entity, "id", id,
                             "version", (json_int_t)version, "neighbourhoodIds", ids,
                             "requestId", call->request_id ? call->request_id : "");
    return data ? envelope_new(event_id, source, type, subject, when, data) : NULL;
}

char *record_event_payload(const struct route_call *call, const char *change,
                           const char *entity, const char *id, long version,
                           const json_t *neighbourhood_ids, char event_id[UUID_STR_LEN])
{
    json_t *ev = record_event(call, change, entity, id, version, neighbourhood_ids);
    if (!ev)
        return NULL;
    snprintf(event_id, UUID_STR_LEN, "%s", json_string_value(json_object_get(ev, "id")));
    char *payload = json_dumps(ev, JSON_COMPACT);
    json_decref(ev);
    return payload;
}

bool record_event_add(PGconn *db, const struct route_call *call, const char *change,
                      const char *entity, const char *id, long version,
                      const json_t *neighbourhood_ids)
{
    json_t *ev = record_event(call, change, entity, id, version, neighbourhood_ids);
    bool ok = ev && outbox_add(db, call->ctx->cfg->topic_submissions, id, ev);
    json_decref(ev);
    return ok;
}

enum cdm_status record_if_match(const struct route_call *call, struct outcome *o,
                                long *version)
{
    const char *h = u_map_get_case(call->req->map_header, "If-Match");
    if (!h || !*h)
        return outcome_fail(o, CDM_ERR_PRECONDITION_REQUIRED,
                            "send If-Match with the ETag of the version you read");
    if (strcmp(h, "*") == 0)
        return outcome_fail(o, CDM_ERR_PRECONDITION_REQUIRED,
                            "If-Match: * is not enough here; send the ETag of the version you read");
    const char *p = h;
    if (strncmp(p, "W/", 2) == 0) /* weak comparison is what If-Match forbids */
        return outcome_fail(o, CDM_ERR_PRECONDITION_FAILED, "If-Match needs a strong ETag");
    char *end;
    long v = *p == '"' ? strtol(p + 1, &end, 10) : -1;
    if (v < 1 || *p != '"' || end[0] != '"' || end[1] != '\0')
        return outcome_fail(o, CDM_ERR_PRECONDITION_FAILED,
                            "If-Match %.40s is not an ETag this API gave out", h);
    *version = v;
    return CDM_OK;
}

void record_set_etag(struct outcome *o, long version)
{
    snprintf(o->etag, sizeof o->etag, "\"%ld\"", version);
}

bool record_body_digest_hex(const json_t *body, char out[65])
{
    unsigned char d[32];
    if (!body_digest(body, d))
        return false;
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
    return true;
}

bool record_body_digest_with(const json_t *body, const char *key, const char *value,
                             char out[65])
{
    json_t *copy = json_deep_copy(body);
    bool ok = copy && json_object_set_new(copy, key, json_string(value)) == 0 &&
              record_body_digest_hex(copy, out);
    json_decref(copy);
    return ok;
}

/* base64url without padding of n bytes into a malloc'd string. */
static char *b64url_encode(const unsigned char *in, size_t n)
{
    char *out = malloc(4 * ((n + 2) / 3) + 1);
    if (!out)
        return NULL;
    int len = EVP_EncodeBlock((unsigned char *)out, in, (int)n);
    while (len > 0 && out[len - 1] == '=')
        len--;
    out[len] = '\0';
    for (char *c = out; *c; c++)
        *c = *c == '+' ? '-' : *c == '/' ? '_' : *c;
    return out;
}

/* Decodes base64url (no padding) into a malloc'd NUL-terminated buffer, or NULL. */
static char *b64url_decode(const char *in)
{
    size_t n = strlen(in);
    if (n == 0 || n > CURSOR_MAX || n % 4 == 1)
        return NULL;
    char *std = malloc(n + 4);
    unsigned char *out = malloc(n + 1);
    if (!std || !out)
        goto fail;
    for (size_t i = 0; i < n; i++) {
        char c = in[i];
        if (c == '-')
            c = '+';
        else if (c == '_')
            c = '/';
        else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
            goto fail;
        std[i] = c;
    }
    size_t padded = n;
    while (padded % 4)
        std[padded++] = '=';
    int len = EVP_DecodeBlock(out, (unsigned char *)std, (int)padded);
    if (len < 0)
        goto fail;
    len -= (int)(padded - n); /* EVP_DecodeBlock counts the padding as zero bytes */
    out[len] = '\0';
    free(std);
    return (char *)out;
fail:
    free(std);
    free(out);
    return NULL;
}

char *record_cursor(const json_t *key)
{
    char *text = json_dumps(key, JSON_COMPACT);
    char *c = text ? b64url_encode((const unsigned char *)text, strlen(text)) : NULL;
    free(text);
    return c;
}

enum cdm_status record_page_params(const struct route_call *call, struct outcome *o,
                                   long def, long max, long *limit, json_t **after)
{
    const char *limit_s = u_map_get(call->req->map_url, "limit");
    const char *cursor = u_map_get(call->req->map_url, "cursor");
    *limit = def;
    *after = NULL;
    if (limit_s) {
        char *end;
        long l = strtol(limit_s, &end, 10);
        if (*end || end == limit_s || l < 1 || l > max)
            return outcome_fail_at(o, CDM_ERR_VALIDATION, "/limit", "limit must be from 1 to %ld",
                                   max);
        *limit = l;
    }
    if (cursor && *cursor) {
        char *text = b64url_decode(cursor);
        json_t *key = text ? json_loads(text, 0, NULL) : NULL;
        free(text);
        if (!json_is_array(key) || json_array_size(key) == 0) {
            json_decref(key);
            return outcome_fail_at(o, CDM_ERR_VALIDATION, "/cursor",
                                   "cursor is not one this API gave out");
        }
        *after = key;
    }
    return CDM_OK;
}

enum cdm_status record_page(const PGresult *r, long limit,
                            json_t *(*key_of)(const json_t *item), struct outcome *o)
{
    json_t *items = json_array();
    int rows = PQntuples(r);
    for (int i = 0; i < rows && i < limit; i++)
        json_array_append_new(items, json_loads(PQgetvalue(r, i, 0), 0, NULL));
    json_t *next = json_null();
    if (rows > limit) {
        json_t *key = key_of(json_array_get(items, (size_t)limit - 1));
        char *c = key ? record_cursor(key) : NULL;
        json_decref(key);
        if (c) {
            json_decref(next);
            next = json_string(c);
            free(c);
        }
    }
    o->body = json_pack("{s:o, s:o}", "items", items, "next", next);
    o->status = o->body ? CDM_OK : CDM_ERR_INTERNAL;
    return o->status;
}

enum cdm_status record_page_keyed(const PGresult *r, long limit, int key_col, json_t *items,
                                  struct outcome *o)
{
    json_t *next = json_null();
    if (PQntuples(r) > limit) { /* one more row than asked: there is a next page */
        json_t *key = json_loads(PQgetvalue(r, (int)limit - 1, key_col), 0, NULL);
        char *c = key ? record_cursor(key) : NULL;
        json_decref(key);
        if (c)
            next = json_string(c);
        free(c);
    }
    if (items && next) /* json_pack's "o" takes both references, on failure too */
        o->body = json_pack("{s:o, s:o}", "items", items, "next", next);
    else {
        json_decref(items);
        json_decref(next);
    }
    o->status = o->body ? CDM_OK : CDM_ERR_INTERNAL;
    return o->status;
}

enum cdm_status record_page_rows(const PGresult *r, long limit, int item_col, int key_col,
                                 struct outcome *o)
{
    json_t *items = json_array();
    for (int i = 0; items && i < PQntuples(r) && i < limit; i++)
        json_array_append_new(items, json_loads(PQgetvalue(r, i, item_col), 0, NULL));
    return record_page_keyed(r, limit, key_col, items, o);
}

bool record_tx_begin(PGconn *db, struct outcome *o)
{
    if (db_exec(db, "BEGIN"))
        return true;
    outcome_fail(o, CDM_ERR_UNAVAILABLE, "the database is not reachable; retry later");
    return false;
}

bool record_tx_commit(PGconn *db, struct outcome *o)
{
    if (!db_exec(db, "COMMIT")) {
        outcome_fail(o, CDM_ERR_UNAVAILABLE, "the database did not commit; retry later");
        return false;
    }
    outbox_wake(db);
    return true;
}

void record_tx_end(PGconn *db)
{
    if (PQstatus(db) == CONNECTION_OK && PQtransactionStatus(db) != PQTRANS_IDLE)
        db_exec(db, "ROLLBACK");
}
