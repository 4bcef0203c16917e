/* service.h — the start every process shares: log name, configuration, signals, migrations */
#ifndef CDM_SERVICE_H
#define CDM_SERVICE_H
#include "config.h"

/* Names the process's log lines `service` ("api", "relay", …), fills cfg
 * from the defaults and the environment, points SIGTERM and SIGINT at
 * on_stop (a worker's: it ends the loop after the batch in hand) unless it is
 * NULL (the API blocks them and waits for them with sigwait instead), then
 * applies the migrations, waiting up to 60 s for a database that is still
 * starting. Returns 0 when the process may go on, else the status it exits
 * with, the reason logged: 2 for a malformed setting (before it touches the
 * database), 1 when the migrations cannot be applied. */
int service_init(const char *service, struct cdm_config *cfg, void (*on_stop)(int));
#endif
