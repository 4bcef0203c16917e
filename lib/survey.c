/* survey.c — design weights and canonical body digests */
#include "survey.h"
#include "ids.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool weight_parse(const json_t *w, int64_t *micro)
{
    if (!w) {
        *micro = WEIGHT_SCALE;
        return true;
    }
    if (!json_is_number(w))
        return false;
    double v = json_number_value(w);
    if (!(v > 0.0) || v > 1000.0)
        return false;
    double scaled = v * (double)WEIGHT_SCALE;
    double rounded = nearbyint(scaled);
    /* A decimal with ≤ 6 places parses to a double within ~1e-7 millionths
     * of a whole number of millionths (up to 1000); anything further off had
     * more decimals. */
    if (fabs(scaled - rounded) > 1e-3 || rounded < 1.0)
        return false;
    *micro = (int64_t)rounded;
    return true;
}

void weight_format(int64_t micro, char out[WEIGHT_TEXT_LEN])
{
    snprintf(out, WEIGHT_TEXT_LEN, "%lld.%06lld", (long long)(micro / WEIGHT_SCALE),
             (long long)(micro % WEIGHT_SCALE));
}

bool body_digest(const json_t *body, unsigned char out[32])
{
    char *text = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    if (!text)
        return false;
    sha256(text, strlen(text), out);
    free(text);
    return true;
}
