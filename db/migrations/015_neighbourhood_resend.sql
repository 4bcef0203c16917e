-- 015: a neighbourhood is created once per code; the digest of the body that
-- created it lets an identical resend be answered as a replay (200) rather
-- than a conflict. Neighbourhoods created before have none: a resend of one
-- of those is still a conflict.
ALTER TABLE neighbourhood ADD COLUMN body_sha256 bytea;
