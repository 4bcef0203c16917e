/* queries_registry.h — statement names and shapes of the registry of community groups: organisations, contacts, versions, updates, links (queries_registry.c) */
#ifndef CDM_QUERIES_REGISTRY_H
#define CDM_QUERIES_REGISTRY_H
#include "statement.h"

/* The thirteen columns of an organisation a create and a replace both write,
 * in this order after its id. */
#define ORG_FIELD_PARAMS(S, P)                                                                \
    P(S, NAME) P(S, KIND) P(S, STATUS) P(S, FOUNDED_ON) P(S, CLOSED_ON) P(S, THEMES)          \
    P(S, INCOME_BAND) P(S, VOLUNTEERS) P(S, FTE_STAFF) P(S, OPEN_TO_RESIDENTS) P(S, IS_HUB)   \
    P(S, ONLINE_ONLY) P(S, DESCRIPTION)

/* ------------------------------------------------ organisations */

/* An organisation (JSON, without what the API derives) and its contact (JSON, or NULL). */
#define Q_ORG_GET                "org_get"
#define ORG_GET_PARAMS(P) P(ORG_GET, ID)
#define ORG_GET_COLUMNS(C) C(ORG_GET, BODY) C(ORG_GET, CONTACT)
DB_SHAPE(ORG_GET)

/* The neighbourhoods an organisation serves (with OTHER's, when not NULL):
 * a JSON array; no row, no such organisation. */
#define Q_ORG_NEIGHBOURHOODS              "org_neighbourhoods"
#define ORG_NEIGHBOURHOODS_PARAMS(P) P(ORG_NEIGHBOURHOODS, ID) P(ORG_NEIGHBOURHOODS, OTHER)
#define ORG_NEIGHBOURHOODS_COLUMNS(C) C(ORG_NEIGHBOURHOODS, NEIGHBOURHOOD_IDS)
DB_SHAPE(ORG_NEIGHBOURHOODS)

/* The first (1-based) ORDINAL of the ids NEIGHBOURHOOD_IDS (uuid[]) that names
 * no neighbourhood; no row when all do. */
#define Q_ORG_MISSING_NEIGHBOURHOOD       "org_missing_neighbourhood"
#define ORG_MISSING_NEIGHBOURHOOD_PARAMS(P) P(ORG_MISSING_NEIGHBOURHOOD, NEIGHBOURHOOD_IDS)
#define ORG_MISSING_NEIGHBOURHOOD_COLUMNS(C) C(ORG_MISSING_NEIGHBOURHOOD, ORDINAL)
DB_SHAPE(ORG_MISSING_NEIGHBOURHOOD)

/* No row: the id exists. THEMES is a JSON array, DIGEST the body's (hex). */
#define Q_ORG_INSERT             "org_insert"
#define ORG_INSERT_PARAMS(P)                                                                  \
    P(ORG_INSERT, ID) ORG_FIELD_PARAMS(ORG_INSERT, P) P(ORG_INSERT, AGENCY) P(ORG_INSERT, KEY) \
    P(ORG_INSERT, EVALUATOR) P(ORG_INSERT, DIGEST)
#define ORG_INSERT_COLUMNS(C) C(ORG_INSERT, ID)
DB_SHAPE(ORG_INSERT)

/* The digest (hex) of the body an organisation was created with. */
#define Q_ORG_EXISTING           "org_existing"
#define ORG_EXISTING_PARAMS(P) P(ORG_EXISTING, ID)
#define ORG_EXISTING_COLUMNS(C) C(ORG_EXISTING, DIGEST)
DB_SHAPE(ORG_EXISTING)

/* Locks an organisation before a write, with what the write checks. */
#define Q_ORG_LOCK               "org_lock"
#define ORG_LOCK_PARAMS(P) P(ORG_LOCK, ID)
#define ORG_LOCK_COLUMNS(C) C(ORG_LOCK, VERSION) C(ORG_LOCK, STATUS)
DB_SHAPE(ORG_LOCK)

/* Replaces an organisation's columns; its new VERSION. */
#define Q_ORG_REPLACE            "org_replace"
#define ORG_REPLACE_PARAMS(P)                                                                 \
    P(ORG_REPLACE, ID) ORG_FIELD_PARAMS(ORG_REPLACE, P) P(ORG_REPLACE, AGENCY)                \
    P(ORG_REPLACE, KEY) P(ORG_REPLACE, EVALUATOR)
#define ORG_REPLACE_COLUMNS(C) C(ORG_REPLACE, VERSION)
DB_SHAPE(ORG_REPLACE)

/* A status change from an update (closing dated OCCURRED_ON unless it has a
 * date); its new VERSION. */
#define Q_ORG_SET_STATUS         "org_set_status"
#define ORG_SET_STATUS_PARAMS(P)                                                              \
    P(ORG_SET_STATUS, ID) P(ORG_SET_STATUS, STATUS) P(ORG_SET_STATUS, OCCURRED_ON)            \
    P(ORG_SET_STATUS, AGENCY) P(ORG_SET_STATUS, KEY) P(ORG_SET_STATUS, EVALUATOR)
