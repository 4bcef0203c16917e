/* geography.c — shared by areas, neighbourhoods and programmes: ?on=, phases, neighbourhood pages */
#include "geography.h"
#include "queries.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NEIGHBOURHOOD_LIST_DEFAULT 100
#define NEIGHBOURHOOD_LIST_MAX 1000

enum cdm_status geo_on_date(const struct route_call *call, struct outcome *o, char on[11],
                            struct pdate *d)
{
    const char *s = u_map_get(call->req->map_url, "on");
    if (s && *s) {
        if (!pdate_parse(s, d))
            return outcome_fail_at(o, CDM_ERR_VALIDATION, "/on", "on must be a date, YYYY-MM-DD");
    } else {
        *d = pdate_today();
    }
    pdate_format(*d, on);
    return CDM_OK;
}

enum cdm_status geo_locality_key_or_fail(const struct route_call *call, struct outcome *o,
                                         const char *action)
{
    if (principal_neighbourhoods_param(call->who))
        return outcome_fail(o, CDM_ERR_FORBIDDEN, "only a key for the whole locality can %s",
                            action);
    return CDM_OK;
}

bool geo_date_of(const json_t *v, struct pdate *d)
{
    return json_is_string(v) && pdate_parse(json_string_value(v), d);
}

bool geo_stage_months_of(const json_t *arr, int out[PROGRAMME_STAGES])
{
    if (json_array_size(arr) != PROGRAMME_STAGES)
        return false;
    for (int s = 0; s < PROGRAMME_STAGES; s++)
        out[s] = (int)json_integer_value(json_array_get(arr, (size_t)s));
    return programme_stages_valid(out);
}

void geo_neighbourhood_decorate(json_t *neighbourhood, struct pdate on)
{
    json_t *p = json_object_get(neighbourhood, "_programme");
    int stages[PROGRAMME_STAGES];
    struct pdate start, ended;
    if (json_is_object(p) && geo_date_of(json_object_get(p, "startDate"), &start) &&
        geo_stage_months_of(json_object_get(p, "stageMonths"), stages)) {
        int month = programme_month(start, on);
        int wave = (int)json_integer_value(json_object_get(neighbourhood, "wave"));
        enum programme_phase phase = programme_phase(stages, wave, month);
        if (geo_date_of(json_object_get(p, "endedOn"), &ended) && pdate_cmp(on, ended) >= 0)
            phase = PHASE_ENDED; /* ended early at a break clause */
        json_object_set_new(neighbourhood, "programmeMonth", json_integer(month));
        json_object_set_new(neighbourhood, "phase", json_string(programme_phase_name(phase)));
    }
    json_object_del(neighbourhood, "_programme");
}

enum cdm_status geo_neighbourhood_page(PGconn *db, const struct route_call *call,
                                       struct outcome *o, const char *programme_id)
{
    char on[11];
    struct pdate d;
    if (geo_on_date(call, o, on, &d) != CDM_OK)
        return o->status;
    const char *after = u_map_get(call->req->map_url, "after");
    const char *limit_s = u_map_get(call->req->map_url, "limit");
    long limit = NEIGHBOURHOOD_LIST_DEFAULT;
    if (limit_s) {
        char *end;
        limit = strtol(limit_s, &end, 10);
        if (*end || end == limit_s || limit < 1 || limit > NEIGHBOURHOOD_LIST_MAX)
            return outcome_fail_at(o, CDM_ERR_VALIDATION, "/limit", "limit must be from 1 to %d",
                                   NEIGHBOURHOOD_LIST_MAX);
    }
    char limit_plus_one[16];
    snprintf(limit_plus_one, sizeof limit_plus_one, "%ld", limit + 1);
    const char *p[GEO_NBH_LIST_NPARAMS] = {
        [GEO_NBH_LIST_P_AFTER_CODE] = after && *after ? after : NULL,
        [GEO_NBH_LIST_P_LIMIT] = limit_plus_one,
        [GEO_NBH_LIST_P_NEIGHBOURHOODS] = principal_neighbourhoods_param(call->who),
        [GEO_NBH_LIST_P_ON_DATE] = on,
        [GEO_NBH_LIST_P_PROGRAMME_ID] = programme_id,
    };
    PGresult *r = DB_RUN(db, GEO_NBH_LIST, p);
    if (!db_ok(r)) {
        outcome_db_fail(o, db, r, "listing neighbourhoods");
    } else {
        json_t *items = json_array();
        int rows = PQntuples(r);
        for (int i = 0; i < rows && i < limit; i++) {
            json_t *neighbourhood = json_loads(PQgetvalue(r, i, GEO_NBH_LIST_BODY), 0, NULL);
            geo_neighbourhood_decorate(neighbourhood, d);
            json_array_append_new(items, neighbourhood);
        }
        json_t *next = json_null();
        if (rows > limit) /* one more row than asked: there is a next page */
            next = json_incref(json_object_get(json_array_get(items, (size_t)limit - 1), "code"));
        o->body = json_pack("{s:o, s:o}", "items", items, "next", next);
        o->status = o->body ? CDM_OK : CDM_ERR_INTERNAL;
    }
    PQclear(r);
    return o->status;
}
