/* stats.h — statistics of survey proportions (pure, no I/O) */
#ifndef CDM_STATS_H
#define CDM_STATS_H
#include <stdbool.h>
#include <stddef.h>

/* z for a two-sided 95% interval, as SPEC §3 fixes it. */
#define STATS_Z95 1.959964

/* Wilson score interval for a proportion p observed on an (effective) base n.
 * Returns false (and leaves lo/hi untouched) when n <= 0 or p is outside [0,1]. */
bool stats_wilson(double p, double n, double z, double *lo, double *hi);

/* Effective base (Σw)² / Σw² of a weighted sample; 0 when sum_w2 <= 0. */
double stats_effective_n(double sum_w, double sum_w2);

/* Pooled two-proportion z-test of a change from a baseline round (p0 on base
 * n0) to a later round (p1 on base n1), as SPEC §3 fixes it:
 *   pbar = (n0 p0 + n1 p1) / (n0 + n1),
 *   z    = (p1 - p0) / sqrt(pbar (1 - pbar) (1/n0 + 1/n1)),
 *   p    = erfc(|z| / sqrt 2)   (two-sided).
 * n0 and n1 are effective bases. Either output pointer may be NULL.
 * Returns false (no test; outputs untouched) when n0 or n1 is not a finite
 * value > 0, p0 or p1 is outside [0,1] (or NaN), or pbar is 0 or 1. */
bool stats_two_proportion_z(double p0, double n0, double p1, double n1,
                            double *z, double *p_two_sided);

/* Minimum detectable change at 80% power, 5% two-sided (SPEC §3):
 *   MDC = 2.8016 * sqrt(p0 (1 - p0) (1/n0 + 1/n1)),
 * 2.8016 = z_0.975 + z_0.80. p0 = 0.07, 300 vs 300 gives 0.058.
 * Returns NAN when p0 is outside [0,1] or n0/n1 is not a finite value > 0. */
double stats_mdc(double p0, double n0, double n1);

/* Benjamini–Hochberg (1995) step-up procedure at false discovery rate q
 * (SPEC §3: 0.05 across the indicators of one area and round).
 * With the m valid p-values sorted ascending, finds the largest k with
 * p_(k) <= k q / m and sets significant[i] for the k smallest; every other
 * significant[i] is set false. The input is not modified.
 * A p-value that is NaN or outside [0,1] means "no test": it is never
 * significant and does NOT count in m (an indicator without a test is not a
 * hypothesis). Marks none significant when q is not in (0,1] or NaN, or when
 * the scratch allocation fails. Does nothing when p or significant is NULL. */
void stats_benjamini_hochberg(const double *p, size_t n, double q, bool *significant);

/* KPI status (SPEC §3 "KPIs"). */
enum kpi_status { KPI_NO_DATA, KPI_MET, KPI_MISSED, KPI_AT_RISK, KPI_ON_TRACK };

struct kpi_input {
    bool has_data;             /* a latest closed, unsuppressed round exists */
    bool higher_is_better;
    double value, ci_low, ci_high; /* for counts, ci_low = ci_high = value */
    double baseline_value;     /* at the end of baseline fieldwork */
    double baseline_month;     /* programme month (fractional ok) of the end of baseline fieldwork */
    double target, due_month;  /* target value, end of the due month */
    double now_month;          /* the month of the latest round's fieldwork end (the point judged) */
    double today_month;        /* the clock's month, for "missed" */
};

/* Status checked in SPEC order:
 *   KPI_NO_DATA  no round (in == NULL, !has_data, or value not finite);
 *   KPI_MET      value >= target (higher is better) or value <= target (lower);
 *   KPI_MISSED   today_month > due_month;
 *   KPI_AT_RISK  the whole interval [ci_low, ci_high] lies strictly on the
 *                worse side of the straight line from (baseline_month,
 *                baseline_value) to (due_month, target), evaluated at
 *                now_month (clamped to [baseline_month, due_month]; when
 *                due_month <= baseline_month the line is the target itself);
 *   KPI_ON_TRACK otherwise.
 * A NaN in target, months or interval makes the comparisons false, so such a
 * KPI falls through to KPI_ON_TRACK rather than a verdict. */
enum kpi_status stats_kpi_status(const struct kpi_input *in);
/* The straight line's value at now_month (held between the baseline and the
 * due month): where the indicator should be by then to reach the target. */
double stats_kpi_line(const struct kpi_input *in);
#endif
