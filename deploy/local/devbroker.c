/* devbroker.c — cdm-devbroker: a development Kafka broker on librdkafka's mock cluster.
 *
 * For local runs and tests only: it speaks the real Kafka protocol on
 * loopback, but keeps everything in memory and forgets it when it stops.
 * Production uses real Kafka; every other process reaches this one only
 * through the bootstrap address it writes, exactly as it would a cluster.
 *
 * Environment: CDM_KAFKA_BOOTSTRAP_FILE (required: where the address goes),
 * CDM_DEVBROKER_TOPICS (comma-separated, default cdm.submissions,cdm.kpi-events),
 * CDM_DEVBROKER_PARTITIONS (default 6), CDM_DEVBROKER_BROKERS (default 1).
 * Signals: SIGUSR1 takes every broker down, SIGUSR2 brings them up again (an
 * outage without losing the topics); SIGTERM or SIGINT stops it. */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int env_int(const char *name, int def)
{
    const char *v = getenv(name);
    int n = v && *v ? atoi(v) : def;
    return n > 0 ? n : def;
}

int main(void)
{
    const char *file = getenv("CDM_KAFKA_BOOTSTRAP_FILE");
    const char *topics_env = getenv("CDM_DEVBROKER_TOPICS");
    char topics[1024];
    snprintf(topics, sizeof topics, "%s",
             topics_env && *topics_env ? topics_env : "cdm.submissions,cdm.kpi-events");
    int partitions = env_int("CDM_DEVBROKER_PARTITIONS", 6);
    int brokers = env_int("CDM_DEVBROKER_BROKERS", 1);
    if (!file || !*file) {
        fprintf(stderr, "cdm-devbroker: set CDM_KAFKA_BOOTSTRAP_FILE\n");
        return 2;
    }
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGUSR1);
    sigaddset(&sigs, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL); /* before librdkafka starts its threads */

    char err[256];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err); /* takes conf */
    if (!rk) {
        fprintf(stderr, "cdm-devbroker: %s\n", err);
        rd_kafka_conf_destroy(conf);
        return 1;
    }
    rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, brokers);
    if (!mc) {
        fprintf(stderr, "cdm-devbroker: cannot create the mock cluster\n");
        rd_kafka_destroy(rk);
        return 1;
    }
    /* The mock cluster has no CreateTopics: create ours with their partitions. */
    for (char *save = NULL, *t = strtok_r(topics, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        rd_kafka_resp_err_t e = rd_kafka_mock_topic_create(mc, t, partitions, brokers < 3 ? brokers : 3);
        if (e) {
            fprintf(stderr, "cdm-devbroker: topic %s: %s\n", t, rd_kafka_err2str(e));
            rd_kafka_mock_cluster_destroy(mc);
            rd_kafka_destroy(rk);
            return 1;
        }
    }
    const char *bootstrap = rd_kafka_mock_cluster_bootstraps(mc);
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", file);
    FILE *f = fopen(tmp, "w");
    if (!f || fprintf(f, "%s\n", bootstrap) < 0 || fclose(f) != 0 || rename(tmp, file) != 0) {
        perror("cdm-devbroker: writing the bootstrap file");
        rd_kafka_mock_cluster_destroy(mc);
        rd_kafka_destroy(rk);
        return 1;
    }
    printf("{\"msg\":\"development broker up\",\"bootstrap\":\"%s\",\"partitions\":%d,\"brokers\":%d}\n",
           bootstrap, partitions, brokers);
    fflush(stdout);

    for (;;) {
        int sig = 0;
        sigwait(&sigs, &sig);
        if (sig == SIGUSR1 || sig == SIGUSR2) {
            for (int b = 1; b <= brokers; b++) {
                if (sig == SIGUSR1)
                    rd_kafka_mock_broker_set_down(mc, b);
                else
                    rd_kafka_mock_broker_set_up(mc, b);
            }
            printf("{\"msg\":\"brokers %s\"}\n", sig == SIGUSR1 ? "down" : "up");
            fflush(stdout);
            continue;
        }
        break;
    }
    remove(file);
    rd_kafka_mock_cluster_destroy(mc);
    rd_kafka_destroy(rk);
    return 0;
}
