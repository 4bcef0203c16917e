/* programmes.c — the programme, its stages, neighbourhoods' phases and milestones */
#include "geography.h"
#include "ids.h"
#include "log.h"
#include "queries.h"
#include "records.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROGRAMME_LIST_DEFAULT 50
#define PROGRAMME_LIST_MAX 500
#define MILESTONE_LIST_DEFAULT 100
#define MILESTONE_LIST_MAX 500
#define PROGRAMME_CHANGE "change the programme" /* what only a locality-wide key may do */

static const int DEFAULT_STAGE_MONTHS[PROGRAMME_STAGES] = {6, 18, 18, 18};

static json_t *date_json(struct pdate d)
{
    char s[11];
    pdate_format(d, s);
    return json_string(s);
}

/* Adds the calendar to a programme read from the database: its stages with
 * their months and dates, its last day, and on date `on` the programme
 * month, the stage (null outside the programme) and whether it has ended
 * (at a break clause on or before `on`, or after its last month). */
static void programme_decorate(json_t *p, struct pdate on)
{
    int stages[PROGRAMME_STAGES];
    struct pdate start, ended_on;
    if (!geo_date_of(json_object_get(p, "startDate"), &start) ||
        !geo_stage_months_of(json_object_get(p, "stageMonths"), stages))
        return;
    json_t *list = json_array();
    for (int s = 1; s <= PROGRAMME_STAGES; s++) {
        int first = programme_stage_end(stages, s - 1) + 1, last = programme_stage_end(stages, s);
        json_array_append_new(list, json_pack("{s:i, s:i, s:i, s:o, s:o}", "stage", s,
                                               "startMonth", first, "endMonth", last,
                                               "startDate", date_json(programme_month_first(start, first)),
                                               "endDate", date_json(programme_month_last(start, last))));
    }
    int total = programme_total_months(stages), month = programme_month(start, on);
    int stage = programme_stage_of_month(stages, month);
    bool ended = month > total || (geo_date_of(json_object_get(p, "endedOn"), &ended_on) &&
                                   pdate_cmp(on, ended_on) >= 0);
    json_object_set_new(p, "stages", list);
    json_object_set_new(p, "endDate", date_json(programme_month_last(start, total)));
    json_object_set_new(p, "on", date_json(on));
    json_object_set_new(p, "month", json_integer(month));
    json_object_set_new(p, "stage", stage >= 1 && stage <= PROGRAMME_STAGES && !ended
                                        ? json_integer(stage) : json_null());
    json_object_set_new(p, "ended", json_boolean(ended));
}

/* Reads a programme as of `on` into o, with its ETag. */
static enum cdm_status programme_read_on(PGconn *db, const char *id, struct pdate on,
                                         struct outcome *o)
{
    const char *p[GEO_PROGRAMME_GET_NPARAMS] = {[GEO_PROGRAMME_GET_P_ID] = id};
    if (DB_ONE_JSON(db, GEO_PROGRAMME_GET, p, o,
                    "reading the programme", "no such programme") == CDM_OK) {
        programme_decorate(o->body, on);
        record_set_etag(o, (long)json_integer_value(json_object_get(o->body, "version")));
    }
    return o->status;
}

/* The milestones of the catalogue for these stage lengths, as the JSON the
 * insert statement reads. Returns a malloc'd string, or NULL. */
static char *milestones_json(const int stages[PROGRAMME_STAGES])
{
    json_t *arr = json_array();
    for (size_t i = 0; i < programme_milestone_count; i++) {
        const struct milestone_def *m = &programme_milestones[i];
        json_array_append_new(arr, json_pack("{s:s, s:i, s:s, s:i}", "code", m->code, "stage",
                                             m->stage, "title", m->title, "due",
                                             programme_stage_end(stages, m->stage)));
    }
    char *text = json_dumps(arr, JSON_COMPACT);
    json_decref(arr);
    return text;
}

/* POST /v1/programmes: the programme and its milestones, each with its
 * record.created event, in one transaction. A client id sent again with the
 * same programme is a replay (200); with another, 409. */
