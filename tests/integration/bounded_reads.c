/* bounded_reads.c — applying one event reads the same rows with 10 or 10,000 responses stored.
 *
 * Usage: bounded_reads CONNINFO (of an existing database; fresh databases are
 * made beside it and dropped). For each size it creates a database, applies
 * the migrations, stores that many counted responses for one neighbourhood
 * and round with their aggregate, then applies one new response's event with
 * the worker's own code and reads pg_stat_xact_user_tables inside that
 * transaction. Sequential scans are switched off: on a 10-row table the
 * planner rightly prefers one, and what is compared here is the access path,
 * not the planner's choice for tiny tables. It does so twice: into an open
 * round, and into a round whose fieldwork has ended (a late sync), which is
 * judged for significance against a baseline round and has a KPI target
 * re-judged. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "indicator_apply.h"
#include "log.h"
#include "migrate.h"
#include "queries.h"

struct reads { long long seq_scan, seq_tup_read, idx_scan, idx_tup_fetch, changed; };

static PGconn *must_connect(const char *conninfo)
{
    PGconn *c = PQconnectdb(conninfo);
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "connect: %s", PQerrorMessage(c));
        exit(1);
    }
    return c;
}

static void must(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    if (!db_ok(r)) {
        fprintf(stderr, "%s: %s", sql, PQresultErrorMessage(r));
        exit(1);
    }
    PQclear(r);
}

/* The value of column `name` of r's only row. */
static long long stat_named(const PGresult *r, const char *name)
{
    int col = PQfnumber(r, name);
    if (col < 0) {
        fprintf(stderr, "stats: no column %s\n", name);
        exit(1);
    }
    return atoll(PQgetvalue(r, 0, col));
}

static struct reads read_stats(PGconn *c)
{
    PGresult *r = PQexec(c, "SELECT coalesce(sum(seq_scan),0) AS seq_scan,"
                            " coalesce(sum(seq_tup_read),0) AS seq_tup_read,"
                            " coalesce(sum(idx_scan),0) AS idx_scan,"
                            " coalesce(sum(idx_tup_fetch),0) AS idx_tup_fetch,"
                            " coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del),0) AS changed"
                            " FROM pg_stat_xact_user_tables");
    if (!db_ok(r)) {
        fprintf(stderr, "stats: %s", PQresultErrorMessage(r));
        exit(1);
    }
    struct reads out = {stat_named(r, "seq_scan"), stat_named(r, "seq_tup_read"),
                        stat_named(r, "idx_scan"), stat_named(r, "idx_tup_fetch"),
                        stat_named(r, "changed")};
    PQclear(r);
    return out;
}

