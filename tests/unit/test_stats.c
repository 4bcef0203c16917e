/* test_stats.c — Wilson interval and effective base against published values */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(wilson_matches_newcombe_1998),
        cmocka_unit_test(wilson_edges),
        cmocka_unit_test(wilson_properties),
        cmocka_unit_test(effective_n),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
