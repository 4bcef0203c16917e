/* service.h — the start every process shares: log name, configuration, signals, migrations */
#ifndef CDM_SERVICE_H
#define CDM_SERVICE_H
#include <stdbool.h>
#include "config.h"

/* Names the process's log lines `service` ("api", "relay", …) and fills cfg
 * from the defaults and the environment. False, logged as "bad
 * configuration", when a value is malformed: the process exits 2 then,
 * before it touches the database. */
bool service_config(const char *service, struct cdm_config *cfg);

/* Points SIGTERM and SIGINT at on_stop (a worker's: it ends the loop after
 * the batch in hand), unless on_stop is NULL (the API blocks them and waits
 * for them with sigwait instead), then applies the migrations, waiting up to
 * 60 s for a database that is still starting. False, logged, when they
 * cannot be applied: the process exits 1 then. */
bool service_start(const struct cdm_config *cfg, void (*on_stop)(int));
#endif
