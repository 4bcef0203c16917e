/* test_webhook_sig.c — Standard Webhooks signing and verification against the published example */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "webhook_sig.h"

/* The example of the Standard Webhooks reference libraries: standard-webhooks/standard-webhooks,
 * libraries/python/tests/test_webhooks.py, test_sign_function (the same vector is in the
 * JavaScript, Go, ... test suites of that repository). */
#define SPEC_SECRET "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
#define SPEC_ID "msg_p5jXN8AQM9LWM0D4loKWxJek"
#define SPEC_TS 1614265330LL
#define SPEC_BODY "{\"test\": 2432232314}"
#define SPEC_SIG "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

#define BODY "{\"type\":\"indicator.updated\",\"n\":42}"
#define ID "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W"
#define TS 1700000000LL

static bool verify1(const char *secret, const char *id, long long ts, const char *body, const char *header,
                    long long now)
{
    const char *secrets[] = {secret};
    return webhook_verify(secrets, 1, id, ts, body, strlen(body), header, now, WEBHOOK_TOLERANCE_S);
}

static void sign_with_secret(const char *secret, const char *id, long long ts, const char *body,
                             char sig[WEBHOOK_SIGNATURE_LEN])
{
    unsigned char key[WEBHOOK_KEY_MAX];
    size_t keylen = 0;
    assert_true(webhook_secret_decode(secret, key, sizeof key, &keylen));
    assert_true(webhook_sign(key, keylen, id, ts, body, strlen(body), sig, WEBHOOK_SIGNATURE_LEN));
}

static void spec_example(void **state)
{
    (void)state;
    unsigned char key[WEBHOOK_KEY_MAX];
    size_t keylen = 0;
    char sig[WEBHOOK_SIGNATURE_LEN];
    assert_true(webhook_secret_decode(SPEC_SECRET, key, sizeof key, &keylen));
    assert_int_equal(keylen, 24);
    assert_true(webhook_sign(key, keylen, SPEC_ID, SPEC_TS, SPEC_BODY, strlen(SPEC_BODY), sig, sizeof sig));
    assert_string_equal(sig, SPEC_SIG);
    assert_int_equal(strlen(sig), WEBHOOK_SIGNATURE_LEN - 1);

    const char *secrets[] = {SPEC_SECRET};
    char header[WEBHOOK_SIGNATURE_LEN];
    assert_true(webhook_sign_header(secrets, 1, SPEC_ID, SPEC_TS, SPEC_BODY, strlen(SPEC_BODY), header,
                                    sizeof header));
    assert_string_equal(header, SPEC_SIG);
    assert_true(verify1(SPEC_SECRET, SPEC_ID, SPEC_TS, SPEC_BODY, SPEC_SIG, SPEC_TS));
    /* The reference suite's test_invalid_signature: the last character changed. */
    assert_false(verify1(SPEC_SECRET, SPEC_ID, SPEC_TS, SPEC_BODY,
                         "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA=", SPEC_TS));
}

/* Vectors computed independently with Python's hmac/base64: the body holds a NUL byte and a
 * dot (bodylen is honoured, not strlen), the timestamp is printed as given, even negative,
 * and an empty body is signed as "{id}.{ts}.". */
static void binary_body_and_empty_body(void **state)
{
    (void)state;
    unsigned char k26[26], k25[25];
    for (unsigned i = 0; i < sizeof k26; i++)
        k26[i] = (unsigned char)i;
    memcpy(k25, k26, sizeof k25);
    char sig[WEBHOOK_SIGNATURE_LEN];
    assert_true(webhook_sign(k26, sizeof k26, "evt_01", -5, "a\0b.c", 5, sig, sizeof sig));
    assert_string_equal(sig, "v1,EMh8EHGbdEfvg3njArKCy4+tMThzjQf9yxhkh+s5bek=");
    assert_true(webhook_sign(k25, sizeof k25, "evt_02", 0, NULL, 0, sig, sizeof sig));
    assert_string_equal(sig, "v1,A5UGtYevHimEQJJWmMXaDJ/auW9dej1mNdYn8mD8F0w=");
    assert_true(webhook_sign(k25, sizeof k25, "evt_02", 0, "", 0, sig, sizeof sig));
    assert_string_equal(sig, "v1,A5UGtYevHimEQJJWmMXaDJ/auW9dej1mNdYn8mD8F0w=");
}

