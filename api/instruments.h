/* instruments.h — the three survey instruments (resident, sector, agency):
 * one submission path and one withdrawal shared by the single endpoints and
 * batches (instruments.c) */
#ifndef CDM_INSTRUMENTS_H
#define CDM_INSTRUMENTS_H
#include "http.h"

struct instrument {
    const char *name;   /* "resident", "sector", "agency": survey_round.instrument */
    const char *schema; /* the request schema of one response */
};

/* Each instrument's request schema, for its table and its route (api/responses.c). */
#define INSTRUMENT_SCHEMA_RESIDENT "resident-response.json"
#define INSTRUMENT_SCHEMA_SECTOR "sector-response.json"
#define INSTRUMENT_SCHEMA_AGENCY "agency-report.json"

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

/* Withdraws response call->id, of any instrument: it leaves every aggregate
 * through its response.withdrawn event, committed with it in one statement.
 * Idempotent: a withdrawn response stays withdrawn (and a resend of it is
 * answered as withdrawn). Fills o: CDM_OK, CDM_ERR_NOT_FOUND (absent, or not
 * the caller's to withdraw), or a database failure status. A route_logic. */
enum cdm_status instrument_withdraw(PGconn *db, const struct route_call *call,
                                    struct outcome *o);
#endif
