/* indicator_dated.h — dated indicators moved by record changes and by time, announced when they move */
#ifndef CDM_INDICATOR_DATED_H
#define CDM_INDICATOR_DATED_H
#include <jansson.h>
#include <libpq-fe.h>
#include "worker.h"

/* Takes one cdm.submissions event inside the caller's open transaction. A
 * record.created/updated/withdrawn of a record that can move a dated
 * indicator (any entity but evidence, KPI targets, milestones and
 * programmes; a neighbourhood only when changed, since a new one has
 * nothing), or an agency report stored or withdrawn: records the event id
 * in processed_event (APPLY_DUPLICATE if it was there), then recomputes the
 * dated indicators of each neighbourhood the event names on the clock's date
 * and adds an indicator.updated event for each whose value differs from the
 * one last published (never published: from nothing, so a value of 0 or none
 * is not a change; published for a later date: not announced again, the
 * clock's date does not go back), with an id derived from
 * (type, indicator, neighbourhood, the triggering event's id). Any other
 * event: APPLY_DONE, nothing written. */
enum apply_result dated_apply_event(PGconn *db, const struct apply_config *cfg, const json_t *ev);

/* The clock's part (its 12-month windows move with time): recomputes the
 * dated indicators of every neighbourhood that has something they count (or
 * had something published) on `on`
 * (YYYY-MM-DD), announcing those that moved, with ids derived from
 * (type, indicator, neighbourhood, on). Adds the number of events to
 * *published. False on a database error. */
bool dated_tick(PGconn *db, const struct apply_config *cfg, const char *on, int *published);
#endif
