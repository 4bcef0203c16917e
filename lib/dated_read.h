/* dated_read.h — dated indicators of a neighbourhood or the locality, read from the database */
#ifndef CDM_DATED_READ_H
#define CDM_DATED_READ_H
#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include "dated.h"
#include "kpi.h"

/* What the dates of a neighbourhood's (or the locality's) figures hang on. */
struct dated_context {
    bool exists;               /* false: no such neighbourhood */
    char baseline_on[11];      /* "" when none: see dated_context_read */
    char programme_start[11];  /* "" without a programme */
};

/* Reads the context of `neighbourhood` (NULL: the locality). The
 * baseline date (chosen where SPEC is silent) is the end of fieldwork of the
 * neighbourhood's resident baseline round when one is set, else its
 * programme's start; for the locality, the earliest programme's start. False
 * on a database error. */
bool dated_context_read(PGconn *db, const char *neighbourhood, struct dated_context *ctx);

/* Reads the raw counts of `neighbourhood` (NULL: the locality) on each of n
 * dates (YYYY-MM-DD) into out[n]. False on a database error. */
bool dated_raw_read(PGconn *db, const char *neighbourhood, const char *const dates[], size_t n,
                    struct dated_raw out[]);

/* The figures on `on` and on the baseline date (has_base false when there is
 * none), computed. False on a database error. */
bool dated_figures_on(PGconn *db, const char *neighbourhood, const char *on,
                      const struct dated_context *ctx, struct dated_figure now[DATED_COUNT],
                      struct dated_raw *raw_now, struct dated_figure base[DATED_COUNT],
                      bool *has_base);

/* One item of indicator-list.json (source registry, assets or agency) for
 * dated indicator `idx`. base NULL: no baseline. A new reference the caller
 * json_decref()s, or NULL when out of memory. */
json_t *dated_item_json(int idx, const struct dated_raw *raw, const struct dated_figure *now,
                        const struct dated_figure *base, const char *baseline_on);

/* Every dated item of `neighbourhood` (NULL: the locality) on `on` (only =
 * -1), or the one dated indicator `only`. A new array the caller
 * json_decref()s; NULL on a database error or out of memory. */
json_t *dated_items(PGconn *db, const char *neighbourhood, const char *on,
                    const struct dated_context *ctx, int only);

/* Dated indicator `idx` at the end of each month from the programme's start
 * to `on` (the last point on `on` itself; `on` alone without a programme; at
 * most max_points, the latest kept). A new array the caller json_decref()s;
 * NULL on error. */
json_t *dated_series(PGconn *db, const char *neighbourhood, const char *on,
                     const struct dated_context *ctx, int idx, size_t max_points);

/* Judges row `row` of a Q_KPI_LIST result on `on`: kpi_judge for a survey
 * indicator; for a dated one, its figures on `on` and on the neighbourhood's
 * baseline date are computed first (kpi_judge_dated). False on a database
 * error (j then says no_data). */
bool dated_kpi_judge(PGconn *db, const PGresult *r, int row, struct pdate on,
                     struct kpi_judgement *j);
#endif
