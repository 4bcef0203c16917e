/* test_programme.c — programme months, stage boundaries, phases by wave, the milestone catalogue */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>
#include "programme.h"

static const int DEFAULT_STAGES[PROGRAMME_STAGES] = {6, 18, 18, 18};

static struct pdate d(const char *s)
{
    struct pdate out = {0, 0, 0};
    assert_true(pdate_parse(s, &out));
    return out;
}

static void dates_parse_strictly(void **state)
{
    (void)state;
    struct pdate x;
    assert_true(pdate_parse("2024-02-29", &x));
    assert_int_equal(x.d, 29);
    assert_false(pdate_parse("2023-02-29", &x));
    assert_false(pdate_parse("2024-13-01", &x));
    assert_false(pdate_parse("2024-1-01", &x));
    assert_false(pdate_parse("2024-01-01T", &x));
    assert_false(pdate_parse("2024-04-31", &x));
    assert_false(pdate_parse(NULL, &x));
    char out[11];
    pdate_format(d("2025-03-09"), out);
    assert_string_equal(out, "2025-03-09");
}

static void months_count_from_the_start_month(void **state)
{
    (void)state;
    struct pdate start = d("2025-04-01");
    assert_int_equal(programme_month(start, d("2025-04-01")), 1);
    assert_int_equal(programme_month(start, d("2025-04-30")), 1);
    assert_int_equal(programme_month(start, d("2025-09-30")), 6);
    assert_int_equal(programme_month(start, d("2025-10-01")), 7);
    assert_int_equal(programme_month(start, d("2027-03-31")), 24);
    assert_int_equal(programme_month(start, d("2027-04-01")), 25);
    assert_int_equal(programme_month(start, d("2030-03-31")), 60);
    assert_int_equal(programme_month(start, d("2030-04-01")), 61);
    /* before the start */
    assert_int_equal(programme_month(start, d("2025-03-31")), 0);
    assert_int_equal(programme_month(start, d("2024-04-15")), -11);
}

/* Positions on the time line: the last day of month m is m, the first day of
 * month 1 is 1/31 (a January start), a mid-month day in between. */
static void positions_on_the_time_line(void **state)
{
    (void)state;
    struct pdate start = {2025, 1, 1};
    assert_float_equal(programme_position(start, (struct pdate){2025, 1, 31}), 1.0, 1e-12);
    assert_float_equal(programme_position(start, (struct pdate){2025, 1, 1}), 1.0 / 31, 1e-12);
    assert_float_equal(programme_position(start, (struct pdate){2026, 12, 31}), 24.0, 1e-12);
    assert_float_equal(programme_position(start, (struct pdate){2025, 2, 14}), 1.5, 1e-12);
    assert_true(programme_position(start, (struct pdate){2027, 1, 1}) > 24.0);
    assert_true(programme_position(start, (struct pdate){2024, 12, 31}) <= 0.0);
}

static void month_bounds(void **state)
{
    (void)state;
    struct pdate start = d("2025-11-01");
    char out[11];
    pdate_format(programme_month_first(start, 3), out);
    assert_string_equal(out, "2026-01-01");
    pdate_format(programme_month_last(start, 4), out);
    assert_string_equal(out, "2026-02-28");
    pdate_format(programme_month_last(start, 6), out);
    assert_string_equal(out, "2026-04-30");
    pdate_format(programme_month_first(start, 0), out);
    assert_string_equal(out, "2025-10-01");
    pdate_format(programme_month_last(d("2024-01-01"), 2), out);
    assert_string_equal(out, "2024-02-29");
    pdate_format(programme_month_last(d("2025-04-01"), 60), out);
    assert_string_equal(out, "2030-03-31");
}

