/* test_suppress.c — complementary suppression, case by case */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "suppress.h"

static const size_t ALL5[] = {0, 1, 2, 3, 4};

/* Primary suppression as the figures do it: raw base under 10. */
static void primary(const long long *n, bool *s, size_t count)
{
    for (size_t i = 0; i < count; i++)
        s[i] = n[i] < 10;
}

static void one_suppressed_child_takes_its_smallest_sibling(void **state)
{
    (void)state;
    long long n[] = {40, 5, 25, 30, 60};
    bool s[5];
    primary(n, s, 5);
    struct suppress_group g = {ALL5, 5, false, -1};
    assert_int_equal(suppress_complementary(n, s, &g, 1), 1);
    assert_true(s[1]);
    assert_true(s[2]); /* 25, the smallest of the others */
    assert_false(s[0] || s[3] || s[4]);
}

static void two_suppressed_children_need_nothing_more(void **state)
{
    (void)state;
    long long n[] = {40, 5, 7, 30, 60};
    bool s[5];
    primary(n, s, 5);
    struct suppress_group g = {ALL5, 5, false, -1};
    assert_int_equal(suppress_complementary(n, s, &g, 1), 0);
    assert_true(s[1] && s[2]);
    assert_false(s[0] || s[3] || s[4]);
}

static void ties_take_the_first(void **state)
{
    (void)state;
    long long n[] = {30, 3, 20, 20, 50};
    bool s[5];
    primary(n, s, 5);
    struct suppress_group g = {ALL5, 5, false, -1};
    assert_int_equal(suppress_complementary(n, s, &g, 1), 1);
    assert_true(s[2]);
    assert_false(s[3]);
}

static void a_parent_with_one_child_has_no_sibling_to_take(void **state)
{
    (void)state;
    long long n[] = {4};
    bool s[1];
    primary(n, s, 1);
    const size_t only[] = {0};
    struct suppress_group g = {only, 1, false, -1};
    assert_int_equal(suppress_complementary(n, s, &g, 1), 0);
    assert_true(s[0]);
    n[0] = 40;
    primary(n, s, 1);
    assert_int_equal(suppress_complementary(n, s, &g, 1), 0);
    assert_false(s[0]);
}

static void a_suppressed_parent_reveals_nothing(void **state)
{
    (void)state;
    long long n[] = {40, 5, 25, 30, 60};
    bool s[5];
    primary(n, s, 5);
    struct suppress_group g = {ALL5, 5, true, -1};
    assert_int_equal(suppress_complementary(n, s, &g, 1), 0);
    assert_false(s[2]);
}

static void empty_children_neither_count_nor_are_taken(void **state)
{
    (void)state;
    long long n[] = {0, 5, 25, 30, 60};
    bool s[5];
    primary(n, s, 5); /* the empty one is "suppressed" too, but reveals nothing */
    struct suppress_group g = {ALL5, 5, false, -1};
    assert_int_equal(suppress_complementary(n, s, &g, 1), 1);
    assert_true(s[2]);
    long long m[] = {0, 25, 30, 60, 70};
    primary(m, s, 5);
    assert_int_equal(suppress_complementary(m, s, &g, 1), 0);
}

/* A ward in two neighbourhoods: suppressed for one parent, it is suppressed
 * for the other too, which may then need a sibling of its own. */
static void a_child_of_two_parents_carries_over(void **state)
{
    (void)state;
    /* wards 0 1 2 in neighbourhood A, wards 2 3 4 in neighbourhood B */
    long long n[] = {6, 20, 15, 40, 50};
    bool s[5];
    primary(n, s, 5);
    const size_t a[] = {0, 1, 2}, b[] = {2, 3, 4};
    struct suppress_group groups[] = {{a, 3, false, -1}, {b, 3, false, -1}};
    assert_int_equal(suppress_complementary(n, s, groups, 2), 2);
    assert_true(s[0]);
    assert_true(s[2]); /* A's smallest other ward */
    assert_true(s[3]); /* then B had exactly one: its smallest other ward */
    assert_false(s[1] || s[4]);
}

/* The unstated residual (parent_n minus the children's bases: responses
 * without a ward, age band or sex) counts as a child that is never shown. */

/* A residual of 1 to 9 alone would be parent minus children: the smallest
 * child is withheld so that it is hidden among at least 10. */
static void a_small_residual_takes_the_smallest_child(void **state)
{
    (void)state;
    for (long long r = 1; r < 10; r++) {
        long long n[] = {40, 25, 30};
        bool s[3];
        primary(n, s, 3);
        const size_t all[] = {0, 1, 2};
        struct suppress_group g = {all, 3, false, 95 + r};
        assert_int_equal(suppress_complementary(n, s, &g, 1), 1);
        assert_true(s[1]);
        assert_false(s[0] || s[2]);
    }
}

