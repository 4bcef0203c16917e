/* programme.c — the programme's calendar: months, stages, phases and the milestone catalogue */
#include "programme.h"
#include <stdio.h>
#include <string.h>
#include <time.h>

#define STAGE_MAX_MONTHS 120

static bool leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int pdate_days_in_month(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : days[m - 1];
}

struct pdate pdate_today(void)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    return (struct pdate){tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday};
}

bool pdate_parse(const char *s, struct pdate *out)
{
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return false;
    struct pdate d = {(s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0'),
                      (s[5] - '0') * 10 + (s[6] - '0'), (s[8] - '0') * 10 + (s[9] - '0')};
    if (d.y < 1900 || d.m < 1 || d.m > 12 || d.d < 1 || d.d > pdate_days_in_month(d.y, d.m))
        return false;
    *out = d;
    return true;
}

void pdate_format(struct pdate d, char out[11])
{
    snprintf(out, 11, "%04u-%02u-%02u", (unsigned)d.y % 10000u, (unsigned)d.m % 100u,
             (unsigned)d.d % 100u);
}

int pdate_cmp(struct pdate a, struct pdate b)
{
    if (a.y != b.y)
        return a.y < b.y ? -1 : 1;
    if (a.m != b.m)
        return a.m < b.m ? -1 : 1;
    return a.d < b.d ? -1 : a.d > b.d;
}

int programme_month(struct pdate start, struct pdate on)
{
    return (on.y - start.y) * 12 + (on.m - start.m) + 1;
}

double programme_position(struct pdate start, struct pdate on)
{
    return (double)(programme_month(start, on) - 1) +
           (double)on.d / (double)pdate_days_in_month(on.y, on.m);
}

struct pdate programme_month_first(struct pdate start, int month)
{
    int index = start.y * 12 + (start.m - 1) + (month - 1); /* months since year 0 */
    int y = index >= 0 ? index / 12 : -((-index + 11) / 12);
    struct pdate d = {y, index - y * 12 + 1, 1};
    return d;
}

struct pdate programme_month_last(struct pdate start, int month)
{
    struct pdate d = programme_month_first(start, month);
    d.d = pdate_days_in_month(d.y, d.m);
    return d;
}

int programme_stage_end(const int stage_months[PROGRAMME_STAGES], int stage)
{
    int end = 0;
    for (int s = 0; s < stage && s < PROGRAMME_STAGES; s++)
        end += stage_months[s];
    return end;
}

int programme_total_months(const int stage_months[PROGRAMME_STAGES])
{
    return programme_stage_end(stage_months, PROGRAMME_STAGES);
}

int programme_stage_of_month(const int stage_months[PROGRAMME_STAGES], int month)
{
    if (month < 1)
        return 0;
    for (int s = 1; s <= PROGRAMME_STAGES; s++)
        if (month <= programme_stage_end(stage_months, s))
            return s;
    return PROGRAMME_STAGES + 1;
}

enum programme_phase programme_phase(const int stage_months[PROGRAMME_STAGES], int wave,
                                     int month)
{
    if (month < 1)
        return PHASE_NOT_STARTED;
    if (month > programme_total_months(stage_months))
        return PHASE_ENDED;
    if (wave < 1 || wave >= PROGRAMME_STAGES) /* no stage left for its fieldwork */
        return PHASE_BASELINE;
    if (month <= programme_stage_end(stage_months, wave))
        return PHASE_BASELINE;
    if (month <= programme_stage_end(stage_months, wave + 1))
        return PHASE_INTENSIVE;
    return PHASE_MAINTENANCE;
}

const char *programme_phase_name(enum programme_phase phase)
{
    switch (phase) {
    case PHASE_NOT_STARTED: return "not_started";
    case PHASE_BASELINE: return "baseline";
    case PHASE_INTENSIVE: return "intensive";
    case PHASE_MAINTENANCE: return "maintenance";
    case PHASE_ENDED: return "ended";
    }
    return "ended";
}

bool programme_stages_valid(const int stage_months[PROGRAMME_STAGES])
{
    for (int s = 0; s < PROGRAMME_STAGES; s++)
        if (stage_months[s] < 1 || stage_months[s] > STAGE_MAX_MONTHS)
            return false;
    return true;
}

/* Appendix 3 (stages 1–3) in the handbook's words, and appendix 2 part E for
 * stage 4, which has no list of its own: its items are the sentences of the
 * model contract's stage-four column. Appendix 3 closes stage 3 with
 * "Recommendations on action in Stage 3", an evident slip for stage 4 (its
 * appendix 2 column says "Make recommendations for stage four"). */
const struct milestone_def programme_milestones[] = {
    {"s1-priority-selection", 1, "Liaise with commissioners re selection of priority neighbourhoods"},
    {"s1-review", 1, "Review of community strengths, assets and needs and any existing community "
                     "development provision in priority neighbourhoods"},
    {"s1-baselines", 1, "Establishment of baselines"},
    {"s1-relationships", 1, "Consultation and relationship-building with key individuals and "
                            "organisations in the community and in relevant agencies"},
    {"s1-recommendations", 1, "Recommendations on action in Stage 2"},

    {"s2-people-active", 2, "In the priority neighbourhoods: increase in number of people active in the community"},
    {"s2-groups-strengthened", 2, "In the priority neighbourhoods: community groups and organisations strengthened"},
    {"s2-community-activity", 2, "In the priority neighbourhoods: increase in community activity"},
    {"s2-interaction", 2, "In the priority neighbourhoods: increase in productive interaction between "
                          "communities and CCG"},
    {"s2-knowledge-transfer", 2, "Transfer of community development knowledge to the commissioning "
                                 "organisation and its partners"},
    {"s2-progress-report", 2, "Progress report against baselines and any other developments"},
    {"s2-wave2-selection", 2, "Liaison with commissioners around selection of second wave neighbourhoods"},
    {"s2-wave2-baselines", 2, "Establishment of baselines for second wave neighbourhoods"},
    {"s2-recommendations", 2, "Recommendations on action in Stage 3"},

    {"s3-maintenance", 3, "Maintenance support to community groups in the priority neighbourhoods"},
    {"s3-people-active", 3, "In the second wave neighbourhoods: increase in number of people active in the community"},
    {"s3-groups-strengthened", 3, "In the second wave neighbourhoods: community groups and organisations strengthened"},
    {"s3-community-activity", 3, "In the second wave neighbourhoods: increase in community activity"},
    {"s3-interaction", 3, "In the second wave neighbourhoods: increase in productive interaction between "
                          "communities and CCG"},
    {"s3-knowledge-transfer", 3, "Transfer of community development knowledge to the commissioning "
                                 "organisation and its partners"},
    {"s3-progress-report", 3, "Progress report against baselines and any other developments"},
    {"s3-wave3-selection", 3, "Liaise with commissioners re selection of third wave neighbourhoods"},
    {"s3-wave3-baselines", 3, "Establishment of baselines for third wave neighbourhoods"},
    {"s3-recommendations", 3, "Recommendations on action in Stage 4"},

    {"s4-content-agreed", 4, "Content of the stage informed by the experience and findings from the "
                             "previous stages, and discussion with the commissioners"},
    {"s4-other-neighbourhoods", 4, "Community development requirements of the other neighbourhoods "
                                   "in the designated area met"},
    {"s4-maintenance", 4, "A 'maintenance' service continued in neighbourhoods from stages two and three"},
    {"s4-summary", 4, "Summary of findings across the four stages and recommendations on options for "
                      "maintaining and further strengthening community development in the future"},
};
const size_t programme_milestone_count = sizeof programme_milestones / sizeof programme_milestones[0];
