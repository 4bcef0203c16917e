/* migrate.h — forward-only schema migrations, compiled into every binary */
#ifndef CDM_MIGRATE_H
#define CDM_MIGRATE_H
#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

struct cdm_migration {
    int version;
    const char *name;
    const char *sql;
};
extern const struct cdm_migration cdm_migrations[];
extern const int cdm_migrations_count;

/* Applies every migration not yet recorded in schema_migrations, each in its
 * own transaction, under an advisory lock so that processes starting
 * together apply each migration once. Returns false and writes the reason to
 * err if one fails (that migration is rolled back; earlier ones stay). */
bool migrate_apply(PGconn *conn, char *err, size_t errlen);
/* Connects (retrying for up to `attempts` seconds while the database starts),
 * applies the migrations and disconnects. False with the reason in err. */
bool migrate_connect_apply(const char *conninfo, int attempts, char *err, size_t errlen);
#endif
