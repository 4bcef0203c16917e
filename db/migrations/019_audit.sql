-- 019: the audit trail. One row per privileged action (agency, key,
-- subscription, secret rotation, round close or freeze, baseline change,
-- withdrawal) and per read of contact details: who (agency, key prefix), the
-- request, what, on which object, for which agency. Append-only: no
-- statement of the services updates or deletes it, and a trigger refuses it
-- to anyone else; no retention prunes it.
CREATE TABLE audit_log (
    seq          bigserial PRIMARY KEY,
    at           timestamptz NOT NULL DEFAULT now(),
    agency_id    uuid,          -- the actor's agency; NULL: the service itself (the clock)
    key_prefix   text NOT NULL, -- the actor's key prefix; 'clock' for the clock
    request_id   text,          -- the API request, NULL for the clock
    action       text NOT NULL CHECK (action ~ '^[a-z_]+\.[a-z_]+$'),
    entity       text NOT NULL,
    entity_id    text NOT NULL,
    owner_agency uuid           -- the agency the object belongs to, when it belongs to one
);
CREATE INDEX audit_log_by_agency ON audit_log (agency_id, seq);
CREATE INDEX audit_log_by_owner ON audit_log (owner_agency, seq);

CREATE FUNCTION audit_log_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse();
