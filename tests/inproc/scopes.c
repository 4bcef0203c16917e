/* scopes.c — who may call what: keys (401), scopes (403), rates (429), neighbourhoods (404) */
#include "inproc.h"
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define ALL_SCOPES (SCOPE_SUBMIT | SCOPE_REGISTRY | SCOPE_READ | SCOPE_EVALUATOR | SCOPE_ADMIN)
#define MINE "0b5d7c2e-6f0a-4c55-9d1e-1a2b3c4d5e6f"   /* the limited key's neighbourhood */
#define OTHER "7e1f0a9b-3c4d-4e5f-8a6b-9c0d1e2f3a4b"  /* someone else's */
#define ANY_ID "5f0c2d1e-0000-4000-8000-000000000042" /* for any :parameter */

/* A request line for route r: :id filled with id, every other :parameter
 * with a UUID. */
static void route_url_id(const struct route *r, const char *id, char *out, size_t len)
{
    size_t n = 0;
    for (const char *p = r->path; *p && n + UUID_STR_LEN < len;) {
        if (*p == ':') {
            bool is_id = strncmp(p, ":id", 3) == 0 && (p[3] == '/' || p[3] == '\0');
            n += (size_t)snprintf(out + n, len - n, "%s", is_id ? id : ANY_ID);
            p += strcspn(p, "/");
        } else {
            out[n++] = *p++;
        }
    }
    out[n] = '\0';
}

/* A request line for route r: every :parameter filled with a UUID. */
static void route_url(const struct route *r, char *out, size_t len)
{
    route_url_id(r, ANY_ID, out, len);
}

static void expect_unauthorized(struct exchange *x)
{
    assert_problem(x, 401, "/problems/unauthorized");
    assert_string_equal(ex_reply_header(x, "WWW-Authenticate"), "Bearer");
}

/* Every route that needs a scope refuses a request without a key before its
 * handler runs or the database is touched (an unexpected borrow fails). */
static void every_scoped_route_needs_a_key(void **state)
{
    (void)state;
    int scoped = 0;
    for (size_t t = 0; api_route_tables[t]; t++)
        for (const struct route *r = api_route_tables[t]; r->method; r++) {
            if (!r->scope)
                continue;
            char url[256];
            route_url(r, url, sizeof url);
            struct exchange x;
            ex_start(&x, r->method, url);
            ex_send(&x);
            if (x.res.status != 401)
                print_error("%s %s answered %ld\n", r->method, r->path, x.res.status);
            expect_unauthorized(&x);
            /* Exactly one route answers the URL, between the two callbacks. */
            assert_int_equal(x.callbacks, 3);
            assert_int_equal(fake_calls(), 0);
            ex_end(&x);
            scoped++;
        }
    assert_true(scoped > 50);
}

/* A valid key holding every scope but the route's is refused with 403, after
 * the key lookup alone. */
static void every_scoped_route_needs_its_scope(void **state)
{
    (void)state;
    for (size_t t = 0; api_route_tables[t]; t++)
        for (const struct route *r = api_route_tables[t]; r->method; r++) {
            if (!r->scope)
                continue;
            struct fake_key k;
            fake_key_make(&k, ALL_SCOPES & ~r->scope, NULL);
            char url[256];
            route_url(r, url, sizeof url);
            struct exchange x;
            ex_start(&x, r->method, url);
            ex_key(&x, &k);
            expect_key_lookup(&k);
            ex_send(&x);
            if (x.res.status != 403)
                print_error("%s %s answered %ld\n", r->method, r->path, x.res.status);
            assert_problem(&x, 403, "/problems/forbidden");
            assert_int_equal(fake_calls(), 1);
            assert_string_equal(fake_call_name(0), Q_KEY_LOOKUP);
            assert_string_equal(fake_call_param(0, 0), k.prefix); /* looked up by prefix */
            ex_end(&x);
        }
}

/* Every route on one object answers an :id that is no UUID with 404 and its
 * own not-found text, after the key lookup alone, body or none. */
