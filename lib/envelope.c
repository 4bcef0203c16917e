/* envelope.c — CloudEvents envelopes */
#include "envelope.h"
#include <stdio.h>
#include <string.h>

void rfc3339_utc(const struct timespec *t, char *out, size_t outlen)
{
    struct tm tm;
    gmtime_r(&t->tv_sec, &tm);
    size_t len = strftime(out, outlen, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + len, outlen - len, ".%03ldZ", t->tv_nsec / 1000000L);
}

void rfc3339_now(char *out, size_t outlen)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    rfc3339_utc(&now, out, outlen);
}

static int nonempty(const char *s) { return s && *s; }

json_t *envelope_new(const char *id, const char *source, const char *type,
                     const char *subject, const char *time, json_t *data)
{
    if (!nonempty(id) || !nonempty(source) || !nonempty(type) || !nonempty(subject) ||
        !nonempty(time) || !json_is_object(data)) {
        json_decref(data);
        return NULL;
    }
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o}", "specversion", "1.0", "id",
                     id, "source", source, "type", type, "subject", subject, "time", time,
                     "datacontenttype", "application/json", "data", data);
}

const char *envelope_check(const json_t *ev)
{
    static const char *const required[] = {"specversion", "id", "source", "type",
                                           "subject", "time", "datacontenttype", NULL};
    if (!json_is_object(ev))
        return "envelope is not an object";
    for (int i = 0; required[i]; i++) {
        const json_t *v = json_object_get(ev, required[i]);
        if (!json_is_string(v) || json_string_length(v) == 0)
            return "envelope attribute missing or empty";
    }
    if (strcmp(json_string_value(json_object_get(ev, "specversion")), "1.0") != 0)
        return "specversion is not 1.0";
    if (!json_is_object(json_object_get(ev, "data")))
        return "data is not an object";
    return NULL;
}
