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

static int post_response(const struct _u_request *req, struct _u_response *res, void *user)
{
    return http_run_body(user, req, res, instrument_named("resident")->schema,
                         submit_resident, NULL);
}

static int post_sector_response(const struct _u_request *req, struct _u_response *res,
                                void *user)
{
    return http_run_body(user, req, res, instrument_named("sector")->schema,
                         submit_sector, NULL);
}

static int post_agency_report(const struct _u_request *req, struct _u_response *res, void *user)
{
    return http_run_body(user, req, res, instrument_named("agency")->schema,
                         submit_agency, NULL);
}

static int delete_response(const struct _u_request *req, struct _u_response *res, void *user)
{
    return http_run_id(user, req, res, "no such response", NULL, instrument_withdraw);
}

const struct route response_routes[] = {
    {"POST", "/v1/responses", post_response, SCOPE_SUBMIT},
    {"POST", "/v1/sector-responses", post_sector_response, SCOPE_SUBMIT},
    {"POST", "/v1/agency-reports", post_agency_report, SCOPE_SUBMIT},
    {"DELETE", "/v1/responses/:id", delete_response, SCOPE_SUBMIT},
    {NULL, NULL, NULL, 0},
};
