/* test_registry.c — the registry's rules: community group, community sector,
 * who sees contacts, status changes and withdrawals */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "apikey.h"
#include "registry.h"

static void community_group_needs_name_contact_and_openness(void **state)
{
    (void)state;
    assert_true(registry_counts_as_community_group("Friends of the Park", true, true));
    assert_false(registry_counts_as_community_group("Friends of the Park", false, true));
    assert_false(registry_counts_as_community_group("Friends of the Park", true, false));
    assert_false(registry_counts_as_community_group("", true, true));
    assert_false(registry_counts_as_community_group("  \t", true, true));
    assert_false(registry_counts_as_community_group(NULL, true, true));
}

static void community_sector_is_income_up_to_10k(void **state)
{
    (void)state;
    assert_int_equal(registry_community_sector("none"), REGISTRY_SECTOR_COMMUNITY);
    assert_int_equal(registry_community_sector("under_5k"), REGISTRY_SECTOR_COMMUNITY);
    assert_int_equal(registry_community_sector("5k_10k"), REGISTRY_SECTOR_COMMUNITY);
    assert_int_equal(registry_community_sector("10k_100k"), REGISTRY_SECTOR_OTHER);
    assert_int_equal(registry_community_sector("over_100k"), REGISTRY_SECTOR_OTHER);
    assert_int_equal(registry_community_sector(NULL), REGISTRY_SECTOR_UNKNOWN);
    assert_int_equal(registry_community_sector("lots"), REGISTRY_SECTOR_UNKNOWN);
}

static void only_registry_scope_sees_contacts(void **state)
{
    (void)state;
    assert_true(registry_may_see_contacts(SCOPE_REGISTRY));
    assert_true(registry_may_see_contacts(SCOPE_REGISTRY | SCOPE_READ));
    assert_false(registry_may_see_contacts(SCOPE_READ));
    assert_false(registry_may_see_contacts(SCOPE_READ | SCOPE_ADMIN | SCOPE_EVALUATOR | SCOPE_SUBMIT));
    assert_false(registry_may_see_contacts(0));
}

static void status_changes_must_change_to_a_known_status(void **state)
{
    (void)state;
    assert_true(registry_status_change_allowed("forming", "active"));
    assert_true(registry_status_change_allowed("active", "dormant"));
    assert_true(registry_status_change_allowed("closed", "forming"));
    assert_false(registry_status_change_allowed("active", "active"));
    assert_false(registry_status_change_allowed("active", "asleep"));
    assert_false(registry_status_change_allowed(NULL, "active"));
    assert_false(registry_status_valid(""));
}

static void status_changes_are_not_withdrawn(void **state)
{
    (void)state;
    assert_false(registry_update_withdrawable("status_change"));
    assert_true(registry_update_withdrawable("activity"));
    assert_true(registry_update_withdrawable("support_received"));
    assert_false(registry_update_withdrawable(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(community_group_needs_name_contact_and_openness),
        cmocka_unit_test(community_sector_is_income_up_to_10k),
        cmocka_unit_test(only_registry_scope_sees_contacts),
        cmocka_unit_test(status_changes_must_change_to_a_known_status),
        cmocka_unit_test(status_changes_are_not_withdrawn),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
