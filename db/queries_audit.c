/* queries_audit.c — the SQL of the audit trail: one row, and the trail read back */
#include "queries.h"

const struct named_sql audit_statements[] = {
    DB_STATEMENT(AUDIT_APPEND,
     "INSERT INTO audit_log (agency_id, key_prefix, request_id, action, entity, entity_id,"
     " owner_agency) VALUES ($1::uuid, $2, $3, $4, $5, $6, $7::uuid)"),
    DB_STATEMENT(AUDIT_LIST,
     "SELECT json_build_array(seq)::text AS key, json_build_object('seq', seq, 'at',"
     " to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), 'agencyId', agency_id,"
     " 'keyPrefix', key_prefix, 'requestId', request_id, 'action', action, 'entity', entity,"
     " 'entityId', entity_id, 'ownerAgencyId', owner_agency)::text AS body"
     " FROM audit_log WHERE ($1::uuid IS NULL OR agency_id = $1::uuid OR owner_agency = $1::uuid)"
     "  AND seq > coalesce($2::bigint, 0) ORDER BY seq LIMIT $3::int"),
    {NULL, NULL, 0, 0, NULL},
};