#define ORG_SET_STATUS_COLUMNS(C) C(ORG_SET_STATUS, VERSION)
DB_SHAPE(ORG_SET_STATUS)

/* The organisation's neighbourhoods become NEIGHBOURHOOD_IDS (uuid[]). */
#define Q_ORG_SET_NEIGHBOURHOODS          "org_set_neighbourhoods"
#define ORG_SET_NEIGHBOURHOODS_PARAMS(P) P(ORG_SET_NEIGHBOURHOODS, ID) P(ORG_SET_NEIGHBOURHOODS, NEIGHBOURHOOD_IDS)
#define ORG_SET_NEIGHBOURHOODS_COLUMNS(C)
DB_SHAPE(ORG_SET_NEIGHBOURHOODS)

/* Sets the designated contact; a row (CHANGED) when it is new or different. */
#define Q_ORG_CONTACT_SET        "org_contact_set"
#define ORG_CONTACT_SET_PARAMS(P)                                                             \
    P(ORG_CONTACT_SET, ID) P(ORG_CONTACT_SET, NAME) P(ORG_CONTACT_SET, ROLE)                  \
    P(ORG_CONTACT_SET, EMAIL) P(ORG_CONTACT_SET, PHONE)
#define ORG_CONTACT_SET_COLUMNS(C) C(ORG_CONTACT_SET, CHANGED)
DB_SHAPE(ORG_CONTACT_SET)

/* Removes the designated contact; a row (CHANGED) when there was one. */
#define Q_ORG_CONTACT_DELETE     "org_contact_delete"
#define ORG_CONTACT_DELETE_PARAMS(P) P(ORG_CONTACT_DELETE, ID)
#define ORG_CONTACT_DELETE_COLUMNS(C) C(ORG_CONTACT_DELETE, CHANGED)
DB_SHAPE(ORG_CONTACT_DELETE)

/* The organisation's current version, DOCUMENT its JSON without the contact. */
#define Q_ORG_VERSION_INSERT     "org_version_insert"
#define ORG_VERSION_INSERT_PARAMS(P)                                                          \
    P(ORG_VERSION_INSERT, ID) P(ORG_VERSION_INSERT, DOCUMENT) P(ORG_VERSION_INSERT, CONTACT_CHANGED)
#define ORG_VERSION_INSERT_COLUMNS(C)
DB_SHAPE(ORG_VERSION_INSERT)

/* A page of organisations serving CALLER_NEIGHBOURHOODS (NULL: all) by
 * (lower(name), id), filtered; SORT_KEY is the row's cursor key (JSON). */
#define Q_ORG_LIST               "org_list"
#define ORG_LIST_PARAMS(P)                                                                    \
    P(ORG_LIST, CALLER_NEIGHBOURHOODS) P(ORG_LIST, NEIGHBOURHOOD) P(ORG_LIST, STATUS)         \
    P(ORG_LIST, KIND) P(ORG_LIST, THEME) P(ORG_LIST, AFTER_NAME) P(ORG_LIST, AFTER_ID)        \
    P(ORG_LIST, LIMIT)
#define ORG_LIST_COLUMNS(C) C(ORG_LIST, BODY) C(ORG_LIST, CONTACT) C(ORG_LIST, SORT_KEY)
DB_SHAPE(ORG_LIST)

/* A page of an organisation's versions after AFTER_VERSION (NULL: from the first). */
#define Q_ORG_HISTORY            "org_history"
#define ORG_HISTORY_PARAMS(P)                                                                 \
    P(ORG_HISTORY, ID) P(ORG_HISTORY, AFTER_VERSION) P(ORG_HISTORY, LIMIT)
#define ORG_HISTORY_COLUMNS(C) C(ORG_HISTORY, BODY)
DB_SHAPE(ORG_HISTORY)

/* ------------------------------------------------ updates */

/* No row: the id exists. ID NULL: a status change recorded by a PUT, with a
 * new id, dated today (OCCURRED_ON NULL). */
#define Q_UPDATE_INSERT          "org_update_insert"
#define UPDATE_INSERT_PARAMS(P)                                                               \
    P(UPDATE_INSERT, ID) P(UPDATE_INSERT, ORGANISATION) P(UPDATE_INSERT, KIND)                \
    P(UPDATE_INSERT, OCCURRED_ON) P(UPDATE_INSERT, STATUS_FROM) P(UPDATE_INSERT, STATUS_TO)   \
    P(UPDATE_INSERT, SESSIONS) P(UPDATE_INSERT, ATTENDANCE) P(UPDATE_INSERT, VOLUNTEER_HOURS) \
    P(UPDATE_INSERT, SUPPORT_KIND) P(UPDATE_INSERT, SUPPORT_HOURS)                            \
    P(UPDATE_INSERT, AMOUNT_PENCE) P(UPDATE_INSERT, DESCRIPTION) P(UPDATE_INSERT, DIGEST)     \
    P(UPDATE_INSERT, AGENCY) P(UPDATE_INSERT, KEY) P(UPDATE_INSERT, EVALUATOR)
