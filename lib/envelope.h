/* envelope.h — CloudEvents 1.0 JSON envelopes (pure) */
#ifndef CDM_ENVELOPE_H
#define CDM_ENVELOPE_H
#include <jansson.h>
#include <time.h>

/* Event types: the public names partners subscribe to. */
#define EVT_RESPONSE_SUBMITTED "response.submitted"
#define EVT_RESPONSE_WITHDRAWN "response.withdrawn"
#define EVT_INDICATOR_UPDATED  "indicator.updated"
/* A domain record changed (api/records.h lists the entities). */
#define EVT_RECORD_CREATED     "record.created"
#define EVT_RECORD_UPDATED     "record.updated"
#define EVT_RECORD_WITHDRAWN   "record.withdrawn"
/* Time-driven changes, announced once by the clock job. */
#define EVT_KPI_STATUS_CHANGED "kpi.status_changed"
#define EVT_MILESTONE_OVERDUE  "milestone.overdue"
#define EVT_MILESTONE_COMPLETED "milestone.completed"
/* An indicator of a closed round became (or stopped being) significantly
 * different from its baseline: the adverse-change alert. */
#define EVT_INDICATOR_SIGNIFICANT_CHANGE "indicator.significant_change"
/* A ward's round reached an adequate sample (cells). */
#define EVT_SAMPLE_ADEQUATE    "sample.adequate"

/* Formats t (UTC, with milliseconds) as RFC 3339 into out (at least 32 bytes). */
void rfc3339_utc(const struct timespec *t, char *out, size_t outlen);
/* The current time, as rfc3339_utc writes it. */
void rfc3339_now(char *out, size_t outlen);

/* Builds {"specversion":"1.0","id","source","type","subject","time",
 * "datacontenttype":"application/json","data"}; takes ownership of `data`.
 * Returns a new reference the caller json_decref()s, or NULL on bad input
 * (any string NULL or empty, data not an object). */
json_t *envelope_new(const char *id, const char *source, const char *type,
                     const char *subject, const char *time, json_t *data);

/* Checks that ev is a complete envelope as envelope_new() makes them.
 * Returns NULL if valid, else a static message naming the first problem. */
const char *envelope_check(const json_t *ev);
#endif
