/* queries_geography.h — statement names and shapes of areas, populations, neighbourhood areas, the programme and its milestones (queries_geography.c) */
#ifndef CDM_QUERIES_GEOGRAPHY_H
#define CDM_QUERIES_GEOGRAPHY_H
#include "statement.h"

/* ------------------------------------------------------------ areas */

/* An area as of ON_DATE, with its whole population history. */
#define Q_GEO_AREA_GET "geo_area_get"
#define GEO_AREA_GET_PARAMS(P) P(GEO_AREA_GET, CODE) P(GEO_AREA_GET, ON_DATE)
#define GEO_AREA_GET_COLUMNS(C) C(GEO_AREA_GET, BODY)
DB_SHAPE(GEO_AREA_GET)

/* A page of areas by code as of ON_DATE; KIND, WARD_CODE and AFTER_CODE NULL: no filter. */
#define Q_GEO_AREA_LIST "geo_area_list"
#define GEO_AREA_LIST_PARAMS(P)                                                                \
    P(GEO_AREA_LIST, KIND) P(GEO_AREA_LIST, WARD_CODE) P(GEO_AREA_LIST, AFTER_CODE)            \
    P(GEO_AREA_LIST, LIMIT) P(GEO_AREA_LIST, ON_DATE)
#define GEO_AREA_LIST_COLUMNS(C) C(GEO_AREA_LIST, BODY)
DB_SHAPE(GEO_AREA_LIST)

#define Q_GEO_WARD_ID "geo_ward_id"
#define GEO_WARD_ID_PARAMS(P) P(GEO_WARD_ID, CODE)
#define GEO_WARD_ID_COLUMNS(C) C(GEO_WARD_ID, ID)
DB_SHAPE(GEO_WARD_ID)

/* No row: the code exists (ON CONFLICT DO NOTHING). */
#define Q_GEO_AREA_INSERT "geo_area_insert"
#define GEO_AREA_INSERT_PARAMS(P)                                                              \
    P(GEO_AREA_INSERT, CODE) P(GEO_AREA_INSERT, KIND) P(GEO_AREA_INSERT, NAME)                 \
    P(GEO_AREA_INSERT, WARD_ID) P(GEO_AREA_INSERT, AGENCY) P(GEO_AREA_INSERT, KEY)             \
    P(GEO_AREA_INSERT, EVALUATOR)
#define GEO_AREA_INSERT_COLUMNS(C) C(GEO_AREA_INSERT, ID)
DB_SHAPE(GEO_AREA_INSERT)

/* The stored area of a code; WARD_CODE is "" for a ward. */
#define Q_GEO_AREA_EXISTING "geo_area_existing"
#define GEO_AREA_EXISTING_PARAMS(P) P(GEO_AREA_EXISTING, CODE)
#define GEO_AREA_EXISTING_COLUMNS(C)                                                           \
    C(GEO_AREA_EXISTING, ID) C(GEO_AREA_EXISTING, KIND) C(GEO_AREA_EXISTING, NAME)             \
    C(GEO_AREA_EXISTING, WARD_CODE)
DB_SHAPE(GEO_AREA_EXISTING)

/* Serialises population changes of one area, so their versions are distinct. */
#define Q_GEO_AREA_LOCK "geo_area_lock"
#define GEO_AREA_LOCK_PARAMS(P) P(GEO_AREA_LOCK, AREA_ID)
#define GEO_AREA_LOCK_COLUMNS(C) C(GEO_AREA_LOCK, LOCKED)
DB_SHAPE(GEO_AREA_LOCK)

/* No row: an estimate for that date exists. VERSION: the area's estimates, this one included. */
#define Q_GEO_POPULATION_INSERT "geo_population_insert"
#define GEO_POPULATION_INSERT_PARAMS(P)                                                        \
    P(GEO_POPULATION_INSERT, AREA_ID) P(GEO_POPULATION_INSERT, VALID_FROM)                     \
    P(GEO_POPULATION_INSERT, POPULATION) P(GEO_POPULATION_INSERT, SOURCE)                      \
    P(GEO_POPULATION_INSERT, AGENCY) P(GEO_POPULATION_INSERT, KEY)                             \
    P(GEO_POPULATION_INSERT, EVALUATOR)
#define GEO_POPULATION_INSERT_COLUMNS(C) C(GEO_POPULATION_INSERT, VERSION)
DB_SHAPE(GEO_POPULATION_INSERT)

