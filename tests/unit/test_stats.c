/* test_stats.c — Wilson interval, effective base, change tests, MDC, BH and
 * KPI status against published values */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <cmocka.h>
#include "stats.h"

/* Newcombe RG. Two-sided confidence intervals for the single proportion:
 * comparison of seven methods. Statistics in Medicine 1998;17:857–872,
 * Table II, method 3 (Wilson score, no continuity correction), 4 decimals. */
static void wilson_matches_newcombe_1998(void **state)
{
    (void)state;
    const struct { int x, n; double lo, hi; } cases[] = {
        {81, 263, 0.2553, 0.3662}, {15, 148, 0.0624, 0.1605}, {0, 20, 0.0000, 0.1611},
        {1, 29, 0.0061, 0.1718},   {29, 29, 0.8830, 1.0000},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double lo = -1, hi = -1;
        assert_true(stats_wilson((double)cases[i].x / cases[i].n, cases[i].n, STATS_Z95, &lo, &hi));
        assert_float_equal(lo, cases[i].lo, 0.00005);
        assert_float_equal(hi, cases[i].hi, 0.00005);
    }
}

static void wilson_edges(void **state)
{
    (void)state;
    double lo = -1, hi = -1;
    /* p = 0 and p = 1: the bound at the estimate is exact. */
    assert_true(stats_wilson(0.0, 1, STATS_Z95, &lo, &hi));
    assert_true(lo == 0.0);
    assert_true(hi > 0.0 && hi < 1.0);
    assert_true(stats_wilson(1.0, 1, STATS_Z95, &lo, &hi));
    assert_true(hi == 1.0);
    assert_true(lo > 0.0 && lo < 1.0);
    /* n = 1, p = 0.5 is wide but inside [0,1]. */
    assert_true(stats_wilson(0.5, 1, STATS_Z95, &lo, &hi));
    assert_true(lo >= 0.0 && hi <= 1.0 && lo < 0.5 && hi > 0.5);
    /* No base, or an impossible proportion: no interval, outputs untouched. */
    lo = hi = 42;
    assert_false(stats_wilson(0.5, 0, STATS_Z95, &lo, &hi));
    assert_false(stats_wilson(1.5, 10, STATS_Z95, &lo, &hi));
    assert_false(stats_wilson(NAN, 10, STATS_Z95, &lo, &hi));
    assert_true(lo == 42 && hi == 42);
}

/* Properties over a grid: contains the estimate, inside [0,1], narrows with n. */
static void wilson_properties(void **state)
{
    (void)state;
    for (int k = 0; k <= 20; k++) {
        double p = k / 20.0, prev_width = 2.0;
        for (double n = 1; n <= 100000; n *= 3) {
            double lo, hi;
            assert_true(stats_wilson(p, n, STATS_Z95, &lo, &hi));
            assert_true(lo <= p && p <= hi);
            assert_true(lo >= 0.0 && hi <= 1.0);
            assert_true(hi - lo < prev_width);
            prev_width = hi - lo;
        }
    }
}

static void effective_n(void **state)
{
    (void)state;
    /* Unweighted: n_eff is the raw base. */
    assert_float_equal(stats_effective_n(300, 300), 300, 1e-9);
    /* Weights 1 and 3: (4)² / (1 + 9) = 1.6. */
    assert_float_equal(stats_effective_n(4, 10), 1.6, 1e-12);
    assert_float_equal(stats_effective_n(0, 0), 0, 0);
}

/* Illowsky B, Dean S. Collaborative Statistics (Connexions/OpenStax, m17043),
 * "Comparing Two Independent Population Proportions", hives example:
 * medication A 20/200, medication B 12/200; pooled p = 0.08, two-sided
 * p-value 0.1404. Recomputed independently in Python with math.erfc:
 * z = -1.4744195615, p = 0.1403686608. */