static void every_malformed_id_is_404_with_its_text(void **state)
{
    (void)state;
    int on_one = 0;
    for (size_t t = 0; api_route_tables[t]; t++)
        for (const struct route *r = api_route_tables[t]; r->method; r++) {
            if (!r->not_found)
                continue;
            struct fake_key k;
            fake_key_make(&k, r->scope, NULL);
            char url[256];
            route_url_id(r, "not-a-uuid", url, sizeof url);
            struct exchange x;
            ex_start(&x, r->method, url);
            ex_key(&x, &k);
            expect_key_lookup(&k);
            ex_send(&x);
            if (x.res.status != 404)
                print_error("%s %s answered %ld\n", r->method, r->path, x.res.status);
            assert_problem(&x, 404, "/problems/not-found");
            assert_string_equal(json_str(x.json, "detail"), r->not_found);
            assert_int_equal(fake_calls(), 1); /* the key lookup only */
            ex_end(&x);
            on_one++;
        }
    assert_true(on_one > 30);
}

static enum cdm_status no_logic(PGconn *db, const struct route_call *call, struct outcome *o)
{
    (void)db, (void)call;
    return o->status = CDM_OK;
}

static int no_handler(const struct _u_request *req, struct _u_response *res, void *user)
{
    (void)req, (void)res, (void)user;
    return U_CALLBACK_CONTINUE;
}

/* http_register refuses a table with a route that is not exactly one of
 * logic and handler, or whose not-found text and :id disagree; it takes one
 * that is. */
static void a_route_is_exactly_one_of_logic_and_handler(void **state)
{
    (void)state;
    static const struct route bad[][2] = {
        {{.method = "GET", .path = "/x", .logic = no_logic, .handler = no_handler}},
        {{.method = "GET", .path = "/x"}},
        {{.method = "POST", .path = "/x", .handler = no_handler, .schema = "round-create.json"}},
        {{.method = "GET", .path = "/x/:id", .handler = no_handler, .not_found = "no such x"}},
        {{.method = "GET", .path = "/x/:id", .logic = no_logic}},
        {{.method = "GET", .path = "/x/:id/y", .logic = no_logic}},
        {{.method = "GET", .path = "/x", .logic = no_logic, .not_found = "no such x"}},
        {{.method = "GET", .path = "/x/:identity", .logic = no_logic, .not_found = "no such x"}},
    };
    static const struct route good[] = {
        {.method = "GET", .path = "/x", .logic = no_logic},
        {.method = "POST", .path = "/x", .logic = no_logic, .schema = "round-create.json"},
        {.method = "GET", .path = "/x/:id", .logic = no_logic, .not_found = "no such x"},
        {.method = "GET", .path = "/x/:id/y/:name", .logic = no_logic, .not_found = "no such x"},
        {.method = "GET", .path = "/x/:code", .handler = no_handler},
        {.method = NULL},
    };
    for (size_t i = 0; i <= sizeof bad / sizeof bad[0]; i++) {
        const struct route *const tables[] = {i < sizeof bad / sizeof bad[0] ? bad[i] : good,
                                              NULL};
        struct _u_instance inst;
        struct api_ctx ctx = {.cfg = &server.cfg};
        assert_int_equal(ulfius_init_instance(&inst, 1, NULL, NULL), U_OK);
        fake_reset();
        bool ok = http_register(&inst, &ctx, tables);
        if (ok != (tables[0] == good))
            print_error("table %zu: http_register answered %d\n", i, ok);
        assert_int_equal(ok, tables[0] == good);
        if (!ok)
            assert_string_equal(fake_last_error(), "route refused");
        http_unregister(&ctx);
        ulfius_clean_instance(&inst);
    }
}

/* A key in any other shape is refused before the database is asked. */
static void a_malformed_key_is_401_without_the_database(void **state)
{
    (void)state;
    struct fake_key k;
    fake_key_make(&k, ALL_SCOPES, NULL);
    char upper[APIKEY_LEN + 8], longer[APIKEY_LEN + 16], bare[APIKEY_LEN + 1], basic[80];
    snprintf(upper, sizeof upper, "Bearer %s", k.key);
    upper[7 + 4] = 'A'; /* the prefix's hex in upper case */
    snprintf(longer, sizeof longer, "Bearer %sx", k.key);
    snprintf(bare, sizeof bare, "%s", k.key);
    snprintf(basic, sizeof basic, "Basic dXNlcjpwYXNzd29yZA==");
    const char *headers[] = {NULL, "", "Bearer", "Bearer ", "Bearer cdm_1234abcd_short",
                             upper, longer, bare, basic};
    for (size_t i = 0; i < sizeof headers / sizeof headers[0]; i++) {
        struct exchange x;
        ex_start(&x, "GET", "/v1/neighbourhoods");
        if (headers[i])
            ex_header(&x, "Authorization", headers[i]);
        ex_send(&x);
        expect_unauthorized(&x);
        assert_int_equal(fake_calls(), 0);
        ex_end(&x);
    }
}