/* A residual of 10 or more alone is a group like a shown one: nothing to do. */
static void a_residual_of_ten_or_more_alone_needs_nothing(void **state)
{
    (void)state;
    const long long residuals[] = {10, 11, 50};
    for (size_t i = 0; i < 3; i++) {
        long long n[] = {40, 25, 30};
        bool s[3];
        primary(n, s, 3);
        const size_t all[] = {0, 1, 2};
        struct suppress_group g = {all, 3, false, 95 + residuals[i]};
        assert_int_equal(suppress_complementary(n, s, &g, 1), 0);
        assert_false(s[0] || s[1] || s[2]);
    }
}

/* No residual (parent_n equal to the children's sum, or not known) is the
 * old rule: nothing hidden, nothing to do. */
static void no_residual_needs_nothing(void **state)
{
    (void)state;
    long long n[] = {40, 25, 30};
    bool s[3];
    primary(n, s, 3);
    const size_t all[] = {0, 1, 2};
    struct suppress_group g = {all, 3, false, 95};
    assert_int_equal(suppress_complementary(n, s, &g, 1), 0);
    g.parent_n = -1;
    assert_int_equal(suppress_complementary(n, s, &g, 1), 0);
    assert_false(s[0] || s[1] || s[2]);
}

/* One suppressed child (5) and a residual of 12: parent minus the shown
 * children is 17, two hidden groups together, neither recoverable alone
 * (as two suppressed children of 5 and 12 would be): no sibling is taken. */
static void a_suppressed_child_and_a_residual_of_twelve_need_no_sibling(void **state)
{
    (void)state;
    long long n[] = {40, 5, 25, 30, 60};
    bool s[5];
    primary(n, s, 5);
    struct suppress_group g = {ALL5, 5, false, 160 + 12};
    assert_int_equal(suppress_complementary(n, s, &g, 1), 0);
    assert_true(s[1]);
    assert_false(s[0] || s[2] || s[3] || s[4]);
}

/* A suppressed child and a residual that hold 1 to 9 together would show
 * their total: the smallest sibling is taken. At 10 together, nothing. */
static void a_suppressed_child_and_a_residual_under_ten_together_take_a_sibling(void **state)
{
    (void)state;
    for (long long r = 1; r <= 5; r++) {
        long long n[] = {40, 5, 25, 30, 60};
        bool s[5];
        primary(n, s, 5);
        struct suppress_group g = {ALL5, 5, false, 160 + r};
        assert_int_equal(suppress_complementary(n, s, &g, 1), r < 5 ? 1 : 0);
        assert_true(s[1]);
        assert_true(s[2] == (r < 5));
        assert_false(s[0] || s[3] || s[4]);
    }
}

/* A parent with one child and a small residual: the child itself is
 * withheld (parent minus child would be the residual). */
static void a_lone_child_over_a_small_residual_is_withheld(void **state)
{
    (void)state;
    long long n[] = {40};
    bool s[1];
    primary(n, s, 1);
    const size_t only[] = {0};
    struct suppress_group g = {only, 1, false, 43};
    assert_int_equal(suppress_complementary(n, s, &g, 1), 1);
    assert_true(s[0]);
}

/* A parent smaller than its children's sum (children that are not all
 * inside it) has no residual to protect. */
static void a_negative_residual_counts_as_none(void **state)
{
    (void)state;
    long long n[] = {40, 25, 30};
    bool s[3];
    primary(n, s, 3);
    const size_t all[] = {0, 1, 2};
    struct suppress_group g = {all, 3, false, 80};
    assert_int_equal(suppress_complementary(n, s, &g, 1), 0);
    assert_false(s[0] || s[1] || s[2]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(one_suppressed_child_takes_its_smallest_sibling),
        cmocka_unit_test(two_suppressed_children_need_nothing_more),
        cmocka_unit_test(ties_take_the_first),
        cmocka_unit_test(a_parent_with_one_child_has_no_sibling_to_take),
        cmocka_unit_test(a_suppressed_parent_reveals_nothing),
        cmocka_unit_test(empty_children_neither_count_nor_are_taken),
        cmocka_unit_test(a_child_of_two_parents_carries_over),
        cmocka_unit_test(a_small_residual_takes_the_smallest_child),
        cmocka_unit_test(a_residual_of_ten_or_more_alone_needs_nothing),
        cmocka_unit_test(no_residual_needs_nothing),
        cmocka_unit_test(a_suppressed_child_and_a_residual_of_twelve_need_no_sibling),
        cmocka_unit_test(a_suppressed_child_and_a_residual_under_ten_together_take_a_sibling),
        cmocka_unit_test(a_lone_child_over_a_small_residual_is_withheld),
        cmocka_unit_test(a_negative_residual_counts_as_none),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
