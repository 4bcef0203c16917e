/* test_figures.c — published figures against their baseline: change, z-test,
 * MDC, Benjamini–Hochberg and adverse flags, disclosure control */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include "figures.h"

/* An unweighted cell of n responses, k of them counting. */
static struct figure_input cell(const char *id, int n, int k, int n0, int k0, bool baseline_round)
{
    struct figure_input x = {indicator_find(id), n, n, n, k, true, baseline_round, n0, n0, n0, k0,
                             true, true, false, false};
    return x;
}

/* SPEC §3: at p₀ = 7% and 300 against 300 the MDC is 5.8 points; for a
 * neighbourhood of two wards (600 against 600) 4.1 points. In the baseline
 * round itself there is no change, and the MDC assumes an equal follow-up. */
static void mdc_matches_the_spec(void **state)
{
    (void)state;
    struct figure_input in[] = {cell("active_in_community", 300, 21, 300, 21, true),
                                cell("active_in_community", 600, 42, 600, 42, true)};
    struct figure f[2];
    figures_compute(in, 2, true, f);
    assert_true(f[0].has_mdc && f[1].has_mdc);
    assert_float_equal(f[0].mdc, 0.0583648, 1e-6);
    assert_float_equal(f[1].mdc, 0.0412701, 1e-6);
    assert_false(f[0].has_change);
    assert_false(f[0].significant);
}

/* Figure 2's 7% → 12% with 300 residents each time: pooled z = 2.0885,
 * two-sided p = 0.0368 (hand-computed from the formula in SPEC §3:
 * p̄ = 0.095, SE = √(0.095·0.905·2/300) = 0.02394). */
static void change_test_on_figure_two(void **state)
{
    (void)state;
    struct figure_input in[] = {cell("active_in_community", 300, 36, 300, 21, false)};
    struct figure f;
    figures_compute(in, 1, true, &f);
    assert_true(f.has_change);
    assert_float_equal(f.change, 0.05, 1e-12);
    assert_float_equal(f.z, 2.0884763, 1e-6);
    assert_float_equal(f.p_value, 0.0367549, 1e-6);
    assert_true(f.significant); /* alone, BH is the plain 5% test */
    assert_false(f.adverse);
}

/* Open rounds are provisional: no significance and no adverse flag, even
 * for a change that would be significant once closed. */
static void open_rounds_flag_nothing(void **state)
{
    (void)state;
    struct figure_input in[] = {cell("active_in_community", 300, 36, 300, 21, false)};
    struct figure f;
    figures_compute(in, 1, false, &f);
    assert_true(f.has_change);
    assert_false(f.significant);
    assert_false(f.adverse);
}

/* Lower is better for `isolated`: a significant rise is adverse. Across
 * several indicators BH is stricter than 5% each: p = 0.0458 passes alone,
 * but not as the smaller of two p-values (its threshold is 1·0.05/2 = 0.025). */
static void adverse_and_benjamini_hochberg(void **state)
{
    (void)state;
    struct figure_input alone[] = {cell("isolated", 300, 39, 300, 24, false)};
    struct figure f[2];
    figures_compute(alone, 1, true, f);
    assert_float_equal(f[0].p_value, 0.0457596, 1e-6);
    assert_true(f[0].significant && f[0].adverse);

    struct figure_input two[] = {cell("isolated", 300, 39, 300, 24, false),
                                 cell("belonging", 300, 150, 300, 151, false)};
    figures_compute(two, 2, true, f);
    assert_true(f[1].p_value > 0.9);
    assert_false(f[0].significant);
    assert_false(f[0].adverse);
    assert_false(f[1].significant);
}

/* A rise of a higher-is-better indicator is never adverse; a fall is. */
static void direction_decides_adverse(void **state)
{
    (void)state;
    struct figure_input in[] = {cell("belonging", 300, 120, 300, 180, false)};
    struct figure f;
    figures_compute(in, 1, true, &f);
    assert_true(f.significant && f.change < 0 && f.adverse);
}

/* Disclosure control, the baseline rule: a raw base under 10 withholds the
 * figure's own value, interval, n_eff and n (small_base); a small baseline
 * withholds only what is computed from it — change, p-value, MDC,
 * significance — for baseline_small_base, while the figure shows its value
 * (a follow-up of 27 behind a baseline of 8). */
static void suppression_withholds_change(void **state)
{
    (void)state;
    struct figure_input in[] = {cell("active_in_community", 27, 9, 8, 1, false),
                                cell("active_in_community", 9, 3, 300, 21, false)};
    struct figure f[2];
    figures_compute(in, 2, true, f);
    json_t *j = json_object();
    assert_true(figure_to_json(&f[0], j));
    assert_false(f[0].suppressed);
    assert_false(f[0].significant);
    assert_float_equal(json_real_value(json_object_get(j, "value")), 9.0 / 27.0, 1e-12);
    assert_int_equal(json_integer_value(json_object_get(j, "n")), 27);
    assert_true(json_is_null(json_object_get(j, "withheldReason")));
    const char *derived[] = {"baselineValue", "change", "pValue", "mdc"};
    for (size_t k = 0; k < sizeof derived / sizeof *derived; k++)
        assert_true(json_is_null(json_object_get(j, derived[k])));
    assert_string_equal(json_string_value(json_object_get(j, "changeWithheldReason")),
                        "baseline_small_base");
    json_decref(j);

    j = json_object();
    assert_true(figure_to_json(&f[1], j));
    assert_true(f[1].suppressed);
    assert_false(f[1].significant);
    const char *withheld[] = {"n", "value", "nEff", "ciLow", "ciHigh", "change", "pValue", "mdc"};
    for (size_t k = 0; k < sizeof withheld / sizeof *withheld; k++)
        assert_true(json_is_null(json_object_get(j, withheld[k])));
    assert_string_equal(json_string_value(json_object_get(j, "withheldReason")), "small_base");
    assert_string_equal(json_string_value(json_object_get(j, "changeWithheldReason")), "small_base");
    /* The baseline is its own figure, publishable on its own base. */
    assert_float_equal(json_real_value(json_object_get(j, "baselineValue")), 21.0 / 300.0, 1e-12);
    assert_true(json_is_true(json_object_get(j, "suppressed")));
    json_decref(j);
}

