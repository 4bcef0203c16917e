/* metrics.c — request counts by route and status, latency histograms by route */
#include "metrics.h"
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define MAX_SERIES 256
static const double buckets[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};
#define NBUCKETS (sizeof buckets / sizeof buckets[0])

struct series {
    const char *route, *method;
    int status;
    unsigned long count;
};
struct histogram {
    const char *route, *method;
    unsigned long bucket[NBUCKETS], count;
    double sum;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct series counts[MAX_SERIES];
static struct histogram hists[MAX_SERIES];
static size_t ncounts, nhists;

void metrics_observe_request(const char *route, const char *method, int status, double seconds)
{
    pthread_mutex_lock(&lock);
    size_t i = 0;
    while (i < ncounts && !(counts[i].route == route && counts[i].status == status &&
                            strcmp(counts[i].method, method) == 0))
        i++;
    if (i == ncounts && ncounts < MAX_SERIES) /* beyond MAX_SERIES: dropped, never unbounded */
        counts[ncounts++] = (struct series){route, method, status, 0};
    if (i < ncounts)
        counts[i].count++;
    size_t h = 0;
    while (h < nhists && !(hists[h].route == route && strcmp(hists[h].method, method) == 0))
        h++;
    if (h == nhists && nhists < MAX_SERIES)
        hists[nhists++] = (struct histogram){.route = route, .method = method};
    if (h < nhists) {
        for (size_t b = 0; b < NBUCKETS; b++)
            if (seconds <= buckets[b])
                hists[h].bucket[b]++;
        hists[h].count++;
        hists[h].sum += seconds;
    }
    pthread_mutex_unlock(&lock);
}

size_t metrics_render_http(char *buf, size_t cap)
{
    size_t len = 0;
#define OUT(...)                                                                          \
    do {                                                                                  \
        if (len < cap) {                                                                  \
            int n_ = snprintf(buf + len, cap - len, __VA_ARGS__);                         \
            len += n_ > 0 ? (size_t)n_ : 0;                                               \
        }                                                                                 \
    } while (0)
    pthread_mutex_lock(&lock);
    OUT("# HELP cdm_http_requests_total HTTP requests answered, by route template, method and status.\n"
        "# TYPE cdm_http_requests_total counter\n");
    for (size_t i = 0; i < ncounts; i++)
        OUT("cdm_http_requests_total{route=\"%s\",method=\"%s\",status=\"%d\"} %lu\n",
            counts[i].route, counts[i].method, counts[i].status, counts[i].count);
    OUT("# HELP cdm_http_request_duration_seconds Time from the request's arrival to its answer.\n"
        "# TYPE cdm_http_request_duration_seconds histogram\n");
    for (size_t h = 0; h < nhists; h++) {
        for (size_t b = 0; b < NBUCKETS; b++)
            OUT("cdm_http_request_duration_seconds_bucket{route=\"%s\",method=\"%s\",le=\"%g\"} %lu\n",
                hists[h].route, hists[h].method, buckets[b], hists[h].bucket[b]);
        OUT("cdm_http_request_duration_seconds_bucket{route=\"%s\",method=\"%s\",le=\"+Inf\"} %lu\n",
            hists[h].route, hists[h].method, hists[h].count);
        OUT("cdm_http_request_duration_seconds_sum{route=\"%s\",method=\"%s\"} %.6f\n",
            hists[h].route, hists[h].method, hists[h].sum);
        OUT("cdm_http_request_duration_seconds_count{route=\"%s\",method=\"%s\"} %lu\n",
            hists[h].route, hists[h].method, hists[h].count);
    }
    pthread_mutex_unlock(&lock);
#undef OUT
    if (len >= cap)
        len = cap - 1;
    return len;
}
