/* etag.h — a record's version as its ETag, and the If-Match a write to it must send */
#ifndef CDM_ETAG_H
#define CDM_ETAG_H
#include "http.h"

/* The If-Match header as a version: 428 when absent (`*` is refused too: a
 * field team's write must say which version it read), 412 when it names no
 * version. Returns CDM_OK and sets *version, else fails o. */
enum cdm_status record_if_match(const struct route_call *call, struct outcome *o,
                                long *version);

/* Sets o->etag to the quoted version, e.g. "\"3\"". */
void record_set_etag(struct outcome *o, long version);
#endif
