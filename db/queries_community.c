/* queries_community.c — the SQL of community issues and agency responses, assets (meeting spaces, grant schemes, community development input) and evidence */
#include "queries.h"

#define TS(x) "to_char(" x " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

/* Who supplied a record and when (common.json#/$defs/provenance). */
#define PROVENANCE(t)                                                                        \
    "json_build_object('agencyId', " t ".supplied_by_agency, 'keyId', " t ".supplied_by_key,"  \
    " 'evaluator', " t ".supplied_as_evaluator, 'at', " TS(t ".created_at") ")"

/* The first response of any agency to issue i. */
#define ISSUE_FIRST "(SELECT min(r.responded_on) FROM issue_response r WHERE r.issue_id = i.id)"

/* Answered in time (SPEC §3 issues_answered_in_time): a response within 28
 * days of `from`; false once 28 days passed without one; null before then. */
#define IN_TIME(first, from)                                                                 \
    "CASE WHEN " first " IS NOT NULL THEN " first " - " from " <= 28"                           \
    " WHEN current_date - " from " >= 28 THEN false END"

#define ISSUE_JSON                                                                           \
    "json_build_object('id', i.id, 'version', i.version, 'neighbourhoodId', i.neighbourhood_id," \
    " 'title', i.title, 'description', i.description, 'theme', i.theme, 'priority', i.priority," \
    " 'raisedOn', i.raised_on, 'raisedVia', i.raised_via, 'organisationId', i.organisation_id," \
    " 'status', i.status,"                                                                   \
    " 'agencies', (SELECT coalesce(json_agg(json_build_object('agencyId', a.agency_id,"        \
    "   'routedOn', a.routed_on, 'firstResponseOn', f.first,"                                 \
    "   'daysToFirstResponse', f.first - a.routed_on,"                                        \
    "   'answeredInTime', " IN_TIME("f.first", "a.routed_on") ")"                             \
    "   ORDER BY a.routed_on, a.agency_id), '[]')"                                            \
    "   FROM community_issue_agency a LEFT JOIN LATERAL (SELECT min(r.responded_on) AS first"  \
    "   FROM issue_response r WHERE r.issue_id = a.issue_id AND r.agency_id = a.agency_id) f"  \
    "   ON true WHERE a.issue_id = i.id),"                                                    \
    " 'firstResponseOn', " ISSUE_FIRST ","                                                    \
    " 'daysToFirstResponse', " ISSUE_FIRST " - i.raised_on,"                                  \
    " 'answeredInTime', " IN_TIME(ISSUE_FIRST, "i.raised_on") ","                             \
    " 'createdAt', " TS("i.created_at") ", 'updatedAt', " TS("i.updated_at") ","              \
    " 'provenance', " PROVENANCE("i") ")"

#define ISSUE_RESPONSE_JSON                                                                  \
    "json_build_object('id', r.id, 'issueId', r.issue_id, 'agencyId', r.agency_id,"           \
    " 'kind', r.kind, 'respondedOn', r.responded_on, 'note', r.note,"                         \
    " 'daysAfterRaised', r.responded_on - i.raised_on, 'provenance', " PROVENANCE("r") ")"

/* Is the caller (uuid[] A, NULL: whole locality) entitled to a neighbourhood column? */
#define MAY(col, A) "(" A "::uuid[] IS NULL OR " col " = ANY(" A "::uuid[]))"

/* An asset's neighbourhoods as the caller may see them ($A), and whether it
 * serves any of them. */
#define ASSET_NEIGHBOURHOODS(link, fk, alias, A)                                             \
    "(SELECT coalesce(json_agg(m.neighbourhood_id ORDER BY m.neighbourhood_id), '[]')"        \
    " FROM " link " m WHERE m." fk " = " alias ".id AND " MAY("m.neighbourhood_id", A) ")"
/* A whole-locality key (A NULL) sees an asset linked to no neighbourhood too. */
#define ASSET_VISIBLE(link, fk, alias, A)                                                    \
    "(" A "::uuid[] IS NULL OR EXISTS (SELECT 1 FROM " link " m WHERE m." fk " = " alias ".id" \
    " AND " MAY("m.neighbourhood_id", A) "))"

/* A meeting space; D is the date of `availableOn` (NULL: today). */
#define SPACE_AVAILABLE(D)                                                                   \
    "(s.available_from <= coalesce(" D "::date, current_date) AND (s.available_to IS NULL"    \
    " OR s.available_to >= coalesce(" D "::date, current_date)))"
