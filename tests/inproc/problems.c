/* problems.c — each outcome as its HTTP answer: RFC 9457 problems, 2xx bodies and headers */
#include "inproc.h"
#include "records.h"
#include <string.h>

/* The contract as the README states it (status, problem type), written out
 * here rather than read from http.c, so that a wrong row there fails. */
static const struct {
    bool known;
    long http;
    const char *type; /* NULL for a success */
} contract[] = {
    [CDM_ERR_INTERNAL] = {true, 500, "/problems/internal"},
    [CDM_OK] = {true, 200, NULL},
    [CDM_CREATED] = {true, 201, NULL},
    [CDM_REPLAYED] = {true, 200, NULL},
    [CDM_ERR_BAD_JSON] = {true, 400, "/problems/malformed-json"},
    [CDM_ERR_UNAUTHORIZED] = {true, 401, "/problems/unauthorized"},
    [CDM_ERR_FORBIDDEN] = {true, 403, "/problems/forbidden"},
    [CDM_ERR_RATE_LIMITED] = {true, 429, "/problems/rate-limited"},
    [CDM_ERR_VALIDATION] = {true, 422, "/problems/validation"},
    [CDM_ERR_NOT_FOUND] = {true, 404, "/problems/not-found"},
    [CDM_ERR_CONFLICT] = {true, 409, "/problems/conflict"},
    [CDM_ERR_PRECONDITION_FAILED] = {true, 412, "/problems/precondition-failed"},
    [CDM_ERR_PRECONDITION_REQUIRED] = {true, 428, "/problems/precondition-required"},
    [CDM_ERR_MEDIA_TYPE] = {true, 415, "/problems/unsupported-media-type"},
    [CDM_ERR_TOO_LARGE] = {true, 413, "/problems/payload-too-large"},
    [CDM_ERR_UNAVAILABLE] = {true, 503, "/problems/unavailable"},
};
/* The last enum cdm_status: a status added after it must be added above too. */
#define LAST_STATUS CDM_ERR_UNAVAILABLE

#define URL "/v1/things/42"

static void every_failure_is_a_problem_with_its_status(void **state)
{
    (void)state;
    _Static_assert(sizeof contract / sizeof contract[0] == LAST_STATUS + 1,
                   "a row for every status");
    for (int st = 0; st <= LAST_STATUS; st++) {
        if (!contract[st].known)
            fail_msg("status %d has no row in the contract table", st);
        assert_int_equal(cdm_status_failed((enum cdm_status)st), contract[st].type != NULL);
        if (!contract[st].type)
            continue;
        struct exchange x;
        ex_start(&x, "GET", URL);
        struct outcome o = OUTCOME_INIT;
        outcome_fail(&o, (enum cdm_status)st, "what went wrong with %d", st);
        assert_int_equal(http_reply(&x.req, &x.res, &o), U_CALLBACK_CONTINUE);
        assert_problem(&x, contract[st].http, contract[st].type);
        json_t *p = response_json(&x.res);
        char detail[64];
        snprintf(detail, sizeof detail, "what went wrong with %d", st);
        assert_string_equal(json_str(p, "detail"), detail);
        assert_null(json_object_get(p, "errors")); /* none set: none sent */
        json_decref(p);
        outcome_clear(&o);
        ex_end(&x);
    }
}

/* A path that forgets to set a status answers 500, never a silent 200. */
static void an_unset_outcome_answers_500(void **state)
{
    (void)state;
    struct exchange x;
    ex_start(&x, "POST", URL);
    struct outcome o = OUTCOME_INIT;
    http_reply(&x.req, &x.res, &o);
    assert_problem(&x, 500, "/problems/internal");
    ex_end(&x);

    struct outcome zeroed;
    memset(&zeroed, 0, sizeof zeroed);
    ex_start(&x, "POST", URL);
    http_reply(&x.req, &x.res, &zeroed);
    assert_problem(&x, 500, "/problems/internal");
    ex_end(&x);
}

