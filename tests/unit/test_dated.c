/* test_dated.c — the arithmetic of dated indicators: per 1000, density, shares, and every
 * figure from one raw row (values worked by hand) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>
#include "dated.h"
#include "catalogue.h"

static void per_1000(void **state)
{
    (void)state;
    double v = -1;
    assert_true(dated_per_1000(12, true, 6000, &v));
    assert_float_equal(v, 2.0, 1e-12);
    assert_true(dated_per_1000(0, true, 5000, &v));
    assert_float_equal(v, 0.0, 0);
    v = -1;
    assert_false(dated_per_1000(12, false, 6000, &v)); /* no population: no rate */
    assert_false(dated_per_1000(12, true, 0, &v));
    assert_float_equal(v, -1, 0);
}

/* n(n−1)/2 possible undirected links; none below two organisations. */
static void density(void **state)
{
    (void)state;
    double v = -1;
    assert_false(dated_density(0, 0, &v));
    assert_false(dated_density(0, 1, &v));
    assert_true(dated_density(1, 2, &v));
    assert_float_equal(v, 1.0, 1e-12);
    assert_true(dated_density(1, 4, &v));
    assert_float_equal(v, 1.0 / 6, 1e-12);
    assert_true(dated_density(45, 10, &v)); /* complete graph */
    assert_float_equal(v, 1.0, 1e-12);
}

static void share(void **state)
{
    (void)state;
    double v = -1;
    assert_false(dated_share(0, 0, &v));
    assert_true(dated_share(2, 3, &v));
    assert_float_equal(v, 2.0 / 3, 1e-12);
}

static void every_figure_from_one_row(void **state)
{
    (void)state;
    struct dated_raw raw = {.on = "2025-06-30", .period_start = "2024-07-01",
                            .has_population = true, .population = 6000,
                            .volunteer_hours = 125.5, .volunteers = 38, .groups = 2, .active = 4,
                            .income_known = 4, .community_sector = 2, .themes = 4, .links = 1,
                            .hubs = 2, .new_groups = 1, .spaces = 2, .grants = 1,
                            .cd_hours = 32.5, .services = 5, .issues_due = 3, .in_time = 1,
                            .has_median = true, .median_days = 31.5};
    struct dated_figure f[DATED_COUNT];
    dated_compute(&raw, f);
    assert_float_equal(f[DATED_VOLUNTEERING_HOURS_PER_1000].value, 125.5 / 6, 1e-9);
    assert_true(f[DATED_VOLUNTEERING_HOURS_PER_1000].periodic);
    assert_float_equal(f[DATED_VOLUNTEERING_HOURS_PER_1000].denominator, 6000, 0);
    assert_float_equal(f[DATED_VOLUNTEERS_PER_1000].value, 38 / 6.0, 1e-9);
    assert_float_equal(f[DATED_GROUPS_FUNCTIONING].value, 2, 0);
    assert_false(f[DATED_GROUPS_FUNCTIONING].periodic);
    assert_float_equal(f[DATED_GROUPS_PER_1000].value, 2 / 6.0, 1e-9);
    assert_float_equal(f[DATED_COMMUNITY_SECTOR_SHARE].value, 0.5, 1e-12);
    assert_float_equal(f[DATED_NETWORK_DENSITY].value, 1.0 / 6, 1e-12);
    assert_float_equal(f[DATED_NETWORK_DENSITY].denominator, 6, 0);
    assert_float_equal(f[DATED_CD_INPUT_HOURS].value, 32.5, 0);
    assert_float_equal(f[DATED_ISSUES_ANSWERED_IN_TIME].value, 1.0 / 3, 1e-12);
    assert_true(f[DATED_ISSUES_ANSWERED_IN_TIME].has_median);
    assert_float_equal(f[DATED_ISSUES_ANSWERED_IN_TIME].median_days, 31.5, 0);
    for (int i = 0; i < DATED_COUNT; i++)
        assert_true(f[i].has_value);

    /* Without a population, one organisation and no issue old enough: no
     * rates, no density, no share, each saying why. */
    raw.has_population = false;
    raw.active = 1;
    raw.links = 0;
    raw.issues_due = 0;
    raw.in_time = 0;
    dated_compute(&raw, f);
    const int missing[] = {DATED_VOLUNTEERING_HOURS_PER_1000, DATED_VOLUNTEERS_PER_1000,
                           DATED_GROUPS_PER_1000, DATED_NETWORK_DENSITY,
                           DATED_ISSUES_ANSWERED_IN_TIME};
    for (size_t i = 0; i < sizeof missing / sizeof missing[0]; i++) {
        assert_false(f[missing[i]].has_value);
        assert_non_null(f[missing[i]].note);
    }
    assert_true(f[DATED_GROUPS_FUNCTIONING].has_value);
}

/* Every dated id is in the catalogue, with a registry, assets or agency
 * source, no classifier, and no ward level (records name neighbourhoods). */
static void ids_match_the_catalogue(void **state)
{
    (void)state;
    int dated = 0;
    for (const struct indicator_def *d = indicator_catalogue; d->id; d++) {
        bool is_dated = strcmp(d->source, "registry") == 0 || strcmp(d->source, "assets") == 0 ||
                        strcmp(d->source, "agency") == 0;
        assert_int_equal(is_dated, dated_index(d->id) >= 0);
        if (is_dated) {
            dated++;
            assert_null(d->classify);
            assert_int_equal(d->levels, LEVEL_NEIGHBOURHOOD | LEVEL_LOCALITY);
        }
    }
    assert_int_equal(dated, DATED_COUNT);
    assert_int_equal(dated_index("active_in_community"), -1);
    assert_int_equal(dated_index(NULL), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(per_1000),
        cmocka_unit_test(density),
        cmocka_unit_test(share),
        cmocka_unit_test(every_figure_from_one_row),
        cmocka_unit_test(ids_match_the_catalogue),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
