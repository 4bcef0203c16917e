/* queries_cells.h — statement names and shapes of ward, breakdown and locality cells, sample adequacy (queries_cells.c) */
#ifndef CDM_QUERIES_CELLS_H
#define CDM_QUERIES_CELLS_H
#include "statement.h"

#define Q_CELL_APPLY             "cell_apply"
#define Q_WARD_COUNT_ADD         "ward_count_add"
#define Q_CELLS_WARDS            "cells_wards"
#define Q_CELLS_BREAKDOWN        "cells_breakdown"
#define Q_CELLS_LOCALITY         "cells_locality"
#endif