static void two_proportion_z_textbook(void **state)
{
    (void)state;
    double z = 0, p = 0;
    assert_true(stats_two_proportion_z(20.0 / 200, 200, 12.0 / 200, 200, &z, &p));
    assert_float_equal(z, -1.4744195615, 1e-9);
    assert_float_equal(p, 0.1403686608, 1e-9);
    assert_float_equal(p, 0.1404, 0.00005);
    /* Swapping the groups negates z and leaves p unchanged. */
    double z2 = 0, p2 = 0;
    assert_true(stats_two_proportion_z(12.0 / 200, 200, 20.0 / 200, 200, &z2, &p2));
    assert_float_equal(z2, -z, 1e-12);
    assert_float_equal(p2, p, 1e-12);
    /* Unequal bases: still symmetric. */
    assert_true(stats_two_proportion_z(0.07, 300, 0.12, 450, &z, &p));
    assert_true(stats_two_proportion_z(0.12, 450, 0.07, 300, &z2, &p2));
    assert_true(z > 0);
    assert_float_equal(z2, -z, 1e-12);
    assert_float_equal(p2, p, 1e-12);
    /* NULL outputs are allowed. */
    assert_true(stats_two_proportion_z(0.1, 100, 0.2, 100, NULL, NULL));
}

static void two_proportion_z_edges(void **state)
{
    (void)state;
    double z = 42, p = 42;
    /* pbar 0 or 1: no test, outputs untouched. */
    assert_false(stats_two_proportion_z(0.0, 300, 0.0, 300, &z, &p));
    assert_false(stats_two_proportion_z(1.0, 300, 1.0, 300, &z, &p));
    /* Bad bases or proportions. */
    assert_false(stats_two_proportion_z(0.1, 0, 0.2, 300, &z, &p));
    assert_false(stats_two_proportion_z(0.1, 300, 0.2, -1, &z, &p));
    assert_false(stats_two_proportion_z(0.1, NAN, 0.2, 300, &z, &p));
    assert_false(stats_two_proportion_z(0.1, 300, 0.2, INFINITY, &z, &p));
    assert_false(stats_two_proportion_z(NAN, 300, 0.2, 300, &z, &p));
    assert_false(stats_two_proportion_z(0.1, 300, 1.2, 300, &z, &p));
    assert_true(z == 42 && p == 42);
    /* No change: z = 0, p = 1. One group at 0 and the other at 1 is a test. */
    assert_true(stats_two_proportion_z(0.3, 100, 0.3, 250, &z, &p));
    assert_true(z == 0.0 && p == 1.0);
    assert_true(stats_two_proportion_z(0.0, 50, 1.0, 50, &z, &p));
    assert_true(z > 0 && p > 0.0 && p < 1e-10);
    /* p-value in (0,1] over a grid. */
    for (int a = 0; a <= 10; a++)
        for (int b = 0; b <= 10; b++) {
            if (a + b == 0 || a + b == 20) continue;
            assert_true(stats_two_proportion_z(a / 10.0, 40, b / 10.0, 60, &z, &p));
            assert_true(p > 0.0 && p <= 1.0);
        }
}

/* SPEC §3: p0 = 7%, 300 vs 300 → 5.8 points; two wards (600 vs 600) → 4.1. */
static void mdc_spec_values(void **state)
{
    (void)state;
    assert_float_equal(stats_mdc(0.07, 300, 300), 0.058, 0.0005);
    assert_float_equal(stats_mdc(0.07, 300, 300), 0.0583647989, 1e-9);
    assert_float_equal(stats_mdc(0.07, 600, 600), 0.041, 0.0005);
    assert_float_equal(stats_mdc(0.07, 600, 600), 0.0412701451, 1e-9);
    /* figure 2's 7% -> 12% (5 points) is detectable for two wards, not one. */
    assert_true(stats_mdc(0.07, 600, 600) < 0.05 && stats_mdc(0.07, 300, 300) > 0.05);
    assert_true(stats_mdc(0.0, 300, 300) == 0.0);
    assert_true(isnan(stats_mdc(0.07, 0, 300)));
    assert_true(isnan(stats_mdc(0.07, 300, -5)));
    assert_true(isnan(stats_mdc(1.5, 300, 300)));
    assert_true(isnan(stats_mdc(NAN, 300, 300)));
}

/* Benjamini Y, Hochberg Y. Controlling the false discovery rate. JRSS B
 * 1995;57:289–300, section 3.2: 15 p-values at q = 0.05 reject the 4 smallest
 * (k = 4: 0.0095 <= 4(0.05)/15 = 0.0133; no larger k qualifies). */
static const double bh1995[15] = {0.0001, 0.0004, 0.0019, 0.0095, 0.0201,
                                  0.0278, 0.0298, 0.0344, 0.0459, 0.3240,
                                  0.4262, 0.5719, 0.6528, 0.7590, 1.000};

