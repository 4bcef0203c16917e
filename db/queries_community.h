/* queries_community.h — statement names and shapes of community issues and agency responses, assets, evidence (queries_community.c) */
#ifndef CDM_QUERIES_COMMUNITY_H
#define CDM_QUERIES_COMMUNITY_H
#include "statement.h"

/* CALLER_NEIGHBOURHOODS, wherever it appears, is the caller's neighbourhoods
 * (uuid[]; NULL: the whole locality). A *_EXISTING statement gives the
 * DIGEST (hex) of the body a client id was first stored with. */

/* ------------------------------------------------ references a body names */

/* The ids of NEIGHBOURHOOD_IDS (uuid[]) that name no neighbourhood. */
#define Q_CMTY_MISSING_NEIGHBOURHOODS    "cmty_missing_neighbourhoods"
#define CMTY_MISSING_NEIGHBOURHOODS_PARAMS(P) P(CMTY_MISSING_NEIGHBOURHOODS, NEIGHBOURHOOD_IDS)
#define CMTY_MISSING_NEIGHBOURHOODS_COLUMNS(C) C(CMTY_MISSING_NEIGHBOURHOODS, NEIGHBOURHOOD_ID)
DB_SHAPE(CMTY_MISSING_NEIGHBOURHOODS)

/* The ids of AGENCY_IDS (uuid[]) that name no agency. */
#define Q_CMTY_MISSING_AGENCIES          "cmty_missing_agencies"
#define CMTY_MISSING_AGENCIES_PARAMS(P) P(CMTY_MISSING_AGENCIES, AGENCY_IDS)
#define CMTY_MISSING_AGENCIES_COLUMNS(C) C(CMTY_MISSING_AGENCIES, AGENCY_ID)
DB_SHAPE(CMTY_MISSING_AGENCIES)

/* One row if the organisation exists and serves one of CALLER_NEIGHBOURHOODS. */
#define Q_CMTY_ORGANISATION_VISIBLE      "cmty_organisation_visible"
#define CMTY_ORGANISATION_VISIBLE_PARAMS(P)                                                   \
    P(CMTY_ORGANISATION_VISIBLE, ID) P(CMTY_ORGANISATION_VISIBLE, CALLER_NEIGHBOURHOODS)
#define CMTY_ORGANISATION_VISIBLE_COLUMNS(C) C(CMTY_ORGANISATION_VISIBLE, VISIBLE)
DB_SHAPE(CMTY_ORGANISATION_VISIBLE)

/* ------------------------------------------------ community issues */

/* No row: the id exists. */
#define Q_ISSUE_INSERT                   "cmty_issue_insert"
#define ISSUE_INSERT_PARAMS(P)                                                                \
    P(ISSUE_INSERT, ID) P(ISSUE_INSERT, NEIGHBOURHOOD) P(ISSUE_INSERT, TITLE)                 \
    P(ISSUE_INSERT, DESCRIPTION) P(ISSUE_INSERT, THEME) P(ISSUE_INSERT, PRIORITY)             \
    P(ISSUE_INSERT, RAISED_ON) P(ISSUE_INSERT, RAISED_VIA) P(ISSUE_INSERT, ORGANISATION)      \
    P(ISSUE_INSERT, DIGEST) P(ISSUE_INSERT, AGENCY) P(ISSUE_INSERT, KEY) P(ISSUE_INSERT, EVALUATOR)
#define ISSUE_INSERT_COLUMNS(C) C(ISSUE_INSERT, VERSION)
DB_SHAPE(ISSUE_INSERT)

/* Routes an issue to an agency; one already routed keeps its date. */
#define Q_ISSUE_AGENCY_ADD               "cmty_issue_agency_add"
#define ISSUE_AGENCY_ADD_PARAMS(P)                                                            \
    P(ISSUE_AGENCY_ADD, ISSUE) P(ISSUE_AGENCY_ADD, AGENCY) P(ISSUE_AGENCY_ADD, ROUTED_ON)
