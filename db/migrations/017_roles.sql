-- 017: roles, agency slugs and partner topics by namespace.
--
-- The operator — the platform's own key, made only on the command line with
-- `cdm-api --create-key --operator` — manages agencies; every other admin key
-- manages its own agency's keys and subscriptions only.
ALTER TABLE api_key ADD COLUMN operator boolean NOT NULL DEFAULT false;
ALTER TABLE api_key ADD CONSTRAINT api_key_operator_is_locality_admin
    CHECK (NOT operator OR ('admin' = ANY (scopes) AND all_neighbourhoods));

-- On upgrade: the first key ever made can only have come from the command
-- line (the API mints keys only for a key that already exists), so its agency
-- is the operator's own. That agency's live whole-locality admin keys become
-- operator keys; every other admin key stays its agency's admin.
UPDATE api_key SET operator = true
 WHERE 'admin' = ANY (scopes) AND all_neighbourhoods AND revoked_at IS NULL
   AND agency_id = (SELECT agency_id FROM api_key ORDER BY created_at, id LIMIT 1);

-- An agency's slug names its Kafka namespace: lower-case letters and digits
-- in hyphen-joined words, unique. One not given is made from the name (the
-- trigger below, whatever inserts the row); existing agencies get theirs from
-- the name too, and a second agency whose name gives the same slug gets a
-- piece of its id.
CREATE FUNCTION agency_slug_of(name text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(nullif(trim(BOTH '-' FROM left(regexp_replace(lower(name), '[^a-z0-9]+', '-', 'g'), 63)), ''),
                    'agency')
$$;
CREATE FUNCTION agency_slug_default() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.slug IS NULL THEN
        NEW.slug := agency_slug_of(NEW.name);
    END IF;
    RETURN NEW;
END
$$;
ALTER TABLE agency ADD COLUMN slug text;
WITH base AS (
    SELECT id, created_at, agency_slug_of(name) AS b FROM agency),
numbered AS (
    SELECT id, b, row_number() OVER (PARTITION BY b ORDER BY created_at, id) AS n FROM base)
UPDATE agency a
   SET slug = CASE WHEN n.n = 1 THEN n.b
                   ELSE trim(BOTH '-' FROM left(n.b, 54)) || '-' || left(replace(a.id::text, '-', ''), 8) END
  FROM numbered n WHERE n.id = a.id;
ALTER TABLE agency ALTER COLUMN slug SET NOT NULL;
ALTER TABLE agency ADD CONSTRAINT agency_slug_shape CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 63);
CREATE UNIQUE INDEX agency_slug ON agency (slug);
CREATE TRIGGER agency_slug_default BEFORE INSERT ON agency
    FOR EACH ROW EXECUTE FUNCTION agency_slug_default();

-- Existing Kafka subscriptions outside their agency's namespace
-- (<prefix>.<slug>.<rest>) are disabled with a reason: they no longer
-- deliver, stay visible to their agency, and can only be deleted (re-driving
-- does not re-enable a Kafka subscription). The prefix is the database setting
-- cdm.partner_topic_prefix when the operator set one before upgrading
-- (ALTER DATABASE … SET cdm.partner_topic_prefix = '…'), else the default
-- "partner"; the API applies the same rule with CDM_PARTNER_TOPIC_PREFIX at
-- each start, so a different prefix is caught there.
WITH outside AS (
    UPDATE subscription s SET status = 'disabled',
           disabled_reason = 'the Kafka topic is outside the agency''s namespace ('
               || coalesce(nullif(current_setting('cdm.partner_topic_prefix', true), ''), 'partner')
               || '.' || a.slug || '.…)'
      FROM agency a
     WHERE a.id = s.agency_id AND s.channel = 'kafka' AND s.status = 'active'
       AND left(s.kafka_topic, length(coalesce(nullif(current_setting('cdm.partner_topic_prefix', true), ''), 'partner'))
                                + length(a.slug) + 2)
           IS DISTINCT FROM coalesce(nullif(current_setting('cdm.partner_topic_prefix', true), ''), 'partner')
                            || '.' || a.slug || '.'
    RETURNING s.id, s.disabled_reason)
UPDATE delivery d SET state = 'dead', last_error = o.disabled_reason
  FROM outside o WHERE d.subscription_id = o.id AND d.state = 'pending';

-- Of live subscriptions sharing one topic (possible before: one agency could
-- subscribe a topic several times), the oldest keeps it; the others are disabled.
WITH later AS (
    UPDATE subscription s SET status = 'disabled',
           disabled_reason = 'an older subscription of the agency claims the same Kafka topic'
     WHERE s.channel = 'kafka' AND s.status = 'active'
       AND EXISTS (SELECT 1 FROM subscription o WHERE o.kafka_topic = s.kafka_topic
                      AND o.status = 'active' AND (o.created_at, o.id) < (s.created_at, s.id))
    RETURNING s.id, s.disabled_reason)
UPDATE delivery d SET state = 'dead', last_error = l.disabled_reason
  FROM later l WHERE d.subscription_id = l.id AND d.state = 'pending';

-- A topic is claimed once: by one live subscription, whatever the agency.
-- This, not a NOT EXISTS read, is what stops two concurrent claims both winning.
CREATE UNIQUE INDEX subscription_topic_claim ON subscription (kafka_topic)
    WHERE kafka_topic IS NOT NULL AND status = 'active';
