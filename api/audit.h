/* audit.h — the audit trail: a row per privileged action and per read of contact details */
#ifndef CDM_AUDIT_H
#define CDM_AUDIT_H
#include "http.h"

/* Appends one row for call's caller (agency, key prefix, request id) in the
 * caller's open transaction — or alone, when there is none — saying it did
 * `action` ("round.close", "contact.read", …) on (entity, entity_id), an
 * object of owner_agency (NULL: of none). False on a database error; the
 * caller then rolls back what it did, so that no action goes unrecorded. */
bool audit_append(PGconn *db, const struct route_call *call, const char *action,
                  const char *entity, const char *entity_id, const char *owner_agency);

/* The caller as an audit row names it, for a statement that writes its own
 * row (AUDIT_ROW, db/queries_audit.h): agency (NULL: none), key prefix and
 * request id, borrowed from call. */
struct audit_actor {
    const char *agency, *key_prefix, *request_id;
};
struct audit_actor audit_actor_of(const struct route_call *call);

/* audit_routes (http.h): GET /v1/audit (admin; the operator reads every row,
 * an agency admin the rows its agency's keys made or that concern its
 * objects). */
#endif
