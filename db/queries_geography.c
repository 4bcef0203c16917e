/* queries_geography.c — the SQL of areas, populations, neighbourhood areas, the programme and its milestones */
#include "queries.h"

#define TS(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

/* An area with the population valid on date `on` (the latest estimate from
 * on or before it). */
#define AREA_FROM(on)                                                                      \
    " FROM area a LEFT JOIN area w ON w.id = a.ward_id"                                    \
    " LEFT JOIN LATERAL (SELECT ap.population, ap.valid_from FROM area_population ap"      \
    "  WHERE ap.area_id = a.id AND ap.valid_from <= " on                                   \
    "  ORDER BY ap.valid_from DESC LIMIT 1) cur ON true"
#define AREA_JSON                                                                          \
    "jsonb_build_object('code', a.code, 'kind', a.kind, 'name', a.name, 'wardCode', w.code," \
    " 'population', cur.population, 'populationValidFrom', cur.valid_from,"               \
    " 'createdAt', " TS("a.created_at") ")"

/* A neighbourhood: its population is the sum of its areas' populations valid
 * on `on` when it has areas (null if one of them has no estimate by then),
 * else the population it declared. `_programme` carries what the API needs
 * to say the phase; the API removes it. */
#define NBH_FROM(on)                                                                       \
    " FROM neighbourhood n LEFT JOIN programme p ON p.id = n.programme_id"                 \
    " LEFT JOIN LATERAL (SELECT count(*) AS areas, count(f.population) AS known,"          \
    "  sum(f.population) AS total, json_agg(a.code ORDER BY a.code) AS codes"              \
    "  FROM neighbourhood_area x JOIN area a ON a.id = x.area_id"                          \
    "  LEFT JOIN LATERAL (SELECT ap.population FROM area_population ap"                    \
    "   WHERE ap.area_id = a.id AND ap.valid_from <= " on                                  \
    "   ORDER BY ap.valid_from DESC LIMIT 1) f ON true"                                    \
    "  WHERE x.neighbourhood_id = n.id) d ON true"
#define NBH_JSON                                                                           \
    "json_build_object('id', n.id, 'code', n.code, 'name', n.name,"                       \
    " 'population', CASE WHEN d.areas = 0 THEN n.population"                               \
    "   WHEN d.known = d.areas THEN d.total END,"                                          \
    " 'populationSource', CASE WHEN d.areas = 0 THEN 'declared' ELSE 'derived' END,"       \
    " 'areas', coalesce(d.codes, '[]'), 'imdDecile', n.imd_decile, 'priority', n.priority," \
    " 'wave', n.wave, 'programmeId', n.programme_id, 'createdAt', " TS("n.created_at") "," \
    " '_programme', CASE WHEN p.id IS NOT NULL THEN json_build_object('startDate',"        \
    "   p.start_date, 'stageMonths', p.stage_months, 'endedOn', p.ended_on) END)::text"

#define PROGRAMME_JSON                                                                     \
    "json_build_object('id', p.id, 'name', p.name, 'locality', p.locality,"               \
    " 'startDate', p.start_date, 'stageMonths', p.stage_months,"                           \
    " 'endedAfterStage', p.ended_after_stage, 'endedOn', p.ended_on,"                      \
    " 'endReason', p.end_reason, 'version', p.version,"                                    \
    " 'createdAt', " TS("p.created_at") ")::text"

/* A milestone falls due on the last day of its due month; its status on a
 * date is derived, never stored, so `overdue` cannot go stale. */
#define MILESTONE_DUE_ON "((p.start_date + make_interval(months => m.due_month::int))::date - 1)"
#define MILESTONE_STATUS(on)                                                               \
    "CASE WHEN m.completed_on <= " on " THEN 'completed'"                                  \
    " WHEN m.cancelled_on <= " on " THEN 'cancelled'"                                      \
    " WHEN " on " > " MILESTONE_DUE_ON " THEN 'overdue' ELSE 'due' END"
#define MILESTONE_JSON(on)                                                                 \
    "json_build_object('id', m.id, 'programmeId', m.programme_id, 'code', m.code,"         \
    " 'stage', m.stage, 'title', m.title, 'dueMonth', m.due_month,"                        \
    " 'dueOn', " MILESTONE_DUE_ON ", 'status', " MILESTONE_STATUS(on) ","                  \
    " 'completedOn', m.completed_on,"                                                      \
    " 'evidence', CASE WHEN m.completed_on IS NOT NULL THEN json_strip_nulls("             \
    "   json_build_object('url', m.evidence_url, 'note', m.evidence_note)) END,"           \
    " 'completedBy', CASE WHEN m.completed_on IS NOT NULL THEN json_build_object("         \
    "   'agencyId', m.completed_by_agency, 'keyId', m.completed_by_key,"                   \
    "   'evaluator', coalesce(m.completed_as_evaluator, false)) END,"                      \
    " 'cancelledOn', m.cancelled_on, 'version', m.version)::text"

