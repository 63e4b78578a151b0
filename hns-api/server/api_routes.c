/* The router (api_routes.h): dispatch by path, the reply envelope, and the
 * conversion of a handler's (status, JSON) into the transport's reply. */
#include "api_routes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envelope.h"
#include "hns.h"
#include "nat_api.h"
#include "ports_routes.h"
#include "program.h"
#include "stats_json.h"
#include "trace_api.h"

#define JSON_TYPE "application/json"
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

	if (stats_metrics_text(program_switch(pg), &text, &len) < 0) {
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

void api_routes_handle(void *ctx, const char *method, const char *path,
		       const char *query, const char *body, size_t body_len,
		       struct api_reply *reply)
{
	struct program *pg = ctx;
	json_t *resp = NULL;
	int status;

	if (path_is(path, "/stats")) {
		if (!is_get(method))
			reply_bad_method(reply, method, path, "GET");
		else
			reply_json(reply, 200, stats_to_json(program_switch(pg)));
		return;
	}
	if (path_is(path, "/metrics")) {
		if (!is_get(method))
			reply_bad_method(reply, method, path, "GET");
		else
			route_metrics(pg, reply);
		return;
	}
	if (path_is(path, "/trace")) {
		status = trace_api_handle(program_switch(pg), program_access(pg), method, body, body_len, &resp);
	} else if (path_under(path, "/ports")) {
		status = ports_routes_handle(program_ports(pg), program_acl(pg), method,
					     path, body, body_len, &resp);
	} else if (nat_api_path(path)) { /* /nats..., /portproxy... */
		status = nat_api_handle(program_nat(pg), method, path, query, body,
					body_len, &resp);
	} else if (program_hns(pg) == NULL) {
		status = 404;
		resp = envelope_errorf("no such path: %s", path);
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

void api_routes_poll(void *arg)
{
	api_server_poll(arg);
}
