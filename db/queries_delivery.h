/* queries_delivery.h — statement names and shapes of the outbox and its relay, API keys and agencies, the event feed, subscriptions and deliveries (queries_delivery.c) */
#ifndef CDM_QUERIES_DELIVERY_H
#define CDM_QUERIES_DELIVERY_H
#include "statement.h"

/* ---- The outbox and its relay ---- */

/* One event row; an id already there is left as it was. */
#define Q_OUTBOX_INSERT "outbox_insert"
#define OUTBOX_INSERT_PARAMS(P) \
    P(OUTBOX_INSERT, EVENT_ID) P(OUTBOX_INSERT, TOPIC) P(OUTBOX_INSERT, KEY) \
    P(OUTBOX_INSERT, PAYLOAD)
#define OUTBOX_INSERT_COLUMNS(C)
DB_SHAPE(OUTBOX_INSERT)

/* The oldest unpublished rows, in commit order (LIMIT rows). */
#define Q_OUTBOX_FETCH "outbox_fetch"
#define OUTBOX_FETCH_PARAMS(P) P(OUTBOX_FETCH, LIMIT)
#define OUTBOX_FETCH_COLUMNS(C) \
    C(OUTBOX_FETCH, SEQ) C(OUTBOX_FETCH, TOPIC) C(OUTBOX_FETCH, MSG_KEY) C(OUTBOX_FETCH, PAYLOAD)
DB_SHAPE(OUTBOX_FETCH)

/* Marks the rows of SEQS (a bigint[] literal) published. */
#define Q_OUTBOX_MARK "outbox_mark"
#define OUTBOX_MARK_PARAMS(P) P(OUTBOX_MARK, SEQS)
#define OUTBOX_MARK_COLUMNS(C)
DB_SHAPE(OUTBOX_MARK)

/* Unpublished rows and the age in seconds of the oldest (0 when none). */
#define Q_OUTBOX_BACKLOG "outbox_backlog"
#define OUTBOX_BACKLOG_PARAMS(P)
#define OUTBOX_BACKLOG_COLUMNS(C) C(OUTBOX_BACKLOG, BACKLOG) C(OUTBOX_BACKLOG, OLDEST_AGE_S)
DB_SHAPE(OUTBOX_BACKLOG)

/* Takes the advisory lock KEY for this session without waiting; HELD says whether it did. */
#define Q_RELAY_LOCK "relay_lock"
#define RELAY_LOCK_PARAMS(P)
#define RELAY_LOCK_COLUMNS(C) C(RELAY_LOCK, HELD)
DB_SHAPE(RELAY_LOCK)

/* ---- API keys and agencies ---- */

/* The key of a prefix: its SHA-256 (hex), scopes and neighbourhoods (array
 * literals), owner, and LIVE (not revoked, not expired). No row: no such key. */
#define Q_KEY_LOOKUP "key_lookup"
#define KEY_LOOKUP_PARAMS(P) P(KEY_LOOKUP, PREFIX)
#define KEY_LOOKUP_COLUMNS(C)                                                                 \
    C(KEY_LOOKUP, KEY_SHA256) C(KEY_LOOKUP, SCOPES) C(KEY_LOOKUP, ALL_NEIGHBOURHOODS)         \
    C(KEY_LOOKUP, NEIGHBOURHOODS) C(KEY_LOOKUP, AGENCY_ID) C(KEY_LOOKUP, ID) C(KEY_LOOKUP, LIVE) \
    C(KEY_LOOKUP, RATE_PER_S) C(KEY_LOOKUP, OPERATOR) C(KEY_LOOKUP, EXPIRES_EPOCH)
DB_SHAPE(KEY_LOOKUP)

/* A new agency as JSON, its slug SLUG or (NULL) made from its name; no row: that name or
 * slug is taken. */
