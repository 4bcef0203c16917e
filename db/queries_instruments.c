/* queries_instruments.c — the SQL of the three survey instruments, their rounds,
 * baselines and batches */
#include "queries.h"

#define TS_UTC(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

/* A round is closed when closed explicitly or once its fieldwork has ended.
 * It takes responses until it freezes: when closed explicitly, or after its
 * late syncs (late_sync_until: door-to-door front-ends sync late, and an
 * interview done on the last day of fieldwork must not be lost because the
 * tablet was offline). Its figures are final once frozen and released. */
#define ROUND_CLOSED "(r.closed_at IS NOT NULL OR current_date > r.fieldwork_end)"
/* Frozen by the explicit close or by the workers' clock once late_sync_until
 * has passed (one source of truth: until the clock freezes it, a late sync
 * is still taken, and the freeze waits for it). */
#define ROUND_FROZEN "(r.frozen_at IS NOT NULL)"

/* A round's fields as round.json names them, but its neighbourhoods (which
 * the read and the list choose differently), for json_build_object. */
#define ROUND_FIELDS                                                                          \
    "'id', r.id, 'instrument', r.instrument, 'name', r.name, 'programmeId', r.programme_id,"  \
    " 'fieldworkStart', r.fieldwork_start, 'fieldworkEnd', r.fieldwork_end,"                  \
    " 'status', CASE WHEN " ROUND_CLOSED " THEN 'closed' ELSE 'open' END,"                   \
    " 'closedAt', " TS_UTC("r.closed_at") ", 'weighted', r.weighted,"                        \
    " 'frozen', " ROUND_FROZEN ", 'lateSyncUntil', r.late_sync_until"

