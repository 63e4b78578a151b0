/* REST /ports (ports_routes.h). */
#include "ports_routes.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "acl_api.h"
#include "envelope.h"
#include "ports.h"

static bool is_get(const char *method)
{
	return strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
}

static int bad_method(json_t **resp, const char *method, const char *path,
		      const char *allowed)
{
	return envelope_fail(resp, 405, "method %s not allowed on %s (allowed: %s)",
			     method, path, allowed);
}

static int create(struct ports *ps, const char *body, size_t len, json_t **resp)
{
	json_error_t jerr;
	json_t *doc;
	char err[1024];
	uint16_t index;
	int status;

	doc = json_loadb(body != NULL ? body : "", body != NULL ? len : 0,
			 JSON_REJECT_DUPLICATES, &jerr);
	if (doc == NULL)
		return envelope_fail(resp, 400, "line %d column %d: %s", jerr.line,
				     jerr.column, jerr.text);
	status = ports_add_json(ps, doc, &index, err, sizeof(err));
	json_decref(doc);
	if (status != 0)
		return envelope_fail(resp, status, "%s", err);
	*resp = ports_describe(ps, index);
	return 200;
}

/* /ports/{name}/{sub}: the port's ACLs (acl_api.h). */
static int port_sub(struct ports *ps, struct acl_api *acl, const char *method,
		    const char *name_sub, const char *body, size_t len, void *ticket,
		    json_t **resp)
{
	const char *slash = strchr(name_sub, '/');
	const char *sub = slash + 1;
	char name[VS_NAME_MAX];
	int p;

	if ((size_t)(slash - name_sub) >= sizeof(name))
		return envelope_fail(resp, 404, "no port '%.*s'", (int)(slash - name_sub),
				     name_sub);
	snprintf(name, sizeof(name), "%.*s", (int)(slash - name_sub), name_sub);
	if (!acl_api_path(sub))
		return envelope_fail(resp, 404, "no such path: /ports/%s", name_sub);
	p = ports_find(ps, name);
	if (p < 0)
		return envelope_fail(resp, 404, "no port '%s'", name);
	return acl_api_handle(acl, (uint16_t)p, name, method, sub, body, len, ticket,
			      resp);
}

static int one_port(struct ports *ps, const char *method, const char *path,
		    const char *name, json_t **resp)
{
	char err[1024];
	int p, status;

	if (strcmp(method, "DELETE") == 0) {
		status = ports_remove(ps, name, err, sizeof(err));
		if (status != 0)
			return envelope_fail(resp, status, "%s", err);
		*resp = NULL;
		return 204;
	}
	if (!is_get(method))
		return bad_method(resp, method, path, "GET, DELETE");
	p = ports_find(ps, name);
	if (p < 0)
		return envelope_fail(resp, 404, "no port '%s'", name);
	*resp = ports_describe(ps, (uint16_t)p);
	return 200;
}

int ports_routes_handle(struct ports *ps, struct acl_api *acl, const char *method,
			const char *path, const char *body, size_t len,
			void *ticket, json_t **resp)
{
	const char *name = path + strlen("/ports");
	const char *slash;

	if (*name == '/')
		name++;
	if (*name == '\0') {
		if (strcmp(method, "POST") == 0)
			return create(ps, body, len, resp);
		if (!is_get(method))
			return bad_method(resp, method, path, "GET, POST");
		*resp = ports_describe_all(ps);
		return 200;
	}
	slash = strchr(name, '/');
	if (slash != NULL && slash[1] != '\0')
		return port_sub(ps, acl, method, name, body, len, ticket, resp);
	if (slash != NULL) { /* "/ports/p1/" is "/ports/p1" */
		char one[VS_NAME_MAX + 1];

		snprintf(one, sizeof(one), "%.*s", (int)(slash - name), name);
		return one_port(ps, method, path, one, resp);
	}
	return one_port(ps, method, path, name, resp);
}