static enum cdm_status programme_create(PGconn *db, const struct route_call *call,
                                        struct outcome *o)
{
    const json_t *body = call->body;
    if (geo_locality_key_or_fail(call, o, PROGRAMME_CHANGE) != CDM_OK)
        return o->status;
    int stages[PROGRAMME_STAGES];
    memcpy(stages, DEFAULT_STAGE_MONTHS, sizeof stages);
    const json_t *jstages = json_object_get(body, "stageMonths");
    if (jstages && !geo_stage_months_of(jstages, stages))
        return outcome_fail_at(o, CDM_ERR_VALIDATION, "/stageMonths",
                               "four stage lengths of 1 to 120 months");
    char id[UUID_STR_LEN], stage_literal[64];
    const char *given = json_string_value(json_object_get(body, "id"));
    if (given)
        uuid_normalise(given, id);
    else if (!uuid_random(id))
        return outcome_fail(o, CDM_ERR_INTERNAL, "no random id");
    snprintf(stage_literal, sizeof stage_literal, "{%d,%d,%d,%d}", stages[0], stages[1],
             stages[2], stages[3]);
    struct provenance pv = provenance_of(call);
    const char *name = json_string_value(json_object_get(body, "name"));
    const char *locality = json_string_value(json_object_get(body, "locality"));
    const char *start_date = json_string_value(json_object_get(body, "startDate"));
    const char *params[GEO_PROGRAMME_INSERT_NPARAMS] = {
        [GEO_PROGRAMME_INSERT_P_ID] = id,
        [GEO_PROGRAMME_INSERT_P_NAME] = name,
        [GEO_PROGRAMME_INSERT_P_LOCALITY] = locality,
        [GEO_PROGRAMME_INSERT_P_START_DATE] = start_date,
        [GEO_PROGRAMME_INSERT_P_STAGE_MONTHS] = stage_literal,
        [GEO_PROGRAMME_INSERT_P_AGENCY] = pv.agency_id,
        [GEO_PROGRAMME_INSERT_P_KEY] = pv.key_id,
        [GEO_PROGRAMME_INSERT_P_EVALUATOR] = pv.evaluator,
    };
    char *milestones = milestones_json(stages);
    PGresult *r = NULL;
    json_t *none = json_array(); /* locality-level: no neighbourhood of its own */
    bool replay = false;
    if (!milestones) {
        outcome_fail(o, CDM_ERR_INTERNAL, "out of memory");
        goto out;
    }
    if (!record_tx_begin(db, o))
        goto out;
    r = DB_RUN(db, GEO_PROGRAMME_INSERT, params);
    if (!db_ok(r)) {
        outcome_db_fail(o, db, r, "storing the programme");
        goto out;
    }
    if (PQntuples(r) == 0) { /* the id is taken: a resend, or another programme */
        PQclear(r);
        const char *sp[GEO_PROGRAMME_SAME_NPARAMS] = {
            [GEO_PROGRAMME_SAME_P_ID] = id,
            [GEO_PROGRAMME_SAME_P_NAME] = name,
            [GEO_PROGRAMME_SAME_P_LOCALITY] = locality,
            [GEO_PROGRAMME_SAME_P_START_DATE] = start_date,
            [GEO_PROGRAMME_SAME_P_STAGE_MONTHS] = stage_literal,
        };
        r = DB_RUN(db, GEO_PROGRAMME_SAME, sp);
        if (!db_ok(r) || PQntuples(r) != 1) {
            outcome_db_fail(o, db, r, "reading the programme");
            goto out;
        }
        if (strcmp(PQgetvalue(r, 0, GEO_PROGRAMME_SAME_SAME), "t") != 0) {
            outcome_fail_at(o, CDM_ERR_CONFLICT, "/id", "another programme has id %s", id);
            goto out;
        }
        replay = true;
    } else {
        PQclear(r);
        const char *mp[GEO_MILESTONES_INSERT_NPARAMS] = {
            [GEO_MILESTONES_INSERT_P_PROGRAMME_ID] = id,
            [GEO_MILESTONES_INSERT_P_MILESTONES] = milestones,
        };
        r = DB_RUN(db, GEO_MILESTONES_INSERT, mp);
        if (!db_ok(r)) {
            outcome_db_fail(o, db, r, "storing the milestones");
            goto out;
        }
        bool ok = record_event_add(db, call, "created", ENTITY_PROGRAMME, id, 1, none);
        for (int i = 0; ok && i < PQntuples(r); i++)
            ok = record_event_add(db, call, "created", ENTITY_MILESTONE,
                                  PQgetvalue(r, i, GEO_MILESTONES_INSERT_ID), 1, none);
        if (!ok) {
            outcome_fail(o, CDM_ERR_UNAVAILABLE, "the events could not be stored; retry later");
            goto out;
        }
        if (!record_tx_commit(db, o))
            goto out;
    }
    record_tx_end(db);
    if (programme_read_on(db, id, pdate_today(), o) == CDM_OK) {
        o->status = replay ? CDM_REPLAYED : CDM_CREATED;
        snprintf(o->location, sizeof o->location, "/v1/programmes/%s", id);
    }
out:
    PQclear(r);
    record_tx_end(db);
    json_decref(none);
    free(milestones);
    return o->status;
}

