/* service.c — the start every process shares: log name, configuration, signals, migrations */
#include "service.h"
#include "log.h"
#include "migrate.h"
#include <signal.h>

int service_init(const char *service, struct cdm_config *cfg, void (*on_stop)(int))
{
    log_set_service(service);
    char err[1024];
    if (!config_load(cfg, err, sizeof err)) {
        log_error("bad configuration", json_pack("{s:s}", "error", err));
        return 2;
    }
    if (on_stop) {
        signal(SIGTERM, on_stop);
        signal(SIGINT, on_stop);
    }
    if (!migrate_connect_apply(cfg->database_url, 60, err, sizeof err)) {
        log_error("cannot apply the database migrations", json_pack("{s:s}", "error", err));
        return 1;
    }
    return 0;
}
