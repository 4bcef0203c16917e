/* webhook_send.c — one signed webhook POST with libcurl, refusing private targets at connect time */
#include "webhook_send.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <curl/curl.h>

/* What the callbacks of one call share with it (lives on webhook_send's stack). */
struct send_ctx {
    bool allow_private;
    bool refused;                         /* some address was refused */
    char refused_addr[INET6_ADDRSTRLEN];  /* the last one refused, for the message */
    size_t received;                      /* response body bytes read so far */
};

/* Pure: forbidden IPv4 ranges; a is in host byte order. */
static bool ipv4_forbidden(uint32_t a)
{
    return (a >> 24) == 0                        /* 0.0.0.0/8, "this network" (0.0.0.0 reaches the host) */
        || (a >> 24) == 10                       /* 10/8 */
        || (a & 0xFFC00000u) == 0x64400000u      /* 100.64/10, carrier-grade NAT */
        || (a >> 24) == 127                      /* 127/8 loopback */
        || (a & 0xFFFF0000u) == 0xA9FE0000u      /* 169.254/16 link-local (cloud metadata) */
        || (a & 0xFFF00000u) == 0xAC100000u      /* 172.16/12 */
        || (a & 0xFFFFFF00u) == 0xC0000000u      /* 192.0.0/24 IETF protocol assignments */
        || (a & 0xFFFFFF00u) == 0xC0586300u      /* 192.88.99/24 6to4 relay anycast */
        || (a & 0xFFFF0000u) == 0xC0A80000u      /* 192.168/16 */
        || (a & 0xFFFE0000u) == 0xC6120000u      /* 198.18/15 benchmarking */
        || a >= 0xE0000000u;                     /* 224/4 multicast, 240/4 reserved, 255.255.255.255 */
}

/* Pure: the IPv4 address in the last 4 bytes of b, host byte order. */
static uint32_t embedded_ipv4(const unsigned char *b)
{
    return (uint32_t)b[12] << 24 | (uint32_t)b[13] << 16 | (uint32_t)b[14] << 8 | (uint32_t)b[15];
}

/* Pure: forbidden IPv6 ranges, and IPv6 spellings of forbidden IPv4 addresses. */
static bool ipv6_forbidden(const unsigned char b[16])
{
    static const unsigned char zero12[12] = {0};
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
    static const unsigned char nat64[12] = {0x00, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0};
    if (memcmp(b, zero12, 12) == 0)
        return true;                                       /* ::/96: ::, ::1, IPv4-compatible (deprecated) */
    if (memcmp(b, mapped, 12) == 0 || memcmp(b, nat64, 12) == 0)
        return ipv4_forbidden(embedded_ipv4(b));           /* ::ffff:a.b.c.d, 64:ff9b::a.b.c.d */
    if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xFF && b[3] == 0x9B && b[4] == 0x00 && b[5] == 0x01)
        return true;                                       /* 64:ff9b:1::/48 local-use NAT64 (RFC 8215) */
    if (b[0] == 0x20 && b[1] == 0x02) {                    /* 2002::/16 6to4: the IPv4 in bytes 2-5 */
        uint32_t v4 = (uint32_t)b[2] << 24 | (uint32_t)b[3] << 16 | (uint32_t)b[4] << 8 | (uint32_t)b[5];
        if (ipv4_forbidden(v4))
            return true;
    }
    return (b[0] & 0xFE) == 0xFC                           /* fc00::/7 unique local */
        || (b[0] == 0xFE && (b[1] & 0xC0) == 0x80)         /* fe80::/10 link-local */
        || (b[0] == 0xFE && (b[1] & 0xC0) == 0xC0)         /* fec0::/10 site-local (deprecated) */
        || b[0] == 0xFF;                                   /* ff00::/8 multicast */
}

/* Pure; see the header. Reads the address through memcpy, so addr need not be aligned. */
bool webhook_address_forbidden(const struct sockaddr *addr)
{
    if (!addr)
        return true;
    if (addr->sa_family == AF_INET) {
        struct sockaddr_in in;
        memcpy(&in, addr, sizeof in);
        return ipv4_forbidden(ntohl(in.sin_addr.s_addr));
    }
    if (addr->sa_family == AF_INET6) {
        struct sockaddr_in6 in6;
        memcpy(&in6, addr, sizeof in6);
        return ipv6_forbidden(in6.sin6_addr.s6_addr);
    }
    return true;
}

