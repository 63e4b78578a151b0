/* libFuzzer target: every REST route (api_routes.h) of a whole switch
 * (fuzz_switch.h): /stats, /metrics, /ports and their ACLs, /nats and
 * the rest of WinNAT's API, and the HNS paths behind them. An input is a
 * sequence of requests (fuzz_input.h); a path's "?query" is split off as
 * the transport does. Left out because they reach outside the process: POST
 * /ports (probes a device from Devargs), DELETE /ports/... (unplugs one),
 * and /trace (writes files); HNS attach with Devargs is refused by the fuzz
 * switch's dataplane. State carries over between inputs, as in a daemon,
 * but what an input created (endpoints, networks, NATs) is deleted after
 * it. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_server.h"
#include "fuzz_input.h"
#include "fuzz_switch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct fuzz_switch fsw;
/* changes made inside their requests (no background thread) */
static struct api_router *router;
static bool ready;

static bool left_out(const struct fuzz_request *r)
{
	const char *p = r->path;

	while (*p == '/')
		p++;
	if (strncmp(p, "trace", 5) == 0)
		return true;
	if (strncmp(p, "ports", 5) == 0 &&
	    (strcmp(r->method, "POST") == 0 || strcmp(r->method, "DELETE") == 0) &&
	    strstr(p, "acls") == NULL)
		return true;
	return false;
}

/* Every answer has a status and a body; a JSON one parses. */
static void check_reply(const struct fuzz_request *r, const struct api_reply *reply)
{
	json_error_t jerr;
	json_t *v;

	if (reply->status < 100 || reply->status > 599 || reply->body == NULL) {
		fprintf(stderr, "fuzz_api: %s %s: status %d, body %p\n", r->method,
			r->path, reply->status, (void *)reply->body);
		abort();
	}
	/* a 500 "out of memory" is reply_json's answer when it cannot make
	 * the document: a bug (running out of the 256 MiB EAL heap, which
	 * what earlier inputs left can do, is 507) */
	if (reply->status == 500 && strstr(reply->body, "out of memory") != NULL) {
		fprintf(stderr, "fuzz_api: %s %s: 500 out of memory\n", r->method, r->path);
		abort();
	}
	if (reply->content_type == NULL ||
	    strstr(reply->content_type, "json") == NULL)
		return;
	v = json_loadb(reply->body, reply->len, JSON_DECODE_ANY, &jerr);
	if (v == NULL) {
		fprintf(stderr, "fuzz_api: %s %s: status %d, body is not JSON (%s): %.*s\n",
			r->method, r->path, reply->status, jerr.text, (int)reply->len,
			reply->body);
		abort();
	}
	json_decref(v);
}

/* One request outside the input; its reply as JSON (NULL if none). */
static json_t *call(const char *method, const char *path)
{
	struct api_reply reply;
	json_t *v;

	memset(&reply, 0, sizeof(reply));
	api_routes_handle(router, method, path, "", NULL, 0, &reply);
	v = reply.body != NULL ? json_loadb(reply.body, reply.len, JSON_DECODE_ANY, NULL)
			       : NULL;
	free(reply.body);
	return v;
}

static bool kept(const char *name, const char *const *keep)
{
	for (; *keep != NULL; keep++)
		if (name != NULL && strcmp(name, *keep) == 0)
			return true;
	return false;
}

/* Deletes what an input created beyond the fixed config (endpoints,
 * networks, NATs), so memory stays bounded: each NAT holds megabytes of
 * EAL memory, and running out of it is not what this target looks for. */
static void remove_created(const char *list, const char *del_fmt, const char *key,
			   const char *const *keep)
{
	json_t *v = call("GET", list), *arr = v, *e;
	char path[512];
	size_t i;

	if (json_is_object(v))
		arr = json_object_get(v, "Output");
	json_array_foreach(arr, i, e) {
		const char *name = json_string_value(json_object_get(e, "Name"));
		const char *id = json_string_value(json_object_get(e, key));

		if (kept(name, keep) || id == NULL)
			continue;
		snprintf(path, sizeof(path), del_fmt, id);
		json_decref(call("DELETE", path));
	}
	json_decref(v);
}

static void cleanup(void)
{
	static const char *const endpoints[] = {"pod1", "pod2", "natpod", NULL};
	static const char *const networks[] = {"l2bridge", "hnsnat", NULL};
	static const char *const nats[] = {"winnat", "hnsnat", NULL};

	remove_created("/endpoints/", "/endpoints/%s", "ID", endpoints);
	remove_created("/networks/", "/networks/%s", "ID", networks);
	remove_created("/nats", "/nats/%s", "Name", nats);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_request rq[FUZZ_MAX_REQUESTS];
	char *buf;
	unsigned n;

	if (!ready) {
		fuzz_switch_build(&fsw);
		router = api_router_create(fsw.program, false, NULL, 0);
		if (router == NULL)
			abort();
		ready = true;
	}
	if (size > 65536)
		return 0;
	buf = malloc(size + 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	n = fuzz_split(buf, size, rq, FUZZ_MAX_REQUESTS);
	for (unsigned i = 0; i < n; i++) {
		struct api_reply reply;
		char *q;

		if (left_out(&rq[i]))
			continue;
		q = strchr(rq[i].path, '?');
		if (q != NULL)
			*q++ = '\0';
		else
			q = rq[i].path + strlen(rq[i].path); /* "" */
		memset(&reply, 0, sizeof(reply));
		api_routes_handle(router, rq[i].method, rq[i].path, q, rq[i].body,
				  rq[i].body_len, &reply);
		check_reply(&rq[i], &reply);
		free(reply.body);
		fuzz_switch_settle(&fsw);
	}
	cleanup();
	fuzz_switch_settle(&fsw);
	free(buf);
	return 0;
}
