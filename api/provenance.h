/* provenance.h — who supplied a record, and who may therefore withdraw it */
#ifndef CDM_PROVENANCE_H
#define CDM_PROVENANCE_H
#include "http.h"

/* Who supplied a record, as three SQL text parameters in this order:
 * agency id, key id, "true"/"false" for the evaluator role. The strings are
 * borrowed from call->who (valid for the request). */
struct provenance {
    const char *agency_id, *key_id, *evaluator;
};
struct provenance provenance_of(const struct route_call *call);

/* Who may withdraw a record: the agency that supplied it, or an admin key.
 * As an SQL uuid parameter for "AND ($n::uuid IS NULL OR supplied_by_agency =
 * $n::uuid)": NULL for an admin, else the caller's agency (a key without one
 * gets a uuid no agency has). A record with no supplying agency: admin only.
 * Borrowed from call->who. */
const char *record_withdrawer_param(const struct route_call *call);

/* The same rule in C; supplied_by_agency is "" or NULL when the row has none. */
bool record_may_withdraw(const struct route_call *call, const char *supplied_by_agency);
#endif
