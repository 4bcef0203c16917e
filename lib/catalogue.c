/* catalogue.c — the indicator catalogue and its formulas */
#include "catalogue.h"
#include <stdio.h>
#include "stats.h"
#include <string.h>

static const char *answer(const json_t *answers, const char *key)
{
    return json_string_value(json_object_get(answers, key));
}

static bool answer_is(const json_t *answers, const char *key, const char *code)
{
    const char *v = answer(answers, key);
    return v && strcmp(v, code) == 0;
}

/* True if the answer is one of the NULL-terminated codes. */
static bool answer_in(const json_t *answers, const char *key, const char *const codes[])
{
    const char *v = answer(answers, key);
    for (size_t i = 0; v && codes[i]; i++)
        if (strcmp(v, codes[i]) == 0)
            return true;
    return false;
}

/* The common case: yes when the answer is one of `yes`, in the base when it
 * is any answer but don't know. */
static enum response_outcome answered_one_of(const json_t *answers, const char *key,
                                             const char *const yes[])
{
    const char *v = answer(answers, key);
    if (!v || strcmp(v, "dont_know") == 0)
        return OUTCOME_NOT_IN_BASE;
    return answer_in(answers, key, yes) ? OUTCOME_YES : OUTCOME_NO;
}

static const char *const YES[] = {"yes", NULL};

enum response_outcome indicator_active_in_community(const json_t *answers)
{
    static const char *const keys[] = {"q01", "q02", "q23a"};
    int no_count = 0;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        if (answer_is(answers, keys[i], "yes"))
            return OUTCOME_YES;
        if (answer_is(answers, keys[i], "no"))
            no_count++;
    }
    return no_count == 3 ? OUTCOME_NO : OUTCOME_NOT_IN_BASE;
}

enum response_outcome indicator_volunteering(const json_t *answers)
{
    return answered_one_of(answers, "q04", YES);
}

enum response_outcome indicator_regular_volunteering(const json_t *answers)
{
    static const char *const regular[] = {"weekly", "monthly", NULL};
    if (answer_is(answers, "q04", "no"))
        return OUTCOME_NO;
    if (!answer_is(answers, "q04", "yes"))
        return OUTCOME_NOT_IN_BASE;
    return answered_one_of(answers, "q05", regular);
}

enum response_outcome indicator_gives_help(const json_t *answers)
{
    return answered_one_of(answers, "q07", YES);
}

enum response_outcome indicator_receives_help(const json_t *answers)
{
    return answered_one_of(answers, "q08", YES);
}

enum response_outcome indicator_isolated(const json_t *answers)
{
    static const char *const none[] = {"none", NULL};
    return answered_one_of(answers, "q11", none);
}

enum response_outcome indicator_neighbours_look_out(const json_t *answers)
{
    return answered_one_of(answers, "q19", YES);
}

enum response_outcome indicator_belonging(const json_t *answers)
{
    static const char *const agree[] = {"strongly_agree", "agree", NULL};
    return answered_one_of(answers, "q14", agree);
}

enum response_outcome indicator_health_benefit(const json_t *answers)
{
    static const char *const positive[] = {"positive", NULL};
    if (answer_is(answers, "q23a", "no")) /* no activity, no benefit */
        return OUTCOME_NO;
    if (!answer_is(answers, "q23a", "yes"))
        return OUTCOME_NOT_IN_BASE;
    return answered_one_of(answers, "q24", positive);
}

enum response_outcome indicator_recognises_improvements(const json_t *answers)
{
    return answered_one_of(answers, "q29", YES);
}

enum response_outcome indicator_can_influence_decisions(const json_t *answers)
{
    static const char *const agree[] = {"definitely_agree", "tend_to_agree", NULL};
    return answered_one_of(answers, "q12", agree);
}

enum response_outcome indicator_together_can_influence(const json_t *answers)
{
    return answered_one_of(answers, "q22", YES);
}

/* Sector survey (NSCSE numbering, schemas/sector-response.json). */
enum response_outcome indicator_sector_confidence(const json_t *answers)
{
    static const char *const yes[] = {"very_confident", "fairly_confident", NULL};
    return answered_one_of(answers, "q02", yes);
}

enum response_outcome indicator_sector_support_satisfaction(const json_t *answers)
{
    static const char *const yes[] = {"very_satisfied", "fairly_satisfied", NULL};
    return answered_one_of(answers, "q03", yes);
}

enum response_outcome indicator_statutory_positive_influence(const json_t *answers)
{
    static const char *const yes[] = {"very_positive", "positive", NULL};
    return answered_one_of(answers, "q07", yes);
}

#define HI HIGHER_IS_BETTER
#define LO LOWER_IS_BETTER
#define SECTOR_LEVELS LEVEL_LOCALITY /* a ward has too few organisations */
/* Registry, asset and agency records name the neighbourhoods they serve or
 * concern, never a ward: their figures cannot be attributed to a ward. */
