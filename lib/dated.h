/* dated.h — registry, asset and agency indicators on a date: their arithmetic (pure, no I/O) */
#ifndef CDM_DATED_H
#define CDM_DATED_H
#include <stdbool.h>

/* The dated indicators, in catalogue order. */
enum dated_id {
    DATED_VOLUNTEERING_HOURS_PER_1000,
    DATED_VOLUNTEERS_PER_1000,
    DATED_GROUPS_FUNCTIONING,
    DATED_GROUPS_PER_1000,
    DATED_COMMUNITY_SECTOR_SHARE,
    DATED_THEME_RANGE,
    DATED_NETWORK_DENSITY,
    DATED_HUBS,
    DATED_NEW_GROUPS,
    DATED_AFFORDABLE_MEETING_SPACES,
    DATED_OPEN_GRANT_SCHEMES,
    DATED_CD_INPUT_HOURS,
    DATED_SERVICES_MODIFIED,
    DATED_ISSUES_ANSWERED_IN_TIME,
    DATED_COUNT
};

/* Catalogue ids by enum dated_id (static strings). */
extern const char *const dated_indicator_ids[DATED_COUNT];
/* The enum of a catalogue id, or -1 when it is not a dated indicator. */
int dated_index(const char *indicator);

/* What the figures of a neighbourhood or the locality on one date are
 * computed from (a row of Q_DATED_RAW and one of Q_DATED_RAW_MORE). Counts
 * are whole numbers held in doubles; hours are exact to the hundredth. */
struct dated_raw {
    char on[11], period_start[11];
    bool has_population;
    double population;
    double volunteer_hours, volunteers, groups, active, income_known, community_sector, themes,
        links, hubs, new_groups, spaces, grants, cd_hours, services, issues_due, in_time;
    bool has_median;
    double median_days;
};

/* One dated figure. `note` (static) says why value is missing. */
struct dated_figure {
    bool has_value;
    double value;
    bool has_numerator, has_denominator;
    double numerator, denominator;
    bool periodic;          /* over the 12 months to the date (periodStart applies) */
    bool has_median;        /* issues_answered_in_time: median days to first response */
    double median_days;
    const char *note;
};

/* x per 1000 of population. False (out untouched) without a population. */
bool dated_per_1000(double x, bool has_population, double population, double *out);
/* Live undirected links among n organisations ÷ n(n−1)/2. False for n < 2. */
bool dated_density(double links, double n, double *out);
/* num ÷ den. False when den is 0. */
bool dated_share(double num, double den, double *out);

/* Every dated figure from one raw row, indexed by enum dated_id. */
void dated_compute(const struct dated_raw *raw, struct dated_figure out[DATED_COUNT]);
#endif
