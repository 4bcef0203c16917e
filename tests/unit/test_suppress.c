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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
