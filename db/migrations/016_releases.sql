-- 016: releases. What partners see of a survey figure is a stored release,
-- never a live sum (README, Statistics: the release rule). A round freezes
-- when closed explicitly or once its late syncs are over; before the freeze
-- only neighbourhood totals are released, at most once a day, lagged,
-- perturbed and far enough from every earlier release; at the freeze every
-- level and cell once, exact; after it, a revision only when every changed
-- cell of the (round, neighbourhood) moved by at least 10.

-- The last date a round takes responses (the later of its fieldwork end and
-- its creation, plus CDM_LATE_SYNC_DAYS), and when it froze.
ALTER TABLE survey_round
    ADD COLUMN frozen_at timestamptz,
    ADD COLUMN late_sync_until date,
    ADD COLUMN exact_released_at timestamptz, -- when its one exact release was made
    -- whether it covered the locality then: fixed with the exact release, so
    -- that which cells are withheld cannot change with the area register later
    ADD COLUMN locality_covered boolean;
UPDATE survey_round SET frozen_at = closed_at WHERE closed_at IS NOT NULL;
-- Rounds from before this migration take the default CDM_LATE_SYNC_DAYS (14):
-- a migration does not read the services' configuration.
UPDATE survey_round SET late_sync_until = greatest(fieldwork_end, created_at::date) + 14;
ALTER TABLE survey_round ALTER COLUMN late_sync_until SET NOT NULL;
-- A round inserted without it (the API always gives it, from CDM_LATE_SYNC_DAYS)
-- takes the default 14 days, as above: any inserter gets a round that freezes.
CREATE FUNCTION survey_round_late_sync_default() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.late_sync_until := coalesce(NEW.late_sync_until,
                                    greatest(NEW.fieldwork_end, current_date) + 14);
    RETURN NEW;
END $$;
CREATE TRIGGER survey_round_late_sync BEFORE INSERT ON survey_round
    FOR EACH ROW EXECUTE FUNCTION survey_round_late_sync_default();

-- The cell-key method (ABS TableBuilder; ONS 2021 Census): each response
-- draws a random record key once; a figure's cell key is the sum of its
-- members' keys modulo 256, so the same members always get the same
-- perturbation, on every read and in every channel. Byte 0 of a version 4
-- UUID is random. Never published.
ALTER TABLE survey_response ADD COLUMN record_key smallint NOT NULL
    DEFAULT get_byte(uuid_send(gen_random_uuid()), 0) CHECK (record_key BETWEEN 0 AND 255);

-- changes counts every addition and withdrawal folded into a figure (it only
-- grows): a state of the figure is named by it. n_yes (raw y = 1), key_n and
-- key_y (sums of record keys over the base and over y = 1) feed the
-- perturbation.
ALTER TABLE indicator_aggregate
    ADD COLUMN changes bigint NOT NULL DEFAULT 0,
    ADD COLUMN n_yes bigint NOT NULL DEFAULT 0,
    ADD COLUMN key_n bigint NOT NULL DEFAULT 0,
    ADD COLUMN key_y bigint NOT NULL DEFAULT 0;
ALTER TABLE indicator_cell ADD COLUMN changes bigint NOT NULL DEFAULT 0;
UPDATE indicator_aggregate g SET changes = g.n_raw, n_yes = c.yes, key_n = c.kn, key_y = c.ky
  FROM (SELECT c.indicator, r.neighbourhood_id, r.round_id, sum(c.y) AS yes,
               sum(r.record_key) AS kn, sum(r.record_key * c.y) AS ky
          FROM response_contribution c JOIN survey_response r ON r.id = c.response_id
         WHERE r.instrument = 'resident' GROUP BY 1, 2, 3) c
 WHERE c.indicator = g.indicator AND c.neighbourhood_id = g.neighbourhood_id
   AND c.round_id = g.round_id;
UPDATE indicator_cell SET changes = n_raw;

-- Who was in a neighbourhood figure's base between which states: added_at
-- and removed_at are the figure's `changes` after the batch that added or
-- withdrew the response (NULL / -1 until that batch folds). No answer is
-- kept here: a withdrawal takes the answer out of response_contribution at
-- once; this is what the provisional release rule needs to know which
-- members earlier releases shared.
CREATE TABLE contribution_ledger (
    indicator        text NOT NULL,
    neighbourhood_id uuid NOT NULL REFERENCES neighbourhood(id),
    round_id         uuid NOT NULL REFERENCES survey_round(id),
    response_id      uuid NOT NULL REFERENCES survey_response(id),
    added_at         bigint,
    removed_at       bigint,
    PRIMARY KEY (response_id, indicator)
);
CREATE INDEX contribution_ledger_by_figure
    ON contribution_ledger (indicator, neighbourhood_id, round_id, added_at);
CREATE INDEX contribution_ledger_pending ON contribution_ledger (indicator, neighbourhood_id, round_id)
    WHERE added_at IS NULL OR removed_at = -1;
INSERT INTO contribution_ledger (indicator, neighbourhood_id, round_id, response_id, added_at)
SELECT c.indicator, r.neighbourhood_id, r.round_id, r.id, g.changes
  FROM response_contribution c JOIN survey_response r ON r.id = c.response_id
  JOIN indicator_aggregate g ON g.indicator = c.indicator
   AND g.neighbourhood_id = r.neighbourhood_id AND g.round_id = r.round_id
 WHERE r.instrument = 'resident';