#define Q_GEO_POPULATION_AT "geo_population_at"
#define GEO_POPULATION_AT_PARAMS(P) P(GEO_POPULATION_AT, AREA_ID) P(GEO_POPULATION_AT, VALID_FROM)
#define GEO_POPULATION_AT_COLUMNS(C) C(GEO_POPULATION_AT, POPULATION)
DB_SHAPE(GEO_POPULATION_AT)

/* The neighbourhoods whose population the area counts in, as a JSON array of ids. */
#define Q_GEO_AREA_NEIGHBOURHOODS "geo_area_neighbourhoods"
#define GEO_AREA_NEIGHBOURHOODS_PARAMS(P) P(GEO_AREA_NEIGHBOURHOODS, AREA_ID)
#define GEO_AREA_NEIGHBOURHOODS_COLUMNS(C) C(GEO_AREA_NEIGHBOURHOODS, NEIGHBOURHOOD_IDS)
DB_SHAPE(GEO_AREA_NEIGHBOURHOODS)

/* ---------------------------------------------------- neighbourhoods */

/* No row: the code is taken (ON CONFLICT DO NOTHING). */
#define Q_GEO_NBH_INSERT "geo_nbh_insert"
#define GEO_NBH_INSERT_PARAMS(P)                                                               \
    P(GEO_NBH_INSERT, CODE) P(GEO_NBH_INSERT, NAME) P(GEO_NBH_INSERT, POPULATION)              \
    P(GEO_NBH_INSERT, IMD_DECILE) P(GEO_NBH_INSERT, PRIORITY) P(GEO_NBH_INSERT, WAVE)          \
    P(GEO_NBH_INSERT, PROGRAMME_ID) P(GEO_NBH_INSERT, DIGEST)
#define GEO_NBH_INSERT_COLUMNS(C) C(GEO_NBH_INSERT, ID)
DB_SHAPE(GEO_NBH_INSERT)

/* The neighbourhood of a code, and whether the body of digest DIGEST made it. */
#define Q_GEO_NBH_BY_CODE "geo_nbh_by_code"
#define GEO_NBH_BY_CODE_PARAMS(P) P(GEO_NBH_BY_CODE, CODE) P(GEO_NBH_BY_CODE, DIGEST)
#define GEO_NBH_BY_CODE_COLUMNS(C) C(GEO_NBH_BY_CODE, ID) C(GEO_NBH_BY_CODE, SAME_BODY)
DB_SHAPE(GEO_NBH_BY_CODE)

/* One row per code given (a text[] literal), in order: its area's id (NULL: no such area),
 * kind and ward code ("" for a ward). */
#define Q_GEO_NBH_AREAS_RESOLVE "geo_nbh_areas_resolve"
#define GEO_NBH_AREAS_RESOLVE_PARAMS(P) P(GEO_NBH_AREAS_RESOLVE, CODES)
#define GEO_NBH_AREAS_RESOLVE_COLUMNS(C)                                                       \
    C(GEO_NBH_AREAS_RESOLVE, CODE) C(GEO_NBH_AREAS_RESOLVE, AREA_ID)                           \
    C(GEO_NBH_AREAS_RESOLVE, KIND) C(GEO_NBH_AREAS_RESOLVE, WARD_CODE)
DB_SHAPE(GEO_NBH_AREAS_RESOLVE)

#define Q_GEO_NBH_AREAS_INSERT "geo_nbh_areas_insert"
#define GEO_NBH_AREAS_INSERT_PARAMS(P)                                                         \
    P(GEO_NBH_AREAS_INSERT, NEIGHBOURHOOD_ID) P(GEO_NBH_AREAS_INSERT, CODES)
#define GEO_NBH_AREAS_INSERT_COLUMNS(C)
DB_SHAPE(GEO_NBH_AREAS_INSERT)

/* A neighbourhood as of ON_DATE; its `_programme` is for the API to say the phase. */
#define Q_GEO_NBH_GET "geo_nbh_get"
#define GEO_NBH_GET_PARAMS(P) P(GEO_NBH_GET, ID) P(GEO_NBH_GET, ON_DATE)
#define GEO_NBH_GET_COLUMNS(C) C(GEO_NBH_GET, BODY)
DB_SHAPE(GEO_NBH_GET)

/* A page of neighbourhoods by code as of ON_DATE. NEIGHBOURHOODS: the caller's (a uuid[]
 * literal); it, AFTER_CODE and PROGRAMME_ID NULL: no filter. */
