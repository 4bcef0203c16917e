/* worker.c — the clock's date the indicator workers judge on */
#include "worker.h"

struct pdate worker_clock_date(const struct apply_config *cfg)
{
    return cfg->clock_fixed ? cfg->clock_date : pdate_today();
}
