/* figures.h — the published statistics of one unit's survey proportions in one
 * round (a unit: a neighbourhood, a ward, a breakdown group or the locality),
 * from their exact sufficient statistics (pure, no I/O): estimate and
 * Wilson interval, change against the baseline round with the pooled
 * two-proportion z-test, minimum detectable change, Benjamini–Hochberg
 * significance and adverse flags for closed rounds, disclosure control. */
#ifndef CDM_FIGURES_H
#define CDM_FIGURES_H
#include <jansson.h>
#include <stdbool.h>
#include "catalogue.h"
#include "release_rule.h"

/* Significance level of the Benjamini–Hochberg procedure (SPEC §3). */
#define FIGURES_FDR 0.05

/* One indicator of one unit in one round: what the caller fills in. */
struct figure_input {
    const struct indicator_def *def;
    long long n_raw;
    double sum_w, sum_w2, sum_wy;
    bool has_baseline;          /* the unit has a baseline round for the instrument */
    bool is_baseline_round;     /* this round is that baseline */
    long long base_n_raw;       /* the baseline round's sums for the same indicator */
    double base_sum_w, base_sum_w2, base_sum_wy;
    bool released;              /* the sums are a release (false: nothing released yet) */
    bool base_released;         /* likewise for the baseline's */
    bool withheld;              /* complementary suppression of this figure (suppress.h) */
    bool base_withheld;         /* and of the baseline's */
};

/* What is published. Every double is meaningful only with its flag. */
struct figure {
    struct proportion_figure now, base;
    bool has_change;            /* a change test was possible (not in the baseline round itself) */
    double change;              /* p̂₁ − p̂₀ */
    double z, p_value;          /* pooled two-proportion z-test, two-sided */
    bool has_mdc;
    double mdc;                 /* minimum detectable change, 80% power, 5% two-sided */
    bool significant;           /* closed rounds only: BH at FIGURES_FDR across the unit's indicators */
    bool adverse;               /* significant and in the indicator's worse direction */
    bool suppressed;            /* the value is withheld (value_reason says why) */
    enum withheld_reason value_reason;  /* why value, interval, nEff and n are withheld */
    enum withheld_reason change_reason; /* why change, p-value, MDC and significance are */
    enum withheld_reason base_reason;   /* why the baseline's own value is */
};

/* Computes the figures of n indicators of one unit and round. A figure is
 * withheld for its own base only (small, complementary, not released); what
 * is computed from the baseline (change, p-value, MDC, significance) is
 * withheld with a withheld baseline, for the baseline's reason. BH runs
 * across them when the round is closed (provisional releases: no
 * significance, no adverse flag). out has n entries. */
void figures_compute(const struct figure_input *in, size_t n, bool round_closed,
                     struct figure *out);

/* The sign of a figure's shown change: "up", "down", or "" when there is
 * none to speak of (suppressed, untested or zero). A static string. */
const char *figure_movement(const struct figure *f);

/* Whether f's significance is news against what was last announced of it
 * (was_movement as figure_movement gave it then): it became significant, or
 * flipped direction while significant — announced as significant — or it
 * stopped being significant, announced too, so that a return is news again. */
bool figure_significance_news(const struct figure *f, bool was_significant,
                              const char *was_movement);

/* v as a JSON number when show is true and v is finite, else JSON null: how
 * a withheld or untested figure is published. A new reference (for
 * json_pack's "o" or json_object_set_new). */
json_t *real_or_null(bool show, double v);

/* Adds the figure's fields to obj (value, nEff, ciLow, ciHigh, n, suppressed,
 * withheldReason, baselineValue, change, pValue, mdc, changeWithheldReason,
 * significant, adverse): withheld ones as null. Returns false when out of
 * memory. */
bool figure_to_json(const struct figure *f, json_t *obj);
#endif
