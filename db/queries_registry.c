/* queries_registry.c — the SQL of organisations, their contacts, versions, updates and links */
#include "queries.h"

#define TS(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

/* Who wrote a row (the provenance $def of common.json); `at` is col. */
#define PROVENANCE(t, col)                                                                   \
    "json_build_object('agencyId', " t ".supplied_by_agency, 'keyId', " t ".supplied_by_key," \
    " 'evaluator', " t ".supplied_as_evaluator, 'at', " TS(t "." col) ")"

/* An organisation without its contact (personal data: CONTACT_JSON, apart)
 * and without what the API derives (lib/registry.c). */
#define ORG_JSON                                                                              \
    "json_build_object('id', o.id, 'version', o.version, 'name', o.name, 'kind', o.kind,"     \
    " 'status', o.status, 'foundedOn', o.founded_on, 'closedOn', o.closed_on,"                \
    " 'neighbourhoodIds', (SELECT coalesce(json_agg(x.neighbourhood_id"                      \
    "   ORDER BY x.neighbourhood_id), '[]') FROM organisation_neighbourhood x"               \
    "   WHERE x.organisation_id = o.id),"                                                    \
    " 'themes', to_json(o.themes), 'incomeBand', o.income_band, 'volunteers', o.volunteers," \
    " 'fteStaff', o.fte_staff::float8, 'openToResidents', o.open_to_residents,"              \
    " 'isHub', o.is_hub, 'onlineOnly', o.online_only, 'description', o.description,"         \
    " 'hasDesignatedContact', EXISTS (SELECT 1 FROM organisation_contact c"                  \
    "   WHERE c.organisation_id = o.id),"                                                    \
    " 'provenance', " PROVENANCE("o", "updated_at") ", 'createdAt', " TS("o.created_at") ")::text"

#define CONTACT_JSON                                                                          \
    "(SELECT json_build_object('name', c.name, 'role', c.role, 'email', c.email,"             \
    " 'phone', c.phone)::text FROM organisation_contact c WHERE c.organisation_id = o.id)"

#define UPDATE_JSON                                                                           \
    "json_build_object('id', u.id, 'organisationId', u.organisation_id, 'kind', u.kind,"      \
    " 'occurredOn', u.occurred_on, 'statusFrom', u.status_from, 'statusTo', u.status_to,"     \
    " 'sessions', u.sessions, 'attendance', u.attendance,"                                    \
    " 'volunteerHours', u.volunteer_hours::float8, 'supportKind', u.support_kind,"            \
    " 'supportHours', u.support_hours::float8, 'amountPence', u.amount_pence,"                \
    " 'description', u.description, 'withdrawn', u.withdrawn_at IS NOT NULL,"                 \
    " 'withdrawnAt', " TS("u.withdrawn_at") ", 'provenance', " PROVENANCE("u", "created_at") ")::text"

#define LINK_JSON                                                                             \
    "json_build_object('id', l.id, 'organisationIds', json_build_array(l.org_a, l.org_b),"   \
    " 'kind', l.kind, 'since', l.since, 'endedOn', l.ended_on, 'live', l.ended_on IS NULL,"   \
    " 'version', l.version, 'provenance', " PROVENANCE("l", "created_at") ")::text"

/* An organisation serves the caller ($n: its neighbourhoods, NULL = all). */
#define ORG_SERVES(org, n)                                                                    \
    "(" n "::uuid[] IS NULL OR EXISTS (SELECT 1 FROM organisation_neighbourhood v"           \
    " WHERE v.organisation_id = " org " AND v.neighbourhood_id = ANY(" n "::uuid[])))"

