/* hnsctl's HTTP client: libcurl over a unix socket or TCP (optionally TLS
 * with a client certificate). One connection, reused for every request of
 * one hnsctl run. Knows nothing of HNS.
 * Layer: hns-api/hnsctl/, hnsctl, the CLI (a REST client). */
#ifndef HVS_HNSCTL_HTTP_H
#define HVS_HNSCTL_HTTP_H

#include <stddef.h>

struct hc_tls {
	const char *cert_file, *key_file, *ca_file; /* all NULL: plain HTTP */
};

struct hc_http;

/* api: "unix:PATH" or "tcp:HOST:PORT" ("tcp:[::1]:8080" for IPv6).
 * NULL with err if the spec is malformed (nothing is contacted yet). */
struct hc_http *hc_http_open(const char *api, const struct hc_tls *tls,
			     char *err, size_t errlen);
void hc_http_close(struct hc_http *h);

/* Connect and whole-request timeouts in seconds (defaults 5 and 60);
 * hvswitch-cni bounds every call to the daemon with its own. */
void hc_http_set_timeouts(struct hc_http *h, long connect_s, long total_s);

struct hc_response {
	long status;
	char *body; /* malloc'd, NUL-terminated; caller frees */
	size_t len;
};

/* One request. body (JSON text) may be NULL. 0 with *resp filled whatever
 * the HTTP status, or -1 with err when no HTTP answer came back (cannot
 * connect, timeout, ...). */
int hc_http_request(struct hc_http *h, const char *method, const char *path,
		    const char *body, struct hc_response *resp, char *err,
		    size_t errlen);

/* A path segment escaped for a URL ("a b" -> "a%20b"); malloc'd. */
char *hc_url_escape(const char *segment);

#endif
