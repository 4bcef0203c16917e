/* figures.c — published statistics of survey proportions against their baseline */
#include "figures.h"
#include "stats.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

void figures_compute(const struct figure_input *in, size_t n, bool round_closed,
                     struct figure *out)
{
    double *p = n ? malloc(n * sizeof *p) : NULL;
    bool *sig = n ? calloc(n, sizeof *sig) : NULL;
    for (size_t i = 0; i < n; i++) {
        const struct figure_input *x = &in[i];
        struct figure *f = &out[i];
        *f = (struct figure){0};
        f->now = proportion_from_sums(x->n_raw, x->sum_w, x->sum_w2, x->sum_wy);
        f->value_reason = !x->released        ? WITHHELD_NOT_RELEASED
                          : f->now.suppressed ? WITHHELD_SMALL_BASE
                          : x->withheld       ? WITHHELD_COMPLEMENTARY
                                              : WITHHELD_NONE;
        f->suppressed = f->value_reason != WITHHELD_NONE;
        f->base_reason = WITHHELD_NONE;
        if (x->has_baseline) {
            f->base = proportion_from_sums(x->base_n_raw, x->base_sum_w, x->base_sum_w2,
                                           x->base_sum_wy);
            f->base_reason = !x->base_released    ? WITHHELD_NOT_RELEASED
                          : f->base.suppressed ? WITHHELD_SMALL_BASE
                          : x->base_withheld   ? WITHHELD_COMPLEMENTARY
                                               : WITHHELD_NONE;
        }
        /* A change computed from a withheld baseline would let subtraction
         * reveal it: it goes with the baseline, which says why. */
        f->change_reason = f->suppressed       ? f->value_reason
                           : !x->has_baseline  ? WITHHELD_NO_BASELINE
                                               : withheld_for_baseline(f->base_reason);
        if (p)
            p[i] = NAN;
        if (f->change_reason != WITHHELD_NONE || !f->now.has_value || !f->base.has_value)
            continue;
        /* Before any follow-up, the MDC assumes a follow-up as large as the baseline. */
        double n1 = x->is_baseline_round ? f->base.n_eff : f->now.n_eff;
        f->mdc = stats_mdc(f->base.value, f->base.n_eff, n1);
        f->has_mdc = isfinite(f->mdc);
        if (x->is_baseline_round)
            continue;
        f->change = f->now.value - f->base.value;
        f->has_change = stats_two_proportion_z(f->base.value, f->base.n_eff, f->now.value,
                                               f->now.n_eff, &f->z, &f->p_value);
        if (p && f->has_change)
            p[i] = f->p_value;
    }
    if (round_closed && p && sig) {
        stats_benjamini_hochberg(p, n, FIGURES_FDR, sig);
        for (size_t i = 0; i < n; i++) {
            struct figure *f = &out[i];
            f->significant = sig[i];
            bool worse = in[i].def && in[i].def->direction == LOWER_IS_BETTER ? f->change > 0
                                                                              : f->change < 0;
            f->adverse = f->significant && worse;
        }
    }
    free(p);
    free(sig);
}

const char *figure_movement(const struct figure *f)
{
    if (f->change_reason != WITHHELD_NONE || !f->has_change || !(f->change != 0))
        return "";
    return f->change > 0 ? "up" : "down";
}

bool figure_significance_news(const struct figure *f, bool was_significant,
                              const char *was_movement)
{
    if (!f->significant)
        return was_significant;
    return !was_significant || strcmp(was_movement, figure_movement(f)) != 0;
}

json_t *real_or_null(bool show, double v)
{
    return show && isfinite(v) ? json_real(v) : json_null();
}

/* reason's name as a JSON string, or null. */
static json_t *reason_or_null(enum withheld_reason reason)
{
    const char *name = withheld_reason_name(reason);
    return name ? json_string(name) : json_null();
}

bool figure_to_json(const struct figure *f, json_t *obj)
{
    bool show = !f->suppressed && f->now.has_value;
    bool base = f->base_reason == WITHHELD_NONE && f->base.has_value;
    bool change = show && f->change_reason == WITHHELD_NONE;
    return json_object_set_new(obj, "n", f->suppressed ? json_null() : json_integer(f->now.n_raw)) == 0 &&
           json_object_set_new(obj, "suppressed", json_boolean(f->suppressed)) == 0 &&
           json_object_set_new(obj, "withheldReason", reason_or_null(f->value_reason)) == 0 &&
           json_object_set_new(obj, "value", real_or_null(show, f->now.value)) == 0 &&
           json_object_set_new(obj, "nEff", real_or_null(show, f->now.n_eff)) == 0 &&
           json_object_set_new(obj, "ciLow", real_or_null(show, f->now.ci_low)) == 0 &&
           json_object_set_new(obj, "ciHigh", real_or_null(show, f->now.ci_high)) == 0 &&
           json_object_set_new(obj, "baselineValue", real_or_null(base, f->base.value)) == 0 &&
           json_object_set_new(obj, "change", real_or_null(change && f->has_change, f->change)) == 0 &&
           json_object_set_new(obj, "pValue", real_or_null(change && f->has_change, f->p_value)) == 0 &&
           json_object_set_new(obj, "mdc", real_or_null(change && f->has_mdc, f->mdc)) == 0 &&
           json_object_set_new(obj, "changeWithheldReason", reason_or_null(f->change_reason)) == 0 &&
           json_object_set_new(obj, "significant", json_boolean(f->significant)) == 0 &&
           json_object_set_new(obj, "adverse", json_boolean(f->adverse)) == 0;
}
