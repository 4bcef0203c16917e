-- 001: neighbourhoods, survey rounds, resident responses, the outbox, the
-- indicator worker's aggregates and snapshots, and the processed-event ledger.

CREATE TABLE neighbourhood (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    code        text NOT NULL UNIQUE CHECK (code ~ '^[a-z0-9][a-z0-9-]{0,63}$'),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    population  integer NOT NULL CHECK (population > 0),
    imd_decile  smallint CHECK (imd_decile BETWEEN 1 AND 10),
    priority    boolean NOT NULL DEFAULT false,
    wave        smallint NOT NULL CHECK (wave >= 1),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE survey_round (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    instrument      text NOT NULL CHECK (instrument IN ('resident', 'sector', 'agency')),
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    fieldwork_start date NOT NULL,
    fieldwork_end   date NOT NULL,
    closed_at       timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (fieldwork_end >= fieldwork_start)
);

-- Which neighbourhoods a round covers, and for which of them it is the
-- baseline. The baseline is a property of (neighbourhood, instrument).
CREATE TABLE survey_round_area (
    round_id         uuid NOT NULL REFERENCES survey_round(id),
    neighbourhood_id uuid NOT NULL REFERENCES neighbourhood(id),
    instrument       text NOT NULL,
    is_baseline      boolean NOT NULL DEFAULT false,
    PRIMARY KEY (round_id, neighbourhood_id)
);
CREATE UNIQUE INDEX survey_round_area_one_baseline
    ON survey_round_area (neighbourhood_id, instrument) WHERE is_baseline;

-- One row per submitted response, keyed by the client's id. body_sha256 is
-- the hash of the canonical request body: a resend is recognised by it.
-- `counted` says whether the indicator worker has added the response to the
-- aggregates, so a withdrawal subtracts exactly what was added, whatever the
-- order in which the two events arrive.
CREATE TABLE survey_response (
    id               uuid PRIMARY KEY,
    round_id         uuid NOT NULL REFERENCES survey_round(id),
    neighbourhood_id uuid NOT NULL REFERENCES neighbourhood(id),
    instrument       text NOT NULL,
    answers          jsonb NOT NULL,
    respondent       jsonb,
    weight           numeric(12,6) CHECK (weight > 0),
    body_sha256      bytea NOT NULL,
    received_at      timestamptz NOT NULL DEFAULT now(),
    withdrawn_at     timestamptz,
    counted          boolean NOT NULL DEFAULT false
);
CREATE INDEX survey_response_round ON survey_response (round_id, neighbourhood_id);

-- The transactional outbox. `payload` is the exact bytes of the CloudEvent:
-- what is delivered is what was emitted, never re-rendered.
CREATE TABLE outbox (
    seq          bigserial PRIMARY KEY,
    event_id     uuid NOT NULL UNIQUE,
    topic        text NOT NULL,
    msg_key      text NOT NULL,
    payload      text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    published_at timestamptz
);
CREATE INDEX outbox_unpublished ON outbox (seq) WHERE published_at IS NULL;

-- The relay is woken by NOTIFY cdm_outbox, sent by the writer after its
-- commit (outbox_wake), not by a trigger inside the transaction: a
-- transaction that notifies takes a global lock at commit, which would
-- serialise every submission behind one commit at a time.

-- Events a consumer has applied: a redelivered event finds its row and does
-- nothing. Written in the same transaction as the event's effects.
CREATE TABLE processed_event (
    consumer     text NOT NULL,
    event_id     uuid NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);

-- Sufficient statistics of a survey proportion per (indicator, area, round),
-- exact: weights have at most 6 decimals, sums are NUMERIC, so subtracting a
-- withdrawn response restores the previous state exactly.
CREATE TABLE indicator_aggregate (
    indicator        text NOT NULL,
    neighbourhood_id uuid NOT NULL REFERENCES neighbourhood(id),
    round_id         uuid NOT NULL REFERENCES survey_round(id),
    n_raw            bigint NOT NULL DEFAULT 0 CHECK (n_raw >= 0),
    sum_w            numeric NOT NULL DEFAULT 0,
    sum_w2           numeric NOT NULL DEFAULT 0,
    sum_wy           numeric NOT NULL DEFAULT 0,
    PRIMARY KEY (indicator, neighbourhood_id, round_id)
);

-- What each counted response added to each indicator's aggregate, so that a
-- withdrawal subtracts exactly that, even if the catalogue changed between.
CREATE TABLE response_contribution (
    response_id uuid NOT NULL REFERENCES survey_response(id),
    indicator   text NOT NULL,
    weight      numeric(12,6) NOT NULL,
    y           smallint NOT NULL CHECK (y IN (0, 1)),
    PRIMARY KEY (response_id, indicator)
);

-- The latest published figure per (indicator, area, round).
CREATE TABLE indicator_snapshot (
    indicator         text NOT NULL,
    neighbourhood_id  uuid NOT NULL REFERENCES neighbourhood(id),
    round_id          uuid NOT NULL REFERENCES survey_round(id),
    definition_version integer NOT NULL,
    n_raw             bigint NOT NULL,
    n_eff             double precision,
    value             double precision,
    ci_low            double precision,
    ci_high           double precision,
    suppressed        boolean NOT NULL,
    provisional       boolean NOT NULL,
    computed_at       timestamptz NOT NULL DEFAULT now(),
    event_id          uuid NOT NULL,
    PRIMARY KEY (indicator, neighbourhood_id, round_id)
);
