/* release_rule.c — withheld reasons and the cell-key perturbation table */
#include "release_rule.h"

const char *withheld_reason_name(enum withheld_reason r)
{
    switch (r) {
    case WITHHELD_SMALL_BASE: return "small_base";
    case WITHHELD_COMPLEMENTARY: return "complementary";
    case WITHHELD_NOT_RELEASED: return "not_released";
    case WITHHELD_NO_BASELINE: return "no_baseline";
    case WITHHELD_BASELINE_SMALL_BASE: return "baseline_small_base";
    case WITHHELD_BASELINE_COMPLEMENTARY: return "baseline_complementary";
    case WITHHELD_BASELINE_NOT_RELEASED: return "baseline_not_released";
    case WITHHELD_NONE: break;
    }
    return NULL;
}

enum withheld_reason withheld_for_baseline(enum withheld_reason baseline_value)
{
    switch (baseline_value) {
    case WITHHELD_SMALL_BASE: return WITHHELD_BASELINE_SMALL_BASE;
    case WITHHELD_COMPLEMENTARY: return WITHHELD_BASELINE_COMPLEMENTARY;
    case WITHHELD_NOT_RELEASED: return WITHHELD_BASELINE_NOT_RELEASED;
    default: return WITHHELD_NONE;
    }
}

int cell_key_perturbation(long long count, long long key_sum)
{
    int k = (int)(((key_sum % CELL_KEY_RANGE) + CELL_KEY_RANGE) % CELL_KEY_RANGE);
    if (count <= 0)
        return 0;
    if (count == 1) /* -1, 0, +1 with probabilities 1/4, 1/2, 1/4 */
        return k < 64 ? -1 : k < 192 ? 0 : 1;
    /* -2, -1, 0, +1, +2 with 13, 51, 128, 51, 13 keys of 256 */
    return k < 13 ? -2 : k < 64 ? -1 : k < 192 ? 0 : k < 243 ? 1 : 2;
}

struct figure_state release_perturb(const struct figure_state *s)
{
    struct figure_state p = *s;
    long long n = s->n_raw + cell_key_perturbation(s->n_raw, s->key_n);
    if (n < DISCLOSURE_MIN_BASE)
        n = DISCLOSURE_MIN_BASE;
    long long y = s->n_yes + cell_key_perturbation(s->n_yes, s->key_y);
    if (y < 0)
        y = 0;
    if (y > n)
        y = n;
    p.n_raw = n;
    p.n_yes = y;
    if (s->n_raw <= 0 || !(s->sum_w > 0))
        return p;
    double scale = (double)n / (double)s->n_raw;
    p.sum_w = s->sum_w * scale;
    p.sum_w2 = s->sum_w2 * scale;
    /* Unweighted, this is y / n exactly; weighted, the estimate moves by the
     * numerator's perturbation over the base. */
    double est = (s->sum_wy / s->sum_w) * ((double)s->n_raw / (double)n) +
                 (double)(y - s->n_yes) / (double)n;
    if (est < 0)
        est = 0;
    if (est > 1)
        est = 1;
    p.sum_wy = est * p.sum_w;
    return p;
}