#define Q_GEO_NBH_LIST "geo_nbh_list"
#define GEO_NBH_LIST_PARAMS(P)                                                                 \
    P(GEO_NBH_LIST, AFTER_CODE) P(GEO_NBH_LIST, LIMIT) P(GEO_NBH_LIST, NEIGHBOURHOODS)         \
    P(GEO_NBH_LIST, ON_DATE) P(GEO_NBH_LIST, PROGRAMME_ID)
#define GEO_NBH_LIST_COLUMNS(C) C(GEO_NBH_LIST, BODY)
DB_SHAPE(GEO_NBH_LIST)

/* -------------------------------------------------------- programme */

/* No row: the id is taken (ON CONFLICT DO NOTHING). */
#define Q_GEO_PROGRAMME_INSERT "geo_programme_insert"
#define GEO_PROGRAMME_INSERT_PARAMS(P)                                                         \
    P(GEO_PROGRAMME_INSERT, ID) P(GEO_PROGRAMME_INSERT, NAME) P(GEO_PROGRAMME_INSERT, LOCALITY) \
    P(GEO_PROGRAMME_INSERT, START_DATE) P(GEO_PROGRAMME_INSERT, STAGE_MONTHS)                  \
    P(GEO_PROGRAMME_INSERT, AGENCY) P(GEO_PROGRAMME_INSERT, KEY) P(GEO_PROGRAMME_INSERT, EVALUATOR)
#define GEO_PROGRAMME_INSERT_COLUMNS(C) C(GEO_PROGRAMME_INSERT, ID)
DB_SHAPE(GEO_PROGRAMME_INSERT)

/* A resent create: SAME is true when the stored programme of ID is the one given. */
#define Q_GEO_PROGRAMME_SAME "geo_programme_same"
#define GEO_PROGRAMME_SAME_PARAMS(P)                                                           \
    P(GEO_PROGRAMME_SAME, ID) P(GEO_PROGRAMME_SAME, NAME) P(GEO_PROGRAMME_SAME, LOCALITY)      \
    P(GEO_PROGRAMME_SAME, START_DATE) P(GEO_PROGRAMME_SAME, STAGE_MONTHS)
#define GEO_PROGRAMME_SAME_COLUMNS(C) C(GEO_PROGRAMME_SAME, SAME)
DB_SHAPE(GEO_PROGRAMME_SAME)

#define Q_GEO_PROGRAMME_GET "geo_programme_get"
#define GEO_PROGRAMME_GET_PARAMS(P) P(GEO_PROGRAMME_GET, ID)
#define GEO_PROGRAMME_GET_COLUMNS(C) C(GEO_PROGRAMME_GET, BODY)
DB_SHAPE(GEO_PROGRAMME_GET)

/* A page of programmes by (start date, id) after (AFTER_START, AFTER_ID), NULL: the first. */
#define Q_GEO_PROGRAMME_LIST "geo_programme_list"
#define GEO_PROGRAMME_LIST_PARAMS(P)                                                           \
    P(GEO_PROGRAMME_LIST, AFTER_START) P(GEO_PROGRAMME_LIST, AFTER_ID) P(GEO_PROGRAMME_LIST, LIMIT)
#define GEO_PROGRAMME_LIST_COLUMNS(C) C(GEO_PROGRAMME_LIST, BODY)
DB_SHAPE(GEO_PROGRAMME_LIST)

/* Locks a programme for its end, with what the end is checked against. */
#define Q_GEO_PROGRAMME_LOCK "geo_programme_lock"
#define GEO_PROGRAMME_LOCK_PARAMS(P) P(GEO_PROGRAMME_LOCK, ID)
#define GEO_PROGRAMME_LOCK_COLUMNS(C)                                                          \
    C(GEO_PROGRAMME_LOCK, VERSION) C(GEO_PROGRAMME_LOCK, ENDED) C(GEO_PROGRAMME_LOCK, START_DATE)
DB_SHAPE(GEO_PROGRAMME_LOCK)

#define Q_GEO_PROGRAMME_END "geo_programme_end"
#define GEO_PROGRAMME_END_PARAMS(P)                                                            \
    P(GEO_PROGRAMME_END, ID) P(GEO_PROGRAMME_END, AFTER_STAGE) P(GEO_PROGRAMME_END, ENDED_ON)  \
    P(GEO_PROGRAMME_END, REASON)
#define GEO_PROGRAMME_END_COLUMNS(C) C(GEO_PROGRAMME_END, VERSION)
DB_SHAPE(GEO_PROGRAMME_END)

