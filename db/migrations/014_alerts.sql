-- 014: significance alerts. What was last announced of each indicator of a
-- neighbourhood in a closed round, so that each change of significance
-- against the baseline (becoming significant, flipping direction, ceasing to
-- be significant) is an indicator.significant_change event once; the counter
-- numbers the announcements, so a later return derives a new event id.
CREATE TABLE indicator_alert_state (
    neighbourhood_id uuid NOT NULL REFERENCES neighbourhood(id),
    round_id         uuid NOT NULL REFERENCES survey_round(id),
    indicator        text NOT NULL,
    significant      boolean NOT NULL,
    movement         text CHECK (movement IN ('up', 'down')),
    announcements    integer NOT NULL CHECK (announcements >= 1),
    changed_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (neighbourhood_id, round_id, indicator)
);
-- The (round, neighbourhood) pairs evaluated since their round closed: the
-- clock job evaluates each pair whose round closed by date (or explicitly)
-- once, and only those it has not seen.
CREATE TABLE alert_round_checked (
    round_id         uuid NOT NULL REFERENCES survey_round(id),
    neighbourhood_id uuid NOT NULL REFERENCES neighbourhood(id),
    checked_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (round_id, neighbourhood_id)
);
