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
 * Bodies are collected per request (MHD's con_cls) up to API_MAX_BODY. A
 * larger body is read and discarded (up to API_DISCARD_MAX bytes or
 * API_DISCARD_MS) and then answered 413 with "Connection: close": a client
 * that writes its whole body before reading (Python's http.client on a
 * keep-alive connection) would otherwise meet a closed socket instead of
 * the reply. A Content-Length past the discard bound, or an
 * "Expect: 100-continue" request over the limit, is answered 413 before
 * any body is read (MHD then closes the connection); a body still arriving
 * at the bound closes the connection without a reply (MHD cannot queue one
 * mid-body).
 *
 * Connections (all listeners together) are tracked from MHD's connection
 * notifications: each has a deadline (its request headers within
 * API_REQUEST_TIMEOUT_SEC of connecting, a request within it of its
 * headers), checked on every poll; a connection past it is shut down
 * (shutdown(2): MHD sees the end of stream and closes it itself). Past
 * API_MAX_CONNECTIONS, the oldest connection that has never sent complete
 * headers is shut down to make room, or, when every one has, the newcomer
 * is answered 503. MHD's own limit sits above ours (it would stop accepting
 * instead of answering) and RLIMIT_NOFILE is raised to its hard limit so
 * the listeners never run out of descriptors.
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
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <strings.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <microhttpd.h>

#define API_BACKLOG 128
#define API_SPEC_MAX 300
/* MHD's per-listener limit above ours: connections we shut down linger
 * until MHD's next run, and MHD at its limit stops accepting. */
#define API_CONN_HEADROOM 64
/* Descriptors kept for the rest of the process (ports, traces, state). */
#define API_FD_RESERVE 256
#define API_NOFILE_WANTED 65536
#define API_SWEEP_MS 100
#define JSON_TYPE "application/json"

struct listener {
	struct api_server *srv;
	struct MHD_Daemon *daemon;
	char spec[API_SPEC_MAX];
	char unix_path[sizeof(((struct sockaddr_un *)0)->sun_path)]; /* "" for TCP */
	bool tls;
};

/* One connection: MHD's socket context, in api_server's list (oldest
 * first). */
struct conn {
	struct conn *prev, *next;
	int fd;
	uint64_t deadline_ms; /* shut down when the clock passes it */
	bool served;          /* complete request headers came in once */
	bool reject;          /* over the cap: its request gets 503 */
	bool dropped;         /* shut down by us, MHD closes it next */
};

struct api_server {
	api_handler_fn handler;
	void *ctx;
	unsigned nb;
	struct listener l[API_MAX_LISTENERS];
	/* PEM texts, NUL-terminated; alive as long as the daemons. */
	char *tls_cert, *tls_key, *tls_ca;
	/* limits in force (API_* or the environment's) */
	unsigned max_conns, idle_sec, request_sec;
	struct conn *conns, *conns_tail;
	unsigned nb_conns, nb_dropped;
	uint64_t next_sweep_ms;
	struct request *suspended; /* deferred replies not yet answered */
};

/* One request's state: MHD's con_cls; it is the ticket of a deferred
 * reply (struct api_later) too. */
