/* kafka_probe.h — background probe of Kafka for /readyz and /metrics */
#ifndef CDM_KAFKA_PROBE_H
#define CDM_KAFKA_PROBE_H
#include "http.h"

/* Thread body: every 3 s sets ctx->kafka_up and ctx->consumer_lag[], until
 * ctx->running is cleared. @locality its own thread */
void *kafka_probe_run(void *ctx);
#endif
