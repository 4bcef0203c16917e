/* records.h — what every domain resource shares, one module per concern:
 * provenance and withdrawal rights, record.* events, versions (ETag /
 * If-Match), body digests, list pages and the write transaction */
#ifndef CDM_RECORDS_H
#define CDM_RECORDS_H
#include "http.h"
#include "provenance.h"
#include "record_events.h"
#include "etag.h"
#include "record_digest.h"
#include "pages.h"
#include "transaction.h"
#endif
