/* queries.h — every SQL statement of the services, named and prepared once per connection */
#ifndef CDM_QUERIES_H
#define CDM_QUERIES_H
#include <libpq-fe.h>
#include <stdbool.h>

/* Statement names (the SQL is in queries.c). */
#define Q_ROUND_AREA_INSERT      "round_area_insert"
#define Q_OUTBOX_INSERT          "outbox_insert"
#define Q_INDICATORS_FOR_AREA    "indicators_for_area"
#define Q_OUTBOX_FETCH           "outbox_fetch"
#define Q_OUTBOX_MARK            "outbox_mark"
#define Q_OUTBOX_BACKLOG         "outbox_backlog"
#define Q_PROCESSED_INSERT       "processed_insert"
#define Q_RESPONSE_FOR_APPLY     "response_for_apply"
#define Q_RESPONSE_SET_COUNTED   "response_set_counted"
#define Q_AGGREGATE_APPLY        "aggregate_apply"
#define Q_CONTRIBUTIONS_ADD      "contributions_add"
#define Q_REBUILD_CONTRIBUTIONS  "rebuild_contributions"
#define Q_CONTRIBUTIONS_TAKE     "contributions_take"
#define Q_ROUND_OPEN             "round_open"
#define Q_SNAPSHOT_UPSERT        "snapshot_upsert"

#define Q_KEY_LOOKUP             "key_lookup"
#define Q_AGENCY_INSERT          "agency_insert"
#define Q_AGENCY_LIST            "agency_list"
#define Q_AGENCY_GET             "agency_get"
#define Q_AGENCY_ENSURE          "agency_ensure"
#define Q_KEY_INSERT             "key_insert"
#define Q_KEY_REVOKE             "key_revoke"
#define Q_NEIGHBOURHOODS_EXIST   "neighbourhoods_exist"

#define Q_EVENT_FEED             "event_feed"
#define Q_SUBSCRIPTION_INSERT    "subscription_insert"
#define Q_SUBSCRIPTION_REPLAY    "subscription_replay"
#define Q_SUBSCRIPTION_LIST      "subscription_list"
#define Q_SUBSCRIPTION_GET       "subscription_get"
#define Q_SUBSCRIPTION_DELETE    "subscription_delete"
#define Q_SUBSCRIPTION_ROTATE    "subscription_rotate"
#define Q_DEAD_LETTERS           "dead_letters"
#define Q_DEAD_LETTERS_REDRIVE   "dead_letters_redrive"
#define Q_DELIVERY_FANOUT        "delivery_fanout"
#define Q_DELIVERY_DUE           "delivery_due"
#define Q_DELIVERY_DONE          "delivery_done"
#define Q_DELIVERY_RETRY         "delivery_retry"
#define Q_SUBSCRIPTION_DISABLE   "subscription_disable"
#define Q_DELIVERY_COUNTS        "delivery_counts"
#define Q_SUBSCRIPTION_SCOPE     "subscription_scope"