static struct reads measure(const char *base_conninfo, int stored, bool closed)
{
    char dbname[64], sql[6144], conninfo[1024], err[512];
    snprintf(dbname, sizeof dbname, "cdm_bounded_%d_%s", stored, closed ? "closed" : "open");
    PGconn *admin = must_connect(base_conninfo);
    must(admin, "SET client_min_messages = warning");
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s", dbname);
    must(admin, sql);
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", dbname);
    must(admin, sql);
    snprintf(conninfo, sizeof conninfo, "%s dbname=%s", base_conninfo, dbname);
    PGconn *c = must_connect(conninfo);
    if (!migrate_apply(c, err, sizeof err) || !queries_prepare(c, err, sizeof err)) {
        fprintf(stderr, "setup: %s\n", err);
        exit(1);
    }
    const char *area = "00000000-0000-4000-8000-00000000a001";
    const char *round = "00000000-0000-4000-8000-00000000b001";
    const char *baseline = "00000000-0000-4000-8000-00000000b002";
    snprintf(sql, sizeof sql,
             "INSERT INTO neighbourhood (id, code, name, population, wave) VALUES ('%s', 'n', 'N', 6500, 1);"
             "INSERT INTO survey_round (id, instrument, name, fieldwork_start, fieldwork_end,"
             " late_sync_until, frozen_at, exact_released_at)"
             " VALUES ('%s', 'resident', 'R', '2020-01-01', '%s', '2100-01-01', %s, %s);"
             "INSERT INTO survey_round_area VALUES ('%s', '%s', 'resident', %s);"
             "INSERT INTO survey_response (id, round_id, neighbourhood_id, instrument, answers, body_sha256, counted)"
             " SELECT gen_random_uuid(), '%s', '%s', 'resident', '{\"q01\":\"yes\"}', '\\x00', true"
             " FROM generate_series(1, %d);"
             "INSERT INTO indicator_aggregate VALUES ('active_in_community', '%s', '%s', %d, %d, %d, %d);"
             "INSERT INTO survey_response (id, round_id, neighbourhood_id, instrument, answers, body_sha256)"
             " VALUES ('00000000-0000-4000-8000-00000000c001', '%s', '%s', 'resident', '{\"q01\":\"no\",\"q02\":\"no\",\"q23a\":\"no\"}', '\\x00');"
             "ANALYZE;",
             area, round, closed ? "2020-02-01" : "2099-01-01", closed ? "now()" : "NULL",
             closed ? "now()" : "NULL", round, area, closed ? "false" : "true",
             round, area, stored, area, round, stored, stored, stored, stored, round, area);
    must(c, sql);
    if (closed) { /* the baseline round beside it, with as many responses, and a KPI target */
        snprintf(sql, sizeof sql,
                 "INSERT INTO survey_round (id, instrument, name, fieldwork_start, fieldwork_end,"
                 " late_sync_until, frozen_at, exact_released_at)"
                 " VALUES ('%s', 'resident', 'B', '2019-01-01', '2019-02-01', '2019-02-15', now(), now());"
                 "INSERT INTO survey_round_area VALUES ('%s', '%s', 'resident', true);"
                 "INSERT INTO indicator_aggregate VALUES ('active_in_community', '%s', '%s', %d, %d, %d, %d);"
                 "INSERT INTO kpi_target (id, neighbourhood_id, indicator, target, due_month, body_sha256)"
                 " VALUES (gen_random_uuid(), '%s', 'active_in_community', 0.5, 24, '\\x00');"
                 /* Both rounds frozen with their exact release: the apply then
                  * judges a revision of the closed round. */
                 "INSERT INTO figure_release (round_id, level, area_key, breakdown_by,"
                 " breakdown_group, indicator, release_no, kind, state_changes, n_raw, sum_w,"
                 " sum_w2, sum_wy, released_on) SELECT round_id, 'neighbourhood',"
                 " neighbourhood_id, 'all', '', indicator, 1, 'final', changes, n_raw, sum_w,"
                 " sum_w2, sum_wy, current_date FROM indicator_aggregate;"
                 "ANALYZE;",
                 baseline, baseline, area, area, baseline, stored, stored, stored, stored / 4, area);
        must(c, sql);
    }
    must(c, "SET enable_seqscan = off");
    const char *event =
        "{\"specversion\":\"1.0\",\"id\":\"00000000-0000-4000-8000-00000000e001\","
        "\"source\":\"/test\",\"type\":\"response.submitted\",\"subject\":\"responses/x\","
        "\"time\":\"2026-11-26T00:00:00.000Z\",\"datacontenttype\":\"application/json\","
        "\"data\":{\"responseId\":\"00000000-0000-4000-8000-00000000c001\",\"instrument\":\"resident\"}}";
    /* No fixed date: the clock's date is today, as for a worker without CDM_CLOCK_NOW. */
    const struct apply_config cfg = {
        .consumer = "bounded-test", .topic_kpi = "cdm.kpi-events", .event_source = "/test"};
    /* pg_stat_xact_user_tables holds this backend's counts not yet flushed,
     * setup included: the event's cost is the difference across the apply. */
    must(c, "BEGIN");
    struct reads before = read_stats(c);
    if (indicator_apply_in_tx(c, &cfg, event, strlen(event), NULL) != APPLY_DONE) {
        fprintf(stderr, "apply did not complete\n");
        exit(1);
    }
    struct reads after = read_stats(c);
    struct reads out = {after.seq_scan - before.seq_scan, after.seq_tup_read - before.seq_tup_read,
                        after.idx_scan - before.idx_scan, after.idx_tup_fetch - before.idx_tup_fetch,
                        after.changed - before.changed};
    must(c, "ROLLBACK");
    PQfinish(c);
    snprintf(sql, sizeof sql, "DROP DATABASE %s", dbname);
    must(admin, sql);
    PQfinish(admin);
    printf("%6d stored, %s round: seq_scan %lld, seq_tup_read %lld, idx_scan %lld, idx_tup_fetch %lld, rows written %lld\n",
           stored, closed ? "closed" : "open", out.seq_scan, out.seq_tup_read, out.idx_scan, out.idx_tup_fetch, out.changed);
    return out;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: bounded_reads CONNINFO\n");
        return 2;
    }
    log_set_service("bounded_reads");
    for (int closed = 0; closed < 2; closed++) {
        struct reads small = measure(argv[1], 10, closed),
                     large = measure(argv[1], 10000, closed);
        if (memcmp(&small, &large, sizeof small) != 0 || small.seq_scan != 0 ||
            small.idx_tup_fetch == 0) {
            printf("row reads differ\n");
            return 1;
        }
    }
    printf("same row reads with 10 and 10000 responses stored, into an open and a closed round\n");
    return 0;
}
