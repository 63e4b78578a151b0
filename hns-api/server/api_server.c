/* The REST transport on libmicrohttpd (see api_server.h).
 *
 * One MHD daemon per listener, all in "external polling" mode: no thread of
 * MHD's own, api_server_poll() runs each daemon once without blocking
 * (MHD_run on an epoll set with a zero timeout), so the main lcore's
 * control loop drives everything and no lock is needed.
 *
 * Listen sockets are made here and handed over with
 * MHD_OPTION_LISTEN_SOCKET: a unix socket gets its parent directory
 * created, a stale socket file replaced (never one a live server answers
 * on, never a file that is not a socket) and mode 0600 before it listens;
 * a TCP socket binds exactly the host it was given.
 *
 * Bodies are collected per request (MHD's con_cls) up to API_MAX_BODY; a
 * larger Content-Length is refused with 413 before the body is read, a
 * larger chunked body once it crosses the limit (the rest is read and
 * discarded, the answer is 413).
 *
 * TLS (TCP listeners, when cert/key/CA are given): the CA goes to
 * MHD_OPTION_HTTPS_MEM_TRUST and every new TLS session is switched from
 * "request" to "require" a client certificate, verified by GnuTLS during
 * the handshake; a client without a valid certificate never gets past it.
 * The access handler checks the verification result again before serving. */
#include "api_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <microhttpd.h>

#define API_BACKLOG 128
#define API_IDLE_TIMEOUT_SEC 120
#define API_SPEC_MAX 300
#define JSON_TYPE "application/json"

struct listener {
	struct api_server *srv;
	struct MHD_Daemon *daemon;
	char spec[API_SPEC_MAX];
	char unix_path[sizeof(((struct sockaddr_un *)0)->sun_path)]; /* "" for TCP */
	bool tls;
};

struct api_server {
	api_handler_fn handler;
	void *ctx;
	unsigned nb;
	struct listener l[API_MAX_LISTENERS];
	/* PEM texts, NUL-terminated; alive as long as the daemons. */
	char *tls_cert, *tls_key, *tls_ca;
};

/* One request's state: MHD's con_cls. */
struct request {
	char *body;
	size_t len, cap;
	bool too_large;
	bool answered; /* a response was queued before the body was read */
};

/* MHD's own messages, kept while a daemon starts so a failure can say why. */
static char mhd_last_error[256];

static void mhd_logger(void *cls, const char *fmt, va_list ap)
{
	size_t n;

	(void)cls;
	vsnprintf(mhd_last_error, sizeof(mhd_last_error), fmt, ap);
	n = strlen(mhd_last_error);
	while (n > 0 && (mhd_last_error[n - 1] == '\n' || mhd_last_error[n - 1] == '\r'))
		mhd_last_error[--n] = '\0';
}

/* ---- responses --------------------------------------------------------- */

static enum MHD_Result send_reply(struct MHD_Connection *c, unsigned status,
				  char *body, size_t len, const char *type,
				  bool close_after)
{
	struct MHD_Response *r;
	enum MHD_Result rc;

	if (body == NULL)
		len = 0;
	r = MHD_create_response_from_buffer(len, body != NULL ? body : (void *)"",
					    body != NULL ? MHD_RESPMEM_MUST_FREE
							 : MHD_RESPMEM_PERSISTENT);
	if (r == NULL) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				type != NULL ? type : JSON_TYPE);
	if (close_after)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
	rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

/* An HNS-style error body: {"Success":false,"Error":"...","Output":null}.
 * msg is plain ASCII without quotes or backslashes (our own texts). */
static enum MHD_Result send_error(struct MHD_Connection *c, unsigned status,
				  const char *msg, bool close_after)
{
	char *body;
	int n = asprintf(&body, "{\"Success\":false,\"Error\":\"%s\",\"Output\":null}",
			 msg);

	if (n < 0)
		return MHD_NO;
	return send_reply(c, status, body, (size_t)n, JSON_TYPE, close_after);
}

static enum MHD_Result send_too_large(struct MHD_Connection *c)
{
	return send_error(c, MHD_HTTP_CONTENT_TOO_LARGE,
			  "request body larger than 1 MiB", true);
}

/* ---- TLS client certificates ------------------------------------------- */

static gnutls_session_t tls_session_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);

	return ci != NULL ? (gnutls_session_t)ci->tls_session : NULL;
}

/* A new connection: make its TLS session require a client certificate
 * and verify it (against the MHD_OPTION_HTTPS_MEM_TRUST CA) in the
 * handshake. */
