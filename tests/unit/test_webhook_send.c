/* test_webhook_send.c — the webhook target address rule and webhook_send's refusals, without network */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <cmocka.h>
#include "webhook_send.h"

/* Parses text as an IPv4 or IPv6 address into *ss (fails the test if it is neither). */
static const struct sockaddr *parse_addr(const char *text, struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *in = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, text, &in->sin_addr) == 1) {
        in->sin_family = AF_INET;
        in->sin_port = htons(443);
    } else if (inet_pton(AF_INET6, text, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(443);
    } else {
        fail_msg("not an address: %s", text);
    }
    return (const struct sockaddr *)ss;
}

static bool forbidden(const char *text)
{
    struct sockaddr_storage ss;
    return webhook_address_forbidden(parse_addr(text, &ss));
}

static void public_addresses_allowed(void **state)
{
    (void)state;
    static const char *const allowed[] = {
        "8.8.8.8", "1.1.1.1", "93.184.216.34", "2001:4860:4860::8888", "2606:4700:4700::1111",
        /* just outside each forbidden IPv4 range */
        "1.0.0.0", "9.255.255.255", "11.0.0.0", "100.63.255.255", "100.128.0.0", "126.255.255.255",
        "128.0.0.0", "169.253.255.255", "169.255.0.0", "172.15.255.255", "172.32.0.0", "191.255.255.255",
        "192.0.1.0", "192.167.255.255", "192.169.0.0", "198.17.255.255", "198.20.0.0", "223.255.255.255",
        /* public IPv4 in mapped and NAT64 form */
        "::ffff:8.8.8.8", "64:ff9b::8.8.8.8", "::ffff:93.184.216.34",
        /* just outside each forbidden IPv6 range */
        "fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "fe00::1", "fe7f::1", "2002:808:808::1", "::1:0:0:1",
        "64:ff9b:0:0:0:1:7f00:1", /* not the /96 (its 5th group is set): an ordinary global address */
    };
    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++) {
        if (forbidden(allowed[i]))
            fail_msg("%s should be allowed", allowed[i]);
    }
}

static void private_addresses_forbidden(void **state)
{
    (void)state;
    static const char *const refused[] = {
        /* IPv4: both ends of every range */
        "0.0.0.0", "0.255.255.255", "10.0.0.0", "10.255.255.255", "100.64.0.0", "100.127.255.255",
        "127.0.0.1", "127.255.255.254", "169.254.0.0", "169.254.169.254", "172.16.0.0", "172.31.255.255",
        "192.0.0.0", "192.0.0.255", "192.168.0.0", "192.168.255.255", "198.18.0.0", "198.19.255.255",
        "224.0.0.1", "239.255.255.255", "240.0.0.0", "254.255.255.255", "255.255.255.255",
        /* IPv6 */
        "::", "::1", "::127.0.0.1", "2002::1", "2002:c0a8:101::1", "2002:7f00:1::1",
        "64:ff9b:1::a00:1", "192.88.99.1", "fc00::", "fd12:3456::1", "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
        "fe80::", "fe80::1", "febf:ffff::1", "fec0::1", "ff00::", "ff02::1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
        /* IPv4-mapped forms of forbidden IPv4 */
        "::ffff:0.0.0.0", "::ffff:10.1.2.3", "::ffff:100.64.0.1", "::ffff:127.0.0.1", "::ffff:169.254.169.254",
        "::ffff:172.16.0.1", "::ffff:192.0.0.8", "::ffff:192.168.1.1", "::ffff:198.18.0.1", "::ffff:224.0.0.1",
        "::ffff:240.0.0.1", "::ffff:255.255.255.255",
        /* NAT64 well-known prefix forms of forbidden IPv4 */
        "64:ff9b::0.0.0.0", "64:ff9b::10.0.0.1", "64:ff9b::100.64.0.1", "64:ff9b::127.0.0.1",
        "64:ff9b::169.254.169.254", "64:ff9b::172.31.0.1", "64:ff9b::192.0.0.1", "64:ff9b::192.168.0.1",
        "64:ff9b::198.19.0.1", "64:ff9b::239.0.0.1", "64:ff9b::250.0.0.1", "64:ff9b::255.255.255.255",
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        if (!forbidden(refused[i]))
            fail_msg("%s should be forbidden", refused[i]);
    }
}

static void other_families_forbidden(void **state)
{
    (void)state;
    assert_true(webhook_address_forbidden(NULL));
    struct sockaddr_un un;
    memset(&un, 0, sizeof un);
    un.sun_family = AF_UNIX;
    strcpy(un.sun_path, "/run/postgresql/.s.PGSQL.5432");
    assert_true(webhook_address_forbidden((const struct sockaddr *)&un));
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    ss.ss_family = AF_UNSPEC;
    assert_true(webhook_address_forbidden((const struct sockaddr *)&ss));
}

