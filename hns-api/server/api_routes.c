/* The router (api_routes.h): dispatch by path, the reply envelope, the
 * conversion of a handler's (status, JSON) into the transport's reply, and
 * the order of changes: one at a time, in arrival order. A change whose
 * work runs in the background (a port ACL rule set compiled off the main
 * lcore, acl_api.h) leaves its request waiting; changes arriving meanwhile
 * are held (their connections suspended) and routed, in order, once it is
 * answered; reads are answered at once from the state in force. */
#include "api_routes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acl_api.h"
#include "envelope.h"
#include "hns.h"
#include "nat_api.h"
#include "ports_routes.h"
#include "program.h"
#include "stats_json.h"
#include "trace_api.h"

#define JSON_TYPE "application/json"
/* Changes held while one is in the background: beyond these, 503. */
#define HELD_MAX 1024
#define HELD_BYTES_MAX (64u * 1024 * 1024)

/* A change waiting for the one in the background. */
struct held {
	struct held *next;
	struct api_later *ticket;
	char *method, *path, *query, *body;
	size_t len;
};

struct api_router {
	struct program *pg;
	struct api_server *server;
	bool background;     /* false: every change is made inside its request */
	bool busy;           /* a change is in the background */
	bool stopping;
	/* a change's reply kept until what it programs is in force (an HNS
	 * endpoint's ACL policies compiled in the background) */
	struct api_reply settle_reply;
	struct api_later *settle_ticket;
	struct held *head, *tail;
	unsigned nb_held;
	size_t held_bytes;
};
#define METRICS_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* A handler's answer: status and body (stolen; NULL: no body for 204,
 * else out of memory). */
static void reply_json(struct api_reply *reply, int status, json_t *doc)
{
	if (doc == NULL && status != 204) {
		status = 500;
		doc = envelope_error("out of memory");
	}
	reply->status = status;
	reply->content_type = JSON_TYPE;
	reply->body = doc != NULL ? json_dumps(doc, JSON_COMPACT) : NULL;
	reply->len = reply->body != NULL ? strlen(reply->body) : 0;
	json_decref(doc);
	if (doc != NULL && reply->body == NULL) {
		reply->status = 500;
		reply->body = strdup("{\"Success\":false,\"Error\":\"out of memory\","
				     "\"Output\":null}");
		reply->len = reply->body != NULL ? strlen(reply->body) : 0;
	}
}

static bool is_get(const char *method)
{
	return strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
}

static void reply_bad_method(struct api_reply *reply, const char *method,
			     const char *path, const char *allowed)
{
	reply_json(reply, 405, envelope_errorf("method %s not allowed on %s "
					       "(allowed: %s)", method, path, allowed));
}

static void route_metrics(const struct program *pg, struct api_reply *reply)
{
	char *text;
	size_t len;

	if (program_metrics(pg, &text, &len) < 0) {
		reply_json(reply, 500, envelope_error("out of memory"));
		return;
	}
	reply->status = 200;
	reply->body = text;
	reply->len = len;
	reply->content_type = METRICS_TYPE;
}

static bool path_is(const char *path, const char *base)
{
	size_t n = strlen(base);

	return strncmp(path, base, n) == 0 &&
	       (path[n] == '\0' || (path[n] == '/' && path[n + 1] == '\0'));
}