/* CURLOPT_OPENSOCKETFUNCTION: checks the resolved address curl is about to connect to. A
 * forbidden one (or anything but an IPv4/IPv6 connection socket) gets CURL_SOCKET_BAD, so
 * no socket is even created, and is remembered for the result. Otherwise a close-on-exec
 * socket that curl owns from then on (and closes with close()). */
static curl_socket_t open_socket(void *clientp, curlsocktype purpose, struct curl_sockaddr *address)
{
    struct send_ctx *ctx = clientp;
    bool ok_shape = purpose == CURLSOCKTYPE_IPCXN
                 && ((address->family == AF_INET && address->addrlen >= sizeof(struct sockaddr_in))
                     || (address->family == AF_INET6 && address->addrlen >= sizeof(struct sockaddr_in6)));
    if (!ok_shape || (!ctx->allow_private && webhook_address_forbidden(&address->addr))) {
        ctx->refused = true;
        ctx->refused_addr[0] = '\0';
        if (ok_shape) {
            /* memcpy into a properly typed object: curl's buffer is only declared as a struct sockaddr */
            if (address->family == AF_INET) {
                struct sockaddr_in in;
                memcpy(&in, &address->addr, sizeof in);
                inet_ntop(AF_INET, &in.sin_addr, ctx->refused_addr, sizeof ctx->refused_addr);
            } else {
                struct sockaddr_in6 in6;
                memcpy(&in6, &address->addr, sizeof in6);
                inet_ntop(AF_INET6, &in6.sin6_addr, ctx->refused_addr, sizeof ctx->refused_addr);
            }
        }
        return CURL_SOCKET_BAD;
    }
    return socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

/* CURLOPT_WRITEFUNCTION: counts and drops the response body; past the cap it returns 0,
 * which makes curl stop the transfer (CURLE_WRITE_ERROR; the status is already known). */
static size_t discard_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    (void)ptr;
    struct send_ctx *ctx = userdata;
    size_t n = size * nmemb;
    if (n > WEBHOOK_SEND_MAX_RESPONSE - ctx->received)
        return 0;
    ctx->received += n;
    return n;
}

/* Pure: true if s is set, non-empty and free of CR and LF (it goes into a header line). */
static bool header_value_ok(const char *s)
{
    return s && s[0] != '\0' && strpbrk(s, "\r\n") == NULL;
}

/* Appends line to *list (curl copies it). False on allocation failure; *list is then
 * unchanged and still owned by the caller. */
static bool add_line(struct curl_slist **list, const char *line)
{
    struct curl_slist *grown = curl_slist_append(*list, line);
    if (!grown)
        return false;
    *list = grown;
    return true;
}

/* Appends "name: value" to *list, as add_line. */
static bool add_header(struct curl_slist **list, const char *name, const char *value)
{
    size_t len = strlen(name) + 2 + strlen(value) + 1;
    char *line = malloc(len);
    if (!line)
        return false;
    snprintf(line, len, "%s: %s", name, value);
    bool ok = add_line(list, line);
    free(line);
    return ok;
}

/* Pure: true if url starts with http:// or https:// in any case. */
static bool scheme_ok(const char *url)
{
    return url && (strncasecmp(url, "http://", 7) == 0 || strncasecmp(url, "https://", 8) == 0);
}

/* Sets res to "no HTTP answer" with message msg. */
static void fail(struct webhook_result *res, const char *msg)
{
    res->http_status = 0;
    snprintf(res->error, sizeof res->error, "%s", msg);
}

