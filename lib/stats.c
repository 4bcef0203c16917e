/* stats.c — Wilson interval, effective base, change tests, MDC, BH, KPI status */
#include "stats.h"
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

bool stats_wilson(double p, double n, double z, double *lo, double *hi)
{
    if (!(n > 0) || !(p >= 0.0 && p <= 1.0) || !isfinite(n))
        return false;
    double z2 = z * z;
    double denom = 1.0 + z2 / n;
    double centre = (p + z2 / (2.0 * n)) / denom;
    double half = z * sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n)) / denom;
    double l = centre - half, h = centre + half;
    /* At p = 0 or 1 the bound is exactly 0 or 1; rounding must not leave it
     * a hair outside [0,1] or on the wrong side of the estimate. */
    if (p == 0.0 || l < 0.0) l = 0.0;
    if (p == 1.0 || h > 1.0) h = 1.0;
    if (l > p) l = p;
    if (h < p) h = p;
    *lo = l;
    *hi = h;
    return true;
}

double stats_effective_n(double sum_w, double sum_w2)
{
    if (!(sum_w2 > 0))
        return 0.0;
    return sum_w * sum_w / sum_w2;
}

static bool valid_prop(double p) { return p >= 0.0 && p <= 1.0; }
static bool valid_base(double n) { return n > 0.0 && isfinite(n); }

bool stats_two_proportion_z(double p0, double n0, double p1, double n1,
                            double *z, double *p_two_sided)
{
    if (!valid_prop(p0) || !valid_prop(p1) || !valid_base(n0) || !valid_base(n1))
        return false;
    double pbar = (n0 * p0 + n1 * p1) / (n0 + n1);
    if (!(pbar > 0.0 && pbar < 1.0))
        return false;
    double se = sqrt(pbar * (1.0 - pbar) * (1.0 / n0 + 1.0 / n1));
    if (!(se > 0.0))
        return false;
    double zz = (p1 - p0) / se;
    if (z) *z = zz;
    if (p_two_sided) *p_two_sided = erfc(fabs(zz) / sqrt(2.0));
    return true;
}

double stats_mdc(double p0, double n0, double n1)
{
    if (!valid_prop(p0) || !valid_base(n0) || !valid_base(n1))
        return NAN;
    return 2.8016 * sqrt(p0 * (1.0 - p0) * (1.0 / n0 + 1.0 / n1));
}

struct bh_item { double p; size_t i; };

static int bh_cmp(const void *a, const void *b)
{
    const struct bh_item *x = a, *y = b;
    if (x->p < y->p) return -1;
    if (x->p > y->p) return 1;
    return (x->i > y->i) - (x->i < y->i);
}

void stats_benjamini_hochberg(const double *p, size_t n, double q, bool *significant)
{
    if (!p || !significant)
        return;
    for (size_t i = 0; i < n; i++)
        significant[i] = false;
    if (n == 0 || !(q > 0.0 && q <= 1.0))
        return;
    struct bh_item *s = n > SIZE_MAX / sizeof *s ? NULL : malloc(n * sizeof *s);
    if (!s)
        return;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (valid_prop(p[i]))
            s[m++] = (struct bh_item){ p[i], i };
    qsort(s, m, sizeof *s, bh_cmp);
    size_t k = 0;
    for (size_t j = m; j >= 1; j--)
        if (s[j - 1].p <= (double)j * q / (double)m) {
            k = j;
            break;
        }
    for (size_t j = 0; j < k; j++)
        significant[s[j].i] = true;
    free(s);
}

double stats_kpi_line(const struct kpi_input *in)
{
    if (!(in->due_month > in->baseline_month))
        return in->target;
    double t = in->now_month;
    if (t < in->baseline_month) t = in->baseline_month;
    if (t > in->due_month) t = in->due_month;
    return in->baseline_value + (in->target - in->baseline_value)
           * (t - in->baseline_month) / (in->due_month - in->baseline_month);
}

enum kpi_status stats_kpi_status(const struct kpi_input *in)
{
    if (!in || !in->has_data || !isfinite(in->value))
        return KPI_NO_DATA;
    if (in->higher_is_better ? in->value >= in->target : in->value <= in->target)
        return KPI_MET;
    if (in->today_month > in->due_month)
        return KPI_MISSED;
    double line = stats_kpi_line(in);
    if (in->higher_is_better ? in->ci_high < line : in->ci_low > line)
        return KPI_AT_RISK;
    return KPI_ON_TRACK;
}
