/* clock.h — the clock job: changes driven by time, announced once */
#ifndef CDM_CLOCK_H
#define CDM_CLOCK_H
#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include "programme.h"
#include "worker.h"

struct clock_result {
    int kpi_changes;        /* kpi.status_changed events added */
    int milestone_events;   /* milestone.overdue and milestone.completed events added */
    int alert_events;       /* indicator.significant_change events added */
    int indicator_updates;  /* indicator.updated events of dated indicators that moved */
    int rounds_frozen;      /* rounds frozen by their late syncs ending */
    int releases;           /* survey figures released (each an indicator.updated) */
    bool skipped;           /* another process held the clock's lock */
};

/* One tick on `now`, in one transaction: rounds frozen and survey figures
 * released as the release rule says (releases.h), the significance of what
 * was released exactly judged; every live KPI target judged on
 * that date, a kpi.status_changed event for each whose status differs from
 * the one last announced (kpi_announce.h); a milestone.completed event for
 * each milestone completed and not yet announced, a milestone.overdue for
 * each whose due month has ended without completion or cancellation; an
 * indicator.updated for each dated indicator whose 12-month window or date
 * moved its value (indicator_dated.h). Each event id is
 * derived from the change itself, and what was announced is stored with it,
 * so a tick repeated (or run by two workers: an advisory lock lets one tick
 * at a time) announces nothing twice. Events go to the KPI topic through the
 * outbox: KPI events keyed by neighbourhood, milestone events by programme
 * (locality-level: only locality-wide subscriptions receive them). */
bool clock_tick(PGconn *db, const struct apply_config *cfg, struct pdate now,
                struct clock_result *out, char *err, size_t errlen);
#endif
