/* indicator_apply.c — one event in, exact aggregates, cells and the release ledger out, in one transaction */
#include "indicator_apply.h"
#include "alerts.h"
#include "releases.h"
#include "cell_apply.h"
#include "event.h"
#include "indicator_dated.h"
#include "catalogue.h"
#include "log.h"
#include "outbox.h"
#include "queries.h"
#include "text.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The contributions of a batch, folded into the aggregates in one statement
 * when the batch ends: one row per (response, indicator) added (sign 1) or
 * taken back (sign -1). Columns as JSON arrays of strings, turned into
 * PostgreSQL array literals for unnest(). Owned by the batch. */
struct batch {
    json_t *indicator, *neighbourhood, *round, *weight, *y, *sign, *record_key;
    json_t *rounds;      /* round -> neighbourhoods whose figures moved (releases.h) */
    json_t *touched;     /* neighbourhood -> rounds to judge again (alerts.h) */
    struct cell_batch cells;
};

static bool batch_init(struct batch *b)
{
    *b = (struct batch){json_array(), json_array(), json_array(), json_array(), json_array(),
                        json_array(), json_array(), json_object(), json_object(), {NULL}};
    return cell_batch_init(&b->cells) && b->indicator && b->neighbourhood && b->round &&
           b->weight && b->y && b->sign && b->record_key && b->rounds && b->touched;
}

static void batch_free(struct batch *b)
{
    json_decref(b->indicator);
    json_decref(b->neighbourhood);
    json_decref(b->round);
    json_decref(b->weight);
    json_decref(b->y);
    json_decref(b->sign);
    json_decref(b->record_key);
    json_decref(b->rounds);
    json_decref(b->touched);
    cell_batch_free(&b->cells);
}

static bool batch_push(struct batch *b, const char *indicator, const char *neighbourhood,
                       const char *round, const char *weight, int y, int sign,
                       const char *record_key)
{
    return json_array_append_new(b->indicator, json_string(indicator)) == 0 &&
           json_array_append_new(b->neighbourhood, json_string(neighbourhood)) == 0 &&
           json_array_append_new(b->round, json_string(round)) == 0 &&
           json_array_append_new(b->weight, json_string(weight)) == 0 &&
           json_array_append_new(b->y, json_string(y ? "1" : "0")) == 0 &&
           json_array_append_new(b->sign, json_string(sign > 0 ? "1" : "-1")) == 0 &&
           json_array_append_new(b->record_key, json_string(record_key)) == 0;
}

/* Folds the batch's contributions into the aggregates and cells (one
 * statement each, exact NUMERIC sums). Nothing is published here: the
 * releases of frozen rounds the batch moved follow (releases.h), then the
 * significance and KPIs of what they released or what round events moved. */
static enum apply_result batch_flush(PGconn *db, const struct apply_config *cfg, struct batch *b)
{
    /* The other cells first: sector responses have no neighbourhood cell. */
    if (cell_batch_flush(db, cfg, &b->cells) != APPLY_DONE)
        return APPLY_RETRY;
    enum apply_result result = APPLY_DONE;
    char *cols[AGGREGATE_APPLY_NPARAMS] = {NULL};
    if (json_array_size(b->indicator) > 0) {
        cols[AGGREGATE_APPLY_P_INDICATORS] = pg_array_literal(b->indicator);
        cols[AGGREGATE_APPLY_P_NEIGHBOURHOODS] = pg_array_literal(b->neighbourhood);
        cols[AGGREGATE_APPLY_P_ROUNDS] = pg_array_literal(b->round);
        cols[AGGREGATE_APPLY_P_WEIGHTS] = pg_array_literal(b->weight);
        cols[AGGREGATE_APPLY_P_YS] = pg_array_literal(b->y);
        cols[AGGREGATE_APPLY_P_SIGNS] = pg_array_literal(b->sign);
        cols[AGGREGATE_APPLY_P_RECORD_KEYS] = pg_array_literal(b->record_key);
        for (int i = 0; i < AGGREGATE_APPLY_NPARAMS; i++)
            if (!cols[i])
                result = APPLY_RETRY;
        PGresult *r = result == APPLY_DONE
                          ? DB_RUN(db, AGGREGATE_APPLY, (const char *const *)cols)
                          : NULL;
        if (r && !db_ok(r)) {
            log_error("aggregate update failed",
                      json_pack("{s:s}", "error", PQresultErrorMessage(r)));
            result = APPLY_RETRY;
        }
        PQclear(r);
        for (int i = 0; i < AGGREGATE_APPLY_NPARAMS; i++)
            free(cols[i]);
    }
    struct release_counts made;
    if (result == APPLY_DONE && !releases_after_batch(db, cfg, b->rounds, b->touched, &made))
        result = APPLY_RETRY;
    if (result == APPLY_DONE && !alerts_after_batch(db, cfg, b->touched))
        result = APPLY_RETRY;
    return result;
}