struct request {
	char *body;
	size_t len, cap;
	size_t discarded;    /* bytes of a too large body thrown away */
	uint64_t started_ms;
	bool too_large;
	bool answered; /* a response was queued before the body was read */
	/* a deferred reply: suspended until api_later_answer() fills later */
	struct MHD_Connection *conn;
	struct api_server *srv;
	bool suspended, later_ready;
	struct api_reply later;
	struct request *prev_later, *next_later; /* srv->suspended list */
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

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

/* An HNS-style error body: {"Success":false,"Error":"...","Output":null},
 * msg JSON-escaped whole (heap buffer, never cut). */
static enum MHD_Result send_error(struct MHD_Connection *c, unsigned status,
				  const char *msg, bool close_after)
{
	static const char head[] = "{\"Success\":false,\"Error\":\"";
	static const char tail[] = "\",\"Output\":null}";
	size_t ml = strlen(msg), n = 0;
	char *body = malloc(sizeof(head) + 6 * ml + sizeof(tail));

	if (body == NULL)
		return MHD_NO;
	memcpy(body, head, sizeof(head) - 1);
	n = sizeof(head) - 1;
	for (const unsigned char *p = (const unsigned char *)msg; *p; p++) {
		if (*p == '"' || *p == '\\') {
			body[n++] = '\\';
			body[n++] = (char)*p;
		} else if (*p < 0x20) {
			n += (size_t)sprintf(body + n, "\\u%04x", *p);
		} else {
			body[n++] = (char)*p;
		}
	}
	memcpy(body + n, tail, sizeof(tail) - 1);
	n += sizeof(tail) - 1;
	return send_reply(c, status, body, n, JSON_TYPE, close_after);
}

static enum MHD_Result send_too_large(struct MHD_Connection *c)
{
	return send_error(c, MHD_HTTP_CONTENT_TOO_LARGE,
			  "request body larger than 1 MiB", true);
}

/* ---- connections: cap, deadlines --------------------------------------- */

static struct conn *conn_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci != NULL ? ci->socket_context : NULL;
}

/* Ends a connection from outside MHD: the socket stays open (MHD owns the
 * descriptor) but reads see the end of stream, so MHD closes it. */
static void conn_drop(struct api_server *s, struct conn *k)
{
	if (k->dropped)
		return;
	shutdown(k->fd, SHUT_RDWR);
	k->dropped = true;
	s->nb_dropped++;
}

static void conn_add(struct api_server *s, struct conn *k)
{
	k->prev = s->conns_tail;
	k->next = NULL;
	if (s->conns_tail != NULL)
		s->conns_tail->next = k;
	else
		s->conns = k;
	s->conns_tail = k;
	s->nb_conns++;
	k->deadline_ms = now_ms() + 1000ull * s->request_sec;
	if (s->nb_conns - s->nb_dropped <= s->max_conns)
		return;
	/* over the cap: make room by dropping the oldest connection still
	 * waiting for its first headers (a slowloris one), else refuse */
	for (struct conn *o = s->conns; o != NULL; o = o->next) {
		if (o != k && !o->served && !o->dropped) {
			conn_drop(s, o);
			return;
		}
	}
	k->reject = true;
}

static void conn_remove(struct api_server *s, struct conn *k)
{
	if (k->prev != NULL)
		k->prev->next = k->next;
	else
		s->conns = k->next;
	if (k->next != NULL)
		k->next->prev = k->prev;
	else
		s->conns_tail = k->prev;
	s->nb_conns--;
	if (k->dropped)
		s->nb_dropped--;
	free(k);
}

static void conns_sweep(struct api_server *s)
{
	uint64_t now = now_ms();

	if (now < s->next_sweep_ms)
		return;
	s->next_sweep_ms = now + API_SWEEP_MS;
	for (struct conn *k = s->conns; k != NULL; k = k->next)
		if (!k->dropped && now >= k->deadline_ms)
			conn_drop(s, k);
}

/* ---- TLS client certificates ------------------------------------------- */

static gnutls_session_t tls_session_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);

	return ci != NULL ? (gnutls_session_t)ci->tls_session : NULL;
}

/* A new connection: tracked (cap, deadlines); on TLS its session made to
 * require a client certificate and verify it (against the
 * MHD_OPTION_HTTPS_MEM_TRUST CA) in the handshake. A closed one: forgotten. */
static void on_connection(void *cls, struct MHD_Connection *c,
			  void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	struct listener *l = cls;
	gnutls_session_t s;

	if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
		if (*socket_context != NULL)
			conn_remove(l->srv, *socket_context);
		*socket_context = NULL;
		return;
	}
	if (code != MHD_CONNECTION_NOTIFY_STARTED)
		return;
	{
		const union MHD_ConnectionInfo *ci =
			MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		struct conn *k = ci != NULL ? calloc(1, sizeof(*k)) : NULL;

		*socket_context = k; /* NULL: untracked (out of memory) */
		if (k != NULL) {
			k->fd = ci->connect_fd;
			conn_add(l->srv, k);
		}
	}
	if (!l->tls)
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