#define UPDATE_INSERT_COLUMNS(C) C(UPDATE_INSERT, BODY) C(UPDATE_INSERT, ID)
DB_SHAPE(UPDATE_INSERT)

/* A stored update, with what a resend and a withdrawal check. */
#define Q_UPDATE_EXISTING        "org_update_existing"
#define UPDATE_EXISTING_PARAMS(P) P(UPDATE_EXISTING, ID)
#define UPDATE_EXISTING_COLUMNS(C)                                                            \
    C(UPDATE_EXISTING, DIGEST) C(UPDATE_EXISTING, BODY) C(UPDATE_EXISTING, ORGANISATION_ID)   \
    C(UPDATE_EXISTING, KIND) C(UPDATE_EXISTING, WITHDRAWN) C(UPDATE_EXISTING, SUPPLIED_BY_AGENCY)
DB_SHAPE(UPDATE_EXISTING)

/* A page of an organisation's updates by (occurredOn, id), of one KIND (NULL: any). */
#define Q_UPDATE_LIST            "org_update_list"
#define UPDATE_LIST_PARAMS(P)                                                                 \
    P(UPDATE_LIST, ORGANISATION) P(UPDATE_LIST, KIND) P(UPDATE_LIST, AFTER_DATE)              \
    P(UPDATE_LIST, AFTER_ID) P(UPDATE_LIST, LIMIT)
#define UPDATE_LIST_COLUMNS(C) C(UPDATE_LIST, BODY) C(UPDATE_LIST, SORT_KEY)
DB_SHAPE(UPDATE_LIST)

/* Withdraws an append; no row when it was already, or is a status change. */
#define Q_UPDATE_WITHDRAW        "org_update_withdraw"
#define UPDATE_WITHDRAW_PARAMS(P) P(UPDATE_WITHDRAW, ID)
#define UPDATE_WITHDRAW_COLUMNS(C) C(UPDATE_WITHDRAW, BODY)
DB_SHAPE(UPDATE_WITHDRAW)

/* ------------------------------------------------ links */

/* No row: a live link of this kind between the pair exists. */
#define Q_LINK_INSERT            "org_link_insert"
#define LINK_INSERT_PARAMS(P)                                                                 \
    P(LINK_INSERT, ORGANISATION) P(LINK_INSERT, OTHER) P(LINK_INSERT, KIND)                   \
    P(LINK_INSERT, SINCE) P(LINK_INSERT, AGENCY) P(LINK_INSERT, KEY) P(LINK_INSERT, EVALUATOR)
#define LINK_INSERT_COLUMNS(C) C(LINK_INSERT, BODY) C(LINK_INSERT, ID)
DB_SHAPE(LINK_INSERT)

/* The live link of KIND between the pair, and whether it began on SINCE. */
#define Q_LINK_LIVE              "org_link_live"
#define LINK_LIVE_PARAMS(P)                                                                   \
    P(LINK_LIVE, ORGANISATION) P(LINK_LIVE, OTHER) P(LINK_LIVE, KIND) P(LINK_LIVE, SINCE)
#define LINK_LIVE_COLUMNS(C) C(LINK_LIVE, BODY) C(LINK_LIVE, SAME_SINCE)
DB_SHAPE(LINK_LIVE)

#define Q_LINK_GET               "org_link_get"
#define LINK_GET_PARAMS(P) P(LINK_GET, ID)
#define LINK_GET_COLUMNS(C)                                                                   \
    C(LINK_GET, ORG_A) C(LINK_GET, ORG_B) C(LINK_GET, SINCE) C(LINK_GET, ENDED)
DB_SHAPE(LINK_GET)

/* Ends a live link; no row when it had ended already. */
#define Q_LINK_END               "org_link_end"
#define LINK_END_PARAMS(P) P(LINK_END, ID) P(LINK_END, ENDED_ON)
#define LINK_END_COLUMNS(C) C(LINK_END, BODY) C(LINK_END, VERSION)
DB_SHAPE(LINK_END)

/* A page of an organisation's links whose other organisation also serves
 * CALLER_NEIGHBOURHOODS, by (since, id). */
#define Q_LINK_LIST              "org_link_list"
#define LINK_LIST_PARAMS(P)                                                                   \
    P(LINK_LIST, ORGANISATION) P(LINK_LIST, CALLER_NEIGHBOURHOODS) P(LINK_LIST, AFTER_DATE)   \
    P(LINK_LIST, AFTER_ID) P(LINK_LIST, LIMIT)
#define LINK_LIST_COLUMNS(C) C(LINK_LIST, BODY) C(LINK_LIST, SORT_KEY)
DB_SHAPE(LINK_LIST)
#endif