#define DATED_LEVELS (LEVEL_NEIGHBOURHOOD | LEVEL_LOCALITY)

const struct indicator_def indicator_catalogue[] = {
    /* 1 community activity */
    {"active_in_community", 1, HI, "resident", "proportion", 1,
     "Share of residents involved in any group or social activity in the last 12 months: "
     "yes if any of q01, q02 or q23a is yes; no if all three are answered no; otherwise "
     "(a missing or don't-know answer) not in the base.",
     LEVELS_ALL, indicator_active_in_community},
    {"volunteering", 1, HI, "resident", "proportion", 1,
     "Share of residents who gave unpaid help to groups, clubs or organisations in the last "
     "12 months (q04 yes); base: residents who answered q04 yes or no.",
     LEVELS_ALL, indicator_volunteering},
    {"regular_volunteering", 1, HI, "resident", "proportion", 1,
     "Share of residents who give unpaid help to groups at least monthly (q04 yes and q05 "
     "weekly or monthly); base: q04 no, or q04 yes with a q05 answer other than don't know.",
     LEVELS_ALL, indicator_regular_volunteering},
    {"volunteering_hours_per_1000", 1, HI, "registry", "rate_per_1000", 1,
     "Volunteer hours recorded in activity updates of organisations serving the area in the "
     "12 months to the date, per 1000 residents (the handbook: 20,000 to 50,000 between "
     "localities).",
     DATED_LEVELS, NULL},
    {"volunteers_per_1000", 1, HI, "registry", "rate_per_1000", 1,
     "Volunteers of the active organisations serving the area on the date, per 1000 residents.",
     DATED_LEVELS, NULL},
    /* 2 condition of the community sector */
    {"groups_functioning", 2, HI, "registry", "count", 1,
     "Active organisations of kind community_group or overlap serving the area on the date "
     "that count as community groups (a name, a designated contact, open to residents).",
     DATED_LEVELS, NULL},
    {"groups_per_1000", 2, HI, "registry", "rate_per_1000", 1,
     "groups_functioning per 1000 residents (the handbook: 4 to 15 per 1000 between "
     "localities).",
     DATED_LEVELS, NULL},
    {"community_sector_share", 2, HI, "registry", "proportion", 1,
     "Share of the active organisations serving the area, of known income, whose annual "
     "income is £10k or less (none, under £5k, £5–10k).",
     DATED_LEVELS, NULL},
    {"theme_range", 2, HI, "registry", "count", 1,
     "Distinct themes covered by the active organisations serving the area.",
     DATED_LEVELS, NULL},
    {"network_density", 2, HI, "registry", "ratio", 1,
     "Live undirected links among the active organisations serving the area, divided by "
     "n(n−1)/2 for n such organisations; none when n < 2.",
     DATED_LEVELS, NULL},
    {"hubs", 2, HI, "registry", "count", 1,
     "Active organisations serving the area that are neighbourhood hubs.",
     DATED_LEVELS, NULL},
    {"new_groups", 2, HI, "registry", "count", 1,
     "Community groups (kind community_group or overlap) founded in the 12 months to the date.",
     DATED_LEVELS, NULL},
    {"sector_confidence", 2, HI, "sector", "proportion", 1,
     "Sector survey: share of organisations very or fairly confident of meeting their "
     "objectives in the next 12 months; base: those who answered other than don't know.",
     SECTOR_LEVELS, indicator_sector_confidence},
    /* 3 mutual aid and social capital */
    {"gives_help", 3, HI, "resident", "proportion", 1,
     "Share of residents who gave unpaid help to individuals (q07 yes); base: q07 yes or no.",
     LEVELS_ALL, indicator_gives_help},
    {"receives_help", 3, HI, "resident", "proportion", 1,
     "Share of residents who received unpaid help from individuals (q08 yes); base: q08 yes "
     "or no.",
     LEVELS_ALL, indicator_receives_help},
    {"isolated", 3, LO, "resident", "proportion", 1,
     "Share of residents with nobody to turn to in a crisis (q11 none); base: q11 answered "
     "other than don't know. Lower is better.",
     LEVELS_ALL, indicator_isolated},
    {"neighbours_look_out", 3, HI, "resident", "proportion", 1,
     "Share of residents who say people in the neighbourhood look out for each other (q19 "
     "yes); base: q19 yes or no.",
     LEVELS_ALL, indicator_neighbours_look_out},
    {"belonging", 3, HI, "resident", "proportion", 1,
     "Share of residents who strongly agree or agree that they belong to the neighbourhood "
     "(q14); base: q14 answered other than don't know.",
     LEVELS_ALL, indicator_belonging},
    /* 4 health benefit */
    {"health_benefit", 4, HI, "resident", "proportion", 1,
     "Share of residents for whom social activity had a positive effect on their health (q24 "
     "positive); base: q24 answered other than don't know, plus those with q23a no (no "
     "activity, no benefit).",
     LEVELS_ALL, indicator_health_benefit},
    {"recognises_improvements", 4, HI, "resident", "proportion", 1,
     "Share of residents who noticed improvements in the neighbourhood made by community "
     "activity in the past two years (q29 yes); base: q29 yes or no.",
     LEVELS_ALL, indicator_recognises_improvements},
    /* 5 support and recognition */
    {"affordable_meeting_spaces", 5, HI, "assets", "count", 1,
     "Free or low-cost meeting spaces serving the area available on the date.",
     DATED_LEVELS, NULL},
    {"open_grant_schemes", 5, HI, "assets", "count", 1,
     "Grant schemes serving the area open on the date.",
     DATED_LEVELS, NULL},
    {"cd_input_hours", 5, HI, "assets", "hours", 1,
     "Community development worker hours recorded for the area in the 12 months to the date.",
     DATED_LEVELS, NULL},
    {"sector_support_satisfaction", 5, HI, "sector", "proportion", 1,
     "Sector survey: share of organisations very or fairly satisfied with local support; base: "
     "those who answered other than don't know.",
     SECTOR_LEVELS, indicator_sector_support_satisfaction},
    /* 6 interaction with agencies */
    {"can_influence_decisions", 6, HI, "resident", "proportion", 1,
     "Share of residents who definitely or tend to agree that they can influence decisions "
     "affecting their local area (q12); base: q12 answered other than don't know.",
     LEVELS_ALL, indicator_can_influence_decisions},
    {"together_can_influence", 6, HI, "resident", "proportion", 1,
     "Share of residents who think people working together can influence decisions (q22 yes); "
     "base: q22 yes or no.",
     LEVELS_ALL, indicator_together_can_influence},
    {"statutory_positive_influence", 6, HI, "sector", "proportion", 1,
     "Sector survey: share of organisations rating the overall influence of local statutory "
     "bodies very positive or positive (the handbook: 16–18% nationally in 2008–10); base: "
     "those who answered other than don't know.",
     SECTOR_LEVELS, indicator_statutory_positive_influence},
    {"services_modified", 6, HI, "agency", "count", 1,
     "Services modified or improved by community input in the 12 months to the date: agency "
     "reports' counts plus community-issue responses of kind service_modified.",
     DATED_LEVELS, NULL},
    {"issues_answered_in_time", 6, HI, "agency", "proportion", 1,
     "Community issues at least 28 days old on the date that had an agency response within 28 "
     "days of being raised, divided by all community issues at least 28 days old (median days "
     "to first response alongside).",
     DATED_LEVELS, NULL},
    {NULL, 0, HI, NULL, NULL, 0, NULL, 0, NULL},
};