const struct named_sql registry_statements[] = {
    DB_STATEMENT(ORG_GET,
     "SELECT " ORG_JSON " AS body, " CONTACT_JSON " AS contact"
     " FROM organisation o WHERE o.id = $1"),
    DB_STATEMENT(ORG_NEIGHBOURHOODS,
     /* No row: no such organisation. $2 (optional) a second organisation,
      * for a link: the union of both. */
     "SELECT (SELECT coalesce(json_agg(DISTINCT x.neighbourhood_id), '[]')"
     " FROM organisation_neighbourhood x WHERE x.organisation_id IN ($1, coalesce($2::uuid, $1)))::text"
     " AS neighbourhood_ids FROM organisation o WHERE o.id = $1"),
    DB_STATEMENT(ORG_MISSING_NEIGHBOURHOOD,
     /* The first (1-based) of the ids $1 (uuid[]) that names no neighbourhood. */
     "SELECT t.i AS ordinal FROM unnest($1::uuid[]) WITH ORDINALITY AS t(id, i)"
     " WHERE NOT EXISTS (SELECT 1 FROM neighbourhood n WHERE n.id = t.id) ORDER BY t.i LIMIT 1"),
    DB_STATEMENT(ORG_INSERT,
     /* $7 themes as a JSON array; $15-$17 provenance; $18 the body digest. */
     "INSERT INTO organisation (id, name, kind, status, founded_on, closed_on, themes,"
     " income_band, volunteers, fte_staff, open_to_residents, is_hub, online_only, description,"
     " supplied_by_agency, supplied_by_key, supplied_as_evaluator, create_sha256)"
     " VALUES ($1, $2, $3, $4, $5::date, $6::date,"
     "  ARRAY(SELECT json_array_elements_text($7::json)), $8, $9::int, $10::numeric,"
     "  $11::boolean, $12::boolean, $13::boolean, $14, $15, $16, $17::boolean, decode($18, 'hex'))"
     " ON CONFLICT (id) DO NOTHING RETURNING id"),
    DB_STATEMENT(ORG_EXISTING,
     "SELECT encode(create_sha256, 'hex') AS digest FROM organisation WHERE id = $1"),
    DB_STATEMENT(ORG_LOCK,
     /* Taken before a write: concurrent writers queue here, and the one that
      * comes second reads the version the first wrote. */
     "SELECT version, status FROM organisation WHERE id = $1 FOR UPDATE"),
    DB_STATEMENT(ORG_REPLACE,
     "UPDATE organisation SET name = $2, kind = $3, status = $4, founded_on = $5::date,"
     " closed_on = $6::date, themes = ARRAY(SELECT json_array_elements_text($7::json)),"
     " income_band = $8, volunteers = $9::int, fte_staff = $10::numeric,"
     " open_to_residents = $11::boolean, is_hub = $12::boolean, online_only = $13::boolean,"
     " description = $14, supplied_by_agency = $15, supplied_by_key = $16,"
     " supplied_as_evaluator = $17::boolean, version = version + 1, updated_at = now()"
     " WHERE id = $1 RETURNING version"),
    DB_STATEMENT(ORG_SET_STATUS,
     /* A status change from an update: closing dates the closure (unless it
      * has a date), re-forming clears it. */
     "UPDATE organisation SET status = $2, closed_on = CASE WHEN $2 = 'closed'"
     "  THEN coalesce(closed_on, $3::date) END, supplied_by_agency = $4, supplied_by_key = $5,"
     " supplied_as_evaluator = $6::boolean, version = version + 1, updated_at = now()"
     " WHERE id = $1 RETURNING version"),
    DB_STATEMENT(ORG_SET_NEIGHBOURHOODS,
     "WITH gone AS (DELETE FROM organisation_neighbourhood WHERE organisation_id = $1"
     "  AND neighbourhood_id <> ALL($2::uuid[]))"
     " INSERT INTO organisation_neighbourhood (organisation_id, neighbourhood_id)"
     " SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING"),
    DB_STATEMENT(ORG_CONTACT_SET,
     /* A row comes back when the contact is new or different. */
     "INSERT INTO organisation_contact AS c (organisation_id, name, role, email, phone)"
     " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (organisation_id) DO UPDATE SET"
     " name = EXCLUDED.name, role = EXCLUDED.role, email = EXCLUDED.email, phone = EXCLUDED.phone"
     " WHERE (c.name, c.role, c.email, c.phone) IS DISTINCT FROM"
     "  (EXCLUDED.name, EXCLUDED.role, EXCLUDED.email, EXCLUDED.phone) RETURNING 1 AS changed"),
    DB_STATEMENT(ORG_CONTACT_DELETE,
     "DELETE FROM organisation_contact WHERE organisation_id = $1 RETURNING 1 AS changed"),
    DB_STATEMENT(ORG_VERSION_INSERT,
     /* The version as written: by the organisation's current writer, at its time. */
     "INSERT INTO organisation_version (organisation_id, version, document, contact_changed,"
     " supplied_by_agency, supplied_by_key, supplied_as_evaluator, written_at)"
     " SELECT o.id, o.version, $2::jsonb, $3::boolean, o.supplied_by_agency, o.supplied_by_key,"
     " o.supplied_as_evaluator, o.updated_at FROM organisation o WHERE o.id = $1"),
    DB_STATEMENT(ORG_LIST,
     /* $1 the caller's neighbourhoods (NULL: all); filters $2 neighbourhood,
      * $3 status, $4 kind, $5 theme (each NULL: any); $6/$7 the cursor
      * (lower(name), id); $8 the limit. */
     "SELECT " ORG_JSON " AS body, " CONTACT_JSON " AS contact,"
     " json_build_array(lower(o.name), o.id)::text AS sort_key"
     " FROM organisation o WHERE " ORG_SERVES("o.id", "$1")
     " AND ($2::uuid IS NULL OR EXISTS (SELECT 1 FROM organisation_neighbourhood f"
     "  WHERE f.organisation_id = o.id AND f.neighbourhood_id = $2::uuid))"
     " AND ($3::text IS NULL OR o.status = $3) AND ($4::text IS NULL OR o.kind = $4)"
     " AND ($5::text IS NULL OR $5 = ANY(o.themes))"
     " AND ($6::text IS NULL OR (lower(o.name), o.id) > ($6::text, $7::uuid))"
     " ORDER BY lower(o.name), o.id LIMIT $8::int"),
    DB_STATEMENT(ORG_HISTORY,
     "SELECT json_build_object('version', v.version, 'document', v.document,"
     " 'contactChanged', v.contact_changed,"
     " 'provenance', " PROVENANCE("v", "written_at") ")::text AS body"
     " FROM organisation_version v WHERE v.organisation_id = $1"
     " AND ($2::int IS NULL OR v.version > $2::int) ORDER BY v.version LIMIT $3::int"),

    DB_STATEMENT(UPDATE_INSERT,
     /* $1 NULL: a status change recorded by a PUT, with a new id, dated today
      * ($4 NULL). */
     "INSERT INTO organisation_update AS u (id, organisation_id, kind, occurred_on, status_from,"
     " status_to, sessions, attendance, volunteer_hours, support_kind, support_hours,"
     " amount_pence, description, body_sha256, supplied_by_agency, supplied_by_key,"
     " supplied_as_evaluator)"
     " VALUES (coalesce($1::uuid, gen_random_uuid()), $2, $3, coalesce($4::date, current_date), $5, $6, $7::int, $8::int,"
     "  $9::numeric, $10, $11::numeric, $12::bigint, $13, decode($14, 'hex'), $15, $16,"
     "  $17::boolean)"
     " ON CONFLICT (id) DO NOTHING RETURNING " UPDATE_JSON " AS body, u.id"),
    DB_STATEMENT(UPDATE_EXISTING,
     "SELECT encode(u.body_sha256, 'hex') AS digest, " UPDATE_JSON " AS body, u.organisation_id,"
     " u.kind, u.withdrawn_at IS NOT NULL AS withdrawn, u.supplied_by_agency"
     " FROM organisation_update u WHERE u.id = $1"),
    DB_STATEMENT(UPDATE_LIST,
     /* $2 kind (NULL: any); $3/$4 the cursor (occurred_on, id); $5 the limit. */
     "SELECT " UPDATE_JSON " AS body, json_build_array(u.occurred_on, u.id)::text AS sort_key"
     " FROM organisation_update u WHERE u.organisation_id = $1"
     " AND ($2::text IS NULL OR u.kind = $2)"
     " AND ($3::date IS NULL OR (u.occurred_on, u.id) > ($3::date, $4::uuid))"
     " ORDER BY u.occurred_on, u.id LIMIT $5::int"),
    DB_STATEMENT(UPDATE_WITHDRAW,
     "UPDATE organisation_update u SET withdrawn_at = now() WHERE u.id = $1"
     " AND u.withdrawn_at IS NULL AND u.kind <> 'status_change' RETURNING " UPDATE_JSON " AS body"),

    DB_STATEMENT(LINK_INSERT,
     /* Undirected: the smaller id first. No row: a live link of this kind
      * between the pair exists. */
     "INSERT INTO organisation_link AS l (org_a, org_b, kind, since, supplied_by_agency,"
     " supplied_by_key, supplied_as_evaluator)"
     " VALUES (least($1::uuid, $2::uuid), greatest($1::uuid, $2::uuid), $3, $4::date, $5, $6,"
     "  $7::boolean)"
     " ON CONFLICT (org_a, org_b, kind) WHERE ended_on IS NULL DO NOTHING"
     " RETURNING " LINK_JSON " AS body, l.id"),
    DB_STATEMENT(LINK_LIVE,
     /* The live link of kind $3 between $1 and $2, and whether it began on
     * $4: an identical resend of its creation is a replay, another a conflict. */
     "SELECT " LINK_JSON " AS body, l.since = $4::date AS same_since FROM organisation_link l"
     " WHERE l.org_a = least($1::uuid, $2::uuid) AND l.org_b = greatest($1::uuid, $2::uuid)"
     "  AND l.kind = $3 AND l.ended_on IS NULL"),
    DB_STATEMENT(LINK_GET,
     "SELECT l.org_a, l.org_b, l.since, l.ended_on IS NOT NULL AS ended FROM organisation_link l"
     " WHERE l.id = $1"),
    DB_STATEMENT(LINK_END,
     "UPDATE organisation_link l SET ended_on = $2::date, version = version + 1"
     " WHERE l.id = $1 AND l.ended_on IS NULL RETURNING " LINK_JSON " AS body, l.version"),
    DB_STATEMENT(LINK_LIST,
     /* Links of $1 whose other organisation also serves the caller ($2);
      * $3/$4 the cursor (since, id); $5 the limit. */
     "SELECT " LINK_JSON " AS body, json_build_array(l.since, l.id)::text AS sort_key"
     " FROM organisation_link l WHERE (l.org_a = $1 OR l.org_b = $1)"
     " AND " ORG_SERVES("CASE WHEN l.org_a = $1 THEN l.org_b ELSE l.org_a END", "$2")
     " AND ($3::date IS NULL OR (l.since, l.id) > ($3::date, $4::uuid))"
     " ORDER BY l.since, l.id LIMIT $5::int"),
    {NULL, NULL, 0, 0, NULL},
};
