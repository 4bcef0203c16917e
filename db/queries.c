/* queries.c — the SQL of the services; parameters only, never spliced strings */
#include "queries.h"
#include <stdio.h>
#include <string.h>

#define KEY_JSON                                                                            \
    "json_build_object('id', k.id, 'agencyId', k.agency_id, 'prefix', k.prefix, 'scopes',"  \
    " to_json(k.scopes), 'allNeighbourhoods', k.all_neighbourhoods, 'neighbourhoods',"      \
    " to_json(k.neighbourhoods), 'expiresAt', k.expires_at, 'revokedAt', k.revoked_at,"     \
    " 'ratePerSecond', k.rate_per_s, 'createdAt', k.created_at)"

#define SUBSCRIPTION_JSON                                                                     \
    "json_build_object('id', s.id, 'agencyId', s.agency_id, 'channel', s.channel,"            \
    " 'eventTypes', to_json(s.event_types), 'allNeighbourhoods', s.all_neighbourhoods,"       \
    " 'neighbourhoods', to_json(s.neighbourhoods), 'kafkaTopic', s.kafka_topic,"              \
    " 'webhookUrl', s.webhook_url, 'status', s.status, 'disabledReason', s.disabled_reason,"  \
    " 'replayFrom', s.replay_from, 'createdAt', s.created_at)"

/* A subscription delivers only while the key that made it is live and
 * still covers its neighbourhoods. */
#define SUBSCRIPTION_KEY_LIVE                                                                \
    " JOIN api_key k ON k.id = s.key_id AND k.revoked_at IS NULL"                            \
    "  AND (k.expires_at IS NULL OR k.expires_at > now())"                                   \
    "  AND (k.all_neighbourhoods OR (NOT s.all_neighbourhoods"                               \
    "       AND s.neighbourhoods <@ k.neighbourhoods))"

