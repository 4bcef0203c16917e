/* cell_apply.c — folding a batch into the ward, breakdown and sector cells */
#include "cell_apply.h"
#include "event.h"
#include "catalogue.h"
#include "log.h"
#include "queries.h"
#include "text.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The locality's key in indicator_cell (one locality per deployment). */
#define LOCALITY_KEY "00000000-0000-0000-0000-000000000000"
/* Stands for the empty group of breakdown "all": array literals take no empty item. */
#define GROUP_ALL "*"

bool cell_batch_init(struct cell_batch *c)
{
    json_t **cols[] = {&c->indicator, &c->round, &c->level, &c->key, &c->by, &c->group,
                       &c->weight, &c->y, &c->sign, &c->count_ward, &c->count_round,
                       &c->count_sign};
    bool ok = true;
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
        ok = (*cols[i] = json_array()) != NULL && ok;
    return ok;
}

void cell_batch_free(struct cell_batch *c)
{
    json_t *cols[] = {c->indicator, c->round, c->level, c->key, c->by, c->group,
                      c->weight, c->y, c->sign, c->count_ward, c->count_round, c->count_sign};
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
        json_decref(cols[i]);
}

static bool push_one(struct cell_batch *c, const char *indicator, const char *round,
                     const char *level, const char *key, const char *by, const char *group,
                     const char *weight, int y, int sign)
{
    return json_array_append_new(c->indicator, json_string(indicator)) == 0 &&
           json_array_append_new(c->round, json_string(round)) == 0 &&
           json_array_append_new(c->level, json_string(level)) == 0 &&
           json_array_append_new(c->key, json_string(key)) == 0 &&
           json_array_append_new(c->by, json_string(by)) == 0 &&
           json_array_append_new(c->group, json_string(group)) == 0 &&
           json_array_append_new(c->weight, json_string(weight)) == 0 &&
           json_array_append_new(c->y, json_string(y ? "1" : "0")) == 0 &&
           json_array_append_new(c->sign, json_string(sign > 0 ? "1" : "-1")) == 0;
}

bool cell_batch_push(struct cell_batch *c, const struct cell_keys *k, const char *indicator,
                     const char *weight, int y, int sign)
{
    if (!k->neighbourhood) /* sector: the round's locality cell only */
        return push_one(c, indicator, k->round, "locality", LOCALITY_KEY, "all", GROUP_ALL,
                        weight, y, sign);
    return (!k->ward || push_one(c, indicator, k->round, "ward", k->ward, "all", GROUP_ALL,
                                 weight, y, sign)) &&
           (!k->age_band || push_one(c, indicator, k->round, "neighbourhood", k->neighbourhood,
                                     "age_band", k->age_band, weight, y, sign)) &&
           (!k->sex || push_one(c, indicator, k->round, "neighbourhood", k->neighbourhood, "sex",
                                k->sex, weight, y, sign));
}

/* Counted once per (ward, round) of the batch, the signs summed here: the
 * flush then updates each ward's count with one keyed upsert. */
bool cell_batch_count(struct cell_batch *c, const struct cell_keys *k, int sign)
{
    if (!k->ward)
        return true;
    for (size_t i = 0; i < json_array_size(c->count_ward); i++)
        if (strcmp(json_string_value(json_array_get(c->count_ward, i)), k->ward) == 0 &&
            strcmp(json_string_value(json_array_get(c->count_round, i)), k->round) == 0) {
            char net[24];
            snprintf(net, sizeof net, "%ld",
                     strtol(json_string_value(json_array_get(c->count_sign, i)), NULL, 10) +
                         (sign > 0 ? 1 : -1));
            return json_array_set_new(c->count_sign, i, json_string(net)) == 0;
        }
    return json_array_append_new(c->count_ward, json_string(k->ward)) == 0 &&
           json_array_append_new(c->count_round, json_string(k->round)) == 0 &&
           json_array_append_new(c->count_sign, json_string(sign > 0 ? "1" : "-1")) == 0;
}

/* One sample.adequate event for (ward, round) to one neighbourhood's key
 * (row `row` of Q_WARD_COUNT_ADD's result). The id is derived from them, so
 * a redelivered batch derives the same. */