const struct indicator_def *indicator_find(const char *id)
{
    for (const struct indicator_def *d = indicator_catalogue; id && d->id; d++)
        if (strcmp(d->id, id) == 0)
            return d;
    return NULL;
}

struct proportion_figure proportion_from_sums(long long n_raw, double sum_w, double sum_w2,
                                              double sum_wy)
{
    struct proportion_figure f = {.n_raw = n_raw};
    if (n_raw <= 0 || !(sum_w > 0))
        return f;
    f.has_value = true;
    f.value = sum_wy / sum_w;
    if (f.value < 0.0) f.value = 0.0; /* guards against rounding of the double only */
    if (f.value > 1.0) f.value = 1.0;
    f.n_eff = stats_effective_n(sum_w, sum_w2);
    if (!stats_wilson(f.value, f.n_eff, STATS_Z95, &f.ci_low, &f.ci_high))
        f.has_value = false;
    f.suppressed = n_raw < DISCLOSURE_MIN_BASE;
    return f;
}

json_t *proportion_to_json(const struct proportion_figure *f)
{
    bool show = f->has_value && !f->suppressed;
    return json_pack("{s:I, s:o, s:o, s:o, s:o, s:b}", "n", (json_int_t)f->n_raw, "value",
                     show ? json_real(f->value) : json_null(), "nEff",
                     show ? json_real(f->n_eff) : json_null(), "ciLow",
                     show ? json_real(f->ci_low) : json_null(), "ciHigh",
                     show ? json_real(f->ci_high) : json_null(), "suppressed", f->suppressed);
}

bool catalogue_resident_ids(char *out, size_t len)
{
    size_t used = 0;
    out[used++] = '{';
    for (const struct indicator_def *d = indicator_catalogue; d->id; d++) {
        if (strcmp(d->source, "resident") != 0)
            continue;
        int w = snprintf(out + used, len - used, "%s%s", used > 1 ? "," : "", d->id);
        if (w < 0 || (size_t)w + 2 > len - used)
            return false;
        used += (size_t)w;
    }
    out[used++] = '}';
    out[used] = '\0';
    return true;
}
