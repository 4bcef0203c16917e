/* rounds.c — survey rounds (one instrument fielded in some neighbourhoods),
 * closing them, and each neighbourhood's baseline round per instrument */
#include "community.h"
#include "http.h"
#include "audit.h"
#include "ids.h"
#include "instruments.h"
#include "outbox.h"
#include "programme.h"
#include "queries.h"
#include "records.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The entity of a round's change events (record.updated when it closes or
 * becomes a neighbourhood's baseline). */
#define ENTITY_SURVEY_ROUND "survey_round"

/* What Q_ROUND_READ says of a round beside its JSON. */
struct round_facts {
    long version;
    json_t *neighbourhoods; /* array of uuid strings, owned: json_decref() */
    bool closed; /* closed explicitly: no more responses */
};

/* Reads a round as JSON into o->body (and its facts into f, if not NULL);
 * sets o->status. */
static enum cdm_status round_read(PGconn *db, const char *id, struct outcome *o,
                                  struct round_facts *f)
{
    const char *params[ROUND_READ_NPARAMS] = {[ROUND_READ_P_ID] = id};
    PGresult *r = DB_RUN(db, ROUND_READ, params);
    if (!db_ok(r))
        outcome_db_fail(o, db, r, "reading the round");
    else if (PQntuples(r) == 0)
        outcome_fail(o, CDM_ERR_NOT_FOUND, "no such survey round");
    else if (!(o->body = json_loads(PQgetvalue(r, 0, ROUND_READ_BODY), 0, NULL)))
        outcome_fail(o, CDM_ERR_INTERNAL, "reading the round failed");
    else {
        o->status = CDM_OK;
        if (f) {
            f->version = strtol(PQgetvalue(r, 0, ROUND_READ_VERSION), NULL, 10);
            f->neighbourhoods = json_loads(PQgetvalue(r, 0, ROUND_READ_NEIGHBOURHOODS), 0, NULL);
            f->closed = strcmp(PQgetvalue(r, 0, ROUND_READ_CLOSED), "t") == 0;
        }
    }
    PQclear(r);
    return o->status;
}

/* The neighbourhoodId of entry i of a round's "neighbourhoods" (borrowed). */
static const char *neighbourhood_at(const json_t *neighbourhoods, size_t i)
{
    return json_string_value(json_object_get(json_array_get(neighbourhoods, i), "neighbourhoodId"));
}

/* Creates a round and its neighbourhoods in one transaction, from a
 * schema-valid body. A neighbourhood outside the caller's is answered like one
 * that does not exist. */
static enum cdm_status round_create(PGconn *db, const struct route_call *call, struct outcome *o)
{
    const struct principal *who = call->who;
    const json_t *body = call->body;
    const char *instrument = json_string_value(json_object_get(body, "instrument"));
    const char *start = json_string_value(json_object_get(body, "fieldworkStart"));
    const char *end = json_string_value(json_object_get(body, "fieldworkEnd"));
    const char *programme = json_string_value(json_object_get(body, "programmeId"));
    const json_t *neighbourhoods = json_object_get(body, "neighbourhoods");
    char pointer[64];
    if (strcmp(end, start) < 0) /* ISO dates compare as strings */
        return outcome_fail_at(o, CDM_ERR_VALIDATION, "/fieldworkEnd",
                               "fieldwork cannot end before it starts");
    for (size_t i = 0; i < json_array_size(neighbourhoods); i++)
        for (size_t j = 0; j < i; j++) {
            if (strcasecmp(neighbourhood_at(neighbourhoods, i),
                           neighbourhood_at(neighbourhoods, j)) == 0) {
                snprintf(pointer, sizeof pointer, "/neighbourhoods/%zu/neighbourhoodId", i);
                return outcome_fail_at(o, CDM_ERR_VALIDATION, pointer,
                                       "neighbourhood listed twice");
            }
        }

