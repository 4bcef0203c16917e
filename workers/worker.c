/* worker.c — the clock's date the indicator workers judge on, and the notes a batch keeps */
#include "worker.h"
#include <stdlib.h>
#include <string.h>

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

static int compare_keys(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

const char **worker_sorted_keys(const json_t *obj, size_t *n)
{
    *n = json_object_size(obj);
    const char **keys = malloc((*n ? *n : 1) * sizeof *keys);
    if (!keys)
        return NULL;
    size_t k = 0;
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)obj, key, v)
        keys[k++] = key;
    qsort(keys, k, sizeof *keys, compare_keys);
    return keys;
}
