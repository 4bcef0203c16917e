/* log.c — structured JSON log lines */
#include "log.h"
#include "envelope.h"
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *log_service = "cdmeasure";

void log_set_service(const char *service) { log_service = service; }

void log_json(const char *level, const char *msg, json_t *fields)
{
    char when[40];
    rfc3339_now(when, sizeof when);

    json_t *line = json_pack("{s:s, s:s, s:s, s:s}", "time", when, "level", level,
                             "service", log_service, "msg", msg ? msg : "");
    if (line && fields && json_is_object(fields))
        json_object_update_missing(line, fields);
    json_decref(fields);
    char *text = line ? json_dumps(line, JSON_COMPACT) : NULL;
    if (text) {
        flockfile(stderr);
        fputs(text, stderr);
        fputc('\n', stderr);
        funlockfile(stderr);
        free(text);
    }
    json_decref(line);
}
