/* agencies.h — partner agencies and their API keys (logic shared by the API and the CLI) */
#ifndef CDM_AGENCIES_H
#define CDM_AGENCIES_H
#include <jansson.h>
#include <libpq-fe.h>
#include "http.h"
#include "audit.h"

/* Creates the agency `name` if it does not exist; its id into id_out. False on a database error. */
bool agency_ensure(PGconn *db, const char *name, char id_out[40]);

/* Creates an API key for agency_id from a body shaped like key-create.json
 * (scopes, neighbourhoods or allNeighbourhoods, expiresAt, ratePerSecond).
 * On success o->body is the key's description plus "key": the secret, shown
 * this once and stored only as its SHA-256. actor (NULL: the operator's
 * command line) is who the audit row names. */
enum cdm_status key_create(PGconn *db, const char *agency_id, const json_t *spec,
                           const struct audit_actor *actor, struct outcome *o);
#endif
