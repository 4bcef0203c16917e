-- Every change to an API key (revocation, a new expiry, scopes, deletion)
-- notifies cdm_key_revoked with the key's id, delivered at commit, so every
-- API replica drops the key from its short-lived key cache at once
-- (api/keycache.c), whichever statement, process or operator made the change.
CREATE FUNCTION api_key_notify_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('cdm_key_revoked', OLD.id::text);
    RETURN NULL;
END $$;

CREATE TRIGGER api_key_changed AFTER UPDATE OR DELETE ON api_key
    FOR EACH ROW EXECUTE FUNCTION api_key_notify_changed();
