/* test_indicators.c — indicator formulas, figures and disclosure control */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "indicators.h"

static enum response_outcome classify(const char *answers_json)
{
    json_t *a = json_loads(answers_json, 0, NULL);
    assert_non_null(a);
    enum response_outcome o = indicator_active_in_community(a);
    json_decref(a);
    return o;
}

/* SPEC §3: yes if any of q01, q02, q23a is yes; no if all three are answered
 * no; otherwise not in the base. */
static void active_in_community_definition(void **state)
{
    (void)state;
    assert_int_equal(classify("{\"q01\":\"yes\"}"), OUTCOME_YES);
    assert_int_equal(classify("{\"q02\":\"yes\",\"q01\":\"no\"}"), OUTCOME_YES);
    assert_int_equal(classify("{\"q01\":\"dont_know\",\"q02\":\"dont_know\",\"q23a\":\"yes\"}"), OUTCOME_YES);
    assert_int_equal(classify("{\"q01\":\"no\",\"q02\":\"no\",\"q23a\":\"no\"}"), OUTCOME_NO);
    assert_int_equal(classify("{\"q01\":\"no\",\"q02\":\"no\"}"), OUTCOME_NOT_IN_BASE);
    assert_int_equal(classify("{\"q01\":\"no\",\"q02\":\"no\",\"q23a\":\"dont_know\"}"), OUTCOME_NOT_IN_BASE);
    assert_int_equal(classify("{}"), OUTCOME_NOT_IN_BASE);
    assert_int_equal(classify("{\"q04\":\"yes\"}"), OUTCOME_NOT_IN_BASE);
}

static void catalogue_is_complete(void **state)
{
    (void)state;
    const struct indicator_def *d = indicator_find("active_in_community");
    assert_non_null(d);
    assert_int_equal(d->factor, 1);
    assert_int_equal(d->direction, HIGHER_IS_BETTER);
    assert_true(d->version >= 1);
    assert_non_null(d->classify);
    assert_null(indicator_find("no_such_indicator"));
    for (d = indicator_catalogue; d->id; d++) {
        assert_true(d->factor >= 1 && d->factor <= 6);
        assert_non_null(d->definition);
    }
}

static void figure_from_sums(void **state)
{
    (void)state;
    /* 81 of 263 unweighted: Newcombe's first example. */
    struct proportion_figure f = proportion_from_sums(263, 263, 263, 81);
    assert_true(f.has_value);
    assert_false(f.suppressed);
    assert_float_equal(f.value, 81.0 / 263, 1e-12);
    assert_float_equal(f.n_eff, 263, 1e-9);
    assert_float_equal(f.ci_low, 0.2553, 0.00005);
    assert_float_equal(f.ci_high, 0.3662, 0.00005);
    /* Weighted: two responses of weight 1 (y=1) and 3 (y=0). */
    f = proportion_from_sums(2, 4, 10, 1);
    assert_float_equal(f.value, 0.25, 1e-12);
    assert_float_equal(f.n_eff, 1.6, 1e-12);
    /* Empty base: no value. */
    f = proportion_from_sums(0, 0, 0, 0);
    assert_false(f.has_value);
}

/* Disclosure control: raw base under 10 withholds everything but n. */
static void suppression_withholds_figures(void **state)
{
    (void)state;
    struct proportion_figure f = proportion_from_sums(9, 9, 9, 3);
    assert_true(f.suppressed);
    json_t *j = proportion_to_json(&f);
    assert_true(json_is_null(json_object_get(j, "value")));
    assert_true(json_is_null(json_object_get(j, "nEff")));
    assert_true(json_is_null(json_object_get(j, "ciLow")));
    assert_true(json_is_null(json_object_get(j, "ciHigh")));
    assert_int_equal(json_integer_value(json_object_get(j, "n")), 9);
    assert_true(json_is_true(json_object_get(j, "suppressed")));
    json_decref(j);
    f = proportion_from_sums(10, 10, 10, 3);
    assert_false(f.suppressed);
    j = proportion_to_json(&f);
    assert_float_equal(json_real_value(json_object_get(j, "value")), 0.3, 1e-12);
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(active_in_community_definition),
        cmocka_unit_test(catalogue_is_complete),
        cmocka_unit_test(figure_from_sums),
        cmocka_unit_test(suppression_withholds_figures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
