/* webhook_send.h — delivering one webhook over HTTP(S) with libcurl */
#ifndef CDM_WEBHOOK_SEND_H
#define CDM_WEBHOOK_SEND_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#define WEBHOOK_SEND_TIMEOUT_MS 10000          /* used when timeout_ms <= 0 */
#define WEBHOOK_SEND_CONNECT_TIMEOUT_MS 5000   /* connect phase: at most this, and at most timeout_ms */
#define WEBHOOK_SEND_MAX_RESPONSE 65536        /* response body bytes read (and discarded) at most */
#define WEBHOOK_SEND_USER_AGENT "cdmeasure-webhooks/1"

struct webhook_request {
    const char *url;          /* http:// or https:// only */
    const char *msg_id;       /* webhook-id header */
    long long timestamp;      /* webhook-timestamp header (seconds) */
    const char *signature;    /* webhook-signature header value, e.g. "v1,... v1,..." */
    const char *body;         /* JSON, sent as application/json */
    size_t body_len;
    long timeout_ms;          /* whole request, bounded (e.g. 10000); <= 0 means WEBHOOK_SEND_TIMEOUT_MS */
    bool allow_private;       /* operator setting: allow loopback/private/link-local targets (tests need loopback) */
    const char *ca_file;      /* extra CA bundle (PEM) to trust, or NULL for the system's */
};

struct webhook_result {
    long http_status;         /* 0 when no HTTP answer */
    bool refused_address;     /* the target resolved to a forbidden address (and no HTTP answer came) */
    char error[256];          /* curl's message or ours, "" on an HTTP answer */
};

/* Sends the request; true if an HTTP answer came back (any status >= 200), false on a
 * transport failure, a refused address or a refused request (see res). Thread-safe: one easy
 * handle per call, CURLOPT_NOSIGNAL, no redirects followed (a 3xx is reported as its status),
 * http and https only (also after the URL is parsed), no proxy (the environment's *_proxy
 * variables are ignored, since a proxy would hide the target's address from the check),
 * peer and host verification always on, response body read up to WEBHOOK_SEND_MAX_RESPONSE
 * bytes and discarded (a longer one is cut off and still counts as the answer it is),
 * User-Agent "cdmeasure-webhooks/1", no "Expect: 100-continue".
 *
 * Every address curl is about to connect to (after DNS, whatever the URL's spelling of the
 * host) goes through webhook_address_forbidden unless req->allow_private; a forbidden one
 * gets no socket at all. When the call then fails, res->refused_address is true and
 * res->error names the address.
 *
 * Refused without any network activity (false, http_status 0, error says why): req or res
 * NULL (res is then left alone), a URL that does not start with http:// or https://
 * (case-insensitive), msg_id or signature NULL, empty or containing CR/LF (header
 * injection), body NULL with body_len > 0.
 *
 * ca_file, when set, is CURLOPT_CAINFO; on Debian's GnuTLS build curl also keeps its default
 * CA path /etc/ssl/certs, so the file adds to the system's CAs. The caller owns req and its
 * strings, which are only read during the call; res is written in full. Call
 * webhook_send_global_init once before any thread calls this. */
bool webhook_send(const struct webhook_request *req, struct webhook_result *res);

/* curl_global_init(CURL_GLOBAL_DEFAULT): once, from main, before any thread exists (it is not
 * thread-safe). False if curl failed to initialise; do not send webhooks then. */
bool webhook_send_global_init(void);

/* curl_global_cleanup(): once, from main, after every sending thread has finished. */
void webhook_send_global_cleanup(void);

/* Pure: is this address forbidden as a webhook target unless allow_private?
 * IPv4: 0.0.0.0/8, 10/8, 100.64/10, 127/8, 169.254/16, 172.16/12, 192.0.0/24, 192.168/16,
 * 198.18/15, 224/4, 240/4 (which holds 255.255.255.255);
 * IPv6: ::/96 (::, ::1 and the deprecated IPv4-compatible form), fc00::/7, fe80::/10,
 * fec0::/10 (deprecated site-local), ff00::/8, and IPv4-mapped (::ffff:a.b.c.d) / NAT64
 * well-known prefix 64:ff9b::/96 forms of a forbidden IPv4 address.
 * NULL and every other address family (AF_UNIX, ...) are forbidden. addr must point to a
 * struct sockaddr_in for AF_INET and a struct sockaddr_in6 for AF_INET6. */
bool webhook_address_forbidden(const struct sockaddr *addr);
#endif
