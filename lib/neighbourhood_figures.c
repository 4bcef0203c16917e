/* neighbourhood_figures.c — one neighbourhood's survey figures per round, read and computed once for all readers */
#include "neighbourhood_figures.h"
#include "queries.h"
#include <stdlib.h>
#include <string.h>

PGresult *neighbourhood_figures_read(PGconn *db, const char *neighbourhood, const char *round)
{
    char ids[4096];
    const char *p[NBH_FIGURES_NPARAMS] = {
        [NBH_FIGURES_P_NEIGHBOURHOOD] = neighbourhood,
        [NBH_FIGURES_P_ROUND] = round,
        [NBH_FIGURES_P_INDICATORS] = catalogue_resident_ids(ids, sizeof ids) ? ids : NULL,
    };
    return DB_RUN(db, NBH_FIGURES, p);
}

int neighbourhood_figures_round_end(const PGresult *r, int from)
{
    int rows = PQntuples(r), to = from + 1;
    while (to < rows && strcmp(PQgetvalue(r, to, NBH_FIGURES_ROUND_ID), PQgetvalue(r, from, NBH_FIGURES_ROUND_ID)) == 0)
        to++;
    return to;
}

bool neighbourhood_round_compute(const PGresult *r, int from, int to, struct neighbourhood_round *nr)
{
    int n = to - from;
    *nr = (struct neighbourhood_round){.from = from, .n = n};
    nr->in = calloc((size_t)(n > 0 ? n : 1), sizeof *nr->in);
    nr->out = calloc((size_t)(n > 0 ? n : 1), sizeof *nr->out);
    if (!nr->in || !nr->out)
        return false;
    for (int i = 0; i < n; i++) {
        int row = from + i;
        nr->in[i] = (struct figure_input){
            .def = indicator_find(PQgetvalue(r, row, NBH_FIGURES_INDICATOR)),
            .n_raw = atoll(PQgetvalue(r, row, NBH_FIGURES_N_RAW)),
            .sum_w = strtod(PQgetvalue(r, row, NBH_FIGURES_SUM_W), NULL),
            .sum_w2 = strtod(PQgetvalue(r, row, NBH_FIGURES_SUM_W2), NULL),
            .sum_wy = strtod(PQgetvalue(r, row, NBH_FIGURES_SUM_WY), NULL),
            .has_baseline = strcmp(PQgetvalue(r, row, NBH_FIGURES_HAS_BASELINE), "t") == 0,
            .is_baseline_round = strcmp(PQgetvalue(r, row, NBH_FIGURES_IS_BASELINE), "t") == 0,
            .base_n_raw = atoll(PQgetvalue(r, row, NBH_FIGURES_BASE_N_RAW)),
            .base_sum_w = strtod(PQgetvalue(r, row, NBH_FIGURES_BASE_SUM_W), NULL),
            .base_sum_w2 = strtod(PQgetvalue(r, row, NBH_FIGURES_BASE_SUM_W2), NULL),
            .base_sum_wy = strtod(PQgetvalue(r, row, NBH_FIGURES_BASE_SUM_WY), NULL),
            .released = !PQgetisnull(r, row, NBH_FIGURES_RELEASE_KIND),
            .base_released = !PQgetisnull(r, row, NBH_FIGURES_BASE_KIND),
        };
    }
    /* Closed when the round's released figures are exact (they are released
     * together at the freeze) and there is one. */
    nr->closed = false;
    for (int i = 0; i < n; i++)
        if (nr->in[i].released) {
            nr->closed = strcmp(PQgetvalue(r, from + i, NBH_FIGURES_CLOSED), "t") == 0;
            if (!nr->closed)
                break;
        }
    figures_compute(nr->in, (size_t)n, nr->closed, nr->out);
    return true;
}

void neighbourhood_round_free(struct neighbourhood_round *nr)
{
    free(nr->in);
    free(nr->out);
    nr->in = NULL;
    nr->out = NULL;
}
