/* cells.h — the breakdown of a neighbourhood's figures, for api/indicators.c */
#ifndef CDM_API_CELLS_H
#define CDM_API_CELLS_H
#include "http.h"

/* Reads ?breakdown= into *by (NULL when absent). False, with o failed (422),
 * when it is not age_band or sex. */
bool cells_breakdown_requested(const struct route_call *call, const char **by, struct outcome *o);

/* The neighbourhood call->id's figures by age band or sex (by), as
 * indicator-list.json with a breakdown on each item; fills o. */
enum cdm_status cells_breakdown(PGconn *db, const struct route_call *call, const char *by,
                                struct outcome *o);
#endif