/* Reads one event and records what it contributes in b: a submission's
 * classified answers (stored at once as the response's contributions, so that
 * a withdrawal later in the same batch finds them), or a withdrawal's stored
 * contributions with the sign reversed. */
static enum apply_result apply_event(PGconn *db, const struct apply_config *cfg,
                                     const char *payload, size_t len, struct apply_trace *trace,
                                     struct batch *b)
{
    enum apply_result result = APPLY_POISON;
    PGresult *r = NULL;
    json_t *answers = NULL, *ids = json_array(), *ys = json_array();
    json_t *ev = json_loadb(payload, len, 0, NULL);
    const char *type = json_string_value(json_object_get(ev, "type"));
    const char *event_id = json_string_value(json_object_get(ev, "id"));
    const char *response_id =
        json_string_value(json_object_get(json_object_get(ev, "data"), "responseId"));
    if (envelope_check(ev) || !uuid_is_valid(event_id)) {
        log_error("not a valid event", json_pack("{s:s%}", "payload", payload, len));
        goto out;
    }
    if (trace) {
        const char *rid = json_string_value(json_object_get(json_object_get(ev, "data"), "requestId"));
        snprintf(trace->event_id, sizeof trace->event_id, "%s", event_id);
        snprintf(trace->type, sizeof trace->type, "%s", type);
        snprintf(trace->request_id, sizeof trace->request_id, "%s", rid ? rid : "");
    }
    int sign = strcmp(type, EVT_RESPONSE_SUBMITTED) == 0   ? 1
               : strcmp(type, EVT_RESPONSE_WITHDRAWN) == 0 ? -1
                                                           : 0;
    const char *instrument =
        json_string_value(json_object_get(json_object_get(ev, "data"), "instrument"));
    if (sign == 0 && alerts_record_event(db, cfg, ev, b->touched, &result)) {
        /* A round closed or became a baseline: released and judged after the batch. */
        const char *round = json_string_value(json_object_get(json_object_get(ev, "data"), "id"));
        if (result == APPLY_DONE && uuid_is_valid(round) && !releases_note(b->rounds, round, NULL))
            result = APPLY_RETRY;
        goto out;
    }
    bool sector = instrument && strcmp(instrument, "sector") == 0;
    /* Other record changes and agency reports move the dated indicators
     * (indicator_dated.c); resident and sector responses are folded here. */
    if (sign == 0 || !uuid_is_valid(response_id) || !instrument ||
        (strcmp(instrument, "resident") != 0 && !sector)) {
        result = dated_apply_event(db, cfg, ev);
        goto out;
    }
    const char *pp[PROCESSED_INSERT_NPARAMS] = {[PROCESSED_INSERT_P_CONSUMER] = cfg->consumer,
                                                [PROCESSED_INSERT_P_EVENT_ID] = event_id};
    r = DB_RUN(db, PROCESSED_INSERT, pp);
    if (!db_ok(r)) {
        result = APPLY_RETRY;
        goto out;
    }
    if (strcmp(PQcmdTuples(r), "0") == 0) {
        result = APPLY_DUPLICATE;
        goto out;
    }
    PQclear(r);
    const char *rp[RESPONSE_FOR_APPLY_NPARAMS] = {[RESPONSE_FOR_APPLY_P_ID] = response_id};
    r = DB_RUN(db, RESPONSE_FOR_APPLY, rp);
    if (!db_ok(r)) {
        result = APPLY_RETRY;
        goto out;
    }
    if (PQntuples(r) == 0) {
        log_error("event for an unknown response", json_pack("{s:s}", "responseId", response_id));
        goto out;
    }
    bool counted = strcmp(PQgetvalue(r, 0, RESPONSE_FOR_APPLY_COUNTED), "t") == 0;
    bool withdrawn = strcmp(PQgetvalue(r, 0, RESPONSE_FOR_APPLY_WITHDRAWN), "t") == 0;
    /* Add once if live and not yet added; remove once if added. Either order
     * of the two events gives the same end state. */
    if ((sign > 0 && (counted || withdrawn)) || (sign < 0 && !counted)) {
        result = APPLY_DONE;
        goto out;
    }
    char weight[32], round[UUID_STR_LEN], neighbourhood[UUID_STR_LEN], record_key[8];
    snprintf(weight, sizeof weight, "%s", PQgetvalue(r, 0, RESPONSE_FOR_APPLY_WEIGHT));
    snprintf(record_key, sizeof record_key, "%s", PQgetvalue(r, 0, RESPONSE_FOR_APPLY_RECORD_KEY));
    snprintf(round, sizeof round, "%s", PQgetvalue(r, 0, RESPONSE_FOR_APPLY_ROUND_ID));
    snprintf(neighbourhood, sizeof neighbourhood, "%s",
             PQgetvalue(r, 0, RESPONSE_FOR_APPLY_NEIGHBOURHOOD_ID));
    /* What a frozen round's release or revision looks at after the batch
     * (sector responses: the round's locality cells). */
    if (!releases_note(b->rounds, round, sector ? NULL : neighbourhood)) {
        result = APPLY_RETRY;
        goto out;
    }
    answers = json_loads(PQgetvalue(r, 0, RESPONSE_FOR_APPLY_ANSWERS), 0, NULL);
    PQclear(r);
    const char *cp[RESPONSE_SET_COUNTED_NPARAMS] = {
        [RESPONSE_SET_COUNTED_P_ID] = response_id,
        [RESPONSE_SET_COUNTED_P_COUNTED] = sign > 0 ? "true" : "false"};
    r = DB_RUN(db, RESPONSE_SET_COUNTED, cp);
    if (!db_ok(r) || PQntuples(r) != 1) {
        result = APPLY_RETRY;
        goto out;
    }
    /* The cells it is added to, fixed when it was counted (see 013). */
    char ward[UUID_STR_LEN], age_band[16], sex[24];
    snprintf(ward, sizeof ward, "%s", PQgetvalue(r, 0, RESPONSE_SET_COUNTED_CELL_WARD_ID));
    snprintf(age_band, sizeof age_band, "%s", PQgetvalue(r, 0, RESPONSE_SET_COUNTED_CELL_AGE_BAND));
    snprintf(sex, sizeof sex, "%s", PQgetvalue(r, 0, RESPONSE_SET_COUNTED_CELL_SEX));
    struct cell_keys keys = {
        .neighbourhood = sector ? NULL : neighbourhood,
        .round = round,
        .ward = PQgetisnull(r, 0, RESPONSE_SET_COUNTED_CELL_WARD_ID) ? NULL : ward,
        .age_band = PQgetisnull(r, 0, RESPONSE_SET_COUNTED_CELL_AGE_BAND) ? NULL : age_band,
        .sex = PQgetisnull(r, 0, RESPONSE_SET_COUNTED_CELL_SEX) ? NULL : sex,
    };
    result = cell_batch_count(&b->cells, &keys, sign) ? APPLY_DONE : APPLY_RETRY;
    if (sign > 0) {
        for (const struct indicator_def *d = indicator_catalogue; d->id && result == APPLY_DONE; d++) {
            if (!d->classify || strcmp(d->source, instrument) != 0)
                continue;
            enum response_outcome y = d->classify(answers);
            if (y == OUTCOME_NOT_IN_BASE)
                continue;
            if (json_array_append_new(ids, json_string(d->id)) != 0 ||
                json_array_append_new(ys, json_string(y == OUTCOME_YES ? "1" : "0")) != 0 ||
                (!sector &&
                 !batch_push(b, d->id, neighbourhood, round, weight, y == OUTCOME_YES, 1, record_key)) ||
                !cell_batch_push(&b->cells, &keys, d->id, weight, y == OUTCOME_YES, 1))
                result = APPLY_RETRY;
        }
        /* Remembered, so that a withdrawal subtracts exactly this. */
        char *ids_l = pg_array_literal(ids), *ys_l = pg_array_literal(ys);
        if (result == APPLY_DONE && ids_l && ys_l) {
            PQclear(r);
            const char *contrib[CONTRIBUTIONS_ADD_NPARAMS] = {
                [CONTRIBUTIONS_ADD_P_RESPONSE_ID] = response_id,
                [CONTRIBUTIONS_ADD_P_INDICATORS] = ids_l,
                [CONTRIBUTIONS_ADD_P_WEIGHT] = weight,
                [CONTRIBUTIONS_ADD_P_YS] = ys_l};
            r = DB_RUN(db, CONTRIBUTIONS_ADD, contrib);
            if (!db_ok(r))
                result = APPLY_RETRY;
        } else if (json_array_size(ids) > 0) {
            result = APPLY_RETRY;
        }
        free(ids_l);
        free(ys_l);
    } else {
        PQclear(r);
        const char *tp[CONTRIBUTIONS_TAKE_NPARAMS] = {[CONTRIBUTIONS_TAKE_P_RESPONSE_ID] =
                                                          response_id};
        r = DB_RUN(db, CONTRIBUTIONS_TAKE, tp);
        if (!db_ok(r)) {
            result = APPLY_RETRY;
            goto out;
        }
        for (int i = 0; i < PQntuples(r) && result == APPLY_DONE; i++) {
            const char *indicator = PQgetvalue(r, i, CONTRIBUTIONS_TAKE_INDICATOR),
                       *taken = PQgetvalue(r, i, CONTRIBUTIONS_TAKE_WEIGHT);
            int y = atoi(PQgetvalue(r, i, CONTRIBUTIONS_TAKE_Y));
            if ((!sector &&
                 !batch_push(b, indicator, neighbourhood, round, taken, y, -1, record_key)) ||
                !cell_batch_push(&b->cells, &keys, indicator, taken, y, -1))
                result = APPLY_RETRY;
        }
    }
out:
    if (result == APPLY_RETRY)
        log_error("apply failed", json_pack("{s:s}", "error", PQerrorMessage(db)));
    PQclear(r);
    json_decref(ids);
    json_decref(ys);
    json_decref(answers);
    json_decref(ev);
    return result;
}