/* Unknown, revoked and wrong-secret keys are 401 after the lookup, and the
 * connection the lookup borrowed goes back (ex_send checks). */
static void an_unknown_revoked_or_wrong_key_is_401(void **state)
{
    (void)state;
    struct fake_key k;
    fake_key_make(&k, ALL_SCOPES, NULL);
    struct exchange x;

    struct fake_rows none = k.row;
    none.nrows = 0;
    ex_start(&x, "GET", "/v1/neighbourhoods");
    ex_key(&x, &k);
    expect_borrow(true);
    expect_statement(Q_KEY_LOOKUP, &none);
    ex_send(&x);
    expect_unauthorized(&x);
    ex_end(&x);

    /* The same prefix with another secret: the stored hash does not match. */
    struct fake_key other;
    fake_key_make(&other, ALL_SCOPES, NULL);
    memcpy(other.key, k.key, APIKEY_PREFIX_LEN);
    ex_start(&x, "GET", "/v1/neighbourhoods");
    ex_key(&x, &other);
    expect_key_lookup(&k);
    ex_send(&x);
    expect_unauthorized(&x);
    ex_end(&x);

    fake_key_revoke(&k);
    ex_start(&x, "GET", "/v1/neighbourhoods");
    ex_key(&x, &k);
    expect_key_lookup(&k);
    ex_send(&x);
    expect_unauthorized(&x);
    assert_string_equal(json_str(x.json, "detail"), "unknown, revoked or expired API key");
    ex_end(&x);
}

/* Without the database a key cannot be checked: 503, not 401. */
static void a_key_cannot_be_checked_without_the_database(void **state)
{
    (void)state;
    struct fake_key k;
    fake_key_make(&k, ALL_SCOPES, NULL);
    struct exchange x;
    ex_start(&x, "GET", "/v1/neighbourhoods");
    ex_key(&x, &k);
    expect_borrow(false);
    ex_send(&x);
    assert_problem(&x, 503, "/problems/unavailable");
    ex_end(&x);

    ex_start(&x, "GET", "/v1/neighbourhoods");
    ex_key(&x, &k);
    expect_borrow(true);
    expect_statement(Q_KEY_LOOKUP, &fake_failed);
    ex_send(&x);
    assert_problem(&x, 503, "/problems/unavailable");
    ex_end(&x);
}

/* A key's own rate: a burst of twice the rate, then 429 with Retry-After. */
static void a_key_over_its_rate_is_429(void **state)
{
    (void)state;
    struct fake_key k;
    fake_key_make(&k, SCOPE_READ, MINE);
    fake_key_rate(&k, "1");
    for (int i = 0; i < 3; i++) {
        struct exchange x;
        ex_start(&x, "GET", "/v1/neighbourhoods/" OTHER);
        ex_key(&x, &k);
        expect_key_lookup(&k);
        ex_send(&x);
        if (i < 2) {
            assert_problem(&x, 404, "/problems/not-found");
            assert_null(ex_reply_header(&x, "Retry-After"));
        } else {
            assert_problem(&x, 429, "/problems/rate-limited");
            const char *retry = ex_reply_header(&x, "Retry-After");
            assert_non_null(retry);
            assert_true(atoi(retry) >= 1);
        }
        ex_end(&x);
    }
}

/* principal_may: a limited key touches its neighbourhoods only, and only by
 * their exact id (a part of one is not one); a whole-locality key any. */
static void principal_may_touch_only_its_neighbourhoods(void **state)
{
    (void)state;
    char list[] = "{" MINE "}";
    struct principal limited = {.scopes = SCOPE_READ, .neighbourhoods = list};
    struct principal locality = {.scopes = SCOPE_READ, .all_neighbourhoods = true};
    assert_true(principal_may(&limited, MINE));
    assert_false(principal_may(&limited, OTHER));
    assert_false(principal_may(&limited, "0b5d7c2e"));
    assert_false(principal_may(&limited, "0b5d7c2e-6f0a-4c55-9d1e"));
    assert_false(principal_may(&limited, "{" MINE "}"));
    assert_false(principal_may(&limited, NULL));
    assert_false(principal_may(NULL, MINE));
    assert_true(principal_may(&locality, MINE));
    assert_true(principal_may(&locality, OTHER));
    /* What the queries filter on: the key's list, or none for the locality. */
    assert_string_equal(principal_neighbourhoods_param(&limited), list);
    assert_null(principal_neighbourhoods_param(&locality));
    assert_null(principal_neighbourhoods_param(NULL));
}

