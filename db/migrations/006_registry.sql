-- 006: the registry's client ids. An organisation is created with a
-- client-generated id; the digest of the body it was created with tells a
-- resend (same body: replayed) from a different create under the same id
-- (409). Organisations written before this migration have none.
ALTER TABLE organisation ADD COLUMN create_sha256 bytea;

-- Lists page by (lower(name), id) within the caller's neighbourhoods, and
-- updates and links are read per organisation.
CREATE INDEX organisation_update_by_org_page ON organisation_update (organisation_id, occurred_on, id);
CREATE INDEX organisation_link_by_a ON organisation_link (org_a);
