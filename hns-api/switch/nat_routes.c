/* The REST paths of WinNAT (nat_api.h): /nats, their static mappings,
 * sessions and bindings, and /portproxy. A thin handler: it parses the
 * body (nat_json.h), calls one typed operation of the model
 * (nat_internal.h) and answers with the HNS envelope. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr_parse.h"
#include "envelope.h"
#include "nat_internal.h"

static int reply_ok(json_t **resp, int status, json_t *output)
{
	*resp = envelope_ok(output);
	return status;
}

static json_t *load_body(const char *body, size_t len, json_t **resp, int *status)
{
	json_error_t jerr;
	json_t *doc = json_loadb(body != NULL ? body : "", body != NULL ? len : 0,
				 JSON_REJECT_DUPLICATES, &jerr);

	if (doc == NULL)
		*status = envelope_fail(resp, 400, "line %d column %d: %s", jerr.line,
					jerr.column, jerr.text);
	return doc;
}

static int post_nat(struct nat_api *a, const char *body, size_t len, json_t **resp)
{
	struct nat_json n;
	char err[ERR_MAX];
	json_t *doc;
	int status = 0, slot = -1;

	doc = load_body(body, len, resp, &status);
	if (doc == NULL)
		return status;
	if (nat_json_parse(doc, "", &n, err, sizeof(err)) < 0) {
		json_decref(doc);
		return envelope_fail(resp, 400, "%s", err);
	}
	json_decref(doc);
	status = nat_op_add(a, &n, &slot, err, sizeof(err));
	nat_json_release(&n);
	if (status != 0)
		return envelope_fail(resp, status, "%s", err);
	return reply_ok(resp, 201, nat_one_json(a, slot));
}

static int delete_nat(struct nat_api *a, int slot, json_t **resp)
{
	char err[ERR_MAX];
	json_t *gone = nat_one_json(a, slot);
	int status = nat_op_remove(a, slot, err, sizeof(err));

	if (status != 0) {
		json_decref(gone);
		return envelope_fail(resp, status, "%s", err);
	}
	return reply_ok(resp, 200, gone);
}

static int post_mapping(struct nat_api *a, int slot, const char *name, const char *body,
			size_t len, json_t **resp)
{
	struct winnat_mapping m;
	char err[ERR_MAX] = "";
	json_t *doc;
	int status = 0, rc;

	doc = load_body(body, len, resp, &status);
	if (doc == NULL)
		return status;
	memset(&m, 0, sizeof(m));
	rc = nat_mapping_json_parse(doc, "", name, &m, err, sizeof(err));
	json_decref(doc);
	if (rc < 0)
		return envelope_fail(resp, 400, "%s", err);
	status = nat_op_mapping_add(a, slot, &m, err, sizeof(err));
	if (status != 0)
		return envelope_fail(resp, status, "%s", err);
	return reply_ok(resp, 201, nat_last_mapping_json(a, slot));
}

/* "17" -> 17; 0 for anything else (ids start at 1). */
static uint32_t parse_id(const char *s, size_t n)
{
	uint64_t v = 0;

	if (n == 0 || n > 10)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	return v <= UINT32_MAX ? (uint32_t)v : 0;
}

static int delete_mapping(struct nat_api *a, int slot, const char *name,
			  const char *idtext, size_t idlen, json_t **resp)
{
	uint32_t id = parse_id(idtext, idlen);
	json_t *gone = nat_mapping_json_by_id(a, slot, id);
	char err[ERR_MAX];
	int status;

	if (gone == NULL)
		return envelope_fail(resp, 404, "NAT '%s' has no static mapping '%.*s'",
				     name, (int)(idlen < 20 ? idlen : 20), idtext);
	status = nat_op_mapping_remove(a, slot, id, err, sizeof(err));
	if (status != 0) {
		json_decref(gone);
		return envelope_fail(resp, status, "%s", err);
	}
	return reply_ok(resp, 200, gone);
}

struct collect {
	json_t *arr;
	unsigned limit, n;
};

static int collect_session(void *ctx, const struct winnat_session_info *s)
{
	struct collect *c = ctx;

	if (c->n >= c->limit)
		return 1;
	json_array_append_new(c->arr, nat_session_json(s));
	c->n++;
	return c->n >= c->limit;
}

static int collect_binding(void *ctx, const struct winnat_binding_info *b)
{
	struct collect *c = ctx;

	json_array_append_new(c->arr, nat_binding_json(b));
	return 0;
}