static enum MHD_Result send_handler_reply(struct MHD_Connection *c,
					  struct api_reply *reply)
{
	if (reply->status < 100 || reply->status > 599) {
		free(reply->body);
		return send_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
				  "internal error: no reply", false);
	}
	return send_reply(c, (unsigned)reply->status, reply->body, reply->len,
			  reply->content_type, false);
}

static void later_link(struct api_server *s, struct request *req)
{
	req->prev_later = NULL;
	req->next_later = s->suspended;
	if (s->suspended != NULL)
		s->suspended->prev_later = req;
	s->suspended = req;
}

static void later_unlink(struct api_server *s, struct request *req)
{
	if (req->prev_later != NULL)
		req->prev_later->next_later = req->next_later;
	else
		s->suspended = req->next_later;
	if (req->next_later != NULL)
		req->next_later->prev_later = req->prev_later;
	req->prev_later = req->next_later = NULL;
}

/* The handler keeps the ticket: the connection waits (suspended, so MHD
 * neither reads it nor times it out) until api_later_answer(). */
static enum MHD_Result defer(struct listener *l, struct MHD_Connection *c,
			     struct request *req)
{
	struct conn *k = conn_of(c);

	req->conn = c;
	req->srv = l->srv;
	req->suspended = true;
	later_link(l->srv, req);
	if (k != NULL)
		k->deadline_ms = UINT64_MAX; /* ours to answer, not a slow client */
	MHD_suspend_connection(c);
	return MHD_YES;
}

void api_later_answer(struct api_later *t, struct api_reply *reply)
{
	struct request *req = (struct request *)t;
	struct conn *k;

	if (req == NULL || !req->suspended || req->later_ready) {
		free(reply->body);
		return;
	}
	req->later = *reply;
	req->later.later = NULL;
	req->later_ready = true;
	later_unlink(req->srv, req);
	k = conn_of(req->conn);
	if (k != NULL)
		k->deadline_ms = now_ms() + 1000ull * req->srv->request_sec;
	MHD_resume_connection(req->conn); /* on_request sends it next */
}

static enum MHD_Result dispatch(struct listener *l, struct MHD_Connection *c,
				const char *url, const char *method,
				struct request *req)
{
	struct api_reply reply = {0, NULL, 0, NULL, (struct api_later *)req};
	struct query_buf q = {NULL, 0, false};

	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, add_query_arg, &q);
	if (q.oom) {
		free(q.text);
		return MHD_NO;
	}
	l->srv->handler(l->srv->ctx, method, url, q.text != NULL ? q.text : "",
			req->len > 0 ? req->body : NULL, req->len, &reply);
	free(q.text);
	if (reply.status == API_REPLY_LATER)
		return defer(l, c, req);
	return send_handler_reply(c, &reply);
}

static enum MHD_Result add_arg_len(void *cls, enum MHD_ValueKind kind,
				   const char *key, const char *value)
{
	size_t *n = cls;

	(void)kind;
	*n += strlen(key) + 2 + (value != NULL ? strlen(value) : 0);
	return MHD_YES;
}

static bool expects_continue(struct MHD_Connection *c)
{
	const char *e = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						    MHD_HTTP_HEADER_EXPECT);

	return e != NULL && strcasecmp(e, "100-continue") == 0;
}

/* First call of a request: deadline, cap, TLS check, sizes of the target
 * and the headers, Content-Length check. */
