/* release_rule.h — the pure parts of the release rule (README, Statistics):
 * the reasons a published item is withheld, and the cell-key perturbation of
 * provisional releases (no I/O) */
#ifndef CDM_RELEASE_RULE_H
#define CDM_RELEASE_RULE_H
#include <stdbool.h>
#include "catalogue.h"

/* A provisional release shows the figure as it was this many changes
 * (additions and withdrawals in its base) before the newest. */
#define RELEASE_LAG_CHANGES 10
/* Two releases of a figure share or differ in at least this many members;
 * a revision after the freeze waits for this many withdrawals per cell. */
#define RELEASE_MIN_CHANGE DISCLOSURE_MIN_BASE
/* Record keys are 0..255; a cell key is the sum of its members' mod 256. */
#define CELL_KEY_RANGE 256
/* Candidate states a provisional release tries, newest first, per day. */
#define RELEASE_CANDIDATES 8

/* Why an item is withheld: one enum for neighbourhood figures, cells, CSV and
 * events. The value's reasons come first; the change's (change, p-value,
 * MDC, significance) add the baseline ones. */
enum withheld_reason {
    WITHHELD_NONE = 0,
    WITHHELD_SMALL_BASE,            /* its own raw base is under DISCLOSURE_MIN_BASE */
    WITHHELD_COMPLEMENTARY,         /* withheld so that subtraction cannot reveal another */
    WITHHELD_NOT_RELEASED,          /* no release yet (provisional cells, or too few changes) */
    WITHHELD_NO_BASELINE,           /* the change only: no baseline round, or this is it */
    WITHHELD_BASELINE_SMALL_BASE,   /* the change only: the baseline's base is small */
    WITHHELD_BASELINE_COMPLEMENTARY,/* the change only: the baseline is withheld for another */
    WITHHELD_BASELINE_NOT_RELEASED, /* the change only: the baseline has no release */
};

/* The reason's name in the API, CSV and events (schemas/withheld-reason.json),
 * or NULL for WITHHELD_NONE. A static string. */
const char *withheld_reason_name(enum withheld_reason r);

/* The reason the change is withheld when the baseline's value is withheld for
 * `baseline_value`. */
enum withheld_reason withheld_for_baseline(enum withheld_reason baseline_value);

/* The perturbation table, fixed and published (README): the amount added to
 * a count given its cell key (key_sum mod CELL_KEY_RANGE). Zero counts stay
 * zero; a count of 1 moves by at most 1; larger ones by at most 2, with mean
 * 0 and variance 0.8 over the keys. */
int cell_key_perturbation(long long count, long long key_sum);

/* One state of a neighbourhood figure: exact raw counts and sums, and the
 * sums of record keys over the base (key_n) and over y = 1 (key_y). */
struct figure_state {
    long long n_raw, n_yes;
    double sum_w, sum_w2, sum_wy;
    long long key_n, key_y;
};

/* What a provisional release publishes of a state with n_raw at least
 * DISCLOSURE_MIN_BASE: the base count and the count of y = 1 perturbed by the
 * table, the base kept at DISCLOSURE_MIN_BASE or more and the numerator
 * within it; the weighted sums scaled to them, so the estimate moves by the
 * numerator's perturbation over the base. */
struct figure_state release_perturb(const struct figure_state *s);
#endif
