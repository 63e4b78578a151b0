/* hnsctl's view of the REST API (hnsctl_cmd.h): one call unwraps HNS's
 * {"Success", "Error", "Output"} envelope and turns every failure (HTTP
 * status, Success false, no answer) into one "hnsctl: ..." line. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hnsctl_cmd.h"
#include "hnsctl_print.h"

/* While set, failures are not printed (hnsctl_call_quiet). */
static bool quiet;

int hnsctl_fail(const char *fmt, ...)
{
	va_list ap;

	if (quiet)
		return HNSCTL_FAIL;
	fputs("hnsctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return HNSCTL_FAIL;
}

/* The first line of a non-JSON body, at most 200 characters. */
static void body_excerpt(const struct hc_response *r, char *out, size_t len)
{
	size_t n = strcspn(r->body, "\r\n");

	if (n > 200)
		n = 200;
	snprintf(out, len, "%.*s", (int)n, r->body);
}

/* What the server accepted without enforcing it (keys it does not know,
 * policy types it does not apply): on stderr, so --json output stays
 * the server's JSON. */
static void print_warnings(const json_t *warnings)
{
	const json_t *w;
	size_t i;

	json_array_foreach(warnings, i, w)
		if (json_is_string(w))
			fprintf(stderr, "hnsctl: warning: %s\n", json_string_value(w));
}

static int unwrap(const char *method, const char *path,
		  const struct hc_response *r, json_t **output)
{
	bool ok_status = r->status >= 200 && r->status < 300;
	json_error_t jerr;
	json_t *j = NULL, *success, *error;
	char excerpt[256];

	if (r->len > 0)
		j = json_loadb(r->body, r->len, JSON_DECODE_ANY, &jerr);
	error = json_is_object(j) ? json_object_get(j, "Error") : NULL;
	if (!ok_status) {
		if (json_is_string(error) && json_string_length(error) > 0)
			hnsctl_fail("%s", json_string_value(error));
		else if (j == NULL && r->len > 0) {
			body_excerpt(r, excerpt, sizeof(excerpt));
			hnsctl_fail("%s %s: HTTP %ld: %s", method, path,
				    r->status, excerpt);
		} else
			hnsctl_fail("%s %s: HTTP %ld", method, path, r->status);
		json_decref(j);
		return -1;
	}
	if (j == NULL && r->len > 0) {
		hnsctl_fail("%s %s: the reply is not JSON: %s", method, path,
			    jerr.text);
		return -1;
	}
	success = json_is_object(j) ? json_object_get(j, "Success") : NULL;
	if (success == NULL) { /* a bare reply, or none */
		*output = j ? j : json_null();
		return 0;
	}
	if (!json_is_true(success)) {
		if (json_is_string(error) && json_string_length(error) > 0)
			hnsctl_fail("%s", json_string_value(error));
		else
			hnsctl_fail("%s %s failed (no error text)", method, path);
		json_decref(j);
		return -1;
	}
	print_warnings(json_object_get(j, "Warnings"));
	*output = json_object_get(j, "Output");
	*output = *output ? json_incref(*output) : json_null();
	json_decref(j);
	return 0;
}

int hnsctl_call(struct hnsctl *c, const char *method, const char *path,
		const json_t *body, json_t **output)
{
	struct hc_response r;
	char err[512];
	char *text = NULL;
	int rc;

	*output = NULL;
	if (c->http == NULL) {
		c->http = hc_http_open(c->api, &c->tls, err, sizeof(err));
		if (c->http == NULL) {
			hnsctl_fail("%s", err);
			return -1;
		}
	}
	if (body) {
		text = json_dumps(body, JSON_COMPACT);
		if (text == NULL) {
			hnsctl_fail("out of memory");
			return -1;
		}
	}
	rc = hc_http_request(c->http, method, path, text, &r, err, sizeof(err));
	free(text);
	if (rc < 0) {
		hnsctl_fail("cannot reach %s: %s", c->api, err);
		return -1;
	}
	rc = unwrap(method, path, &r, output);
	free(r.body);
	return rc;
}

char *hnsctl_path(const char *collection, const char *id, const char *suffix)
{
	char *esc = hc_url_escape(id);
	size_t len;
	char *p;

	if (esc == NULL)
		return NULL;
	len = strlen(collection) + strlen(esc) + strlen(suffix) + 1;
	p = malloc(len);
	if (p)
		snprintf(p, len, "%s%s%s", collection, esc, suffix);
	free(esc);
	return p;
}

const char *hnsctl_id(const json_t *obj)
{
	const char *id = json_string_value(json_object_get(obj, "ID"));

	return id ? id : json_string_value(json_object_get(obj, "Id"));
}

char *hnsctl_resolve(struct hnsctl *c, const char *collection,
		     const char *what, const char *key, json_t **list_out)
{
	const char *by_name = NULL;
	char *found = NULL;
	unsigned named = 0;
	json_t *list, *obj;
	size_t i;

	if (list_out)
		*list_out = NULL;
	if (hnsctl_call(c, "GET", collection, NULL, &list) < 0)
		return NULL;
	json_array_foreach(list, i, obj) {
		const char *id = hnsctl_id(obj);
		const char *name = json_string_value(json_object_get(obj, "Name"));

		if (id && strcasecmp(id, key) == 0) {
			found = strdup(id);
			break;
		}
		if (id && name && strcmp(name, key) == 0) {
			by_name = id;
			named++;
		}
	}
	if (found == NULL && named > 1) {
		hnsctl_fail("%u %ss are named '%s': use the ID", named, what,
			    key);
		json_decref(list);
		return NULL;
	}
	if (found == NULL)
		found = strdup(by_name ? by_name : key);
	if (list_out)
		*list_out = list;
	else
		json_decref(list);
	if (found == NULL)
		hnsctl_fail("out of memory");
	return found;
}

int hnsctl_call_quiet(struct hnsctl *c, const char *method, const char *path,
		      const json_t *body, json_t **output)
{
	int rc;

	quiet = true;
	rc = hnsctl_call(c, method, path, body, output);
	quiet = false;
	return rc;
}

json_t *hnsctl_load_json(const char *arg)
{
	json_error_t jerr;
	json_t *doc;

	if (arg[0] == '@') {
		doc = strcmp(arg, "@-") == 0 ? json_loadf(stdin, JSON_REJECT_DUPLICATES, &jerr)
					     : json_load_file(arg + 1, JSON_REJECT_DUPLICATES,
							      &jerr);
		if (doc == NULL)
			hnsctl_fail("%s: %s", arg + 1, jerr.text);
	} else {
		doc = json_loads(arg, JSON_REJECT_DUPLICATES, &jerr);
		if (doc == NULL)
			hnsctl_fail("bad JSON: line %d column %d: %s", jerr.line,
				    jerr.column, jerr.text);
	}
	return doc;
}

int hnsctl_call_print(struct hnsctl *c, const char *method, const char *collection,
		      const char *id, const char *suffix, const json_t *body,
		      void (*print)(const json_t *))
{
	char *path = hnsctl_path(collection, id, suffix);
	json_t *out = NULL;
	int rc;

	if (path == NULL)
		return hnsctl_fail("out of memory");
	rc = hnsctl_call(c, method, path, body, &out);
	free(path);
	if (rc < 0)
		return HNSCTL_FAIL;
	if (c->json)
		print_json(out);
	else if (print != NULL)
		print(out);
	json_decref(out);
	return HNSCTL_OK;
}

int hnsctl_show_or_delete(struct hnsctl *c, const char *collection, const char *id,
			  const char *method, void (*print)(const json_t *))
{
	bool get = strcmp(method, "GET") == 0;
	int rc = hnsctl_call_print(c, method, collection, id, "", NULL, get ? print : NULL);

	if (rc == HNSCTL_OK && !get && !c->json)
		printf("%s\n", id);
	return rc;
}
