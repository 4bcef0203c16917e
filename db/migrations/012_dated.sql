-- 012: dated indicators (registry, assets, agency). Their figures are
-- computed from the rows on a date; what is stored here is only what the
-- engine needs to judge and announce them: an organisation's status on a
-- date (from its status-change updates), KPI targets that may exceed 1 for
-- counts and rates, and the value last published per (indicator,
-- neighbourhood), so that indicator.updated goes out only when it moved.

-- An organisation's status on date d: the latest status change on or before
-- d; before its first change, the status that change started from; without
-- changes, its current status. Founded after d: not yet there (NULL).
CREATE FUNCTION organisation_status_on(org uuid, d date) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN o.founded_on > d THEN NULL ELSE coalesce(
        (SELECT u.status_to FROM organisation_update u
          WHERE u.organisation_id = o.id AND u.kind = 'status_change'
            AND u.withdrawn_at IS NULL AND u.occurred_on <= d
          ORDER BY u.occurred_on DESC, u.created_at DESC LIMIT 1),
        (SELECT u.status_from FROM organisation_update u
          WHERE u.organisation_id = o.id AND u.kind = 'status_change'
            AND u.withdrawn_at IS NULL AND u.occurred_on > d
          ORDER BY u.occurred_on, u.created_at LIMIT 1),
        o.status) END
    FROM organisation o WHERE o.id = org
$$;

CREATE INDEX organisation_update_status_changes ON organisation_update (organisation_id, occurred_on)
    WHERE kind = 'status_change';
-- Agency reports count per neighbourhood (services_modified).
CREATE INDEX survey_response_agency_by_area ON survey_response (neighbourhood_id)
    WHERE instrument = 'agency';

-- Counts and rates take targets above 1; proportions keep 0..1 (checked in C,
-- which knows each indicator's unit).
ALTER TABLE kpi_target DROP CONSTRAINT kpi_target_target_check;
ALTER TABLE kpi_target ADD CONSTRAINT kpi_target_target_check CHECK (target >= 0);

-- The value of each dated indicator last announced for a neighbourhood (NULL:
-- announced as having no value), and on which date.
CREATE TABLE dated_published (
    indicator        text NOT NULL,
    neighbourhood_id uuid NOT NULL REFERENCES neighbourhood(id),
    value            double precision,
    published_on     date NOT NULL,
    event_id         uuid NOT NULL,
    PRIMARY KEY (indicator, neighbourhood_id)
);