    for (size_t i = 0; i < json_array_size(neighbourhoods); i++) {
        char neighbourhood[UUID_STR_LEN];
        uuid_normalise(neighbourhood_at(neighbourhoods, i), neighbourhood);
        if (!principal_may(who, neighbourhood)) {
            snprintf(pointer, sizeof pointer, "/neighbourhoods/%zu/neighbourhoodId", i);
            return outcome_fail_at(o, CDM_ERR_VALIDATION, pointer, "no such neighbourhood");
        }
    }
    char round_id[UUID_STR_LEN] = "";
    PGresult *r = NULL;
    /* The record.created event names the round's neighbourhoods. */
    json_t *event_neighbourhoods = json_array();
    for (size_t i = 0; event_neighbourhoods && i < json_array_size(neighbourhoods); i++) {
        char neighbourhood[UUID_STR_LEN];
        uuid_normalise(neighbourhood_at(neighbourhoods, i), neighbourhood);
        if (json_array_append_new(event_neighbourhoods, json_string(neighbourhood)) != 0) {
            json_decref(event_neighbourhoods);
            event_neighbourhoods = NULL;
        }
    }
    if (!event_neighbourhoods) {
        outcome_fail(o, CDM_ERR_INTERNAL, "out of memory");
        goto out;
    }
    if (!record_tx_begin(db, o))
        goto out;
    char late_days[16];
    snprintf(late_days, sizeof late_days, "%d", call->ctx->cfg->late_sync_days);
    const char *rparams[ROUND_CREATE_NPARAMS] = {
        [ROUND_CREATE_P_INSTRUMENT] = instrument,
        [ROUND_CREATE_P_NAME] = json_string_value(json_object_get(body, "name")),
        [ROUND_CREATE_P_FIELDWORK_START] = start, [ROUND_CREATE_P_FIELDWORK_END] = end,
        [ROUND_CREATE_P_PROGRAMME] = programme, [ROUND_CREATE_P_LATE_SYNC_DAYS] = late_days};
    r = DB_RUN(db, ROUND_CREATE, rparams);
    if (!db_ok(r)) {
        if (strcmp(db_sqlstate(r), "23503") == 0)
            outcome_fail_at(o, CDM_ERR_VALIDATION, "/programmeId", "no such programme");
        else
            outcome_db_fail(o, db, r, "storing the round");
        goto out;
    }
    snprintf(round_id, sizeof round_id, "%s", PQgetvalue(r, 0, ROUND_CREATE_ID));
    for (size_t i = 0; i < json_array_size(neighbourhoods); i++) {
        const json_t *a = json_array_get(neighbourhoods, i);
        const char *aparams[ROUND_NEIGHBOURHOOD_INSERT_NPARAMS] = {
            [ROUND_NEIGHBOURHOOD_INSERT_P_ROUND] = round_id,
            [ROUND_NEIGHBOURHOOD_INSERT_P_NEIGHBOURHOOD] = neighbourhood_at(neighbourhoods, i),
            [ROUND_NEIGHBOURHOOD_INSERT_P_INSTRUMENT] = instrument,
            [ROUND_NEIGHBOURHOOD_INSERT_P_BASELINE] =
                json_is_true(json_object_get(a, "baseline")) ? "true" : "false"};
        PQclear(r);
        r = DB_RUN(db, ROUND_NEIGHBOURHOOD_INSERT, aparams);
        if (db_ok(r))
            continue;
        const char *state = db_sqlstate(r);
        if (strcmp(state, "23503") == 0) {
            snprintf(pointer, sizeof pointer, "/neighbourhoods/%zu/neighbourhoodId", i);
            outcome_fail_at(o, CDM_ERR_VALIDATION, pointer, "no such neighbourhood");
        } else if (strcmp(state, "23505") == 0) {
            snprintf(pointer, sizeof pointer, "/neighbourhoods/%zu/baseline", i);
            outcome_fail_at(o, CDM_ERR_CONFLICT, pointer,
                            "this neighbourhood already has a %s baseline round", instrument);
        } else {
            outcome_db_fail(o, db, r, "storing the round");
        }
        goto out;
    }
    /* The round commits with its event, like every other record. */
    if (!record_event_add(db, call, "created", ENTITY_SURVEY_ROUND, round_id, 1,
                          event_neighbourhoods)) {
        outcome_db_fail(o, db, NULL, "storing the round");
        goto out;
    }
    if (!record_tx_commit(db, o))
        goto out;
    if (round_read(db, round_id, o, NULL) == CDM_OK) {
        o->status = CDM_CREATED;
        snprintf(o->location, sizeof o->location, "/v1/rounds/%s", round_id);
    }
out:
    PQclear(r);
    record_tx_end(db);
    json_decref(event_neighbourhoods);
    return o->status;
}

