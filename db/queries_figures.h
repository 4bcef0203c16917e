/* queries_figures.h — statement names and shapes of the survey figures read: neighbourhood aggregates, ward, breakdown and locality cells (queries_figures.c) */
#ifndef CDM_QUERIES_FIGURES_H
#define CDM_QUERIES_FIGURES_H
#include "statement.h"

/* The three cell reads return one layout on purpose: api/cells.c renders any
 * of them with one reader. CELL_COLUMNS names that layout once and is each
 * statement's column list, so the shape test checks all three against it and
 * CELL_* reads any of their results: the round (its name, whether it is
 * closed, whether it is the baseline, whether there is one and which), the
 * indicator, the cell's KEY (ward id, or group) and LABEL (ward code, or
 * group), its exact sums, its base in the round's exact (final) release
 * (FINAL_N: what suppression runs on), the same cell's sums at the baseline round, its
 * published PARENTS (text[]; complementary suppression runs within each)
 * and their raw bases PARENT_NS (bigint[], in the same order: what the
 * children leave of each is the unstated residual), WITHHELD (a reason the
 * cell is withheld before any suppression, or NULL), SHOWN (false: only a
 * sibling elsewhere), live RESPONSES (wards; NULL elsewhere) and when the
 * release was made (COMPUTED_AT). Every
 * figure is its latest release. Rows are ordered by round, indicator, label. */
#define CELL_COLUMNS(C)                                                                      \
    C(CELL, ROUND_ID) C(CELL, ROUND_NAME) C(CELL, CLOSED) C(CELL, IS_BASELINE)               \
    C(CELL, HAS_BASELINE) C(CELL, BASELINE_ROUND_ID) C(CELL, INDICATOR) C(CELL, KEY)         \
    C(CELL, LABEL) C(CELL, N_RAW) C(CELL, SUM_W) C(CELL, SUM_W2) C(CELL, SUM_WY)             \
    C(CELL, FINAL_N)                                                                         \
    C(CELL, BASE_N_RAW) C(CELL, BASE_SUM_W) C(CELL, BASE_SUM_W2) C(CELL, BASE_SUM_WY)        \
    C(CELL, PARENTS) C(CELL, PARENT_NS) C(CELL, WITHHELD) C(CELL, SHOWN) C(CELL, RESPONSES)  \
    C(CELL, COMPUTED_AT)
enum { CELL_COLUMNS(DB_COLUMN_MEMBER_) CELL_NCOLS };

/* Every ward cell of the neighbourhood's rounds, suppressed across the whole locality. */
#define Q_CELLS_WARDS "cells_wards"
#define CELLS_WARDS_PARAMS(P) P(CELLS_WARDS, NEIGHBOURHOOD) P(CELLS_WARDS, MIN_BASE)
#define CELLS_WARDS_COLUMNS(C) CELL_COLUMNS(C)
DB_SHAPE_SHARED(CELLS_WARDS, CELL)

/* The wards of a neighbourhood's rounds without their exact release, as not
 * released rows with the live count (INDICATORS: the catalogue's resident ids). */
#define Q_CELLS_WARDS_OPEN "cells_wards_open"
#define CELLS_WARDS_OPEN_PARAMS(P) \
    P(CELLS_WARDS_OPEN, NEIGHBOURHOOD) P(CELLS_WARDS_OPEN, MIN_BASE) P(CELLS_WARDS_OPEN, INDICATORS)
#define CELLS_WARDS_OPEN_COLUMNS(C) CELL_COLUMNS(C)
DB_SHAPE_SHARED(CELLS_WARDS_OPEN, CELL)

/* A neighbourhood's cells by age band or sex (BREAKDOWN). */
#define Q_CELLS_BREAKDOWN "cells_breakdown"
#define CELLS_BREAKDOWN_PARAMS(P) \
    P(CELLS_BREAKDOWN, NEIGHBOURHOOD) P(CELLS_BREAKDOWN, BREAKDOWN) P(CELLS_BREAKDOWN, MIN_BASE)
#define CELLS_BREAKDOWN_COLUMNS(C) CELL_COLUMNS(C)
DB_SHAPE_SHARED(CELLS_BREAKDOWN, CELL)

/* Every neighbourhood's cells by age band or sex (BREAKDOWN) in the rounds
 * that cover the locality, each neighbourhood its own parent (PARENTS: its
 * id, KEY: neighbourhood|group, LABEL: the group): what the locality's
 * breakdown must not let be subtracted. No baseline columns (zero). */
#define Q_CELLS_BREAKDOWN_ALL "cells_breakdown_all"
#define CELLS_BREAKDOWN_ALL_PARAMS(P) P(CELLS_BREAKDOWN_ALL, BREAKDOWN) P(CELLS_BREAKDOWN_ALL, MIN_BASE)
#define CELLS_BREAKDOWN_ALL_COLUMNS(C) CELL_COLUMNS(C)
DB_SHAPE_SHARED(CELLS_BREAKDOWN_ALL, CELL)

/* The locality's cells, whole (BREAKDOWN 'all') or by age band or sex. */
#define Q_CELLS_LOCALITY "cells_locality"
#define CELLS_LOCALITY_PARAMS(P) P(CELLS_LOCALITY, BREAKDOWN) P(CELLS_LOCALITY, MIN_BASE)
#define CELLS_LOCALITY_COLUMNS(C) CELL_COLUMNS(C)
DB_SHAPE_SHARED(CELLS_LOCALITY, CELL)

/* A neighbourhood's released survey figures with their baseline's, read by
 * lib/neighbourhood_figures.c for the API and the workers alike: one row per
 * round and indicator of INDICATORS (text[]), released or not. One row with
 * NULL INDICATOR: the neighbourhood has no resident round; no row: no such
 * neighbourhood. ROUND: only that round (NULL: every round). */
#define Q_NBH_FIGURES "nbh_figures"
#define NBH_FIGURES_PARAMS(P)                                                        \
    P(NBH_FIGURES, NEIGHBOURHOOD) P(NBH_FIGURES, ROUND) P(NBH_FIGURES, INDICATORS)
#define NBH_FIGURES_COLUMNS(C)                                                       \
    C(NBH_FIGURES, INDICATOR) C(NBH_FIGURES, ROUND_ID) C(NBH_FIGURES, ROUND_NAME)            \
    C(NBH_FIGURES, CLOSED) C(NBH_FIGURES, IS_BASELINE) C(NBH_FIGURES, HAS_BASELINE)          \
    C(NBH_FIGURES, N_RAW) C(NBH_FIGURES, SUM_W) C(NBH_FIGURES, SUM_W2) C(NBH_FIGURES, SUM_WY) \
    C(NBH_FIGURES, BASE_N_RAW) C(NBH_FIGURES, BASE_SUM_W) C(NBH_FIGURES, BASE_SUM_W2)        \
    C(NBH_FIGURES, BASE_SUM_WY) C(NBH_FIGURES, COMPUTED_AT) C(NBH_FIGURES, BASELINE_ROUND_ID) \
    C(NBH_FIGURES, RELEASE_NO) C(NBH_FIGURES, RELEASE_KIND) C(NBH_FIGURES, BASE_KIND)
DB_SHAPE(NBH_FIGURES)
#endif
