/* kpi_announce.h — KPI targets judged again and each change of status announced once (kpi.status_changed) */
#ifndef CDM_KPI_ANNOUNCE_H
#define CDM_KPI_ANNOUNCE_H
#include <libpq-fe.h>
#include <stdbool.h>
#include "programme.h"
#include "worker.h"

/* Judges the live KPI targets of neighbourhood (NULL: of every one) on `now`
 * inside the caller's transaction, and announces each status that differs
 * from the one last announced (kpi_state) as a kpi.status_changed event, its
 * id derived from (target, from, to, date). The clock's tick and the worker
 * (when a closed round's figures move) both judge through here. Adds the
 * number of events to *changes. False on a database error. */
bool kpi_rejudge(PGconn *db, const struct apply_config *cfg, struct pdate now,
                 const char *neighbourhood, int *changes);
#endif