/* GET /v1/programmes/{id}?on= — programmes are locality-level: every read key sees them. */
static enum cdm_status programme_get(PGconn *db, const struct route_call *call, struct outcome *o)
{
    char on[11];
    struct pdate d;
    if (geo_on_date(call, o, on, &d) != CDM_OK)
        return o->status;
    return programme_read_on(db, call->id, d, o);
}

static json_t *programme_sort_key(const json_t *item)
{
    return json_pack("[OO]", json_object_get(item, "startDate"), json_object_get(item, "id"));
}

/* GET /v1/programmes?on=&limit=&cursor= — by start date. */
static enum cdm_status programme_list(PGconn *db, const struct route_call *call, struct outcome *o)
{
    long limit;
    json_t *after = NULL;
    char on[11], limit_s[24];
    struct pdate d, after_date;
    if (geo_on_date(call, o, on, &d) != CDM_OK ||
        record_page_params(call, o, PROGRAMME_LIST_DEFAULT, PROGRAMME_LIST_MAX, &limit, &after) != CDM_OK)
        return o->status;
    const char *after_start = after ? json_string_value(json_array_get(after, 0)) : NULL;
    const char *after_id = after ? json_string_value(json_array_get(after, 1)) : NULL;
    if (after && (!geo_date_of(json_array_get(after, 0), &after_date) || !uuid_is_valid(after_id))) {
        json_decref(after);
        return outcome_fail_at(o, CDM_ERR_VALIDATION, "/cursor", "cursor is not one this API gave out");
    }
    snprintf(limit_s, sizeof limit_s, "%ld", limit + 1);
    const char *p[GEO_PROGRAMME_LIST_NPARAMS] = {
        [GEO_PROGRAMME_LIST_P_AFTER_START] = after_start,
        [GEO_PROGRAMME_LIST_P_AFTER_ID] = after_id,
        [GEO_PROGRAMME_LIST_P_LIMIT] = limit_s,
    };
    PGresult *r = DB_RUN(db, GEO_PROGRAMME_LIST, p);
    if (db_ok(r) &&
        record_page_at(r, limit, GEO_PROGRAMME_LIST_BODY, programme_sort_key, o) == CDM_OK) {
        size_t i;
        json_t *programme;
        json_array_foreach(json_object_get(o->body, "items"), i, programme)
            programme_decorate(programme, d);
    } else if (!db_ok(r)) {
        outcome_db_fail(o, db, r, "listing programmes");
    }
    PQclear(r);
    json_decref(after);
    return o->status;
}

/* GET /v1/programmes/{id}/neighbourhoods?on= — only the caller's. */
static enum cdm_status programme_neighbourhoods(PGconn *db, const struct route_call *call,
                                                struct outcome *o)
{
    if (programme_read_on(db, call->id, pdate_today(), o) != CDM_OK)
        return o->status;
    outcome_clear(o);
    o->etag[0] = '\0'; /* the list has no version of its own */
    return geo_neighbourhood_page(db, call, o, call->id);
}

static json_t *milestone_sort_key(const json_t *item)
{
    return json_pack("[OO]", json_object_get(item, "dueMonth"), json_object_get(item, "code"));
}

