/* limits.c — a body before any logic: its size (413), type (415), syntax (400), schema (422) */
#include "inproc.h"
#include <stdlib.h>
#include <string.h>

#define MINE "0b5d7c2e-6f0a-4c55-9d1e-1a2b3c4d5e6f"
#define VALID                                                                                 \
    "{\"code\": \"north-east\", \"name\": \"North East\", \"wave\": 1, \"population\": 5000}"
/* What neighbourhood_create answers a key limited to some neighbourhoods: the
 * sign that a body passed every check below and reached the logic. */
#define LOGIC_REACHED "only a key for the whole locality can create neighbourhoods"

/* A POST /v1/neighbourhoods by an admin key limited to one neighbourhood,
 * so that a body reaching the logic is answered without the database. */
static struct fake_key admin;

static void post(struct exchange *x, const char *content_type, const char *body)
{
    ex_start(x, "POST", "/v1/neighbourhoods");
    ex_key(x, &admin);
    if (body)
        ex_body(x, content_type, body);
    expect_key_lookup(&admin);
}

static void assert_logic_reached(struct exchange *x)
{
    assert_problem(x, 403, "/problems/forbidden");
    assert_string_equal(json_str(x->json, "detail"), LOGIC_REACHED);
}

static int make_admin(void **state)
{
    (void)state;
    fake_key_make(&admin, SCOPE_ADMIN, MINE);
    return 0;
}

/* A declared length over the limit is refused by the pre-callback: before
 * the key is checked, the body parsed or any route run. */
static void a_declared_length_over_the_limit_is_413(void **state)
{
    (void)state;
    char len[24];
    snprintf(len, sizeof len, "%zu", server.cfg.max_body_bytes + 1);
    struct exchange x;
    ex_start(&x, "POST", "/v1/neighbourhoods");
    ex_body(&x, "application/json", VALID);
    ex_header(&x, "Content-Length", len);
    ex_send(&x);
    assert_problem(&x, 413, "/problems/payload-too-large");
    assert_string_equal(ex_reply_header(&x, "Connection"), "close");
    assert_int_equal(x.callbacks, 1);
    assert_int_equal(fake_calls(), 0);
    ex_end(&x);
}

/* A chunked body has no Content-Length; Ulfius cuts it one byte over the
 * limit, and that length is refused too. */
static void a_body_cut_at_the_limit_is_413(void **state)
{
    (void)state;
    size_t n = server.cfg.max_body_bytes + 1;
    char *big = malloc(n + 1);
    assert_non_null(big);
    memset(big, ' ', n);
    big[n] = '\0';
    struct exchange x;
    ex_start(&x, "POST", "/v1/neighbourhoods");
    ex_body(&x, "application/json", big);
    u_map_remove_from_key_case(x.req.map_header, "Content-Length");
    free(big);
    ex_send(&x);
    assert_problem(&x, 413, "/problems/payload-too-large");
    assert_int_equal(x.callbacks, 1);
    ex_end(&x);
}

/* A body of exactly the limit is not refused for its size. */
static void a_body_at_the_limit_passes(void **state)
{
    (void)state;
    size_t n = server.cfg.max_body_bytes;
    char *body = malloc(n + 1);
    assert_non_null(body);
    memset(body, ' ', n);
    memcpy(body, VALID, strlen(VALID)); /* valid JSON, padded with spaces */
    body[n] = '\0';
    struct exchange x;
    post(&x, "application/json", body);
    free(body);
    ex_send(&x);
    assert_logic_reached(&x);
    ex_end(&x);
}

static void a_body_that_is_not_json_is_415(void **state)
{
    (void)state;
    static const char *const types[] = {NULL, "text/plain", "application/jsonp",
                                        "application/x-www-form-urlencoded", "text/json"};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        struct exchange x;
        post(&x, types[i], VALID);
        ex_send(&x);
        assert_problem(&x, 415, "/problems/unsupported-media-type");
        ex_end(&x);
    }
}