#define ISSUE_AGENCY_ADD_COLUMNS(C)
DB_SHAPE(ISSUE_AGENCY_ADD)

#define Q_ISSUE_EXISTING                 "cmty_issue_existing"
#define ISSUE_EXISTING_PARAMS(P) P(ISSUE_EXISTING, ID)
#define ISSUE_EXISTING_COLUMNS(C) C(ISSUE_EXISTING, DIGEST) C(ISSUE_EXISTING, NEIGHBOURHOOD_ID)
DB_SHAPE(ISSUE_EXISTING)

/* The issue (JSON) with its agencies and responses, if the caller may see it. */
#define Q_ISSUE_GET                      "cmty_issue_get"
#define ISSUE_GET_PARAMS(P) P(ISSUE_GET, ID) P(ISSUE_GET, CALLER_NEIGHBOURHOODS)
#define ISSUE_GET_COLUMNS(C) C(ISSUE_GET, BODY)
DB_SHAPE(ISSUE_GET)

/* A page of issues, newest first (raisedOn, id), filtered (each NULL: any). */
#define Q_ISSUE_LIST                     "cmty_issue_list"
#define ISSUE_LIST_PARAMS(P)                                                                  \
    P(ISSUE_LIST, CALLER_NEIGHBOURHOODS) P(ISSUE_LIST, NEIGHBOURHOOD) P(ISSUE_LIST, STATUS)   \
    P(ISSUE_LIST, THEME) P(ISSUE_LIST, AGENCY) P(ISSUE_LIST, PRIORITY)                        \
    P(ISSUE_LIST, AFTER_DATE) P(ISSUE_LIST, AFTER_ID) P(ISSUE_LIST, LIMIT)
#define ISSUE_LIST_COLUMNS(C) C(ISSUE_LIST, BODY)
DB_SHAPE(ISSUE_LIST)

/* Locks an issue before an edit, with what the edit checks. */
#define Q_ISSUE_LOCK                     "cmty_issue_lock"
#define ISSUE_LOCK_PARAMS(P) P(ISSUE_LOCK, ID)
#define ISSUE_LOCK_COLUMNS(C)                                                                 \
    C(ISSUE_LOCK, VERSION) C(ISSUE_LOCK, NEIGHBOURHOOD_ID) C(ISSUE_LOCK, RAISED_ON)
DB_SHAPE(ISSUE_LOCK)

#define Q_ISSUE_UPDATE                   "cmty_issue_update"
#define ISSUE_UPDATE_PARAMS(P)                                                                \
    P(ISSUE_UPDATE, ID) P(ISSUE_UPDATE, TITLE) P(ISSUE_UPDATE, DESCRIPTION)                   \
    P(ISSUE_UPDATE, THEME) P(ISSUE_UPDATE, PRIORITY) P(ISSUE_UPDATE, RAISED_VIA)              \
    P(ISSUE_UPDATE, ORGANISATION) P(ISSUE_UPDATE, STATUS)
#define ISSUE_UPDATE_COLUMNS(C) C(ISSUE_UPDATE, VERSION)
DB_SHAPE(ISSUE_UPDATE)

/* The issue and when it was routed to AGENCY (ROUTED_ON NULL: not routed). */
#define Q_ISSUE_ROUTE                    "cmty_issue_route"
#define ISSUE_ROUTE_PARAMS(P) P(ISSUE_ROUTE, ID) P(ISSUE_ROUTE, AGENCY)
#define ISSUE_ROUTE_COLUMNS(C)                                                                \
    C(ISSUE_ROUTE, NEIGHBOURHOOD_ID) C(ISSUE_ROUTE, RAISED_ON) C(ISSUE_ROUTE, ROUTED_ON)
DB_SHAPE(ISSUE_ROUTE)

/* ------------------------------------------------ agency responses */

