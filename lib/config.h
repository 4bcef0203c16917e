/* config.h — configuration from defaults, then the environment, checked once at start */
#ifndef CDM_CONFIG_H
#define CDM_CONFIG_H
#include <stdbool.h>
#include <stddef.h>
#include "programme.h"

#define CDM_MAX_RETRIES 32 /* delays CDM_WEBHOOK_RETRY_SCHEDULE may list */

struct cdm_config {
    char database_url[1024];      /* CDM_DATABASE_URL: libpq conninfo or URI */
    char kafka_bootstrap[1024];   /* CDM_KAFKA_BOOTSTRAP, or read from CDM_KAFKA_BOOTSTRAP_FILE */
    char kafka_bootstrap_file[1024];
    char topic_submissions[128];  /* CDM_TOPIC_SUBMISSIONS */
    char topic_kpi_events[128];   /* CDM_TOPIC_KPI_EVENTS */
    char consumer_group[128];     /* CDM_CONSUMER_GROUP */
    int session_timeout_ms;       /* CDM_KAFKA_SESSION_TIMEOUT_MS */
    char http_bind[64];           /* CDM_HTTP_BIND */
    int http_port;                /* CDM_HTTP_PORT (0 = any free port) */
    char http_port_file[1024];    /* CDM_HTTP_PORT_FILE: where the bound port is written */
    int http_threads;             /* CDM_HTTP_THREADS */
    int http_timeout_s;           /* CDM_HTTP_TIMEOUT_S: idle connection timeout */
    int db_pool_size;             /* CDM_DB_POOL_SIZE (default: CDM_HTTP_THREADS) */
    size_t max_body_bytes;        /* CDM_MAX_BODY_BYTES */
    char schema_dir[1024];        /* CDM_SCHEMA_DIR */
    char event_source[256];       /* CDM_EVENT_SOURCE: CloudEvents `source` prefix */
    int rate_limit_per_s;         /* CDM_RATE_LIMIT_PER_S: default per API key */
    char delivery_group[128];     /* CDM_DELIVERY_GROUP: consumer group of the delivery workers */
    char webhook_retry_schedule[256]; /* CDM_WEBHOOK_RETRY_SCHEDULE: seconds before each retry */
    int webhook_retry_delays[CDM_MAX_RETRIES]; /* that schedule, parsed: delay before retry i+1 */
    int webhook_retries;          /* how many delays it lists (0: no retry, a dead letter at once) */
    char webhook_ca_file[1024];   /* CDM_WEBHOOK_CA_FILE: extra CA bundle to trust */
    int webhook_timeout_ms;       /* CDM_WEBHOOK_TIMEOUT_MS */
    bool webhook_allow_private;   /* CDM_WEBHOOK_ALLOW_PRIVATE: 1 lets webhooks reach private addresses */
    bool clock_fixed;             /* CDM_CLOCK_NOW is set: the clock's date is clock_date */
    struct pdate clock_date;      /* CDM_CLOCK_NOW (YYYY-MM-DD); unset: today in UTC */
    int clock_interval_s;         /* CDM_CLOCK_INTERVAL_S: seconds between the clock's ticks */
    char partner_topic_prefix[64]; /* CDM_PARTNER_TOPIC_PREFIX: a partner's Kafka topic is
                                    * <prefix>.<agency slug>.<rest> */
    int max_subscriptions_per_agency; /* CDM_MAX_SUBSCRIPTIONS_PER_AGENCY */
    int statement_timeout_ms;     /* CDM_STATEMENT_TIMEOUT_MS: the API pool's statement_timeout
                                   * (0: none); the workers set none (their rebuilds run long) */
    int http_per_ip_connections;  /* CDM_HTTP_PER_IP_CONNECTIONS: open connections one address may
                                   * hold (0: no limit, e.g. behind an ingress) */
    int rate_limit_per_ip_per_s;  /* CDM_RATE_LIMIT_PER_IP_PER_S: requests per second per client
                                   * address, checked before any API key lookup */
    char trusted_proxies[1024];   /* CDM_TRUSTED_PROXIES: addresses or CIDRs whose X-Forwarded-For
                                   * names the client; "" believes no one */
    int key_cache_ttl_ms;         /* CDM_KEY_CACHE_TTL_MS: how long a checked API key is reused
                                   * without the database (0: never); revocation drops it at once */
    int late_sync_days;           /* CDM_LATE_SYNC_DAYS: days a round takes late syncs after the
                                   * later of its fieldwork end and its creation, then freezes */
    int validation_steps_max;     /* CDM_VALIDATION_STEPS_MAX: work one request body's schema
                                   * check may take before it is refused (422) */
};

/* Fills cfg from defaults and the environment. Returns false and writes a
 * message to err if a value is malformed or out of range. */
bool config_load(struct cdm_config *cfg, char *err, size_t errlen);

/* Resolves the Kafka bootstrap address: CDM_KAFKA_BOOTSTRAP if set, else the
 * first line of CDM_KAFKA_BOOTSTRAP_FILE (re-read on each call, because the
 * development broker binds new ports each start). False if neither gives one. */
bool config_kafka_bootstrap(const struct cdm_config *cfg, char *out, size_t outlen);
#endif