/* Geography and the programme (queries_geography.c) */
#define Q_GEO_AREA_GET            "geo_area_get"
#define Q_GEO_AREA_LIST           "geo_area_list"
#define Q_GEO_WARD_ID             "geo_ward_id"
#define Q_GEO_AREA_INSERT         "geo_area_insert"
#define Q_GEO_AREA_EXISTING       "geo_area_existing"
#define Q_GEO_AREA_LOCK           "geo_area_lock"
#define Q_GEO_POPULATION_INSERT   "geo_population_insert"
#define Q_GEO_POPULATION_AT       "geo_population_at"
#define Q_GEO_AREA_NEIGHBOURHOODS "geo_area_neighbourhoods"
#define Q_GEO_NBH_INSERT          "geo_nbh_insert"
#define Q_GEO_NBH_BY_CODE        "geo_nbh_by_code"
#define Q_GEO_NBH_AREAS_RESOLVE   "geo_nbh_areas_resolve"
#define Q_GEO_NBH_AREAS_INSERT    "geo_nbh_areas_insert"
#define Q_GEO_NBH_GET             "geo_nbh_get"
#define Q_GEO_NBH_LIST            "geo_nbh_list"
#define Q_GEO_PROGRAMME_INSERT    "geo_programme_insert"
#define Q_GEO_PROGRAMME_SAME      "geo_programme_same"
#define Q_GEO_PROGRAMME_GET       "geo_programme_get"
#define Q_GEO_PROGRAMME_LIST      "geo_programme_list"
#define Q_GEO_PROGRAMME_LOCK      "geo_programme_lock"
#define Q_GEO_PROGRAMME_END       "geo_programme_end"
#define Q_GEO_MILESTONES_INSERT   "geo_milestones_insert"
#define Q_GEO_MILESTONES_CANCEL   "geo_milestones_cancel"
#define Q_GEO_MILESTONE_GET       "geo_milestone_get"
#define Q_GEO_MILESTONE_LIST      "geo_milestone_list"
#define Q_GEO_MILESTONE_LOCK      "geo_milestone_lock"
#define Q_GEO_MILESTONE_COMPLETE  "geo_milestone_complete"
/* The registry of community groups (db/queries_registry.c). */
#define Q_ORG_GET                "org_get"
#define Q_ORG_AREAS              "org_areas"
#define Q_ORG_MISSING_AREA       "org_missing_area"
#define Q_ORG_INSERT             "org_insert"
#define Q_ORG_EXISTING           "org_existing"
#define Q_ORG_LOCK               "org_lock"
#define Q_ORG_REPLACE            "org_replace"
#define Q_ORG_SET_STATUS         "org_set_status"
#define Q_ORG_SET_AREAS          "org_set_areas"
#define Q_ORG_CONTACT_SET        "org_contact_set"
#define Q_ORG_CONTACT_DELETE     "org_contact_delete"
#define Q_ORG_VERSION_INSERT     "org_version_insert"
#define Q_ORG_LIST               "org_list"
#define Q_ORG_HISTORY            "org_history"
#define Q_UPDATE_INSERT          "org_update_insert"
#define Q_UPDATE_EXISTING        "org_update_existing"
#define Q_UPDATE_LIST            "org_update_list"
#define Q_UPDATE_WITHDRAW        "org_update_withdraw"
#define Q_LINK_INSERT            "org_link_insert"
#define Q_LINK_LIVE              "org_link_live"
#define Q_LINK_GET               "org_link_get"
#define Q_LINK_END               "org_link_end"
#define Q_LINK_LIST              "org_link_list"
/* Community issues and agency responses, assets, evidence (queries_community.c). */
#define Q_CMTY_MISSING_NEIGHBOURHOODS    "cmty_missing_neighbourhoods"
#define Q_CMTY_MISSING_AGENCIES          "cmty_missing_agencies"
#define Q_CMTY_ORGANISATION_VISIBLE      "cmty_organisation_visible"
#define Q_ISSUE_INSERT                   "cmty_issue_insert"
#define Q_ISSUE_AGENCY_ADD               "cmty_issue_agency_add"
#define Q_ISSUE_EXISTING                 "cmty_issue_existing"
#define Q_ISSUE_GET                      "cmty_issue_get"
#define Q_ISSUE_LIST                     "cmty_issue_list"
#define Q_ISSUE_LOCK                     "cmty_issue_lock"
#define Q_ISSUE_UPDATE                   "cmty_issue_update"
#define Q_ISSUE_ROUTE                    "cmty_issue_route"
#define Q_ISSUE_RESPONSE_INSERT          "cmty_issue_response_insert"
#define Q_ISSUE_BUMP                     "cmty_issue_bump"
#define Q_ISSUE_RESPONSE_EXISTING        "cmty_issue_response_existing"
#define Q_ISSUE_RESPONSE_GET             "cmty_issue_response_get"
#define Q_ISSUE_RESPONSE_LIST            "cmty_issue_response_list"
#define Q_SPACE_INSERT                   "cmty_space_insert"
#define Q_SPACE_EXISTING                 "cmty_space_existing"
#define Q_SPACE_AREAS_SET                "cmty_space_areas_set"
#define Q_SPACE_LOCK                     "cmty_space_lock"
#define Q_SPACE_UPDATE                   "cmty_space_update"
#define Q_SPACE_GET                      "cmty_space_get"
#define Q_SPACE_LIST                     "cmty_space_list"
#define Q_GRANT_INSERT                   "cmty_grant_insert"
#define Q_GRANT_EXISTING                 "cmty_grant_existing"
#define Q_GRANT_AREAS_SET                "cmty_grant_areas_set"
#define Q_GRANT_LOCK                     "cmty_grant_lock"
#define Q_GRANT_UPDATE                   "cmty_grant_update"
#define Q_GRANT_GET                      "cmty_grant_get"
#define Q_GRANT_LIST                     "cmty_grant_list"
#define Q_CD_INSERT                      "cmty_cd_insert"
#define Q_CD_EXISTING                    "cmty_cd_existing"
#define Q_CD_GET                         "cmty_cd_get"
#define Q_CD_LIST                        "cmty_cd_list"
#define Q_CD_TOTALS                      "cmty_cd_totals"
#define Q_CD_WITHDRAW                    "cmty_cd_withdraw"
#define Q_EVIDENCE_INSERT                "cmty_evidence_insert"
#define Q_EVIDENCE_EXISTING              "cmty_evidence_existing"
#define Q_EVIDENCE_AREAS                 "cmty_evidence_areas"
#define Q_EVIDENCE_GET                   "cmty_evidence_get"
#define Q_EVIDENCE_LIST                  "cmty_evidence_list"
#define Q_EVIDENCE_WITHDRAW              "cmty_evidence_withdraw"
/* instruments: the three survey instruments, rounds, baselines, batches */
#define Q_INSTR_SUBMIT           "instr_submit"
#define Q_INSTR_EXISTING         "instr_existing"
#define Q_INSTR_RESPONSE_VISIBLE "instr_response_visible"
#define Q_INSTR_WITHDRAW         "instr_withdraw"
#define Q_ROUND_CREATE           "round_create"
#define Q_ROUND_READ             "round_read"
#define Q_ROUND_LIST             "round_list"
#define Q_ROUND_CLOSE            "round_close"
#define Q_BASELINE_ROUND         "baseline_round"
#define Q_BASELINE_SET           "baseline_set"
#define Q_BASELINE_MARK          "baseline_mark"
#define Q_ROUND_BUMP             "round_bump"
#define Q_NEIGHBOURHOOD_FOUND    "neighbourhood_found"

