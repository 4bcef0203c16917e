/* suppress.c — complementary suppression: no figure recoverable by subtraction */
#include "suppress.h"

/* Suppresses the smallest unsuppressed sibling of g's one suppressed child.
 * True when it did. */
static bool protect(const long long *n_raw, bool *suppressed, const struct suppress_group *g)
{
    size_t hidden = 0, pick = (size_t)-1;
    for (size_t k = 0; k < g->count; k++) {
        size_t i = g->members[k];
        if (n_raw[i] <= 0)
            continue;
        if (suppressed[i])
            hidden++;
        else if (pick == (size_t)-1 || n_raw[i] < n_raw[pick] ||
                 (n_raw[i] == n_raw[pick] && i < pick))
            pick = i;
    }
    if (hidden != 1 || pick == (size_t)-1)
        return false;
    suppressed[pick] = true;
    return true;
}

size_t suppress_complementary(const long long *n_raw, bool *suppressed,
                              const struct suppress_group *groups, size_t ngroups)
{
    size_t added = 0;
    for (bool changed = true; changed;) {
        changed = false;
        for (size_t g = 0; g < ngroups; g++)
            if (!groups[g].parent_suppressed && protect(n_raw, suppressed, &groups[g])) {
                added++;
                changed = true;
            }
    }
    return added;
}