/* Not released yet: withheld as not_released, and what a baseline not
 * released yet withholds says so too. */
static void unreleased_figures_say_so(void **state)
{
    (void)state;
    struct figure_input in[] = {cell("active_in_community", 300, 36, 300, 21, false),
                                cell("active_in_community", 300, 36, 300, 21, false)};
    in[0].released = false;
    in[1].base_released = false;
    struct figure f[2];
    figures_compute(in, 2, true, f);
    assert_true(f[0].suppressed);
    assert_int_equal(f[0].value_reason, WITHHELD_NOT_RELEASED);
    assert_false(f[1].suppressed);
    assert_int_equal(f[1].change_reason, WITHHELD_BASELINE_NOT_RELEASED);
    assert_false(f[1].has_change || f[1].significant);
}

/* No baseline: the estimate alone, no change and no MDC; p = 0 or 1 on both
 * sides: no test (SPEC: none when p̄ is 0 or 1). */
static void edges(void **state)
{
    (void)state;
    struct figure_input none = cell("volunteering", 50, 10, 0, 0, false);
    none.has_baseline = false;
    struct figure_input zero[] = {none, cell("volunteering", 50, 0, 50, 0, false),
                                  cell("volunteering", 50, 50, 50, 50, false)};
    struct figure f[3];
    figures_compute(zero, 3, true, f);
    assert_false(f[0].has_change || f[0].has_mdc || f[0].significant);
    assert_float_equal(f[0].now.value, 0.2, 1e-12);
    assert_false(f[1].has_change);
    assert_false(f[2].has_change);
    assert_false(f[1].significant || f[2].significant);
}

/* What an alert announces: becoming significant, flipping direction, ceasing
 * (so that a return is news again); nothing for the same state, nothing for a
 * figure never announced and not significant, and a suppressed figure — never
 * significant, no movement — ceases an earlier announcement. */
static void significance_news(void **state)
{
    (void)state;
    struct figure_input in[] = {cell("isolated", 300, 60, 300, 24, false),
                                cell("isolated", 300, 24, 300, 60, false),
                                cell("isolated", 300, 30, 300, 24, false),
                                cell("isolated", 9, 9, 300, 24, false)};
    struct figure f[4];
    for (int i = 0; i < 4; i++)
        figures_compute(&in[i], 1, true, &f[i]);
    assert_true(f[0].significant && f[1].significant && !f[2].significant && !f[3].significant);
    assert_string_equal(figure_movement(&f[0]), "up");
    assert_string_equal(figure_movement(&f[1]), "down");
    assert_string_equal(figure_movement(&f[3]), "");
    assert_true(figure_significance_news(&f[0], false, ""));       /* became significant */
    assert_false(figure_significance_news(&f[0], true, "up"));     /* the same state */
    assert_true(figure_significance_news(&f[1], true, "up"));      /* flipped */
    assert_true(figure_significance_news(&f[2], true, "up"));      /* ceased */
    assert_false(figure_significance_news(&f[2], false, "up"));    /* ceased already */
    assert_false(figure_significance_news(&f[2], false, ""));      /* never announced */
    assert_true(figure_significance_news(&f[3], true, "up"));      /* suppressed: ceases */
}

/* A figure withheld by complementary suppression (a sibling's sake) looks like
 * any suppressed one: nothing derived from it, no p-value in BH, no n. */
static void withheld_figures_reveal_nothing(void **state)
{
    (void)state;
    struct figure_input in[] = {cell("active_in_community", 300, 36, 300, 21, false)};
    in[0].withheld = true;
    struct figure f[1];
    figures_compute(in, 1, true, f);
    assert_true(f[0].suppressed);
    assert_false(f[0].has_change || f[0].has_mdc || f[0].significant || f[0].adverse);
    json_t *j = json_object();
    assert_true(figure_to_json(&f[0], j));
    const char *withheld[] = {"value", "nEff", "ciLow", "ciHigh", "change", "pValue", "mdc"};
    for (size_t k = 0; k < sizeof withheld / sizeof withheld[0]; k++)
        assert_true(json_is_null(json_object_get(j, withheld[k])));
    /* The baseline is a figure of its own, shown on its own base. */
    assert_float_equal(json_real_value(json_object_get(j, "baselineValue")), 21.0 / 300.0, 1e-12);
    assert_true(json_is_null(json_object_get(j, "n")));
    assert_string_equal(json_string_value(json_object_get(j, "withheldReason")), "complementary");
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(mdc_matches_the_spec),
        cmocka_unit_test(change_test_on_figure_two),
        cmocka_unit_test(open_rounds_flag_nothing),
        cmocka_unit_test(adverse_and_benjamini_hochberg),
        cmocka_unit_test(direction_decides_adverse),
        cmocka_unit_test(suppression_withholds_change),
        cmocka_unit_test(unreleased_figures_say_so),
        cmocka_unit_test(edges),
        cmocka_unit_test(significance_news),
        cmocka_unit_test(withheld_figures_reveal_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
