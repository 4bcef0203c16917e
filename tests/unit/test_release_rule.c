/* test_release_rule.c — the withheld reasons and the cell-key perturbation of
 * provisional releases (lib/release_rule.c), property by property */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "release_rule.h"

/* Over all CELL_KEY_RANGE keys, every count of 2 or more gets the same
 * table: -2..+2, mean exactly 0, variance 206/256 (the 0.8 the README
 * publishes, as near as 256 keys allow). */
static void counts_of_two_or_more_move_by_at_most_two_mean_zero_variance_08(void **state)
{
    (void)state;
    const long long counts[] = {2, 3, 9, 10, 11, 57, 300, 100000};
    for (size_t c = 0; c < sizeof counts / sizeof *counts; c++) {
        long long sum = 0, sq = 0;
        int seen[5] = {0};
        for (int k = 0; k < CELL_KEY_RANGE; k++) {
            int p = cell_key_perturbation(counts[c], k);
            assert_in_range(p + 2, 0, 4);
            seen[p + 2]++;
            sum += p;
            sq += (long long)p * p;
            assert_int_equal(p, cell_key_perturbation(2, k)); /* one table for all */
        }
        assert_int_equal(sum, 0);
        assert_int_equal(sq, 206);
        assert_true(fabs((double)sq / CELL_KEY_RANGE - 0.8) < 0.01);
        /* 13, 51, 128, 51, 13 keys of 256 */
        assert_int_equal(seen[0], 13);
        assert_int_equal(seen[1], 51);
        assert_int_equal(seen[2], 128);
        assert_int_equal(seen[3], 51);
        assert_int_equal(seen[4], 13);
    }
}

static void zero_stays_zero(void **state)
{
    (void)state;
    for (int k = -300; k < 600; k++) {
        assert_int_equal(cell_key_perturbation(0, k), 0);
        assert_int_equal(cell_key_perturbation(-1, k), 0);
    }
}

/* A count of 1 never becomes 3 or -1: -1, 0, +1 on 64, 128, 64 keys. */
static void a_count_of_one_moves_by_at_most_one(void **state)
{
    (void)state;
    int seen[3] = {0};
    long long sum = 0;
    for (int k = 0; k < CELL_KEY_RANGE; k++) {
        int p = cell_key_perturbation(1, k);
        assert_in_range(p + 1, 0, 2);
        seen[p + 1]++;
        sum += p;
    }
    assert_int_equal(sum, 0);
    assert_int_equal(seen[0], 64);
    assert_int_equal(seen[1], 128);
    assert_int_equal(seen[2], 64);
}

/* The key is the sum of the members' record keys mod 256, whatever the sum's
 * size or sign. */
static void the_key_is_taken_mod_256(void **state)
{
    (void)state;
    for (int k = 0; k < CELL_KEY_RANGE; k++)
        for (long long m = -3; m <= 3; m++) {
            assert_int_equal(cell_key_perturbation(1, k + m * CELL_KEY_RANGE),
                             cell_key_perturbation(1, k));
            assert_int_equal(cell_key_perturbation(25, k + m * CELL_KEY_RANGE),
                             cell_key_perturbation(25, k));
        }
}

static struct figure_state unweighted(long long n, long long y, long long key_n, long long key_y)
{
    return (struct figure_state){.n_raw = n, .n_yes = y, .sum_w = (double)n,
                                 .sum_w2 = (double)n, .sum_wy = (double)y,
                                 .key_n = key_n, .key_y = key_y};
}

/* Every base of 10..30, every numerator, every key of the base and many of
 * the numerator: the base stays at 10 or more and within 2 of the truth
 * (or is lifted to 10), the numerator within 2 and within [0, n']. */
static void release_perturb_keeps_the_base_and_the_numerator_in_range(void **state)
{
    (void)state;
    for (long long n = DISCLOSURE_MIN_BASE; n <= 30; n++)
        for (long long y = 0; y <= n; y++)
            for (long long kn = 0; kn < CELL_KEY_RANGE; kn++)
                for (long long ky = 0; ky < CELL_KEY_RANGE; ky += 5) {
                    struct figure_state s = unweighted(n, y, kn, ky);
                    struct figure_state p = release_perturb(&s);
                    assert_true(p.n_raw >= DISCLOSURE_MIN_BASE);
                    assert_true(p.n_raw <= n + 2);
                    assert_true(p.n_raw >= n - 2);
                    assert_true(p.n_yes >= 0);
                    assert_true(p.n_yes <= p.n_raw);
                    assert_true(llabs(p.n_yes - y) <= 2);
                    assert_int_equal(p.key_n, kn);
                    assert_int_equal(p.key_y, ky);
                }
}

/* Unweighted, the published estimate is y' / n' and n_eff is n'. */
static void unweighted_estimate_is_the_perturbed_ratio(void **state)
{
    (void)state;
    for (long long n = DISCLOSURE_MIN_BASE; n <= 60; n += 7)
        for (long long y = 0; y <= n; y++)
            for (long long k = 0; k < CELL_KEY_RANGE; k += 3) {
                struct figure_state s = unweighted(n, y, k, (k * 7 + y) % CELL_KEY_RANGE);
                struct figure_state p = release_perturb(&s);
                assert_true(p.sum_w > 0);
                assert_true(fabs(p.sum_w - (double)p.n_raw) < 1e-9);
                assert_true(fabs(p.sum_w2 - (double)p.n_raw) < 1e-9);
                assert_true(fabs(p.sum_wy / p.sum_w - (double)p.n_yes / (double)p.n_raw) < 1e-12);
            }
}

