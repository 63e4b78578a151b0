/* The REST transport: libmicrohttpd listeners (a unix socket, mode 0600,
 * and/or TCP, optionally TLS with required client certificates), keep-alive,
 * bodies over 1 MiB refused with 413. It knows nothing of HNS: every
 * complete request goes to one handler. Runs in the caller's thread:
 * api_server_poll() does all pending work without blocking, so the main
 * lcore's control loop drives it and no lock is ever needed.
 * Layer: hns-api/server/, northbound, server layer (transport and the router). */
#ifndef HVS_API_SERVER_H
#define HVS_API_SERVER_H

#include <stddef.h>

#define API_MAX_BODY (1024 * 1024)
#define API_MAX_LISTENERS 8

struct api_reply {
	int status;
	char *body;               /* malloc'd; the server frees it */
	size_t len;
	const char *content_type; /* static string */
};

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
void api_server_destroy(struct api_server *s);

#endif