static void on_connection(void *cls, struct MHD_Connection *c,
			  void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	struct listener *l = cls;
	gnutls_session_t s;

	(void)socket_context;
	if (!l->tls || code != MHD_CONNECTION_NOTIFY_STARTED)
		return;
	s = tls_session_of(c);
	if (s == NULL)
		return; /* checked again per request */
	gnutls_certificate_server_set_request(s, GNUTLS_CERT_REQUIRE);
	gnutls_session_set_verify_cert(s, NULL, 0);
}

/* True when the peer presented a certificate that verifies. */
static bool client_cert_ok(struct MHD_Connection *c)
{
	gnutls_session_t s = tls_session_of(c);
	unsigned status = 0, n = 0;

	if (s == NULL || gnutls_certificate_get_peers(s, &n) == NULL || n == 0)
		return false;
	if (gnutls_certificate_verify_peers2(s, &status) != GNUTLS_E_SUCCESS)
		return false;
	return status == 0;
}

/* ---- requests ---------------------------------------------------------- */

struct query_buf {
	char *text;
	size_t len;
	bool oom;
};

static enum MHD_Result add_query_arg(void *cls, enum MHD_ValueKind kind,
				     const char *key, const char *value)
{
	struct query_buf *q = cls;
	size_t kl = strlen(key), vl = value != NULL ? strlen(value) : 0;
	char *t = realloc(q->text, q->len + kl + vl + 3);

	(void)kind;
	if (t == NULL) {
		q->oom = true;
		return MHD_NO;
	}
	q->text = t;
	if (q->len > 0)
		q->text[q->len++] = '&';
	memcpy(q->text + q->len, key, kl);
	q->len += kl;
	if (value != NULL) {
		q->text[q->len++] = '=';
		memcpy(q->text + q->len, value, vl);
		q->len += vl;
	}
	q->text[q->len] = '\0';
	return MHD_YES;
}

static enum MHD_Result dispatch(struct listener *l, struct MHD_Connection *c,
				const char *url, const char *method,
				struct request *req)
{
	struct api_reply reply = {0, NULL, 0, NULL};
	struct query_buf q = {NULL, 0, false};

	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, add_query_arg, &q);
	if (q.oom) {
		free(q.text);
		return MHD_NO;
	}
	l->srv->handler(l->srv->ctx, method, url, q.text != NULL ? q.text : "",
			req->len > 0 ? req->body : NULL, req->len, &reply);
	free(q.text);
	if (reply.status < 100 || reply.status > 599) {
		free(reply.body);
		return send_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
				  "internal error: no reply", false);
	}
	return send_reply(c, (unsigned)reply.status, reply.body, reply.len,
			  reply.content_type, false);
}

/* First call of a request: TLS check, Content-Length check. */
static enum MHD_Result begin_request(struct listener *l, struct MHD_Connection *c,
				     void **con_cls)
{
	struct request *req;
	const char *cl;

	if (l->tls && !client_cert_ok(c))
		return MHD_NO; /* closes the connection: no service */
	req = calloc(1, sizeof(*req));
	if (req == NULL)
		return MHD_NO;
	*con_cls = req;
	cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
					 MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl != NULL) {
		char *end;
		unsigned long long n;

		errno = 0;
		n = strtoull(cl, &end, 10);
		if (errno != 0 || end == cl || n > API_MAX_BODY) {
			req->too_large = req->answered = true;
			return send_too_large(c);
		}
	}
	return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
				  const char *url, const char *method,
				  const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct listener *l = cls;
	struct request *req = *con_cls;

	(void)version;
	if (req == NULL)
		return begin_request(l, c, con_cls);
	if (req->answered) { /* early 413: swallow whatever still comes */
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		size_t n = *upload_data_size;

		*upload_data_size = 0;
		if (req->too_large)
			return MHD_YES;
		if (req->len + n > API_MAX_BODY) {
			req->too_large = true;
			free(req->body);
			req->body = NULL;
			req->len = req->cap = 0;
			return MHD_YES;
		}
		if (req->len + n + 1 > req->cap) {
			size_t cap = req->cap ? req->cap : 4096;
			char *b;

			while (cap < req->len + n + 1)
				cap *= 2;
			b = realloc(req->body, cap);
			if (b == NULL)
				return MHD_NO;
			req->body = b;
			req->cap = cap;
		}
		memcpy(req->body + req->len, upload_data, n);
		req->len += n;
		req->body[req->len] = '\0';
		return MHD_YES;
	}
	/* The whole request is in. */
	req->answered = true;
	if (req->too_large)
		return send_too_large(c);
	return dispatch(l, c, url, method, req);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode code)
{
	struct request *req = *con_cls;

	(void)cls;
	(void)c;
	(void)code;
	if (req != NULL) {
		free(req->body);
		free(req);
		*con_cls = NULL;
	}
}

