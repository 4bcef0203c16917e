/* config.c — environment configuration */
#include "config.h"
#include "jsonschema.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A string setting; one too long for its buffer is refused, never cut
 * (a shortened topic name or connection string would mean something else). */
static bool str_env(char *dst, size_t len, const char *name, const char *def, char *err,
                    size_t errlen)
{
    const char *v = getenv(name);
    if ((size_t)snprintf(dst, len, "%s", v && *v ? v : def) >= len) {
        snprintf(err, errlen, "%s is longer than %zu characters", name, len - 1);
        return false;
    }
    return true;
}

static bool int_env(int *dst, const char *name, int def, int min, int max, char *err,
                    size_t errlen)
{
    const char *v = getenv(name);
    if (!v || !*v) {
        *dst = def;
        return true;
    }
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || *end || n < min || n > max) {
        snprintf(err, errlen, "%s must be an integer from %d to %d, got \"%s\"", name, min,
                 max, v);
        return false;
    }
    *dst = (int)n;
    return true;
}

/* A date setting, YYYY-MM-DD; unset or empty leaves *set false. */
static bool date_env(bool *set, struct pdate *dst, const char *name, char *err, size_t errlen)
{
    const char *v = getenv(name);
    *set = v && *v;
    if (*set && !pdate_parse(v, dst)) {
        snprintf(err, errlen, "%s must be a date (YYYY-MM-DD), got \"%s\"", name, v);
        return false;
    }
    return true;
}

/* A comma-separated list of seconds (each up to a week), at most CDM_MAX_RETRIES. */
static bool schedule_parse(struct cdm_config *c, char *err, size_t errlen)
{
    char buf[sizeof c->webhook_retry_schedule];
    snprintf(buf, sizeof buf, "%s", c->webhook_retry_schedule);
    c->webhook_retries = 0;
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        char *end;
        long v = strtol(t, &end, 10);
        if (*end || end == t || v < 0 || v > 7 * 24 * 3600 || c->webhook_retries == CDM_MAX_RETRIES) {
            snprintf(err, errlen,
                     "CDM_WEBHOOK_RETRY_SCHEDULE must list at most %d delays in seconds (0 to "
                     "604800), comma-separated, got \"%s\"",
                     CDM_MAX_RETRIES, c->webhook_retry_schedule);
            return false;
        }
        c->webhook_retry_delays[c->webhook_retries++] = (int)v;
    }
    return true;
}

/* A partner topic prefix: Kafka's topic characters without dots, and not cdmeasure's own
 * "cdm" (its topics are cdm.*). */
static bool topic_prefix_check(const char *p, char *err, size_t errlen)
{
    bool ok = *p && strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") ==
                        strlen(p) && strcmp(p, "cdm") != 0;
    if (!ok)
        snprintf(err, errlen, "CDM_PARTNER_TOPIC_PREFIX must be letters, digits, _ or -, and not "
                 "\"cdm\", got \"%s\"", p);
    return ok;
}