static void verify_accepts_and_detects_changes(void **state)
{
    (void)state;
    char secret[WEBHOOK_SECRET_LEN], sig[WEBHOOK_SIGNATURE_LEN];
    assert_true(webhook_secret_generate(secret, sizeof secret));
    sign_with_secret(secret, ID, TS, BODY, sig);
    assert_true(verify1(secret, ID, TS, BODY, sig, TS + 10));
    assert_false(verify1(secret, ID, TS, "{\"type\":\"indicator.updated\",\"n\":43}", sig, TS));
    assert_false(verify1(secret, ID, TS, BODY " ", sig, TS));
    assert_false(verify1(secret, "msg_2KWPBgLlAfxdpx2AI54pPJ85f4X", TS, BODY, sig, TS));
    assert_false(verify1(secret, ID, TS + 1, BODY, sig, TS));
    /* A different secret does not verify it either. */
    assert_false(verify1(SPEC_SECRET, ID, TS, BODY, sig, TS));
}

static void verify_tolerance(void **state)
{
    (void)state;
    char sig[WEBHOOK_SIGNATURE_LEN];
    sign_with_secret(SPEC_SECRET, ID, TS, BODY, sig);
    assert_true(verify1(SPEC_SECRET, ID, TS, BODY, sig, TS + WEBHOOK_TOLERANCE_S));
    assert_true(verify1(SPEC_SECRET, ID, TS, BODY, sig, TS - WEBHOOK_TOLERANCE_S));
    assert_false(verify1(SPEC_SECRET, ID, TS, BODY, sig, TS + WEBHOOK_TOLERANCE_S + 1)); /* too old */
    assert_false(verify1(SPEC_SECRET, ID, TS, BODY, sig, TS - WEBHOOK_TOLERANCE_S - 1)); /* from the future */

    const char *secrets[] = {SPEC_SECRET};
    size_t n = strlen(BODY);
    assert_true(webhook_verify(secrets, 1, ID, TS, BODY, n, sig, TS + 10, 10));
    assert_false(webhook_verify(secrets, 1, ID, TS, BODY, n, sig, TS + 11, 10));
    assert_true(webhook_verify(secrets, 1, ID, TS, BODY, n, sig, TS, 0));
    assert_false(webhook_verify(secrets, 1, ID, TS, BODY, n, sig, TS, -1));
    /* The extremes of long long do not overflow (UBSan watches this). */
    assert_false(webhook_verify(secrets, 1, ID, LLONG_MIN, BODY, n, sig, LLONG_MAX, LLONG_MAX));
    assert_false(webhook_verify(secrets, 1, ID, LLONG_MAX, BODY, n, sig, LLONG_MIN, WEBHOOK_TOLERANCE_S));
}