/* ---- listen sockets ---------------------------------------------------- */

static int set_flags(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -1;
	return fcntl(fd, F_SETFD, FD_CLOEXEC);
}

/* mkdir -p of the directory part of path (mode 0755). */
static int make_parent_dirs(const char *path, char *err, size_t errlen,
			    const char *spec)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash == NULL || slash == dir)
		return 0;
	*slash = '\0';
	for (char *p = dir + 1; ; p++) {
		if (*p == '/' || *p == '\0') {
			char c = *p;

			*p = '\0';
			if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
				snprintf(err, errlen, "%s: cannot create directory %s: %s",
					 spec, dir, strerror(errno));
				return -1;
			}
			*p = c;
			if (c == '\0')
				break;
		}
	}
	return 0;
}

/* Is a server answering on this unix socket path? */
static bool unix_socket_live(const struct sockaddr_un *sa)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool live;

	if (fd < 0)
		return false;
	live = connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0;
	close(fd);
	return live;
}

static int open_unix(struct listener *l, const char *path, int *out, char *err,
		     size_t errlen)
{
	struct sockaddr_un sa;
	struct stat st;
	mode_t old_mask;
	int fd, rc;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (path[0] == '\0' || strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "%s: the socket path must be 1-%zu characters",
			 l->spec, sizeof(sa.sun_path) - 1);
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path));
	if (make_parent_dirs(path, err, errlen, l->spec) < 0)
		return -1;
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errlen, "%s: %s exists and is not a socket",
				 l->spec, path);
			return -1;
		}
		if (unix_socket_live(&sa)) {
			snprintf(err, errlen, "%s: another process serves %s",
				 l->spec, path);
			return -1;
		}
		if (unlink(path) < 0 && errno != ENOENT) {
			snprintf(err, errlen, "%s: cannot remove the stale socket %s: %s",
				 l->spec, path, strerror(errno));
			return -1;
		}
	}
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0) {
		snprintf(err, errlen, "%s: socket: %s", l->spec, strerror(errno));
		return -1;
	}
	old_mask = umask(0177); /* created 0600, no window with wider rights */
	rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old_mask);
	if (rc < 0) {
		snprintf(err, errlen, "%s: cannot bind: %s", l->spec, strerror(errno));
		close(fd);
		return -1;
	}
	snprintf(l->unix_path, sizeof(l->unix_path), "%s", path);
	if (chmod(path, 0600) < 0 || listen(fd, API_BACKLOG) < 0 || set_flags(fd) < 0) {
		snprintf(err, errlen, "%s: cannot listen: %s", l->spec, strerror(errno));
		close(fd);
		return -1;
	}
	*out = fd;
	return 0;
}

/* "HOST:PORT" or "[V6]:PORT" -> host, port. */
static int split_host_port(const char *hp, char *host, size_t hostlen,
			   char *port, size_t portlen)
{
	const char *colon;
	size_t n;

	if (hp[0] == '[') {
		const char *close = strchr(hp, ']');

		if (close == NULL || close[1] != ':')
			return -1;
		n = (size_t)(close - hp - 1);
		if (n == 0 || n >= hostlen)
			return -1;
		memcpy(host, hp + 1, n);
		host[n] = '\0';
		colon = close + 1;
	} else {
		colon = strrchr(hp, ':');
		if (colon == NULL)
			return -1;
		n = (size_t)(colon - hp);
		if (n == 0 || n >= hostlen || memchr(hp, ':', n) != NULL)
			return -1;
		memcpy(host, hp, n);
		host[n] = '\0';
	}
	if (strlen(colon + 1) == 0 || strlen(colon + 1) >= portlen)
		return -1;
	snprintf(port, portlen, "%s", colon + 1);
	for (const char *p = port; *p; p++)
		if (*p < '0' || *p > '9')
			return -1;
	{
		long v = strtol(port, NULL, 10);

		if (v < 1 || v > 65535)
			return -1;
	}
	return 0;
}

