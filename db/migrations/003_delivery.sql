-- 003: partners' subscriptions, the deliveries to them, and the event feed's order.

-- The transaction that wrote each outbox row. The event feed serves rows in
-- (xid, seq) order and only from transactions older than every one still
-- running, so a transaction that commits late can never fall behind a cursor.
ALTER TABLE outbox ADD COLUMN xid xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX outbox_feed ON outbox (topic, xid, seq);

CREATE TABLE subscription (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    agency_id          uuid NOT NULL REFERENCES agency(id),
    -- The key that made it: deliveries stop when that key is revoked or expires,
    -- and never reach beyond its neighbourhoods.
    key_id             uuid NOT NULL REFERENCES api_key(id),
    channel            text NOT NULL CHECK (channel IN ('kafka', 'webhook')),
    event_types        text[] NOT NULL DEFAULT '{}',      -- empty: every type
    all_neighbourhoods boolean NOT NULL,
    neighbourhoods     uuid[] NOT NULL DEFAULT '{}',
    kafka_topic        text CHECK (kafka_topic ~ '^[A-Za-z0-9._-]{1,249}$' AND kafka_topic !~ '^cdm\.'),
    webhook_url        text CHECK (webhook_url ~ '^https://'),
    secrets            text[] NOT NULL DEFAULT '{}',       -- signing secrets, newest first
    status             text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
    disabled_reason    text,
    replay_from        timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now(),
    CHECK ((channel = 'kafka') = (kafka_topic IS NOT NULL)),
    CHECK ((channel = 'webhook') = (webhook_url IS NOT NULL)),
    CHECK (all_neighbourhoods OR cardinality(neighbourhoods) > 0)
);
CREATE INDEX subscription_active ON subscription (status) WHERE status = 'active';

-- One row per (subscription, event): pending until delivered, dead after the
-- last retry. The payload is the outbox row's, exactly as it was emitted.
CREATE TABLE delivery (
    subscription_id uuid NOT NULL REFERENCES subscription(id) ON DELETE CASCADE,
    event_seq       bigint NOT NULL REFERENCES outbox(seq),
    state           text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'dead')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_status     integer,
    last_error      text,
    delivered_at    timestamptz,
    PRIMARY KEY (subscription_id, event_seq)
);
CREATE INDEX delivery_due ON delivery (next_attempt_at, event_seq) WHERE state = 'pending';
CREATE INDEX delivery_dead ON delivery (subscription_id) WHERE state = 'dead';
-- For /metrics: deliveries of the last hour, without reading all history.
CREATE INDEX delivery_recent ON delivery (delivered_at) WHERE state = 'delivered';
