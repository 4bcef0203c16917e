/* registry.c — the group registry's rules with no I/O (see registry.h) */
#include "registry.h"
#include "apikey.h"
#include <ctype.h>
#include <stddef.h>
#include <string.h>

bool registry_counts_as_community_group(const char *name, bool has_contact,
                                        bool open_to_residents)
{
    bool named = false;
    for (const char *c = name; c && *c && !named; c++)
        named = !isspace((unsigned char)*c);
    return named && has_contact && open_to_residents;
}

enum registry_sector registry_community_sector(const char *income_band)
{
    static const char *const community[] = {"none", "under_5k", "5k_10k"};
    static const char *const other[] = {"10k_100k", "over_100k"};
    if (!income_band)
        return REGISTRY_SECTOR_UNKNOWN;
    for (size_t i = 0; i < sizeof community / sizeof community[0]; i++)
        if (strcmp(income_band, community[i]) == 0)
            return REGISTRY_SECTOR_COMMUNITY;
    for (size_t i = 0; i < sizeof other / sizeof other[0]; i++)
        if (strcmp(income_band, other[i]) == 0)
            return REGISTRY_SECTOR_OTHER;
    return REGISTRY_SECTOR_UNKNOWN;
}

bool registry_may_see_contacts(unsigned scopes)
{
    return (scopes & SCOPE_REGISTRY) != 0;
}

bool registry_status_valid(const char *status)
{
    static const char *const known[] = {"forming", "active", "dormant", "closed"};
    for (size_t i = 0; status && i < sizeof known / sizeof known[0]; i++)
        if (strcmp(status, known[i]) == 0)
            return true;
    return false;
}

bool registry_status_change_allowed(const char *from, const char *to)
{
    return registry_status_valid(from) && registry_status_valid(to) && strcmp(from, to) != 0;
}

bool registry_update_withdrawable(const char *kind)
{
    return kind && strcmp(kind, "status_change") != 0;
}
