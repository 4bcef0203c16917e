/* programme.h — the programme's calendar: months, stages, phases and the milestone catalogue (pure, no I/O) */
#ifndef CDM_PROGRAMME_H
#define CDM_PROGRAMME_H
#include <stdbool.h>
#include <stddef.h>

#define PROGRAMME_STAGES 4

/* A calendar date. */
struct pdate {
    int y, m, d;
};

/* Parses a strict YYYY-MM-DD calendar date (1900-9999). False otherwise. */
bool pdate_parse(const char *s, struct pdate *out);
/* Today's date in UTC (the service's calendar: "today" everywhere, never local time). */
struct pdate pdate_today(void);
/* Writes d as YYYY-MM-DD into out (11 bytes). */
void pdate_format(struct pdate d, char out[11]);
int pdate_days_in_month(int y, int m);
/* <0, 0, >0 as a is before, on, after b. */
int pdate_cmp(struct pdate a, struct pdate b);

/* The programme month of `on` for a programme starting on `start` (the first
 * of a month): 1 for the start's month, 0 for the month before, negative
 * earlier. Day of month does not matter: month m runs from its first to its
 * last day. */
int programme_month(struct pdate start, struct pdate on);
/* Where `on` falls on the programme's time line, in months: the end of
 * programme month m is m exactly, its first day (m − 1) + 1/days. For lines
 * drawn across months (a KPI's trajectory), where whole months are too coarse. */
double programme_position(struct pdate start, struct pdate on);
/* The first and the last day of programme month `month` (any integer). */
struct pdate programme_month_first(struct pdate start, int month);
struct pdate programme_month_last(struct pdate start, int month);

/* The last month of stage `stage` (1..4): the sum of the first `stage`
 * lengths; 0 for stage 0. Milestones of a stage fall due in this month. */
int programme_stage_end(const int stage_months[PROGRAMME_STAGES], int stage);
/* All months of the programme (60 by default). */
int programme_total_months(const int stage_months[PROGRAMME_STAGES]);
/* The stage of month m: 0 before month 1, 1..4 inside, 5 after the last month. */
int programme_stage_of_month(const int stage_months[PROGRAMME_STAGES], int month);

/* SPEC §2: a neighbourhood of wave w is in its baseline phase until the end of
 * stage w (month 6 + 18(w−1) by default), intensive during stage w + 1, then
 * maintenance to the end. Chosen where SPEC is silent: before month 1 the
 * phase is `not_started`, after the last month `ended`; a wave with no stage
 * after its baseline (w ≥ 4 with four stages) stays in `baseline` throughout,
 * since the programme never reaches it. */
enum programme_phase {
    PHASE_NOT_STARTED,
    PHASE_BASELINE,
    PHASE_INTENSIVE,
    PHASE_MAINTENANCE,
    PHASE_ENDED,
};
enum programme_phase programme_phase(const int stage_months[PROGRAMME_STAGES], int wave,
                                     int month);
/* The phase's name as the API says it (static string). */
const char *programme_phase_name(enum programme_phase phase);

/* True if stage_months are four lengths of 1..120 months each. */
bool programme_stages_valid(const int stage_months[PROGRAMME_STAGES]);

/* The milestones a programme is created with: appendix 3 of the handbook for
 * stages 1–3 and appendix 2 part E for stage 4. Each falls due at the end of
 * its stage. */
struct milestone_def {
    const char *code;
    int stage;
    const char *title;
};
extern const struct milestone_def programme_milestones[];
extern const size_t programme_milestone_count;
#endif