#define SPACE_JSON(A, D)                                                                     \
    "json_build_object('id', s.id, 'version', s.version, 'name', s.name, 'cost', s.cost,"     \
    " 'capacity', s.capacity, 'availableFrom', s.available_from, 'availableTo', s.available_to," \
    " 'neighbourhoodIds', "                                                                 \
    ASSET_NEIGHBOURHOODS("meeting_space_neighbourhood", "meeting_space_id", "s", A) ","      \
    " 'availableOn', json_build_object('date', coalesce(" D "::date, current_date),"         \
    "   'available', " SPACE_AVAILABLE(D) "),"                                               \
    " 'createdAt', " TS("s.created_at") ", 'updatedAt', " TS("s.updated_at") ","              \
    " 'provenance', " PROVENANCE("s") ")"

#define GRANT_OPEN(D)                                                                        \
    "(g.opens_on <= coalesce(" D "::date, current_date) AND (g.closes_on IS NULL"             \
    " OR g.closes_on >= coalesce(" D "::date, current_date)))"
#define GRANT_JSON(A, D)                                                                     \
    "json_build_object('id', g.id, 'version', g.version, 'name', g.name, 'opensOn', g.opens_on," \
    " 'closesOn', g.closes_on, 'budgetPence', g.budget_pence, 'maxAwardPence', g.max_award_pence," \
    " 'neighbourhoodIds', "                                                                 \
    ASSET_NEIGHBOURHOODS("grant_scheme_neighbourhood", "grant_scheme_id", "g", A) ","        \
    " 'openOn', json_build_object('date', coalesce(" D "::date, current_date),"              \
    "   'open', " GRANT_OPEN(D) "),"                                                         \
    " 'createdAt', " TS("g.created_at") ", 'updatedAt', " TS("g.updated_at") ","              \
    " 'provenance', " PROVENANCE("g") ")"

#define CD_JSON                                                                              \
    "json_build_object('id', c.id, 'neighbourhoodId', c.neighbourhood_id,"                    \
    " 'month', to_char(c.month, 'YYYY-MM'), 'hours', c.hours, 'note', c.note,"                \
    " 'status', CASE WHEN c.withdrawn_at IS NULL THEN 'active' ELSE 'withdrawn' END,"         \
    " 'withdrawnAt', " TS("c.withdrawn_at") ", 'provenance', " PROVENANCE("c") ")"

/* cd_input rows a list selects: $1 the caller's neighbourhoods, $2 neighbourhood,
 * $3 from month, $4 to month, $5 withdrawn ones too. */
#define CD_WHERE                                                                             \
    " WHERE " MAY("c.neighbourhood_id", "$1")                                                 \
    " AND ($2::uuid IS NULL OR c.neighbourhood_id = $2::uuid)"                                \
    " AND ($3::date IS NULL OR c.month >= $3::date) AND ($4::date IS NULL OR c.month <= $4::date)"

#define EVIDENCE_NEIGHBOURHOODS                                                              \
    "evidence_neighbourhoods(e.neighbourhood_id, e.organisation_id, e.issue_id)"
#define EVIDENCE_VISIBLE(A)                                                                  \
    "(" A "::uuid[] IS NULL OR " EVIDENCE_NEIGHBOURHOODS " && " A "::uuid[])"
#define EVIDENCE_JSON                                                                        \
    "json_build_object('id', e.id, 'kind', e.kind, 'neighbourhoodId', e.neighbourhood_id,"    \
    " 'organisationId', e.organisation_id, 'issueId', e.issue_id, 'title', e.title,"          \
    " 'summary', e.summary, 'url', e.url, 'informantRole', e.informant_role,"                 \
    " 'collectedOn', e.collected_on,"                                                        \
    " 'status', CASE WHEN e.withdrawn_at IS NULL THEN 'active' ELSE 'withdrawn' END,"         \
    " 'withdrawnAt', " TS("e.withdrawn_at") ", 'provenance', " PROVENANCE("e") ")"

