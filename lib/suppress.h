/* suppress.h — complementary suppression of survey cells (pure, no I/O) */
#ifndef CDM_SUPPRESS_H
#define CDM_SUPPRESS_H
#include <stdbool.h>
#include <stddef.h>

/* One parent and its children, as indexes into the caller's arrays. A child
 * may belong to several groups (a ward in two neighbourhoods and in the
 * locality). */
struct suppress_group {
    const size_t *members;
    size_t count;
    bool parent_suppressed;  /* the parent's own figure is withheld */
    long long parent_n;      /* the parent's raw base (-1: not known): what its listed
                              * children leave of it is the unstated residual */
};

/* SPEC §3: when exactly one child of a published parent is suppressed, its
 * smallest sibling (raw base n_raw; ties: the lowest index) is suppressed
 * too, so that parent minus siblings cannot reveal it. The unstated residual
 * (parent_n minus the children's bases: responses without a ward, age band
 * or sex) counts as a child that is never shown: one of 1 to 9 is protected
 * like a suppressed child, one of 10 or more hides nothing that needs it.
 * What parent minus the shown children leaves (the suppressed children and
 * the residual together) is never a group of 1 to 9 either, while a sibling
 * is left to take. Children with an empty base reveal nothing and are
 * neither counted nor chosen. Runs over all
 * groups until none changes, so a child suppressed for one parent is
 * suppressed for every other (and may cause a second suppression there).
 * suppressed[] holds the primary suppressions on entry and all of them on
 * return. Returns how many were added. */
size_t suppress_complementary(const long long *n_raw, bool *suppressed,
                              const struct suppress_group *groups, size_t ngroups);
#endif
