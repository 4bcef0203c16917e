-- 010: KPI targets. A commissioner sets, per neighbourhood, an indicator, the
-- value to reach and the programme month by which (handbook figure 2:
-- active_in_community from 7% to 12% by month 24). The status is derived
-- from the figures whenever it is read, so it cannot go stale.
CREATE TABLE kpi_target (
    id               uuid PRIMARY KEY,
    neighbourhood_id uuid NOT NULL REFERENCES neighbourhood(id),
    indicator        text NOT NULL,
    target           double precision NOT NULL CHECK (target >= 0 AND target <= 1),
    due_month        smallint NOT NULL CHECK (due_month BETWEEN 1 AND 600),
    body_sha256      bytea NOT NULL,
    supplied_by_agency uuid REFERENCES agency(id),
    supplied_by_key    uuid REFERENCES api_key(id),
    supplied_as_evaluator boolean NOT NULL DEFAULT false,
    created_at       timestamptz NOT NULL DEFAULT now(),
    withdrawn_at     timestamptz
);
-- One live target per indicator and due month in a neighbourhood.
CREATE UNIQUE INDEX kpi_target_one_live ON kpi_target (neighbourhood_id, indicator, due_month)
    WHERE withdrawn_at IS NULL;