static void json_is_json_in_any_case_and_charset(void **state)
{
    (void)state;
    static const char *const types[] = {"application/json", "application/json; charset=utf-8",
                                        "Application/JSON", "application/json;charset=UTF-8"};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        struct exchange x;
        post(&x, types[i], VALID);
        ex_send(&x);
        assert_logic_reached(&x);
        ex_end(&x);
    }
}

/* A body that does not parse is 400 with where it broke; duplicate members
 * are refused rather than one of them silently kept. */
static void malformed_json_is_400(void **state)
{
    (void)state;
    static const char *const bodies[] = {
        "{", "", "not json", "{\"code\": \"a\",}",
        "{\"code\": \"north\", \"name\": \"North\", \"wave\": 1, \"wave\": 2, \"population\": 5}",
    };
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        struct exchange x;
        post(&x, "application/json", bodies[i]);
        ex_send(&x);
        assert_problem(&x, 400, "/problems/malformed-json");
        assert_non_null(strstr(json_str(x.json, "detail"), "line"));
        ex_end(&x);
    }
}

/* A pointer is in the errors for each offending member. */
static bool has_pointer(const json_t *errors, const char *pointer)
{
    size_t i;
    const json_t *e;
    json_array_foreach(errors, i, e)
        if (json_str(e, "pointer") && strcmp(json_str(e, "pointer"), pointer) == 0 &&
            json_str(e, "detail") && *json_str(e, "detail"))
            return true;
    return false;
}

/* A body against schemas/neighbourhood-create.json: 422 with a pointer to
 * each member at fault, and the logic never runs. */
static void a_schema_failure_is_422_with_pointers(void **state)
{
    (void)state;
    static const struct {
        const char *body;
        const char *pointers[4];
    } cases[] = {
        {"{\"code\": \"North East\", \"name\": \"\", \"wave\": 11, \"population\": 5000}",
         {"/code", "/name", "/wave"}},
        {"{\"code\": \"north\", \"name\": \"North\", \"wave\": \"1\", \"population\": 0}",
         {"/wave", "/population"}},
        {"{\"code\": \"north\", \"name\": \"North\", \"wave\": 1, \"population\": 5,"
         " \"colour\": \"red\"}",
         {"/colour"}},
        {"{\"code\": \"north\", \"name\": \"North\", \"wave\": 1, \"population\": 5,"
         " \"areas\": [\"E05000001\"], \"programmeId\": \"nope\"}",
         {"/programmeId"}},
        {"[]", {""}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct exchange x;
        post(&x, "application/json", cases[i].body);
        ex_send(&x);
        assert_problem(&x, 422, "/problems/validation");
        const json_t *errors = json_object_get(x.json, "errors");
        for (size_t p = 0; p < 4 && cases[i].pointers[p]; p++) {
            if (!has_pointer(errors, cases[i].pointers[p])) {
                char *text = json_dumps(errors, JSON_COMPACT);
                print_error("body %zu: no error at %s in %s\n", i, cases[i].pointers[p], text);
                free(text);
            }
            assert_true(has_pointer(errors, cases[i].pointers[p]));
        }
        /* The detail names the first error, so one line of log says it. */
        const char *first = json_str(json_array_get(errors, 0), "pointer");
        assert_memory_equal(json_str(x.json, "detail"), first, strlen(first));
        ex_end(&x);
    }
}

int inproc_limit_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_declared_length_over_the_limit_is_413),
        cmocka_unit_test(a_body_cut_at_the_limit_is_413),
        cmocka_unit_test_setup(a_body_at_the_limit_passes, make_admin),
        cmocka_unit_test_setup(a_body_that_is_not_json_is_415, make_admin),
        cmocka_unit_test_setup(json_is_json_in_any_case_and_charset, make_admin),
        cmocka_unit_test_setup(malformed_json_is_400, make_admin),
        cmocka_unit_test_setup(a_schema_failure_is_422_with_pointers, make_admin),
    };
    return cmocka_run_group_tests_name("limits", tests, inproc_start, inproc_stop);
}
