/* queries_alerts.h — statement names and shapes of significance alerts (queries_alerts.c) */
#ifndef CDM_QUERIES_ALERTS_H
#define CDM_QUERIES_ALERTS_H
#include "statement.h"

#define Q_ALERT_ROUND_CLOSED         "alert_round_closed"
#define Q_ALERT_LOCK                 "alert_lock"
#define Q_ALERT_STATES               "alert_states"
#define Q_ALERT_STATE_SET            "alert_state_set"
#define Q_ALERT_CHECKED              "alert_checked"
#define Q_ALERT_DUE                  "alert_due"
#endif
