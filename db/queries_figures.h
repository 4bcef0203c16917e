/* queries_figures.h — statement names and shapes of the survey figures read: neighbourhood aggregates, ward, breakdown and locality cells (queries_figures.c) */
#ifndef CDM_QUERIES_FIGURES_H
#define CDM_QUERIES_FIGURES_H
#include "statement.h"

#define Q_CELLS_WARDS            "cells_wards"
#define Q_CELLS_BREAKDOWN        "cells_breakdown"
#define Q_CELLS_LOCALITY         "cells_locality"
#define Q_INDICATORS_FOR_AREA    "indicators_for_area"
#endif