/* Keeps only the caller's neighbourhoods in a round's body; false (and 404)
 * when none is left: a round with none of them is not there for it. */
static bool round_only_visible(const struct route_call *call, struct outcome *o)
{
    json_t *kept = json_array(), *a;
    size_t i;
    json_array_foreach(json_object_get(o->body, "neighbourhoods"), i, a) {
        if (principal_may(call->who, json_string_value(json_object_get(a, "neighbourhoodId"))))
            json_array_append(kept, a);
    }
    bool none = json_array_size(kept) == 0;
    json_object_set_new(o->body, "neighbourhoods", kept);
    if (none) {
        outcome_clear(o);
        outcome_fail(o, CDM_ERR_NOT_FOUND, "no such survey round");
    }
    return !none;
}

static enum cdm_status round_visible(PGconn *db, const struct route_call *call, struct outcome *o)
{
    if (round_read(db, call->id, o, NULL) == CDM_OK)
        round_only_visible(call, o);
    return o->status;
}

/* Closes a round now: it takes no more responses and its figures stop being
 * provisional. 409 when it was closed explicitly already; a round whose
 * fieldwork has ended still takes late syncs until it is closed here. The
 * change and its event commit in one statement. */
static enum cdm_status round_close(PGconn *db, const struct route_call *call, struct outcome *o)
{
    struct round_facts f = {0};
    char *payload = NULL;
    PGresult *r = NULL;
    if (round_read(db, call->id, o, &f) != CDM_OK || !round_only_visible(call, o))
        goto out;
    outcome_clear(o);
    if (f.closed) {
        outcome_fail(o, CDM_ERR_CONFLICT, "round %s is closed already", call->id);
        goto out;
    }
    char event_id[UUID_STR_LEN], version[24];
    payload = record_event_payload(call, "updated", ENTITY_SURVEY_ROUND, call->id, f.version + 1,
                                   f.neighbourhoods, event_id);
    if (!payload) {
        outcome_fail(o, CDM_ERR_INTERNAL, "out of memory");
        goto out;
    }
    snprintf(version, sizeof version, "%ld", f.version);
    const struct audit_actor actor = audit_actor_of(call); /* the close is audited with it */
    const char *params[ROUND_CLOSE_NPARAMS] = {
        [ROUND_CLOSE_P_ID] = call->id, [ROUND_CLOSE_P_VERSION] = version,
        [ROUND_CLOSE_P_EVENT_ID] = event_id,
        [ROUND_CLOSE_P_TOPIC] = call->ctx->cfg->topic_submissions, [ROUND_CLOSE_P_EVENT] = payload,
        [ROUND_CLOSE_P_AGENCY] = actor.agency, [ROUND_CLOSE_P_KEY_PREFIX] = actor.key_prefix,
        [ROUND_CLOSE_P_REQUEST_ID] = actor.request_id};
    r = DB_RUN(db, ROUND_CLOSE, params);
    if (!db_ok(r)) {
        outcome_db_fail(o, db, r, "closing the round");
        goto out;
    }
    if (strcmp(PQgetvalue(r, 0, ROUND_CLOSE_CLOSED), "1") != 0) {
        outcome_fail(o, CDM_ERR_CONFLICT, "round %s was closed or changed meanwhile", call->id);
        goto out;
    }
    outbox_wake(db);
    if (round_read(db, call->id, o, NULL) == CDM_OK)
        round_only_visible(call, o);
out:
    PQclear(r);
    free(payload);
    json_decref(f.neighbourhoods);
    return o->status;
}