static int open_tcp(struct listener *l, const char *hostport, int *out,
		    char *err, size_t errlen)
{
	struct addrinfo hints, *res = NULL;
	char host[256], port[8];
	int fd, rc, one = 1;

	if (split_host_port(hostport, host, sizeof(host), port, sizeof(port)) < 0) {
		snprintf(err, errlen, "%s: expected tcp:HOST:PORT with a port 1-65535",
			 l->spec);
		return -1;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG;
	rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0 || res == NULL) {
		snprintf(err, errlen, "%s: cannot resolve '%s': %s", l->spec, host,
			 gai_strerror(rc));
		if (res != NULL)
			freeaddrinfo(res);
		return -1;
	}
	fd = socket(res->ai_family, SOCK_STREAM, 0);
	if (fd < 0) {
		snprintf(err, errlen, "%s: socket: %s", l->spec, strerror(errno));
		freeaddrinfo(res);
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (res->ai_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, res->ai_addr, res->ai_addrlen) < 0) {
		snprintf(err, errlen, "%s: cannot bind: %s", l->spec, strerror(errno));
		close(fd);
		freeaddrinfo(res);
		return -1;
	}
	freeaddrinfo(res);
	if (listen(fd, API_BACKLOG) < 0 || set_flags(fd) < 0) {
		snprintf(err, errlen, "%s: cannot listen: %s", l->spec, strerror(errno));
		close(fd);
		return -1;
	}
	*out = fd;
	return 0;
}

/* ---- TLS material ------------------------------------------------------ */

static char *read_text_file(const char *path, char *why, size_t whylen)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (f == NULL) {
		snprintf(why, whylen, "%s", strerror(errno));
		return NULL;
	}
	do {
		if (len + 4096 + 1 > cap) {
			char *b;

			cap = cap ? cap * 2 : 8192;
			if (cap > 4 * 1024 * 1024 || (b = realloc(buf, cap)) == NULL) {
				snprintf(why, whylen, "too large");
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = b;
		}
		n = fread(buf + len, 1, 4096, f);
		len += n;
	} while (n > 0);
	if (ferror(f)) {
		snprintf(why, whylen, "read error");
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	buf[len] = '\0';
	return buf;
}

/* Loads the three PEM files and checks them with GnuTLS so a bad file is
 * reported by name rather than as "MHD could not start". */
static int load_tls(struct api_server *s, const struct api_tls *tls,
		    const char *spec, char *err, size_t errlen)
{
	gnutls_certificate_credentials_t cred;
	gnutls_datum_t cert, key, ca;
	char why[160];
	int rc;

	if (s->tls_cert != NULL)
		return 0;
	if ((s->tls_cert = read_text_file(tls->cert_file, why, sizeof(why))) == NULL) {
		snprintf(err, errlen, "%s: cannot read TLS certificate %s: %s", spec,
			 tls->cert_file, why);
		return -1;
	}
	if ((s->tls_key = read_text_file(tls->key_file, why, sizeof(why))) == NULL) {
		snprintf(err, errlen, "%s: cannot read TLS key %s: %s", spec,
			 tls->key_file, why);
		return -1;
	}
	if ((s->tls_ca = read_text_file(tls->ca_file, why, sizeof(why))) == NULL) {
		snprintf(err, errlen, "%s: cannot read TLS CA %s: %s", spec,
			 tls->ca_file, why);
		return -1;
	}
	if (gnutls_certificate_allocate_credentials(&cred) != GNUTLS_E_SUCCESS) {
		snprintf(err, errlen, "%s: cannot set up TLS", spec);
		return -1;
	}
	cert.data = (unsigned char *)s->tls_cert;
	cert.size = (unsigned)strlen(s->tls_cert);
	key.data = (unsigned char *)s->tls_key;
	key.size = (unsigned)strlen(s->tls_key);
	ca.data = (unsigned char *)s->tls_ca;
	ca.size = (unsigned)strlen(s->tls_ca);
	rc = gnutls_certificate_set_x509_key_mem(cred, &cert, &key, GNUTLS_X509_FMT_PEM);
	if (rc < 0) {
		snprintf(err, errlen, "%s: TLS certificate %s / key %s: %s", spec,
			 tls->cert_file, tls->key_file, gnutls_strerror(rc));
		gnutls_certificate_free_credentials(cred);
		return -1;
	}
	rc = gnutls_certificate_set_x509_trust_mem(cred, &ca, GNUTLS_X509_FMT_PEM);
	if (rc <= 0) {
		snprintf(err, errlen, "%s: TLS CA %s: %s", spec, tls->ca_file,
			 rc < 0 ? gnutls_strerror(rc) : "no certificate in the file");
		gnutls_certificate_free_credentials(cred);
		return -1;
	}
	gnutls_certificate_free_credentials(cred);
	return 0;
}

/* ---- the server -------------------------------------------------------- */

static int start_listener(struct api_server *s, struct listener *l,
			  const char *spec, const struct api_tls *tls,
			  char *err, size_t errlen)
{
	bool want_tls = tls != NULL && tls->cert_file != NULL &&
			tls->key_file != NULL && tls->ca_file != NULL;
	unsigned flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
	struct MHD_OptionItem opts[12];
	unsigned n = 0;
	int fd = -1;

	l->srv = s;
	if (strlen(spec) >= sizeof(l->spec)) {
		snprintf(err, errlen, "--api %.40s...: too long", spec);
		return -1;
	}
	snprintf(l->spec, sizeof(l->spec), "%s", spec);
	if (strncmp(spec, "unix:", 5) == 0) {
		if (open_unix(l, spec + 5, &fd, err, errlen) < 0)
			return -1;
	} else if (strncmp(spec, "tcp:", 4) == 0) {
		if (want_tls && load_tls(s, tls, spec, err, errlen) < 0)
			return -1;
		if (open_tcp(l, spec + 4, &fd, err, errlen) < 0)
			return -1;
		l->tls = want_tls;
	} else {
		snprintf(err, errlen, "%s: expected unix:PATH or tcp:HOST:PORT", spec);
		return -1;
	}
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_LISTEN_SOCKET, fd, NULL};
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_EXTERNAL_LOGGER,
					    (intptr_t)mhd_logger, NULL};
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_COMPLETED,
					    (intptr_t)on_completed, NULL};
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_CONNECTION,
					    (intptr_t)on_connection, l};
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_TIMEOUT,
					    API_IDLE_TIMEOUT_SEC, NULL};
	if (l->tls) {
		flags |= MHD_USE_TLS;
		opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, s->tls_cert};
		opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, s->tls_key};
		opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_TRUST, 0, s->tls_ca};
	}
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
	mhd_last_error[0] = '\0';
	l->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, l,
				     MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
	if (l->daemon == NULL) {
		snprintf(err, errlen, "%s: cannot start the HTTP server%s%s", spec,
			 mhd_last_error[0] ? ": " : "", mhd_last_error);
		close(fd);
		return -1;
	}
	return 0;
}

