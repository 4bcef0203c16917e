/* indicator_dated.c — dated indicators moved by record changes and by time, announced when they move */
#include "indicator_dated.h"
#include "dated_read.h"
#include "event.h"
#include "queries.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Records that move no dated indicator. */
static const char *const UNMOVING[] = {"evidence", "kpi_target", "milestone", "programme", NULL};

/* The value last published for indicator `id` in r (Q_DATED_PUBLISHED's
 * rows): 1 found with a value (in *v), 0 found as null, -1 never published;
 * *on the date it was published for. */
static int last_published(const PGresult *r, const char *id, double *v, const char **on)
{
    for (int i = 0; i < PQntuples(r); i++)
        if (strcmp(PQgetvalue(r, i, DATED_PUBLISHED_INDICATOR), id) == 0) {
            *on = PQgetvalue(r, i, DATED_PUBLISHED_PUBLISHED_ON);
            if (PQgetisnull(r, i, DATED_PUBLISHED_VALUE))
                return 0;
            *v = strtod(PQgetvalue(r, i, DATED_PUBLISHED_VALUE), NULL);
            return 1;
        }
    return -1;
}

/* Writes indicator.updated for dated indicator idx of neighbourhood, and
 * remembers the value published. Takes nothing. */
static bool announce(PGconn *db, const struct apply_config *cfg, const char *neighbourhood,
                     int idx, const struct dated_raw *raw, const struct dated_figure *now,
                     const struct dated_figure *base, const char *baseline_on,
                     const char *trigger)
{
    const char *id = dated_indicator_ids[idx];
    char event_id[UUID_STR_LEN], value[32], subject[200];
    const char *parts[] = {EVT_INDICATOR_UPDATED, id, neighbourhood, trigger, NULL};
    uuid_derive(event_id, parts); /* the publication remembers it */
    snprintf(value, sizeof value, "%.17g", now->value);
    const char *pp[DATED_PUBLISH_NPARAMS] = {
        [DATED_PUBLISH_P_INDICATOR] = id,
        [DATED_PUBLISH_P_NEIGHBOURHOOD] = neighbourhood,
        [DATED_PUBLISH_P_VALUE] = now->has_value ? value : NULL,
        [DATED_PUBLISH_P_ON_DATE] = raw->on,
        [DATED_PUBLISH_P_EVENT_ID] = event_id};
    bool ok = db_ok_clear(DB_RUN(db, DATED_PUBLISH, pp));
    json_t *data = ok ? dated_item_json(idx, raw, now, base, baseline_on) : NULL;
    if (!data)
        return false;
    json_object_set_new(data, "level", json_string("neighbourhood"));
    json_object_set_new(data, "neighbourhoodId", json_string(neighbourhood));
    snprintf(subject, sizeof subject, "neighbourhoods/%s/indicators/%s", neighbourhood, id);
    const struct event_spec spec = {.type = EVT_INDICATOR_UPDATED,
                                    .source_base = cfg->event_source,
                                    .origin = "indicators",
                                    .subject = subject,
                                    .id = event_id};
    return event_emit(db, cfg->topic_kpi, neighbourhood, &spec, data);
}

/* Recomputes the dated figures of neighbourhood on `on` and announces those
 * that moved since last published. A neighbourhood that does not exist (any
 * more) has nothing to announce. */
static bool publish_changes(PGconn *db, const struct apply_config *cfg,
                            const char *neighbourhood, const char *on, const char *trigger,
                            int *published)
{
    struct dated_context ctx;
    if (!dated_context_read(db, neighbourhood, &ctx))
        return false;
    if (!ctx.exists)
        return true;
    struct dated_figure now[DATED_COUNT], base[DATED_COUNT];
    struct dated_raw raw;
    bool has_base;
    if (!dated_figures_on(db, neighbourhood, on, &ctx, now, &raw, base, &has_base))
        return false;
    const char *params[DATED_PUBLISHED_NPARAMS] = {[DATED_PUBLISHED_P_NEIGHBOURHOOD] =
                                                       neighbourhood};
    PGresult *r = DB_RUN(db, DATED_PUBLISHED, params);
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
        ok = announce(db, cfg, neighbourhood, i, &raw, &now[i], has_base ? &base[i] : NULL,
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
    json_t *neighbourhoods = NULL;
    if (type && strncmp(type, "record.", 7) == 0) {
        const char *entity = json_string_value(json_object_get(data, "entity"));
        for (size_t i = 0; entity && UNMOVING[i]; i++)
            if (strcmp(entity, UNMOVING[i]) == 0)
                return APPLY_DONE;
        /* A new neighbourhood: nothing serves it yet, every figure is nothing. */
        if (entity && strcmp(entity, "neighbourhood") == 0 && strcmp(type, EVT_RECORD_CREATED) == 0)
            return APPLY_DONE;
        neighbourhoods = json_incref(json_object_get(data, "neighbourhoodIds"));
    } else if (type && (strcmp(type, EVT_RESPONSE_SUBMITTED) == 0 ||
                        strcmp(type, EVT_RESPONSE_WITHDRAWN) == 0)) {
        const char *instrument = json_string_value(json_object_get(data, "instrument"));
        const char *neighbourhood = json_string_value(json_object_get(data, "neighbourhoodId"));
        if (!instrument || strcmp(instrument, "agency") != 0 || !neighbourhood)
            return APPLY_DONE;
        neighbourhoods = json_pack("[s]", neighbourhood);
    }
    if (!json_is_array(neighbourhoods) || json_array_size(neighbourhoods) == 0) {
        json_decref(neighbourhoods);
        return APPLY_DONE;
    }
    enum apply_result result = APPLY_RETRY;
    const char *pp[PROCESSED_INSERT_NPARAMS] = {[PROCESSED_INSERT_P_CONSUMER] = cfg->consumer,
                                                [PROCESSED_INSERT_P_EVENT_ID] = event_id};
    PGresult *r = DB_RUN(db, PROCESSED_INSERT, pp);
    if (!db_ok(r))
        goto out;
    if (strcmp(PQcmdTuples(r), "0") == 0) {
        result = APPLY_DUPLICATE;
        goto out;
    }
    char on[11];
    pdate_format(worker_clock_date(cfg), on);
    int published = 0;
    size_t i;
    json_t *neighbourhood;
    result = APPLY_DONE;
    json_array_foreach(neighbourhoods, i, neighbourhood) {
        const char *id = json_string_value(neighbourhood);
        if (id && uuid_is_valid(id) && !publish_changes(db, cfg, id, on, event_id, &published)) {
            result = APPLY_RETRY;
            break;
        }
    }
out:
    PQclear(r);
    json_decref(neighbourhoods);
    return result;
}

bool dated_tick(PGconn *db, const struct apply_config *cfg, const char *on, int *published)
{
    PGresult *r = DB_RUN(db, DATED_TICK_NEIGHBOURHOODS, NULL);
    bool ok = db_ok(r);
    for (int i = 0; ok && i < PQntuples(r); i++)
        ok = publish_changes(db, cfg, PQgetvalue(r, i, DATED_TICK_NEIGHBOURHOODS_NEIGHBOURHOOD_ID), on, on,
                             published);
    PQclear(r);
    return ok;
}