#define Q_AGENCY_INSERT "agency_insert"
#define AGENCY_INSERT_PARAMS(P) P(AGENCY_INSERT, NAME) P(AGENCY_INSERT, SLUG) \
    P(AGENCY_INSERT, ACTOR_AGENCY) P(AGENCY_INSERT, ACTOR_KEY_PREFIX) P(AGENCY_INSERT, ACTOR_REQUEST)
#define AGENCY_INSERT_COLUMNS(C) C(AGENCY_INSERT, BODY)
DB_SHAPE(AGENCY_INSERT)

/* Every agency (AGENCY NULL) or that one, with its keys, as one JSON array. */
#define Q_AGENCY_LIST "agency_list"
#define AGENCY_LIST_PARAMS(P) P(AGENCY_LIST, AGENCY)
#define AGENCY_LIST_COLUMNS(C) C(AGENCY_LIST, BODY)
DB_SHAPE(AGENCY_LIST)

#define Q_AGENCY_GET "agency_get"
#define AGENCY_GET_PARAMS(P) P(AGENCY_GET, ID)
#define AGENCY_GET_COLUMNS(C) C(AGENCY_GET, ID)
DB_SHAPE(AGENCY_GET)

/* The agency of a name, created if it is not there. */
#define Q_AGENCY_ENSURE "agency_ensure"
#define AGENCY_ENSURE_PARAMS(P) P(AGENCY_ENSURE, NAME)
#define AGENCY_ENSURE_COLUMNS(C) C(AGENCY_ENSURE, ID)
DB_SHAPE(AGENCY_ENSURE)

/* A new key, stored as its SHA-256 (hex); its description as JSON. */
#define Q_KEY_INSERT "key_insert"
#define KEY_INSERT_PARAMS(P)                                                                  \
    P(KEY_INSERT, AGENCY) P(KEY_INSERT, PREFIX) P(KEY_INSERT, KEY_SHA256) P(KEY_INSERT, SCOPES) \
    P(KEY_INSERT, ALL_NEIGHBOURHOODS) P(KEY_INSERT, NEIGHBOURHOODS) P(KEY_INSERT, EXPIRES_AT)  \
    P(KEY_INSERT, RATE_PER_S) P(KEY_INSERT, OPERATOR) \
    P(KEY_INSERT, ACTOR_AGENCY) P(KEY_INSERT, ACTOR_KEY_PREFIX) P(KEY_INSERT, ACTOR_REQUEST)
#define KEY_INSERT_COLUMNS(C) C(KEY_INSERT, BODY)
DB_SHAPE(KEY_INSERT)

/* Revokes a key of AGENCY (NULL: of any agency; once: a second revocation keeps the first
 * time); no row: no such key there. */
#define Q_KEY_REVOKE "key_revoke"
#define KEY_REVOKE_PARAMS(P) P(KEY_REVOKE, ID) P(KEY_REVOKE, AGENCY) \
    P(KEY_REVOKE, ACTOR_AGENCY) P(KEY_REVOKE, ACTOR_KEY_PREFIX) P(KEY_REVOKE, ACTOR_REQUEST)
#define KEY_REVOKE_COLUMNS(C) C(KEY_REVOKE, BODY)
DB_SHAPE(KEY_REVOKE)

/* ALL_EXIST: every id of NEIGHBOURHOODS (a uuid[] literal) is a neighbourhood. */
#define Q_NEIGHBOURHOODS_EXIST "neighbourhoods_exist"
#define NEIGHBOURHOODS_EXIST_PARAMS(P) P(NEIGHBOURHOODS_EXIST, NEIGHBOURHOODS)
#define NEIGHBOURHOODS_EXIST_COLUMNS(C) C(NEIGHBOURHOODS_EXIST, ALL_EXIST)
DB_SHAPE(NEIGHBOURHOODS_EXIST)

/* ---- The event feed ---- */

/* The events of TOPIC after the cursor (XID, SEQ), in the caller's
 * NEIGHBOURHOODS (NULL: all), LIMIT at most. */