/* Every read of one neighbourhood answers 404 for one outside the key's,
 * before any query runs. */
static void another_neighbourhood_is_404_everywhere(void **state)
{
    (void)state;
    static const char *const urls[] = {
        "/v1/neighbourhoods/" OTHER,
        "/v1/neighbourhoods/" OTHER "/kpis",
        "/v1/neighbourhoods/" OTHER "/indicators",
        "/v1/neighbourhoods/" OTHER "/wards/indicators",
    };
    struct fake_key k;
    fake_key_make(&k, SCOPE_READ, MINE);
    for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++) {
        struct exchange x;
        ex_start(&x, "GET", urls[i]);
        ex_key(&x, &k);
        expect_key_lookup(&k);
        ex_send(&x);
        assert_problem(&x, 404, "/problems/not-found");
        assert_string_equal(json_str(x.json, "detail"), "no such neighbourhood");
        assert_int_equal(fake_calls(), 1); /* the key lookup only */
        ex_end(&x);
    }
}

/* "As if absent": the 404 for another's neighbourhood is the 404 for one
 * that does not exist, so a key cannot learn which ids exist. */
static void another_neighbourhood_looks_absent(void **state)
{
    (void)state;
    struct fake_key limited, locality;
    fake_key_make(&limited, SCOPE_READ, MINE);
    fake_key_make(&locality, SCOPE_READ, NULL);
    const struct fake_rows no_row = {
        .status = PGRES_TUPLES_OK, .ncols = 1, .nrows = 0, .names = {"body"}};
    struct exchange a, b;
    ex_start(&a, "GET", "/v1/neighbourhoods/" OTHER);
    ex_key(&a, &limited);
    expect_key_lookup(&limited);
    ex_send(&a);
    ex_start(&b, "GET", "/v1/neighbourhoods/" OTHER); /* a fresh fake log: keep a's answer */
    ex_key(&b, &locality);
    expect_key_lookup(&locality);
    expect_statement(Q_GEO_NBH_GET, &no_row);
    ex_send(&b);
    assert_problem(&a, 404, "/problems/not-found");
    assert_problem(&b, 404, "/problems/not-found");
    const char *same[] = {"type", "title", "detail", "instance"};
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++)
        assert_string_equal(json_str(a.json, same[i]), json_str(b.json, same[i]));
    ex_end(&a);
    ex_end(&b);
}

/* The key's own neighbourhood passes, in whatever case the path spells it,
 * and reaches the query with the id in lower case. */
static void its_own_neighbourhood_reaches_the_query(void **state)
{
    (void)state;
    struct fake_key k;
    fake_key_make(&k, SCOPE_READ, MINE);
    char url[80], upper[] = MINE;
    for (char *c = upper; *c; c++)
        *c = (char)toupper((unsigned char)*c);
    snprintf(url, sizeof url, "/v1/neighbourhoods/%s", upper);
    struct exchange x;
    ex_start(&x, "GET", url);
    ex_key(&x, &k);
    expect_key_lookup(&k);
    expect_statement(Q_GEO_NBH_GET, &fake_failed);
    ex_send(&x);
    assert_problem(&x, 503, "/problems/unavailable"); /* the fake connection is broken */
    assert_int_equal(fake_calls(), 2);
    assert_string_equal(fake_call_param(1, 0), MINE);
    ex_end(&x);
}

int inproc_scope_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_scoped_route_needs_a_key),
        cmocka_unit_test(every_scoped_route_needs_its_scope),
        cmocka_unit_test(every_malformed_id_is_404_with_its_text),
        cmocka_unit_test(a_route_is_exactly_one_of_logic_and_handler),
        cmocka_unit_test(a_malformed_key_is_401_without_the_database),
        cmocka_unit_test(an_unknown_revoked_or_wrong_key_is_401),
        cmocka_unit_test(a_key_cannot_be_checked_without_the_database),
        cmocka_unit_test(a_key_over_its_rate_is_429),
        cmocka_unit_test(principal_may_touch_only_its_neighbourhoods),
        cmocka_unit_test(another_neighbourhood_is_404_everywhere),
        cmocka_unit_test(another_neighbourhood_looks_absent),
        cmocka_unit_test(its_own_neighbourhood_reaches_the_query),
    };
    return cmocka_run_group_tests_name("scopes", tests, inproc_start, inproc_stop);
}