/* No row: the id exists. RESPONDER is the agency that responds; AGENCY, KEY
 * and EVALUATOR who supplied the record. */
#define Q_ISSUE_RESPONSE_INSERT          "cmty_issue_response_insert"
#define ISSUE_RESPONSE_INSERT_PARAMS(P)                                                       \
    P(ISSUE_RESPONSE_INSERT, ID) P(ISSUE_RESPONSE_INSERT, ISSUE)                              \
    P(ISSUE_RESPONSE_INSERT, RESPONDER) P(ISSUE_RESPONSE_INSERT, KIND)                        \
    P(ISSUE_RESPONSE_INSERT, RESPONDED_ON) P(ISSUE_RESPONSE_INSERT, NOTE)                     \
    P(ISSUE_RESPONSE_INSERT, DIGEST) P(ISSUE_RESPONSE_INSERT, AGENCY)                         \
    P(ISSUE_RESPONSE_INSERT, KEY) P(ISSUE_RESPONSE_INSERT, EVALUATOR)
#define ISSUE_RESPONSE_INSERT_COLUMNS(C) C(ISSUE_RESPONSE_INSERT, ID)
DB_SHAPE(ISSUE_RESPONSE_INSERT)

/* A new version of the issue (a response changes what it shows). */
#define Q_ISSUE_BUMP                     "cmty_issue_bump"
#define ISSUE_BUMP_PARAMS(P) P(ISSUE_BUMP, ID)
#define ISSUE_BUMP_COLUMNS(C) C(ISSUE_BUMP, VERSION)
DB_SHAPE(ISSUE_BUMP)

#define Q_ISSUE_RESPONSE_EXISTING        "cmty_issue_response_existing"
#define ISSUE_RESPONSE_EXISTING_PARAMS(P) P(ISSUE_RESPONSE_EXISTING, ID)
#define ISSUE_RESPONSE_EXISTING_COLUMNS(C)                                                    \
    C(ISSUE_RESPONSE_EXISTING, DIGEST) C(ISSUE_RESPONSE_EXISTING, ISSUE_ID)
DB_SHAPE(ISSUE_RESPONSE_EXISTING)

#define Q_ISSUE_RESPONSE_GET             "cmty_issue_response_get"
#define ISSUE_RESPONSE_GET_PARAMS(P) P(ISSUE_RESPONSE_GET, ID)
#define ISSUE_RESPONSE_GET_COLUMNS(C) C(ISSUE_RESPONSE_GET, BODY)
DB_SHAPE(ISSUE_RESPONSE_GET)

/* The issue's responses as one page (JSON {items, next}), if the caller may see it. */
#define Q_ISSUE_RESPONSE_LIST            "cmty_issue_response_list"
#define ISSUE_RESPONSE_LIST_PARAMS(P)                                                         \
    P(ISSUE_RESPONSE_LIST, ISSUE) P(ISSUE_RESPONSE_LIST, CALLER_NEIGHBOURHOODS)
#define ISSUE_RESPONSE_LIST_COLUMNS(C) C(ISSUE_RESPONSE_LIST, BODY)
DB_SHAPE(ISSUE_RESPONSE_LIST)

/* ------------------------------------------------ meeting spaces */

/* No row: the id exists. */
#define Q_SPACE_INSERT                   "cmty_space_insert"
#define SPACE_INSERT_PARAMS(P)                                                                \
    P(SPACE_INSERT, ID) P(SPACE_INSERT, NAME) P(SPACE_INSERT, COST) P(SPACE_INSERT, CAPACITY) \
    P(SPACE_INSERT, AVAILABLE_FROM) P(SPACE_INSERT, AVAILABLE_TO) P(SPACE_INSERT, DIGEST)     \
    P(SPACE_INSERT, AGENCY) P(SPACE_INSERT, KEY) P(SPACE_INSERT, EVALUATOR)