#define Q_EVENT_FEED "event_feed"
#define EVENT_FEED_PARAMS(P)                                                                  \
    P(EVENT_FEED, TOPIC) P(EVENT_FEED, XID) P(EVENT_FEED, SEQ) P(EVENT_FEED, NEIGHBOURHOODS)   \
    P(EVENT_FEED, LIMIT) P(EVENT_FEED, LIVE_COUNTS)
#define EVENT_FEED_COLUMNS(C) C(EVENT_FEED, XID) C(EVENT_FEED, SEQ) C(EVENT_FEED, PAYLOAD)
DB_SHAPE(EVENT_FEED)

/* ---- Subscriptions ---- */

/* The agency's slug and how many subscriptions it has, its row locked until the
 * transaction ends; no row: no such agency. */
#define Q_SUBSCRIPTION_AGENCY "subscription_agency"
#define SUBSCRIPTION_AGENCY_PARAMS(P) P(SUBSCRIPTION_AGENCY, AGENCY)
#define SUBSCRIPTION_AGENCY_COLUMNS(C) C(SUBSCRIPTION_AGENCY, SLUG) C(SUBSCRIPTION_AGENCY, SUBSCRIPTIONS)
DB_SHAPE(SUBSCRIPTION_AGENCY)

/* Disables the live Kafka subscriptions outside their agency's namespace under PREFIX. */
#define Q_SUBSCRIPTIONS_OUTSIDE_NAMESPACE "subscriptions_outside_namespace"
#define SUBSCRIPTIONS_OUTSIDE_NAMESPACE_PARAMS(P) P(SUBSCRIPTIONS_OUTSIDE_NAMESPACE, PREFIX)
#define SUBSCRIPTIONS_OUTSIDE_NAMESPACE_COLUMNS(C)
DB_SHAPE(SUBSCRIPTIONS_OUTSIDE_NAMESPACE)

/* A new subscription as JSON and its id; no row: a live subscription claims its Kafka topic. */
#define Q_SUBSCRIPTION_INSERT "subscription_insert"
#define SUBSCRIPTION_INSERT_PARAMS(P)                                                          \
    P(SUBSCRIPTION_INSERT, AGENCY) P(SUBSCRIPTION_INSERT, CHANNEL)                              \
    P(SUBSCRIPTION_INSERT, EVENT_TYPES) P(SUBSCRIPTION_INSERT, ALL_NEIGHBOURHOODS)              \
    P(SUBSCRIPTION_INSERT, NEIGHBOURHOODS) P(SUBSCRIPTION_INSERT, KAFKA_TOPIC)                  \
    P(SUBSCRIPTION_INSERT, WEBHOOK_URL) P(SUBSCRIPTION_INSERT, SECRETS)                         \
    P(SUBSCRIPTION_INSERT, REPLAY_FROM) P(SUBSCRIPTION_INSERT, KEY)                             \
    P(SUBSCRIPTION_INSERT, ACTOR_AGENCY) P(SUBSCRIPTION_INSERT, ACTOR_KEY_PREFIX)               \
    P(SUBSCRIPTION_INSERT, ACTOR_REQUEST)
#define SUBSCRIPTION_INSERT_COLUMNS(C) C(SUBSCRIPTION_INSERT, BODY) C(SUBSCRIPTION_INSERT, ID)
DB_SHAPE(SUBSCRIPTION_INSERT)

/* Queues the history of TOPIC since the subscription's replay_from. */
#define Q_SUBSCRIPTION_REPLAY "subscription_replay"
#define SUBSCRIPTION_REPLAY_PARAMS(P) P(SUBSCRIPTION_REPLAY, ID) P(SUBSCRIPTION_REPLAY, TOPIC)
#define SUBSCRIPTION_REPLAY_COLUMNS(C)
DB_SHAPE(SUBSCRIPTION_REPLAY)

