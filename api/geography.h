/* geography.h — what the areas, neighbourhoods and programmes modules share (api/geography.c) */
#ifndef CDM_GEOGRAPHY_H
#define CDM_GEOGRAPHY_H
#include "http.h"
#include "programme.h"

/* The date a read is "as of": ?on=YYYY-MM-DD, else today (UTC). Writes it as
 * text into on and parsed into *d. Fails o with 422 at /on when malformed. */
enum cdm_status geo_on_date(const struct route_call *call, struct outcome *o, char on[11],
                            struct pdate *d);

/* Only a key for the whole locality may change its geography and its
 * programme: any other fails o with 403, "only a key for the whole locality
 * can <action>". */
enum cdm_status geo_locality_key_or_fail(const struct route_call *call, struct outcome *o,
                                         const char *action);

/* A date from a JSON string; false for anything else. */
bool geo_date_of(const json_t *v, struct pdate *d);

/* Stage lengths from a JSON array of PROGRAMME_STAGES integers, each valid
 * (programme_stages_valid); false otherwise. */
bool geo_stage_months_of(const json_t *arr, int out[PROGRAMME_STAGES]);

/* Replaces a neighbourhood's `_programme` (from the SQL) by `programmeMonth`
 * and `phase` on date on; a neighbourhood without a programme gets neither.
 * neighbourhood is borrowed and changed in place. */
void geo_neighbourhood_decorate(json_t *neighbourhood, struct pdate on);

/* A page of neighbourhoods the caller may see (?after=&limit=&on=), ordered
 * by code, optionally only those of one programme (NULL: all). Fills o. */
enum cdm_status geo_neighbourhood_page(PGconn *db, const struct route_call *call,
                                       struct outcome *o, const char *programme_id);

#endif
