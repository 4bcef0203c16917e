/* metrics.h — Prometheus counters and latency histograms of the HTTP API */
#ifndef CDM_METRICS_H
#define CDM_METRICS_H
#include <stddef.h>

/* Records one answered request: route template (e.g. "/v1/rounds/:id", or
 * "unmatched"), method, status and duration. Thread-safe; route and method
 * must be static strings (they are kept by pointer). */
void metrics_observe_request(const char *route, const char *method, int status, double seconds);

/* Appends the HTTP series in Prometheus text format to buf (at most cap
 * bytes, always terminated). Returns the length written. */
size_t metrics_render_http(char *buf, size_t cap);
#endif
