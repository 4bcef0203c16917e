/* queries_releases.h — statement names and shapes of survey releases (queries_releases.c) */
#ifndef CDM_QUERIES_RELEASES_H
#define CDM_QUERIES_RELEASES_H
#include "statement.h"

/* Waits for the lock of one round's releases, held until the transaction ends. */
#define Q_RELEASE_LOCK               "release_lock"
#define RELEASE_LOCK_PARAMS(P) P(RELEASE_LOCK, ROUND)
#define RELEASE_LOCK_COLUMNS(C) C(RELEASE_LOCK, LOCKED)
DB_SHAPE(RELEASE_LOCK)

/* Freezes the rounds closed explicitly or past their late syncs on ON_DATE. */
#define Q_RELEASE_FREEZE_DUE         "release_freeze_due"
#define RELEASE_FREEZE_DUE_PARAMS(P) P(RELEASE_FREEZE_DUE, ON_DATE)
#define RELEASE_FREEZE_DUE_COLUMNS(C) C(RELEASE_FREEZE_DUE, ROUND_ID)
DB_SHAPE(RELEASE_FREEZE_DUE)

/* A round's release state: frozen, exact release made. No row: no such round. */
#define Q_RELEASE_ROUND_STATE        "release_round_state"
#define RELEASE_ROUND_STATE_PARAMS(P) P(RELEASE_ROUND_STATE, ROUND)
#define RELEASE_ROUND_STATE_COLUMNS(C) C(RELEASE_ROUND_STATE, FROZEN) C(RELEASE_ROUND_STATE, EXACT)
DB_SHAPE(RELEASE_ROUND_STATE)

/* Frozen rounds without their exact release yet. */
#define Q_RELEASE_FINAL_DUE          "release_final_due"
#define RELEASE_FINAL_DUE_PARAMS(P)
#define RELEASE_FINAL_DUE_COLUMNS(C) C(RELEASE_FINAL_DUE, ROUND_ID)
DB_SHAPE(RELEASE_FINAL_DUE)

/* The rows of a neighbourhood total's release that a release statement made:
 * what its indicator.updated event says. */
#define RELEASED_TOTAL_COLUMNS(C)                                                          \
    C(RELEASED_TOTAL, INDICATOR) C(RELEASED_TOTAL, NEIGHBOURHOOD_ID) C(RELEASED_TOTAL, RELEASE_NO) \
    C(RELEASED_TOTAL, KIND) C(RELEASED_TOTAL, N_RAW) C(RELEASED_TOTAL, SUM_W)               \
    C(RELEASED_TOTAL, SUM_W2) C(RELEASED_TOTAL, SUM_WY)
enum { RELEASED_TOTAL_COLUMNS(DB_COLUMN_MEMBER_) RELEASED_TOTAL_NCOLS };

/* The exact release of a frozen round, once, when every response accepted
 * before the freeze has been applied: every aggregate and cell as it stands. */
#define Q_RELEASE_FINAL              "release_final"
#define RELEASE_FINAL_PARAMS(P) P(RELEASE_FINAL, ROUND) P(RELEASE_FINAL, ON_DATE)
#define RELEASE_FINAL_COLUMNS(C) RELEASED_TOTAL_COLUMNS(C)
DB_SHAPE_SHARED(RELEASE_FINAL, RELEASED_TOTAL)

/* A revision of one (round, neighbourhood) after its exact release: every
 * figure of it that changed, when each moved by 0 or MIN_CHANGE or more. */
#define Q_RELEASE_REVISE             "release_revise"
#define RELEASE_REVISE_PARAMS(P)                                                          \
    P(RELEASE_REVISE, ROUND) P(RELEASE_REVISE, NEIGHBOURHOOD) P(RELEASE_REVISE, ON_DATE)    \
    P(RELEASE_REVISE, MIN_CHANGE)
#define RELEASE_REVISE_COLUMNS(C) RELEASED_TOTAL_COLUMNS(C)
DB_SHAPE_SHARED(RELEASE_REVISE, RELEASED_TOTAL)

/* Neighbourhood totals of rounds not frozen that may take a provisional
 * release on ON_DATE: more than LAG changes since the state last released,
 * and none released that day. */
