/* stats.c — Wilson interval and effective sample size */
#include "stats.h"
#include <math.h>

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