const struct named_sql core_statements[] = {
    {Q_EVENT_FEED,
     /* Only transactions older than every running one: nothing can still
      * commit below the cursor. $1 topic, $2/$3 cursor, $4 areas or NULL, $5 limit. */
     "SELECT xid::text, seq, payload FROM outbox"
     " WHERE topic = $1 AND (xid, seq) > ($2::xid8, $3::bigint)"
     " AND xid < pg_snapshot_xmin(pg_current_snapshot())"
     " AND ($4::text[] IS NULL OR msg_key = ANY($4::text[]))"
     " ORDER BY xid, seq LIMIT $5::int"},
    {Q_SUBSCRIPTION_INSERT,
     /* A partner topic belongs to the first agency that subscribes it: no
      * agency can send its events into another's topic ($10 the key). */
     "WITH s AS (INSERT INTO subscription (agency_id, channel, event_types, all_neighbourhoods,"
     " neighbourhoods, kafka_topic, webhook_url, secrets, replay_from, key_id)"
     " SELECT $1, $2, coalesce($3::text[], '{}'), $4::boolean, coalesce($5::uuid[], '{}'), $6, $7,"
     " coalesce($8::text[], '{}'), $9::timestamptz, $10"
     " WHERE $6::text IS NULL OR NOT EXISTS (SELECT 1 FROM subscription o"
     "  WHERE o.kafka_topic = $6 AND o.agency_id <> $1)"
     " RETURNING *)"
     " SELECT " SUBSCRIPTION_JSON "::text, s.id FROM s"},
    {Q_SUBSCRIPTION_REPLAY,
     /* A late subscriber gets the history: every matching event of topic $2
      * since the subscription's replay_from. */
     "INSERT INTO delivery (subscription_id, event_seq)"
     " SELECT s.id, o.seq FROM subscription s JOIN outbox o ON o.topic = $2"
     "  AND o.created_at >= s.replay_from"
     " WHERE s.id = $1 AND s.replay_from IS NOT NULL"
     "  AND (cardinality(s.event_types) = 0 OR o.payload::jsonb->>'type' = ANY(s.event_types))"
     "  AND (s.all_neighbourhoods OR o.msg_key = ANY(s.neighbourhoods::text[]))"
     " ON CONFLICT DO NOTHING"},
    {Q_SUBSCRIPTION_LIST,
     /* $2: the caller's neighbourhoods, NULL for the whole locality; a limited
      * key sees only the subscriptions within them. */
     "SELECT coalesce(json_agg(" SUBSCRIPTION_JSON " ORDER BY s.created_at), '[]')::text"
     " FROM subscription s WHERE s.agency_id = $1 AND ($2::uuid[] IS NULL"
     "  OR (NOT s.all_neighbourhoods AND s.neighbourhoods <@ $2::uuid[]))"},
    {Q_SUBSCRIPTION_GET,
     "SELECT " SUBSCRIPTION_JSON "::text FROM subscription s WHERE s.id = $1 AND s.agency_id = $2"},
    {Q_SUBSCRIPTION_DELETE,
     "DELETE FROM subscription WHERE id = $1 AND agency_id = $2 RETURNING id"},
    {Q_SUBSCRIPTION_ROTATE,
     /* The new secret first, the previous one still valid: two live secrets. */
     "UPDATE subscription SET secrets = ARRAY[$3::text, secrets[1]]"
     " WHERE id = $1 AND agency_id = $2 AND channel = 'webhook' RETURNING id"},
    {Q_DEAD_LETTERS,
     "SELECT coalesce(json_agg(json_build_object('eventId', o.event_id, 'eventSeq', d.event_seq,"
     " 'attempts', d.attempts, 'lastStatus', d.last_status, 'lastError', d.last_error,"
     " 'event', o.payload::json) ORDER BY d.event_seq), '[]')::text"
     " FROM delivery d JOIN outbox o ON o.seq = d.event_seq JOIN subscription s"
     "  ON s.id = d.subscription_id"
     " WHERE d.subscription_id = $1 AND s.agency_id = $2 AND d.state = 'dead'"},
    {Q_DEAD_LETTERS_REDRIVE,
     /* Re-driving also re-enables a subscription a 410 disabled: the partner
      * says its endpoint is back. */
     "WITH s AS (UPDATE subscription SET status = 'active', disabled_reason = NULL"
     "  WHERE id = $1 AND agency_id = $2 RETURNING id)"
     " UPDATE delivery d SET state = 'pending', attempts = 0, next_attempt_at = now()"
     " WHERE d.subscription_id IN (SELECT id FROM s) AND d.state = 'dead'"},
    {Q_DELIVERY_FANOUT,
     /* $1 the event id, $2 the KPI topic: one pending delivery per active
      * subscription it matches. */
     "INSERT INTO delivery (subscription_id, event_seq)"
     " SELECT s.id, o.seq FROM outbox o JOIN subscription s ON s.status = 'active'"
     "  AND (cardinality(s.event_types) = 0 OR o.payload::jsonb->>'type' = ANY(s.event_types))"
     "  AND (s.all_neighbourhoods OR o.msg_key = ANY(s.neighbourhoods::text[]))"
     SUBSCRIPTION_KEY_LIVE
     " WHERE o.event_id = $1 AND o.topic = $2 ON CONFLICT DO NOTHING"},
    {Q_DELIVERY_DUE,
     /* Claims due deliveries with a lease ($2 seconds) and commits at once:
      * the sending happens outside any transaction, so a slow webhook never
      * holds locks or the event feed's horizon. A worker that dies mid-send
      * leaves its claims to be retried when the lease ends. */
     "WITH due AS (SELECT d.subscription_id, d.event_seq FROM delivery d"
     "  JOIN subscription s ON s.id = d.subscription_id AND s.status = 'active'" SUBSCRIPTION_KEY_LIVE
     "  WHERE d.state = 'pending' AND d.next_attempt_at <= now()"
     "  ORDER BY d.event_seq LIMIT $1::int FOR UPDATE OF d SKIP LOCKED),"
     " claimed AS (UPDATE delivery d SET next_attempt_at = now() + make_interval(secs => $2::int)"
     "  FROM due WHERE d.subscription_id = due.subscription_id AND d.event_seq = due.event_seq"
     "  RETURNING d.subscription_id, d.event_seq, d.attempts)"
     " SELECT c.subscription_id, c.event_seq, c.attempts, s.channel, s.kafka_topic,"
     " s.webhook_url, s.secrets::text, o.payload, o.event_id, o.msg_key"
     " FROM claimed c JOIN subscription s ON s.id = c.subscription_id"
     " JOIN outbox o ON o.seq = c.event_seq ORDER BY c.event_seq"},
    {Q_DELIVERY_DONE,
     "UPDATE delivery SET state = 'delivered', attempts = attempts + 1, delivered_at = now(),"
     " last_status = $3::int, last_error = NULL WHERE subscription_id = $1 AND event_seq = $2::bigint"},
    {Q_DELIVERY_RETRY,
     /* $5: seconds until the next attempt, or NULL: no more attempts (dead letter). */
     "UPDATE delivery SET attempts = attempts + 1, last_status = $3::int, last_error = $4,"
     " state = CASE WHEN $5::int IS NULL THEN 'dead' ELSE 'pending' END,"
     " next_attempt_at = now() + make_interval(secs => coalesce($5::int, 0))"
     " WHERE subscription_id = $1 AND event_seq = $2::bigint"},
    {Q_SUBSCRIPTION_DISABLE,
     /* Its pending deliveries become dead letters: visible, re-drivable. */
     "WITH s AS (UPDATE subscription SET status = 'disabled', disabled_reason = $2 WHERE id = $1"
     " RETURNING id) UPDATE delivery SET state = 'dead', last_error = $2"
     " WHERE subscription_id IN (SELECT id FROM s) AND state = 'pending'"},
    {Q_SUBSCRIPTION_SCOPE,
     /* The subscription is the caller's agency's and within its neighbourhoods ($3, NULL: all). */
     "SELECT 1 FROM subscription WHERE id = $1 AND agency_id = $2 AND ($3::uuid[] IS NULL"
     " OR (NOT all_neighbourhoods AND neighbourhoods <@ $3::uuid[]))"},
    {Q_DELIVERY_COUNTS,
     /* Each count reads only its partial index, never the history of every
      * delivery ever made: pending and dead are small, delivered is the last hour. */
     "SELECT (SELECT count(*) FROM delivery WHERE state = 'pending'),"
     " (SELECT count(*) FROM delivery WHERE state = 'delivered'"
     "   AND delivered_at > now() - interval '1 hour'),"
     " (SELECT count(*) FROM delivery WHERE state = 'dead')"},
    {Q_KEY_LOOKUP,
     "SELECT encode(key_sha256, 'hex'), scopes::text, all_neighbourhoods, neighbourhoods::text,"
     " agency_id, id, revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now()),"
     " rate_per_s FROM api_key WHERE prefix = $1"},
    {Q_AGENCY_INSERT,
     "WITH a AS (INSERT INTO agency (name) VALUES ($1) ON CONFLICT (name) DO NOTHING RETURNING *)"
     " SELECT json_build_object('id', a.id, 'name', a.name, 'createdAt', a.created_at)::text FROM a"},
    {Q_AGENCY_LIST,
     "SELECT coalesce(json_agg(json_build_object('id', a.id, 'name', a.name, 'createdAt',"
     " a.created_at, 'keys', (SELECT coalesce(json_agg(" KEY_JSON " ORDER BY k.created_at), '[]')"
     " FROM api_key k WHERE k.agency_id = a.id)) ORDER BY a.name), '[]')::text FROM agency a"},
    {Q_AGENCY_GET, "SELECT id FROM agency WHERE id = $1"},
    {Q_AGENCY_ENSURE,
     /* DO UPDATE (a no-op) rather than DO NOTHING, so the row comes back either way. */
     "INSERT INTO agency (name) VALUES ($1) ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name"
     " RETURNING id"},
    {Q_KEY_INSERT,
     "WITH k AS (INSERT INTO api_key (agency_id, prefix, key_sha256, scopes, all_neighbourhoods,"
     " neighbourhoods, expires_at, rate_per_s) VALUES ($1, $2, decode($3, 'hex'), $4::text[],"
     " $5::boolean, coalesce($6::uuid[], '{}'), $7::timestamptz, $8::int) RETURNING *)"
     " SELECT " KEY_JSON "::text FROM k"},
    {Q_KEY_REVOKE,
     "WITH k AS (UPDATE api_key SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1"
     " RETURNING *) SELECT " KEY_JSON "::text FROM k"},
    {Q_NEIGHBOURHOODS_EXIST,
     "SELECT count(*) = cardinality($1::uuid[]) FROM neighbourhood WHERE id = ANY($1::uuid[])"},
    {Q_ROUND_AREA_INSERT,
     "INSERT INTO survey_round_area (round_id, neighbourhood_id, instrument, is_baseline)"
     " VALUES ($1, $2, $3, $4::boolean)"},
    {Q_OUTBOX_INSERT,
     "INSERT INTO outbox (event_id, topic, msg_key, payload) VALUES ($1, $2, $3, $4)"
     " ON CONFLICT (event_id) DO NOTHING"},
    {Q_INDICATORS_FOR_AREA,
     /* A neighbourhood's aggregates with what their statistics need: the
      * round, whether it is closed (explicitly or its fieldwork over), whether
      * it is the neighbourhood's resident baseline, and the baseline round's
      * sums for the same indicator. One row with NULL indicator when the
      * neighbourhood has no figures; no row when it does not exist. Rows of a
      * round are consecutive. $2: the date on which "closed" is judged (NULL:
      * today; the clock's date for the workers); $3: only that round (NULL:
      * every round). */
     "SELECT g.indicator, g.round_id, r.name,"
     " (r.closed_at IS NOT NULL OR coalesce($2::date, current_date) > r.fieldwork_end), a.is_baseline,"
     " b.round_id IS NOT NULL, g.n_raw, g.sum_w::float8, g.sum_w2::float8, g.sum_wy::float8,"
     " coalesce(bg.n_raw, 0), coalesce(bg.sum_w, 0)::float8, coalesce(bg.sum_w2, 0)::float8,"
     " coalesce(bg.sum_wy, 0)::float8, s.definition_version,"
     " to_char(s.computed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), b.round_id"
     " FROM neighbourhood n"
     " LEFT JOIN indicator_aggregate g ON g.neighbourhood_id = n.id"
     " LEFT JOIN survey_round r ON r.id = g.round_id"
     " LEFT JOIN survey_round_area a ON a.round_id = g.round_id AND a.neighbourhood_id = n.id"
     " LEFT JOIN survey_round_area b ON b.neighbourhood_id = n.id AND b.instrument = 'resident'"
     "  AND b.is_baseline"
     " LEFT JOIN indicator_aggregate bg ON bg.indicator = g.indicator"
     "  AND bg.neighbourhood_id = n.id AND bg.round_id = b.round_id"
     " LEFT JOIN indicator_snapshot s ON s.indicator = g.indicator AND s.neighbourhood_id = n.id"
     "  AND s.round_id = g.round_id"
     " WHERE n.id = $1 AND ($3::uuid IS NULL OR g.round_id = $3)"
     " ORDER BY r.fieldwork_start, g.round_id, g.indicator"},
    {Q_OUTBOX_FETCH,
     "SELECT seq, topic, msg_key, payload FROM outbox WHERE published_at IS NULL"
     " ORDER BY seq LIMIT $1::int"},
    {Q_OUTBOX_MARK,
     "UPDATE outbox SET published_at = now() WHERE seq = ANY($1::bigint[])"
     " AND published_at IS NULL"},
    {Q_OUTBOX_BACKLOG,
     "SELECT count(*), coalesce(extract(epoch FROM now() - min(created_at)), 0)"
     " FROM outbox WHERE published_at IS NULL"},
    {Q_PROCESSED_INSERT,
     "INSERT INTO processed_event (consumer, event_id) VALUES ($1, $2)"
     " ON CONFLICT DO NOTHING"},
    {Q_RESPONSE_FOR_APPLY,
     /* The weight in the column's own scale (1.000000 when unweighted), so
      * that incremental sums and a rebuild's have the same representation. */
     "SELECT answers::text, coalesce(weight, 1)::numeric(12,6)::text, counted, withdrawn_at IS NOT NULL,"
     " round_id, neighbourhood_id FROM survey_response WHERE id = $1 FOR UPDATE"},
    {Q_RESPONSE_SET_COUNTED,
     /* Counting fixes the cells the response goes to (its ward: the area, or
      * an LSOA's ward; the respondent's age band and sex); a withdrawal keeps
      * and returns them, so it subtracts from the same cells. */
     "UPDATE survey_response s SET counted = $2::boolean,"
     " cell_ward_id = CASE WHEN $2::boolean THEN (SELECT CASE WHEN a.kind = 'ward' THEN a.id"
     "  ELSE a.ward_id END FROM area a WHERE a.id = s.area_id) ELSE s.cell_ward_id END,"
     " cell_age_band = CASE WHEN $2::boolean THEN s.respondent->>'ageBand' ELSE s.cell_age_band END,"
     " cell_sex = CASE WHEN $2::boolean THEN s.respondent->>'sex' ELSE s.cell_sex END"
     " WHERE id = $1 RETURNING cell_ward_id, cell_age_band, cell_sex"},
    {Q_AGGREGATE_APPLY,
     /* Folds a batch of contributions into the aggregates: one row per
      * (indicator, neighbourhood, round) touched, exact NUMERIC sums, the
      * version bumped once per batch. Rows that exist are updated (a batch of
      * withdrawals has negative deltas, which an INSERT … ON CONFLICT could not
      * propose: its candidate row would fail the n_raw check); new ones are
      * inserted, and one that a concurrent statement created meanwhile is
      * added to through ON CONFLICT.
      * $1 indicators, $2 neighbourhoods, $3 rounds, $4 weights, $5 ys (0/1),
      * $6 signs (1 add, -1 take back), all arrays of the same length. */
     "WITH d AS (SELECT c.indicator, c.area, c.round, sum(c.sign) AS n, sum(c.sign * c.w) AS sw,"
     "  sum(c.sign * c.w * c.w) AS sw2, sum(c.sign * c.w * c.y) AS swy"
     "  FROM unnest($1::text[], $2::uuid[], $3::uuid[], $4::numeric[], $5::int[], $6::int[])"
     "   AS c(indicator, area, round, w, y, sign) GROUP BY 1, 2, 3),"
     " upd AS (UPDATE indicator_aggregate g SET n_raw = g.n_raw + d.n, sum_w = g.sum_w + d.sw,"
     "  sum_w2 = g.sum_w2 + d.sw2, sum_wy = g.sum_wy + d.swy, version = g.version + 1"
     "  FROM d WHERE g.indicator = d.indicator AND g.neighbourhood_id = d.area"
     "   AND g.round_id = d.round"
     "  RETURNING g.indicator, g.neighbourhood_id, g.round_id, g.n_raw, g.sum_w, g.sum_w2,"
     "   g.sum_wy, g.version),"
     " ins AS (INSERT INTO indicator_aggregate AS g (indicator, neighbourhood_id, round_id,"
     "  n_raw, sum_w, sum_w2, sum_wy)"
     "  SELECT d.indicator, d.area, d.round, d.n, d.sw, d.sw2, d.swy FROM d"
     "  WHERE NOT EXISTS (SELECT 1 FROM indicator_aggregate x WHERE x.indicator = d.indicator"
     "   AND x.neighbourhood_id = d.area AND x.round_id = d.round)"
     "  ORDER BY 1, 2, 3"
     "  ON CONFLICT (indicator, neighbourhood_id, round_id) DO UPDATE SET"
     "   n_raw = g.n_raw + EXCLUDED.n_raw, sum_w = g.sum_w + EXCLUDED.sum_w,"
     "   sum_w2 = g.sum_w2 + EXCLUDED.sum_w2, sum_wy = g.sum_wy + EXCLUDED.sum_wy,"
     "   version = g.version + 1"
     "  RETURNING g.indicator, g.neighbourhood_id, g.round_id, g.n_raw, g.sum_w, g.sum_w2,"
     "   g.sum_wy, g.version)"
     " SELECT indicator, neighbourhood_id, round_id, n_raw, sum_w::text, sum_w2::text,"
     "  sum_wy::text, version FROM upd"
     " UNION ALL SELECT indicator, neighbourhood_id, round_id, n_raw, sum_w::text,"
     "  sum_w2::text, sum_wy::text, version FROM ins"},
    {Q_CONTRIBUTIONS_ADD,
     /* What one response added to each indicator: $2 indicators, $4 their ys. */
     "INSERT INTO response_contribution (response_id, indicator, weight, y)"
     " SELECT $1, c.indicator, $3::numeric, c.y"
     " FROM unnest($2::text[], $4::smallint[]) AS c(indicator, y)"},
    {Q_REBUILD_CONTRIBUTIONS,
     /* A chunk of reclassified responses: $1 response ids, $2 indicators,
      * $3 weights, $4 ys, one entry per (response, indicator) in the base. */
     "INSERT INTO response_contribution (response_id, indicator, weight, y)"
     " SELECT * FROM unnest($1::uuid[], $2::text[], $3::numeric[], $4::smallint[])"},
    {Q_CONTRIBUTIONS_TAKE,
     "DELETE FROM response_contribution WHERE response_id = $1"
     " RETURNING indicator, weight::text, y"},
    {Q_ROUND_OPEN,
     /* $2: the date on which it is judged (NULL: today; the clock's date). */
     "SELECT closed_at IS NULL AND coalesce($2::date, current_date) <= fieldwork_end"
     " FROM survey_round WHERE id = $1"},
    {Q_SNAPSHOT_UPSERT,
     "INSERT INTO indicator_snapshot (indicator, neighbourhood_id, round_id,"
     " definition_version, n_raw, n_eff, value, ci_low, ci_high, suppressed, provisional,"
     " event_id)"
     " VALUES ($1, $2, $3, $4::int, $5::bigint, $6::float8, $7::float8, $8::float8,"
     "  $9::float8, $10::boolean, $11::boolean, $12)"
     " ON CONFLICT (indicator, neighbourhood_id, round_id) DO UPDATE SET"
     "  definition_version = EXCLUDED.definition_version, n_raw = EXCLUDED.n_raw,"
     "  n_eff = EXCLUDED.n_eff, value = EXCLUDED.value, ci_low = EXCLUDED.ci_low,"
     "  ci_high = EXCLUDED.ci_high, suppressed = EXCLUDED.suppressed,"
     "  provisional = EXCLUDED.provisional, computed_at = now(), event_id = EXCLUDED.event_id"},
    {NULL, NULL, 0, 0, NULL},
};

