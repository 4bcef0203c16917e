-- 009: the indicator engine folds a batch of responses into an aggregate at
-- once; `version` counts those changes, so the indicator.updated event of
-- each change has an id of its own (derived from it) that a redelivered
-- batch derives again, identical.
ALTER TABLE indicator_aggregate ADD COLUMN version bigint NOT NULL DEFAULT 1;