/* The agency's (AGENCY NULL: every agency's) subscriptions within NEIGHBOURHOODS (NULL: all),
 * as one JSON array. */
#define Q_SUBSCRIPTION_LIST "subscription_list"
#define SUBSCRIPTION_LIST_PARAMS(P) \
    P(SUBSCRIPTION_LIST, AGENCY) P(SUBSCRIPTION_LIST, NEIGHBOURHOODS)
#define SUBSCRIPTION_LIST_COLUMNS(C) C(SUBSCRIPTION_LIST, BODY)
DB_SHAPE(SUBSCRIPTION_LIST)

#define Q_SUBSCRIPTION_GET "subscription_get"
#define SUBSCRIPTION_GET_PARAMS(P) P(SUBSCRIPTION_GET, ID) P(SUBSCRIPTION_GET, AGENCY)
#define SUBSCRIPTION_GET_COLUMNS(C) C(SUBSCRIPTION_GET, BODY)
DB_SHAPE(SUBSCRIPTION_GET)

#define Q_SUBSCRIPTION_DELETE "subscription_delete"
#define SUBSCRIPTION_DELETE_PARAMS(P) P(SUBSCRIPTION_DELETE, ID) P(SUBSCRIPTION_DELETE, AGENCY) \
    P(SUBSCRIPTION_DELETE, ACTOR_AGENCY) P(SUBSCRIPTION_DELETE, ACTOR_KEY_PREFIX) P(SUBSCRIPTION_DELETE, ACTOR_REQUEST)
#define SUBSCRIPTION_DELETE_COLUMNS(C) C(SUBSCRIPTION_DELETE, ID)
DB_SHAPE(SUBSCRIPTION_DELETE)

/* SECRET becomes a webhook subscription's first secret; no row: no such webhook subscription. */
#define Q_SUBSCRIPTION_ROTATE "subscription_rotate"
#define SUBSCRIPTION_ROTATE_PARAMS(P) \
    P(SUBSCRIPTION_ROTATE, ID) P(SUBSCRIPTION_ROTATE, AGENCY) P(SUBSCRIPTION_ROTATE, SECRET) \
    P(SUBSCRIPTION_ROTATE, ACTOR_AGENCY) P(SUBSCRIPTION_ROTATE, ACTOR_KEY_PREFIX) P(SUBSCRIPTION_ROTATE, ACTOR_REQUEST)
#define SUBSCRIPTION_ROTATE_COLUMNS(C) C(SUBSCRIPTION_ROTATE, ID)
DB_SHAPE(SUBSCRIPTION_ROTATE)

/* The subscription's dead letters, as one JSON array. */
#define Q_DEAD_LETTERS "dead_letters"
#define DEAD_LETTERS_PARAMS(P) P(DEAD_LETTERS, SUBSCRIPTION) P(DEAD_LETTERS, AGENCY)
#define DEAD_LETTERS_COLUMNS(C) C(DEAD_LETTERS, BODY)
DB_SHAPE(DEAD_LETTERS)

/* Sends the subscription's dead letters again (its row count: how many). */
#define Q_DEAD_LETTERS_REDRIVE "dead_letters_redrive"
#define DEAD_LETTERS_REDRIVE_PARAMS(P) \
    P(DEAD_LETTERS_REDRIVE, SUBSCRIPTION) P(DEAD_LETTERS_REDRIVE, AGENCY)
#define DEAD_LETTERS_REDRIVE_COLUMNS(C)
DB_SHAPE(DEAD_LETTERS_REDRIVE)

/* A row (VISIBLE) when the subscription is the agency's and within
 * NEIGHBOURHOODS (NULL: all). */
#define Q_SUBSCRIPTION_SCOPE "subscription_scope"
#define SUBSCRIPTION_SCOPE_PARAMS(P) \
    P(SUBSCRIPTION_SCOPE, ID) P(SUBSCRIPTION_SCOPE, AGENCY) P(SUBSCRIPTION_SCOPE, NEIGHBOURHOODS)