static bool path_under(const char *path, const char *base)
{
	size_t n = strlen(base);

	return strncmp(path, base, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* "/endpoints/{id}/policystatus": true with id. */
static bool policystatus_id(const char *path, char *id, size_t len)
{
	static const char pre[] = "/endpoints/", post[] = "/policystatus";
	const char *end;
	size_t n;

	if (strncmp(path, pre, sizeof(pre) - 1) != 0)
		return false;
	path += sizeof(pre) - 1;
	end = strchr(path, '/');
	if (end == NULL || strcmp(end, post) != 0)
		return false;
	n = (size_t)(end - path);
	if (n == 0 || n >= len)
		return false;
	memcpy(id, path, n);
	id[n] = '\0';
	return true;
}

static void route(struct api_router *r, const char *method, const char *path,
		  const char *query, const char *body, size_t body_len,
		  struct api_reply *reply)
{
	struct program *pg = r->pg;
	json_t *resp = NULL;
	char id[128];
	int status;

	if (path_is(path, "/stats")) {
		if (!is_get(method))
			reply_bad_method(reply, method, path, "GET");
		else
			reply_json(reply, 200, program_stats(pg));
		return;
	}
	if (path_is(path, "/metrics")) {
		if (!is_get(method))
			reply_bad_method(reply, method, path, "GET");
		else
			route_metrics(pg, reply);
		return;
	}
	if (policystatus_id(path, id, sizeof(id))) {
		if (!is_get(method)) {
			reply_bad_method(reply, method, path, "GET");
			return;
		}
		status = program_endpoint_policy_status(pg, id, &resp);
	} else if (path_is(path, "/trace")) {
		status = trace_api_handle(program_switch(pg), program_access(pg), method, body, body_len, &resp);
	} else if (path_under(path, "/ports")) {
		status = ports_routes_handle(program_ports(pg), program_acl(pg), method,
					     path, body, body_len, reply->later, &resp);
		if (status == ACL_API_LATER) {
			r->busy = true;
			reply->status = API_REPLY_LATER;
			return;
		}
	} else if (nat_api_path(path)) { /* /nats..., /portproxy... */
		status = nat_api_handle(program_nat(pg), method, path, query, body,
					body_len, &resp);
	} else if (program_hns(pg) == NULL) {
		status = 404;
		resp = envelope_errorf("no such path: %s", path);
	} else if ((status = hns_handle_text(program_hns(pg), method, path, query,
					     &reply->body, &reply->len)) != 0) {
		/* a whole-list GET, written as text (issue 17) */
		reply->status = status;
		reply->content_type = JSON_TYPE;
		return;
	} else {
		status = hns_handle_query(program_hns(pg), method, path, query, body,
					  body_len, &resp);
		if (resp == NULL) {
			resp = envelope_error(status == 404 ? "no such path" : "no response");
			status = status >= 400 ? status : 500;
		}
	}
	reply_json(reply, status, resp);
}

static void held_free(struct held *h)
{
	free(h->method);
	free(h->path);
	free(h->query);
	free(h->body);
	free(h);
}

static char *dup_or_empty(const char *s)
{
	return strdup(s != NULL ? s : "");
}

/* Keeps a change until the one in the background is answered: 0, or -1
 * (full, out of memory). */
static int hold(struct api_router *r, const char *method, const char *path,
		const char *query, const char *body, size_t len,
		struct api_later *ticket)
{
	struct held *h;

	if (r->nb_held >= HELD_MAX || r->held_bytes + len > HELD_BYTES_MAX ||
	    ticket == NULL || (h = calloc(1, sizeof(*h))) == NULL)
		return -1;
	h->ticket = ticket;
	h->method = dup_or_empty(method);
	h->path = dup_or_empty(path);
	h->query = dup_or_empty(query);
	h->body = len > 0 ? malloc(len) : NULL;
	h->len = len;
	if (h->method == NULL || h->path == NULL || h->query == NULL ||
	    (len > 0 && h->body == NULL)) {
		held_free(h);
		return -1;
	}
	if (len > 0)
		memcpy(h->body, body, len);
	if (r->tail != NULL)
		r->tail->next = h;
	else
		r->head = h;
	r->tail = h;
	r->nb_held++;
	r->held_bytes += len;
	return 0;
}

static void answer_error(struct api_later *ticket, int status, const char *msg)
{
	struct api_reply reply = {0};

	reply_json(&reply, status, envelope_error(msg));
	api_later_answer(ticket, &reply);
}

/* After route(): true when the reply is to come later (the server
 * suspends the request): the change runs in the background, or it is made
 * but the switch state it programs is still being compiled there (the
 * reply is kept until that is in force). */
static bool reply_later(struct api_router *r, struct api_reply *reply)
{
	if (reply->status == API_REPLY_LATER)
		return true;
	if (!r->background || !program_background_settling(r->pg) || reply->later == NULL)
		return false;
	r->settle_reply = *reply;
	r->settle_ticket = reply->later;
	r->busy = true;
	reply->status = API_REPLY_LATER;
	reply->body = NULL;
	return true;
}

/* The kept reply, once its change is in force. */
static void answer_settled(struct api_router *r)
{
	struct api_later *ticket = r->settle_ticket;

	if (ticket == NULL || (!r->stopping && program_background_settling(r->pg)))
		return;
	r->settle_ticket = NULL;
	api_later_answer(ticket, &r->settle_reply);
	memset(&r->settle_reply, 0, sizeof(r->settle_reply));
	r->busy = false;
}

/* Routes the held changes in order until one goes to the background. */
static void run_held(struct api_router *r)
{
	while (!r->busy && r->head != NULL) {
		struct held *h = r->head;
		struct api_reply reply = {0};

		r->head = h->next;
		if (r->head == NULL)
			r->tail = NULL;
		r->nb_held--;
		r->held_bytes -= h->len;
		if (r->stopping) {
			answer_error(h->ticket, 503, "the daemon is stopping");
		} else {
			reply.later = h->ticket;
			route(r, h->method, h->path, h->query, h->len > 0 ? h->body : NULL,
			      h->len, &reply);
			if (!reply_later(r, &reply))
				api_later_answer(h->ticket, &reply);
		}
		held_free(h);
	}
}

/* The background change is done (acl_api_answer_fn). */
static void answer_change(void *ctx, void *ticket, int status, char *text,
			  size_t len)
{
	struct api_router *r = ctx;
	struct api_reply reply = {status, text, len, JSON_TYPE, NULL};

	api_later_answer(ticket, &reply);
	r->busy = false;
	run_held(r);
}

void api_routes_handle(void *ctx, const char *method, const char *path,
		       const char *query, const char *body, size_t body_len,
		       struct api_reply *reply)
{
	struct api_router *r = ctx;

	if (r->busy && !is_get(method)) {
		if (hold(r, method, path, query, body, body_len, reply->later) < 0) {
			reply_json(reply, 503, envelope_errorf(
				"too many changes waiting (at most %d): try again",
				HELD_MAX));
			return;
		}
		reply->status = API_REPLY_LATER;
		return;
	}
	route(r, method, path, query, body, body_len, reply);
	if (!is_get(method)) /* a read never waits */
		reply_later(r, reply);
}

struct api_router *api_router_create(struct program *pg, bool background,
				     char *err, size_t errlen)
{
	struct api_router *r = calloc(1, sizeof(*r));

	if (r == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	r->pg = pg;
	if (background && program_background_start(pg, answer_change, r, err, errlen) < 0) {
		free(r);
		return NULL;
	}
	r->background = background;
	return r;
}

void api_router_set_server(struct api_router *r, struct api_server *server)
{
	r->server = server;
}

void api_router_destroy(struct api_router *r)
{
	if (r == NULL)
		return;
	r->stopping = true;
	if (r->background)
		program_background_stop(r->pg); /* finishes, answers */
	answer_settled(r);
	r->busy = false;
	run_held(r);
	free(r);
}

void api_routes_poll(void *arg)
{
	struct api_router *r = arg;

	if (r->background) {
		program_background_poll(r->pg);
		if (r->settle_ticket != NULL) {
			answer_settled(r);
			run_held(r);
		}
	}
	api_server_poll(r->server);
	program_idle(r->pg);
}

void api_routes_wait(void *arg, unsigned timeout_us)
{
	struct api_router *r = arg;

	api_server_wait(r->server, timeout_us);
}
