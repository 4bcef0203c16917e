/* etags.c — record versions on the wire: the ETag a read gives, If-Match on an edit */
#include "inproc.h"
#include "records.h"
#include <string.h>

#define ISSUE "3c1d9e7a-2b4f-4a6c-8d0e-5f7a9b1c3d5e"
#define HOME "0b5d7c2e-6f0a-4c55-9d1e-1a2b3c4d5e6f"  /* the issue's neighbourhood */
#define OTHER "7e1f0a9b-3c4d-4e5f-8a6b-9c0d1e2f3a4b"
#define ISSUE_URL "/v1/community-issues/" ISSUE
#define ISSUE_EDIT                                                                            \
    "{\"title\": \"Broken lights on the towpath\", \"theme\": \"environment\","              \
    " \"priority\": \"high\", \"raisedVia\": \"listening_event\", \"status\": \"open\"}"

/* record_if_match on each form a client may send. */
static void if_match_takes_one_strong_etag(void **state)
{
    (void)state;
    static const struct {
        const char *header; /* NULL: none sent */
        enum cdm_status st;
        long version;
    } cases[] = {
        {NULL, CDM_ERR_PRECONDITION_REQUIRED, 0},
        {"", CDM_ERR_PRECONDITION_REQUIRED, 0},
        {"*", CDM_ERR_PRECONDITION_REQUIRED, 0}, /* "any version" is not a version read */
        {"\"3\"", CDM_OK, 3},
        {"\"12\"", CDM_OK, 12},
        {"W/\"3\"", CDM_ERR_PRECONDITION_FAILED, 0}, /* weak: If-Match compares strongly */
        {"3", CDM_ERR_PRECONDITION_FAILED, 0},        /* not quoted */
        {"\"0\"", CDM_ERR_PRECONDITION_FAILED, 0},    /* versions start at 1 */
        {"\"-1\"", CDM_ERR_PRECONDITION_FAILED, 0},
        {"\"3", CDM_ERR_PRECONDITION_FAILED, 0},
        {"\"3\" ", CDM_ERR_PRECONDITION_FAILED, 0},
        {"\"3\", \"4\"", CDM_ERR_PRECONDITION_FAILED, 0}, /* a list names no one version */
        {"\"abc\"", CDM_ERR_PRECONDITION_FAILED, 0},
        {"\"3x\"", CDM_ERR_PRECONDITION_FAILED, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct exchange x;
        ex_start(&x, "PUT", ISSUE_URL);
        if (cases[i].header)
            ex_header(&x, "If-Match", cases[i].header);
        struct route_call call = {.ctx = &server.ctx, .req = &x.req};
        struct outcome o = OUTCOME_INIT;
        long version = -99;
        enum cdm_status st = record_if_match(&call, &o, &version);
        if (st != cases[i].st)
            print_error("If-Match %s\n", cases[i].header ? cases[i].header : "(none)");
        assert_int_equal(st, cases[i].st);
        if (st == CDM_OK) {
            assert_int_equal(version, cases[i].version);
        } else {
            assert_int_equal(o.status, st);
            assert_true(o.detail[0] != '\0');
            http_reply(&x.req, &x.res, &o);
            assert_problem(&x, st == CDM_ERR_PRECONDITION_REQUIRED ? 428 : 412,
                           st == CDM_ERR_PRECONDITION_REQUIRED ? "/problems/precondition-required"
                                                               : "/problems/precondition-failed");
        }
        outcome_clear(&o);
        ex_end(&x);
    }
}

/* The ETag a reply carries is the quoted version, and is what If-Match takes back. */
static void the_etag_given_is_the_one_taken(void **state)
{
    (void)state;
    for (long v = 1; v < 100000; v *= 7) {
        struct exchange x;
        ex_start(&x, "GET", ISSUE_URL);
        struct outcome o = OUTCOME_INIT;
        o.status = CDM_OK;
        o.body = json_pack("{s:I}", "version", (json_int_t)v);
        record_set_etag(&o, v);
        http_reply(&x.req, &x.res, &o);
        outcome_clear(&o);
        const char *etag = ex_reply_header(&x, "ETag");
        assert_non_null(etag);
        char quoted[24];
        snprintf(quoted, sizeof quoted, "\"%ld\"", v);
        assert_string_equal(etag, quoted);

        struct exchange w;
        ex_start(&w, "PUT", ISSUE_URL);
        ex_header(&w, "If-Match", etag);
        struct route_call call = {.ctx = &server.ctx, .req = &w.req};
        long version = 0;
        assert_int_equal(record_if_match(&call, &o, &version), CDM_OK);
        assert_int_equal(version, v);
        ex_end(&w);
        ex_end(&x);
    }
}

/* The issue as Q_ISSUE_LOCK reads it under its row lock. */
static struct fake_rows issue_locked(const char *version, const char *neighbourhood)
{
    return (struct fake_rows){.status = PGRES_TUPLES_OK,
                              .ncols = 3,
                              .nrows = 1,
                              .names = {"version", "neighbourhood_id", "raised_on"},
                              .values = {{version, neighbourhood, "2024-03-01"}}};
}

/* An edit of a community issue as a field team sends it. */
static void edit_issue(struct exchange *x, const struct fake_key *k, const char *if_match)
{
    ex_start(x, "PUT", ISSUE_URL);
    ex_key(x, k);
    ex_json(x, ISSUE_EDIT);
    if (if_match)
        ex_header(x, "If-Match", if_match);
}

/* Through the real route: an edit without a usable If-Match is refused
 * before the handler opens a transaction or reads the record. */
static void an_edit_needs_if_match(void **state)
{
    (void)state;
    struct fake_key k;
    fake_key_make(&k, SCOPE_REGISTRY, NULL);
    static const struct {
        const char *header;
        long http;
        const char *type;
    } cases[] = {
        {NULL, 428, "/problems/precondition-required"},
        {"*", 428, "/problems/precondition-required"},
        {"W/\"3\"", 412, "/problems/precondition-failed"},
        {"\"three\"", 412, "/problems/precondition-failed"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct exchange x;
        edit_issue(&x, &k, cases[i].header);
        expect_key_lookup(&k);
        ex_send(&x);
        assert_problem(&x, cases[i].http, cases[i].type);
        assert_int_equal(fake_calls(), 1); /* the key lookup; no BEGIN either (unexpected) */
        ex_end(&x);
    }
}

/* An ETag of an older version is 412, read under the record's lock. */
static void an_edit_of_a_stale_version_is_412(void **state)
{
    (void)state;
    struct fake_key k;
    fake_key_make(&k, SCOPE_REGISTRY, NULL);
    struct fake_rows locked = issue_locked("3", HOME);
    struct exchange x;
    edit_issue(&x, &k, "\"2\"");
    expect_key_lookup(&k);
    expect_exec("BEGIN", true);
    expect_statement(Q_ISSUE_LOCK, &locked);
    ex_send(&x);
    assert_problem(&x, 412, "/problems/precondition-failed");
    assert_non_null(strstr(json_str(x.json, "detail"), "version 3"));
    assert_string_equal(fake_call_param(1, 0), ISSUE);
    ex_end(&x);
}

/* The current version's ETag passes the precondition and the edit goes on
 * to the update (which the fake then fails). */
static void an_edit_of_the_current_version_proceeds(void **state)
{
    (void)state;
    struct fake_key k;
    fake_key_make(&k, SCOPE_REGISTRY, NULL);
    struct fake_rows locked = issue_locked("3", HOME);
    struct exchange x;
    edit_issue(&x, &k, "\"3\"");
    expect_key_lookup(&k);
    expect_exec("BEGIN", true);
    expect_statement(Q_ISSUE_LOCK, &locked);
    expect_statement(Q_ISSUE_UPDATE, &fake_failed);
    ex_send(&x);
    assert_problem(&x, 503, "/problems/unavailable");
    assert_int_equal(fake_calls(), 3);
    assert_string_equal(fake_call_name(2), Q_ISSUE_UPDATE);
    assert_string_equal(fake_call_param(2, 0), ISSUE);
    ex_end(&x);
}

/* A limited key editing an issue of another neighbourhood: 404, even with
 * the right version. */
static void an_edit_outside_the_keys_neighbourhoods_is_404(void **state)
{
    (void)state;
    struct fake_key k;
    fake_key_make(&k, SCOPE_REGISTRY, OTHER);
    struct fake_rows locked = issue_locked("3", HOME);
    struct exchange x;
    edit_issue(&x, &k, "\"3\"");
    expect_key_lookup(&k);
    expect_exec("BEGIN", true);
    expect_statement(Q_ISSUE_LOCK, &locked);
    ex_send(&x);
    assert_problem(&x, 404, "/problems/not-found");
    assert_string_equal(json_str(x.json, "detail"), "no such community issue");
    ex_end(&x);
}

/* A read answers the record with its version as ETag; the query filters by
 * the key's neighbourhoods (none for a whole-locality key). */
static void a_read_gives_the_etag(void **state)
{
    (void)state;
    struct fake_key locality, limited;
    fake_key_make(&locality, SCOPE_READ, NULL);
    fake_key_make(&limited, SCOPE_READ, HOME);
    const struct fake_rows issue = {
        .status = PGRES_TUPLES_OK, .ncols = 1, .nrows = 1, .names = {"body"},
        .values = {{"{\"id\": \"" ISSUE "\", \"neighbourhoodId\": \"" HOME "\", \"version\": 4}"}}};
    const struct fake_key *keys[] = {&locality, &limited};
    for (size_t i = 0; i < 2; i++) {
        struct exchange x;
        ex_start(&x, "GET", ISSUE_URL);
        ex_key(&x, keys[i]);
        expect_key_lookup(keys[i]);
        expect_statement(Q_ISSUE_GET, &issue);
        ex_send(&x);
        assert_int_equal(x.res.status, 200);
        assert_string_equal(ex_reply_header(&x, "ETag"), "\"4\"");
        assert_int_equal(json_integer_value(json_object_get(x.json, "version")), 4);
        assert_string_equal(fake_call_param(1, 0), ISSUE);
        if (keys[i] == &locality)
            assert_null(fake_call_param(1, 1));
        else
            assert_string_equal(fake_call_param(1, 1), limited.neighbourhoods);
        ex_end(&x);
    }
}

int inproc_etag_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(if_match_takes_one_strong_etag),
        cmocka_unit_test(the_etag_given_is_the_one_taken),
        cmocka_unit_test(an_edit_needs_if_match),
        cmocka_unit_test(an_edit_of_a_stale_version_is_412),
        cmocka_unit_test(an_edit_of_the_current_version_proceeds),
        cmocka_unit_test(an_edit_outside_the_keys_neighbourhoods_is_404),
        cmocka_unit_test(a_read_gives_the_etag),
    };
    return cmocka_run_group_tests_name("etags", tests, inproc_start, inproc_stop);
}
