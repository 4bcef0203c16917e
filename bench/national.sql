-- A generated national-scale data set for `make bench`: :wards areas (one
-- ward each) of a resident round with :per_ward responses each, random
-- answers to the questions the resident indicators read. Counted by nobody
-- yet: the rebuild classifies them all.
INSERT INTO neighbourhood (code, name, population, wave)
SELECT 'nat-' || g, 'National ward ' || g, 6500, 1 FROM generate_series(1, :wards) g;
-- one ward per neighbourhood, and respondents with an age band and a sex,
-- so that the rebuild makes the ward and breakdown cells too
INSERT INTO area (code, kind, name)
SELECT 'E05' || lpad(g::text, 6, '0'), 'ward', 'National ward ' || g FROM generate_series(1, :wards) g;
INSERT INTO neighbourhood_area (neighbourhood_id, area_id)
SELECT n.id, a.id FROM neighbourhood n JOIN area a ON a.code = 'E05' || lpad(substr(n.code, 5), 6, '0')
WHERE n.code LIKE 'nat-%';
INSERT INTO survey_round (id, instrument, name, fieldwork_start, fieldwork_end)
VALUES ('00000000-0000-4000-8000-0000000a7105', 'resident', 'National bench round', current_date - 30, current_date + 30);
INSERT INTO survey_round_area (round_id, neighbourhood_id, instrument, is_baseline)
SELECT '00000000-0000-4000-8000-0000000a7105', id, 'resident', true FROM neighbourhood WHERE code LIKE 'nat-%';
INSERT INTO survey_response (id, round_id, neighbourhood_id, instrument, answers, body_sha256, counted,
                             area_id, respondent)
SELECT gen_random_uuid(), '00000000-0000-4000-8000-0000000a7105', n.id, 'resident',
       jsonb_build_object(
         'q01', (ARRAY['yes', 'no', 'no', 'dont_know'])[1 + floor(random() * 4)::int],
         'q02', (ARRAY['yes', 'no', 'no', 'no'])[1 + floor(random() * 4)::int],
         'q04', (ARRAY['yes', 'no', 'no', 'dont_know'])[1 + floor(random() * 4)::int],
         'q07', (ARRAY['yes', 'no'])[1 + floor(random() * 2)::int],
         'q08', (ARRAY['yes', 'no'])[1 + floor(random() * 2)::int],
         'q11', (ARRAY['none', 'one_or_two', 'three_to_five', 'six_or_more'])[1 + floor(random() * 4)::int],
         'q12', (ARRAY['definitely_agree', 'tend_to_agree', 'tend_to_disagree', 'dont_know'])[1 + floor(random() * 4)::int],
         'q14', (ARRAY['strongly_agree', 'agree', 'neither', 'disagree'])[1 + floor(random() * 4)::int],
         'q19', (ARRAY['yes', 'no'])[1 + floor(random() * 2)::int],
         'q22', (ARRAY['yes', 'no'])[1 + floor(random() * 2)::int],
         'q23a', (ARRAY['yes', 'no', 'no'])[1 + floor(random() * 3)::int],
         'q29', (ARRAY['yes', 'no', 'no'])[1 + floor(random() * 3)::int]),
       '\x00', false, na.area_id,
       jsonb_build_object(
         'ageBand', (ARRAY['16-24', '25-34', '35-44', '45-54', '55-64', '65-74', '75+'])[1 + floor(random() * 7)::int],
         'sex', (ARRAY['female', 'male'])[1 + floor(random() * 2)::int])
FROM neighbourhood n JOIN neighbourhood_area na ON na.neighbourhood_id = n.id CROSS JOIN generate_series(1, :per_ward)
WHERE n.code LIKE 'nat-%';
ANALYZE;