static void bh_classic_example(void **state)
{
    (void)state;
    bool sig[15];
    double copy[15];
    for (size_t i = 0; i < 15; i++) copy[i] = bh1995[i];
    stats_benjamini_hochberg(copy, 15, 0.05, sig);
    for (size_t i = 0; i < 15; i++) {
        assert_true(sig[i] == (i < 4));
        assert_true(copy[i] == bh1995[i]); /* input not modified */
    }
    /* Unsorted: same marks at the original positions. */
    const size_t perm[15] = {14, 3, 9, 0, 7, 12, 2, 5, 10, 1, 13, 8, 6, 11, 4};
    double shuffled[15];
    for (size_t i = 0; i < 15; i++) shuffled[i] = bh1995[perm[i]];
    stats_benjamini_hochberg(shuffled, 15, 0.05, sig);
    for (size_t i = 0; i < 15; i++) {
        assert_true(sig[i] == (perm[i] < 4));
        assert_true(shuffled[i] == bh1995[perm[i]]);
    }
}

static void bh_edges(void **state)
{
    (void)state;
    bool sig[6];
    /* All large: none. */
    const double large[4] = {0.2, 0.5, 0.9, 0.06};
    for (size_t i = 0; i < 6; i++) sig[i] = true;
    stats_benjamini_hochberg(large, 4, 0.05, sig);
    for (size_t i = 0; i < 4; i++) assert_false(sig[i]);
    /* Step-up: p_(2) = 0.04 <= 2(0.05)/2 rejects both although p_(1) = 0.03 > 0.025. */
    const double two[2] = {0.04, 0.03};
    stats_benjamini_hochberg(two, 2, 0.05, sig);
    assert_true(sig[0] && sig[1]);
    /* NaN (no test) is never significant and does not count in m:
     * valid {0.01, 0.04} with m = 2 reject both (0.04 <= 0.05); had NaNs
     * counted (m = 4), 0.04 > 2(0.05)/4 = 0.025 and 0.01 <= 0.0125 only. */
    const double withnan[4] = {NAN, 0.04, NAN, 0.01};
    for (size_t i = 0; i < 6; i++) sig[i] = true;
    stats_benjamini_hochberg(withnan, 4, 0.05, sig);
    assert_false(sig[0]);
    assert_true(sig[1]);
    assert_false(sig[2]);
    assert_true(sig[3]);
    /* All NaN: none, no crash. */
    const double allnan[3] = {NAN, NAN, NAN};
    for (size_t i = 0; i < 6; i++) sig[i] = true;
    stats_benjamini_hochberg(allnan, 3, 0.05, sig);
    assert_false(sig[0] || sig[1] || sig[2]);
    /* Bad q: none. */
    const double tiny[2] = {1e-9, 1e-8};
    stats_benjamini_hochberg(tiny, 2, NAN, sig);
    assert_false(sig[0] || sig[1]);
    stats_benjamini_hochberg(tiny, 2, 0.0, sig);
    assert_false(sig[0] || sig[1]);
    /* n = 0 and NULLs are harmless. */
    stats_benjamini_hochberg(tiny, 0, 0.05, sig);
    stats_benjamini_hochberg(NULL, 2, 0.05, sig);
    stats_benjamini_hochberg(tiny, 2, 0.05, NULL);
}

/* Figure 2's KPI: active_in_community from 7% at month 0 to 12% by month 24. */
static struct kpi_input kpi_base(void)
{
    struct kpi_input k = {
        .has_data = true, .higher_is_better = true,
        .value = 0.095, .ci_low = 0.07, .ci_high = 0.12,
        .baseline_value = 0.07, .baseline_month = 0,
        .target = 0.12, .due_month = 24,
        .now_month = 12, .today_month = 13,
    };
    return k;
}

