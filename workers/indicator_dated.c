/* indicator_dated.c — dated indicators moved by record changes and by time, announced when they move */
#include "indicator_dated.h"
#include "clock.h"
#include "dated_read.h"
#include "envelope.h"
#include "ids.h"
#include "log.h"
#include "outbox.h"
#include "queries.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Records that move no dated indicator. */
static const char *const UNMOVING[] = {"evidence", "kpi_target", "milestone", "programme", NULL};

/* The value last published for indicator `id` in r (Q_DATED_PUBLISHED's
 * rows): 1 found with a value (in *v), 0 found as null, -1 never published;
 * *on the date it was published for. */
static int last_published(const PGresult *r, const char *id, double *v, const char **on)
{
    for (int i = 0; i < PQntuples(r); i++)
        if (strcmp(PQgetvalue(r, i, 0), id) == 0) {
            *on = PQgetvalue(r, i, 2);
            if (PQgetisnull(r, i, 1))
                return 0;
            *v = strtod(PQgetvalue(r, i, 1), NULL);
            return 1;
        }
    return -1;
}

/* Writes indicator.updated for dated indicator idx of area, and remembers the
 * value published. Takes nothing. */
static bool announce(PGconn *db, const struct apply_config *cfg, const char *area, int idx,
                     const struct dated_raw *raw, const struct dated_figure *now,
                     const struct dated_figure *base, const char *baseline_on,
                     const char *trigger)
{
    const char *id = dated_indicator_ids[idx];
    char event_id[UUID_STR_LEN], value[32], when[40], source[300], subject[200];
    const char *parts[] = {EVT_INDICATOR_UPDATED, id, area, trigger, NULL};
    uuid_derive(event_id, parts);
    snprintf(value, sizeof value, "%.17g", now->value);
    const char *pp[] = {id, area, now->has_value ? value : NULL, raw->on, event_id};
    PGresult *r = db_run(db, Q_DATED_PUBLISH, 5, pp);
    bool ok = db_ok(r);
    PQclear(r);
    json_t *data = ok ? dated_item_json(idx, raw, now, base, baseline_on) : NULL;
    if (!data)
        return false;
    json_object_set_new(data, "level", json_string("neighbourhood"));
    json_object_set_new(data, "neighbourhoodId", json_string(area));
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    rfc3339_utc(&ts, when, sizeof when);
    snprintf(source, sizeof source, "%s/indicators", cfg->event_source);
    snprintf(subject, sizeof subject, "neighbourhoods/%s/indicators/%s", area, id);
    json_t *ev = envelope_new(event_id, source, EVT_INDICATOR_UPDATED, subject, when, data);
    ok = ev && outbox_add(db, cfg->topic_kpi, area, ev);
    json_decref(ev);
    return ok;
}

/* Recomputes the dated figures of area on `on` and announces those that
 * moved since last published. A neighbourhood that does not exist (any
 * more) has nothing to announce. */
static bool publish_changes(PGconn *db, const struct apply_config *cfg, const char *area,
                            const char *on, const char *trigger, int *published)
{
    struct dated_context ctx;
    if (!dated_context_read(db, area, &ctx))
        return false;
    if (!ctx.exists)
        return true;
    struct dated_figure now[DATED_COUNT], base[DATED_COUNT];
    struct dated_raw raw;
    bool has_base;
    if (!dated_figures_on(db, area, on, &ctx, now, &raw, base, &has_base))
        return false;
    const char *params[] = {area};
    PGresult *r = db_run(db, Q_DATED_PUBLISHED, 1, params);
    bool ok = db_ok(r);
    for (int i = 0; ok && i < DATED_COUNT; i++) {
        double before = 0;
        const char *last_on = "";
        int last = last_published(r, dated_indicator_ids[i], &before, &last_on);
        if (strcmp(last_on, on) > 0) /* published for a later date: time does not go back */
            continue;
        /* Before anything is published an indicator stands at nothing (0 or
         * none): a fresh neighbourhood announces only what it has. */
        bool moved = last < 0 ? now[i].has_value && now[i].value != 0.0
                              : (last == 1) != now[i].has_value ||
                                    (now[i].has_value && before != now[i].value);
        if (!moved)
            continue;
        ok = announce(db, cfg, area, i, &raw, &now[i], has_base ? &base[i] : NULL,
                      ctx.baseline_on, trigger);
        if (ok)
            (*published)++;
    }
    PQclear(r);
    return ok;
}

enum apply_result dated_apply_event(PGconn *db, const struct apply_config *cfg, const json_t *ev)
{
    const char *type = json_string_value(json_object_get(ev, "type"));
    const char *event_id = json_string_value(json_object_get(ev, "id"));
    const json_t *data = json_object_get(ev, "data");
    json_t *areas = NULL;
    if (type && strncmp(type, "record.", 7) == 0) {
        const char *entity = json_string_value(json_object_get(data, "entity"));
        for (size_t i = 0; entity && UNMOVING[i]; i++)
            if (strcmp(entity, UNMOVING[i]) == 0)
                return APPLY_DONE;
        /* A new neighbourhood: nothing serves it yet, every figure is nothing. */
        if (entity && strcmp(entity, "neighbourhood") == 0 && strcmp(type, EVT_RECORD_CREATED) == 0)
            return APPLY_DONE;
        areas = json_incref(json_object_get(data, "neighbourhoodIds"));
    } else if (type && (strcmp(type, EVT_RESPONSE_SUBMITTED) == 0 ||
                        strcmp(type, EVT_RESPONSE_WITHDRAWN) == 0)) {
        const char *instrument = json_string_value(json_object_get(data, "instrument"));
        const char *area = json_string_value(json_object_get(data, "neighbourhoodId"));
        if (!instrument || strcmp(instrument, "agency") != 0 || !area)
            return APPLY_DONE;
        areas = json_pack("[s]", area);
    }
    if (!json_is_array(areas) || json_array_size(areas) == 0) {
        json_decref(areas);
        return APPLY_DONE;
    }
    enum apply_result result = APPLY_RETRY;
    const char *pp[] = {cfg->consumer, event_id};
    PGresult *r = db_run(db, Q_PROCESSED_INSERT, 2, pp);
    if (!db_ok(r))
        goto out;
    if (strcmp(PQcmdTuples(r), "0") == 0) {
        result = APPLY_DUPLICATE;
        goto out;
    }
    struct pdate today;
    char on[11];
    if (!clock_now(&today)) {
        log_error("CDM_CLOCK_NOW is not a date (YYYY-MM-DD)", NULL);
        goto out;
    }
    pdate_format(today, on);
    int published = 0;
    size_t i;
    json_t *area;
    result = APPLY_DONE;
    json_array_foreach(areas, i, area) {
        const char *id = json_string_value(area);
        if (id && uuid_is_valid(id) && !publish_changes(db, cfg, id, on, event_id, &published)) {
            result = APPLY_RETRY;
            break;
        }
    }
out:
    PQclear(r);
    json_decref(areas);
    return result;
}

bool dated_tick(PGconn *db, const struct apply_config *cfg, const char *on, int *published)
{
    PGresult *r = db_run(db, Q_DATED_TICK_AREAS, 0, NULL);
    bool ok = db_ok(r);
    for (int i = 0; ok && i < PQntuples(r); i++)
        ok = publish_changes(db, cfg, PQgetvalue(r, i, 0), on, on, published);
    PQclear(r);
    return ok;
}