#define SPACE_INSERT_COLUMNS(C) C(SPACE_INSERT, VERSION)
DB_SHAPE(SPACE_INSERT)

#define Q_SPACE_EXISTING                 "cmty_space_existing"
#define SPACE_EXISTING_PARAMS(P) P(SPACE_EXISTING, ID)
#define SPACE_EXISTING_COLUMNS(C) C(SPACE_EXISTING, DIGEST)
DB_SHAPE(SPACE_EXISTING)

/* The space's neighbourhoods become NEIGHBOURHOOD_IDS (uuid[]). */
#define Q_SPACE_NEIGHBOURHOODS_SET                "cmty_space_neighbourhoods_set"
#define SPACE_NEIGHBOURHOODS_SET_PARAMS(P) P(SPACE_NEIGHBOURHOODS_SET, ID) P(SPACE_NEIGHBOURHOODS_SET, NEIGHBOURHOOD_IDS)
#define SPACE_NEIGHBOURHOODS_SET_COLUMNS(C)
DB_SHAPE(SPACE_NEIGHBOURHOODS_SET)

/* Locks a space before an edit: its version, every neighbourhood it serves
 * (JSON) and whether the caller may see it. */
#define Q_SPACE_LOCK                     "cmty_space_lock"
#define SPACE_LOCK_PARAMS(P) P(SPACE_LOCK, ID) P(SPACE_LOCK, CALLER_NEIGHBOURHOODS)
#define SPACE_LOCK_COLUMNS(C)                                                                 \
    C(SPACE_LOCK, VERSION) C(SPACE_LOCK, NEIGHBOURHOOD_IDS) C(SPACE_LOCK, VISIBLE)
DB_SHAPE(SPACE_LOCK)

#define Q_SPACE_UPDATE                   "cmty_space_update"
#define SPACE_UPDATE_PARAMS(P)                                                                \
    P(SPACE_UPDATE, ID) P(SPACE_UPDATE, NAME) P(SPACE_UPDATE, COST) P(SPACE_UPDATE, CAPACITY) \
    P(SPACE_UPDATE, AVAILABLE_FROM) P(SPACE_UPDATE, AVAILABLE_TO)
#define SPACE_UPDATE_COLUMNS(C) C(SPACE_UPDATE, VERSION)
DB_SHAPE(SPACE_UPDATE)

/* The space (JSON) if the caller may see it, its availability on ON_DATE (NULL: today). */
#define Q_SPACE_GET                      "cmty_space_get"
#define SPACE_GET_PARAMS(P)                                                                   \
    P(SPACE_GET, ID) P(SPACE_GET, CALLER_NEIGHBOURHOODS) P(SPACE_GET, ON_DATE)
#define SPACE_GET_COLUMNS(C) C(SPACE_GET, BODY)
DB_SHAPE(SPACE_GET)

/* A page of spaces by (name, id), filtered (each NULL: any); AVAILABLE on ON_DATE. */
#define Q_SPACE_LIST                     "cmty_space_list"
#define SPACE_LIST_PARAMS(P)                                                                  \
    P(SPACE_LIST, CALLER_NEIGHBOURHOODS) P(SPACE_LIST, NEIGHBOURHOOD) P(SPACE_LIST, ON_DATE)  \
    P(SPACE_LIST, AVAILABLE) P(SPACE_LIST, COST) P(SPACE_LIST, AFTER_NAME)                    \
    P(SPACE_LIST, AFTER_ID) P(SPACE_LIST, LIMIT)
#define SPACE_LIST_COLUMNS(C) C(SPACE_LIST, BODY)
DB_SHAPE(SPACE_LIST)

/* ------------------------------------------------ grant schemes */

