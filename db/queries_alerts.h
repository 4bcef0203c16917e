/* queries_alerts.h — statement names and shapes of significance alerts (queries_alerts.c) */
#ifndef CDM_QUERIES_ALERTS_H
#define CDM_QUERIES_ALERTS_H
#include "statement.h"

/* Whether a round is closed on ON_DATE; no row: no such round. */
#define Q_ALERT_ROUND_CLOSED         "alert_round_closed"
#define ALERT_ROUND_CLOSED_PARAMS(P) P(ALERT_ROUND_CLOSED, ROUND) P(ALERT_ROUND_CLOSED, ON_DATE)
#define ALERT_ROUND_CLOSED_COLUMNS(C) C(ALERT_ROUND_CLOSED, CLOSED)
DB_SHAPE(ALERT_ROUND_CLOSED)

/* Waits for the lock of one neighbourhood's evaluation, held until the transaction ends;
 * LOCKED is void. */
#define Q_ALERT_LOCK                 "alert_lock"
#define ALERT_LOCK_PARAMS(P) P(ALERT_LOCK, NEIGHBOURHOOD)
#define ALERT_LOCK_COLUMNS(C) C(ALERT_LOCK, LOCKED)
DB_SHAPE(ALERT_LOCK)

/* What was last announced of each indicator of one (neighbourhood, round). */
#define Q_ALERT_STATES               "alert_states"
#define ALERT_STATES_PARAMS(P) P(ALERT_STATES, NEIGHBOURHOOD) P(ALERT_STATES, ROUND)
#define ALERT_STATES_COLUMNS(C)                                                            \
    C(ALERT_STATES, INDICATOR) C(ALERT_STATES, SIGNIFICANT) C(ALERT_STATES, MOVEMENT)       \
    C(ALERT_STATES, ANNOUNCEMENTS)
DB_SHAPE(ALERT_STATES)

/* What is now announced of one indicator (NULL MOVEMENT: none). */
#define Q_ALERT_STATE_SET            "alert_state_set"
#define ALERT_STATE_SET_PARAMS(P)                                                          \
    P(ALERT_STATE_SET, NEIGHBOURHOOD) P(ALERT_STATE_SET, ROUND) P(ALERT_STATE_SET, INDICATOR) \
    P(ALERT_STATE_SET, SIGNIFICANT) P(ALERT_STATE_SET, MOVEMENT)                            \
    P(ALERT_STATE_SET, ANNOUNCEMENTS)
#define ALERT_STATE_SET_COLUMNS(C)
DB_SHAPE(ALERT_STATE_SET)

/* Marks a closed (round, neighbourhood) as evaluated, so the clock leaves it. */
#define Q_ALERT_CHECKED              "alert_checked"
#define ALERT_CHECKED_PARAMS(P) P(ALERT_CHECKED, ROUND) P(ALERT_CHECKED, NEIGHBOURHOOD)
#define ALERT_CHECKED_COLUMNS(C)
DB_SHAPE(ALERT_CHECKED)

/* Forgets that a neighbourhood's rounds were evaluated: the clock's next
 * evaluation (ALERT_DUE) judges them again, after a release of one. */
#define Q_ALERT_UNCHECK              "alert_uncheck"
#define ALERT_UNCHECK_PARAMS(P) P(ALERT_UNCHECK, NEIGHBOURHOOD)
#define ALERT_UNCHECK_COLUMNS(C)
DB_SHAPE(ALERT_UNCHECK)

/* The closed (neighbourhood, round) pairs no evaluation has seen yet. */
#define Q_ALERT_DUE                  "alert_due"
#define ALERT_DUE_PARAMS(P) P(ALERT_DUE, ON_DATE)
#define ALERT_DUE_COLUMNS(C) C(ALERT_DUE, NEIGHBOURHOOD_ID) C(ALERT_DUE, ROUND_ID)
DB_SHAPE(ALERT_DUE)
#endif
