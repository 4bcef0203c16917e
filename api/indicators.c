/* indicators.c — reading indicator figures and the catalogue */
#include "http.h"
#include "ids.h"
#include "indicators.h"
#include "queries.h"
#include <stdio.h>

static int get_area_indicators(const struct _u_request *req, struct _u_response *res, void *user)
{
    struct api_ctx *ctx = user;
    struct outcome o = {0};
    const char *raw = u_map_get(req->map_url, "id");
    if (!uuid_is_valid(raw))
        return http_problem(req, res, CDM_ERR_NOT_FOUND, "no such neighbourhood");
    char id[UUID_STR_LEN];
    uuid_normalise(raw, id);
    if (!principal_may(http_principal(res), id)) /* outside the key's area: as if absent */
        return http_problem(req, res, CDM_ERR_NOT_FOUND, "no such neighbourhood");
    PGconn *db = http_db_or_problem(ctx, req, res);
    if (!db)
        return U_CALLBACK_CONTINUE;
    const char *params[] = {id};
    PGresult *r = db_run(db, Q_NEIGHBOURHOOD_GET, 1, params);
    if (!db_ok(r)) {
        outcome_db_fail(&o, db, r, "reading the neighbourhood");
    } else if (PQntuples(r) == 0) {
        outcome_fail(&o, CDM_ERR_NOT_FOUND, "no such neighbourhood");
    } else {
        PQclear(r);
        r = db_run(db, Q_INDICATORS_FOR_AREA, 1, params);
        if (!db_ok(r)) {
            outcome_db_fail(&o, db, r, "reading the indicators");
        } else {
            json_t *items = json_loads(PQgetvalue(r, 0, 0), 0, NULL);
            /* Suppressed figures are stored withheld (NULL), so nothing more to hide here. */
            o.body = json_pack("{s:s, s:o}", "neighbourhoodId", id, "indicators",
                               items ? items : json_array());
            o.status = CDM_OK;
        }
    }
    PQclear(r);
    pgpool_release(ctx->pool, db);
    http_reply(req, res, &o);
    outcome_clear(&o);
    return U_CALLBACK_CONTINUE;
}

static int get_catalogue(const struct _u_request *req, struct _u_response *res, void *user)
{
    (void)user;
    struct outcome o = {.status = CDM_OK};
    json_t *items = json_array();
    for (const struct indicator_def *d = indicator_catalogue; d->id; d++)
        json_array_append_new(
            items, json_pack("{s:s, s:i, s:s, s:s, s:s, s:i, s:s}", "id", d->id, "factor",
                             d->factor, "direction",
                             d->direction == HIGHER_IS_BETTER ? "higher_is_better"
                                                              : "lower_is_better",
                             "source", d->source, "unit", d->unit, "version", d->version,
                             "definition", d->definition));
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
