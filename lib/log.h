/* log.h — one JSON object per line on stderr, for people and log shippers alike */
#ifndef CDM_LOG_H
#define CDM_LOG_H
#include <jansson.h>

/* Sets the "service" field of every line (e.g. "api", "relay"). Call once at start. */
void log_set_service(const char *service);

/* Writes {"time","level","service","msg",...fields} as one line.
 * Takes ownership of `fields` (may be NULL); thread-safe. */
void log_json(const char *level, const char *msg, json_t *fields);

#define log_info(msg, fields)  log_json("info", (msg), (fields))
#define log_warn(msg, fields)  log_json("warn", (msg), (fields))
#define log_error(msg, fields) log_json("error", (msg), (fields))
#endif
