/* responses.c — the HTTP endpoints of single survey responses (one per
 * instrument) and of their withdrawal; the logic is in instruments.c, shared
 * with batches */
#include "http.h"
#include "instruments.h"

static enum cdm_status submit_resident(PGconn *db, const struct route_call *call,
                                       struct outcome *o)
{
    return instrument_submit(db, call, instrument_named("resident"), call->body, false, o);
}

static enum cdm_status submit_sector(PGconn *db, const struct route_call *call,
                                     struct outcome *o)
{
    return instrument_submit(db, call, instrument_named("sector"), call->body, false, o);
}

static enum cdm_status submit_agency(PGconn *db, const struct route_call *call,
                                     struct outcome *o)
{
    return instrument_submit(db, call, instrument_named("agency"), call->body, false, o);
}

const struct route response_routes[] = {
    {.method = "POST", .path = "/v1/responses", .logic = submit_resident,
     .schema = INSTRUMENT_SCHEMA_RESIDENT, .scope = SCOPE_SUBMIT},
    {.method = "POST", .path = "/v1/sector-responses", .logic = submit_sector,
     .schema = INSTRUMENT_SCHEMA_SECTOR, .scope = SCOPE_SUBMIT},
    {.method = "POST", .path = "/v1/agency-reports", .logic = submit_agency,
     .schema = INSTRUMENT_SCHEMA_AGENCY, .scope = SCOPE_SUBMIT},
    {.method = "DELETE", .path = "/v1/responses/:id", .logic = instrument_withdraw,
     .not_found = "no such response", .scope = SCOPE_SUBMIT},
    {.method = NULL},
};
