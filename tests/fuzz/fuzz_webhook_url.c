/* fuzz_webhook_url.c — libFuzzer target: the webhook URL check (lib/webhook_send.c): the
 * private-address guard webhook_address_forbidden, and webhook_send's refusals.
 * The input's first byte is a mode; the rest is both an address (its first 4 and 16 bytes,
 * zero-padded) and a URL (up to its first NUL).
 *
 * Checked beyond "no crash, no sanitizer report":
 *  - webhook_address_forbidden agrees with a table of the forbidden ranges written here
 *    independently (CIDR text, parsed with inet_pton), for IPv4 and for IPv6, where an
 *    IPv4-mapped (::ffff:0:0/96) or NAT64 (64:ff9b::/96) address and a 6to4 (2002::/16)
 *    one are forbidden with the IPv4 address they hold; NULL and other families are
 *    forbidden;
 *  - a URL that does not start with http:// or https:// is refused without a connection;
 *  - a URL whose host, as libcurl's own URL parser reads it (whatever its spelling: 127.1,
 *    0x7f.0.0.1, [::ffff:127.0.0.1] ...), is an address literal the table forbids, is
 *    refused at connect time (refused_address, no HTTP answer). No other URL is sent, so
 *    the target makes no network traffic; header injection (CR/LF in webhook-id) is
 *    refused before any. */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "webhook_send.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The forbidden ranges (lib/webhook_send.h's list). */
static const char *const V4[] = {
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
    "172.16.0.0/12", "192.0.0.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15",
    "224.0.0.0/4", "240.0.0.0/4", NULL};
static const char *const V6[] = {
    "::/96", "64:ff9b:1::/48", "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8", NULL};

struct cidr {
    unsigned char addr[16];
    int bits;
};
static struct cidr v4[16], v6[16];
static size_t nv4, nv6;

static void fail(const char *what, const char *url)
{
    fprintf(stderr, "fuzz_webhook_url: %s (%s)\n", what, url ? url : "-");
    abort();
}

static void parse_table(const char *const *text, int af, struct cidr *out, size_t *n)
{
    for (; *text; text++) {
        char a[64];
        snprintf(a, sizeof a, "%s", *text);
        char *slash = strchr(a, '/');
        *slash = '\0';
        if (inet_pton(af, a, out[*n].addr) != 1)
            fail("bad table entry", *text);
        out[*n].bits = atoi(slash + 1);
        (*n)++;
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    parse_table(V4, AF_INET, v4, &nv4);
    parse_table(V6, AF_INET6, v6, &nv6);
    if (!webhook_send_global_init())
        fail("curl did not initialise", NULL);
    return 0;
}

static bool in_prefix(const unsigned char *a, const struct cidr *c)
{
    int full = c->bits / 8, rest = c->bits % 8;
    if (memcmp(a, c->addr, (size_t)full) != 0)
        return false;
    if (rest == 0)
        return true;
    unsigned char mask = (unsigned char)(0xFF << (8 - rest));
    return (a[full] & mask) == (c->addr[full] & mask);
}

static bool table4(const unsigned char a[4])
{
    for (size_t i = 0; i < nv4; i++)
        if (in_prefix(a, &v4[i]))
            return true;
    return false;
}

static bool table6(const unsigned char a[16])
{
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
    static const unsigned char nat64[12] = {0, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0};
    for (size_t i = 0; i < nv6; i++)
        if (in_prefix(a, &v6[i]))
            return true;
    if (memcmp(a, mapped, 12) == 0 || memcmp(a, nat64, 12) == 0)
        return table4(a + 12);
    if (a[0] == 0x20 && a[1] == 0x02)
        return table4(a + 2);
    return false;
}

static bool guard4(const unsigned char a[4])
{
    struct sockaddr_in in = {.sin_family = AF_INET};
    memcpy(&in.sin_addr, a, 4);
    return webhook_address_forbidden((const struct sockaddr *)&in);
}

static bool guard6(const unsigned char a[16])
{
    struct sockaddr_in6 in6 = {.sin6_family = AF_INET6};
    memcpy(&in6.sin6_addr, a, 16);
    return webhook_address_forbidden((const struct sockaddr *)&in6);
}

static void check_addresses(const uint8_t *b, size_t n)
{
    unsigned char a[16] = {0};
    memcpy(a, b, n < 16 ? n : 16);
    if (guard4(a) != table4(a))
        fail("the IPv4 guard disagrees with the table", NULL);
    if (guard6(a) != table6(a))
        fail("the IPv6 guard disagrees with the table", NULL);
    /* the IPv4 address in each IPv6 spelling that holds one */
    unsigned char m[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
    memcpy(m + 12, a, 4);
    unsigned char t[16] = {0, 0x64, 0xFF, 0x9B};
    memcpy(t + 12, a, 4);
    unsigned char s[16] = {0x20, 0x02};
    memcpy(s + 2, a, 4);
    memcpy(s + 6, a + 4, 10);
    if (guard6(m) != guard4(a) || guard6(t) != guard4(a) || (guard4(a) && !guard6(s)))
        fail("an IPv6 spelling of an IPv4 address is judged otherwise", NULL);
    struct sockaddr_un un = {.sun_family = AF_UNIX};
    if (!webhook_address_forbidden(NULL) || !webhook_address_forbidden((const struct sockaddr *)&un))
        fail("NULL or AF_UNIX allowed", NULL);
}

/* The URL's host as libcurl reads it, if it is an address literal: its family, else 0. */
static int literal_host(const char *url, unsigned char addr[16])
{
    CURLU *u = curl_url();
    char *host = NULL;
    int af = 0;
    if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK && host) {
        size_t n = strlen(host);
        if (inet_pton(AF_INET, host, addr) == 1) {
            af = AF_INET;
        } else if (n > 2 && host[0] == '[' && host[n - 1] == ']') {
            char inner[64];
            if (n - 2 < sizeof inner) {
                memcpy(inner, host + 1, n - 2);
                inner[n - 2] = '\0';
                if (inet_pton(AF_INET6, inner, addr) == 1)
                    af = AF_INET6;
            }
        }
    }
    curl_free(host);
    curl_url_cleanup(u);
    return af;
}

static void send_refused(const char *url, const char *msg_id, bool want_refused_address)
{
    struct webhook_request req = {.url = url, .msg_id = msg_id, .timestamp = 1700000000,
                                  .signature = "v1,c2lnbmF0dXJl", .body = "{}", .body_len = 2,
                                  .timeout_ms = 2000, .allow_private = false};
    struct webhook_result res;
    bool ok = webhook_send(&req, &res);
    if (ok || res.http_status != 0 || !res.error[0])
        fail("a URL that must be refused was sent", url);
    if (res.refused_address != want_refused_address)
        fail(want_refused_address ? "a forbidden address was not the reason of the refusal"
                                  : "refused for an address it never looked at",
             url);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    check_addresses(data + 1, size - 1);
    char *url = malloc(size);
    if (!url)
        return 0;
    memcpy(url, data + 1, size - 1);
    url[size - 1] = '\0';
    bool scheme = strncasecmp(url, "http://", 7) == 0 || strncasecmp(url, "https://", 8) == 0;
    if (!scheme) {
        send_refused(url, "msg_1", false); /* refused before any network */
    } else if (data[0] & 1) {
        send_refused(url, "msg_1\r\nX-Injected: 1", false); /* header injection */
    } else {
        unsigned char addr[16];
        int af = literal_host(url, addr);
        if ((af == AF_INET && table4(addr)) || (af == AF_INET6 && table6(addr)))
            send_refused(url, "msg_1", true);
    }
    free(url);
    return 0;
}