#define Q_RELEASE_PROVISIONAL_DUE    "release_provisional_due"
#define RELEASE_PROVISIONAL_DUE_PARAMS(P) P(RELEASE_PROVISIONAL_DUE, ON_DATE) P(RELEASE_PROVISIONAL_DUE, LAG)
#define RELEASE_PROVISIONAL_DUE_COLUMNS(C)                                                 \
    C(RELEASE_PROVISIONAL_DUE, INDICATOR) C(RELEASE_PROVISIONAL_DUE, NEIGHBOURHOOD_ID)      \
    C(RELEASE_PROVISIONAL_DUE, ROUND_ID) C(RELEASE_PROVISIONAL_DUE, CHANGES)                \
    C(RELEASE_PROVISIONAL_DUE, LAST_STATE) C(RELEASE_PROVISIONAL_DUE, LAST_NO)
DB_SHAPE(RELEASE_PROVISIONAL_DUE)

/* The states a figure passed through in (AFTER, UP_TO] with a base of
 * MIN_BASE or more, newest first, at most LIMIT. */
#define Q_RELEASE_CANDIDATES         "release_candidates"
#define RELEASE_CANDIDATES_PARAMS(P)                                                      \
    P(RELEASE_CANDIDATES, INDICATOR) P(RELEASE_CANDIDATES, NEIGHBOURHOOD)                  \
    P(RELEASE_CANDIDATES, ROUND) P(RELEASE_CANDIDATES, AFTER) P(RELEASE_CANDIDATES, UP_TO) \
    P(RELEASE_CANDIDATES, MIN_BASE) P(RELEASE_CANDIDATES, LIMIT)
#define RELEASE_CANDIDATES_COLUMNS(C)                                                     \
    C(RELEASE_CANDIDATES, CHANGES) C(RELEASE_CANDIDATES, N_RAW) C(RELEASE_CANDIDATES, N_YES) \
    C(RELEASE_CANDIDATES, SUM_W) C(RELEASE_CANDIDATES, SUM_W2) C(RELEASE_CANDIDATES, SUM_WY) \
    C(RELEASE_CANDIDATES, KEY_N) C(RELEASE_CANDIDATES, KEY_Y)
DB_SHAPE(RELEASE_CANDIDATES)

/* Whether releasing state CANDIDATE of a figure keeps every group of
 * members that its provisional releases tell apart at 0 or MIN_CHANGE or
 * more (README: why the rule holds). */
#define Q_RELEASE_CLASSES_SAFE       "release_classes_safe"
#define RELEASE_CLASSES_SAFE_PARAMS(P)                                                    \
    P(RELEASE_CLASSES_SAFE, INDICATOR) P(RELEASE_CLASSES_SAFE, NEIGHBOURHOOD)              \
    P(RELEASE_CLASSES_SAFE, ROUND) P(RELEASE_CLASSES_SAFE, CANDIDATE)                      \
    P(RELEASE_CLASSES_SAFE, MIN_CHANGE)
#define RELEASE_CLASSES_SAFE_COLUMNS(C) C(RELEASE_CLASSES_SAFE, SAFE)
DB_SHAPE(RELEASE_CLASSES_SAFE)

/* One provisional release of a neighbourhood total: the perturbed sums. */
#define Q_RELEASE_PROVISIONAL        "release_provisional"
#define RELEASE_PROVISIONAL_PARAMS(P)                                                     \
    P(RELEASE_PROVISIONAL, ROUND) P(RELEASE_PROVISIONAL, NEIGHBOURHOOD)                    \
    P(RELEASE_PROVISIONAL, INDICATOR) P(RELEASE_PROVISIONAL, RELEASE_NO)                   \
    P(RELEASE_PROVISIONAL, STATE) P(RELEASE_PROVISIONAL, N_RAW) P(RELEASE_PROVISIONAL, SUM_W) \
    P(RELEASE_PROVISIONAL, SUM_W2) P(RELEASE_PROVISIONAL, SUM_WY) P(RELEASE_PROVISIONAL, ON_DATE)
#define RELEASE_PROVISIONAL_COLUMNS(C) RELEASED_TOTAL_COLUMNS(C)
DB_SHAPE_SHARED(RELEASE_PROVISIONAL, RELEASED_TOTAL)
#endif
