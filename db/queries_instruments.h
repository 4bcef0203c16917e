/* queries_instruments.h — statement names and shapes of the three survey instruments, rounds, baselines, batches (queries_instruments.c) */
#ifndef CDM_QUERIES_INSTRUMENTS_H
#define CDM_QUERIES_INSTRUMENTS_H
#include "statement.h"

/* Stores a response with its event when every check holds and the id is new
 * (RECEIVED_AT not NULL), and says which checks held: the round's instrument
 * (NULL: no such round), whether it covers the response, is closed, carries
 * weights (NULL: undecided), whether the area code, organisation and agency
 * were found. NEIGHBOURHOODS: the caller's (NULL: all); SUPPLIED_*: the
 * provenance; CLAIM_WEIGHTING: whether it may decide the round's weighting. */
#define Q_INSTR_SUBMIT           "instr_submit"
#define INSTR_SUBMIT_PARAMS(P)                                                                \
    P(INSTR_SUBMIT, ID) P(INSTR_SUBMIT, ROUND) P(INSTR_SUBMIT, INSTRUMENT)                    \
    P(INSTR_SUBMIT, NEIGHBOURHOOD) P(INSTR_SUBMIT, AREA_CODE) P(INSTR_SUBMIT, ORGANISATION)   \
    P(INSTR_SUBMIT, AGENCY) P(INSTR_SUBMIT, ANSWERS) P(INSTR_SUBMIT, RESPONDENT)              \
    P(INSTR_SUBMIT, WEIGHT) P(INSTR_SUBMIT, DIGEST) P(INSTR_SUBMIT, EVENT_ID)                 \
    P(INSTR_SUBMIT, TOPIC) P(INSTR_SUBMIT, EVENT_KEY) P(INSTR_SUBMIT, EVENT)                  \
    P(INSTR_SUBMIT, NEIGHBOURHOODS) P(INSTR_SUBMIT, SUPPLIED_BY_AGENCY)                       \
    P(INSTR_SUBMIT, SUPPLIED_BY_KEY) P(INSTR_SUBMIT, SUPPLIED_AS_EVALUATOR)                   \
    P(INSTR_SUBMIT, CLAIM_WEIGHTING)
#define INSTR_SUBMIT_COLUMNS(C)                                                               \
    C(INSTR_SUBMIT, ROUND_INSTRUMENT) C(INSTR_SUBMIT, COVERED) C(INSTR_SUBMIT, CLOSED)        \
    C(INSTR_SUBMIT, WEIGHTED) C(INSTR_SUBMIT, AREA_FOUND) C(INSTR_SUBMIT, ORGANISATION_FOUND) \
    C(INSTR_SUBMIT, AGENCY_FOUND) C(INSTR_SUBMIT, RECEIVED_AT)
DB_SHAPE(INSTR_SUBMIT)

/* A stored response as a resend is compared with and answered from. */
#define Q_INSTR_EXISTING         "instr_existing"
#define INSTR_EXISTING_PARAMS(P) P(INSTR_EXISTING, ID)
#define INSTR_EXISTING_COLUMNS(C)                                                             \
    C(INSTR_EXISTING, DIGEST) C(INSTR_EXISTING, ROUND_ID) C(INSTR_EXISTING, NEIGHBOURHOOD_ID) \
    C(INSTR_EXISTING, RECEIVED_AT) C(INSTR_EXISTING, WITHDRAWN) C(INSTR_EXISTING, INSTRUMENT) \
    C(INSTR_EXISTING, ORGANISATION_ID) C(INSTR_EXISTING, AGENCY_ID)
DB_SHAPE(INSTR_EXISTING)

/* A response the caller may withdraw: within NEIGHBOURHOODS (NULL: all), and
 * supplied by WITHDRAWER (NULL: an admin). No row: absent to this caller. */
