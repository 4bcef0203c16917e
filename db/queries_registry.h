/* queries_registry.h — statement names and shapes of the registry of community groups: organisations, contacts, versions, updates, links (queries_registry.c) */
#ifndef CDM_QUERIES_REGISTRY_H
#define CDM_QUERIES_REGISTRY_H
#include "statement.h"

#define Q_ORG_GET                "org_get"
#define Q_ORG_AREAS              "org_areas"
#define Q_ORG_MISSING_AREA       "org_missing_area"
#define Q_ORG_INSERT             "org_insert"
#define Q_ORG_EXISTING           "org_existing"
#define Q_ORG_LOCK               "org_lock"
#define Q_ORG_REPLACE            "org_replace"
#define Q_ORG_SET_STATUS         "org_set_status"
#define Q_ORG_SET_AREAS          "org_set_areas"
#define Q_ORG_CONTACT_SET        "org_contact_set"
#define Q_ORG_CONTACT_DELETE     "org_contact_delete"
#define Q_ORG_VERSION_INSERT     "org_version_insert"
#define Q_ORG_LIST               "org_list"
#define Q_ORG_HISTORY            "org_history"
#define Q_UPDATE_INSERT          "org_update_insert"
#define Q_UPDATE_EXISTING        "org_update_existing"
#define Q_UPDATE_LIST            "org_update_list"
#define Q_UPDATE_WITHDRAW        "org_update_withdraw"
#define Q_LINK_INSERT            "org_link_insert"
#define Q_LINK_LIVE              "org_link_live"
#define Q_LINK_GET               "org_link_get"
#define Q_LINK_END               "org_link_end"
#define Q_LINK_LIST              "org_link_list"
#endif