enum apply_result indicator_apply_in_tx(PGconn *db, const struct apply_config *cfg,
                                        const char *payload, size_t len,
                                        struct apply_trace *trace)
{
    struct batch b;
    enum apply_result res = APPLY_RETRY;
    if (batch_init(&b)) {
        res = apply_event(db, cfg, payload, len, trace, &b);
        if (res == APPLY_DONE)
            res = batch_flush(db, cfg, &b);
    }
    batch_free(&b);
    return res;
}

enum apply_result indicator_apply_batch(PGconn *db, const struct apply_config *cfg,
                                        const struct apply_input *in, size_t n)
{
    struct apply_trace *traces = calloc(n ? n : 1, sizeof *traces);
    enum apply_result *results = calloc(n ? n : 1, sizeof *results);
    enum apply_result res = APPLY_RETRY;
    struct batch b;
    bool have_batch = batch_init(&b);
    if (!traces || !results || !have_batch || !db_exec(db, "BEGIN"))
        goto out;
    /* No savepoints needed: a duplicate or a poison event writes nothing that
     * matters (at most its processed_event row, which is right to keep), and a
     * failure leaves the transaction aborted, so the whole batch goes again. */
    for (size_t i = 0; i < n; i++) {
        results[i] = apply_event(db, cfg, in[i].payload, in[i].len, &traces[i], &b);
        if (results[i] == APPLY_RETRY) {
            db_exec(db, "ROLLBACK");
            goto out;
        }
    }
    if (batch_flush(db, cfg, &b) != APPLY_DONE || !db_exec(db, "COMMIT"))
        goto out; /* not committed: no offset is stored either */
    outbox_wake(db);
    for (size_t i = 0; i < n; i++) {
        if (results[i] == APPLY_DONE)
            log_info("applied", json_pack("{s:s, s:s, s:s}", "eventId", traces[i].event_id, "type",
                                          traces[i].type, "requestId", traces[i].request_id));
        else if (results[i] == APPLY_DUPLICATE)
            log_info("duplicate ignored", json_pack("{s:s, s:s}", "eventId", traces[i].event_id,
                                                    "requestId", traces[i].request_id));
        else
            log_error("skipped an event that cannot be applied",
                      json_pack("{s:s%}", "payload", in[i].payload, in[i].len));
    }
    res = APPLY_DONE;
out:
    if (res != APPLY_DONE && PQstatus(db) == CONNECTION_OK && PQtransactionStatus(db) != PQTRANS_IDLE)
        db_exec(db, "ROLLBACK");
    batch_free(&b);
    free(traces);
    free(results);
    return res;
}
