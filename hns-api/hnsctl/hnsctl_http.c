/* hnsctl's HTTP client on libcurl (hnsctl_http.h). A unix socket is
 * reached with CURLOPT_UNIX_SOCKET_PATH and a dummy host name in the URL. */
#include "hnsctl_http.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#define HC_CONNECT_TIMEOUT_S 5L
#define HC_TIMEOUT_S 60L
#define HC_MAX_RESPONSE (256u * 1024 * 1024)

struct hc_http {
	CURL *curl;
	char *base_url;   /* "http://localhost" or "https://HOST:PORT" */
	char *unix_path;  /* NULL for TCP */
	struct curl_slist *headers;
};

struct buf {
	char *data;
	size_t len, cap;
	bool too_big;
};

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct buf *b = arg;
	size_t n = size * nmemb;

	if (b->len + n + 1 > HC_MAX_RESPONSE) {
		b->too_big = true;
		return 0;
	}
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *d;

		while (cap < b->len + n + 1)
			cap *= 2;
		d = realloc(b->data, cap);
		if (d == NULL)
			return 0;
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, ptr, n);
	b->len += n;
	b->data[b->len] = '\0';
	return n;
}

/* "HOST:PORT" -> "HOST:PORT"; "::1:80" (bare IPv6) -> "[::1]:80". */
static int tcp_authority(const char *hp, char *out, size_t len)
{
	const char *colon = strrchr(hp, ':');
	const char *port;
	char *end;
	long p;

	if (colon == NULL || colon == hp)
		return -1;
	port = colon + 1;
	p = strtol(port, &end, 10);
	if (*port == '\0' || *end != '\0' || p < 1 || p > 65535)
		return -1;
	if (hp[0] == '[' || memchr(hp, ':', (size_t)(colon - hp)) == NULL)
		snprintf(out, len, "%s", hp);
	else
		snprintf(out, len, "[%.*s]:%s", (int)(colon - hp), hp, port);
	return 0;
}

struct hc_http *hc_http_open(const char *api, const struct hc_tls *tls,
			     char *err, size_t errlen)
{
	bool use_tls = tls && (tls->cert_file || tls->key_file || tls->ca_file);
	struct hc_http *h = calloc(1, sizeof(*h));
	char base[512];

	if (h == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (strncmp(api, "unix:", 5) == 0 && api[5] != '\0') {
		if (use_tls) {
			snprintf(err, errlen, "%s: TLS is for tcp: listeners only",
				 api);
			goto fail;
		}
		h->unix_path = strdup(api + 5);
		snprintf(base, sizeof(base), "http://localhost");
	} else if (strncmp(api, "tcp:", 4) == 0) {
		char auth[300];

		if (tcp_authority(api + 4, auth, sizeof(auth)) < 0) {
			snprintf(err, errlen, "%s: expected tcp:HOST:PORT", api);
			goto fail;
		}
		snprintf(base, sizeof(base), "%s://%s",
			 use_tls ? "https" : "http", auth);
	} else {
		snprintf(err, errlen,
			 "%s: expected unix:PATH or tcp:HOST:PORT", api);
		goto fail;
	}
	h->base_url = strdup(base);
	h->curl = curl_easy_init();
	if (h->base_url == NULL || h->curl == NULL) {
		snprintf(err, errlen, "cannot initialise libcurl");
		goto fail;
	}
	h->headers = curl_slist_append(NULL, "Content-Type: application/json");
	h->headers = curl_slist_append(h->headers, "Accept: application/json");
	/* No "Expect: 100-continue" round trip for larger bodies. */
	h->headers = curl_slist_append(h->headers, "Expect:");

	CURL *c = h->curl;

	if (h->unix_path)
		curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, h->unix_path);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h->headers);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, HC_CONNECT_TIMEOUT_S);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, HC_TIMEOUT_S);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	/* Never go through an http_proxy from the environment. */
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	if (use_tls) {
		if (tls->cert_file)
			curl_easy_setopt(c, CURLOPT_SSLCERT, tls->cert_file);
		if (tls->key_file)
			curl_easy_setopt(c, CURLOPT_SSLKEY, tls->key_file);
		if (tls->ca_file)
			curl_easy_setopt(c, CURLOPT_CAINFO, tls->ca_file);
	}
	return h;
fail:
	hc_http_close(h);
	return NULL;
}

void hc_http_close(struct hc_http *h)
{
	if (h == NULL)
		return;
	if (h->curl)
		curl_easy_cleanup(h->curl);
	curl_slist_free_all(h->headers);
	free(h->base_url);
	free(h->unix_path);
	free(h);
}

void hc_http_set_timeouts(struct hc_http *h, long connect_s, long total_s)
{
	curl_easy_setopt(h->curl, CURLOPT_CONNECTTIMEOUT, connect_s);
	curl_easy_setopt(h->curl, CURLOPT_TIMEOUT, total_s);
}

int hc_http_request(struct hc_http *h, const char *method, const char *path,
		    const char *body, struct hc_response *resp, char *err,
		    size_t errlen)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	struct buf b = {0};
	CURL *c = h->curl;
	size_t url_len = strlen(h->base_url) + strlen(path) + 1;
	char *url = malloc(url_len);
	CURLcode rc;

	memset(resp, 0, sizeof(*resp));
	if (url == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	snprintf(url, url_len, "%s%s", h->base_url, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	if (strcmp(method, "GET") == 0) {
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, NULL);
		curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	} else {
		const char *data = body ? body : "";

		curl_easy_setopt(c, CURLOPT_POSTFIELDS, data);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(data));
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST,
				 strcmp(method, "POST") == 0 ? NULL : method);
	}
	rc = curl_easy_perform(c);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, NULL);
	free(url);
	if (rc != CURLE_OK) {
		long os_errno = 0;

		curl_easy_getinfo(c, CURLINFO_OS_ERRNO, &os_errno);
		if (b.too_big)
			snprintf(err, errlen, "response larger than %u bytes",
				 HC_MAX_RESPONSE);
		else if (h->unix_path && rc == CURLE_COULDNT_CONNECT &&
			 os_errno != 0)
			/* Not curl's "localhost port 80": the socket's error. */
			snprintf(err, errlen, "%s", strerror((int)os_errno));
		else
			snprintf(err, errlen, "%s",
				 errbuf[0] ? errbuf : curl_easy_strerror(rc));
		free(b.data);
		return -1;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
	if (b.data == NULL)
		b.data = calloc(1, 1);
	resp->body = b.data;
	resp->len = b.len;
	return 0;
}

char *hc_url_escape(const char *segment)
{
	static const char hex[] = "0123456789ABCDEF";
	char *out = malloc(strlen(segment) * 3 + 1), *o = out;

	if (out == NULL)
		return NULL;
	for (const unsigned char *p = (const unsigned char *)segment; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p)) {
			*o++ = (char)*p;
		} else {
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
		}
	}
	*o = '\0';
	return out;
}