/* GET /v1/programmes/{id}/milestones?status=&on=&limit=&cursor= — by due month, code. */
static enum cdm_status milestone_list(PGconn *db, const struct route_call *call, struct outcome *o)
{
    long limit;
    json_t *after = NULL;
    char on[11], limit_s[24], after_month[24];
    struct pdate d;
    if (geo_on_date(call, o, on, &d) != CDM_OK)
        return o->status;
    const char *status = u_map_get(call->req->map_url, "status");
    if (status && strcmp(status, "due") != 0 && strcmp(status, "overdue") != 0 &&
        strcmp(status, "completed") != 0 && strcmp(status, "cancelled") != 0)
        return outcome_fail_at(o, CDM_ERR_VALIDATION, "/status",
                               "status is due, overdue, completed or cancelled");
    if (programme_read_on(db, call->id, d, o) != CDM_OK)
        return o->status;
    outcome_clear(o);
    o->etag[0] = '\0';
    if (record_page_params(call, o, MILESTONE_LIST_DEFAULT, MILESTONE_LIST_MAX, &limit, &after) != CDM_OK)
        return o->status;
    const char *after_code = after ? json_string_value(json_array_get(after, 1)) : NULL;
    if (after && (!json_is_integer(json_array_get(after, 0)) || !after_code)) {
        json_decref(after);
        return outcome_fail_at(o, CDM_ERR_VALIDATION, "/cursor", "cursor is not one this API gave out");
    }
    snprintf(after_month, sizeof after_month, "%lld",
             (long long)json_integer_value(json_array_get(after, 0)));
    snprintf(limit_s, sizeof limit_s, "%ld", limit + 1);
    const char *p[GEO_MILESTONE_LIST_NPARAMS] = {
        [GEO_MILESTONE_LIST_P_PROGRAMME_ID] = call->id,
        [GEO_MILESTONE_LIST_P_STATUS] = status,
        [GEO_MILESTONE_LIST_P_AFTER_DUE_MONTH] = after ? after_month : NULL,
        [GEO_MILESTONE_LIST_P_AFTER_CODE] = after_code,
        [GEO_MILESTONE_LIST_P_LIMIT] = limit_s,
        [GEO_MILESTONE_LIST_P_ON_DATE] = on,
    };
    PGresult *r = DB_RUN(db, GEO_MILESTONE_LIST, p);
    if (db_ok(r))
        record_page_at(r, limit, GEO_MILESTONE_LIST_BODY, milestone_sort_key, o);
    else
        outcome_db_fail(o, db, r, "listing milestones");
    PQclear(r);
    json_decref(after);
    return o->status;
}

/* Reads a milestone as of `on` into o, with its ETag. */
static enum cdm_status milestone_read_on(PGconn *db, const char *id, const char *on,
                                         struct outcome *o)
{
    const char *p[GEO_MILESTONE_GET_NPARAMS] = {[GEO_MILESTONE_GET_P_ID] = id,
                                                [GEO_MILESTONE_GET_P_ON_DATE] = on};
    if (DB_ONE_JSON(db, GEO_MILESTONE_GET, p, o,
                    "reading the milestone", "no such milestone") == CDM_OK)
        record_set_etag(o, (long)json_integer_value(json_object_get(o->body, "version")));
    return o->status;
}

/* GET /v1/milestones/{id}?on= */
static enum cdm_status milestone_get(PGconn *db, const struct route_call *call, struct outcome *o)
{
    char on[11];
    struct pdate d;
    if (geo_on_date(call, o, on, &d) != CDM_OK)
        return o->status;
    return milestone_read_on(db, call->id, on, o);
}

/* POST /v1/milestones/{id}/completion (If-Match): completed once, with
 * evidence; a completed or cancelled milestone is 409, whatever the ETag. */