/* Makes round roundId the baseline of (neighbourhood :id, :instrument); the
 * previous baseline stops being one. The round must cover the neighbourhood
 * and field that instrument (422). One transaction with the round's
 * record.updated event; of two concurrent changes, one may get 409. */
static enum cdm_status baseline_set(PGconn *db, const struct route_call *call, struct outcome *o)
{
    const char *instrument = u_map_get(call->req->map_url, "instrument");
    char round[UUID_STR_LEN];
    PGresult *r = NULL;
    json_t *neighbourhoods = NULL;
    uuid_normalise(json_string_value(json_object_get(call->body, "roundId")), round);
    if (!instrument_named(instrument) || !principal_may(call->who, call->id))
        return outcome_fail(o, CDM_ERR_NOT_FOUND, "no such neighbourhood or instrument");
    const char *np[NEIGHBOURHOOD_FOUND_NPARAMS] = {[NEIGHBOURHOOD_FOUND_P_ID] = call->id};
    r = DB_RUN(db, NEIGHBOURHOOD_FOUND, np);
    if (!db_ok(r) || PQntuples(r) == 0) {
        if (db_ok(r))
            outcome_fail(o, CDM_ERR_NOT_FOUND, "no such neighbourhood");
        else
            outcome_db_fail(o, db, r, "reading the neighbourhood");
        goto out;
    }
    PQclear(r);
    r = NULL;
    if (!record_tx_begin(db, o))
        goto out;
    const char *rp[BASELINE_ROUND_NPARAMS] = {[BASELINE_ROUND_P_ROUND] = round,
                                              [BASELINE_ROUND_P_NEIGHBOURHOOD] = call->id};
    r = DB_RUN(db, BASELINE_ROUND, rp);
    if (!db_ok(r)) {
        outcome_db_fail(o, db, r, "reading the round");
        goto out;
    }
    if (PQntuples(r) == 0 || strcmp(PQgetvalue(r, 0, BASELINE_ROUND_COVERED), "t") != 0) {
        outcome_fail_at(o, CDM_ERR_VALIDATION, "/roundId",
                        "no survey round %s covering neighbourhood %s", round, call->id);
        goto out;
    }
    if (strcmp(PQgetvalue(r, 0, BASELINE_ROUND_INSTRUMENT), instrument) != 0) {
        outcome_fail_at(o, CDM_ERR_VALIDATION, "/roundId",
                        "round %s fields the %s instrument, not the %s one", round,
                        PQgetvalue(r, 0, BASELINE_ROUND_INSTRUMENT), instrument);
        goto out;
    }
    PQclear(r);
    const char *sp[BASELINE_SET_NPARAMS] = {[BASELINE_SET_P_NEIGHBOURHOOD] = call->id,
                                            [BASELINE_SET_P_INSTRUMENT] = instrument,
                                            [BASELINE_SET_P_ROUND] = round};
    r = DB_RUN(db, BASELINE_SET, sp);
    if (db_ok(r)) {
        PQclear(r);
        const char *mp[BASELINE_MARK_NPARAMS] = {[BASELINE_MARK_P_ROUND] = round,
                                                 [BASELINE_MARK_P_NEIGHBOURHOOD] = call->id};
        r = DB_RUN(db, BASELINE_MARK, mp);
    }
    if (db_ok(r)) {
        PQclear(r);
        const char *bp[ROUND_BUMP_NPARAMS] = {[ROUND_BUMP_P_ID] = round};
        r = DB_RUN(db, ROUND_BUMP, bp);
    }
    if (!db_ok(r)) {
        if (strcmp(db_sqlstate(r), "23505") == 0)
            outcome_fail(o, CDM_ERR_CONFLICT,
                         "the baseline was being changed by another request; retry");
        else
            outcome_db_fail(o, db, r, "setting the baseline");
        goto out;
    }
    long version = strtol(PQgetvalue(r, 0, ROUND_BUMP_VERSION), NULL, 10);
    neighbourhoods = json_pack("[s]", call->id);
    if (!neighbourhoods || !record_event_add(db, call, "updated", ENTITY_SURVEY_ROUND, round,
                                             version, neighbourhoods) ||
        !audit_append(db, call, "baseline.set", "survey_round", round, NULL)) {
        outcome_db_fail(o, db, NULL, "setting the baseline");
        goto out;
    }
    if (!record_tx_commit(db, o))
        goto out;
    o->body = json_pack("{s:s, s:s, s:s}", "neighbourhoodId", call->id, "instrument", instrument,
                        "roundId", round);
    o->status = CDM_OK;
out:
    PQclear(r);
    json_decref(neighbourhoods);
    record_tx_end(db);
    return o->status;
}

