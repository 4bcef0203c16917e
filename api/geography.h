/* geography.h — what areas.c, neighbourhoods.c and programmes.c share */
#ifndef CDM_GEOGRAPHY_H
#define CDM_GEOGRAPHY_H
#include "http.h"
#include "programme.h"

/* The date a read is "as of": ?on=YYYY-MM-DD, else today (UTC). Writes it as
 * text into on and parsed into *d. Fails o with 422 at /on when malformed. */
enum cdm_status geo_on_date(const struct route_call *call, struct outcome *o, char on[11],
                            struct pdate *d);

/* Today's date (UTC). */
struct pdate geo_today(void);

/* Replaces a neighbourhood's `_programme` (from the SQL) by `programmeMonth`
 * and `phase` on date on; a neighbourhood without a programme gets neither.
 * n is borrowed and changed in place. */
void geo_neighbourhood_decorate(json_t *n, struct pdate on);

/* A page of neighbourhoods the caller may see (?after=&limit=&on=), ordered
 * by code, optionally only those of one programme (NULL: all). Fills o. */
enum cdm_status geo_neighbourhood_page(PGconn *db, const struct route_call *call,
                                       struct outcome *o, const char *programme_id);

#endif
