/* organisations.h — what the registry's route files share: visibility of an
 * organisation, the one rule for contacts, reading and versioning */
#ifndef CDM_ORGANISATIONS_H
#define CDM_ORGANISATIONS_H
#include "http.h"

/* Contact details are personal data: the one place that says who sees them. */
bool may_see_contacts(const struct principal *who);

/* The neighbourhoods organisation id serves (with those of `other` too, when
 * not NULL) into *neighbourhoods, a new array the caller json_decref()s.
 * Fails o with 404 `not_found` when id does not exist or serves none of the
 * caller's neighbourhoods (as if absent). */
enum cdm_status organisation_neighbourhoods(PGconn *db, const struct route_call *call,
                                            const char *id, const char *other,
                                            json_t **neighbourhoods, struct outcome *o,
                                            const char *not_found);

/* True if the caller may touch one of the neighbourhoods in the array. */
bool neighbourhoods_visible(const struct principal *who, const json_t *neighbourhoods);

/* Reads organisation id as the caller may see it into o->body (CDM_OK, ETag
 * set), or fails o (404 when it is not there for the caller). */
enum cdm_status organisation_read(PGconn *db, const struct route_call *call, const char *id,
                                  struct outcome *o);

/* Inside the caller's open transaction: stores the organisation's current
 * version (its document without the contact) in organisation_version. */
bool organisation_version_store(PGconn *db, const char *id, bool contact_changed);

/* Inside the caller's open transaction: locks organisation id and checks
 * that it is still at version if_match (the If-Match the write came with),
 * its status then into status_from (len bytes). False with o failed (412
 * when another write moved the version on) otherwise. */
bool organisation_lock(PGconn *db, const char *id, long if_match, char *status_from, size_t len,
                       struct outcome *o);

/* A number of a schema-valid body as SQL text into out, or NULL for an
 * absent or null value (the pointer to use as the parameter). */
const char *registry_number_param(const json_t *v, char *out, size_t len);
#endif
