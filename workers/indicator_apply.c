/* indicator_apply.c — one event in, exact aggregates and a snapshot out, in one transaction */
#include "indicator_apply.h"
#include "envelope.h"
#include "ids.h"
#include "indicators.h"
#include "log.h"
#include "outbox.h"
#include "queries.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Adds (sign +1) or removes (sign -1) one response's contribution to one
 * indicator, then writes the snapshot and its event. */
static enum apply_result apply_indicator(PGconn *db, const struct apply_config *cfg,
                                         const char *indicator, const char *source_event,
                                         const char *response_id, const char *area,
                                         const char *round, int sign, const char *weight, int y,
                                         bool provisional)
{
    char y_s[4], version[12], n_s[24], n_eff[32], value[32], lo[32], hi[32];
    snprintf(y_s, sizeof y_s, "%d", y);
    const char *ap[] = {indicator, area, round, weight, y_s};
    PGresult *r = db_run(db, sign > 0 ? Q_AGGREGATE_ADD : Q_AGGREGATE_SUB, 5, ap);
    if (!db_ok(r) || PQntuples(r) != 1) {
        log_error("aggregate update failed", json_pack("{s:s, s:s}", "indicator", indicator,
                                                       "error", PQresultErrorMessage(r)));
        PQclear(r);
        return APPLY_RETRY;
    }
    /* Sums are exact NUMERIC in the table; doubles only for the published figure. */
    struct proportion_figure f = proportion_from_sums(
        atoll(PQgetvalue(r, 0, 0)), strtod(PQgetvalue(r, 0, 1), NULL),
        strtod(PQgetvalue(r, 0, 2), NULL), strtod(PQgetvalue(r, 0, 3), NULL));
    PQclear(r);
    if (sign > 0) { /* remembered, so that a withdrawal subtracts exactly this */
        const char *cp[] = {response_id, indicator, weight, y_s};
        r = db_run(db, Q_CONTRIBUTION_ADD, 4, cp);
        bool added = db_ok(r);
        PQclear(r);
        if (!added)
            return APPLY_RETRY;
    }
    const struct indicator_def *def = indicator_find(indicator);
    if (!def) /* retired from the catalogue since: its aggregate is corrected, nothing published */
        return APPLY_DONE;

    char event_id[UUID_STR_LEN];
    const char *parts[] = {EVT_INDICATOR_UPDATED, source_event, def->id, area, round, NULL};
    uuid_derive(event_id, parts);
    bool show = f.has_value && !f.suppressed;
    snprintf(version, sizeof version, "%d", def->version);
    snprintf(n_s, sizeof n_s, "%lld", f.n_raw);
    snprintf(n_eff, sizeof n_eff, "%.17g", f.n_eff);
    snprintf(value, sizeof value, "%.17g", f.value);
    snprintf(lo, sizeof lo, "%.17g", f.ci_low);
    snprintf(hi, sizeof hi, "%.17g", f.ci_high);
    const char *sp[] = {def->id, area, round, version, n_s, show ? n_eff : NULL,
                        show ? value : NULL, show ? lo : NULL, show ? hi : NULL,
                        f.suppressed ? "true" : "false", provisional ? "true" : "false",
                        event_id};
    r = db_run(db, Q_SNAPSHOT_UPSERT, 12, sp);
    bool ok = db_ok(r);
    if (!ok)
        log_error("snapshot upsert failed", json_pack("{s:s}", "error", PQresultErrorMessage(r)));
    PQclear(r);
    if (!ok)
        return APPLY_RETRY;

    json_t *data = proportion_to_json(&f);
    json_object_set_new(data, "indicator", json_string(def->id));
    json_object_set_new(data, "definitionVersion", json_integer(def->version));
    json_object_set_new(data, "level", json_string("neighbourhood"));
    json_object_set_new(data, "neighbourhoodId", json_string(area));
    json_object_set_new(data, "roundId", json_string(round));
    json_object_set_new(data, "provisional", json_boolean(provisional));
    char when[40], source[300], subject[200];
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    rfc3339_utc(&now, when, sizeof when);
    snprintf(source, sizeof source, "%s/indicators", cfg->event_source);
    snprintf(subject, sizeof subject, "neighbourhoods/%s/indicators/%s", area, def->id);
    json_t *ev = envelope_new(event_id, source, EVT_INDICATOR_UPDATED, subject, when, data);
    ok = ev && outbox_add(db, cfg->topic_kpi, area, ev);
    json_decref(ev);
    return ok ? APPLY_DONE : APPLY_RETRY;
}