const struct named_sql *const statement_sets[] = {
    core_statements,     geography_statements, registry_statements, community_statements,
    instrument_statements, kpi_statements,   clock_statements,    alert_statements,
    cell_statements,     dated_statements,     NULL,
};

bool queries_prepare(PGconn *conn, char *err, size_t errlen)
{
    for (size_t s = 0; statement_sets[s]; s++)
        for (const struct named_sql *q = statement_sets[s]; q->name; q++) {
            PGresult *r = PQprepare(conn, q->name, q->sql, 0, NULL);
            bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
            if (!ok)
                snprintf(err, errlen, "prepare %s: %s", q->name, PQresultErrorMessage(r));
            PQclear(r);
            if (!ok)
                return false;
        }
    return true;
}

PGresult *db_run(PGconn *conn, const char *name, int nparams, const char *const *params)
{
    PGresult *r = PQexecPrepared(conn, name, nparams, params, NULL, NULL, 0);
    return r ? r : PQmakeEmptyPGresult(conn, PGRES_FATAL_ERROR);
}

bool db_ok(const PGresult *r)
{
    ExecStatusType st = PQresultStatus(r);
    return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
}

bool db_exec(PGconn *conn, const char *sql)
{
    PGresult *r = PQexec(conn, sql);
    bool ok = db_ok(r);
    PQclear(r);
    return ok;
}

const char *db_sqlstate(const PGresult *r)
{
    const char *s = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    return s ? s : "";
}
