-- 011: what the clock job has announced, so that each time-driven change is
-- an event once: a KPI's last announced status, and a milestone's overdue
-- and completed announcements.
CREATE TABLE kpi_state (
    kpi_id     uuid PRIMARY KEY REFERENCES kpi_target(id),
    status     text NOT NULL CHECK (status IN ('no_data', 'met', 'missed', 'at_risk', 'on_track')),
    changed_on date NOT NULL
);
CREATE TABLE milestone_announcement (
    milestone_id uuid NOT NULL REFERENCES milestone(id),
    what         text NOT NULL CHECK (what IN ('overdue', 'completed')),
    announced_on date NOT NULL,
    PRIMARY KEY (milestone_id, what)
);
