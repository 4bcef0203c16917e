/* queries_audit.h — statement names and shapes of the audit trail (queries_audit.c) */
#ifndef CDM_QUERIES_AUDIT_H
#define CDM_QUERIES_AUDIT_H
#include "statement.h"

/* An audit row written by another statement in the same statement (so that
 * the action and its record commit together): a CTE body inserting one row
 * per row of `from` (SQL text). agency, prefix and request are the
 * statement's parameters ("$6"), entity_id and owner SQL expressions. */
#define AUDIT_ROW(action, entity, entity_id, owner, from, agency, prefix, request)          \
    "INSERT INTO audit_log (agency_id, key_prefix, request_id, action, entity, entity_id,"   \
    " owner_agency) SELECT " agency "::uuid, " prefix "::text, " request "::text, '" action   \
    "', '" entity "', " entity_id ", " owner " FROM " from

/* One audit row, in the caller's transaction. */
#define Q_AUDIT_APPEND "audit_append"
#define AUDIT_APPEND_PARAMS(P)                                                              \
    P(AUDIT_APPEND, AGENCY) P(AUDIT_APPEND, KEY_PREFIX) P(AUDIT_APPEND, REQUEST_ID)          \
    P(AUDIT_APPEND, ACTION) P(AUDIT_APPEND, ENTITY) P(AUDIT_APPEND, ENTITY_ID)               \
    P(AUDIT_APPEND, OWNER_AGENCY)
#define AUDIT_APPEND_COLUMNS(C)
DB_SHAPE(AUDIT_APPEND)

/* The trail after sequence AFTER (NULL: from the start), at most LIMIT rows,
 * each as JSON (BODY) with its sort key (KEY: [seq]); AGENCY NULL: every row (the operator),
 * else the rows that agency's keys made or that concern its objects. */
#define Q_AUDIT_LIST "audit_list"
#define AUDIT_LIST_PARAMS(P) P(AUDIT_LIST, AGENCY) P(AUDIT_LIST, AFTER) P(AUDIT_LIST, LIMIT)
#define AUDIT_LIST_COLUMNS(C) C(AUDIT_LIST, KEY) C(AUDIT_LIST, BODY)
DB_SHAPE(AUDIT_LIST)
#endif