bool config_load(struct cdm_config *c, char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    bool ok = true;
    ok = ok && str_env(c->database_url, sizeof c->database_url, "CDM_DATABASE_URL", "dbname=cdmeasure", err, errlen);
    ok = ok && str_env(c->kafka_bootstrap, sizeof c->kafka_bootstrap, "CDM_KAFKA_BOOTSTRAP", "", err, errlen);
    ok = ok && str_env(c->kafka_bootstrap_file, sizeof c->kafka_bootstrap_file, "CDM_KAFKA_BOOTSTRAP_FILE", "", err, errlen);
    ok = ok && str_env(c->topic_submissions, sizeof c->topic_submissions, "CDM_TOPIC_SUBMISSIONS", "cdm.submissions", err, errlen);
    ok = ok && str_env(c->topic_kpi_events, sizeof c->topic_kpi_events, "CDM_TOPIC_KPI_EVENTS", "cdm.kpi-events", err, errlen);
    ok = ok && str_env(c->consumer_group, sizeof c->consumer_group, "CDM_CONSUMER_GROUP", "cdm-indicators", err, errlen);
    ok = ok && str_env(c->http_bind, sizeof c->http_bind, "CDM_HTTP_BIND", "0.0.0.0", err, errlen);
    ok = ok && str_env(c->http_port_file, sizeof c->http_port_file, "CDM_HTTP_PORT_FILE", "", err, errlen);
    ok = ok && str_env(c->schema_dir, sizeof c->schema_dir, "CDM_SCHEMA_DIR", "schemas", err, errlen);
    ok = ok && str_env(c->event_source, sizeof c->event_source, "CDM_EVENT_SOURCE", "/cdmeasure", err, errlen);
    ok = ok && str_env(c->delivery_group, sizeof c->delivery_group, "CDM_DELIVERY_GROUP", "cdm-delivery", err, errlen);
    ok = ok && str_env(c->webhook_retry_schedule, sizeof c->webhook_retry_schedule,
                       "CDM_WEBHOOK_RETRY_SCHEDULE", "5,30,120,600,1800,3600,10800,21600", err, errlen);
    ok = ok && str_env(c->webhook_ca_file, sizeof c->webhook_ca_file, "CDM_WEBHOOK_CA_FILE", "", err, errlen);
    ok = ok && str_env(c->partner_topic_prefix, sizeof c->partner_topic_prefix,
                       "CDM_PARTNER_TOPIC_PREFIX", "partner", err, errlen);
    ok = ok && str_env(c->trusted_proxies, sizeof c->trusted_proxies, "CDM_TRUSTED_PROXIES", "", err, errlen);
    int allow_private = 0;
    int max_body_kib = 0;
    if (!ok || !int_env(&c->session_timeout_ms, "CDM_KAFKA_SESSION_TIMEOUT_MS", 45000, 1000, 300000,
                 err, errlen) ||
        !int_env(&c->http_port, "CDM_HTTP_PORT", 8080, 0, 65535, err, errlen) ||
        !int_env(&c->http_threads, "CDM_HTTP_THREADS", 8, 1, 256, err, errlen) ||
        !int_env(&c->http_timeout_s, "CDM_HTTP_TIMEOUT_S", 30, 1, 3600, err, errlen) ||
        !int_env(&c->db_pool_size, "CDM_DB_POOL_SIZE", c->http_threads, 1, 256, err,
                 errlen) ||
        !int_env(&max_body_kib, "CDM_MAX_BODY_KIB", 4096, 1, 65536, err, errlen) ||
        !int_env(&c->rate_limit_per_s, "CDM_RATE_LIMIT_PER_S", 100, 1, 1000000, err, errlen) ||
        !int_env(&c->webhook_timeout_ms, "CDM_WEBHOOK_TIMEOUT_MS", 10000, 100, 60000, err, errlen) ||
        !int_env(&allow_private, "CDM_WEBHOOK_ALLOW_PRIVATE", 0, 0, 1, err, errlen) ||
        !int_env(&c->clock_interval_s, "CDM_CLOCK_INTERVAL_S", 60, 1, 31536000, err, errlen) ||
        !int_env(&c->max_subscriptions_per_agency, "CDM_MAX_SUBSCRIPTIONS_PER_AGENCY", 50, 1,
                 100000, err, errlen) ||
        !topic_prefix_check(c->partner_topic_prefix, err, errlen) ||
        !int_env(&c->statement_timeout_ms, "CDM_STATEMENT_TIMEOUT_MS", 15000, 0, 3600000, err, errlen) ||
        !int_env(&c->http_per_ip_connections, "CDM_HTTP_PER_IP_CONNECTIONS", 64, 0, 65535, err, errlen) ||
        !int_env(&c->rate_limit_per_ip_per_s, "CDM_RATE_LIMIT_PER_IP_PER_S", 200, 1, 1000000, err, errlen) ||
        !int_env(&c->key_cache_ttl_ms, "CDM_KEY_CACHE_TTL_MS", 5000, 0, 60000, err, errlen) ||
        !int_env(&c->late_sync_days, "CDM_LATE_SYNC_DAYS", 14, 0, 366, err, errlen) ||
        !int_env(&c->validation_steps_max, "CDM_VALIDATION_STEPS_MAX", (int)JS_STEPS_MAX_DEFAULT,
                 1000, (int)JS_STEPS_MAX_LIMIT, err, errlen) ||
        !date_env(&c->clock_fixed, &c->clock_date, "CDM_CLOCK_NOW", err, errlen) ||
        !schedule_parse(c, err, errlen))
        return false;
    c->max_body_bytes = (size_t)max_body_kib * 1024u;
    c->webhook_allow_private = allow_private == 1;
    js_set_steps_max((unsigned long)c->validation_steps_max); /* every validation from now on */
    if (!*c->kafka_bootstrap && !*c->kafka_bootstrap_file) {
        snprintf(err, errlen, "set CDM_KAFKA_BOOTSTRAP or CDM_KAFKA_BOOTSTRAP_FILE");
        return false;
    }
    return true;
}

bool config_kafka_bootstrap(const struct cdm_config *c, char *out, size_t outlen)
{
    if (*c->kafka_bootstrap) {
        snprintf(out, outlen, "%s", c->kafka_bootstrap);
        return true;
    }
    FILE *f = fopen(c->kafka_bootstrap_file, "r");
    if (!f)
        return false;
    bool ok = fgets(out, (int)outlen, f) != NULL;
    fclose(f);
    if (!ok)
        return false;
    out[strcspn(out, "\r\n")] = '\0';
    return *out != '\0';
}