#define Q_INSTR_RESPONSE_VISIBLE "instr_response_visible"
#define INSTR_RESPONSE_VISIBLE_PARAMS(P)                                                      \
    P(INSTR_RESPONSE_VISIBLE, ID) P(INSTR_RESPONSE_VISIBLE, NEIGHBOURHOODS)                   \
    P(INSTR_RESPONSE_VISIBLE, WITHDRAWER)
#define INSTR_RESPONSE_VISIBLE_COLUMNS(C)                                                     \
    C(INSTR_RESPONSE_VISIBLE, ROUND_ID) C(INSTR_RESPONSE_VISIBLE, NEIGHBOURHOOD_ID)           \
    C(INSTR_RESPONSE_VISIBLE, INSTRUMENT) C(INSTR_RESPONSE_VISIBLE, ORGANISATION_ID)          \
    C(INSTR_RESPONSE_VISIBLE, AGENCY_ID)
DB_SHAPE(INSTR_RESPONSE_VISIBLE)

/* Withdraws a response with its event; WITHDRAWN is 0 when it was already. */
#define Q_INSTR_WITHDRAW         "instr_withdraw"
#define INSTR_WITHDRAW_PARAMS(P)                                                              \
    P(INSTR_WITHDRAW, ID) P(INSTR_WITHDRAW, EVENT_ID) P(INSTR_WITHDRAW, TOPIC)                \
    P(INSTR_WITHDRAW, EVENT_KEY) P(INSTR_WITHDRAW, EVENT) P(INSTR_WITHDRAW, AGENCY)           \
    P(INSTR_WITHDRAW, KEY_PREFIX) P(INSTR_WITHDRAW, REQUEST_ID)
#define INSTR_WITHDRAW_COLUMNS(C) C(INSTR_WITHDRAW, WITHDRAWN)
DB_SHAPE(INSTR_WITHDRAW)

#define Q_ROUND_CREATE           "round_create"
#define ROUND_CREATE_PARAMS(P)                                                                \
    P(ROUND_CREATE, INSTRUMENT) P(ROUND_CREATE, NAME) P(ROUND_CREATE, FIELDWORK_START)        \
    P(ROUND_CREATE, FIELDWORK_END) P(ROUND_CREATE, PROGRAMME) P(ROUND_CREATE, LATE_SYNC_DAYS)
#define ROUND_CREATE_COLUMNS(C) C(ROUND_CREATE, ID)
DB_SHAPE(ROUND_CREATE)

/* The round as JSON, its version, its neighbourhoods (a JSON array of ids)
 * and whether it was closed explicitly. */
#define Q_ROUND_READ             "round_read"
#define ROUND_READ_PARAMS(P) P(ROUND_READ, ID)
#define ROUND_READ_COLUMNS(C)                                                                 \
    C(ROUND_READ, BODY) C(ROUND_READ, VERSION) C(ROUND_READ, NEIGHBOURHOODS) C(ROUND_READ, CLOSED)
DB_SHAPE(ROUND_READ)

/* A page of rounds (each ITEM a round as JSON) by fieldwork start, with only
 * the caller's NEIGHBOURHOODS (NULL: all); the filters and the cursor
 * (AFTER_START, AFTER_ID) may be NULL. */
#define Q_ROUND_LIST             "round_list"
#define ROUND_LIST_PARAMS(P)                                                                  \
    P(ROUND_LIST, NEIGHBOURHOODS) P(ROUND_LIST, INSTRUMENT) P(ROUND_LIST, STATUS)             \
    P(ROUND_LIST, NEIGHBOURHOOD) P(ROUND_LIST, AFTER_START) P(ROUND_LIST, AFTER_ID)           \
    P(ROUND_LIST, LIMIT)
#define ROUND_LIST_COLUMNS(C) C(ROUND_LIST, ITEM)
DB_SHAPE(ROUND_LIST)

/* Closes the round at VERSION with its event; CLOSED is 0 when it was closed
 * or changed meanwhile. */
