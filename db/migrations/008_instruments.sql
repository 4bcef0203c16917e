-- 008: the three instruments in use — rounds that close explicitly, carry a
-- version (for their change events) and record whether their responses are
-- weighted; sector and agency responses beside resident ones.

-- SPEC §3: in a round either every response has a design weight or none has.
-- The first response decides (NULL: no response yet). Claiming it is an
-- UPDATE … WHERE weighted IS NULL, so of two concurrent first submissions one
-- decides and the other, once it has waited for the row lock, sees the
-- decision: nothing else about a round is locked by a submission.
ALTER TABLE survey_round
    ADD COLUMN weighted boolean,
    ADD COLUMN version integer NOT NULL DEFAULT 1 CHECK (version >= 1);
UPDATE survey_round r SET weighted = s.any_weight
  FROM (SELECT round_id, bool_or(weight IS NOT NULL) AS any_weight
          FROM survey_response GROUP BY round_id) s
 WHERE s.round_id = r.id;

CREATE INDEX survey_response_by_org ON survey_response (organisation_id)
    WHERE organisation_id IS NOT NULL;
