/* suppress.c — complementary suppression: no figure recoverable by subtraction */
#include "suppress.h"
#include "catalogue.h"

/* Suppresses the smallest unsuppressed sibling when what g's parent minus
 * its shown children leaves would reveal a hidden child or a small group.
 * True when it did. */
static bool protect(const long long *n_raw, bool *suppressed, const struct suppress_group *g)
{
    size_t hidden = 0, pick = (size_t)-1;
    long long listed = 0, hidden_n = 0;
    for (size_t k = 0; k < g->count; k++) {
        size_t i = g->members[k];
        if (n_raw[i] <= 0)
            continue;
        listed += n_raw[i];
        if (suppressed[i]) {
            hidden++;
            hidden_n += n_raw[i];
        } else if (pick == (size_t)-1 || n_raw[i] < n_raw[pick] ||
                   (n_raw[i] == n_raw[pick] && i < pick)) {
            pick = i;
        }
    }
    long long residual = g->parent_n >= 0 ? g->parent_n - listed : 0;
    bool lone_residual = hidden == 0 && residual >= DISCLOSURE_MIN_BASE;
    if (residual > 0) {
        hidden++;
        hidden_n += residual;
    }
    bool exposed = (hidden == 1 && !lone_residual) ||
                   (hidden_n > 0 && hidden_n < DISCLOSURE_MIN_BASE);
    if (!exposed || pick == (size_t)-1)
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
