-- 007: community issues, assets and evidence — what their endpoints need
-- beyond 004: client-id resends of meeting spaces and grant schemes (the
-- digest of the first body, to tell a resend from a different record), the
-- indexes their lists filter on, and the neighbourhoods a piece of evidence
-- concerns (its own, its group's, its issue's), which decide who sees it.

ALTER TABLE meeting_space ADD COLUMN body_sha256 bytea;
ALTER TABLE grant_scheme ADD COLUMN body_sha256 bytea;

CREATE INDEX meeting_space_neighbourhood_by_area ON meeting_space_neighbourhood (neighbourhood_id);
CREATE INDEX grant_scheme_neighbourhood_by_area ON grant_scheme_neighbourhood (neighbourhood_id);
CREATE INDEX community_issue_agency_by_agency ON community_issue_agency (agency_id);
CREATE INDEX evidence_by_collected ON evidence (collected_on, id);
CREATE INDEX evidence_by_organisation ON evidence (organisation_id);
CREATE INDEX evidence_by_issue ON evidence (issue_id);

CREATE FUNCTION evidence_neighbourhoods(area uuid, org uuid, issue uuid) RETURNS uuid[]
LANGUAGE sql STABLE AS $$
    SELECT coalesce(array_agg(DISTINCT x ORDER BY x), '{}') FROM (
        SELECT area
        UNION ALL SELECT neighbourhood_id FROM organisation_neighbourhood WHERE organisation_id = org
        UNION ALL SELECT neighbourhood_id FROM community_issue WHERE id = issue) s(x)
    WHERE x IS NOT NULL
$$;