enum apply_result indicator_apply_in_tx(PGconn *db, const struct apply_config *cfg,
                                        const char *payload, size_t len,
                                        struct apply_trace *trace)
{
    enum apply_result result = APPLY_POISON;
    PGresult *r = NULL;
    json_t *answers = NULL;
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
    if (sign == 0 || !uuid_is_valid(response_id) ||
        (instrument && strcmp(instrument, "resident") != 0)) {
        /* an event this worker has nothing to do with: the resident survey
         * proportions are all it computes so far */
        result = APPLY_DONE;
        goto out;
    }
    const char *pp[] = {cfg->consumer, event_id};
    r = db_run(db, Q_PROCESSED_INSERT, 2, pp);
    if (!db_ok(r)) {
        result = APPLY_RETRY;
        goto out;
    }
    if (strcmp(PQcmdTuples(r), "0") == 0) {
        result = APPLY_DUPLICATE;
        goto out;
    }
    PQclear(r);
    const char *rp[] = {response_id};
    r = db_run(db, Q_RESPONSE_FOR_APPLY, 1, rp);
    if (!db_ok(r)) {
        result = APPLY_RETRY;
        goto out;
    }
    if (PQntuples(r) == 0) {
        log_error("event for an unknown response", json_pack("{s:s}", "responseId", response_id));
        goto out;
    }
    bool counted = strcmp(PQgetvalue(r, 0, 2), "t") == 0;
    bool withdrawn = strcmp(PQgetvalue(r, 0, 3), "t") == 0;
    /* Add once if live and not yet added; remove once if added. Either order
     * of the two events gives the same end state. */
    if ((sign > 0 && (counted || withdrawn)) || (sign < 0 && !counted)) {
        result = APPLY_DONE;
        goto out;
    }
    char weight[32], round[UUID_STR_LEN], area[UUID_STR_LEN];
    snprintf(weight, sizeof weight, "%s", PQgetvalue(r, 0, 1));
    snprintf(round, sizeof round, "%s", PQgetvalue(r, 0, 4));
    snprintf(area, sizeof area, "%s", PQgetvalue(r, 0, 5));
    answers = json_loads(PQgetvalue(r, 0, 0), 0, NULL);
    PQclear(r);
    const char *cp[] = {response_id, sign > 0 ? "true" : "false"};
    r = db_run(db, Q_RESPONSE_SET_COUNTED, 2, cp);
    if (!db_ok(r)) {
        result = APPLY_RETRY;
        goto out;
    }
    PQclear(r);
    const char *op[] = {round};
    r = db_run(db, Q_ROUND_OPEN, 1, op);
    if (!db_ok(r) || PQntuples(r) != 1) {
        result = APPLY_RETRY;
        goto out;
    }
    bool provisional = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
    result = APPLY_DONE;
    if (sign > 0) {
        for (const struct indicator_def *d = indicator_catalogue; d->id && result == APPLY_DONE; d++) {
            if (!d->classify)
                continue;
            enum response_outcome y = d->classify(answers);
            if (y == OUTCOME_NOT_IN_BASE)
                continue;
            result = apply_indicator(db, cfg, d->id, event_id, response_id, area, round, sign,
                                     weight, (int)y, provisional);
        }
    } else {
        PQclear(r);
        r = db_run(db, Q_CONTRIBUTIONS_TAKE, 1, rp);
        if (!db_ok(r)) {
            result = APPLY_RETRY;
            goto out;
        }
        for (int i = 0; i < PQntuples(r) && result == APPLY_DONE; i++)
            result = apply_indicator(db, cfg, PQgetvalue(r, i, 0), event_id, response_id, area,
                                     round, sign, PQgetvalue(r, i, 1), atoi(PQgetvalue(r, i, 2)),
                                     provisional);
    }
out:
    if (result == APPLY_RETRY)
        log_error("apply failed", json_pack("{s:s}", "error", PQerrorMessage(db)));
    PQclear(r);
    json_decref(answers);
    json_decref(ev);
    return result;
}

enum apply_result indicator_apply(PGconn *db, const struct apply_config *cfg, const char *payload,
                                  size_t len)
{
    if (!db_exec(db, "BEGIN"))
        return APPLY_RETRY;
    struct apply_trace trace = {"", "", ""};
    enum apply_result res = indicator_apply_in_tx(db, cfg, payload, len, &trace);
    if (res == APPLY_DONE) {
        if (!db_exec(db, "COMMIT"))
            return APPLY_RETRY; /* not committed: the offset is not stored either */
        outbox_wake(db);
        log_info("applied", json_pack("{s:s, s:s, s:s}", "eventId", trace.event_id, "type",
                                      trace.type, "requestId", trace.request_id));
    } else {
        db_exec(db, "ROLLBACK");
        if (res == APPLY_DUPLICATE)
            log_info("duplicate ignored", json_pack("{s:s, s:s}", "eventId", trace.event_id,
                                                    "requestId", trace.request_id));
    }
    return res;
}

enum apply_result indicator_apply_batch(PGconn *db, const struct apply_config *cfg,
                                        const struct apply_input *in, size_t n)
{
    struct apply_trace *traces = calloc(n ? n : 1, sizeof *traces);
    enum apply_result *results = calloc(n ? n : 1, sizeof *results);
    enum apply_result res = APPLY_RETRY;
    if (!traces || !results || !db_exec(db, "BEGIN"))
        goto out;
    /* No savepoints needed: a duplicate or a poison event writes nothing that
     * matters (at most its processed_event row, which is right to keep), and a
     * failure leaves the transaction aborted, so the whole batch goes again. */
    for (size_t i = 0; i < n; i++) {
        results[i] = indicator_apply_in_tx(db, cfg, in[i].payload, in[i].len, &traces[i]);
        if (results[i] == APPLY_RETRY) {
            db_exec(db, "ROLLBACK");
            goto out;
        }
    }
    if (!db_exec(db, "COMMIT"))
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
    free(traces);
    free(results);
    return res;
}