/* Weighted: the weights are scaled to the perturbed base (n_eff moves with
 * it) and the estimate moves by the numerator's perturbation over it. */
static void weighted_sums_follow_the_perturbed_counts(void **state)
{
    (void)state;
    for (long long k = 0; k < CELL_KEY_RANGE; k++) {
        struct figure_state s = {.n_raw = 40, .n_yes = 12, .sum_w = 52.5, .sum_w2 = 80.25,
                                 .sum_wy = 14.0, .key_n = k, .key_y = (k * 31) % CELL_KEY_RANGE};
        struct figure_state p = release_perturb(&s);
        double scale = (double)p.n_raw / 40.0;
        assert_true(fabs(p.sum_w - 52.5 * scale) < 1e-9);
        assert_true(fabs(p.sum_w2 - 80.25 * scale) < 1e-9);
        double want = (14.0 / 52.5) * (40.0 / (double)p.n_raw) +
                      (double)(p.n_yes - 12) / (double)p.n_raw;
        assert_true(fabs(p.sum_wy / p.sum_w - want) < 1e-12);
    }
}

/* The same members give the same release, whenever and however often it is
 * computed: nothing random at run time, so re-reads average nothing away. */
static void the_same_input_gives_the_same_output(void **state)
{
    (void)state;
    for (long long k = 0; k < CELL_KEY_RANGE; k++) {
        struct figure_state s = unweighted(23, 9, k, 255 - k), t = s;
        struct figure_state a = release_perturb(&s), b = release_perturb(&t),
                            c = release_perturb(&s);
        assert_int_equal(a.n_raw, b.n_raw);
        assert_int_equal(a.n_yes, b.n_yes);
        assert_memory_equal(&a.sum_wy, &b.sum_wy, sizeof a.sum_wy);
        assert_memory_equal(&a.sum_w, &c.sum_w, sizeof a.sum_w);
        assert_memory_equal(&a.sum_w2, &c.sum_w2, sizeof a.sum_w2);
        assert_int_equal(a.n_yes, c.n_yes);
        /* and the input is left alone */
        assert_int_equal(s.n_raw, 23);
        assert_int_equal(s.n_yes, 9);
    }
}

static void every_reason_has_its_name(void **state)
{
    (void)state;
    assert_null(withheld_reason_name(WITHHELD_NONE));
    assert_string_equal(withheld_reason_name(WITHHELD_SMALL_BASE), "small_base");
    assert_string_equal(withheld_reason_name(WITHHELD_COMPLEMENTARY), "complementary");
    assert_string_equal(withheld_reason_name(WITHHELD_NOT_RELEASED), "not_released");
    assert_string_equal(withheld_reason_name(WITHHELD_NO_BASELINE), "no_baseline");
    assert_string_equal(withheld_reason_name(WITHHELD_BASELINE_SMALL_BASE), "baseline_small_base");
    assert_string_equal(withheld_reason_name(WITHHELD_BASELINE_COMPLEMENTARY),
                        "baseline_complementary");
    assert_string_equal(withheld_reason_name(WITHHELD_BASELINE_NOT_RELEASED),
                        "baseline_not_released");
}

/* A withheld baseline withholds the change for the baseline's reason; a
 * shown baseline (or a reason that is already the change's) gives none. */
static void a_withheld_baseline_names_its_reason(void **state)
{
    (void)state;
    assert_int_equal(withheld_for_baseline(WITHHELD_SMALL_BASE), WITHHELD_BASELINE_SMALL_BASE);
    assert_int_equal(withheld_for_baseline(WITHHELD_COMPLEMENTARY),
                     WITHHELD_BASELINE_COMPLEMENTARY);
    assert_int_equal(withheld_for_baseline(WITHHELD_NOT_RELEASED),
                     WITHHELD_BASELINE_NOT_RELEASED);
    assert_int_equal(withheld_for_baseline(WITHHELD_NONE), WITHHELD_NONE);
    assert_int_equal(withheld_for_baseline(WITHHELD_NO_BASELINE), WITHHELD_NONE);
    assert_int_equal(withheld_for_baseline(WITHHELD_BASELINE_SMALL_BASE), WITHHELD_NONE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(counts_of_two_or_more_move_by_at_most_two_mean_zero_variance_08),
        cmocka_unit_test(zero_stays_zero),
        cmocka_unit_test(a_count_of_one_moves_by_at_most_one),
        cmocka_unit_test(the_key_is_taken_mod_256),
        cmocka_unit_test(release_perturb_keeps_the_base_and_the_numerator_in_range),
        cmocka_unit_test(unweighted_estimate_is_the_perturbed_ratio),
        cmocka_unit_test(weighted_sums_follow_the_perturbed_counts),
        cmocka_unit_test(the_same_input_gives_the_same_output),
        cmocka_unit_test(every_reason_has_its_name),
        cmocka_unit_test(a_withheld_baseline_names_its_reason),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