static struct webhook_request base_request(const char *url)
{
    static const char body[] = "{\"type\":\"indicator.updated\"}";
    struct webhook_request req = {
        .url = url,
        .msg_id = "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W",
        .timestamp = 1700000000LL,
        .signature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
        .body = body,
        .body_len = sizeof body - 1,
        .timeout_ms = 2000,
        .allow_private = false,
        .ca_file = NULL,
    };
    return req;
}

/* Fails the send and checks that res says "no answer", with an error, not a refused address. */
static void expect_refused_request(const struct webhook_request *req)
{
    struct webhook_result res;
    memset(&res, 0x5A, sizeof res);
    assert_false(webhook_send(req, &res));
    assert_int_equal(res.http_status, 0);
    assert_false(res.refused_address);
    assert_true(res.error[0] != '\0');
    assert_non_null(memchr(res.error, '\0', sizeof res.error));
}

static void non_http_urls_refused(void **state)
{
    (void)state;
    static const char *const urls[] = {
        "file:///etc/passwd", "gopher://127.0.0.1:70/_GET", "ftp://example.org/", "dict://127.0.0.1:11211/stats",
        "ldap://127.0.0.1/", "scp://host/file", "127.0.0.1:9/", "//127.0.0.1/", "", " http://127.0.0.1/",
        "httpx://127.0.0.1/", "http:/127.0.0.1/",
    };
    for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++) {
        struct webhook_request req = base_request(urls[i]);
        expect_refused_request(&req);
        req.allow_private = true; /* the operator setting does not open other schemes */
        expect_refused_request(&req);
    }
    struct webhook_request req = base_request(NULL);
    expect_refused_request(&req);
}

static void bad_fields_refused(void **state)
{
    (void)state;
    struct webhook_request req = base_request("http://127.0.0.1:9/");
    req.allow_private = true; /* refused before any connection is tried, so allowing loopback is safe */
    req.msg_id = "msg_1\r\nX-Injected: 1";
    expect_refused_request(&req);
    req.msg_id = "";
    expect_refused_request(&req);
    req.msg_id = NULL;
    expect_refused_request(&req);
    req = base_request("http://127.0.0.1:9/");
    req.allow_private = true;
    req.signature = "v1,abc\nX-Injected: 1";
    expect_refused_request(&req);
    req.signature = NULL;
    expect_refused_request(&req);
    req = base_request("http://127.0.0.1:9/");
    req.allow_private = true;
    req.body = NULL;
    expect_refused_request(&req);

    struct webhook_result res;
    assert_false(webhook_send(NULL, &res));
    assert_int_equal(res.http_status, 0);
    assert_true(res.error[0] != '\0');
    req = base_request("http://127.0.0.1:9/");
    assert_false(webhook_send(&req, NULL));
}

/* Loopback and private targets, however the URL spells them, are refused in the open-socket
 * callback: no socket is created, so nothing is sent anywhere. */
static void private_targets_refused_at_connect(void **state)
{
    (void)state;
    static const char *const urls[] = {
        "http://127.0.0.1:9/", "HTTP://127.0.0.1:9/", "https://127.0.0.1:9/", "http://localhost:9/",
        "http://[::1]:9/", "http://[::ffff:127.0.0.1]:9/", "http://[64:ff9b::7f00:1]:9/", "http://0.0.0.0:9/",
        "http://2130706433:9/", "http://0x7f.1:9/", "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1:9/", "http://[fe80::1]:9/",
    };
    for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++) {
        struct webhook_request req = base_request(urls[i]);
        struct webhook_result res;
        memset(&res, 0x5A, sizeof res);
        bool sent = webhook_send(&req, &res);
        if (sent || !res.refused_address)
            fail_msg("%s: sent=%d refused=%d error=%s", urls[i], sent, res.refused_address, res.error);
        assert_int_equal(res.http_status, 0);
        assert_non_null(strstr(res.error, "forbidden"));
    }
}

static int setup(void **state)
{
    (void)state;
    return webhook_send_global_init() ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    webhook_send_global_cleanup();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(public_addresses_allowed),
        cmocka_unit_test(private_addresses_forbidden),
        cmocka_unit_test(other_families_forbidden),
        cmocka_unit_test(non_http_urls_refused),
        cmocka_unit_test(bad_fields_refused),
        cmocka_unit_test(private_targets_refused_at_connect),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