/* Rotation as the receiver sees it: the header carries the old and the new signature. */
static void rotation(void **state)
{
    (void)state;
    char old_secret[WEBHOOK_SECRET_LEN], new_secret[WEBHOOK_SECRET_LEN];
    assert_true(webhook_secret_generate(old_secret, sizeof old_secret));
    assert_true(webhook_secret_generate(new_secret, sizeof new_secret));

    /* The header's second signature is the only one that matches. */
    char old_sig[WEBHOOK_SIGNATURE_LEN], new_sig[WEBHOOK_SIGNATURE_LEN];
    sign_with_secret(old_secret, ID, TS, BODY, old_sig);
    sign_with_secret(new_secret, ID, TS, BODY, new_sig);
    char header[3 * WEBHOOK_SIGNATURE_LEN];
    snprintf(header, sizeof header, "%s %s", old_sig, new_sig);
    assert_true(verify1(new_secret, ID, TS, BODY, header, TS));
    assert_true(verify1(old_secret, ID, TS, BODY, header, TS));
    snprintf(header, sizeof header, "v1a,%s  %s", old_sig + 3, new_sig); /* other versions, extra space */
    assert_true(verify1(new_secret, ID, TS, BODY, header, TS));
    assert_false(verify1(old_secret, ID, TS, BODY, header, TS));

    /* webhook_sign_header produces exactly "old new", which either receiver accepts. */
    const char *both[] = {old_secret, new_secret};
    char built[2 * WEBHOOK_SIGNATURE_LEN];
    assert_true(webhook_sign_header(both, 2, ID, TS, BODY, strlen(BODY), built, sizeof built));
    snprintf(header, sizeof header, "%s %s", old_sig, new_sig);
    assert_string_equal(built, header);
    assert_true(verify1(old_secret, ID, TS, BODY, built, TS));
    assert_true(verify1(new_secret, ID, TS, BODY, built, TS));

    /* The receiver holds two secrets, the first one old; the sender already signs with the new one. */
    assert_true(webhook_verify(both, 2, ID, TS, BODY, strlen(BODY), new_sig, TS, WEBHOOK_TOLERANCE_S));
    assert_true(webhook_verify(both, 2, ID, TS, BODY, strlen(BODY), old_sig, TS, WEBHOOK_TOLERANCE_S));
    /* A configured secret that does not decode is skipped, not fatal. */
    const char *with_bad[] = {"whsec_not base64", new_secret};
    assert_true(webhook_verify(with_bad, 2, ID, TS, BODY, strlen(BODY), new_sig, TS, WEBHOOK_TOLERANCE_S));
    assert_false(webhook_verify(with_bad, 1, ID, TS, BODY, strlen(BODY), new_sig, TS, WEBHOOK_TOLERANCE_S));
    assert_false(webhook_verify(both, 0, ID, TS, BODY, strlen(BODY), new_sig, TS, WEBHOOK_TOLERANCE_S));
}