/* No row: the id exists. */
#define Q_GRANT_INSERT                   "cmty_grant_insert"
#define GRANT_INSERT_PARAMS(P)                                                                \
    P(GRANT_INSERT, ID) P(GRANT_INSERT, NAME) P(GRANT_INSERT, OPENS_ON)                       \
    P(GRANT_INSERT, CLOSES_ON) P(GRANT_INSERT, BUDGET_PENCE) P(GRANT_INSERT, MAX_AWARD_PENCE) \
    P(GRANT_INSERT, DIGEST) P(GRANT_INSERT, AGENCY) P(GRANT_INSERT, KEY)                      \
    P(GRANT_INSERT, EVALUATOR)
#define GRANT_INSERT_COLUMNS(C) C(GRANT_INSERT, VERSION)
DB_SHAPE(GRANT_INSERT)

#define Q_GRANT_EXISTING                 "cmty_grant_existing"
#define GRANT_EXISTING_PARAMS(P) P(GRANT_EXISTING, ID)
#define GRANT_EXISTING_COLUMNS(C) C(GRANT_EXISTING, DIGEST)
DB_SHAPE(GRANT_EXISTING)

/* The scheme's neighbourhoods become NEIGHBOURHOOD_IDS (uuid[]). */
#define Q_GRANT_NEIGHBOURHOODS_SET                "cmty_grant_neighbourhoods_set"
#define GRANT_NEIGHBOURHOODS_SET_PARAMS(P) P(GRANT_NEIGHBOURHOODS_SET, ID) P(GRANT_NEIGHBOURHOODS_SET, NEIGHBOURHOOD_IDS)
#define GRANT_NEIGHBOURHOODS_SET_COLUMNS(C)
DB_SHAPE(GRANT_NEIGHBOURHOODS_SET)

/* Locks a scheme before an edit: its version, every neighbourhood it serves
 * (JSON) and whether the caller may see it. */
#define Q_GRANT_LOCK                     "cmty_grant_lock"
#define GRANT_LOCK_PARAMS(P) P(GRANT_LOCK, ID) P(GRANT_LOCK, CALLER_NEIGHBOURHOODS)
#define GRANT_LOCK_COLUMNS(C)                                                                 \
    C(GRANT_LOCK, VERSION) C(GRANT_LOCK, NEIGHBOURHOOD_IDS) C(GRANT_LOCK, VISIBLE)
DB_SHAPE(GRANT_LOCK)

#define Q_GRANT_UPDATE                   "cmty_grant_update"
#define GRANT_UPDATE_PARAMS(P)                                                                \
    P(GRANT_UPDATE, ID) P(GRANT_UPDATE, NAME) P(GRANT_UPDATE, OPENS_ON)                       \
    P(GRANT_UPDATE, CLOSES_ON) P(GRANT_UPDATE, BUDGET_PENCE) P(GRANT_UPDATE, MAX_AWARD_PENCE)
#define GRANT_UPDATE_COLUMNS(C) C(GRANT_UPDATE, VERSION)
DB_SHAPE(GRANT_UPDATE)

/* The scheme (JSON) if the caller may see it, whether open on ON_DATE (NULL: today). */
#define Q_GRANT_GET                      "cmty_grant_get"
#define GRANT_GET_PARAMS(P)                                                                   \
    P(GRANT_GET, ID) P(GRANT_GET, CALLER_NEIGHBOURHOODS) P(GRANT_GET, ON_DATE)
#define GRANT_GET_COLUMNS(C) C(GRANT_GET, BODY)
DB_SHAPE(GRANT_GET)

/* A page of schemes by (name, id), filtered (each NULL: any); OPEN on ON_DATE. */
#define Q_GRANT_LIST                     "cmty_grant_list"
#define GRANT_LIST_PARAMS(P)                                                                  \
    P(GRANT_LIST, CALLER_NEIGHBOURHOODS) P(GRANT_LIST, NEIGHBOURHOOD) P(GRANT_LIST, ON_DATE)  \
    P(GRANT_LIST, OPEN) P(GRANT_LIST, AFTER_NAME) P(GRANT_LIST, AFTER_ID) P(GRANT_LIST, LIMIT)
