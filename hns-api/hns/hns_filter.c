/* v2 list queries: hcsshim turns GetNetworkByName, GetEndpointByID,
 * ListEndpointsOfNetwork ... into an enumerate with a HostComputeQuery
 * whose Filter is a JSON object of ID, Name and VirtualNetwork (the v1 name
 * of an endpoint's network). Over HTTP the Filter comes as
 * ?filter=<url-encoded JSON>. No match is an empty list, as in HCN (the
 * client turns it into its own not-found error).
 *
 * A get-by-ID or get-by-name is one index lookup, so it stays cheap at
 * tens of thousands of objects; only the matches are rendered. */
#include "hns_internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct query {
	const char *id, *name, *network;
};

static int hexval(int c)
{
	return isdigit(c) ? c - '0' : tolower(c) - 'a' + 10;
}

/* Decodes %XX and '+' in place. -1 on a bad escape. */
static int url_decode(char *s)
{
	char *out = s;

	for (; *s; s++) {
		if (*s == '+') {
			*out++ = ' ';
		} else if (*s == '%') {
			if (!isxdigit((unsigned char)s[1]) || !isxdigit((unsigned char)s[2]))
				return -1;
			*out++ = (char)(hexval((unsigned char)s[1]) * 16 +
					hexval((unsigned char)s[2]));
			s += 2;
		} else {
			*out++ = *s;
		}
	}
	*out = '\0';
	return 0;
}

/* The value of the "filter" parameter (malloc'd, URL-decoded unless the
 * query already is), or NULL. */
static char *filter_param(const char *query, bool decoded)
{
	for (const char *p = query; p && *p; ) {
		const char *end = strchr(p, '&');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		if (n > 7 && strncasecmp(p, "filter=", 7) == 0) {
			char *v = strndup(p + 7, n - 7);

			if (v && !decoded && url_decode(v) < 0) {
				free(v);
				return strdup("\x01"); /* not JSON: fails below */
			}
			return v;
		}
		p = end ? end + 1 : NULL;
	}
	return NULL;
}

static int filter_parse(const json_t *f, struct query *q, struct herr *e)
{
	const char *key;
	json_t *v;

	if (!json_is_object(f))
		return hfail(e, 400, "filter", "must be a JSON object");
	json_object_foreach((json_t *)f, key, v) {
		const char **slot = strcasecmp(key, "ID") == 0 ? &q->id :
				    strcasecmp(key, "Name") == 0 ? &q->name :
				    strcasecmp(key, "VirtualNetwork") == 0 ||
				    strcasecmp(key, "HostComputeNetwork") == 0 ?
				    &q->network : NULL;

		if (slot == NULL)
			return hfail(e, 400, "filter", "'%s' is not a filter key "
				     "(ID, Name, VirtualNetwork)", key);
		if (!json_is_string(v))
			return hfail(e, 400, "filter", "%s must be a string", key);
		*slot = json_string_value(v);
	}
	return 0;
}

static bool same_guid(const char *given, const char *id)
{
	char g[HNS_GUID_LEN + 1];

	return hns_guid_parse(given, g) && strcmp(g, id) == 0;
}

static bool matches(const struct hns_obj *o, const struct query *q)
{
	if (o->kind == HK_POLICYLIST && !lb_is_lb(o))
		return false; /* /v2/loadbalancers shows the ELB lists only */
	if (q->id && !same_guid(q->id, o->id))
		return false;
	if (q->name && (o->name == NULL || strcmp(o->name, q->name) != 0))
		return false;
	if (q->network) {
		const struct hns_endpoint *ep = (const struct hns_endpoint *)o;

		if (o->kind != HK_ENDPOINT || !same_guid(q->network, ep->net->o.id))
			return false;
	}
	return true;
}

static struct hmap *name_index(struct hns *h, enum hns_kind k)
{
	return k == HK_NETWORK ? &h->net_names :
	       k == HK_ENDPOINT ? &h->ep_names : NULL;
}

static json_t *select_objects(struct hns *h, enum hns_kind k,
			      const struct query *q)
{
	json_t *out = json_array();
	struct hmap *names = name_index(h, k);
	struct hns_obj *one = NULL;

	if (q->id)
		one = hns_lookup(h, k, q->id);
	else if (q->name && names)
		one = hmap_get(names, q->name);
	if (q->id || (q->name && names)) {
		if (one && matches(one, q))
			json_array_append_new(out, hns_v2_render(h, one));
		return out;
	}
	for (struct hns_obj *o = h->lists[k].head; o; o = o->next)
		if (matches(o, q))
			json_array_append_new(out, hns_v2_render(h, o));
	return out;
}

bool hns_filter_all(const char *query, bool decoded)
{
	char *text = filter_param(query, decoded);
	json_t *f;
	bool all;

	if (text == NULL || *text == '\0') {
		free(text);
		return true;
	}
	f = json_loads(text, 0, NULL);
	all = json_is_object(f) && json_object_size(f) == 0;
	json_decref(f);
	free(text);
	return all;
}

int hns_v2_list_query(struct hns *h, const char *coll, const char *query,
		      bool decoded, json_t **resp)
{
	enum hns_kind k = strcmp(coll, "networks") == 0 ? HK_NETWORK :
			  strcmp(coll, "endpoints") == 0 ? HK_ENDPOINT :
			  strcmp(coll, "loadbalancers") == 0 ? HK_POLICYLIST : HK_NAMESPACE;
	struct query q = { NULL, NULL, NULL };
	char *text = filter_param(query, decoded);
	json_t *f = NULL;
	json_error_t jerr;
	struct herr e;
	int status;

	herr_init(&e);
	if (text == NULL || *text == '\0') { /* no filter: everything */
		free(text);
		text = strdup("{}");
	}
	f = text ? json_loads(text, 0, &jerr) : NULL;
	if (f == NULL)
		hfail(&e, 400, "filter", "not valid JSON: %s",
		      text ? jerr.text : "out of memory");
	else
		filter_parse(f, &q, &e);
	if (e.msg[0] != '\0') {
		status = hns_reply_err(resp, &e);
	} else if (q.network && k != HK_ENDPOINT) {
		hfail(&e, 400, "filter", "VirtualNetwork filters endpoints only");
		status = hns_reply_err(resp, &e);
	} else {
		status = hns_reply(resp, 200, NULL, select_objects(h, k, &q));
	}
	json_decref(f);
	free(text);
	return status;
}