#define SETOPT(h, opt, val)                                          \
    do {                                                             \
        if (curl_easy_setopt((h), (opt), (val)) != CURLE_OK) {       \
            fail(res, "curl refused option " #opt);                  \
            goto out;                                                \
        }                                                            \
    } while (0)

bool webhook_send(const struct webhook_request *req, struct webhook_result *res)
{
    if (!res)
        return false;
    memset(res, 0, sizeof *res);
    if (!req) {
        fail(res, "no request");
        return false;
    }
    if (!scheme_ok(req->url)) {
        fail(res, "URL must start with http:// or https://");
        return false;
    }
    if (!header_value_ok(req->msg_id) || !header_value_ok(req->signature)) {
        fail(res, "webhook-id and webhook-signature must be non-empty, without CR or LF");
        return false;
    }
    if (!req->body && req->body_len > 0) {
        fail(res, "body is NULL with a non-zero length");
        return false;
    }

    bool answered = false;
    struct send_ctx ctx = {.allow_private = req->allow_private};
    char errbuf[CURL_ERROR_SIZE] = "";
    struct curl_slist *headers = NULL;
    CURL *h = curl_easy_init();
    if (!h) {
        fail(res, "curl_easy_init failed");
        return false;
    }

    char ts[32];
    snprintf(ts, sizeof ts, "%lld", req->timestamp);
    if (!add_header(&headers, "Content-Type", "application/json") || !add_header(&headers, "webhook-id", req->msg_id)
        || !add_header(&headers, "webhook-timestamp", ts) || !add_header(&headers, "webhook-signature", req->signature)
        || !add_line(&headers, "Expect:")) {     /* "Expect:" with no value: no 100-continue wait */
        fail(res, "out of memory building headers");
        goto out;
    }

    long timeout = req->timeout_ms > 0 ? req->timeout_ms : WEBHOOK_SEND_TIMEOUT_MS;
    long connect_timeout = timeout < WEBHOOK_SEND_CONNECT_TIMEOUT_MS ? timeout : WEBHOOK_SEND_CONNECT_TIMEOUT_MS;

    SETOPT(h, CURLOPT_ERRORBUFFER, errbuf);
    SETOPT(h, CURLOPT_NOSIGNAL, 1L);
    SETOPT(h, CURLOPT_URL, req->url);
    SETOPT(h, CURLOPT_PROTOCOLS_STR, "http,https");
    SETOPT(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    SETOPT(h, CURLOPT_FOLLOWLOCATION, 0L);
    SETOPT(h, CURLOPT_MAXREDIRS, 0L);
    SETOPT(h, CURLOPT_PROXY, "");                 /* no proxy, not even from http_proxy/https_proxy */
    SETOPT(h, CURLOPT_OPENSOCKETFUNCTION, open_socket);
    SETOPT(h, CURLOPT_OPENSOCKETDATA, &ctx);
    SETOPT(h, CURLOPT_WRITEFUNCTION, discard_body);
    SETOPT(h, CURLOPT_WRITEDATA, &ctx);
    SETOPT(h, CURLOPT_TIMEOUT_MS, timeout);
    SETOPT(h, CURLOPT_CONNECTTIMEOUT_MS, connect_timeout);
    SETOPT(h, CURLOPT_USERAGENT, WEBHOOK_SEND_USER_AGENT);
    SETOPT(h, CURLOPT_HTTPHEADER, headers);
    SETOPT(h, CURLOPT_POST, 1L);
    SETOPT(h, CURLOPT_POSTFIELDS, req->body ? req->body : "");
    SETOPT(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
    SETOPT(h, CURLOPT_SSL_VERIFYPEER, 1L);
    SETOPT(h, CURLOPT_SSL_VERIFYHOST, 2L);
    if (req->ca_file)
        SETOPT(h, CURLOPT_CAINFO, req->ca_file);

    CURLcode rc = curl_easy_perform(h);
    long status = 0;
    if (curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status) != CURLE_OK)
        status = 0;
    if (status >= 200) {
        /* A final status came back: that is the answer, even if the body was then cut off
         * (our cap) or did not finish within the timeout. */
        res->http_status = status;
        res->error[0] = '\0';
        answered = true;
    } else if (ctx.refused) {
        res->refused_address = true;
        res->http_status = 0;
        snprintf(res->error, sizeof res->error,
                 "target address %s is forbidden (loopback, private, link-local or reserved)",
                 ctx.refused_addr[0] ? ctx.refused_addr : "(not IPv4/IPv6)");
    } else {
        fail(res, errbuf[0] ? errbuf : curl_easy_strerror(rc));
    }

out:
    curl_easy_cleanup(h);
    curl_slist_free_all(headers);
    return answered;
}

bool webhook_send_global_init(void)
{
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
}

void webhook_send_global_cleanup(void)
{
    curl_global_cleanup();
}
