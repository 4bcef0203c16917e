/* test_catalogue.c — indicator formulas, figures and disclosure control */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "catalogue.h"
#include <string.h>

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

/* Each resident proportion of SPEC §3 against its definition, case by case:
 * (answers, expected outcome). */
struct case_ {
    const char *answers;
    enum response_outcome want;
};
#define Y OUTCOME_YES
#define N OUTCOME_NO
#define X OUTCOME_NOT_IN_BASE

static void check_cases(const char *id, const struct case_ *cases, size_t n)
{
    const struct indicator_def *d = indicator_find(id);
    assert_non_null(d);
    assert_non_null(d->classify);
    for (size_t i = 0; i < n; i++) {
        json_t *a = json_loads(cases[i].answers, 0, NULL);
        assert_non_null(a);
        enum response_outcome got = d->classify(a);
        if (got != cases[i].want)
            fail_msg("%s on %s: got %d, want %d", id, cases[i].answers, got, cases[i].want);
        json_decref(a);
    }
}
#define CHECK(id, ...)                                                                       \
    do {                                                                                     \
        const struct case_ c[] = {__VA_ARGS__};                                              \
        check_cases(id, c, sizeof c / sizeof c[0]);                                          \
    } while (0)

static void resident_definitions(void **state)
{
    (void)state;
    CHECK("volunteering", {"{\"q04\":\"yes\"}", Y}, {"{\"q04\":\"no\"}", N},
          {"{\"q04\":\"dont_know\"}", X}, {"{}", X});
    /* q04 no is in the base; q04 yes needs a q05 other than don't know; "other" counts no. */
    CHECK("regular_volunteering", {"{\"q04\":\"yes\",\"q05\":\"weekly\"}", Y},
          {"{\"q04\":\"yes\",\"q05\":\"monthly\"}", Y},
          {"{\"q04\":\"yes\",\"q05\":\"quarterly\"}", N},
          {"{\"q04\":\"yes\",\"q05\":\"other\"}", N},
          {"{\"q04\":\"yes\",\"q05\":\"dont_know\"}", X}, {"{\"q04\":\"yes\"}", X},
          {"{\"q04\":\"no\"}", N}, {"{\"q04\":\"dont_know\"}", X}, {"{}", X});
    CHECK("gives_help", {"{\"q07\":\"yes\"}", Y}, {"{\"q07\":\"no\"}", N},
          {"{\"q07\":\"dont_know\"}", X}, {"{\"q08\":\"yes\"}", X});
    CHECK("receives_help", {"{\"q08\":\"yes\"}", Y}, {"{\"q08\":\"no\"}", N},
          {"{\"q08\":\"dont_know\"}", X}, {"{\"q07\":\"yes\"}", X});
    /* Lower is better: "yes" here is the bad outcome, nobody to turn to. */
    CHECK("isolated", {"{\"q11\":\"none\"}", Y}, {"{\"q11\":\"one_or_two\"}", N},
          {"{\"q11\":\"six_or_more\"}", N}, {"{\"q11\":\"dont_know\"}", X}, {"{}", X});
    CHECK("neighbours_look_out", {"{\"q19\":\"yes\"}", Y}, {"{\"q19\":\"no\"}", N},
          {"{\"q19\":\"dont_know\"}", X});
    CHECK("belonging", {"{\"q14\":\"strongly_agree\"}", Y}, {"{\"q14\":\"agree\"}", Y},
          {"{\"q14\":\"neither\"}", N}, {"{\"q14\":\"strongly_disagree\"}", N},
          {"{\"q14\":\"dont_know\"}", X}, {"{\"q15\":\"agree\"}", X});
    /* q23a no: no activity, no benefit, in the base as no. */
    CHECK("health_benefit", {"{\"q23a\":\"yes\",\"q24\":\"positive\"}", Y},
          {"{\"q23a\":\"yes\",\"q24\":\"no_effect\"}", N},
          {"{\"q23a\":\"yes\",\"q24\":\"negative\"}", N},
          {"{\"q23a\":\"yes\",\"q24\":\"dont_know\"}", X}, {"{\"q23a\":\"yes\"}", X},
          {"{\"q23a\":\"no\"}", N}, {"{\"q23a\":\"dont_know\"}", X}, {"{}", X});
    CHECK("recognises_improvements", {"{\"q29\":\"yes\"}", Y}, {"{\"q29\":\"no\"}", N},
          {"{\"q29\":\"dont_know\"}", X});
    CHECK("can_influence_decisions", {"{\"q12\":\"definitely_agree\"}", Y},
          {"{\"q12\":\"tend_to_agree\"}", Y}, {"{\"q12\":\"tend_to_disagree\"}", N},
          {"{\"q12\":\"definitely_disagree\"}", N}, {"{\"q12\":\"dont_know\"}", X});
    CHECK("together_can_influence", {"{\"q22\":\"yes\"}", Y}, {"{\"q22\":\"no\"}", N},
          {"{\"q22\":\"dont_know\"}", X});
}

