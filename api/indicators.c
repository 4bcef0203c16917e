/* indicators.c — reading indicator figures and the catalogue */
#include "http.h"
#include "ids.h"
#include "indicators.h"
#include "queries.h"
#include <stdio.h>

/* A neighbourhood's latest figures per indicator and round. Suppressed
 * figures are stored withheld (NULL), so there is nothing more to hide here. */
static enum cdm_status area_indicators(PGconn *db, const struct route_call *call,
                                       struct outcome *o)
{
    if (!principal_may(call->who, call->id)) /* outside the key's area: as if absent */
        return outcome_fail(o, CDM_ERR_NOT_FOUND, "no such neighbourhood");
    const char *params[] = {call->id};
    return db_one_json(db, Q_INDICATORS_FOR_AREA, 1, params, o, "reading the indicators",
                       "no such neighbourhood");
}

static int get_area_indicators(const struct _u_request *req, struct _u_response *res, void *user)
{
    char id[UUID_STR_LEN];
    if (!http_path_id(req, res, "no such neighbourhood", id))
        return U_CALLBACK_CONTINUE;
    return http_run(user, req, res, area_indicators, id);
}

static int get_catalogue(const struct _u_request *req, struct _u_response *res, void *user)
{
    (void)user;
    struct outcome o = {.status = CDM_OK};
    json_t *items = json_array();
    for (const struct indicator_def *d = indicator_catalogue; d->id; d++) {
        json_t *levels = json_array();
        if (d->levels & LEVEL_WARD)
            json_array_append_new(levels, json_string("ward"));
        if (d->levels & LEVEL_NEIGHBOURHOOD)
            json_array_append_new(levels, json_string("neighbourhood"));
        if (d->levels & LEVEL_LOCALITY)
            json_array_append_new(levels, json_string("locality"));
        json_array_append_new(
            items, json_pack("{s:s, s:i, s:s, s:s, s:s, s:i, s:s, s:o}", "id", d->id, "factor",
                             d->factor, "direction",
                             d->direction == HIGHER_IS_BETTER ? "higher_is_better"
                                                              : "lower_is_better",
                             "source", d->source, "unit", d->unit, "version", d->version,
                             "definition", d->definition, "levels", levels));
    }
    o.body = json_pack("{s:o}", "indicators", items);
    http_reply(req, res, &o);
    outcome_clear(&o);
    return U_CALLBACK_CONTINUE;
}

const struct route indicator_routes[] = {
    {"GET", "/v1/neighbourhoods/:id/indicators", get_area_indicators, SCOPE_READ},
    {"GET", "/v1/indicators/catalogue", get_catalogue, SCOPE_READ},
    {NULL, NULL, NULL, 0},
};