const struct named_sql community_statements[] = {
    /* ------------------------------------------------ references a body names */
    DB_STATEMENT(CMTY_MISSING_NEIGHBOURHOODS,
     "SELECT x AS neighbourhood_id FROM unnest($1::uuid[]) x WHERE NOT EXISTS (SELECT 1"
     " FROM neighbourhood n WHERE n.id = x)"),
    DB_STATEMENT(CMTY_MISSING_AGENCIES,
     "SELECT x AS agency_id FROM unnest($1::uuid[]) x"
     " WHERE NOT EXISTS (SELECT 1 FROM agency a WHERE a.id = x)"),
    DB_STATEMENT(CMTY_ORGANISATION_VISIBLE,
     /* One row if the organisation exists and serves one of the caller's
      * neighbourhoods ($2, NULL: any). */
     "SELECT true AS visible FROM organisation o WHERE o.id = $1 AND ($2::uuid[] IS NULL"
     " OR EXISTS (SELECT 1 FROM organisation_neighbourhood n WHERE n.organisation_id = o.id"
     " AND n.neighbourhood_id = ANY($2::uuid[])))"),

    /* ------------------------------------------------ community issues */
    DB_STATEMENT(ISSUE_INSERT,
     "INSERT INTO community_issue (id, neighbourhood_id, title, description, theme, priority,"
     " raised_on, raised_via, organisation_id, body_sha256, supplied_by_agency, supplied_by_key,"
     " supplied_as_evaluator) VALUES ($1, $2, $3, $4, $5, $6, $7::date, $8, $9, decode($10, 'hex'),"
     " $11, $12, $13::boolean) ON CONFLICT (id) DO NOTHING RETURNING version"),
    DB_STATEMENT(ISSUE_AGENCY_ADD,
     /* Routing is kept once made: an agency already routed keeps its date. */
     "INSERT INTO community_issue_agency (issue_id, agency_id, routed_on)"
     " VALUES ($1, $2, $3::date) ON CONFLICT DO NOTHING"),
    DB_STATEMENT(ISSUE_EXISTING,
     "SELECT encode(body_sha256, 'hex') AS digest, neighbourhood_id FROM community_issue"
     " WHERE id = $1"),
    DB_STATEMENT(ISSUE_GET,
     /* $1 id, $2 the caller's neighbourhoods. */
     "SELECT (" ISSUE_JSON "::jsonb || jsonb_build_object('responses', (SELECT"
     " coalesce(jsonb_agg(" ISSUE_RESPONSE_JSON "::jsonb ORDER BY r.responded_on, r.created_at, r.id),"
     " '[]') FROM issue_response r WHERE r.issue_id = i.id)))::text AS body"
     " FROM community_issue i WHERE i.id = $1 AND " MAY("i.neighbourhood_id", "$2")),
    DB_STATEMENT(ISSUE_LIST,
     /* Newest first. $1 the caller's neighbourhoods, $2 neighbourhood, $3 status,
      * $4 theme, $5 agency, $6 priority, $7/$8 the cursor (raisedOn, id), $9 limit. */
     "SELECT " ISSUE_JSON "::text AS body FROM community_issue i"
     " WHERE " MAY("i.neighbourhood_id", "$1")
     " AND ($2::uuid IS NULL OR i.neighbourhood_id = $2::uuid)"
     " AND ($3::text IS NULL OR i.status = $3) AND ($4::text IS NULL OR i.theme = $4)"
     " AND ($5::uuid IS NULL OR EXISTS (SELECT 1 FROM community_issue_agency a"
     "   WHERE a.issue_id = i.id AND a.agency_id = $5::uuid))"
     " AND ($6::text IS NULL OR i.priority = $6)"
     " AND ($7::date IS NULL OR (i.raised_on, i.id) < ($7::date, $8::uuid))"
     " ORDER BY i.raised_on DESC, i.id DESC LIMIT $9::int"),
    DB_STATEMENT(ISSUE_LOCK,
     "SELECT version, neighbourhood_id, raised_on FROM community_issue WHERE id = $1 FOR UPDATE"),
    DB_STATEMENT(ISSUE_UPDATE,
     "UPDATE community_issue SET title = $2, description = $3, theme = $4, priority = $5,"
     " raised_via = $6, organisation_id = $7, status = $8, version = version + 1,"
     " updated_at = now() WHERE id = $1 RETURNING version"),
    DB_STATEMENT(ISSUE_BUMP,
     /* An agency's response changes what the issue shows (its ETag). */
     "UPDATE community_issue SET version = version + 1, updated_at = now() WHERE id = $1"
     " RETURNING version"),
    DB_STATEMENT(ISSUE_ROUTE,
     /* The issue ($1), and when it was routed to agency $2 (NULL: not routed). */
     "SELECT i.neighbourhood_id, i.raised_on, a.routed_on FROM community_issue i"
     " LEFT JOIN community_issue_agency a ON a.issue_id = i.id AND a.agency_id = $2"
     " WHERE i.id = $1"),

    /* ------------------------------------------------ agency responses */
    DB_STATEMENT(ISSUE_RESPONSE_INSERT,
     "INSERT INTO issue_response (id, issue_id, agency_id, kind, responded_on, note, body_sha256,"
     " supplied_by_agency, supplied_by_key, supplied_as_evaluator)"
     " VALUES ($1, $2, $3, $4, $5::date, $6, decode($7, 'hex'), $8, $9, $10::boolean)"
     " ON CONFLICT (id) DO NOTHING RETURNING id"),
    DB_STATEMENT(ISSUE_RESPONSE_EXISTING,
     "SELECT encode(body_sha256, 'hex') AS digest, issue_id FROM issue_response WHERE id = $1"),
    DB_STATEMENT(ISSUE_RESPONSE_GET,
     "SELECT " ISSUE_RESPONSE_JSON "::text AS body FROM issue_response r"
     " JOIN community_issue i ON i.id = r.issue_id WHERE r.id = $1"),
    DB_STATEMENT(ISSUE_RESPONSE_LIST,
     "SELECT json_build_object('items', (SELECT coalesce(json_agg(" ISSUE_RESPONSE_JSON
     " ORDER BY r.responded_on, r.created_at, r.id), '[]') FROM issue_response r"
     " WHERE r.issue_id = i.id), 'next', NULL)::text AS body"
     " FROM community_issue i WHERE i.id = $1 AND " MAY("i.neighbourhood_id", "$2")),

    /* ------------------------------------------------ meeting spaces */
    DB_STATEMENT(SPACE_INSERT,
     "INSERT INTO meeting_space (id, name, cost, capacity, available_from, available_to,"
     " body_sha256, supplied_by_agency, supplied_by_key, supplied_as_evaluator)"
     " VALUES ($1, $2, $3, $4::int, $5::date, $6::date, decode($7, 'hex'), $8, $9, $10::boolean)"
     " ON CONFLICT (id) DO NOTHING RETURNING version"),
    DB_STATEMENT(SPACE_EXISTING,
     "SELECT encode(body_sha256, 'hex') AS digest FROM meeting_space WHERE id = $1"),
    DB_STATEMENT(SPACE_NEIGHBOURHOODS_SET,
     /* The space's neighbourhoods become $2 (the rows of others are deleted). */
     "WITH gone AS (DELETE FROM meeting_space_neighbourhood WHERE meeting_space_id = $1"
     "  AND NOT neighbourhood_id = ANY($2::uuid[]))"
     " INSERT INTO meeting_space_neighbourhood (meeting_space_id, neighbourhood_id)"
     " SELECT $1, x FROM unnest($2::uuid[]) x ON CONFLICT DO NOTHING"),
    DB_STATEMENT(SPACE_LOCK,
     "SELECT s.version, (SELECT coalesce(json_agg(m.neighbourhood_id ORDER BY m.neighbourhood_id),"
     " '[]') FROM meeting_space_neighbourhood m WHERE m.meeting_space_id = s.id)::text"
     " AS neighbourhood_ids,"
     " " ASSET_VISIBLE("meeting_space_neighbourhood", "meeting_space_id", "s", "$2") " AS visible"
     " FROM meeting_space s WHERE s.id = $1 FOR UPDATE"),
    DB_STATEMENT(SPACE_UPDATE,
     "UPDATE meeting_space SET name = $2, cost = $3, capacity = $4::int, available_from = $5::date,"
     " available_to = $6::date, version = version + 1, updated_at = now() WHERE id = $1"
     " RETURNING version"),
    DB_STATEMENT(SPACE_GET,
     /* $1 id, $2 the caller's neighbourhoods, $3 the date of availableOn. */
     "SELECT " SPACE_JSON("$2", "$3") "::text AS body FROM meeting_space s WHERE s.id = $1 AND "
     ASSET_VISIBLE("meeting_space_neighbourhood", "meeting_space_id", "s", "$2")),
    DB_STATEMENT(SPACE_LIST,
     /* By name. $1 the caller's neighbourhoods, $2 neighbourhood, $3 date, $4
      * available on it (NULL: either), $5 cost, $6/$7 the cursor (name, id), $8 limit. */
     "SELECT " SPACE_JSON("$1", "$3") "::text AS body FROM meeting_space s WHERE "
     ASSET_VISIBLE("meeting_space_neighbourhood", "meeting_space_id", "s", "$1")
     " AND ($2::uuid IS NULL OR EXISTS (SELECT 1 FROM meeting_space_neighbourhood m"
     "   WHERE m.meeting_space_id = s.id AND m.neighbourhood_id = $2::uuid))"
     " AND ($4::boolean IS NULL OR " SPACE_AVAILABLE("$3") " = $4::boolean)"
     " AND ($5::text IS NULL OR s.cost = $5)"
     " AND ($6::text IS NULL OR (s.name, s.id) > ($6::text, $7::uuid))"
     " ORDER BY s.name, s.id LIMIT $8::int"),

    /* ------------------------------------------------ grant schemes */
    DB_STATEMENT(GRANT_INSERT,
     "INSERT INTO grant_scheme (id, name, opens_on, closes_on, budget_pence, max_award_pence,"
     " body_sha256, supplied_by_agency, supplied_by_key, supplied_as_evaluator)"
     " VALUES ($1, $2, $3::date, $4::date, $5::bigint, $6::bigint, decode($7, 'hex'), $8, $9,"
     " $10::boolean) ON CONFLICT (id) DO NOTHING RETURNING version"),
    DB_STATEMENT(GRANT_EXISTING,
     "SELECT encode(body_sha256, 'hex') AS digest FROM grant_scheme WHERE id = $1"),
    DB_STATEMENT(GRANT_NEIGHBOURHOODS_SET,
     "WITH gone AS (DELETE FROM grant_scheme_neighbourhood WHERE grant_scheme_id = $1"
     "  AND NOT neighbourhood_id = ANY($2::uuid[]))"
     " INSERT INTO grant_scheme_neighbourhood (grant_scheme_id, neighbourhood_id)"
     " SELECT $1, x FROM unnest($2::uuid[]) x ON CONFLICT DO NOTHING"),
    DB_STATEMENT(GRANT_LOCK,
     "SELECT g.version, (SELECT coalesce(json_agg(m.neighbourhood_id ORDER BY m.neighbourhood_id),"
     " '[]') FROM grant_scheme_neighbourhood m WHERE m.grant_scheme_id = g.id)::text"
     " AS neighbourhood_ids,"
     " " ASSET_VISIBLE("grant_scheme_neighbourhood", "grant_scheme_id", "g", "$2") " AS visible"
     " FROM grant_scheme g WHERE g.id = $1 FOR UPDATE"),
    DB_STATEMENT(GRANT_UPDATE,
     "UPDATE grant_scheme SET name = $2, opens_on = $3::date, closes_on = $4::date,"
     " budget_pence = $5::bigint, max_award_pence = $6::bigint, version = version + 1,"
     " updated_at = now() WHERE id = $1 RETURNING version"),
    DB_STATEMENT(GRANT_GET,
     "SELECT " GRANT_JSON("$2", "$3") "::text AS body FROM grant_scheme g WHERE g.id = $1 AND "
     ASSET_VISIBLE("grant_scheme_neighbourhood", "grant_scheme_id", "g", "$2")),
    DB_STATEMENT(GRANT_LIST,
     /* By name. $1 the caller's neighbourhoods, $2 neighbourhood, $3 date, $4 open on it (NULL:
      * either), $5/$6 the cursor (name, id), $7 limit. */
     "SELECT " GRANT_JSON("$1", "$3") "::text AS body FROM grant_scheme g WHERE "
     ASSET_VISIBLE("grant_scheme_neighbourhood", "grant_scheme_id", "g", "$1")
     " AND ($2::uuid IS NULL OR EXISTS (SELECT 1 FROM grant_scheme_neighbourhood m"
     "   WHERE m.grant_scheme_id = g.id AND m.neighbourhood_id = $2::uuid))"
     " AND ($4::boolean IS NULL OR " GRANT_OPEN("$3") " = $4::boolean)"
     " AND ($5::text IS NULL OR (g.name, g.id) > ($5::text, $6::uuid))"
     " ORDER BY g.name, g.id LIMIT $7::int"),

    /* ------------------------------------------------ community development input */
    DB_STATEMENT(CD_INSERT,
     "INSERT INTO cd_input (id, neighbourhood_id, month, hours, note, body_sha256,"
     " supplied_by_agency, supplied_by_key, supplied_as_evaluator)"
     " VALUES ($1, $2, ($3::text || '-01')::date, $4::numeric, $5, decode($6, 'hex'), $7, $8,"
     " $9::boolean) ON CONFLICT (id) DO NOTHING RETURNING id"),
    DB_STATEMENT(CD_EXISTING,
     "SELECT encode(body_sha256, 'hex') AS digest, neighbourhood_id FROM cd_input WHERE id = $1"),
    DB_STATEMENT(CD_GET, "SELECT " CD_JSON "::text AS body FROM cd_input c WHERE c.id = $1"),
    DB_STATEMENT(CD_LIST,
     /* By month. CD_WHERE's $1–$4, $5 withdrawn too, $6/$7 the cursor (month, id), $8 limit. */
     "SELECT " CD_JSON "::text AS body FROM cd_input c" CD_WHERE
     " AND ($5::boolean OR c.withdrawn_at IS NULL)"
     " AND ($6::text IS NULL OR (c.month, c.id) > (($6::text || '-01')::date, $7::uuid))"
     " ORDER BY c.month, c.id LIMIT $8::int"),
    DB_STATEMENT(CD_TOTALS,
     /* Hours per month over every page (withdrawn input counts nowhere). */
     "SELECT coalesce(json_agg(json_build_object('month', to_char(t.month, 'YYYY-MM'),"
     " 'hours', t.hours) ORDER BY t.month), '[]')::text AS monthly_hours"
     " FROM (SELECT c.month, sum(c.hours) AS hours"
     " FROM cd_input c" CD_WHERE " AND c.withdrawn_at IS NULL GROUP BY c.month) t"),
    DB_STATEMENT(CD_WITHDRAW,
     "UPDATE cd_input SET withdrawn_at = now() WHERE id = $1 AND withdrawn_at IS NULL"
     " RETURNING id"),

    /* ------------------------------------------------ evidence */
    DB_STATEMENT(EVIDENCE_INSERT,
     "INSERT INTO evidence (id, kind, neighbourhood_id, organisation_id, issue_id, title, summary,"
     " url, informant_role, collected_on, body_sha256, supplied_by_agency, supplied_by_key,"
     " supplied_as_evaluator) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::date,"
     " decode($11, 'hex'), $12, $13, $14::boolean) ON CONFLICT (id) DO NOTHING RETURNING id"),
    DB_STATEMENT(EVIDENCE_EXISTING,
     "SELECT encode(body_sha256, 'hex') AS digest FROM evidence WHERE id = $1"),
    DB_STATEMENT(EVIDENCE_NEIGHBOURHOOD_IDS,
     /* The neighbourhoods the evidence concerns (JSON), if the caller ($2) may
      * see it and, to withdraw it, is the agency that supplied it ($3; NULL:
      * anyone who sees it). */
     "SELECT to_json(" EVIDENCE_NEIGHBOURHOODS ")::text AS neighbourhood_ids FROM evidence e"
     " WHERE e.id = $1 AND " EVIDENCE_VISIBLE("$2")
     " AND ($3::uuid IS NULL OR e.supplied_by_agency = $3::uuid)"),
    DB_STATEMENT(EVIDENCE_GET,
     "SELECT " EVIDENCE_JSON "::text AS body FROM evidence e WHERE e.id = $1 AND "
     EVIDENCE_VISIBLE("$2")),
    DB_STATEMENT(EVIDENCE_LIST,
     /* Newest first. $1 the caller's neighbourhoods, $2 neighbourhood, $3 organisation, $4 issue,
      * $5 kind, $6 withdrawn too, $7/$8 the cursor (collectedOn, id), $9 limit. */
     "SELECT " EVIDENCE_JSON "::text AS body FROM evidence e WHERE " EVIDENCE_VISIBLE("$1")
     " AND ($2::uuid IS NULL OR $2::uuid = ANY(" EVIDENCE_NEIGHBOURHOODS "))"
     " AND ($3::uuid IS NULL OR e.organisation_id = $3::uuid)"
     " AND ($4::uuid IS NULL OR e.issue_id = $4::uuid) AND ($5::text IS NULL OR e.kind = $5)"
     " AND ($6::boolean OR e.withdrawn_at IS NULL)"
     " AND ($7::date IS NULL OR (e.collected_on, e.id) < ($7::date, $8::uuid))"
     " ORDER BY e.collected_on DESC, e.id DESC LIMIT $9::int"),
    DB_STATEMENT(EVIDENCE_WITHDRAW,
     "UPDATE evidence SET withdrawn_at = now() WHERE id = $1 AND withdrawn_at IS NULL"
     " RETURNING id"),
    {NULL, NULL, 0, 0, NULL},
};