static json_t *round_sort_key(const json_t *item)
{
    return cmty_key2(item, "fieldworkStart", "id");
}

/* GET /v1/rounds?instrument=&status=&neighbourhood=&limit=&cursor= — by
 * fieldwork start, as a front-end looks for the round it should field. */
static enum cdm_status round_list(PGconn *db, const struct route_call *call, struct outcome *o)
{
    static const char *const instruments[] = {"resident", "sector", "agency", NULL};
    static const char *const statuses[] = {"open", "closed", NULL};
    char neighbourhood_buf[UUID_STR_LEN], limit_s[24];
    const char *neighbourhood, *instrument = NULL, *status = NULL, *after_start, *after_id;
    long limit;
    json_t *after = NULL;
    if (cmty_query_uuid(call, "neighbourhood", neighbourhood_buf, &neighbourhood, o) != CDM_OK ||
        cmty_query_word(call, "instrument", instruments, &instrument, o) != CDM_OK ||
        cmty_query_word(call, "status", statuses, &status, o) != CDM_OK ||
        record_page_params(call, o, CMTY_PAGE_DEFAULT, CMTY_PAGE_MAX, &limit, &after) != CDM_OK)
        return o->status;
    struct pdate start;
    if (!cmty_cursor_split(after, &after_start, &after_id) || (after && !pdate_parse(after_start, &start))) {
        json_decref(after);
        return outcome_fail_at(o, CDM_ERR_VALIDATION, "/cursor", "cursor is not one this API gave out");
    }
    snprintf(limit_s, sizeof limit_s, "%ld", limit + 1);
    const char *params[ROUND_LIST_NPARAMS] = {
        [ROUND_LIST_P_NEIGHBOURHOODS] = principal_neighbourhoods_param(call->who),
        [ROUND_LIST_P_INSTRUMENT] = instrument, [ROUND_LIST_P_STATUS] = status,
        [ROUND_LIST_P_NEIGHBOURHOOD] = neighbourhood, [ROUND_LIST_P_AFTER_START] = after_start,
        [ROUND_LIST_P_AFTER_ID] = after_id, [ROUND_LIST_P_LIMIT] = limit_s};
    PGresult *r = DB_RUN(db, ROUND_LIST, params);
    if (!db_ok(r))
        outcome_db_fail(o, db, r, "listing the rounds");
    else
        record_page_at(r, limit, ROUND_LIST_ITEM, round_sort_key, o);
    PQclear(r);
    json_decref(after);
    return o->status;
}

const struct route round_routes[] = {
    {.method = "POST", .path = "/v1/rounds", .logic = round_create, .schema = "round-create.json",
     .scope = SCOPE_ADMIN},
    {.method = "GET", .path = "/v1/rounds", .logic = round_list, .scope = SCOPE_READ},
    {.method = "GET", .path = "/v1/rounds/:id", .logic = round_visible,
     .not_found = "no such survey round", .scope = SCOPE_READ},
    {.method = "POST", .path = "/v1/rounds/:id/close", .logic = round_close,
     .not_found = "no such survey round", .scope = SCOPE_ADMIN},
    {.method = "PUT", .path = "/v1/neighbourhoods/:id/baselines/:instrument", .logic = baseline_set,
     .schema = "baseline-set.json", .not_found = "no such neighbourhood", .scope = SCOPE_ADMIN},
    {.method = NULL},
};
