/* worker.c — the clock's date the indicator workers judge on, and the notes a batch keeps */
#include "worker.h"

struct pdate worker_clock_date(const struct apply_config *cfg)
{
    return cfg->clock_fixed ? cfg->clock_date : pdate_today();
}

bool worker_note(json_t *map, const char *outer, const char *inner)
{
    json_t *set = json_object_get(map, outer);
    if (!set) {
        set = json_object();
        if (!set || json_object_set_new(map, outer, set) != 0)
            return false;
    }
    return json_object_set_new(set, inner, json_true()) == 0;
}
