/* record_events.h — the record.created / .updated / .withdrawn events of a record's versions */
#ifndef CDM_RECORD_EVENTS_H
#define CDM_RECORD_EVENTS_H
#include "http.h"

/* Entities whose changes are events on cdm.submissions (record.created,
 * record.updated, record.withdrawn); the indicator workers switch on it. */
#define ENTITY_AREA                "area"
#define ENTITY_NEIGHBOURHOOD       "neighbourhood"
#define ENTITY_PROGRAMME           "programme"
#define ENTITY_MILESTONE           "milestone"
#define ENTITY_ORGANISATION        "organisation"
#define ENTITY_ORGANISATION_UPDATE "organisation_update"
#define ENTITY_ORGANISATION_LINK   "organisation_link"
#define ENTITY_COMMUNITY_ISSUE     "community_issue"
#define ENTITY_ISSUE_RESPONSE      "issue_response"
#define ENTITY_MEETING_SPACE       "meeting_space"
#define ENTITY_GRANT_SCHEME        "grant_scheme"
#define ENTITY_CD_INPUT            "cd_input"
#define ENTITY_EVIDENCE            "evidence"
#define ENTITY_KPI_TARGET          "kpi_target"

/* The record.<change> CloudEvent for one version of a record, as the compact
 * JSON text that goes into the outbox, and its id into event_id. The id is
 * derived from (type, entity, id, version): the same change always gives the
 * same event. change is "created", "updated" or "withdrawn".
 * neighbourhood_ids (borrowed, may be NULL) is an array of uuid strings.
 * Returns a malloc'd string the caller frees, or NULL when out of memory. */
char *record_event_payload(const struct route_call *call, const char *change,
                           const char *entity, const char *id, long version,
                           const json_t *neighbourhood_ids, char event_id[UUID_STR_LEN]);

/* Same event, inserted into the outbox inside the caller's open transaction
 * (topic cdm.submissions, key: the record's id). False on a database error. */
bool record_event_add(PGconn *db, const struct route_call *call, const char *change,
                      const char *entity, const char *id, long version,
                      const json_t *neighbourhood_ids);
#endif