static void errors_carry_a_pointer_to_each_field(void **state)
{
    (void)state;
    struct exchange x;
    ex_start(&x, "POST", URL);
    struct outcome o = OUTCOME_INIT;
    outcome_fail_at(&o, CDM_ERR_VALIDATION, "/wave", "wave must be from 1 to 10");
    outcome_fail_at(&o, CDM_ERR_VALIDATION, "/areas/2", "no area E05000099");
    http_reply(&x.req, &x.res, &o);
    assert_problem(&x, 422, "/problems/validation");
    json_t *p = response_json(&x.res);
    const json_t *errors = json_object_get(p, "errors");
    assert_int_equal(json_array_size(errors), 2);
    assert_string_equal(json_str(json_array_get(errors, 0), "pointer"), "/wave");
    assert_string_equal(json_str(json_array_get(errors, 0), "detail"), "wave must be from 1 to 10");
    assert_string_equal(json_str(json_array_get(errors, 1), "pointer"), "/areas/2");
    assert_string_equal(json_str(json_array_get(errors, 1), "detail"), "no area E05000099");
    json_decref(p);
    outcome_clear(&o);
    ex_end(&x);

    /* An empty list is left out rather than sent as "errors": []. */
    ex_start(&x, "POST", URL);
    outcome_fail(&o, CDM_ERR_CONFLICT, "the code is taken");
    o.errors = json_array();
    http_reply(&x.req, &x.res, &o);
    assert_problem(&x, 409, "/problems/conflict");
    p = response_json(&x.res);
    assert_null(json_object_get(p, "errors"));
    json_decref(p);
    outcome_clear(&o);
    ex_end(&x);
}

/* A problem always has a detail a person can read, and stays valid JSON
 * whatever bytes a detail was built from. */
static void a_detail_is_always_readable(void **state)
{
    (void)state;
    struct exchange x;
    ex_start(&x, "GET", URL);
    struct outcome o = OUTCOME_INIT;
    o.status = CDM_ERR_NOT_FOUND; /* set without a detail */
    http_reply(&x.req, &x.res, &o);
    assert_problem(&x, 404, "/problems/not-found");
    json_t *p = response_json(&x.res);
    assert_string_equal(json_str(p, "detail"), json_str(p, "title"));
    json_decref(p);
    ex_end(&x);

    ex_start(&x, "GET", URL);
    o.status = CDM_ERR_VALIDATION;
    snprintf(o.detail, sizeof o.detail, "name \xff\xfe is not UTF-8");
    http_reply(&x.req, &x.res, &o);
    assert_problem(&x, 422, "/problems/validation");
    p = response_json(&x.res);
    assert_string_equal(json_str(p, "detail"), json_str(p, "title"));
    json_decref(p);
    ex_end(&x);
}

static void successes_answer_their_body_and_headers(void **state)
{
    (void)state;
    struct exchange x;
    struct outcome o = OUTCOME_INIT;

    ex_start(&x, "GET", URL);
    o.status = CDM_OK;
    o.body = json_pack("{s:s, s:i}", "id", "42", "version", 3);
    http_reply(&x.req, &x.res, &o);
    assert_int_equal(x.res.status, 200);
    assert_string_equal(ex_reply_header(&x, "Content-Type"), "application/json");
    json_t *b = response_json(&x.res);
    assert_true(json_equal(b, o.body));
    json_decref(b);
    assert_null(ex_reply_header(&x, "Location"));
    assert_null(ex_reply_header(&x, "ETag"));
    assert_null(ex_reply_header(&x, "Idempotent-Replayed"));
    outcome_clear(&o);
    ex_end(&x);

    ex_start(&x, "POST", "/v1/things");
    o = (struct outcome)OUTCOME_INIT;
    o.status = CDM_CREATED;
    o.body = json_pack("{s:s}", "id", "42");
    snprintf(o.location, sizeof o.location, "/v1/things/42");
    record_set_etag(&o, 1);
    http_reply(&x.req, &x.res, &o);
    assert_int_equal(x.res.status, 201);
    assert_string_equal(ex_reply_header(&x, "Location"), "/v1/things/42");
    assert_string_equal(ex_reply_header(&x, "ETag"), "\"1\"");
    assert_null(ex_reply_header(&x, "Idempotent-Replayed"));
    outcome_clear(&o);
    ex_end(&x);

    /* A resend of the same create: 200 with the first answer, marked. */
    ex_start(&x, "POST", "/v1/things");
    o = (struct outcome)OUTCOME_INIT;
    o.status = CDM_REPLAYED;
    o.body = json_pack("{s:s}", "id", "42");
    snprintf(o.location, sizeof o.location, "/v1/things/42");
    http_reply(&x.req, &x.res, &o);
    assert_int_equal(x.res.status, 200);
    assert_string_equal(ex_reply_header(&x, "Idempotent-Replayed"), "true");
    assert_string_equal(ex_reply_header(&x, "Location"), "/v1/things/42");
    b = response_json(&x.res);
    assert_string_equal(json_str(b, "id"), "42");
    json_decref(b);
    outcome_clear(&o);
    ex_end(&x);

    /* A body other than JSON goes out as it is, with its own type. */
    ex_start(&x, "GET", URL);
    o = (struct outcome)OUTCOME_INIT;
    o.status = CDM_OK;
    o.text = strdup("code,name\r\nE05000001,North\r\n");
    o.text_type = "text/csv; charset=utf-8";
    http_reply(&x.req, &x.res, &o);
    assert_int_equal(x.res.status, 200);
    assert_string_equal(ex_reply_header(&x, "Content-Type"), "text/csv; charset=utf-8");
    assert_int_equal(x.res.binary_body_length, strlen(o.text));
    assert_memory_equal(x.res.binary_body, o.text, strlen(o.text));
    outcome_clear(&o);
    ex_end(&x);

    ex_start(&x, "DELETE", URL);
    o = (struct outcome)OUTCOME_INIT;
    o.status = CDM_OK; /* no body */
    http_reply(&x.req, &x.res, &o);
    assert_int_equal(x.res.status, 200);
    assert_int_equal(x.res.binary_body_length, 0);
    ex_end(&x);
}

