/* registry.h — the group registry's rules (the registry of community groups,
 * not the schema registry of jsonschema.h), with no I/O: what counts as a
 * community group, the community sector, who sees contacts, which status
 * changes and withdrawals are allowed */
#ifndef CDM_REGISTRY_H
#define CDM_REGISTRY_H
#include <stdbool.h>

/* SPEC §2: a group counts as a community group only if it has a name (not
 * blank), a designated contact person and is open to other residents. */
bool registry_counts_as_community_group(const char *name, bool has_contact,
                                        bool open_to_residents);

/* Whether an income band is in the community sector (income ≤ £10k). */
enum registry_sector {
    REGISTRY_SECTOR_UNKNOWN,   /* no band recorded (or not a band we know) */
    REGISTRY_SECTOR_COMMUNITY, /* none, under_5k, 5k_10k */
    REGISTRY_SECTOR_OTHER,     /* 10k_100k, over_100k */
};
enum registry_sector registry_community_sector(const char *income_band);

/* Contact details are personal data: the one rule for who may see them,
 * from a key's scope bits (apikey.h). */
bool registry_may_see_contacts(unsigned scopes);

/* True if `status` is one of forming, active, dormant, closed. */
bool registry_status_valid(const char *status);

/* A status change must name a known status different from the current one;
 * any other move is allowed (a closed group can re-form). */
bool registry_status_change_allowed(const char *from, const char *to);

/* Only appends (activity, achievement, problem, support received) can be
 * withdrawn; a mistaken status change is corrected by a new one. */
bool registry_update_withdrawable(const char *kind);
#endif
