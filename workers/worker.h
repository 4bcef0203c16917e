/* worker.h — what the indicator workers' modules share: their settings, an apply's outcome, the clock's date */
#ifndef CDM_WORKER_H
#define CDM_WORKER_H
#include <jansson.h>
#include <stdbool.h>
#include "programme.h"

struct apply_config {
    const char *consumer;      /* the name under which processed events are recorded */
    const char *topic_kpi;     /* where indicator events go (through the outbox) */
    const char *event_source;  /* CloudEvents source of the events it emits */
    bool clock_fixed;          /* CDM_CLOCK_NOW is set: the clock's date is clock_date */
    struct pdate clock_date;   /* CDM_CLOCK_NOW; unset, the clock takes today in UTC */
};

enum apply_result {
    APPLY_DONE,       /* effects written (or nothing to do) */
    APPLY_DUPLICATE,  /* this event id was applied before: nothing written */
    APPLY_POISON,     /* not an event we can ever apply: log it and move on */
    APPLY_RETRY,      /* a database error: roll back and try again */
};

/* The clock's date: CDM_CLOCK_NOW when set — tests walk a programme through
 * its years with it — else today in UTC, asked on each call (a worker runs
 * for days). Rounds freeze, provisional releases are dated, and KPIs and
 * dated figures are computed on this date (a round's figures are final once
 * its exact release is made, whatever the date). */
struct pdate worker_clock_date(const struct apply_config *cfg);

/* Notes inner under outer in map (a JSON object of objects the caller owns:
 * outer -> {inner: true}), creating outer's object on first use: how a batch
 * remembers what to judge or release after it. False when out of memory. */
bool worker_note(json_t *map, const char *outer, const char *inner);

/* The keys of obj in strcmp order, *n of them: the order in which a batch and
 * the clock take their locks, so that neither waits for the other in a
 * cycle. The strings are borrowed from obj; the array is the caller's to
 * free(). NULL when out of memory. */
const char **worker_sorted_keys(const json_t *obj, size_t *n);
#endif
