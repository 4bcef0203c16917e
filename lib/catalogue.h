/* catalogue.h — the indicator catalogue and formulas (pure, no I/O) */
#ifndef CDM_CATALOGUE_H
#define CDM_CATALOGUE_H
#include <jansson.h>
#include <stdbool.h>

/* Raw bases under this are withheld (SPEC §3, disclosure control). */
#define DISCLOSURE_MIN_BASE 10
/* Raw live responses a ward needs in a round (SPEC §3, sample adequacy). */
#define SAMPLE_ADEQUATE_MIN 300

enum indicator_direction { HIGHER_IS_BETTER, LOWER_IS_BETTER };

/* What one response contributes to a proportion: in the base or not, and y. */
enum response_outcome { OUTCOME_NOT_IN_BASE = -1, OUTCOME_NO = 0, OUTCOME_YES = 1 };

/* Levels an indicator is computed at (SPEC §3, levels). */
enum indicator_level { LEVEL_WARD = 1 << 0, LEVEL_NEIGHBOURHOOD = 1 << 1, LEVEL_LOCALITY = 1 << 2 };
#define LEVELS_ALL (LEVEL_WARD | LEVEL_NEIGHBOURHOOD | LEVEL_LOCALITY)

struct indicator_def {
    const char *id;
    int factor;                     /* 1–6, the handbook's figure 2 */
    enum indicator_direction direction;
    const char *source;             /* resident, sector, registry, assets, agency */
    const char *unit;               /* proportion, count, rate_per_1000 … */
    int version;                    /* bumped whenever the definition changes */
    const char *definition;         /* what a commissioner reads */
    unsigned levels;                /* enum indicator_level bits */
    /* For resident-survey proportions: classifies one response's answers. */
    enum response_outcome (*classify)(const json_t *answers);
};

/* The catalogue; ends with an entry whose id is NULL. Static storage. */
extern const struct indicator_def indicator_catalogue[];

/* Catalogue entry by id, or NULL. */
const struct indicator_def *indicator_find(const char *id);

/* The resident-survey classifiers, one per proportion of SPEC §3 (the
 * catalogue's definitions say the same in words). Missing and don't-know
 * answers are outside the base unless the definition says otherwise. */
enum response_outcome indicator_active_in_community(const json_t *answers);
enum response_outcome indicator_volunteering(const json_t *answers);
enum response_outcome indicator_regular_volunteering(const json_t *answers);
enum response_outcome indicator_gives_help(const json_t *answers);
enum response_outcome indicator_receives_help(const json_t *answers);
enum response_outcome indicator_isolated(const json_t *answers);
enum response_outcome indicator_neighbours_look_out(const json_t *answers);
enum response_outcome indicator_belonging(const json_t *answers);
enum response_outcome indicator_health_benefit(const json_t *answers);
enum response_outcome indicator_recognises_improvements(const json_t *answers);
enum response_outcome indicator_can_influence_decisions(const json_t *answers);
enum response_outcome indicator_together_can_influence(const json_t *answers);
/* The sector-survey classifiers (an organisation's answers); the worker
 * applies a classifier only to responses of its indicator's source. */
enum response_outcome indicator_sector_confidence(const json_t *answers);
enum response_outcome indicator_sector_support_satisfaction(const json_t *answers);
enum response_outcome indicator_statutory_positive_influence(const json_t *answers);

/* A proportion's published figure, from its exact sufficient statistics. */
struct proportion_figure {
    long long n_raw;   /* unweighted base */
    double n_eff;      /* (Σw)² / Σw² */
    double value;      /* Σwy / Σw */
    double ci_low, ci_high;
    bool has_value;    /* false when the base is empty */
    bool suppressed;   /* base under DISCLOSURE_MIN_BASE: everything but n_raw withheld */
};

/* Computes value, effective base and 95% Wilson interval from the sums. */
struct proportion_figure proportion_from_sums(long long n_raw, double sum_w, double sum_w2,
                                              double sum_wy);

/* Renders a figure as JSON fields (value, nEff, ciLow, ciHigh as null when
 * withheld; n always; suppressed). Returns a new object the caller owns. */
json_t *proportion_to_json(const struct proportion_figure *f);
/* The catalogue's resident-survey indicator ids as a PostgreSQL array
 * literal ({a,b,…}) in out: every survey figure a neighbourhood or ward view
 * lists, released or not. False when it does not fit in len bytes. */
bool catalogue_resident_ids(char *out, size_t len);
#endif
