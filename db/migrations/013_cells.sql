-- 013: survey figures per cell — ward, neighbourhood and locality, as a whole
-- and by age band and sex (SPEC §3, levels) — and sample adequacy per ward.
--
-- Design: indicator_aggregate stays the (neighbourhood, all) cell. Its rows
-- are what indicator.updated, snapshots, KPIs and the other engines already
-- read, so keeping it untouched keeps those paths and their event ids as they
-- are. Every other stored cell goes to indicator_cell, with the same exact
-- NUMERIC sums and the same fold (one statement per batch):
--   ward/all           a resident response with a known ward (its ward, or its
--                      LSOA's ward)
--   neighbourhood/age_band, neighbourhood/sex   where the respondent said
--   locality/all       sector responses (a sector round is locality-wide)
-- Resident locality figures are not stored: a locality row would be one hot
-- row that every worker updates (SPEC §7), so they are summed at read time
-- from the neighbourhood cells (a resident response has exactly one
-- neighbourhood, so that sum is exact). Ward cells are not broken down by age
-- and sex: the API does not publish them and most would be suppressed.
CREATE TABLE indicator_cell (
    indicator       text NOT NULL,
    round_id        uuid NOT NULL REFERENCES survey_round(id),
    level           text NOT NULL CHECK (level IN ('ward', 'neighbourhood', 'locality')),
    -- the ward's area id, the neighbourhood's id, or the nil uuid (locality)
    area_key        uuid NOT NULL,
    breakdown_by    text NOT NULL CHECK (breakdown_by IN ('all', 'age_band', 'sex')),
    breakdown_group text NOT NULL,           -- '' for all
    n_raw           bigint NOT NULL DEFAULT 0 CHECK (n_raw >= 0),
    sum_w           numeric NOT NULL DEFAULT 0,
    sum_w2          numeric NOT NULL DEFAULT 0,
    sum_wy          numeric NOT NULL DEFAULT 0,
    version         bigint NOT NULL DEFAULT 1,
    PRIMARY KEY (indicator, round_id, level, area_key, breakdown_by, breakdown_group),
    CHECK ((breakdown_by = 'all') = (breakdown_group = ''))
);
CREATE INDEX indicator_cell_by_area ON indicator_cell (level, area_key, round_id);

-- The cells a counted response went to, fixed when it is counted: a
-- withdrawal subtracts from exactly these, even if the area's ward or the
-- respondent's facts were edited in between (neither can be today).
ALTER TABLE survey_response
    ADD COLUMN cell_ward_id   uuid REFERENCES area(id),
    ADD COLUMN cell_age_band  text,
    ADD COLUMN cell_sex       text;

-- Live (counted, not withdrawn) resident responses per ward and round, for
-- sample adequacy (SPEC §3: at least 300 per ward and round) and the
-- locality's coverage rule.
CREATE TABLE ward_round_count (
    ward_id   uuid NOT NULL REFERENCES area(id),
    round_id  uuid NOT NULL REFERENCES survey_round(id),
    responses bigint NOT NULL DEFAULT 0 CHECK (responses >= 0),
    PRIMARY KEY (ward_id, round_id)
);
CREATE INDEX ward_round_count_by_round ON ward_round_count (round_id);

-- sample.adequate is announced once per (ward, round), the first time the
-- ward reaches 300: a later drop under 300 and climb back announces nothing
-- (subscribers learn that fieldwork reached the target; the ward figures
-- always say whether the sample is adequate now). A rebuild keeps this table.
CREATE TABLE sample_adequate_announced (
    ward_id      uuid NOT NULL REFERENCES area(id),
    round_id     uuid NOT NULL REFERENCES survey_round(id),
    announced_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (ward_id, round_id)
);