-- Each state a neighbourhood figure passed through (one per batch that moved
-- it) while its round is not frozen, so that a provisional release can show
-- the state as it was 10 changes before the newest. Internal; dropped with
-- the ledger rows once a round's exact release is made.
CREATE TABLE aggregate_state (
    indicator        text NOT NULL,
    neighbourhood_id uuid NOT NULL REFERENCES neighbourhood(id),
    round_id         uuid NOT NULL REFERENCES survey_round(id),
    changes          bigint NOT NULL,
    n_raw            bigint NOT NULL,
    n_yes            bigint NOT NULL,
    sum_w            numeric NOT NULL,
    sum_w2           numeric NOT NULL,
    sum_wy           numeric NOT NULL,
    key_n            bigint NOT NULL,
    key_y            bigint NOT NULL,
    PRIMARY KEY (indicator, neighbourhood_id, round_id, changes)
);
INSERT INTO aggregate_state
SELECT indicator, neighbourhood_id, round_id, changes, n_raw, n_yes, sum_w, sum_w2, sum_wy,
       key_n, key_y FROM indicator_aggregate;

-- The releases. A figure is (round, level, area, breakdown, group,
-- indicator); its releases are numbered from 1. The sums are what is
-- published: perturbed for a provisional release, exact for the final one
-- and its revisions. state_changes names the state shown (the figure's
-- `changes` then). Nothing here is ever updated or deleted (figure_current
-- below holds the latest of each).
CREATE TABLE figure_release (
    round_id        uuid NOT NULL REFERENCES survey_round(id),
    level           text NOT NULL CHECK (level IN ('ward', 'neighbourhood', 'locality')),
    area_key        uuid NOT NULL,
    breakdown_by    text NOT NULL CHECK (breakdown_by IN ('all', 'age_band', 'sex')),
    breakdown_group text NOT NULL,
    indicator       text NOT NULL,
    release_no      integer NOT NULL CHECK (release_no >= 1),
    kind            text NOT NULL CHECK (kind IN ('provisional', 'final', 'revision')),
    state_changes   bigint NOT NULL,
    n_raw           bigint NOT NULL CHECK (n_raw >= 0),
    sum_w           numeric NOT NULL,
    sum_w2          numeric NOT NULL,
    sum_wy          numeric NOT NULL,
    released_on     date NOT NULL,
    released_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (round_id, level, area_key, breakdown_by, breakdown_group, indicator, release_no)
);
CREATE INDEX figure_release_by_area ON figure_release (level, area_key, round_id);

-- The latest release of each figure: what every reader shows. Written by the
-- statement that makes the release (a copy of its row), so that a read is one
-- probe of its key rather than a pass over every release ever made.
CREATE TABLE figure_current (LIKE figure_release INCLUDING DEFAULTS INCLUDING CONSTRAINTS,
    PRIMARY KEY (round_id, level, area_key, breakdown_by, breakdown_group, indicator));
CREATE INDEX figure_current_by_area ON figure_current (level, area_key, round_id);
CREATE VIEW figure_latest AS SELECT * FROM figure_current;

-- Rounds closed before this migration are frozen; their exact release is
-- made by the workers' next tick (figure_release is empty until then).

-- The latest release of each neighbourhood total, and of each cell (ward,
-- breakdown, the locality's sector cells): what the figure reads join.
CREATE VIEW released_total AS
SELECT round_id, area_key AS neighbourhood_id, indicator, release_no, kind, n_raw, sum_w,
       sum_w2, sum_wy, released_at
  FROM figure_latest WHERE level = 'neighbourhood' AND breakdown_by = 'all';
CREATE VIEW released_cell AS
SELECT * FROM figure_latest WHERE NOT (level = 'neighbourhood' AND breakdown_by = 'all');

-- Published figures come from releases; the per-aggregate snapshot goes.
DROP TABLE indicator_snapshot;

-- The exact release made at a round's freeze: what cell suppression runs on,
-- so that its pattern holds for every revision.
CREATE VIEW final_release AS SELECT * FROM figure_release WHERE kind = 'final';

-- The ward of each neighbourhood's areas: a ward itself, or an LSOA's ward.
-- An LSOA whose ward is not known has none here.
CREATE VIEW neighbourhood_ward AS
SELECT * FROM (SELECT DISTINCT na.neighbourhood_id,
                      CASE WHEN x.kind = 'ward' THEN x.id ELSE x.ward_id END AS ward
                 FROM neighbourhood_area na JOIN area x ON x.id = na.area_id) w
 WHERE ward IS NOT NULL;

-- The resident rounds that cover the locality: every ward of the area
-- register (the locality's geography) has at least one live response in it.
CREATE VIEW locality_round AS
SELECT r.id AS round_id FROM survey_round r
 WHERE r.instrument = 'resident' AND EXISTS (SELECT 1 FROM area z WHERE z.kind = 'ward')
   AND NOT EXISTS (SELECT 1 FROM area z WHERE z.kind = 'ward' AND NOT EXISTS (
        SELECT 1 FROM ward_round_count k WHERE k.ward_id = z.id AND k.round_id = r.id
           AND k.responses > 0));

-- The wards of each neighbourhood as they stood at a round's exact release
-- (for the wards with cells in it): which neighbourhood alone contains a ward,
-- and which wards two share, decide the round's cell suppression, so they are
-- fixed with it. Filled by RELEASE_FINAL.
CREATE TABLE round_ward (
    round_id         uuid NOT NULL REFERENCES survey_round(id),
    ward             uuid NOT NULL REFERENCES area(id),
    neighbourhood_id uuid NOT NULL REFERENCES neighbourhood(id),
    PRIMARY KEY (round_id, ward, neighbourhood_id)
);
