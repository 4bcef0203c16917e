/* survey.h — checks of survey submissions beyond their JSON Schema (pure) */
#ifndef CDM_SURVEY_H
#define CDM_SURVEY_H
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/* A design weight in millionths, exactly: weights have at most 6 decimals. */
#define WEIGHT_SCALE 1000000LL
#define WEIGHT_TEXT_LEN 24

/* Reads an optional design weight. NULL → 1.0 (unweighted). Returns false if
 * it is not a number in (0, 1000] with at most 6 decimals. */
bool weight_parse(const json_t *w, int64_t *micro);

/* Writes micro as an exact decimal string ("1.250000") for NUMERIC. */
void weight_format(int64_t micro, char out[WEIGHT_TEXT_LEN]);

/* SHA-256 of the canonical form of body (sorted keys, compact): two bodies
 * with the same content hash equally whatever their key order or spacing. */
bool body_digest(const json_t *body, unsigned char out[32]);
#endif