static void malformed_headers(void **state)
{
    (void)state;
    const char *s = SPEC_SECRET;
    const char *bad[] = {
        "v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",  /* right signature, wrong version */
        "v1a,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", /* the asymmetric scheme's identifier */
        "V1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
        "v1,",
        "v1",
        "",
        " ",
        "v1,!!not*base64!!",
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE",    /* padding dropped */
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE==",  /* padding doubled */
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=x",
        "v1, g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",  /* split into two entries */
        "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",      /* no version */
        "v1,g0hM9SsE-OTPJTGt_tmIKtSyZlE3uFJELVlNIOLJ1OE=",  /* URL-safe alphabet */
        "v1,G0HM9SSE+OTPJTGT/TMIKTSYZLE3UFJELVLNIOLJ1OE=",
        "v1,,v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(verify1(s, SPEC_ID, SPEC_TS, SPEC_BODY, bad[i], SPEC_TS));
    /* A garbage entry beside the right one does not spoil it. */
    assert_true(verify1(s, SPEC_ID, SPEC_TS, SPEC_BODY, "v1,!!! v2,x " SPEC_SIG " v1,", SPEC_TS));
    assert_true(verify1(s, SPEC_ID, SPEC_TS, SPEC_BODY, "  " SPEC_SIG "\t", SPEC_TS));
    const char *secrets[] = {s};
    assert_false(webhook_verify(secrets, 1, SPEC_ID, SPEC_TS, SPEC_BODY, strlen(SPEC_BODY), NULL, SPEC_TS, 300));
    assert_false(webhook_verify(NULL, 1, SPEC_ID, SPEC_TS, SPEC_BODY, strlen(SPEC_BODY), SPEC_SIG, SPEC_TS, 300));
}

static void generated_secrets(void **state)
{
    (void)state;
    char a[WEBHOOK_SECRET_LEN], b[WEBHOOK_SECRET_LEN];
    assert_true(webhook_secret_generate(a, sizeof a));
    assert_true(webhook_secret_generate(b, sizeof b));
    assert_int_equal(strlen(a), WEBHOOK_SECRET_LEN - 1);
    assert_memory_equal(a, "whsec_", 6);
    assert_string_not_equal(a, b);
    unsigned char ka[WEBHOOK_KEY_MAX], kb[WEBHOOK_KEY_MAX];
    size_t la = 0, lb = 0;
    assert_true(webhook_secret_decode(a, ka, sizeof ka, &la));
    assert_true(webhook_secret_decode(b, kb, sizeof kb, &lb));
    assert_int_equal(la, WEBHOOK_SECRET_BYTES);
    assert_int_equal(lb, WEBHOOK_SECRET_BYTES);
    assert_memory_not_equal(ka, kb, WEBHOOK_SECRET_BYTES);
    /* The exact capacity is enough although the encoding ends in padding. */
    unsigned char exact[WEBHOOK_SECRET_BYTES];
    assert_true(webhook_secret_decode(a, exact, sizeof exact, &la));
    assert_memory_equal(exact, ka, WEBHOOK_SECRET_BYTES);
}

static void secret_forms(void **state)
{
    (void)state;
    unsigned char k1[WEBHOOK_KEY_MAX], k2[WEBHOOK_KEY_MAX];
    size_t l1 = 0, l2 = 0;
    assert_true(webhook_secret_decode(SPEC_SECRET, k1, sizeof k1, &l1));
    assert_true(webhook_secret_decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", k2, sizeof k2, &l2));
    assert_int_equal(l1, l2);
    assert_memory_equal(k1, k2, l1);

    /* Padding is not counted as key: 25 bytes end in "==", 26 in "=". */
    unsigned char want[26];
    for (unsigned i = 0; i < sizeof want; i++)
        want[i] = (unsigned char)i;
    assert_true(webhook_secret_decode("whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGA==", k1, sizeof k1, &l1));
    assert_int_equal(l1, 25);
    assert_memory_equal(k1, want, 25);
    assert_true(webhook_secret_decode("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBk=", k1, sizeof k1, &l1));
    assert_int_equal(l1, 26);
    assert_memory_equal(k1, want, 26);
}

static void bad_secrets(void **state)
{
    (void)state;
    const char *bad[] = {
        "",
        "whsec_",
        "whsec_AAAA",                                 /* 3 bytes: under the 24-byte minimum */
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS",      /* not a multiple of 4 */
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS!",     /* not in the alphabet */
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw ",    /* EVP_DecodeBlock would trim this */
        " whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "whsec_MfKQ9r8GKYqr TwjUPD8ILPZIo2LaLaSw",
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLa\nw",
        "whsec_MfKQ9r8GKYqrTwjU=D8ILPZIo2LaLaSw",     /* padding inside */
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLa=w",
        "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXG===",
        "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGA",   /* padding left off */
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLa-_",     /* URL-safe alphabet */
        "whsec_whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "WHSEC_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "whsk_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    };
    unsigned char key[WEBHOOK_KEY_MAX];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        size_t keylen = 99;
        assert_false(webhook_secret_decode(bad[i], key, sizeof key, &keylen));
        assert_int_equal(keylen, 0);
    }
    size_t keylen = 0;
    assert_false(webhook_secret_decode(NULL, key, sizeof key, &keylen));
    assert_false(webhook_secret_decode(SPEC_SECRET, NULL, sizeof key, &keylen));
    assert_false(webhook_secret_decode(SPEC_SECRET, key, sizeof key, NULL));

    /* A bad secret fails the whole header rather than being left out. */
    const char *secrets[] = {SPEC_SECRET, "whsec_AAAA"};
    char header[2 * WEBHOOK_SIGNATURE_LEN];
    assert_false(webhook_sign_header(secrets, 2, ID, TS, BODY, strlen(BODY), header, sizeof header));
    assert_string_equal(header, "");
    assert_false(webhook_sign_header(secrets, 0, ID, TS, BODY, strlen(BODY), header, sizeof header));
}

/* Ids with a dot could be re-split against the timestamp and body under the same signature. */
static void sign_refuses_bad_input(void **state)
{
    (void)state;
    unsigned char key[WEBHOOK_KEY_MAX];
    size_t keylen = 0;
    assert_true(webhook_secret_decode(SPEC_SECRET, key, sizeof key, &keylen));
    char sig[WEBHOOK_SIGNATURE_LEN];
    assert_false(webhook_sign(key, keylen, "a.1", 2, "x", 1, sig, sizeof sig));
    assert_string_equal(sig, "");
    assert_false(webhook_sign(key, keylen, "", TS, BODY, strlen(BODY), sig, sizeof sig));
    assert_false(webhook_sign(key, keylen, NULL, TS, BODY, strlen(BODY), sig, sizeof sig));
    assert_false(webhook_sign(key, keylen, ID, TS, NULL, 3, sig, sizeof sig));
    assert_false(webhook_sign(key, WEBHOOK_KEY_MIN - 1, ID, TS, BODY, strlen(BODY), sig, sizeof sig));
    assert_false(webhook_sign(NULL, keylen, ID, TS, BODY, strlen(BODY), sig, sizeof sig));
    /* The receiver refuses such an id as well, whatever the header says. */
    assert_false(verify1(SPEC_SECRET, "a.1", 2, "x", SPEC_SIG, 2));
}

static void small_buffers(void **state)
{
    (void)state;
    enum { GUARD = 8 };
    unsigned char key[WEBHOOK_KEY_MAX];
    size_t keylen = 0;
    assert_true(webhook_secret_decode(SPEC_SECRET, key, sizeof key, &keylen));

    /* Each buffer is followed by guard bytes that must stay untouched. */
    char buf[2 * WEBHOOK_SIGNATURE_LEN + GUARD];
    memset(buf, 'G', sizeof buf);
    assert_false(webhook_sign(key, keylen, ID, TS, BODY, strlen(BODY), buf, WEBHOOK_SIGNATURE_LEN - 1));
    assert_int_equal(buf[0], '\0');
    for (size_t i = WEBHOOK_SIGNATURE_LEN - 1; i < sizeof buf; i++)
        assert_int_equal(buf[i], 'G');
    assert_false(webhook_sign(key, keylen, ID, TS, BODY, strlen(BODY), buf, 0));
    assert_false(webhook_sign(key, keylen, ID, TS, BODY, strlen(BODY), NULL, 100));

    memset(buf, 'G', sizeof buf);
    assert_false(webhook_secret_generate(buf, WEBHOOK_SECRET_LEN - 1));
    for (size_t i = WEBHOOK_SECRET_LEN - 1; i < sizeof buf; i++)
        assert_int_equal(buf[i], 'G');
    assert_false(webhook_secret_generate(NULL, WEBHOOK_SECRET_LEN));

    char second[WEBHOOK_SECRET_LEN];
    assert_true(webhook_secret_generate(second, sizeof second));
    const char *secrets[] = {SPEC_SECRET, second};
    memset(buf, 'G', sizeof buf);
    assert_false(webhook_sign_header(secrets, 2, ID, TS, BODY, strlen(BODY), buf, 2 * WEBHOOK_SIGNATURE_LEN - 1));
    assert_int_equal(buf[0], '\0');
    for (size_t i = 2 * WEBHOOK_SIGNATURE_LEN - 1; i < sizeof buf; i++)
        assert_int_equal(buf[i], 'G');
    assert_true(webhook_sign_header(secrets, 2, ID, TS, BODY, strlen(BODY), buf, 2 * WEBHOOK_SIGNATURE_LEN));
    assert_int_equal(strlen(buf), 2 * WEBHOOK_SIGNATURE_LEN - 1);

    /* A 32-byte key into 31 bytes of room is refused; nothing lands past cap. */
    unsigned char small[WEBHOOK_SECRET_BYTES + GUARD];
    memset(small, 0xA5, sizeof small);
    size_t len = 99;
    assert_false(webhook_secret_decode(second, small, WEBHOOK_SECRET_BYTES - 1, &len));
    assert_int_equal(len, 0);
    for (size_t i = WEBHOOK_SECRET_BYTES - 1; i < sizeof small; i++)
        assert_int_equal(small[i], 0xA5);
    /* 25 bytes whose encoding ends in "==" fill exactly 25 bytes, not the 27 EVP_DecodeBlock reports. */
    memset(small, 0xA5, sizeof small);
    assert_true(webhook_secret_decode("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGA==", small, 25, &len));
    assert_int_equal(len, 25);
    for (size_t i = 25; i < sizeof small; i++)
        assert_int_equal(small[i], 0xA5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(spec_example),
        cmocka_unit_test(binary_body_and_empty_body),
        cmocka_unit_test(verify_accepts_and_detects_changes),
        cmocka_unit_test(verify_tolerance),
        cmocka_unit_test(rotation),
        cmocka_unit_test(malformed_headers),
        cmocka_unit_test(generated_secrets),
        cmocka_unit_test(secret_forms),
        cmocka_unit_test(bad_secrets),
        cmocka_unit_test(sign_refuses_bad_input),
        cmocka_unit_test(small_buffers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
