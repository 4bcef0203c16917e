/* dated.c — registry, asset and agency indicators on a date: their arithmetic */
#include "dated.h"
#include <string.h>

const char *const dated_indicator_ids[DATED_COUNT] = {
    [DATED_VOLUNTEERING_HOURS_PER_1000] = "volunteering_hours_per_1000",
    [DATED_VOLUNTEERS_PER_1000] = "volunteers_per_1000",
    [DATED_GROUPS_FUNCTIONING] = "groups_functioning",
    [DATED_GROUPS_PER_1000] = "groups_per_1000",
    [DATED_COMMUNITY_SECTOR_SHARE] = "community_sector_share",
    [DATED_THEME_RANGE] = "theme_range",
    [DATED_NETWORK_DENSITY] = "network_density",
    [DATED_HUBS] = "hubs",
    [DATED_NEW_GROUPS] = "new_groups",
    [DATED_AFFORDABLE_MEETING_SPACES] = "affordable_meeting_spaces",
    [DATED_OPEN_GRANT_SCHEMES] = "open_grant_schemes",
    [DATED_CD_INPUT_HOURS] = "cd_input_hours",
    [DATED_SERVICES_MODIFIED] = "services_modified",
    [DATED_ISSUES_ANSWERED_IN_TIME] = "issues_answered_in_time",
};

int dated_index(const char *indicator)
{
    for (int i = 0; indicator && i < DATED_COUNT; i++)
        if (strcmp(dated_indicator_ids[i], indicator) == 0)
            return i;
    return -1;
}

bool dated_per_1000(double x, bool has_population, double population, double *out)
{
    if (!has_population || !(population > 0))
        return false;
    *out = x / population * 1000.0;
    return true;
}

bool dated_density(double links, double n, double *out)
{
    if (!(n >= 2))
        return false;
    *out = links / (n * (n - 1) / 2.0);
    return true;
}

bool dated_share(double num, double den, double *out)
{
    if (!(den > 0))
        return false;
    *out = num / den;
    return true;
}

static const char *const NO_POPULATION = "no population known for the area on the date";

/* A count: the value is the count itself. */
static struct dated_figure count_of(double n, bool periodic)
{
    return (struct dated_figure){.has_value = true, .value = n, .periodic = periodic};
}

static struct dated_figure rate_of(double n, const struct dated_raw *raw, bool periodic)
{
    struct dated_figure f = {.has_numerator = true, .numerator = n, .periodic = periodic,
                             .has_denominator = raw->has_population,
                             .denominator = raw->population};
    f.has_value = dated_per_1000(n, raw->has_population, raw->population, &f.value);
    if (!f.has_value)
        f.note = NO_POPULATION;
    return f;
}

static struct dated_figure share_of(double num, double den, const char *why_none)
{
    struct dated_figure f = {.has_numerator = true, .numerator = num, .has_denominator = true,
                             .denominator = den};
    f.has_value = dated_share(num, den, &f.value);
    if (!f.has_value)
        f.note = why_none;
    return f;
}

void dated_compute(const struct dated_raw *raw, struct dated_figure out[DATED_COUNT])
{
    out[DATED_VOLUNTEERING_HOURS_PER_1000] = rate_of(raw->volunteer_hours, raw, true);
    out[DATED_VOLUNTEERS_PER_1000] = rate_of(raw->volunteers, raw, false);
    out[DATED_GROUPS_FUNCTIONING] = count_of(raw->groups, false);
    out[DATED_GROUPS_PER_1000] = rate_of(raw->groups, raw, false);
    out[DATED_COMMUNITY_SECTOR_SHARE] =
        share_of(raw->community_sector, raw->income_known,
                 "no active organisation of known income serves the area on the date");
    out[DATED_THEME_RANGE] = count_of(raw->themes, false);
    struct dated_figure d = {.has_numerator = true, .numerator = raw->links,
                             .has_denominator = true,
                             .denominator = raw->active * (raw->active - 1) / 2.0};
    d.has_value = dated_density(raw->links, raw->active, &d.value);
    if (!d.has_value) {
        d.note = "fewer than two active organisations serve the area on the date";
        d.denominator = 0;
    }
    out[DATED_NETWORK_DENSITY] = d;
    out[DATED_HUBS] = count_of(raw->hubs, false);
    out[DATED_NEW_GROUPS] = count_of(raw->new_groups, true);
    out[DATED_AFFORDABLE_MEETING_SPACES] = count_of(raw->spaces, false);
    out[DATED_OPEN_GRANT_SCHEMES] = count_of(raw->grants, false);
    out[DATED_CD_INPUT_HOURS] = count_of(raw->cd_hours, true);
    out[DATED_SERVICES_MODIFIED] = count_of(raw->services, true);
    struct dated_figure t = share_of(raw->in_time, raw->issues_due,
                                     "no community issue of the area is 28 days old on the date");
    t.has_median = raw->has_median;
    t.median_days = raw->median_days;
    out[DATED_ISSUES_ANSWERED_IN_TIME] = t;
}
