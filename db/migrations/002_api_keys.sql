-- 002: partner agencies and their API keys. A key is shown once; only its
-- SHA-256 is kept (keys are 256 random bits, so a fast hash is enough), with
-- a visible prefix for support. Scopes say what a key may do; neighbourhoods
-- (or the whole locality) say what it may touch.

CREATE TABLE agency (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name       text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 200),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_key (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    agency_id          uuid NOT NULL REFERENCES agency(id),
    prefix             text NOT NULL UNIQUE CHECK (prefix ~ '^cdm_[0-9a-f]{8}$'),
    key_sha256         bytea NOT NULL CHECK (length(key_sha256) = 32),
    scopes             text[] NOT NULL
        CHECK (scopes <@ ARRAY['submit', 'registry', 'read', 'evaluator', 'admin']
               AND cardinality(scopes) > 0),
    all_neighbourhoods boolean NOT NULL,
    neighbourhoods     uuid[] NOT NULL DEFAULT '{}',
    rate_per_s         integer CHECK (rate_per_s > 0), -- NULL: CDM_RATE_LIMIT_PER_S
    expires_at         timestamptz,
    revoked_at         timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now(),
    CHECK (all_neighbourhoods OR cardinality(neighbourhoods) > 0)
);