/* "limit=N" in a query string; 0 when absent, -1 when bad. */
static long query_limit(const char *query)
{
	const char *q = query;

	while (q != NULL && *q != '\0') {
		const char *amp = strchr(q, '&');
		size_t n = amp != NULL ? (size_t)(amp - q) : strlen(q);

		if (n > 6 && strncmp(q, "limit=", 6) == 0) {
			uint32_t v = parse_id(q + 6, n - 6);

			return v == 0 || v > 100000000 ? -1 : (long)v;
		}
		if (n == 6 && strncmp(q, "limit=", 6) == 0)
			return -1;
		q = amp != NULL ? amp + 1 : NULL;
	}
	return 0;
}

static int get_sessions(struct nat_api *a, int slot, const char *query, json_t **resp)
{
	const struct winnat *n = nat_ctl_get(nat_api_switch(a), slot);
	long limit = query_limit(query);
	struct collect c = {json_array(), NAT_API_SESSIONS_LIMIT, 0};

	if (limit < 0) {
		json_decref(c.arr);
		return envelope_fail(resp, 400, "limit: must be a number of 1-100000000");
	}
	if (limit > 0)
		c.limit = (unsigned)limit;
	if (n != NULL)
		winnat_foreach_session(n, vswitch_now(nat_api_switch(a)), collect_session, &c);
	return reply_ok(resp, 200, c.arr);
}

static int get_bindings(struct nat_api *a, int slot, json_t **resp)
{
	const struct winnat *n = nat_ctl_get(nat_api_switch(a), slot);
	struct collect c = {json_array(), 0, 0};

	if (n != NULL)
		winnat_foreach_binding(n, collect_binding, &c);
	return reply_ok(resp, 200, c.arr);
}

static int post_proxy(struct nat_api *a, const char *body, size_t len, json_t **resp)
{
	struct winnat_proxy px;
	char err[ERR_MAX] = "";
	json_t *doc;
	int status = 0, rc;

	doc = load_body(body, len, resp, &status);
	if (doc == NULL)
		return status;
	memset(&px, 0, sizeof(px));
	rc = nat_proxy_json_parse(doc, "", &px, err, sizeof(err));
	json_decref(doc);
	if (rc < 0)
		return envelope_fail(resp, 400, "%s", err);
	status = nat_op_proxy_add(a, &px, err, sizeof(err));
	if (status != 0)
		return envelope_fail(resp, status, "%s", err);
	return reply_ok(resp, 201, nat_last_proxy_json(a));
}

static int delete_proxy(struct nat_api *a, const char *rest, json_t **resp)
{
	const char *slash = strchr(rest, '/');
	char ipt[IPV4_FMT_SIZE + 1], err[ERR_MAX];
	uint32_t ip, port;
	json_t *gone;
	int status;

	if (slash == NULL || (size_t)(slash - rest) >= sizeof(ipt))
		return envelope_fail(resp, 404, "no such path: /portproxy/%s (use "
				     "/portproxy/{ListenAddress}/{ListenPort})", rest);
	snprintf(ipt, sizeof(ipt), "%.*s", (int)(slash - rest), rest);
	port = parse_id(slash + 1, strlen(slash + 1));
	if (ipv4_parse(ipt, &ip) < 0 || port == 0 || port > 65535)
		return envelope_fail(resp, 404, "no port proxy listens on %s", rest);
	gone = nat_proxy_json_at(a, ip, (uint16_t)port);
	if (gone == NULL)
		return envelope_fail(resp, 404, "no port proxy listens on %s:%" PRIu32,
				     ipt, port);
	status = nat_op_proxy_remove(a, ip, (uint16_t)port, err, sizeof(err));
	if (status != 0) {
		json_decref(gone);
		return envelope_fail(resp, status, "%s", err);
	}
	return reply_ok(resp, 200, gone);
}

/* ---- dispatch ------------------------------------------------------------ */

/* ---- dispatch ------------------------------------------------------------ */

static bool is_get(const char *method)
{
	return strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
}

static bool under(const char *path, const char *base, const char **rest)
{
	size_t n = strlen(base);

	if (strncmp(path, base, n) != 0 || (path[n] != '\0' && path[n] != '/'))
		return false;
	*rest = path[n] == '/' ? path + n + 1 : path + n;
	return true;
}