/* A failed database call: 503 when the connection is gone, 422 for a value
 * PostgreSQL refused, 500 otherwise; logged, never shown to the client. */
static void database_failures_map_to_their_status(void **state)
{
    (void)state;
    static const struct {
        ConnStatusType conn;
        const char *sqlstate;
        long http;
        const char *type;
    } cases[] = {
        {CONNECTION_BAD, "", 503, "/problems/unavailable"},
        {CONNECTION_BAD, "22P02", 503, "/problems/unavailable"},
        {CONNECTION_OK, "22P02", 422, "/problems/validation"}, /* invalid text representation */
        {CONNECTION_OK, "22003", 422, "/problems/validation"}, /* numeric value out of range */
        {CONNECTION_OK, "23514", 422, "/problems/validation"}, /* a CHECK constraint */
        {CONNECTION_OK, "23505", 500, "/problems/internal"},   /* a unique violation not caught */
        {CONNECTION_OK, "", 500, "/problems/internal"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct exchange x;
        ex_start(&x, "POST", URL);
        fake_conn_status = cases[i].conn;
        fake_sqlstate = cases[i].sqlstate;
        PGresult *r = PQmakeEmptyPGresult(NULL, PGRES_FATAL_ERROR);
        struct outcome o = OUTCOME_INIT;
        enum cdm_status st = outcome_db_fail(&o, server.conn, r, "storing the thing");
        assert_int_equal(st, o.status);
        PQclear(r);
        http_reply(&x.req, &x.res, &o);
        assert_problem(&x, cases[i].http, cases[i].type);
        assert_string_equal(fake_last_error(), "database call failed");
        json_t *p = response_json(&x.res);
        assert_non_null(strstr(json_str(p, "detail"), "storing the thing"));
        if (cases[i].sqlstate[0]) /* the server's codes are for the log */
            assert_null(strstr(json_str(p, "detail"), cases[i].sqlstate));
        json_decref(p);
        ex_end(&x);
    }
}

/* Through the registered instance: a path no route serves is a 404 problem,
 * and every answer carries the request id, the client's when it is a token. */
static void unmatched_paths_and_request_ids(void **state)
{
    (void)state;
    struct exchange x;
    ex_start(&x, "GET", "/v1/no-such-thing");
    ex_header(&x, "X-Request-Id", "trace-42.a:b_c");
    ex_send(&x);
    assert_problem(&x, 404, "/problems/not-found");
    assert_int_equal(x.callbacks, 2); /* the pre- and post-callbacks only */
    assert_string_equal(ex_reply_header(&x, "X-Request-Id"), "trace-42.a:b_c");
    assert_string_equal(json_str(x.json, "requestId"), "trace-42.a:b_c");
    assert_string_equal(json_str(x.json, "instance"), "/v1/no-such-thing");
    ex_end(&x);

    ex_start(&x, "GET", "/v1/no-such-thing");
    ex_header(&x, "X-Request-Id", "not a token; drop table");
    ex_send(&x);
    assert_problem(&x, 404, "/problems/not-found");
    const char *rid = ex_reply_header(&x, "X-Request-Id");
    assert_non_null(rid);
    assert_true(uuid_is_valid(rid)); /* one of ours instead */
    assert_string_equal(json_str(x.json, "requestId"), rid);
    ex_end(&x);

    /* A known path with a method no route has is unmatched too. */
    ex_start(&x, "PATCH", "/v1/neighbourhoods");
    ex_send(&x);
    assert_problem(&x, 404, "/problems/not-found");
    ex_end(&x);
}

int inproc_problem_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_failure_is_a_problem_with_its_status),
        cmocka_unit_test(an_unset_outcome_answers_500),
        cmocka_unit_test(errors_carry_a_pointer_to_each_field),
        cmocka_unit_test(a_detail_is_always_readable),
        cmocka_unit_test(successes_answer_their_body_and_headers),
        cmocka_unit_test(database_failures_map_to_their_status),
        cmocka_unit_test(unmatched_paths_and_request_ids),
    };
    return cmocka_run_group_tests_name("problems", tests, inproc_start, inproc_stop);
}