static bool announce(PGconn *db, const struct apply_config *cfg, const PGresult *r, int row)
{
    const char *ward = PQgetvalue(r, row, WARD_COUNT_ADD_WARD_ID),
               *round = PQgetvalue(r, row, WARD_COUNT_ADD_ROUND_ID),
               *code = PQgetvalue(r, row, WARD_COUNT_ADD_WARD_CODE),
               *neighbourhood = PQgetvalue(r, row, WARD_COUNT_ADD_NEIGHBOURHOOD_ID);
    char subject[200];
    const char *parts[] = {EVT_SAMPLE_ADEQUATE, ward, round, neighbourhood, NULL};
    snprintf(subject, sizeof subject, "neighbourhoods/%s/wards/%s", neighbourhood, ward);
    json_t *data = json_pack("{s:s, s:s, s:s, s:s, s:I, s:i}", "neighbourhoodId", neighbourhood,
                             "areaId", ward, "areaCode", code, "roundId", round, "responses",
                             (json_int_t)atoll(PQgetvalue(r, row, WARD_COUNT_ADD_RESPONSES)),
                             "threshold", SAMPLE_ADEQUATE_MIN);
    const struct event_spec spec = {.type = EVT_SAMPLE_ADEQUATE,
                                    .source_base = cfg->event_source,
                                    .origin = "indicators",
                                    .subject = subject,
                                    .id_parts = parts};
    return event_emit(db, cfg->topic_kpi, neighbourhood, &spec, data);
}

enum apply_result cell_batch_flush(PGconn *db, const struct apply_config *cfg,
                                   struct cell_batch *c)
{
    enum apply_result result = APPLY_RETRY;
    json_t *src[CELL_APPLY_NPARAMS] = {
        [CELL_APPLY_P_INDICATORS] = c->indicator, [CELL_APPLY_P_ROUNDS] = c->round,
        [CELL_APPLY_P_LEVELS] = c->level,         [CELL_APPLY_P_KEYS] = c->key,
        [CELL_APPLY_P_BREAKDOWNS] = c->by,        [CELL_APPLY_P_GROUPS] = c->group,
        [CELL_APPLY_P_WEIGHTS] = c->weight,       [CELL_APPLY_P_YS] = c->y,
        [CELL_APPLY_P_SIGNS] = c->sign,
    };
    char *cols[CELL_APPLY_NPARAMS] = {NULL};
    char threshold[16];
    snprintf(threshold, sizeof threshold, "%d", SAMPLE_ADEQUATE_MIN);
    PGresult *r = NULL;
    if (json_array_size(c->indicator) > 0) {
        for (int i = 0; i < CELL_APPLY_NPARAMS; i++)
            if (!(cols[i] = pg_array_literal(src[i])))
                goto out;
        r = DB_RUN(db, CELL_APPLY, (const char *const *)cols);
        if (!db_ok(r)) {
            log_error("cell update failed", json_pack("{s:s}", "error", PQresultErrorMessage(r)));
            goto out;
        }
    }
    /* The ward counts one (ward, round) at a time: a batch touches few. */
    for (size_t k = 0; k < json_array_size(c->count_ward); k++) {
        PQclear(r);
        const char *wp[WARD_COUNT_ADD_NPARAMS] = {
            [WARD_COUNT_ADD_P_WARD] = json_string_value(json_array_get(c->count_ward, k)),
            [WARD_COUNT_ADD_P_ROUND] = json_string_value(json_array_get(c->count_round, k)),
            [WARD_COUNT_ADD_P_DELTA] = json_string_value(json_array_get(c->count_sign, k)),
            [WARD_COUNT_ADD_P_MIN_RESPONSES] = threshold};
        r = DB_RUN(db, WARD_COUNT_ADD, wp);
        if (!db_ok(r)) {
            log_error("ward count update failed",
                      json_pack("{s:s}", "error", PQresultErrorMessage(r)));
            goto out;
        }
        for (int i = 0; i < PQntuples(r); i++)
            if (!announce(db, cfg, r, i))
                goto out;
    }
    result = APPLY_DONE;
out:
    PQclear(r);
    for (int i = 0; i < CELL_APPLY_NPARAMS; i++)
        free(cols[i]);
    return result;
}
