/* batch.c — batches of survey responses from offline front-ends: up to 1,000
 * responses of one instrument, each checked and stored exactly as the single
 * endpoints do (instrument_submit), with a result per item */
#include "http.h"
#include "instruments.h"
#include "queries.h"
#include <stdio.h>
#include <string.h>

/* The item's result from its outcome. Error pointers are relative to the
 * item (the same pointers the single endpoint would answer). Returns a new
 * reference, or NULL for a failure that ends the batch (database away). */
static json_t *item_result(size_t index, const json_t *item, const struct outcome *o)
{
    const char *status;
    switch (o->status) {
    case CDM_CREATED: status = "created"; break;
    case CDM_REPLAYED: status = "duplicate"; break;
    case CDM_ERR_CONFLICT: status = "conflict"; break;
    case CDM_ERR_VALIDATION: status = "invalid"; break;
    default: return NULL;
    }
    const char *id = json_string_value(json_object_get(item, "id"));
    char lower[UUID_STR_LEN];
    bool has_id = id && uuid_is_valid(id);
    if (has_id)
        uuid_normalise(id, lower);
    json_t *res = json_pack("{s:I, s:s?, s:s}", "index", (json_int_t)index, "id",
                            has_id ? lower : NULL, "status", status);
    if (res && cdm_status_failed(o->status)) {
        json_t *errors = o->errors ? json_incref(o->errors) : json_array();
        if (json_array_size(errors) == 0)
            json_array_append_new(errors, json_pack("{s:s, s:s}", "pointer", "", "detail",
                                                    o->detail));
        json_object_set_new(res, "errors", errors);
    }
    return res;
}

/* Checks one item against its instrument's schema; on failure fills o with
 * 422 and every error. */
static enum cdm_status item_schema(const struct api_ctx *ctx, const struct instrument *ins,
                                   const json_t *item, struct outcome *o)
{
    json_t *errors = json_array();
    int rc = js_validate(ctx->schemas, ins->schema, item, errors, 20);
    if (rc == 0) {
        json_decref(errors);
        return CDM_OK;
    }
    if (rc < 0) {
        json_decref(errors);
        return outcome_fail(o, CDM_ERR_INTERNAL, "schema %s missing", ins->schema);
    }
    o->status = CDM_ERR_VALIDATION;
    o->errors = errors;
    snprintf(o->detail, sizeof o->detail, "the response does not match %s", ins->schema);
    return o->status;
}

/* Runs a batch. Stored items commit one by one, each with its event, so a
 * batch cut short (the database went away) can simply be resent: what was
 * stored comes back as duplicates. A dry run does the same work inside one
 * transaction that is rolled back: the same checks, later items seeing
 * earlier ones (a repeated id is a duplicate or conflict), nothing stored,
 * no event. */
static enum cdm_status batch_run(PGconn *db, const struct route_call *call, struct outcome *o)
{
    const json_t *body = call->body;
    const struct instrument *ins =
        instrument_named(json_string_value(json_object_get(body, "instrument")));
    bool dry = json_is_true(json_object_get(body, "dryRun"));
    const json_t *items = json_object_get(body, "items");
    json_t *results = json_array();
    long counts[4] = {0};
    static const char *const names[] = {"created", "duplicate", "conflict", "invalid"};
    if (!ins || !results) {
        json_decref(results);
        return outcome_fail(o, CDM_ERR_INTERNAL, "unknown instrument");
    }
    if (dry && !db_exec(db, "BEGIN")) {
        json_decref(results);
        return outcome_fail(o, CDM_ERR_UNAVAILABLE, "the database is not reachable; retry later");
    }
    size_t i;
    const json_t *item;
    json_array_foreach(items, i, item) {
        struct outcome one = OUTCOME_INIT;
        if (item_schema(call->ctx, ins, item, &one) == CDM_OK) {
            /* A savepoint keeps one item's database error from spoiling the
             * dry run's transaction for the items after it. */
            if (dry && !db_exec(db, "SAVEPOINT item")) {
                outcome_fail(&one, CDM_ERR_UNAVAILABLE, "the database is not reachable");
            } else {
                instrument_submit(db, call, ins, item, dry, &one);
                bool failed = PQtransactionStatus(db) == PQTRANS_INERROR;
                if (dry && !db_exec(db, failed ? "ROLLBACK TO SAVEPOINT item"
                                               : "RELEASE SAVEPOINT item"))
                    outcome_fail(&one, CDM_ERR_UNAVAILABLE, "the database is not reachable");
            }
        }
        json_t *res = item_result(i, item, &one);
        if (!res) { /* the batch stops here; the stored items stay stored */
            o->status = one.status;
            snprintf(o->detail, sizeof o->detail,
                     "item %zu: %.200s; items before it were stored, resend the batch", i,
                     one.detail[0] ? one.detail : "failed");
            outcome_clear(&one);
            json_decref(results);
            if (dry)
                db_exec(db, "ROLLBACK");
            return o->status;
        }
        for (int k = 0; k < 4; k++)
            if (strcmp(json_string_value(json_object_get(res, "status")), names[k]) == 0)
                counts[k]++;
        json_array_append_new(results, res);
        outcome_clear(&one);
    }
    if (dry)
        db_exec(db, "ROLLBACK");
    o->body = json_pack("{s:s, s:b, s:{s:I, s:I, s:I, s:I}, s:o}", "instrument", ins->name,
                        "dryRun", dry, "counts", names[0], (json_int_t)counts[0], names[1],
                        (json_int_t)counts[1], names[2], (json_int_t)counts[2], names[3],
                        (json_int_t)counts[3], "items", results);
    o->status = o->body ? CDM_OK : outcome_fail(o, CDM_ERR_INTERNAL, "out of memory");
    return o->status;
}

const struct route batch_routes[] = {
    {.method = "POST", .path = "/v1/responses/batch", .logic = batch_run,
     .schema = "response-batch.json", .scope = SCOPE_SUBMIT},
    {.method = NULL},
};