/* SPEC §3's minimum catalogue, with the factor and direction it gives. */
static void catalogue_has_spec_minimum(void **state)
{
    (void)state;
    static const struct {
        const char *id;
        int factor;
        enum indicator_direction dir;
        const char *source;
    } spec[] = {
        {"active_in_community", 1, HIGHER_IS_BETTER, "resident"},
        {"volunteering", 1, HIGHER_IS_BETTER, "resident"},
        {"regular_volunteering", 1, HIGHER_IS_BETTER, "resident"},
        {"volunteering_hours_per_1000", 1, HIGHER_IS_BETTER, "registry"},
        {"volunteers_per_1000", 1, HIGHER_IS_BETTER, "registry"},
        {"groups_functioning", 2, HIGHER_IS_BETTER, "registry"},
        {"groups_per_1000", 2, HIGHER_IS_BETTER, "registry"},
        {"community_sector_share", 2, HIGHER_IS_BETTER, "registry"},
        {"theme_range", 2, HIGHER_IS_BETTER, "registry"},
        {"network_density", 2, HIGHER_IS_BETTER, "registry"},
        {"hubs", 2, HIGHER_IS_BETTER, "registry"},
        {"new_groups", 2, HIGHER_IS_BETTER, "registry"},
        {"sector_confidence", 2, HIGHER_IS_BETTER, "sector"},
        {"gives_help", 3, HIGHER_IS_BETTER, "resident"},
        {"receives_help", 3, HIGHER_IS_BETTER, "resident"},
        {"isolated", 3, LOWER_IS_BETTER, "resident"},
        {"neighbours_look_out", 3, HIGHER_IS_BETTER, "resident"},
        {"belonging", 3, HIGHER_IS_BETTER, "resident"},
        {"health_benefit", 4, HIGHER_IS_BETTER, "resident"},
        {"recognises_improvements", 4, HIGHER_IS_BETTER, "resident"},
        {"affordable_meeting_spaces", 5, HIGHER_IS_BETTER, "assets"},
        {"open_grant_schemes", 5, HIGHER_IS_BETTER, "assets"},
        {"cd_input_hours", 5, HIGHER_IS_BETTER, "assets"},
        {"sector_support_satisfaction", 5, HIGHER_IS_BETTER, "sector"},
        {"can_influence_decisions", 6, HIGHER_IS_BETTER, "resident"},
        {"together_can_influence", 6, HIGHER_IS_BETTER, "resident"},
        {"statutory_positive_influence", 6, HIGHER_IS_BETTER, "sector"},
        {"services_modified", 6, HIGHER_IS_BETTER, "agency"},
        {"issues_answered_in_time", 6, HIGHER_IS_BETTER, "agency"},
    };
    for (size_t i = 0; i < sizeof spec / sizeof spec[0]; i++) {
        const struct indicator_def *d = indicator_find(spec[i].id);
        if (!d)
            fail_msg("%s missing from the catalogue", spec[i].id);
        assert_int_equal(d->factor, spec[i].factor);
        assert_int_equal(d->direction, spec[i].dir);
        assert_string_equal(d->source, spec[i].source);
        /* Resident proportions classify responses; nothing else does. */
        /* Survey proportions classify responses; registry, asset and agency figures do not. */
        assert_true((d->classify != NULL) ==
                    (strcmp(d->source, "resident") == 0 || strcmp(d->source, "sector") == 0));
        /* Sector figures exist at locality level only. */
        if (strcmp(d->source, "sector") == 0)
            assert_int_equal(d->levels, LEVEL_LOCALITY);
    }
    /* Ids are unique. */
    for (const struct indicator_def *a = indicator_catalogue; a->id; a++)
        for (const struct indicator_def *b = a + 1; b->id; b++)
            assert_string_not_equal(a->id, b->id);
}