const struct named_sql geography_statements[] = {
    /* ------------------------------------------------------------ areas */
    DB_STATEMENT(GEO_AREA_GET, /* $1 code, $2 date */
     "SELECT (" AREA_JSON " || jsonb_build_object('populations', (SELECT"
     " coalesce(jsonb_agg(jsonb_build_object('population', h.population, 'validFrom',"
     " h.valid_from, 'source', h.source, 'createdAt', " TS("h.created_at") ")"
     " ORDER BY h.valid_from), '[]') FROM area_population h WHERE h.area_id = a.id)))::text"
     " AS body" AREA_FROM("$2::date") " WHERE a.code = $1"),
    DB_STATEMENT(GEO_AREA_LIST, /* $1 kind, $2 ward code, $3 after code, $4 limit, $5 date */
     "SELECT " AREA_JSON "::text AS body" AREA_FROM("$5::date")
     " WHERE ($1::text IS NULL OR a.kind = $1) AND ($2::text IS NULL OR w.code = $2)"
     " AND ($3::text IS NULL OR a.code > $3) ORDER BY a.code LIMIT $4::int"),
    DB_STATEMENT(GEO_WARD_ID, "SELECT id FROM area WHERE code = $1 AND kind = 'ward'"),
    DB_STATEMENT(GEO_AREA_INSERT,
     "INSERT INTO area (code, kind, name, ward_id, supplied_by_agency, supplied_by_key,"
     " supplied_as_evaluator) VALUES ($1, $2, $3, $4::uuid, $5::uuid, $6::uuid, $7::boolean)"
     " ON CONFLICT (code) DO NOTHING RETURNING id"),
    DB_STATEMENT(GEO_AREA_EXISTING,
     "SELECT a.id, a.kind, a.name, coalesce(w.code, '') AS ward_code FROM area a"
     " LEFT JOIN area w ON w.id = a.ward_id WHERE a.code = $1"),
    /* Serialises population changes of one area, so their versions are distinct. */
    DB_STATEMENT(GEO_AREA_LOCK, "SELECT 1 AS locked FROM area WHERE id = $1 FOR UPDATE"),
    DB_STATEMENT(GEO_POPULATION_INSERT,
     /* Returns the area's version: how many estimates it has, this one included. */
     "INSERT INTO area_population (area_id, valid_from, population, source,"
     " supplied_by_agency, supplied_by_key, supplied_as_evaluator)"
     " VALUES ($1, $2::date, $3::int, $4, $5::uuid, $6::uuid, $7::boolean)"
     " ON CONFLICT (area_id, valid_from) DO NOTHING"
     " RETURNING (SELECT count(*) FROM area_population WHERE area_id = $1) + 1 AS version"),
    DB_STATEMENT(GEO_POPULATION_AT,
     "SELECT population FROM area_population WHERE area_id = $1 AND valid_from = $2::date"),
    DB_STATEMENT(GEO_AREA_NEIGHBOURHOODS,
     /* The neighbourhoods whose population the area counts in: those listing
      * it, and for an LSOA those listing its ward. */
     "SELECT coalesce(json_agg(DISTINCT x.neighbourhood_id), '[]')::text AS neighbourhood_ids"
     " FROM area a JOIN neighbourhood_area x ON x.area_id = a.id OR x.area_id = a.ward_id"
     " WHERE a.id = $1"),

    /* ---------------------------------------------------- neighbourhoods */
    DB_STATEMENT(GEO_NBH_INSERT,
     "INSERT INTO neighbourhood (code, name, population, imd_decile, priority, wave, programme_id,"
     " body_sha256)"
     " VALUES ($1, $2, $3::int, $4::smallint, $5::boolean, $6::smallint, $7::uuid, decode($8, 'hex'))"
     " ON CONFLICT (code) DO NOTHING RETURNING id"),
    DB_STATEMENT(GEO_NBH_BY_CODE,
     /* the neighbourhood of code $1, and whether body digest $2 made it */
     "SELECT id, body_sha256 IS NOT DISTINCT FROM decode($2, 'hex') AS same_body"
     " FROM neighbourhood WHERE code = $1"),
    DB_STATEMENT(GEO_NBH_AREAS_RESOLVE,
     /* per code given, in order: id (or null), kind, ward code */
     "SELECT c.code, a.id AS area_id, a.kind, coalesce(w.code, '') AS ward_code"
     " FROM unnest($1::text[]) WITH ORDINALITY AS c(code, ord)"
     " LEFT JOIN area a ON a.code = c.code LEFT JOIN area w ON w.id = a.ward_id ORDER BY c.ord"),
    DB_STATEMENT(GEO_NBH_AREAS_INSERT,
     "INSERT INTO neighbourhood_area (neighbourhood_id, area_id)"
     " SELECT $1, a.id FROM area a WHERE a.code = ANY($2::text[])"),
    DB_STATEMENT(GEO_NBH_GET, /* $1 id, $2 date */
     "SELECT " NBH_JSON " AS body" NBH_FROM("$2::date") " WHERE n.id = $1"),
    DB_STATEMENT(GEO_NBH_LIST,
     /* $1 after code, $2 limit, $3 the caller's neighbourhoods (NULL: all),
      * $4 date, $5 programme or NULL */
     "SELECT " NBH_JSON " AS body" NBH_FROM("$4::date")
     " WHERE ($1::text IS NULL OR n.code > $1) AND ($3::uuid[] IS NULL OR n.id = ANY($3::uuid[]))"
     " AND ($5::uuid IS NULL OR n.programme_id = $5::uuid) ORDER BY n.code LIMIT $2::int"),

    /* -------------------------------------------------------- programme */
    DB_STATEMENT(GEO_PROGRAMME_INSERT,
     "INSERT INTO programme (id, name, locality, start_date, stage_months, supplied_by_agency,"
     " supplied_by_key, supplied_as_evaluator)"
     " VALUES ($1::uuid, $2, $3, $4::date, $5::smallint[], $6::uuid, $7::uuid, $8::boolean)"
     " ON CONFLICT (id) DO NOTHING RETURNING id"),
    DB_STATEMENT(GEO_PROGRAMME_SAME, /* a resent create: the same programme, or not */
     "SELECT name = $2 AND locality = $3 AND start_date = $4::date"
     " AND stage_months = $5::smallint[] AS same FROM programme WHERE id = $1"),
    DB_STATEMENT(GEO_PROGRAMME_GET,
     "SELECT " PROGRAMME_JSON " AS body FROM programme p WHERE p.id = $1"),
    DB_STATEMENT(GEO_PROGRAMME_LIST, /* $1 $2 after (start date, id), $3 limit */
     "SELECT " PROGRAMME_JSON " AS body FROM programme p"
     " WHERE ($1::date IS NULL OR (p.start_date, p.id) > ($1::date, $2::uuid))"
     " ORDER BY p.start_date, p.id LIMIT $3::int"),
    DB_STATEMENT(GEO_PROGRAMME_LOCK,
     "SELECT version, ended_on IS NOT NULL AS ended, start_date FROM programme WHERE id = $1"
     " FOR UPDATE"),
    DB_STATEMENT(GEO_PROGRAMME_END,
     "UPDATE programme SET ended_after_stage = $2::smallint, ended_on = $3::date,"
     " end_reason = $4, version = version + 1 WHERE id = $1 RETURNING version"),
    DB_STATEMENT(GEO_MILESTONES_INSERT, /* $2: [{code, stage, title, due}] */
     "INSERT INTO milestone (programme_id, code, stage, title, due_month)"
     " SELECT $1, m.code, m.stage, m.title, m.due"
     " FROM json_to_recordset($2::json) AS m(code text, stage smallint, title text, due smallint)"
     " RETURNING id"),
    DB_STATEMENT(GEO_MILESTONES_CANCEL, /* completed milestones stay completed */
     "UPDATE milestone SET cancelled_on = $3::date, version = version + 1"
     " WHERE programme_id = $1 AND stage > $2::smallint AND completed_on IS NULL"
     " AND cancelled_on IS NULL RETURNING id, version"),

    /* ------------------------------------------------------- milestones */
    DB_STATEMENT(GEO_MILESTONE_GET, /* $1 id, $2 date */
     "SELECT " MILESTONE_JSON("$2::date") " AS body"
     " FROM milestone m JOIN programme p ON p.id = m.programme_id WHERE m.id = $1"),
    DB_STATEMENT(GEO_MILESTONE_LIST,
     /* $1 programme, $2 status or NULL, $3 $4 after (due month, code), $5 limit, $6 date */
     "SELECT x.j AS body FROM (SELECT " MILESTONE_JSON("$6::date") " AS j,"
     " " MILESTONE_STATUS("$6::date") " AS st, m.due_month, m.code"
     " FROM milestone m JOIN programme p ON p.id = m.programme_id WHERE m.programme_id = $1) x"
     " WHERE ($2::text IS NULL OR x.st = $2)"
     " AND ($3::int IS NULL OR (x.due_month::int, x.code) > ($3::int, $4::text))"
     " ORDER BY x.due_month, x.code LIMIT $5::int"),
    DB_STATEMENT(GEO_MILESTONE_LOCK,
     "SELECT m.version, m.completed_on IS NOT NULL AS completed,"
     " m.cancelled_on IS NOT NULL AS cancelled, p.start_date"
     " FROM milestone m JOIN programme p ON p.id = m.programme_id WHERE m.id = $1 FOR UPDATE OF m"),
    DB_STATEMENT(GEO_MILESTONE_COMPLETE,
     "UPDATE milestone SET completed_on = $2::date, evidence_url = $3, evidence_note = $4,"
     " completed_by_agency = $5::uuid, completed_by_key = $6::uuid,"
     " completed_as_evaluator = $7::boolean, version = version + 1 WHERE id = $1"
     " RETURNING version"),
    {NULL, NULL, 0, 0, NULL},
};
