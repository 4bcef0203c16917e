/* fuzz_envelope.c — libFuzzer target: the CloudEvents envelope builder (lib/envelope.c
 * envelope_new, envelope_check, rfc3339_utc; lib/event.c event_payload, which derives the
 * id and stamps the time). The input is NUL-separated: type, subject, source_base, origin,
 * id ("" for none: the id is then derived from the id parts), id parts separated by ',',
 * then the data as JSON text (the rest of the input).
 *
 * Checked beyond "no crash, no sanitizer report" (leaks included: the data is taken even
 * on failure):
 *  - event_payload succeeds exactly when it should (type and subject set, data an object,
 *    an id or id parts, every string valid UTF-8, the source and the id not cut), and then
 *    its text parses back into an envelope that envelope_check accepts, holding the type,
 *    subject, "<source_base>/<origin>", the data unchanged, the id given or derived (and
 *    copied out), and a time rfc3339_utc-shaped;
 *  - envelope_check of the data text read as JSON never crashes, and accepts only an
 *    object holding every attribute as a non-empty string, specversion "1.0" and
 *    an object as data;
 *  - rfc3339_utc of a time from the input is always 24 characters, YYYY-MM-DDTHH:MM:SS.mmmZ. */
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envelope.h"
#include "event.h"
#include "ids.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_envelope: %s\n", what);
    abort();
}

static bool utf8_ok(const char *s)
{
    json_t *j = json_string(s);
    json_decref(j);
    return j != NULL;
}

static bool time_shaped(const char *t)
{
    static const char shape[] = "dddd-dd-ddTdd:dd:dd.dddZ";
    if (strlen(t) != sizeof shape - 1)
        return false;
    for (size_t i = 0; shape[i]; i++)
        if (shape[i] == 'd' ? !(t[i] >= '0' && t[i] <= '9') : t[i] != shape[i])
            return false;
    return true;
}

/* envelope_check's verdict, computed independently. */
static bool looks_complete(const json_t *ev)
{
    static const char *const attrs[] = {"specversion", "id", "source", "type",
                                        "subject", "time", "datacontenttype", NULL};
    if (!json_is_object(ev))
        return false;
    for (int i = 0; attrs[i]; i++) {
        const json_t *v = json_object_get(ev, attrs[i]);
        if (!json_is_string(v) || json_string_length(v) == 0)
            return false;
    }
    return strcmp(json_string_value(json_object_get(ev, "specversion")), "1.0") == 0 &&
           json_is_object(json_object_get(ev, "data"));
}

static void check_time(const uint8_t *data, size_t size)
{
    if (size < 12)
        return;
    uint64_t s = 0;
    uint32_t ns = 0;
    memcpy(&s, data, 8);
    memcpy(&ns, data + 8, 4);
    /* 1970 .. 9999: what a clock gives and four digits hold */
    struct timespec t = {.tv_sec = (time_t)(s % 253402300800ULL), .tv_nsec = ns % 1000000000U};
    char out[32];
    rfc3339_utc(&t, out, sizeof out);
    if (!time_shaped(out))
        fail("rfc3339_utc wrote something else than YYYY-MM-DDTHH:MM:SS.mmmZ");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_time(data, size);
    char *buf = malloc(size + 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    const char *field[6];
    size_t pos = 0;
    for (int i = 0; i < 6; i++) {
        if (pos > size) {
            free(buf);
            return 0;
        }
        field[i] = buf + pos;
        pos += strlen(buf + pos) + 1;
    }
    const char *type = field[0], *subject = field[1], *base = field[2], *origin = field[3];
    const char *given_id = *field[4] ? field[4] : NULL;
    const char *rest = pos <= size ? buf + pos : "";
    size_t rest_len = pos <= size ? size - pos : 0;

    /* the id parts: field[5] split at ',' (a copy, NUL-terminated pieces) */
    char *parts_text = strdup(field[5]);
    const char *parts[17];
    size_t nparts = 0;
    for (char *p = parts_text, *end; p && nparts < 16; p = end ? end + 1 : NULL) {
        end = strchr(p, ',');
        if (end)
            *end = '\0';
        parts[nparts++] = p;
    }
    parts[nparts] = NULL;

    json_t *d = json_loadb(rest, rest_len, 0, NULL);
    if (d) { /* any JSON: envelope_check must judge it as looks_complete does */
        if ((envelope_check(d) == NULL) != looks_complete(d))
            fail("envelope_check disagrees with the envelope's definition");
    }
    json_t *copy = d ? json_deep_copy(d) : NULL;
    struct event_spec spec = {.type = type, .source_base = base, .origin = origin,
                              .subject = subject, .id_parts = parts, .id = given_id};
    char event_id[UUID_STR_LEN] = "";
    char *payload = event_payload(&spec, d, event_id); /* takes d */

    char expect_id[UUID_STR_LEN];
    if (given_id)
        snprintf(expect_id, sizeof expect_id, "%s", given_id);
    else
        uuid_derive(expect_id, parts);
    bool should = *type && *subject && json_is_object(copy) && utf8_ok(type) &&
                  utf8_ok(subject) && utf8_ok(base) && utf8_ok(origin) &&
                  strlen(base) + 1 + strlen(origin) < 300 && /* the source is not cut */
                  (!given_id || strlen(given_id) < UUID_STR_LEN) && /* nor the id */
                  utf8_ok(expect_id);
    if (should && !payload)
        fail("event_payload refused a good event");
    if (payload) {
        json_t *ev = json_loads(payload, 0, NULL);
        if (!ev || envelope_check(ev) != NULL)
            fail("event_payload made an envelope that envelope_check refuses");
        char source[600];
        snprintf(source, sizeof source, "%s/%s", base, origin);
        if (should &&
            (strcmp(json_string_value(json_object_get(ev, "type")), type) != 0 ||
             strcmp(json_string_value(json_object_get(ev, "subject")), subject) != 0 ||
             strcmp(json_string_value(json_object_get(ev, "source")), source) != 0 ||
             strcmp(json_string_value(json_object_get(ev, "id")), expect_id) != 0 ||
             strcmp(event_id, expect_id) != 0 || !json_equal(json_object_get(ev, "data"), copy)))
            fail("the envelope does not hold what it was built from");
        if (!time_shaped(json_string_value(json_object_get(ev, "time"))))
            fail("the envelope's time is not RFC 3339 with milliseconds in UTC");
        json_decref(ev);
        free(payload);
    }
    json_decref(copy);
    free(parts_text);
    free(buf);
    return 0;
}