const struct named_sql instrument_statements[] = {
    DB_STATEMENT(INSTR_SUBMIT,
     /* One statement, so one implicit transaction: the response and its
      * outbox event commit together or not at all. Inserts only when every
      * check holds and the id is new, and says which checks held.
      * $1 id, $2 round, $3 instrument, $4 neighbourhood (resident, agency),
      * $5 area code (resident, optional), $6 organisation (sector), $7 agency
      * (agency), $8 answers, $9 respondent, $10 weight, $11 body digest (hex),
      * $12 event id, $13 topic, $14 event key, $15 event, $16 the caller's
      * neighbourhoods (NULL: all), $17-$19 provenance, $20 whether it may
      * decide the round's weighting.
      * The first resident response of a round decides whether its responses
      * carry weights, in this same statement ($20 true, run by the caller in
      * a transaction it commits only if the response was stored: a response
      * refused for any other reason decides nothing). A concurrent first one
      * waits for the round's row and then finds the decision made (claim: no
      * row; the caller runs the statement again and sees the decision). Every
      * later response runs it with $20 false, alone: one round trip. */
     /* The round locked: a freeze (an UPDATE of it) waits for the
      * submissions in flight, and those after it see it frozen. FOR SHARE
      * lets submissions run side by side; the one that may decide the
      * weighting ($20) takes the lock its UPDATE needs at once, so that two
      * first responses queue rather than both share and then deadlock. */
     "WITH rnd_shared AS (SELECT r.instrument, " ROUND_FROZEN " AS closed, r.weighted"
     "  FROM survey_round r WHERE r.id = $2::uuid AND NOT $20::boolean FOR SHARE),"
     " rnd_claim AS (SELECT r.instrument, " ROUND_FROZEN " AS closed, r.weighted"
     "  FROM survey_round r WHERE r.id = $2::uuid AND $20::boolean FOR NO KEY UPDATE),"
     " rnd AS (SELECT * FROM rnd_shared UNION ALL SELECT * FROM rnd_claim),"
     " cover AS (SELECT CASE WHEN $3::text = 'sector' THEN EXISTS (SELECT 1"
     "   FROM organisation_neighbourhood o JOIN survey_round_area a"
     "    ON a.neighbourhood_id = o.neighbourhood_id AND a.round_id = $2::uuid"
     "   WHERE o.organisation_id = $6::uuid"
     "    AND ($16::uuid[] IS NULL OR o.neighbourhood_id = ANY($16::uuid[])))"
     "  ELSE EXISTS (SELECT 1 FROM survey_round_area a"
     "   WHERE a.round_id = $2::uuid AND a.neighbourhood_id = $4::uuid) END AS covered),"
     /* A ward or LSOA of the neighbourhood, or an LSOA of one of its wards. */
     " place AS (SELECT a.id FROM area a JOIN neighbourhood_area na"
     "  ON na.neighbourhood_id = $4::uuid AND (na.area_id = a.id OR na.area_id = a.ward_id)"
     "  WHERE a.code = $5::text LIMIT 1),"
     /* An organisation the caller may see: one outside its neighbourhoods
      * is refused as if absent. */
     " org AS (SELECT $6::uuid IS NULL OR EXISTS (SELECT 1 FROM organisation g"
     "  WHERE g.id = $6::uuid AND ($16::uuid[] IS NULL OR EXISTS (SELECT 1"
     "   FROM organisation_neighbourhood x WHERE x.organisation_id = g.id"
     "    AND x.neighbourhood_id = ANY($16::uuid[])))) AS found),"
     " agy AS (SELECT $7::uuid IS NULL OR EXISTS (SELECT 1 FROM agency"
     "  WHERE id = $7::uuid) AS found),"
     " pre AS (SELECT rnd.instrument = $3::text AND cover.covered AND NOT rnd.closed"
     "   AND ($5::text IS NULL OR EXISTS (SELECT 1 FROM place)) AND org.found AND agy.found AS ok"
     "  FROM rnd, cover, org, agy),"
     " claim AS (UPDATE survey_round SET weighted = ($10::numeric IS NOT NULL)"
     "  WHERE id = $2::uuid AND weighted IS NULL AND $3::text = 'resident' AND $20::boolean"
     "   AND (SELECT ok FROM pre) AND NOT EXISTS (SELECT 1 FROM survey_response WHERE id = $1::uuid)"
     "  RETURNING weighted),"
     " chk AS (SELECT pre.ok AND ($3::text <> 'resident'"
     "   OR coalesce((SELECT weighted FROM claim), rnd.weighted) = ($10::numeric IS NOT NULL)) AS ok"
     "  FROM pre, rnd),"
     " ins AS (INSERT INTO survey_response (id, round_id, neighbourhood_id, instrument,"
     "  answers, respondent, weight, body_sha256, area_id, organisation_id, agency_id,"
     "  supplied_by_agency, supplied_by_key, supplied_as_evaluator)"
     "  SELECT $1::uuid, $2::uuid, $4::uuid, $3::text, $8::jsonb, $9::jsonb, $10::numeric,"
     "  decode($11::text, 'hex'), (SELECT id FROM place), $6::uuid, $7::uuid, $17::uuid,"
     "  $18::uuid, $19::boolean FROM chk WHERE chk.ok"
     "  ON CONFLICT (id) DO NOTHING RETURNING received_at),"
     " ob AS (INSERT INTO outbox (event_id, topic, msg_key, payload)"
     "  SELECT $12::uuid, $13::text, $14::text, $15::text FROM ins"
     "  ON CONFLICT (event_id) DO NOTHING)"
     " SELECT (SELECT instrument FROM rnd) AS round_instrument,"
     "  (SELECT covered FROM cover) AS covered, (SELECT closed FROM rnd) AS closed,"
     "  coalesce((SELECT weighted FROM claim), (SELECT weighted FROM rnd)) AS weighted,"
     "  EXISTS (SELECT 1 FROM place) AS area_found,"
     "  (SELECT found FROM org) AS organisation_found, (SELECT found FROM agy) AS agency_found,"
     "  (SELECT " TS_UTC("received_at") " FROM ins) AS received_at"),
    DB_STATEMENT(INSTR_EXISTING,
     "SELECT encode(body_sha256, 'hex') AS digest, round_id, neighbourhood_id,"
     " " TS_UTC("received_at") " AS received_at, withdrawn_at IS NOT NULL AS withdrawn, instrument,"
     " organisation_id, agency_id"
     " FROM survey_response WHERE id = $1"),
    DB_STATEMENT(INSTR_RESPONSE_VISIBLE,
     /* A response as the caller may see it ($2: its neighbourhoods, NULL for
      * all): by its neighbourhood, or for a sector response by a neighbourhood
      * of the round that its organisation serves; and only to the agency that
      * supplied it or an admin ($3: that agency, NULL for an admin), so that
      * another agency's response looks absent rather than withdrawable. */
     "SELECT s.round_id, s.neighbourhood_id, s.instrument, s.organisation_id, s.agency_id"
     " FROM survey_response s WHERE s.id = $1"
     " AND ($3::uuid IS NULL OR s.supplied_by_agency = $3::uuid) AND ($2::uuid[] IS NULL"
     "  OR s.neighbourhood_id = ANY($2::uuid[])"
     "  OR (s.neighbourhood_id IS NULL AND EXISTS (SELECT 1 FROM organisation_neighbourhood o"
     "   JOIN survey_round_area a ON a.neighbourhood_id = o.neighbourhood_id"
     "    AND a.round_id = s.round_id"
     "   WHERE o.organisation_id = s.organisation_id AND o.neighbourhood_id = ANY($2::uuid[]))))"),
    DB_STATEMENT(INSTR_WITHDRAW,
     /* The withdrawal, its event and its audit row in one statement; 0
      * rows when it was already withdrawn. $2 event id, $3 topic, $4 key,
      * $5 event, $6-$8 the caller (agency, key prefix, request). */
     /* A resident's answers leave at once (the workers take the response
      * out of the sums from its stored contributions). */
     "WITH w AS (UPDATE survey_response SET withdrawn_at = now(),"
     "  answers = CASE WHEN instrument = 'resident' THEN '{}'::jsonb ELSE answers END,"
     "  respondent = CASE WHEN instrument = 'resident' THEN NULL ELSE respondent END"
     "  WHERE id = $1 AND withdrawn_at IS NULL RETURNING id, supplied_by_agency),"
     " ob AS (INSERT INTO outbox (event_id, topic, msg_key, payload)"
     "  SELECT $2::uuid, $3::text, $4::text, $5::text FROM w ON CONFLICT (event_id) DO NOTHING),"
     " au AS (" AUDIT_ROW("response.withdraw", "survey_response", "w.id::text",
                          "w.supplied_by_agency", "w", "$6", "$7", "$8") ")"
     " SELECT count(*) AS withdrawn FROM w"),
    DB_STATEMENT(ROUND_CREATE,
     /* $6: CDM_LATE_SYNC_DAYS, counted from the later of the fieldwork end
      * and today (a round created to load last year's paper survey stays
      * open for loading). */
     "INSERT INTO survey_round (instrument, name, fieldwork_start, fieldwork_end, programme_id,"
     " late_sync_until)"
     " VALUES ($1, $2, $3::date, $4::date, $5::uuid, greatest($4::date, current_date) + $6::int)"
     " RETURNING id"),
    DB_STATEMENT(ROUND_READ,
     /* The round as JSON, its version, and its neighbourhoods as a JSON array. */
     "SELECT json_build_object(" ROUND_FIELDS ","
     " 'neighbourhoods', (SELECT coalesce(json_agg(json_build_object('neighbourhoodId',"
     "   a.neighbourhood_id, 'baseline', a.is_baseline) ORDER BY a.neighbourhood_id), '[]')"
     "   FROM survey_round_area a WHERE a.round_id = r.id))::text AS body,"
     " r.version, (SELECT coalesce(json_agg(a.neighbourhood_id ORDER BY a.neighbourhood_id),"
     "   '[]') FROM survey_round_area a WHERE a.round_id = r.id)::text AS neighbourhoods,"
     " " ROUND_FROZEN " AS closed"
     " FROM survey_round r WHERE r.id = $1"),
    DB_STATEMENT(ROUND_LIST,
     /* Rounds by fieldwork start, each with only the neighbourhoods the caller
      * may see, and only rounds with at least one. $1 the caller's
      * neighbourhoods (NULL: the locality), $2 instrument, $3 status
      * (open/closed), $4 a neighbourhood, $5/$6 the cursor (fieldworkStart,
      * id), $7 the limit. */
     "SELECT json_build_object(" ROUND_FIELDS ","
     " 'neighbourhoods', (SELECT json_agg(json_build_object('neighbourhoodId',"
     "   a.neighbourhood_id, 'baseline', a.is_baseline) ORDER BY a.neighbourhood_id)"
     "   FROM survey_round_area a WHERE a.round_id = r.id"
     "   AND ($1::uuid[] IS NULL OR a.neighbourhood_id = ANY($1::uuid[]))))::text AS item"
     " FROM survey_round r"
     " WHERE EXISTS (SELECT 1 FROM survey_round_area a WHERE a.round_id = r.id"
     "   AND ($1::uuid[] IS NULL OR a.neighbourhood_id = ANY($1::uuid[]))"
     "   AND ($4::uuid IS NULL OR a.neighbourhood_id = $4::uuid))"
     " AND ($2::text IS NULL OR r.instrument = $2)"
     " AND ($3::text IS NULL OR (" ROUND_CLOSED ") = ($3 = 'closed'))"
     " AND ($5::date IS NULL OR (r.fieldwork_start, r.id) > ($5::date, $6::uuid))"
     " ORDER BY r.fieldwork_start, r.id LIMIT $7::int"),
    DB_STATEMENT(ROUND_CLOSE,
     /* Closes (and freezes) the round at version $2 if still open, with its
      * event and its audit row ($6-$8 the caller), in one statement. 0 rows:
      * closed meanwhile, or changed since it was read. */
     "WITH u AS (UPDATE survey_round r SET closed_at = now(),"
     "  frozen_at = coalesce(r.frozen_at, now()), version = version + 1"
     "  WHERE r.id = $1 AND r.version = $2::int AND NOT " ROUND_FROZEN " RETURNING r.id),"
     " ob AS (INSERT INTO outbox (event_id, topic, msg_key, payload)"
     "  SELECT $3::uuid, $4::text, $1::text, $5::text FROM u ON CONFLICT (event_id) DO NOTHING),"
     " au AS (" AUDIT_ROW("round.close", "survey_round", "u.id::text", "NULL::uuid", "u", "$6",
                          "$7", "$8") ")"
     " SELECT count(*) AS closed FROM u"),
    DB_STATEMENT(BASELINE_ROUND,
     /* Locks the round (the baseline change bumps its version) and says its
      * instrument and whether it covers neighbourhood $2. */
     "SELECT r.instrument, EXISTS (SELECT 1 FROM survey_round_area a"
     "  WHERE a.round_id = r.id AND a.neighbourhood_id = $2) AS covered, r.version"
     " FROM survey_round r WHERE r.id = $1 FOR UPDATE"),
    DB_STATEMENT(BASELINE_SET,
     /* The previous baseline of (neighbourhood, instrument) stops being one,
      * then round $3 becomes it: the partial unique index holds throughout. */
     "WITH old AS (UPDATE survey_round_area SET is_baseline = false"
     "  WHERE neighbourhood_id = $1 AND instrument = $2 AND is_baseline AND round_id <> $3"
     "  RETURNING round_id)"
     " SELECT count(*) AS replaced FROM old"),
    DB_STATEMENT(BASELINE_MARK,
     "UPDATE survey_round_area SET is_baseline = true WHERE round_id = $1 AND neighbourhood_id = $2"),
    DB_STATEMENT(ROUND_BUMP,
     "UPDATE survey_round SET version = version + 1 WHERE id = $1 RETURNING version"),
    DB_STATEMENT(NEIGHBOURHOOD_FOUND, "SELECT true AS found FROM neighbourhood WHERE id = $1"),
    DB_STATEMENT(ROUND_NEIGHBOURHOOD_INSERT,
     "INSERT INTO survey_round_area (round_id, neighbourhood_id, instrument, is_baseline)"
     " VALUES ($1, $2, $3, $4::boolean)"),
    {NULL, NULL, 0, 0, NULL},
};