#define GRANT_LIST_COLUMNS(C) C(GRANT_LIST, BODY)
DB_SHAPE(GRANT_LIST)

/* ------------------------------------------------ community development input */

/* No row: the id exists. MONTH is YYYY-MM. */
#define Q_CD_INSERT                      "cmty_cd_insert"
#define CD_INSERT_PARAMS(P)                                                                   \
    P(CD_INSERT, ID) P(CD_INSERT, NEIGHBOURHOOD) P(CD_INSERT, MONTH) P(CD_INSERT, HOURS)      \
    P(CD_INSERT, NOTE) P(CD_INSERT, DIGEST) P(CD_INSERT, AGENCY) P(CD_INSERT, KEY)            \
    P(CD_INSERT, EVALUATOR)
#define CD_INSERT_COLUMNS(C) C(CD_INSERT, ID)
DB_SHAPE(CD_INSERT)

#define Q_CD_EXISTING                    "cmty_cd_existing"
#define CD_EXISTING_PARAMS(P) P(CD_EXISTING, ID)
#define CD_EXISTING_COLUMNS(C) C(CD_EXISTING, DIGEST) C(CD_EXISTING, NEIGHBOURHOOD_ID)
DB_SHAPE(CD_EXISTING)

#define Q_CD_GET                         "cmty_cd_get"
#define CD_GET_PARAMS(P) P(CD_GET, ID)
#define CD_GET_COLUMNS(C) C(CD_GET, BODY)
DB_SHAPE(CD_GET)

/* A page of input by (month, id), filtered (each NULL: any; FROM_MONTH and
 * TO_MONTH are the months' first days); WITHDRAWN: withdrawn input too. */
#define Q_CD_LIST                        "cmty_cd_list"
#define CD_LIST_PARAMS(P)                                                                     \
    P(CD_LIST, CALLER_NEIGHBOURHOODS) P(CD_LIST, NEIGHBOURHOOD) P(CD_LIST, FROM_MONTH)        \
    P(CD_LIST, TO_MONTH) P(CD_LIST, WITHDRAWN) P(CD_LIST, AFTER_MONTH) P(CD_LIST, AFTER_ID)   \
    P(CD_LIST, LIMIT)
#define CD_LIST_COLUMNS(C) C(CD_LIST, BODY)
DB_SHAPE(CD_LIST)

/* The hours per month (JSON) of the input Q_CD_LIST's filters select, over every page. */
#define Q_CD_TOTALS                      "cmty_cd_totals"
#define CD_TOTALS_PARAMS(P)                                                                   \
    P(CD_TOTALS, CALLER_NEIGHBOURHOODS) P(CD_TOTALS, NEIGHBOURHOOD) P(CD_TOTALS, FROM_MONTH)  \
    P(CD_TOTALS, TO_MONTH)
#define CD_TOTALS_COLUMNS(C) C(CD_TOTALS, MONTHLY_HOURS)
DB_SHAPE(CD_TOTALS)

/* No row: it was withdrawn already. */
#define Q_CD_WITHDRAW                    "cmty_cd_withdraw"
#define CD_WITHDRAW_PARAMS(P) P(CD_WITHDRAW, ID)
#define CD_WITHDRAW_COLUMNS(C) C(CD_WITHDRAW, ID)
DB_SHAPE(CD_WITHDRAW)

/* ------------------------------------------------ evidence */