static void stop_listener(struct listener *l)
{
	if (l->daemon != NULL) {
		MHD_stop_daemon(l->daemon); /* closes the listen socket */
		l->daemon = NULL;
	}
	if (l->unix_path[0] != '\0') {
		unlink(l->unix_path);
		l->unix_path[0] = '\0';
	}
}

struct api_server *api_server_create(const struct api_listen *listens,
				     unsigned nb_listens,
				     const struct api_tls *tls,
				     api_handler_fn handler, void *ctx,
				     char *err, size_t errlen)
{
	struct api_server *s;

	if (nb_listens > API_MAX_LISTENERS) {
		snprintf(err, errlen, "at most %d API listeners", API_MAX_LISTENERS);
		return NULL;
	}
	if (tls != NULL &&
	    !((tls->cert_file && tls->key_file && tls->ca_file) ||
	      (!tls->cert_file && !tls->key_file && !tls->ca_file))) {
		snprintf(err, errlen, "TLS needs a certificate, a key and a CA, or none");
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->handler = handler;
	s->ctx = ctx;
	for (unsigned i = 0; i < nb_listens; i++) {
		if (start_listener(s, &s->l[i], listens[i].spec, tls, err, errlen) < 0) {
			s->nb = i + 1; /* stop_listener cleans the half-made one */
			api_server_destroy(s);
			return NULL;
		}
		s->nb = i + 1;
	}
	return s;
}

void api_server_poll(struct api_server *s)
{
	if (s == NULL)
		return;
	for (unsigned i = 0; i < s->nb; i++)
		if (s->l[i].daemon != NULL)
			MHD_run(s->l[i].daemon);
}

void api_server_destroy(struct api_server *s)
{
	if (s == NULL)
		return;
	for (unsigned i = 0; i < s->nb; i++)
		stop_listener(&s->l[i]);
	free(s->tls_cert);
	free(s->tls_key);
	free(s->tls_ca);
	free(s);
}
