/* neighbourhood_figures.h — one neighbourhood's survey figures per round, read and
 * computed in one place for the API, the worker and the clock, so that all
 * three judge significance alike */
#ifndef CDM_NEIGHBOURHOOD_FIGURES_H
#define CDM_NEIGHBOURHOOD_FIGURES_H
#include <libpq-fe.h>
#include <stdbool.h>
#include "figures.h"
#include "queries_figures.h"

/* Reads neighbourhood's released survey figures with their baseline's: every
 * resident indicator of the catalogue in every resident round of it (only
 * round `round` unless it is NULL), released or not. Rows of one round are
 * consecutive; columns are Q_NBH_FIGURES's, NBH_FIGURES_*
 * (db/queries_figures.h). The caller PQclear()s the result (never NULL;
 * check db_ok). */
PGresult *neighbourhood_figures_read(PGconn *db, const char *neighbourhood, const char *round);

/* The end (exclusive) of the round whose rows start at `from`. */
int neighbourhood_figures_round_end(const PGresult *r, int from);

/* The computed figures of one round: rows [from, from + n) of the result. */
struct neighbourhood_round {
    int from, n;
    bool closed;                /* exact releases: significance and adverse flags are meaningful */
    struct figure_input *in;    /* in[i].def NULL: retired from the catalogue */
    struct figure *out;
};

/* Computes rows [from, to) as one round (Benjamini–Hochberg across them when
 * the round is closed). Allocates nr->in and nr->out, freed by
 * neighbourhood_round_free (also after a failure). False when out of memory. */
bool neighbourhood_round_compute(const PGresult *r, int from, int to, struct neighbourhood_round *nr);

void neighbourhood_round_free(struct neighbourhood_round *nr);
#endif
