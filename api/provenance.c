/* provenance.c — who supplied a record, and who may therefore withdraw it */
#include "provenance.h"
#include <string.h>

/* What a caller without an agency is given as its agency: a uuid no agency
 * has, so that "supplied_by_agency = $n" matches nothing. */
#define NO_AGENCY "00000000-0000-0000-0000-000000000000"

struct provenance provenance_of(const struct route_call *call)
{
    const struct principal *who = call->who;
    struct provenance p = {NULL, NULL, "false"};
    if (who) {
        p.agency_id = who->agency_id[0] ? who->agency_id : NULL;
        p.key_id = who->key_id[0] ? who->key_id : NULL;
        p.evaluator = (who->scopes & SCOPE_EVALUATOR) ? "true" : "false";
    }
    return p;
}

const char *record_withdrawer_param(const struct route_call *call)
{
    const struct principal *who = call->who;
    if (who && (who->scopes & SCOPE_ADMIN))
        return NULL;
    return who && who->agency_id[0] ? who->agency_id : NO_AGENCY;
}

bool record_may_withdraw(const struct route_call *call, const char *supplied_by_agency)
{
    const char *mine = record_withdrawer_param(call);
    return !mine || (supplied_by_agency && strcmp(mine, supplied_by_agency) == 0);
}
