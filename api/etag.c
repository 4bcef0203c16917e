/* etag.c — a record's version as its ETag, and the If-Match a write to it must send */
#include "etag.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum cdm_status record_if_match(const struct route_call *call, struct outcome *o,
                                long *version)
{
    const char *h = u_map_get_case(call->req->map_header, "If-Match");
    if (!h || !*h)
        return outcome_fail(o, CDM_ERR_PRECONDITION_REQUIRED,
                            "send If-Match with the ETag of the version you read");
    if (strcmp(h, "*") == 0)
        return outcome_fail(o, CDM_ERR_PRECONDITION_REQUIRED,
                            "If-Match: * is not enough here; send the ETag of the version you read");
    const char *p = h;
    if (strncmp(p, "W/", 2) == 0) /* weak comparison is what If-Match forbids */
        return outcome_fail(o, CDM_ERR_PRECONDITION_FAILED, "If-Match needs a strong ETag");
    char *end;
    long v = *p == '"' ? strtol(p + 1, &end, 10) : -1;
    if (v < 1 || *p != '"' || end[0] != '"' || end[1] != '\0')
        return outcome_fail(o, CDM_ERR_PRECONDITION_FAILED,
                            "If-Match %.40s is not an ETag this API gave out", h);
    *version = v;
    return CDM_OK;
}

void record_set_etag(struct outcome *o, long version)
{
    snprintf(o->etag, sizeof o->etag, "\"%ld\"", version);
}
