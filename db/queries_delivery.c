/* queries_delivery.c — the SQL of the outbox and its relay, API keys and agencies, the event feed, subscriptions and deliveries */
#include "queries.h"
#include "envelope.h"
#include "locks.h"

#define KEY_JSON                                                                            \
    "json_build_object('id', k.id, 'agencyId', k.agency_id, 'prefix', k.prefix, 'scopes',"  \
    " to_json(k.scopes), 'allNeighbourhoods', k.all_neighbourhoods, 'neighbourhoods',"      \
    " to_json(k.neighbourhoods), 'expiresAt', k.expires_at, 'revokedAt', k.revoked_at,"     \
    " 'ratePerSecond', k.rate_per_s, 'operator', k.operator, 'createdAt', k.created_at)"

#define AGENCY_JSON \
    "json_build_object('id', a.id, 'name', a.name, 'slug', a.slug, 'createdAt', a.created_at)"

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

const struct named_sql delivery_statements[] = {
    DB_STATEMENT(EVENT_FEED,
     /* Only transactions older than every running one: nothing can still
      * commit below the cursor. $1 topic, $2/$3 cursor, $4 neighbourhoods or NULL,
      * $5 limit, $6 whether the caller may see live response counts
      * (sample.adequate: submit and admin keys only). */
     "SELECT xid::text AS xid, seq, payload FROM outbox"
     " WHERE topic = $1 AND (xid, seq) > ($2::xid8, $3::bigint)"
     " AND xid < pg_snapshot_xmin(pg_current_snapshot())"
     " AND ($4::text[] IS NULL OR msg_key = ANY($4::text[]))"
     " AND ($6::boolean OR payload::jsonb->>'type' <> '" EVT_SAMPLE_ADEQUATE "')"
     " ORDER BY xid, seq LIMIT $5::int"),
    DB_STATEMENT(SUBSCRIPTION_AGENCY,
     /* Locks the agency's row for the creating transaction, so that two
      * creations of one agency count one after the other (the cap holds). */
     "SELECT a.slug, (SELECT count(*) FROM subscription s WHERE s.agency_id = a.id) AS subscriptions"
     " FROM agency a WHERE a.id = $1 FOR UPDATE"),
    DB_STATEMENT(SUBSCRIPTION_INSERT,
     /* A Kafka topic is claimed by one live subscription: the unique index
      * subscription_topic_claim decides between concurrent claims, and the
      * loser gets no row ($10 the key). */
     "WITH s AS (INSERT INTO subscription (agency_id, channel, event_types, all_neighbourhoods,"
     " neighbourhoods, kafka_topic, webhook_url, secrets, replay_from, key_id)"
     " SELECT $1, $2, coalesce($3::text[], '{}'), $4::boolean, coalesce($5::uuid[], '{}'), $6, $7,"
     " coalesce($8::text[], '{}'), $9::timestamptz, $10"
     " ON CONFLICT (kafka_topic) WHERE kafka_topic IS NOT NULL AND status = 'active' DO NOTHING"
     " RETURNING *),"
     " au AS (" AUDIT_ROW("subscription.create", "subscription", "s.id::text", "s.agency_id", "s",
                          "$11", "$12", "$13") ")"
     " SELECT " SUBSCRIPTION_JSON "::text AS body, s.id FROM s"),
    DB_STATEMENT(SUBSCRIPTION_REPLAY,
     /* A late subscriber gets the history: every matching event of topic $2
      * since the subscription's replay_from. */
     "INSERT INTO delivery (subscription_id, event_seq)"
     " SELECT s.id, o.seq FROM subscription s JOIN outbox o ON o.topic = $2"
     "  AND o.created_at >= s.replay_from"
     " WHERE s.id = $1 AND s.replay_from IS NOT NULL"
     "  AND (cardinality(s.event_types) = 0 OR o.payload::jsonb->>'type' = ANY(s.event_types))"
     "  AND (s.all_neighbourhoods OR o.msg_key = ANY(s.neighbourhoods::text[]))"
     " ON CONFLICT DO NOTHING"),
    DB_STATEMENT(SUBSCRIPTION_LIST,
     /* $2: the caller's neighbourhoods, NULL for the whole locality; a limited
      * key sees only the subscriptions within them. */
     "SELECT coalesce(json_agg(" SUBSCRIPTION_JSON " ORDER BY s.created_at), '[]')::text AS body"
     " FROM subscription s WHERE ($1::uuid IS NULL OR s.agency_id = $1) AND ($2::uuid[] IS NULL"
     "  OR (NOT s.all_neighbourhoods AND s.neighbourhoods <@ $2::uuid[]))"),
    DB_STATEMENT(SUBSCRIPTION_GET,
     /* $2 the agency, NULL for the operator (who reads every agency's). */
     "SELECT " SUBSCRIPTION_JSON "::text AS body FROM subscription s"
     " WHERE s.id = $1 AND ($2::uuid IS NULL OR s.agency_id = $2)"),
    DB_STATEMENT(SUBSCRIPTION_DELETE,
     /* With its audit row ($3-$5 the caller). */
     "WITH d AS (DELETE FROM subscription WHERE id = $1 AND agency_id = $2 RETURNING id, agency_id),"
     " au AS (" AUDIT_ROW("subscription.delete", "subscription", "d.id::text", "d.agency_id", "d",
                          "$3", "$4", "$5") ")"
     " SELECT id FROM d"),
    DB_STATEMENT(SUBSCRIPTION_ROTATE,
     /* The new secret first, the previous one still valid: two live secrets. */
     "WITH u AS (UPDATE subscription SET secrets = ARRAY[$3::text, secrets[1]]"
     "  WHERE id = $1 AND agency_id = $2 AND channel = 'webhook' RETURNING id, agency_id),"
     " au AS (" AUDIT_ROW("subscription.rotate_secret", "subscription", "u.id::text", "u.agency_id",
                          "u", "$4", "$5", "$6") ")"
     " SELECT id FROM u"),
    DB_STATEMENT(DEAD_LETTERS,
     "SELECT coalesce(json_agg(json_build_object('eventId', o.event_id, 'eventSeq', d.event_seq,"
     " 'attempts', d.attempts, 'lastStatus', d.last_status, 'lastError', d.last_error,"
     " 'event', o.payload::json) ORDER BY d.event_seq), '[]')::text AS body"
     " FROM delivery d JOIN outbox o ON o.seq = d.event_seq JOIN subscription s"
     "  ON s.id = d.subscription_id"
     " WHERE d.subscription_id = $1 AND ($2::uuid IS NULL OR s.agency_id = $2) AND d.state = 'dead'"),
    DB_STATEMENT(DEAD_LETTERS_REDRIVE,
     /* Re-driving also re-enables a webhook subscription a 410 disabled: the
      * partner says its endpoint is back. A Kafka subscription is disabled
      * only for its topic (outside the namespace, or claimed twice): that
      * stays. */
     "WITH s AS (SELECT id FROM subscription WHERE id = $1 AND agency_id = $2),"
     " enabled AS (UPDATE subscription SET status = 'active', disabled_reason = NULL"
     "  WHERE id IN (SELECT id FROM s) AND channel = 'webhook')"
     " UPDATE delivery d SET state = 'pending', attempts = 0, next_attempt_at = now()"
     " WHERE d.subscription_id IN (SELECT id FROM s) AND d.state = 'dead'"),
    DB_STATEMENT(DELIVERY_FANOUT,
     /* $1 the event id, $2 the KPI topic: one pending delivery per active
      * subscription it matches. */
     "INSERT INTO delivery (subscription_id, event_seq)"
     " SELECT s.id, o.seq FROM outbox o JOIN subscription s ON s.status = 'active'"
     "  AND (cardinality(s.event_types) = 0 OR o.payload::jsonb->>'type' = ANY(s.event_types))"
     "  AND (s.all_neighbourhoods OR o.msg_key = ANY(s.neighbourhoods::text[]))"
     SUBSCRIPTION_KEY_LIVE
     /* A live response count reaches only keys of fieldwork (submit) or admin. */
     "  AND (o.payload::jsonb->>'type' <> '" EVT_SAMPLE_ADEQUATE "'"
     "   OR k.scopes && ARRAY['submit', 'admin'])"
     " WHERE o.event_id = $1 AND o.topic = $2 ON CONFLICT DO NOTHING"),
    DB_STATEMENT(DELIVERY_DUE,
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
     " s.webhook_url, s.secrets::text AS secrets, o.payload, o.event_id, o.msg_key"
     " FROM claimed c JOIN subscription s ON s.id = c.subscription_id"
     " JOIN outbox o ON o.seq = c.event_seq ORDER BY c.event_seq"),
    DB_STATEMENT(DELIVERY_DONE,
     "UPDATE delivery SET state = 'delivered', attempts = attempts + 1, delivered_at = now(),"
     " last_status = $3::int, last_error = NULL WHERE subscription_id = $1 AND event_seq = $2::bigint"),
    DB_STATEMENT(DELIVERY_RETRY,
     /* $5: seconds until the next attempt, or NULL: no more attempts (dead letter). */
     "UPDATE delivery SET attempts = attempts + 1, last_status = $3::int, last_error = $4,"
     " state = CASE WHEN $5::int IS NULL THEN 'dead' ELSE 'pending' END,"
     " next_attempt_at = now() + make_interval(secs => coalesce($5::int, 0))"
     " WHERE subscription_id = $1 AND event_seq = $2::bigint"),
    DB_STATEMENT(SUBSCRIPTION_DISABLE,
     /* Its pending deliveries become dead letters: visible, re-drivable. */
     "WITH s AS (UPDATE subscription SET status = 'disabled', disabled_reason = $2 WHERE id = $1"
     " RETURNING id) UPDATE delivery SET state = 'dead', last_error = $2"
     " WHERE subscription_id IN (SELECT id FROM s) AND state = 'pending'"),
    DB_STATEMENT(SUBSCRIPTIONS_OUTSIDE_NAMESPACE,
     /* What 017 did with the default prefix, with the configured one ($1):
      * a live Kafka subscription outside <prefix>.<slug>. is disabled, its
      * pending deliveries dead letters. */
     "WITH outside AS (UPDATE subscription s SET status = 'disabled',"
     "  disabled_reason = 'the Kafka topic is outside the agency''s namespace (' || $1 || '.' || a.slug || '.…)'"
     "  FROM agency a WHERE a.id = s.agency_id AND s.channel = 'kafka' AND s.status = 'active'"
     "  AND left(s.kafka_topic, length($1) + length(a.slug) + 2) IS DISTINCT FROM $1 || '.' || a.slug || '.'"
     "  RETURNING s.id, s.disabled_reason)"
     " UPDATE delivery d SET state = 'dead', last_error = o.disabled_reason FROM outside o"
     " WHERE d.subscription_id = o.id AND d.state = 'pending'"),
    DB_STATEMENT(SUBSCRIPTION_SCOPE,
     /* The subscription is the caller's agency's ($2, NULL: any, for the
      * operator's reads) and within its neighbourhoods ($3, NULL: all). */
     "SELECT true AS visible FROM subscription WHERE id = $1 AND ($2::uuid IS NULL OR agency_id = $2)"
     " AND ($3::uuid[] IS NULL"
     " OR (NOT all_neighbourhoods AND neighbourhoods <@ $3::uuid[]))"),
    DB_STATEMENT(DELIVERY_COUNTS,
     /* Each count reads only its partial index, never the history of every
      * delivery ever made: pending and dead are small, delivered is the last hour. */
     "SELECT (SELECT count(*) FROM delivery WHERE state = 'pending') AS pending,"
     " (SELECT count(*) FROM delivery WHERE state = 'delivered'"
     "   AND delivered_at > now() - interval '1 hour') AS delivered_last_hour,"
     " (SELECT count(*) FROM delivery WHERE state = 'dead') AS dead"),
    DB_STATEMENT(KEY_LOOKUP,
     "SELECT encode(key_sha256, 'hex') AS key_sha256, scopes::text AS scopes, all_neighbourhoods,"
     " neighbourhoods::text AS neighbourhoods, agency_id, id,"
     " revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now()) AS live,"
     " rate_per_s, operator, extract(epoch FROM expires_at) AS expires_epoch FROM api_key"
     " WHERE prefix = $1"),
    DB_STATEMENT(AGENCY_INSERT,
     /* $2 the slug, NULL: from the name (the trigger agency_slug_default). A
      * name or slug taken: no row. */
     "WITH a AS (INSERT INTO agency (name, slug) VALUES ($1, $2)"
     " ON CONFLICT DO NOTHING RETURNING *),"
     " au AS (" AUDIT_ROW("agency.create", "agency", "a.id::text", "a.id", "a", "$3", "$4", "$5") ")"
     " SELECT " AGENCY_JSON "::text AS body FROM a"),
    DB_STATEMENT(AGENCY_LIST,
     /* $1 the agency, NULL for the operator (every agency). */
     "SELECT coalesce(json_agg(json_build_object('id', a.id, 'name', a.name, 'slug', a.slug, 'createdAt',"
     " a.created_at, 'keys', (SELECT coalesce(json_agg(" KEY_JSON " ORDER BY k.created_at), '[]')"
     " FROM api_key k WHERE k.agency_id = a.id)) ORDER BY a.name), '[]')::text AS body FROM agency a"
     " WHERE $1::uuid IS NULL OR a.id = $1"),
    DB_STATEMENT(AGENCY_GET, "SELECT id FROM agency WHERE id = $1"),
    DB_STATEMENT(AGENCY_ENSURE,
     /* DO UPDATE (a no-op) rather than DO NOTHING, so the row comes back either way. */
     "INSERT INTO agency (name) VALUES ($1) ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name"
     " RETURNING id"),
    DB_STATEMENT(KEY_INSERT,
     "WITH k AS (INSERT INTO api_key (agency_id, prefix, key_sha256, scopes, all_neighbourhoods,"
     " neighbourhoods, expires_at, rate_per_s, operator) VALUES ($1, $2, decode($3, 'hex'), $4::text[],"
     " $5::boolean, coalesce($6::uuid[], '{}'), $7::timestamptz, $8::int, $9::boolean) RETURNING *),"
     " au AS (" AUDIT_ROW("key.create", "api_key", "k.id::text", "k.agency_id", "k", "$10", "$11",
                          "$12") ")"
     " SELECT " KEY_JSON "::text AS body FROM k"),
    DB_STATEMENT(KEY_REVOKE,
     /* $2 the caller's agency, NULL for the operator (any key). api_key's
      * trigger (migration 018) notifies cdm_key_revoked at commit. */
     "WITH k AS (UPDATE api_key SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1"
     " AND ($2::uuid IS NULL OR agency_id = $2) RETURNING *),"
     " au AS (" AUDIT_ROW("key.revoke", "api_key", "k.id::text", "k.agency_id", "k", "$3", "$4",
                          "$5") ")"
     " SELECT " KEY_JSON "::text AS body FROM k"),
    DB_STATEMENT(NEIGHBOURHOODS_EXIST,
     "SELECT count(*) = cardinality($1::uuid[]) AS all_exist FROM neighbourhood"
     " WHERE id = ANY($1::uuid[])"),
    DB_STATEMENT(OUTBOX_INSERT,
     "INSERT INTO outbox (event_id, topic, msg_key, payload) VALUES ($1, $2, $3, $4)"
     " ON CONFLICT (event_id) DO NOTHING"),
    DB_STATEMENT(OUTBOX_FETCH,
     "SELECT seq, topic, msg_key, payload FROM outbox WHERE published_at IS NULL"
     " ORDER BY seq LIMIT $1::int"),
    DB_STATEMENT(OUTBOX_MARK,
     "UPDATE outbox SET published_at = now() WHERE seq = ANY($1::bigint[])"
     " AND published_at IS NULL"),
    DB_STATEMENT(OUTBOX_BACKLOG,
     "SELECT count(*) AS backlog,"
     " coalesce(extract(epoch FROM now() - min(created_at)), 0) AS oldest_age_s"
     " FROM outbox WHERE published_at IS NULL"),
    DB_STATEMENT(RELAY_LOCK,
     /* A session-level lock, held until the connection ends, so a relay
      * that dies frees it. */
     "SELECT pg_try_advisory_lock(" LOCK_RELAY ") AS held"),
    {NULL, NULL, 0, 0, NULL},
};
