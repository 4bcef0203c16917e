/* record_digest.c — body digests: how a create resent under its client id is recognised */
#include "record_digest.h"
#include "survey.h"
#include <stdio.h>

bool record_body_digest_hex(const json_t *body, char out[65])
{
    unsigned char d[32];
    if (!body_digest(body, d))
        return false;
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
    return true;
}

bool record_body_digest_with(const json_t *body, const char *key, const char *value,
                             char out[65])
{
    json_t *copy = json_deep_copy(body);
    bool ok = copy && json_object_set_new(copy, key, json_string(value)) == 0 &&
              record_body_digest_hex(copy, out);
    json_decref(copy);
    return ok;
}