#define SUBSCRIPTION_SCOPE_COLUMNS(C) C(SUBSCRIPTION_SCOPE, VISIBLE)
DB_SHAPE(SUBSCRIPTION_SCOPE)

/* ---- Deliveries ---- */

/* One pending delivery of the event per active subscription of TOPIC it matches. */
#define Q_DELIVERY_FANOUT "delivery_fanout"
#define DELIVERY_FANOUT_PARAMS(P) P(DELIVERY_FANOUT, EVENT_ID) P(DELIVERY_FANOUT, TOPIC)
#define DELIVERY_FANOUT_COLUMNS(C)
DB_SHAPE(DELIVERY_FANOUT)

/* Claims up to LIMIT due deliveries for LEASE_S seconds: each with its
 * subscription's channel and target and the event as it was emitted. */
#define Q_DELIVERY_DUE "delivery_due"
#define DELIVERY_DUE_PARAMS(P) P(DELIVERY_DUE, LIMIT) P(DELIVERY_DUE, LEASE_S)
#define DELIVERY_DUE_COLUMNS(C)                                                               \
    C(DELIVERY_DUE, SUBSCRIPTION_ID) C(DELIVERY_DUE, EVENT_SEQ) C(DELIVERY_DUE, ATTEMPTS)     \
    C(DELIVERY_DUE, CHANNEL) C(DELIVERY_DUE, KAFKA_TOPIC) C(DELIVERY_DUE, WEBHOOK_URL)        \
    C(DELIVERY_DUE, SECRETS) C(DELIVERY_DUE, PAYLOAD) C(DELIVERY_DUE, EVENT_ID)               \
    C(DELIVERY_DUE, MSG_KEY)
DB_SHAPE(DELIVERY_DUE)

#define Q_DELIVERY_DONE "delivery_done"
#define DELIVERY_DONE_PARAMS(P) \
    P(DELIVERY_DONE, SUBSCRIPTION) P(DELIVERY_DONE, EVENT_SEQ) P(DELIVERY_DONE, STATUS)
#define DELIVERY_DONE_COLUMNS(C)
DB_SHAPE(DELIVERY_DONE)

/* A failed attempt: retried in DELAY_S seconds, or a dead letter when DELAY_S is NULL. */
#define Q_DELIVERY_RETRY "delivery_retry"
#define DELIVERY_RETRY_PARAMS(P)                                                              \
    P(DELIVERY_RETRY, SUBSCRIPTION) P(DELIVERY_RETRY, EVENT_SEQ) P(DELIVERY_RETRY, STATUS)    \
    P(DELIVERY_RETRY, ERROR) P(DELIVERY_RETRY, DELAY_S)
#define DELIVERY_RETRY_COLUMNS(C)
DB_SHAPE(DELIVERY_RETRY)

/* Disables a subscription for REASON; its pending deliveries become dead letters. */
#define Q_SUBSCRIPTION_DISABLE "subscription_disable"
#define SUBSCRIPTION_DISABLE_PARAMS(P) P(SUBSCRIPTION_DISABLE, ID) P(SUBSCRIPTION_DISABLE, REASON)
#define SUBSCRIPTION_DISABLE_COLUMNS(C)
DB_SHAPE(SUBSCRIPTION_DISABLE)

/* Deliveries pending, delivered in the last hour, and dead. */
#define Q_DELIVERY_COUNTS "delivery_counts"
#define DELIVERY_COUNTS_PARAMS(P)
#define DELIVERY_COUNTS_COLUMNS(C) \
    C(DELIVERY_COUNTS, PENDING) C(DELIVERY_COUNTS, DELIVERED_LAST_HOUR) C(DELIVERY_COUNTS, DEAD)
DB_SHAPE(DELIVERY_COUNTS)
#endif