/* The catalogue's milestones of a new programme, from MILESTONES: [{code, stage, title, due}]. */
#define Q_GEO_MILESTONES_INSERT "geo_milestones_insert"
#define GEO_MILESTONES_INSERT_PARAMS(P)                                                        \
    P(GEO_MILESTONES_INSERT, PROGRAMME_ID) P(GEO_MILESTONES_INSERT, MILESTONES)
#define GEO_MILESTONES_INSERT_COLUMNS(C) C(GEO_MILESTONES_INSERT, ID)
DB_SHAPE(GEO_MILESTONES_INSERT)

/* Cancels the open milestones of the stages after AFTER_STAGE; one row per milestone changed. */
#define Q_GEO_MILESTONES_CANCEL "geo_milestones_cancel"
#define GEO_MILESTONES_CANCEL_PARAMS(P)                                                        \
    P(GEO_MILESTONES_CANCEL, PROGRAMME_ID) P(GEO_MILESTONES_CANCEL, AFTER_STAGE)               \
    P(GEO_MILESTONES_CANCEL, CANCELLED_ON)
#define GEO_MILESTONES_CANCEL_COLUMNS(C)                                                       \
    C(GEO_MILESTONES_CANCEL, ID) C(GEO_MILESTONES_CANCEL, VERSION)
DB_SHAPE(GEO_MILESTONES_CANCEL)

/* ------------------------------------------------------- milestones */

/* A milestone with its status on ON_DATE. */
#define Q_GEO_MILESTONE_GET "geo_milestone_get"
#define GEO_MILESTONE_GET_PARAMS(P) P(GEO_MILESTONE_GET, ID) P(GEO_MILESTONE_GET, ON_DATE)
#define GEO_MILESTONE_GET_COLUMNS(C) C(GEO_MILESTONE_GET, BODY)
DB_SHAPE(GEO_MILESTONE_GET)

/* A page of a programme's milestones by (due month, code) after (AFTER_DUE_MONTH, AFTER_CODE),
 * with their status on ON_DATE; STATUS and AFTER_DUE_MONTH NULL: no filter. */
#define Q_GEO_MILESTONE_LIST "geo_milestone_list"
#define GEO_MILESTONE_LIST_PARAMS(P)                                                           \
    P(GEO_MILESTONE_LIST, PROGRAMME_ID) P(GEO_MILESTONE_LIST, STATUS)                          \
    P(GEO_MILESTONE_LIST, AFTER_DUE_MONTH) P(GEO_MILESTONE_LIST, AFTER_CODE)                   \
    P(GEO_MILESTONE_LIST, LIMIT) P(GEO_MILESTONE_LIST, ON_DATE)
#define GEO_MILESTONE_LIST_COLUMNS(C) C(GEO_MILESTONE_LIST, BODY)
DB_SHAPE(GEO_MILESTONE_LIST)

/* Locks a milestone for its completion, with what the completion is checked against. */
#define Q_GEO_MILESTONE_LOCK "geo_milestone_lock"
#define GEO_MILESTONE_LOCK_PARAMS(P) P(GEO_MILESTONE_LOCK, ID)
#define GEO_MILESTONE_LOCK_COLUMNS(C)                                                          \
    C(GEO_MILESTONE_LOCK, VERSION) C(GEO_MILESTONE_LOCK, COMPLETED)                            \
    C(GEO_MILESTONE_LOCK, CANCELLED) C(GEO_MILESTONE_LOCK, START_DATE)
DB_SHAPE(GEO_MILESTONE_LOCK)

#define Q_GEO_MILESTONE_COMPLETE "geo_milestone_complete"
#define GEO_MILESTONE_COMPLETE_PARAMS(P)                                                       \
    P(GEO_MILESTONE_COMPLETE, ID) P(GEO_MILESTONE_COMPLETE, COMPLETED_ON)                      \
    P(GEO_MILESTONE_COMPLETE, EVIDENCE_URL) P(GEO_MILESTONE_COMPLETE, EVIDENCE_NOTE)           \
    P(GEO_MILESTONE_COMPLETE, AGENCY) P(GEO_MILESTONE_COMPLETE, KEY)                           \
    P(GEO_MILESTONE_COMPLETE, EVALUATOR)
#define GEO_MILESTONE_COMPLETE_COLUMNS(C) C(GEO_MILESTONE_COMPLETE, VERSION)
DB_SHAPE(GEO_MILESTONE_COMPLETE)
#endif
