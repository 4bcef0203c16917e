/* test_envelope.c — CloudEvents envelopes, derived ids, weights and digests */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>
#include "envelope.h"
#include "ids.h"
#include "survey.h"

static void envelope_has_every_attribute(void **state)
{
    (void)state;
    json_t *ev = envelope_new("0b8f5c1e-7c7e-4b1e-9a7e-3f1d2c3b4a59", "/cdmeasure/indicators",
                              EVT_INDICATOR_UPDATED, "neighbourhoods/x/indicators/y",
                              "2026-11-26T12:00:00.000Z", json_pack("{s:i}", "n", 3));
    assert_non_null(ev);
    assert_null(envelope_check(ev));
    assert_string_equal(json_string_value(json_object_get(ev, "specversion")), "1.0");
    assert_string_equal(json_string_value(json_object_get(ev, "datacontenttype")), "application/json");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(ev, "data"), "n")), 3);
    json_object_del(ev, "subject");
    assert_non_null(envelope_check(ev));
    json_decref(ev);
}

static void envelope_refuses_incomplete_input(void **state)
{
    (void)state;
    /* data is consumed even on failure: no leak under ASan. */
    assert_null(envelope_new("", "s", "t", "x", "2026-01-01T00:00:00Z", json_object()));
    assert_null(envelope_new("i", "s", "t", "x", "2026-01-01T00:00:00Z", json_array()));
    assert_null(envelope_new("i", NULL, "t", "x", "2026-01-01T00:00:00Z", json_object()));
    assert_non_null(envelope_check(NULL));
}

static void rfc3339_format(void **state)
{
    (void)state;
    struct timespec t = {.tv_sec = 1614265330, .tv_nsec = 123456789};
    char out[40];
    rfc3339_utc(&t, out, sizeof out);
    assert_string_equal(out, "2021-02-25T15:02:10.123Z");
}

/* Derived ids are what make an event id stable across redelivery. */
static void derived_ids_are_stable_and_distinct(void **state)
{
    (void)state;
    char a[UUID_STR_LEN], b[UUID_STR_LEN], c[UUID_STR_LEN], d[UUID_STR_LEN];
    const char *p1[] = {"indicator.updated", "e1", "active_in_community", NULL};
    const char *p2[] = {"indicator.updated", "e2", "active_in_community", NULL};
    const char *p3[] = {"indicator.updatede", "1", "active_in_community", NULL};
    uuid_derive(a, p1);
    uuid_derive(b, p1);
    uuid_derive(c, p2);
    uuid_derive(d, p3);
    assert_string_equal(a, b);
    assert_string_not_equal(a, c);
    assert_string_not_equal(a, d); /* parts are separated, not concatenated */
    assert_true(uuid_is_valid(a));
    assert_int_equal(a[14], '8'); /* version 8 */
    assert_true(strchr("89ab", a[19]) != NULL);
    char r1[UUID_STR_LEN], r2[UUID_STR_LEN];
    assert_true(uuid_random(r1) && uuid_random(r2));
    assert_string_not_equal(r1, r2);
    assert_int_equal(r1[14], '4');
}

static void uuid_validation(void **state)
{
    (void)state;
    assert_true(uuid_is_valid("6D1F0A4E-2F0B-4C55-9A7E-0C0FFEE00001"));
    assert_false(uuid_is_valid("6d1f0a4e2f0b4c559a7e0c0ffee00001"));
    assert_false(uuid_is_valid("6d1f0a4e-2f0b-4c55-9a7e-0c0ffee0000g"));
    assert_false(uuid_is_valid(NULL));
    char out[UUID_STR_LEN];
    uuid_normalise("6D1F0A4E-2F0B-4C55-9A7E-0C0FFEE00001", out);
    assert_string_equal(out, "6d1f0a4e-2f0b-4c55-9a7e-0c0ffee00001");
}

static void weights_are_exact(void **state)
{
    (void)state;
    int64_t m;
    char text[WEIGHT_TEXT_LEN];
    assert_true(weight_parse(NULL, &m));
    assert_int_equal(m, 1000000);
    json_t *w = json_real(1.123456);
    assert_true(weight_parse(w, &m));
    assert_int_equal(m, 1123456);
    weight_format(m, text);
    assert_string_equal(text, "1.123456");
    json_decref(w);
    w = json_real(999.999999);
    assert_true(weight_parse(w, &m));
    assert_int_equal(m, 999999999);
    json_decref(w);
    const double bad[] = {0.0, -1.0, 1000.5, 1.1234567, 0.0000001};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        w = json_real(bad[i]);
        assert_false(weight_parse(w, &m));
        json_decref(w);
    }
    w = json_string("1.5");
    assert_false(weight_parse(w, &m));
    json_decref(w);
    w = json_integer(2);
    assert_true(weight_parse(w, &m));
    assert_int_equal(m, 2000000);
    json_decref(w);
}

/* The same content hashes the same whatever the key order; a change does not. */
static void body_digest_is_canonical(void **state)
{
    (void)state;
    unsigned char a[32], b[32], c[32];
    json_t *x = json_loads("{\"id\":\"1\",\"answers\":{\"q01\":\"yes\",\"q02\":\"no\"}}", 0, NULL);
    json_t *y = json_loads("{ \"answers\": {\"q02\":\"no\", \"q01\":\"yes\"}, \"id\": \"1\" }", 0, NULL);
    json_t *z = json_loads("{\"id\":\"1\",\"answers\":{\"q01\":\"yes\",\"q02\":\"yes\"}}", 0, NULL);
    assert_true(body_digest(x, a) && body_digest(y, b) && body_digest(z, c));
    assert_memory_equal(a, b, 32);
    assert_memory_not_equal(a, c, 32);
    json_decref(x);
    json_decref(y);
    json_decref(z);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(envelope_has_every_attribute),
        cmocka_unit_test(envelope_refuses_incomplete_input),
        cmocka_unit_test(rfc3339_format),
        cmocka_unit_test(derived_ids_are_stable_and_distinct),
        cmocka_unit_test(uuid_validation),
        cmocka_unit_test(weights_are_exact),
        cmocka_unit_test(body_digest_is_canonical),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