/* No row: the id exists. */
#define Q_EVIDENCE_INSERT                "cmty_evidence_insert"
#define EVIDENCE_INSERT_PARAMS(P)                                                             \
    P(EVIDENCE_INSERT, ID) P(EVIDENCE_INSERT, KIND) P(EVIDENCE_INSERT, NEIGHBOURHOOD)         \
    P(EVIDENCE_INSERT, ORGANISATION) P(EVIDENCE_INSERT, ISSUE) P(EVIDENCE_INSERT, TITLE)      \
    P(EVIDENCE_INSERT, SUMMARY) P(EVIDENCE_INSERT, URL) P(EVIDENCE_INSERT, INFORMANT_ROLE)    \
    P(EVIDENCE_INSERT, COLLECTED_ON) P(EVIDENCE_INSERT, DIGEST) P(EVIDENCE_INSERT, AGENCY)    \
    P(EVIDENCE_INSERT, KEY) P(EVIDENCE_INSERT, EVALUATOR)
#define EVIDENCE_INSERT_COLUMNS(C) C(EVIDENCE_INSERT, ID)
DB_SHAPE(EVIDENCE_INSERT)

#define Q_EVIDENCE_EXISTING              "cmty_evidence_existing"
#define EVIDENCE_EXISTING_PARAMS(P) P(EVIDENCE_EXISTING, ID)
#define EVIDENCE_EXISTING_COLUMNS(C) C(EVIDENCE_EXISTING, DIGEST)
DB_SHAPE(EVIDENCE_EXISTING)

/* The neighbourhoods the evidence concerns (JSON), if the caller may see it
 * and WITHDRAWER (NULL: anyone who sees it) is the agency that supplied it. */
#define Q_EVIDENCE_NEIGHBOURHOOD_IDS                 "cmty_evidence_neighbourhood_ids"
#define EVIDENCE_NEIGHBOURHOOD_IDS_PARAMS(P)                                                              \
    P(EVIDENCE_NEIGHBOURHOOD_IDS, ID) P(EVIDENCE_NEIGHBOURHOOD_IDS, CALLER_NEIGHBOURHOODS) P(EVIDENCE_NEIGHBOURHOOD_IDS, WITHDRAWER)
#define EVIDENCE_NEIGHBOURHOOD_IDS_COLUMNS(C) C(EVIDENCE_NEIGHBOURHOOD_IDS, NEIGHBOURHOOD_IDS)
DB_SHAPE(EVIDENCE_NEIGHBOURHOOD_IDS)

#define Q_EVIDENCE_GET                   "cmty_evidence_get"
#define EVIDENCE_GET_PARAMS(P) P(EVIDENCE_GET, ID) P(EVIDENCE_GET, CALLER_NEIGHBOURHOODS)
#define EVIDENCE_GET_COLUMNS(C) C(EVIDENCE_GET, BODY)
DB_SHAPE(EVIDENCE_GET)

/* A page of evidence, newest first (collectedOn, id), filtered (each NULL:
 * any); WITHDRAWN: withdrawn evidence too. */
#define Q_EVIDENCE_LIST                  "cmty_evidence_list"
#define EVIDENCE_LIST_PARAMS(P)                                                               \
    P(EVIDENCE_LIST, CALLER_NEIGHBOURHOODS) P(EVIDENCE_LIST, NEIGHBOURHOOD)                   \
    P(EVIDENCE_LIST, ORGANISATION) P(EVIDENCE_LIST, ISSUE) P(EVIDENCE_LIST, KIND)             \
    P(EVIDENCE_LIST, WITHDRAWN) P(EVIDENCE_LIST, AFTER_DATE) P(EVIDENCE_LIST, AFTER_ID)       \
    P(EVIDENCE_LIST, LIMIT)
#define EVIDENCE_LIST_COLUMNS(C) C(EVIDENCE_LIST, BODY)
DB_SHAPE(EVIDENCE_LIST)

/* No row: it was withdrawn already. */
#define Q_EVIDENCE_WITHDRAW              "cmty_evidence_withdraw"
#define EVIDENCE_WITHDRAW_PARAMS(P) P(EVIDENCE_WITHDRAW, ID)
#define EVIDENCE_WITHDRAW_COLUMNS(C) C(EVIDENCE_WITHDRAW, ID)
DB_SHAPE(EVIDENCE_WITHDRAW)
#endif