/* KPI targets (queries_kpi.c). */
#define Q_KPI_PROGRAMME          "kpi_programme"
#define Q_KPI_INSERT             "kpi_insert"
#define Q_KPI_EXISTING           "kpi_existing"
#define Q_KPI_WITHDRAW           "kpi_withdraw"
#define Q_KPI_LIST               "kpi_list"

/* The clock job (queries_clock.c). */
#define Q_CLOCK_KPI_STATE            "clock_kpi_state"
#define Q_CLOCK_KPI_SET              "clock_kpi_set"
#define Q_CLOCK_MILESTONES           "clock_milestones"
#define Q_CLOCK_MILESTONE_ANNOUNCED  "clock_milestone_announced"

/* Significance alerts (queries_alerts.c). */
#define Q_ALERT_ROUND_CLOSED         "alert_round_closed"
#define Q_ALERT_LOCK                 "alert_lock"
#define Q_ALERT_STATES               "alert_states"
#define Q_ALERT_STATE_SET            "alert_state_set"
#define Q_ALERT_CHECKED              "alert_checked"
#define Q_ALERT_DUE                  "alert_due"
/* cells: ward, breakdown and locality figures, sample adequacy (queries_cells.c) */
#define Q_CELL_APPLY             "cell_apply"
#define Q_WARD_COUNT_ADD         "ward_count_add"
#define Q_CELLS_WARDS            "cells_wards"
#define Q_CELLS_BREAKDOWN        "cells_breakdown"
#define Q_CELLS_LOCALITY         "cells_locality"
/* Dated indicators: registry, assets and agency figures on a date (queries_dated.c). */
#define Q_DATED_CONTEXT              "dated_context"
#define Q_DATED_RAW                  "dated_raw"
#define Q_DATED_RAW_MORE             "dated_raw_more"
#define Q_DATED_PUBLISHED            "dated_published"
#define Q_DATED_PUBLISH              "dated_publish"
#define Q_DATED_TICK_AREAS           "dated_tick_areas"

/* A named statement. Each concern keeps its SQL in its own file (queries.c for
 * the skeleton, queries_<concern>.c for the domain), as an array ending with
 * {NULL, NULL}. */
struct named_sql {
    const char *name;
    const char *sql;
};
extern const struct named_sql geography_statements[], registry_statements[],
    community_statements[], instrument_statements[], kpi_statements[], clock_statements[],
    alert_statements[], cell_statements[], dated_statements[];

/* Prepares every statement on conn. False (with the server's message in
 * err) if one fails: a connection without its statements is not usable. */
bool queries_prepare(PGconn *conn, char *err, size_t errlen);

/* Runs a prepared statement with text parameters. Returns the result, which
 * the caller PQclear()s; never NULL (libpq returns an error result on OOM…
 * and we map a NULL to a fatal-error result for callers' sake). */
PGresult *db_run(PGconn *conn, const char *name, int nparams, const char *const *params);

/* True if r is COMMAND_OK or TUPLES_OK. */
bool db_ok(const PGresult *r);

/* Runs BEGIN / COMMIT / ROLLBACK; true on success. */
bool db_exec(PGconn *conn, const char *sql);

/* The SQLSTATE of a failed result, or "" (static or owned by r). */
const char *db_sqlstate(const PGresult *r);
#endif