static void kpi_each_status(void **state)
{
    (void)state;
    struct kpi_input k = kpi_base();
    assert_int_equal(stats_kpi_status(NULL), KPI_NO_DATA);
    k.has_data = false;
    assert_int_equal(stats_kpi_status(&k), KPI_NO_DATA);
    k = kpi_base();
    /* Line at month 12 is 0.095: the interval straddles it. */
    assert_int_equal(stats_kpi_status(&k), KPI_ON_TRACK);
    k.value = 0.12; k.ci_low = 0.09; k.ci_high = 0.15;
    assert_int_equal(stats_kpi_status(&k), KPI_MET);
    k = kpi_base();
    k.value = 0.07; k.ci_low = 0.05; k.ci_high = 0.09;   /* 0.09 < 0.095 */
    assert_int_equal(stats_kpi_status(&k), KPI_AT_RISK);
    k.ci_high = 0.0951;                                  /* reaches over the line (exact touching: see the count case) */
    assert_int_equal(stats_kpi_status(&k), KPI_ON_TRACK);
    k = kpi_base();
    k.today_month = 24;                                  /* due month not ended */
    assert_int_equal(stats_kpi_status(&k), KPI_ON_TRACK);
    k.today_month = 24.5;
    assert_int_equal(stats_kpi_status(&k), KPI_MISSED);
    /* The line is judged at now_month: the same interval is on track at
     * month 6 (line 0.0825) and at risk at month 18 (line 0.1075). */
    k = kpi_base();
    k.ci_low = 0.06; k.ci_high = 0.10; k.value = 0.08;
    k.now_month = 6;
    assert_int_equal(stats_kpi_status(&k), KPI_ON_TRACK);
    k.now_month = 18;
    assert_int_equal(stats_kpi_status(&k), KPI_AT_RISK);
}

static void kpi_precedence(void **state)
{
    (void)state;
    struct kpi_input k = kpi_base();
    /* met beats missed */
    k.value = 0.13; k.ci_low = 0.10; k.ci_high = 0.16; k.today_month = 30;
    assert_int_equal(stats_kpi_status(&k), KPI_MET);
    /* missed beats at_risk */
    k = kpi_base();
    k.value = 0.07; k.ci_low = 0.05; k.ci_high = 0.09; k.now_month = 24; k.today_month = 30;
    assert_int_equal(stats_kpi_status(&k), KPI_MISSED);
    /* no_data beats everything */
    k.has_data = false;
    assert_int_equal(stats_kpi_status(&k), KPI_NO_DATA);
}

static void kpi_lower_is_better_and_counts(void **state)
{
    (void)state;
    /* isolated (lower is better): 20% to 10% between month 0 and month 24. */
    struct kpi_input k = {
        .has_data = true, .higher_is_better = false,
        .value = 0.15, .ci_low = 0.12, .ci_high = 0.18,
        .baseline_value = 0.20, .baseline_month = 0,
        .target = 0.10, .due_month = 24, .now_month = 12, .today_month = 12,
    };
    assert_int_equal(stats_kpi_status(&k), KPI_ON_TRACK);   /* line 0.15 */
    k.value = 0.19; k.ci_low = 0.16; k.ci_high = 0.22;      /* 0.16 > 0.15 */
    assert_int_equal(stats_kpi_status(&k), KPI_AT_RISK);
    k.value = 0.10; k.ci_low = 0.07; k.ci_high = 0.13;
    assert_int_equal(stats_kpi_status(&k), KPI_MET);
    k.value = 0.11;                                          /* above target: not met */
    assert_int_equal(stats_kpi_status(&k), KPI_ON_TRACK);
    /* A count (groups_functioning 10 -> 20 by month 24): the value itself. */
    struct kpi_input c = {
        .has_data = true, .higher_is_better = true,
        .value = 14, .ci_low = 14, .ci_high = 14,
        .baseline_value = 10, .baseline_month = 0,
        .target = 20, .due_month = 24, .now_month = 12, .today_month = 12,
    };
    assert_int_equal(stats_kpi_status(&c), KPI_AT_RISK);    /* 14 < 15 */
    c.value = c.ci_low = c.ci_high = 15;
    assert_int_equal(stats_kpi_status(&c), KPI_ON_TRACK);   /* on the line */
    c.value = c.ci_low = c.ci_high = 20;
    assert_int_equal(stats_kpi_status(&c), KPI_MET);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(wilson_matches_newcombe_1998),
        cmocka_unit_test(wilson_edges),
        cmocka_unit_test(wilson_properties),
        cmocka_unit_test(effective_n),
        cmocka_unit_test(two_proportion_z_textbook),
        cmocka_unit_test(two_proportion_z_edges),
        cmocka_unit_test(mdc_spec_values),
        cmocka_unit_test(bh_classic_example),
        cmocka_unit_test(bh_edges),
        cmocka_unit_test(kpi_each_status),
        cmocka_unit_test(kpi_precedence),
        cmocka_unit_test(kpi_lower_is_better_and_counts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
