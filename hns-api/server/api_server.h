/* The REST transport: libmicrohttpd listeners (a unix socket, mode 0600,
 * and/or TCP, optionally TLS with required client certificates), keep-alive,
 * bodies over 1 MiB refused with 413, size limits, timeouts and a cap on
 * connections (below). It knows nothing of HNS: every
 * complete request goes to one handler. Runs in the caller's thread:
 * api_server_poll() does all pending work without blocking, so the main
 * lcore's control loop drives it and no lock is ever needed.
 * Layer: hns-api/server/, northbound, server layer (transport and the router). */
#ifndef HVS_API_SERVER_H
#define HVS_API_SERVER_H

#include <stddef.h>

#define API_MAX_BODY (1024 * 1024)
#define API_MAX_LISTENERS 8

/* The HTTP edges (README "REST limits").
 * A body over API_MAX_BODY is read and thrown away, up to API_DISCARD_MAX
 * bytes or API_DISCARD_MS, then answered 413 and the connection closed, so a
 * client that sends its whole body before reading (Python's http.client)
 * still reads the 413. A Content-Length over API_DISCARD_MAX, or one over
 * API_MAX_BODY with "Expect: 100-continue", is answered 413 at once; a body
 * still coming at the bound closes the connection. */
#define API_DISCARD_MAX (16u * 1024 * 1024)
#define API_DISCARD_MS 2000
/* Request target (path and query) and the whole header section (request
 * line included): over these, 414 and 431. MHD's per-connection memory is
 * larger, so whatever passes these checks can always be answered. */
#define API_MAX_URL 8192
#define API_MAX_HEADER (16 * 1024)
#define API_CONNECTION_MEMORY (64 * 1024)
/* Connections open at once, all listeners together (environment
 * VSWITCHD_API_MAX_CONNECTIONS overrides it). Beyond it, the connection
 * that has been waiting longest for its first request line and headers is
 * dropped to make room (slowloris clients cannot lock others out); when
 * every connection has sent a request, the new one is answered 503. */
#define API_MAX_CONNECTIONS 256
/* A connection with nothing sent or received for this long is closed
 * (environment VSWITCHD_API_IDLE_TIMEOUT). */
#define API_IDLE_TIMEOUT_SEC 120
/* A new connection must deliver its request headers within this time, and
 * a request its body and take its reply within it once its headers are in;
 * a kept-alive connection its next headers within idle + this
 * (environment VSWITCHD_API_REQUEST_TIMEOUT). */
#define API_REQUEST_TIMEOUT_SEC 30

struct api_later;

struct api_reply {
	int status;               /* or API_REPLY_LATER */
	char *body;               /* malloc'd; the server frees it */
	size_t len;
	const char *content_type; /* static string */
	/* Set by the server: the request's ticket. A handler that cannot
	 * answer at once (its work runs off the main lcore) keeps it, sets
	 * status API_REPLY_LATER and answers later with api_later_answer();
	 * the connection is suspended (MHD) meanwhile, others are served. */
	struct api_later *later;
};

#define API_REPLY_LATER 1

/* Answers a request a handler deferred (main lcore, exactly once per
 * ticket; the ticket is gone afterwards). reply's body is taken. */
void api_later_answer(struct api_later *t, struct api_reply *reply);

/* path excludes the query string; query may be "" */
typedef void (*api_handler_fn)(void *ctx, const char *method, const char *path,
			       const char *query, const char *body,
			       size_t body_len, struct api_reply *reply);

struct api_listen {
	const char *spec; /* "unix:/run/vswitchd/hns.sock" or "tcp:127.0.0.1:8080" */
};

struct api_tls {
	const char *cert_file, *key_file, *ca_file; /* all NULL: no TLS */
};

struct api_server;

struct api_server *api_server_create(const struct api_listen *listens,
				     unsigned nb_listens,
				     const struct api_tls *tls,
				     api_handler_fn handler, void *ctx,
				     char *err, size_t errlen);
/* Serves whatever is ready; never blocks. */
void api_server_poll(struct api_server *s);
/* Blocks until a listener or connection has work, at most timeout_us
 * (s NULL: just sleeps): the control loop's pause, so a request is
 * served as soon as it arrives rather than after a blind sleep. */
void api_server_wait(struct api_server *s, unsigned timeout_us);
void api_server_destroy(struct api_server *s);

#endif