static enum MHD_Result begin_request(struct listener *l, struct MHD_Connection *c,
				     const char *url, void **con_cls)
{
	struct conn *k = conn_of(c);
	const union MHD_ConnectionInfo *ci;
	struct request *req;
	const char *cl;
	size_t url_len = strlen(url);
	char msg[96];

	if (k != NULL) {
		k->served = true;
		k->deadline_ms = now_ms() + 1000ull * l->srv->request_sec;
	}
	if (l->tls && !client_cert_ok(c))
		return MHD_NO; /* closes the connection: no service */
	req = calloc(1, sizeof(*req));
	if (req == NULL)
		return MHD_NO;
	*con_cls = req;
	req->started_ms = now_ms();
	req->answered = true; /* unless the checks below pass */
	if (k != NULL && k->reject) {
		snprintf(msg, sizeof(msg), "too many connections (at most %u)",
			 l->srv->max_conns);
		return send_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, msg, true);
	}
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, add_arg_len, &url_len);
	if (url_len > API_MAX_URL) {
		snprintf(msg, sizeof(msg), "request URL longer than %d bytes",
			 API_MAX_URL);
		return send_error(c, MHD_HTTP_URI_TOO_LONG, msg, true);
	}
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
	if (ci != NULL && ci->header_size > API_MAX_HEADER) {
		snprintf(msg, sizeof(msg), "request headers larger than %d bytes",
			 API_MAX_HEADER);
		return send_error(c, MHD_HTTP_REQUEST_HEADER_FIELDS_TOO_LARGE, msg,
				  true);
	}
	cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
					 MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl != NULL) {
		char *end;
		unsigned long long n;

		errno = 0;
		n = strtoull(cl, &end, 10);
		if (errno == ERANGE)
			n = ULLONG_MAX;
		else if (end == cl || cl[0] == '-')
			return send_error(c, MHD_HTTP_BAD_REQUEST,
					  "malformed Content-Length", true);
		if (n > API_MAX_BODY) {
			req->too_large = true;
			/* past the discard bound, or a client waiting for
			 * "100 Continue" (it has sent no body): answer now */
			if (n > API_DISCARD_MAX || expects_continue(c))
				return send_too_large(c);
		}
	}
	req->answered = false;
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
		return begin_request(l, c, url, con_cls);
	if (req->suspended) { /* resumed: the deferred reply is ready */
		req->suspended = false;
		return send_handler_reply(c, &req->later);
	}
	if (req->answered) { /* early reply: swallow whatever still comes */
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		size_t n = *upload_data_size;

		*upload_data_size = 0;
		if (!req->too_large && req->len + n > API_MAX_BODY) {
			req->too_large = true;
			req->discarded = req->len;
			free(req->body);
			req->body = NULL;
			req->len = req->cap = 0;
		}
		if (req->too_large) {
			/* read and thrown away, up to the bound; past it the
			 * connection closes (no reply can be queued mid-body) */
			req->discarded += n;
			if (req->discarded > API_DISCARD_MAX ||
			    now_ms() - req->started_ms > API_DISCARD_MS)
				return MHD_NO;
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
	struct listener *l = cls;
	struct request *req = *con_cls;
	struct conn *k = conn_of(c);

	(void)code;
	/* a kept-alive connection: idle (MHD's timeout), then its next
	 * request's headers within the request timeout */
	if (k != NULL)
		k->deadline_ms = now_ms() +
				 1000ull * (l->srv->idle_sec + l->srv->request_sec);
	if (req != NULL) {
		if (req->suspended && req->later_ready) /* answered, never sent */
			free(req->later.body);
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
	unsigned flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
	struct MHD_OptionItem opts[16];
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
					    (intptr_t)on_completed, l};
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_CONNECTION,
					    (intptr_t)on_connection, l};
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_TIMEOUT,
					    s->idle_sec, NULL};
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_LIMIT,
					    s->max_conns + API_CONN_HEADROOM, NULL};
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_MEMORY_LIMIT,
					    API_CONNECTION_MEMORY, NULL};
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