static enum cdm_status milestone_complete(PGconn *db, const struct route_call *call,
                                          struct outcome *o)
{
    const json_t *body = call->body;
    long if_match;
    if (geo_locality_key_or_fail(call, o, PROGRAMME_CHANGE) != CDM_OK ||
        record_if_match(call, o, &if_match) != CDM_OK)
        return o->status;
    const char *completed_on = json_string_value(json_object_get(body, "completedOn"));
    const json_t *evidence = json_object_get(body, "evidence");
    struct pdate done, start;
    char today[11];
    pdate_parse(completed_on, &done); /* the schema checked the format */
    pdate_format(pdate_today(), today);
    if (strcmp(completed_on, today) > 0)
        return outcome_fail_at(o, CDM_ERR_VALIDATION, "/completedOn",
                               "a milestone cannot be completed in the future");
    const char *lp[GEO_MILESTONE_LOCK_NPARAMS] = {[GEO_MILESTONE_LOCK_P_ID] = call->id};
    if (!record_tx_begin(db, o))
        return o->status;
    PGresult *r = DB_RUN(db, GEO_MILESTONE_LOCK, lp);
    if (!db_ok(r)) {
        outcome_db_fail(o, db, r, "reading the milestone");
        goto out;
    }
    if (PQntuples(r) == 0) {
        outcome_fail(o, CDM_ERR_NOT_FOUND, "no such milestone");
        goto out;
    }
    long version = strtol(PQgetvalue(r, 0, GEO_MILESTONE_LOCK_VERSION), NULL, 10);
    if (strcmp(PQgetvalue(r, 0, GEO_MILESTONE_LOCK_COMPLETED), "t") == 0) {
        outcome_fail(o, CDM_ERR_CONFLICT, "the milestone is completed already");
        goto out;
    }
    if (strcmp(PQgetvalue(r, 0, GEO_MILESTONE_LOCK_CANCELLED), "t") == 0) {
        outcome_fail(o, CDM_ERR_CONFLICT, "the milestone was cancelled when the programme ended");
        goto out;
    }
    if (version != if_match) {
        outcome_fail(o, CDM_ERR_PRECONDITION_FAILED,
                     "the milestone changed since you read it (now version %ld)", version);
        goto out;
    }
    const char *started = PQgetvalue(r, 0, GEO_MILESTONE_LOCK_START_DATE);
    if (pdate_parse(started, &start) && pdate_cmp(done, start) < 0) {
        outcome_fail_at(o, CDM_ERR_VALIDATION, "/completedOn",
                        "completion cannot come before the programme started (%s)", started);
        goto out;
    }
    PQclear(r);
    struct provenance pv = provenance_of(call);
    const char *up[GEO_MILESTONE_COMPLETE_NPARAMS] = {
        [GEO_MILESTONE_COMPLETE_P_ID] = call->id,
        [GEO_MILESTONE_COMPLETE_P_COMPLETED_ON] = completed_on,
        [GEO_MILESTONE_COMPLETE_P_EVIDENCE_URL] =
            json_string_value(json_object_get(evidence, "url")),
        [GEO_MILESTONE_COMPLETE_P_EVIDENCE_NOTE] =
            json_string_value(json_object_get(evidence, "note")),
        [GEO_MILESTONE_COMPLETE_P_AGENCY] = pv.agency_id,
        [GEO_MILESTONE_COMPLETE_P_KEY] = pv.key_id,
        [GEO_MILESTONE_COMPLETE_P_EVALUATOR] = pv.evaluator,
    };
    r = DB_RUN(db, GEO_MILESTONE_COMPLETE, up);
    if (!db_ok(r) || PQntuples(r) != 1) {
        outcome_db_fail(o, db, r, "completing the milestone");
        goto out;
    }
    json_t *none = json_array();
    bool ok = record_event_add(db, call, "updated", ENTITY_MILESTONE, call->id,
                               strtol(PQgetvalue(r, 0, GEO_MILESTONE_COMPLETE_VERSION), NULL, 10),
                               none);
    json_decref(none);
    if (!ok) {
        outcome_fail(o, CDM_ERR_UNAVAILABLE, "the event could not be stored; retry later");
        goto out;
    }
    if (record_tx_commit(db, o))
        milestone_read_on(db, call->id, today, o);
out:
    PQclear(r);
    record_tx_end(db);
    return o->status;
}

/* POST /v1/programmes/{id}/end (If-Match): ends the programme at the break
 * clause after stage 1, 2 or 3 and cancels every milestone of the later
 * stages not completed yet, each change with its event, in one transaction. */