static enum response_outcome classify_with(enum response_outcome (*fn)(const json_t *),
                                           const char *answers_json)
{
    json_t *a = json_loads(answers_json, 0, NULL);
    assert_non_null(a);
    enum response_outcome o = fn(a);
    json_decref(a);
    return o;
}

/* The three sector proportions (SPEC §3), case by case: every code of the
 * question, don't know and a missing answer outside the base, other questions
 * ignored. */
static void sector_definitions(void **state)
{
    (void)state;
    enum response_outcome (*conf)(const json_t *) = indicator_sector_confidence;
    assert_int_equal(classify_with(conf, "{\"q02\":\"very_confident\"}"), OUTCOME_YES);
    assert_int_equal(classify_with(conf, "{\"q02\":\"fairly_confident\"}"), OUTCOME_YES);
    assert_int_equal(classify_with(conf, "{\"q02\":\"not_very_confident\"}"), OUTCOME_NO);
    assert_int_equal(classify_with(conf, "{\"q02\":\"not_at_all_confident\"}"), OUTCOME_NO);
    assert_int_equal(classify_with(conf, "{\"q02\":\"dont_know\"}"), OUTCOME_NOT_IN_BASE);
    assert_int_equal(classify_with(conf, "{}"), OUTCOME_NOT_IN_BASE);
    assert_int_equal(classify_with(conf, "{\"q01\":\"very_successful\"}"), OUTCOME_NOT_IN_BASE);

    enum response_outcome (*sat)(const json_t *) = indicator_sector_support_satisfaction;
    assert_int_equal(classify_with(sat, "{\"q03\":\"very_satisfied\"}"), OUTCOME_YES);
    assert_int_equal(classify_with(sat, "{\"q03\":\"fairly_satisfied\"}"), OUTCOME_YES);
    assert_int_equal(classify_with(sat, "{\"q03\":\"neither\"}"), OUTCOME_NO);
    assert_int_equal(classify_with(sat, "{\"q03\":\"fairly_dissatisfied\"}"), OUTCOME_NO);
    assert_int_equal(classify_with(sat, "{\"q03\":\"very_dissatisfied\"}"), OUTCOME_NO);
    assert_int_equal(classify_with(sat, "{\"q03\":\"dont_know\"}"), OUTCOME_NOT_IN_BASE);
    assert_int_equal(classify_with(sat, "{\"q06\":\"very_satisfied\"}"), OUTCOME_NOT_IN_BASE);

    enum response_outcome (*inf)(const json_t *) = indicator_statutory_positive_influence;
    assert_int_equal(classify_with(inf, "{\"q07\":\"very_positive\"}"), OUTCOME_YES);
    assert_int_equal(classify_with(inf, "{\"q07\":\"positive\"}"), OUTCOME_YES);
    assert_int_equal(classify_with(inf, "{\"q07\":\"neither\"}"), OUTCOME_NO);
    assert_int_equal(classify_with(inf, "{\"q07\":\"negative\"}"), OUTCOME_NO);
    assert_int_equal(classify_with(inf, "{\"q07\":\"very_negative\"}"), OUTCOME_NO);
    assert_int_equal(classify_with(inf, "{\"q07\":\"dont_know\"}"), OUTCOME_NOT_IN_BASE);
    assert_int_equal(classify_with(inf, "{}"), OUTCOME_NOT_IN_BASE);
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
        cmocka_unit_test(resident_definitions),
        cmocka_unit_test(catalogue_has_spec_minimum),
        cmocka_unit_test(catalogue_is_complete),
        cmocka_unit_test(sector_definitions),
        cmocka_unit_test(figure_from_sums),
        cmocka_unit_test(suppression_withholds_figures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