static unsigned env_uint(const char *name, unsigned def, unsigned min,
			 unsigned max)
{
	const char *v = getenv(name);
	char *end;
	unsigned long n;

	if (v == NULL || *v == '\0')
		return def;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno != 0 || *end != '\0' || n < min || n > max) {
		fprintf(stderr, "vswitchd: %s=%s ignored (expected %u-%u), using %u\n",
			name, v, min, max, def);
		return def;
	}
	return (unsigned)n;
}

/* The limits in force, and enough descriptors for them: RLIMIT_NOFILE's
 * soft limit raised towards its hard one; the connection cap lowered if
 * the descriptors still do not cover it with room for the rest. */
static void set_limits(struct api_server *s)
{
	struct rlimit rl;

	s->max_conns = env_uint("VSWITCHD_API_MAX_CONNECTIONS", API_MAX_CONNECTIONS,
				1, 100000);
	s->idle_sec = env_uint("VSWITCHD_API_IDLE_TIMEOUT", API_IDLE_TIMEOUT_SEC,
			       1, 86400);
	s->request_sec = env_uint("VSWITCHD_API_REQUEST_TIMEOUT",
				  API_REQUEST_TIMEOUT_SEC, 1, 86400);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rlim_t want = s->max_conns + API_CONN_HEADROOM + API_FD_RESERVE;

		if (want < API_NOFILE_WANTED)
			want = API_NOFILE_WANTED;
		if (rl.rlim_max != RLIM_INFINITY && want > rl.rlim_max)
			want = rl.rlim_max;
		if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
			rl.rlim_cur = want;
			if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
				getrlimit(RLIMIT_NOFILE, &rl);
		}
		if (rl.rlim_cur != RLIM_INFINITY &&
		    rl.rlim_cur < (rlim_t)s->max_conns + API_CONN_HEADROOM + API_FD_RESERVE) {
			unsigned fit = rl.rlim_cur > API_CONN_HEADROOM + API_FD_RESERVE + 16
				       ? (unsigned)(rl.rlim_cur - API_CONN_HEADROOM -
						    API_FD_RESERVE)
				       : 16;

			fprintf(stderr, "vswitchd: RLIMIT_NOFILE %llu: at most %u API "
				"connections (not %u)\n",
				(unsigned long long)rl.rlim_cur, fit, s->max_conns);
			s->max_conns = fit;
		}
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
	set_limits(s);
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
	conns_sweep(s);
}

void api_server_wait(struct api_server *s, unsigned timeout_us)
{
	struct pollfd fds[API_MAX_LISTENERS];
	struct timespec ts = {0, (long)timeout_us * 1000};
	nfds_t n = 0;

	if (s != NULL)
		for (unsigned i = 0; i < s->nb && n < API_MAX_LISTENERS; i++) {
			const union MHD_DaemonInfo *info = s->l[i].daemon == NULL ? NULL :
				MHD_get_daemon_info(s->l[i].daemon,
						    MHD_DAEMON_INFO_EPOLL_FD);

			if (info != NULL && info->epoll_fd >= 0)
				fds[n++] = (struct pollfd){.fd = info->epoll_fd, .events = POLLIN};
		}
	/* a ready socket (or a resumed connection: MHD's own eventfd is in
	 * its epoll set) ends the wait at once; nothing ready, the timeout */
	ppoll(fds, n, &ts, NULL);
}

void api_server_destroy(struct api_server *s)
{
	if (s == NULL)
		return;
	while (s->suspended != NULL) { /* deferred replies never answered */
		struct api_reply r = {503, strdup("{\"Success\":false,\"Error\":"
						  "\"the daemon is stopping\",\"Output\":null}"),
				      0, JSON_TYPE, NULL};

		r.len = r.body != NULL ? strlen(r.body) : 0;
		api_later_answer((struct api_later *)s->suspended, &r);
	}
	for (unsigned i = 0; i < s->nb; i++)
		stop_listener(&s->l[i]);
	free(s->tls_cert);
	free(s->tls_key);
	free(s->tls_ca);
	free(s);
}