static void stage_boundaries_default(void **state)
{
    (void)state;
    assert_int_equal(programme_stage_end(DEFAULT_STAGES, 0), 0);
    assert_int_equal(programme_stage_end(DEFAULT_STAGES, 1), 6);
    assert_int_equal(programme_stage_end(DEFAULT_STAGES, 2), 24);
    assert_int_equal(programme_stage_end(DEFAULT_STAGES, 3), 42);
    assert_int_equal(programme_stage_end(DEFAULT_STAGES, 4), 60);
    assert_int_equal(programme_total_months(DEFAULT_STAGES), 60);
    const struct { int month, stage; } cases[] = {
        {-3, 0}, {0, 0}, {1, 1}, {6, 1}, {7, 2}, {24, 2}, {25, 3}, {42, 3}, {43, 4}, {60, 4}, {61, 5},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(programme_stage_of_month(DEFAULT_STAGES, cases[i].month), cases[i].stage);
}

static void phases_follow_the_wave(void **state)
{
    (void)state;
    const struct { int wave, month; enum programme_phase phase; } cases[] = {
        {1, 0, PHASE_NOT_STARTED}, {1, -5, PHASE_NOT_STARTED},
        {1, 1, PHASE_BASELINE},  {1, 6, PHASE_BASELINE},    {1, 7, PHASE_INTENSIVE},
        {1, 24, PHASE_INTENSIVE}, {1, 25, PHASE_MAINTENANCE}, {1, 60, PHASE_MAINTENANCE},
        {2, 6, PHASE_BASELINE},  {2, 24, PHASE_BASELINE},   {2, 25, PHASE_INTENSIVE},
        {2, 42, PHASE_INTENSIVE}, {2, 43, PHASE_MAINTENANCE},
        {3, 42, PHASE_BASELINE}, {3, 43, PHASE_INTENSIVE},  {3, 60, PHASE_INTENSIVE},
        {4, 1, PHASE_BASELINE},  {4, 60, PHASE_BASELINE},   /* beyond the programme's stages */
        {1, 61, PHASE_ENDED},    {3, 61, PHASE_ENDED},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        enum programme_phase got = programme_phase(DEFAULT_STAGES, cases[i].wave, cases[i].month);
        if (got != cases[i].phase)
            fail_msg("wave %d month %d: %s, expected %s", cases[i].wave, cases[i].month,
                     programme_phase_name(got), programme_phase_name(cases[i].phase));
    }
}

/* The SPEC formula 6 + 18(w − 1) for the default lengths, for every month. */
static void phases_match_the_spec_formula(void **state)
{
    (void)state;
    for (int w = 1; w <= 3; w++)
        for (int m = 1; m <= 60; m++) {
            int intensive_from = 6 + 18 * (w - 1) + 1;
            enum programme_phase want = m < intensive_from ? PHASE_BASELINE
                                        : m < intensive_from + 18 ? PHASE_INTENSIVE
                                                                  : PHASE_MAINTENANCE;
            assert_int_equal(programme_phase(DEFAULT_STAGES, w, m), want);
        }
}

static void custom_stage_lengths(void **state)
{
    (void)state;
    const int stages[PROGRAMME_STAGES] = {3, 12, 12, 9};
    assert_int_equal(programme_total_months(stages), 36);
    assert_int_equal(programme_stage_end(stages, 2), 15);
    assert_int_equal(programme_phase(stages, 1, 3), PHASE_BASELINE);
    assert_int_equal(programme_phase(stages, 1, 4), PHASE_INTENSIVE);
    assert_int_equal(programme_phase(stages, 1, 15), PHASE_INTENSIVE);
    assert_int_equal(programme_phase(stages, 1, 16), PHASE_MAINTENANCE);
    assert_int_equal(programme_phase(stages, 2, 16), PHASE_INTENSIVE);
    assert_int_equal(programme_phase(stages, 3, 28), PHASE_INTENSIVE);
    assert_int_equal(programme_phase(stages, 3, 36), PHASE_INTENSIVE);
    assert_int_equal(programme_phase(stages, 3, 37), PHASE_ENDED);
    assert_int_equal(programme_stage_of_month(stages, 28), 4);
    assert_true(programme_stages_valid(stages));
    const int bad[PROGRAMME_STAGES] = {6, 0, 18, 18};
    assert_false(programme_stages_valid(bad));
}

static void catalogue_covers_every_stage_once(void **state)
{
    (void)state;
    int per_stage[PROGRAMME_STAGES + 1] = {0};
    for (size_t i = 0; i < programme_milestone_count; i++) {
        const struct milestone_def *m = &programme_milestones[i];
        assert_in_range(m->stage, 1, PROGRAMME_STAGES);
        per_stage[m->stage]++;
        assert_true(strlen(m->title) > 0 && strlen(m->code) < 40);
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(m->code, programme_milestones[j].code);
    }
    assert_int_equal(per_stage[1], 5);
    assert_int_equal(per_stage[2], 9);
    assert_int_equal(per_stage[3], 10);
    assert_int_equal(per_stage[4], 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(dates_parse_strictly),
        cmocka_unit_test(months_count_from_the_start_month),
        cmocka_unit_test(month_bounds),
        cmocka_unit_test(positions_on_the_time_line),
        cmocka_unit_test(stage_boundaries_default),
        cmocka_unit_test(phases_follow_the_wave),
        cmocka_unit_test(phases_match_the_spec_formula),
        cmocka_unit_test(custom_stage_lengths),
        cmocka_unit_test(catalogue_covers_every_stage_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