static enum cdm_status programme_end(PGconn *db, const struct route_call *call, struct outcome *o)
{
    const json_t *body = call->body;
    long if_match;
    if (geo_locality_key_or_fail(call, o, PROGRAMME_CHANGE) != CDM_OK ||
        record_if_match(call, o, &if_match) != CDM_OK)
        return o->status;
    const char *ended_on = json_string_value(json_object_get(body, "endedOn"));
    char after_stage[12];
    snprintf(after_stage, sizeof after_stage, "%lld",
             (long long)json_integer_value(json_object_get(body, "afterStage")));
    const char *lp[GEO_PROGRAMME_LOCK_NPARAMS] = {[GEO_PROGRAMME_LOCK_P_ID] = call->id};
    json_t *none = json_array();
    if (!record_tx_begin(db, o))
        goto out_nodb;
    PGresult *r = DB_RUN(db, GEO_PROGRAMME_LOCK, lp);
    if (!db_ok(r)) {
        outcome_db_fail(o, db, r, "reading the programme");
        goto out;
    }
    if (PQntuples(r) == 0) {
        outcome_fail(o, CDM_ERR_NOT_FOUND, "no such programme");
        goto out;
    }
    long version = strtol(PQgetvalue(r, 0, GEO_PROGRAMME_LOCK_VERSION), NULL, 10);
    if (strcmp(PQgetvalue(r, 0, GEO_PROGRAMME_LOCK_ENDED), "t") == 0) {
        outcome_fail(o, CDM_ERR_CONFLICT, "the programme has ended already");
        goto out;
    }
    if (version != if_match) {
        outcome_fail(o, CDM_ERR_PRECONDITION_FAILED,
                     "the programme changed since you read it (now version %ld)", version);
        goto out;
    }
    const char *started = PQgetvalue(r, 0, GEO_PROGRAMME_LOCK_START_DATE);
    if (strcmp(ended_on, started) < 0) {
        outcome_fail_at(o, CDM_ERR_VALIDATION, "/endedOn",
                        "the programme cannot end before it started (%s)", started);
        goto out;
    }
    PQclear(r);
    const char *ep[GEO_PROGRAMME_END_NPARAMS] = {
        [GEO_PROGRAMME_END_P_ID] = call->id,
        [GEO_PROGRAMME_END_P_AFTER_STAGE] = after_stage,
        [GEO_PROGRAMME_END_P_ENDED_ON] = ended_on,
        [GEO_PROGRAMME_END_P_REASON] = json_string_value(json_object_get(body, "reason")),
    };
    r = DB_RUN(db, GEO_PROGRAMME_END, ep);
    if (!db_ok(r) || PQntuples(r) != 1) {
        outcome_db_fail(o, db, r, "ending the programme");
        goto out;
    }
    bool ok = record_event_add(db, call, "updated", ENTITY_PROGRAMME, call->id,
                               strtol(PQgetvalue(r, 0, GEO_PROGRAMME_END_VERSION), NULL, 10), none);
    PQclear(r);
    const char *cp[GEO_MILESTONES_CANCEL_NPARAMS] = {
        [GEO_MILESTONES_CANCEL_P_PROGRAMME_ID] = call->id,
        [GEO_MILESTONES_CANCEL_P_AFTER_STAGE] = after_stage,
        [GEO_MILESTONES_CANCEL_P_CANCELLED_ON] = ended_on,
    };
    r = DB_RUN(db, GEO_MILESTONES_CANCEL, cp);
    if (!db_ok(r)) {
        outcome_db_fail(o, db, r, "cancelling the milestones");
        goto out;
    }
    for (int i = 0; ok && i < PQntuples(r); i++)
        ok = record_event_add(db, call, "updated", ENTITY_MILESTONE,
                              PQgetvalue(r, i, GEO_MILESTONES_CANCEL_ID),
                              strtol(PQgetvalue(r, i, GEO_MILESTONES_CANCEL_VERSION), NULL, 10),
                              none);
    if (!ok) {
        outcome_fail(o, CDM_ERR_UNAVAILABLE, "the events could not be stored; retry later");
        goto out;
    }
    if (record_tx_commit(db, o))
        programme_read_on(db, call->id, pdate_today(), o);
out:
    PQclear(r);
    record_tx_end(db);
out_nodb:
    json_decref(none);
    return o->status;
}

/* ------------------------------------------------------------- routes */

const struct route programme_routes[] = {
    {.method = "POST", .path = "/v1/programmes", .logic = programme_create,
     .schema = "programme-create.json", .scope = SCOPE_ADMIN},
    {.method = "GET", .path = "/v1/programmes", .logic = programme_list, .scope = SCOPE_READ},
    {.method = "GET", .path = "/v1/programmes/:id", .logic = programme_get,
     .not_found = "no such programme", .scope = SCOPE_READ},
    {.method = "GET", .path = "/v1/programmes/:id/neighbourhoods",
     .logic = programme_neighbourhoods, .not_found = "no such programme", .scope = SCOPE_READ},
    {.method = "GET", .path = "/v1/programmes/:id/milestones", .logic = milestone_list,
     .not_found = "no such programme", .scope = SCOPE_READ},
    {.method = "POST", .path = "/v1/programmes/:id/end", .logic = programme_end,
     .schema = "programme-end.json", .not_found = "no such programme", .scope = SCOPE_ADMIN},
    {.method = "GET", .path = "/v1/milestones/:id", .logic = milestone_get,
     .not_found = "no such milestone", .scope = SCOPE_READ},
    {.method = "POST", .path = "/v1/milestones/:id/completion", .logic = milestone_complete,
     .schema = "milestone-completion.json", .not_found = "no such milestone", .scope = SCOPE_ADMIN},
    {.method = NULL},
};
