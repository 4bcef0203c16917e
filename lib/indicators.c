/* indicators.c — indicator formulas and the catalogue */
#include "indicators.h"
#include "stats.h"
#include <string.h>

static int answer_is(const json_t *answers, const char *key, const char *code)
{
    const char *v = json_string_value(json_object_get(answers, key));
    return v && strcmp(v, code) == 0;
}

enum response_outcome indicator_active_in_community(const json_t *answers)
{
    static const char *const keys[] = {"q01", "q02", "q23a"};
    int no_count = 0;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        if (answer_is(answers, keys[i], "yes"))
            return OUTCOME_YES;
        if (answer_is(answers, keys[i], "no"))
            no_count++;
    }
    return no_count == 3 ? OUTCOME_NO : OUTCOME_NOT_IN_BASE;
}

const struct indicator_def indicator_catalogue[] = {
    {"active_in_community", 1, HIGHER_IS_BETTER, "resident", "proportion", 1,
     "Share of residents involved in any group or social activity in the last 12 months: "
     "yes if any of q01, q02 or q23a is yes; no if all three are answered no; otherwise "
     "(a missing or don't-know answer) not in the base.",
     indicator_active_in_community},
    {NULL, 0, HIGHER_IS_BETTER, NULL, NULL, 0, NULL, NULL},
};

const struct indicator_def *indicator_find(const char *id)
{
    for (const struct indicator_def *d = indicator_catalogue; id && d->id; d++)
        if (strcmp(d->id, id) == 0)
            return d;
    return NULL;
}

struct proportion_figure proportion_from_sums(long long n_raw, double sum_w, double sum_w2,
                                              double sum_wy)
{
    struct proportion_figure f = {.n_raw = n_raw};
    if (n_raw <= 0 || !(sum_w > 0))
        return f;
    f.has_value = true;
    f.value = sum_wy / sum_w;
    if (f.value < 0.0) f.value = 0.0; /* guards against rounding of the double only */
    if (f.value > 1.0) f.value = 1.0;
    f.n_eff = stats_effective_n(sum_w, sum_w2);
    if (!stats_wilson(f.value, f.n_eff, STATS_Z95, &f.ci_low, &f.ci_high))
        f.has_value = false;
    f.suppressed = n_raw < DISCLOSURE_MIN_BASE;
    return f;
}

json_t *proportion_to_json(const struct proportion_figure *f)
{
    bool show = f->has_value && !f->suppressed;
    return json_pack("{s:I, s:o, s:o, s:o, s:o, s:b}", "n", (json_int_t)f->n_raw, "value",
                     show ? json_real(f->value) : json_null(), "nEff",
                     show ? json_real(f->n_eff) : json_null(), "ciLow",
                     show ? json_real(f->ci_low) : json_null(), "ciHigh",
                     show ? json_real(f->ci_high) : json_null(), "suppressed", f->suppressed);
}
