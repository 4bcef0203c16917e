/* routes.c — the list of every resource module's route table, in the order cdm-api registers them */
#include "http.h"

/* main.c hands this list to http_register, so http.c, which every module uses,
 * depends on none of them; the in-process tests register the same list, so
 * a table added here is served and tested alike. */
const struct route *const api_route_tables[] = {
    health_routes,       neighbourhood_routes,     round_routes,        response_routes,
    indicator_routes,    agency_routes,            subscription_routes, area_routes,
    programme_routes,    organisation_routes,      issue_routes,        asset_routes,
    evidence_routes,     batch_routes,             organisation_update_routes,
    organisation_link_routes, kpi_routes,          cell_routes,         audit_routes,
    NULL,
};