#define Q_ROUND_CLOSE            "round_close"
#define ROUND_CLOSE_PARAMS(P)                                                                 \
    P(ROUND_CLOSE, ID) P(ROUND_CLOSE, VERSION) P(ROUND_CLOSE, EVENT_ID) P(ROUND_CLOSE, TOPIC) \
    P(ROUND_CLOSE, EVENT) P(ROUND_CLOSE, AGENCY) P(ROUND_CLOSE, KEY_PREFIX)                   \
    P(ROUND_CLOSE, REQUEST_ID)
#define ROUND_CLOSE_COLUMNS(C) C(ROUND_CLOSE, CLOSED)
DB_SHAPE(ROUND_CLOSE)

/* Locks the round; its instrument, whether it covers NEIGHBOURHOOD, its version. */
#define Q_BASELINE_ROUND         "baseline_round"
#define BASELINE_ROUND_PARAMS(P) P(BASELINE_ROUND, ROUND) P(BASELINE_ROUND, NEIGHBOURHOOD)
#define BASELINE_ROUND_COLUMNS(C)                                                             \
    C(BASELINE_ROUND, INSTRUMENT) C(BASELINE_ROUND, COVERED) C(BASELINE_ROUND, VERSION)
DB_SHAPE(BASELINE_ROUND)

/* The previous baseline of (NEIGHBOURHOOD, INSTRUMENT), other than ROUND,
 * stops being one; REPLACED counts them (0 or 1). */
#define Q_BASELINE_SET           "baseline_set"
#define BASELINE_SET_PARAMS(P)                                                                \
    P(BASELINE_SET, NEIGHBOURHOOD) P(BASELINE_SET, INSTRUMENT) P(BASELINE_SET, ROUND)
#define BASELINE_SET_COLUMNS(C) C(BASELINE_SET, REPLACED)
DB_SHAPE(BASELINE_SET)

#define Q_BASELINE_MARK          "baseline_mark"
#define BASELINE_MARK_PARAMS(P) P(BASELINE_MARK, ROUND) P(BASELINE_MARK, NEIGHBOURHOOD)
#define BASELINE_MARK_COLUMNS(C)
DB_SHAPE(BASELINE_MARK)

/* A round's version + 1, for a change that is not to its own row. */
#define Q_ROUND_BUMP             "round_bump"
#define ROUND_BUMP_PARAMS(P) P(ROUND_BUMP, ID)
#define ROUND_BUMP_COLUMNS(C) C(ROUND_BUMP, VERSION)
DB_SHAPE(ROUND_BUMP)

/* One row when neighbourhood $1 exists. */
#define Q_NEIGHBOURHOOD_FOUND    "neighbourhood_found"
#define NEIGHBOURHOOD_FOUND_PARAMS(P) P(NEIGHBOURHOOD_FOUND, ID)
#define NEIGHBOURHOOD_FOUND_COLUMNS(C) C(NEIGHBOURHOOD_FOUND, FOUND)
DB_SHAPE(NEIGHBOURHOOD_FOUND)

/* A neighbourhood of a round; BASELINE: the round is its baseline for the instrument. */
#define Q_ROUND_NEIGHBOURHOOD_INSERT      "round_neighbourhood_insert"
#define ROUND_NEIGHBOURHOOD_INSERT_PARAMS(P)                                                           \
    P(ROUND_NEIGHBOURHOOD_INSERT, ROUND) P(ROUND_NEIGHBOURHOOD_INSERT, NEIGHBOURHOOD)                           \
    P(ROUND_NEIGHBOURHOOD_INSERT, INSTRUMENT) P(ROUND_NEIGHBOURHOOD_INSERT, BASELINE)
#define ROUND_NEIGHBOURHOOD_INSERT_COLUMNS(C)
DB_SHAPE(ROUND_NEIGHBOURHOOD_INSERT)
#endif