bool nat_api_path(const char *path)
{
	const char *rest;

	return under(path, "/nats", &rest) || under(path, "/portproxy", &rest);
}

static int bad_method(json_t **resp, const char *method, const char *path,
		      const char *allowed)
{
	return envelope_fail(resp, 405, "method %s not allowed on %s (allowed: %s)",
			  method, path, allowed);
}

static int handle_portproxy(struct nat_api *a, const char *method, const char *path,
			    const char *rest, const char *body, size_t len,
			    json_t **resp)
{
	if (*rest == '\0') {
		if (is_get(method)) {
			return reply_ok(resp, 200, nat_proxies_json(a));
		}
		if (strcmp(method, "POST") == 0)
			return post_proxy(a, body, len, resp);
		return bad_method(resp, method, path, "GET, POST");
	}
	if (strcmp(method, "DELETE") != 0)
		return bad_method(resp, method, path, "DELETE");
	return delete_proxy(a, rest, resp);
}

/* /nats/{name}[/{sub}[/{id}]] with rest = "{name}..." */
static int handle_one_nat(struct nat_api *a, const char *method, const char *path,
			  const char *rest, const char *query, const char *body,
			  size_t len, json_t **resp)
{
	const char *slash = strchr(rest, '/'), *sub = slash != NULL ? slash + 1 : "";
	char name[WINNAT_NAME_MAX];
	size_t nlen = slash != NULL ? (size_t)(slash - rest) : strlen(rest);
	const char *idp;
	int slot;

	if (nlen >= sizeof(name))
		return envelope_fail(resp, 404, "no NAT '%.*s'", (int)(nlen < 80 ? nlen : 80),
				  rest);
	snprintf(name, sizeof(name), "%.*s", (int)nlen, rest);
	slot = nat_find(a, name);
	if (*sub == '\0') {
		if (!is_get(method) && strcmp(method, "DELETE") != 0)
			return bad_method(resp, method, path, "GET, DELETE");
		if (slot < 0)
			return envelope_fail(resp, 404, "no NAT '%s'", name);
		if (is_get(method))
			return reply_ok(resp, 200, nat_one_json(a, slot));
		return delete_nat(a, slot, resp);
	}
	if (under(sub, "staticmappings", &idp)) {
		if (*idp == '\0') {
			if (!is_get(method) && strcmp(method, "POST") != 0)
				return bad_method(resp, method, path, "GET, POST");
		} else if (strcmp(method, "DELETE") != 0) {
			return bad_method(resp, method, path, "DELETE");
		}
		if (slot < 0)
			return envelope_fail(resp, 404, "no NAT '%s'", name);
		if (*idp != '\0')
			return delete_mapping(a, slot, name, idp, strlen(idp), resp);
		if (is_get(method))
			return reply_ok(resp, 200, nat_mappings_json(a, slot));
		return post_mapping(a, slot, name, body, len, resp);
	}
	if (strcmp(sub, "sessions") == 0 || strcmp(sub, "bindings") == 0) {
		if (!is_get(method))
			return bad_method(resp, method, path, "GET");
		if (slot < 0)
			return envelope_fail(resp, 404, "no NAT '%s'", name);
		return sub[0] == 's' ? get_sessions(a, slot, query, resp)
				     : get_bindings(a, slot, resp);
	}
	return envelope_fail(resp, 404, "no such path: %s", path);
}

int nat_api_handle(struct nat_api *a, const char *method, const char *path,
		   const char *query, const char *body, size_t body_len,
		   json_t **resp)
{
	char clean[512];
	const char *rest;
	size_t n = strlen(path);

	/* "/nats/x/" is "/nats/x" */
	if (n >= sizeof(clean))
		return envelope_fail(resp, 404, "no such path");
	memcpy(clean, path, n + 1);
	while (n > 1 && clean[n - 1] == '/')
		clean[--n] = '\0';
	if (under(clean, "/portproxy", &rest))
		return handle_portproxy(a, method, clean, rest, body, body_len, resp);
	if (!under(clean, "/nats", &rest))
		return envelope_fail(resp, 404, "no such path: %s", path);
	if (*rest != '\0')
		return handle_one_nat(a, method, clean, rest, query, body, body_len, resp);
	if (is_get(method))
		return reply_ok(resp, 200, nat_list_json(a));
	if (strcmp(method, "POST") == 0)
		return post_nat(a, body, body_len, resp);
	return bad_method(resp, method, clean, "GET, POST");
}

