/* stats.h — statistics of survey proportions (pure, no I/O) */
#ifndef CDM_STATS_H
#define CDM_STATS_H
#include <stdbool.h>

/* z for a two-sided 95% interval, as SPEC §3 fixes it. */
#define STATS_Z95 1.959964

/* Wilson score interval for a proportion p observed on an (effective) base n.
 * Returns false (and leaves lo/hi untouched) when n <= 0 or p is outside [0,1]. */
bool stats_wilson(double p, double n, double z, double *lo, double *hi);

/* Effective base (Σw)² / Σw² of a weighted sample; 0 when sum_w2 <= 0. */
double stats_effective_n(double sum_w, double sum_w2);
#endif
