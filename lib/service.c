/* service.c — the start every process shares: log name, configuration, signals, migrations */
#include "service.h"
#include "log.h"
#include "migrate.h"
#include <signal.h>

bool service_config(const char *service, struct cdm_config *cfg)
{
    log_set_service(service);
    char err[1024];
    if (!config_load(cfg, err, sizeof err)) {
        log_error("bad configuration", json_pack("{s:s}", "error", err));
        return false;
    }
    return true;
}

bool service_start(const struct cdm_config *cfg, void (*on_stop)(int))
{
    if (on_stop) {
        signal(SIGTERM, on_stop);
        signal(SIGINT, on_stop);
    }
    char err[1024];
    if (!migrate_connect_apply(cfg->database_url, 60, err, sizeof err)) {
        log_error("cannot apply the database migrations", json_pack("{s:s}", "error", err));
        return false;
    }
    return true;
}
