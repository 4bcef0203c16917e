/* queries_dated.c — the SQL of dated indicators: registry, assets and agency figures on a date */
#include "queries.h"

/* The first day of the 12 months up to `on` (both ends included). */
#define PERIOD_AFTER(on) "(" on " - interval '1 year')"

const struct named_sql dated_statements[] = {
    DB_STATEMENT(DATED_CONTEXT,
     /* For neighbourhood $1 (one row; none: no such neighbourhood), or for the
      * locality ($1 NULL): the baseline date (end of fieldwork of its resident
      * baseline round; none for the locality) and the programme's start (the
      * earliest programme's for the locality). */
     "SELECT b.fieldwork_end::text AS baseline_on, p.start_date::text AS programme_start"
     " FROM neighbourhood n"
     " LEFT JOIN programme p ON p.id = n.programme_id"
     " LEFT JOIN LATERAL (SELECT r.fieldwork_end FROM survey_round_area a"
     "  JOIN survey_round r ON r.id = a.round_id WHERE a.neighbourhood_id = n.id"
     "  AND a.instrument = 'resident' AND a.is_baseline) b ON true WHERE n.id = $1"
     " UNION ALL SELECT NULL, (SELECT min(start_date)::text FROM programme) WHERE $1::uuid IS NULL"),
    DB_STATEMENT(DATED_RAW,
     /* What every dated indicator of neighbourhood $1 (NULL: the whole
      * locality, each organisation, space or issue once) is computed from, on
      * each date of $2 (date[]), one row per date in that order: the date,
      * the period start (12 months to the date, both ends included), the
      * population on the date (NULL: unknown), volunteer hours of activity
      * updates in the period, volunteers of active organisations, functioning
      * community groups, active organisations, of those the ones of known
      * income and those with income <= £10k (community_sector), distinct
      * themes, live links among the active (pairs), hubs, community groups
      * founded in the period. The assets and agency counts: Q_DATED_RAW_MORE.
      * An organisation is active on a date by organisation_status_on (012). */
     "SELECT d.on_date::text AS on_date,"
     " (" PERIOD_AFTER("d.on_date") " + interval '1 day')::date::text AS period_start,"
     " pop.population, reg.*"
     " FROM unnest($2::date[]) WITH ORDINALITY AS d(on_date, k)"
     " CROSS JOIN LATERAL (SELECT CASE WHEN $1::uuid IS NULL THEN"
     "   (SELECT CASE WHEN count(*) > 0 AND count(f.population) = count(*)"
     "     THEN sum(f.population) END FROM area a"
     "    LEFT JOIN LATERAL (SELECT ap.population FROM area_population ap WHERE ap.area_id = a.id"
     "     AND ap.valid_from <= d.on_date ORDER BY ap.valid_from DESC LIMIT 1) f ON true"
     "    WHERE a.kind = 'ward')"
     "  ELSE (SELECT CASE WHEN count(x.area_id) = 0 THEN max(n.population)"
     "     WHEN count(f.population) = count(x.area_id) THEN sum(f.population) END"
     "    FROM neighbourhood n LEFT JOIN neighbourhood_area x ON x.neighbourhood_id = n.id"
     "    LEFT JOIN LATERAL (SELECT ap.population FROM area_population ap"
     "     WHERE ap.area_id = x.area_id AND ap.valid_from <= d.on_date"
     "     ORDER BY ap.valid_from DESC LIMIT 1) f ON true WHERE n.id = $1) END AS population) pop"
     " CROSS JOIN LATERAL (WITH served AS (SELECT o.id, o.kind, o.founded_on, o.themes,"
     "   o.income_band, o.volunteers, o.is_hub, o.open_to_residents,"
     "   organisation_status_on(o.id, d.on_date) AS status FROM organisation o"
     "   WHERE $1::uuid IS NULL OR EXISTS (SELECT 1 FROM organisation_neighbourhood x"
     "    WHERE x.organisation_id = o.id AND x.neighbourhood_id = $1)),"
     "  active AS (SELECT * FROM served WHERE status = 'active')"
     "  SELECT (SELECT coalesce(sum(u.volunteer_hours), 0) FROM organisation_update u"
     "    JOIN served s ON s.id = u.organisation_id WHERE u.kind = 'activity'"
     "    AND u.withdrawn_at IS NULL AND u.occurred_on > " PERIOD_AFTER("d.on_date")
     "    AND u.occurred_on <= d.on_date)::text AS volunteer_hours,"
     "   (SELECT coalesce(sum(a.volunteers), 0) FROM active a) AS volunteers,"
     "   (SELECT count(*) FROM active a WHERE a.kind IN ('community_group', 'overlap')"
     "    AND a.open_to_residents AND EXISTS (SELECT 1 FROM organisation_contact c"
     "    WHERE c.organisation_id = a.id)) AS groups_functioning,"
     "   (SELECT count(*) FROM active) AS active,"
     "   (SELECT count(a.income_band) FROM active a) AS income_known,"
     "   (SELECT count(*) FROM active a WHERE a.income_band IN ('none', 'under_5k', '5k_10k'))"
     "    AS community_sector,"
     "   (SELECT count(DISTINCT t) FROM active a, unnest(a.themes) t) AS themes,"
     "   (SELECT count(DISTINCT (l.org_a, l.org_b)) FROM organisation_link l"
     "    WHERE l.since <= d.on_date AND (l.ended_on IS NULL OR l.ended_on > d.on_date)"
     "    AND l.org_a IN (SELECT id FROM active) AND l.org_b IN (SELECT id FROM active)) AS links,"
     "   (SELECT count(*) FROM active a WHERE a.is_hub) AS hubs,"
     "   (SELECT count(*) FROM served s WHERE s.kind IN ('community_group', 'overlap')"
     "    AND s.founded_on > " PERIOD_AFTER("d.on_date") " AND s.founded_on <= d.on_date)"
     "    AS new_groups) reg ORDER BY d.k"),
    DB_STATEMENT(DATED_RAW_MORE,
     /* The rest of Q_DATED_RAW's columns (one statement would pass C's
      * string limit), for the same $1 and $2: free or low-cost meeting
      * spaces available, open grant schemes, cd input hours of the period's
      * months, services modified in the period, issues at least 28 days old
      * (issues_due), of those the ones answered within 28 days (in_time),
      * median days to first response. */
     "SELECT ast.*, agy.* FROM unnest($2::date[]) WITH ORDINALITY AS d(on_date, k)"
     " CROSS JOIN LATERAL (SELECT (SELECT count(*) FROM meeting_space m"
     "    WHERE m.cost IN ('free', 'low') AND m.available_from <= d.on_date"
     "    AND (m.available_to IS NULL OR m.available_to >= d.on_date)"
     "    AND ($1::uuid IS NULL OR EXISTS (SELECT 1 FROM meeting_space_neighbourhood x"
     "     WHERE x.meeting_space_id = m.id AND x.neighbourhood_id = $1))) AS spaces,"
     "   (SELECT count(*) FROM grant_scheme g WHERE g.opens_on <= d.on_date"
     "    AND (g.closes_on IS NULL OR g.closes_on >= d.on_date)"
     "    AND ($1::uuid IS NULL OR EXISTS (SELECT 1 FROM grant_scheme_neighbourhood x"
     "     WHERE x.grant_scheme_id = g.id AND x.neighbourhood_id = $1))) AS grants,"
     "   (SELECT coalesce(sum(c.hours), 0) FROM cd_input c WHERE c.withdrawn_at IS NULL"
     "    AND c.month > " PERIOD_AFTER("d.on_date") " AND c.month <= d.on_date"
     "    AND ($1::uuid IS NULL OR c.neighbourhood_id = $1))::text AS cd_hours) ast"
     " CROSS JOIN LATERAL (WITH issues AS (SELECT i.raised_on, (SELECT min(r.responded_on)"
     "    FROM issue_response r WHERE r.issue_id = i.id AND r.responded_on <= d.on_date) AS first_on"
     "   FROM community_issue i WHERE i.status <> 'withdrawn' AND i.raised_on <= d.on_date - 28"
     "   AND ($1::uuid IS NULL OR i.neighbourhood_id = $1))"
     "  SELECT (SELECT coalesce(sum((s.answers->'servicesModified'->>'count')::int), 0)"
     "    FROM survey_response s WHERE s.instrument = 'agency' AND s.withdrawn_at IS NULL"
     "    AND (s.answers->'period'->>'to')::date > " PERIOD_AFTER("d.on_date")
     "    AND (s.answers->'period'->>'to')::date <= d.on_date"
     "    AND ($1::uuid IS NULL OR s.neighbourhood_id = $1))"
     "   + (SELECT count(*) FROM issue_response r JOIN community_issue i ON i.id = r.issue_id"
     "    WHERE r.kind = 'service_modified' AND i.status <> 'withdrawn'"
     "    AND r.responded_on > " PERIOD_AFTER("d.on_date") " AND r.responded_on <= d.on_date"
     "    AND ($1::uuid IS NULL OR i.neighbourhood_id = $1)) AS services,"
     "   (SELECT count(*) FROM issues) AS issues_due,"
     "   (SELECT count(*) FROM issues WHERE first_on <= raised_on + 28) AS in_time,"
     "   (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY first_on - raised_on)"
     "    FROM issues WHERE first_on IS NOT NULL) AS median_days) agy"
     " ORDER BY d.k"),
    {NULL, NULL, 0, 0, NULL},
};
