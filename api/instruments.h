/* instruments.h — the three survey instruments (resident, sector, agency):
 * one submission path shared by the single endpoints and batches */
#ifndef CDM_INSTRUMENTS_H
#define CDM_INSTRUMENTS_H
#include "http.h"

struct instrument {
    const char *name;   /* "resident", "sector", "agency": survey_round.instrument */
    const char *schema; /* the request schema of one response */
};

/* The instrument called name, or NULL. Static storage. */
const struct instrument *instrument_named(const char *name);

/* Stores one schema-valid response of instrument ins (item, borrowed) with
 * its response.submitted event in one statement, or recognises a resend.
 * Fills o: CDM_CREATED (body: the accepted response), CDM_REPLAYED (same id,
 * same body: the first answer), CDM_ERR_CONFLICT (same id, other body),
 * CDM_ERR_VALIDATION (a semantic check failed: o->errors has pointers into
 * item), or a database failure status. in_tx: the caller holds an open
 * transaction (a dry run), so the relay is not woken. */
enum cdm_status instrument_submit(PGconn *db, const struct route_call *call,
                                  const struct instrument *ins, const json_t *item, bool in_tx,
                                  struct outcome *o);
#endif
