/* Namespaces (compartments) in both schemas: v2 HostComputeNamespace
 * (hcsshim hcn/hcnnamespace.go) is the canonical form, v1 Namespace
 * (internal/hns/namespace.go: ID, IsDefault, ResourceList) a view of it.
 * (The v1 policy lists are in hns_lb.c.) */
#include "hns_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *const ns_types[] = { "Host", "HostDefault", "Guest",
					"GuestDefault", NULL };

static const char *const ns_order[] = { "ID", "NamespaceId", "Type",
					"ReadyOnCreate", "Resources", NULL };

static const struct fdesc f_ns_v2[] = {
	{ "NamespaceId", "NamespaceId", FK_UINT, false, 0, UINT32_MAX, NULL },
	{ "Type", "Type", FK_ENUM, false, 0, 0, ns_types },
	{ "ReadyOnCreate", "ReadyOnCreate", FK_BOOL, false, 0, 0, NULL },
};

/* NetNsPath (adopt that network namespace), PortKind: extensions (issue
 * 16); NetNsOwned is the store's (and shown) */
static const char *const ns_v2_extra[] = { "ID", "Resources", "SchemaVersion",
					   "NetNsPath", "NetNsOwned", "PortKind",
					   NULL };

static const struct fdesc f_ns_v1[] = {
	{ "IsDefault", NULL, FK_BOOL, false, 0, 0, NULL },
	{ "CompartmentId", NULL, FK_UINT, false, 0, UINT32_MAX, NULL },
};

static const char *const ns_v1_extra[] = { "ID", "ResourceList", "NetNsPath",
					   "NetNsOwned", "PortKind", NULL };

static json_t *resource(const char *type, const char *id)
{
	json_t *r = json_object(), *d = json_object();

	json_object_set_new(d, "Id", json_string(id));
	json_object_set_new(r, "Type", json_string(type));
	json_object_set_new(r, "Data", d);
	return r;
}

static const char *resource_id(const json_t *r)
{
	return json_string_value(json_object_get(json_object_get(r, "Data"), "Id"));
}

/* {Type: Endpoint|Container, Data: {Id}} ("ID" accepted too) */
static int parse_resource(const json_t *in, const char *path, const char **type,
			  const char **id, struct herr *e)
{
	static const char *const allowed[] = { "Type", "Data", NULL };
	const json_t *data = NULL, *v;
	const char *t = NULL, *key;
	char p[HNS_PATH_LEN];

	if (!json_is_object(in))
		return hfail(e, 400, path, "must be an object");
	if (hns_check_members(in, path, allowed, e) < 0 ||
	    json_get_string(in, path, "Type", true, &t, HJE(e)) < 0 ||
	    json_get_object(in, path, "Data", true, &data, HJE(e)) < 0)
		return hje_fail(e);
	pmember(p, path, "Type");
	if (strcasecmp(t, "Endpoint") == 0)
		*type = "Endpoint";
	else if (strcasecmp(t, "Container") == 0)
		*type = "Container";
	else
		return hfail(e, 400, p, "'%s' is not one of Endpoint, Container", t);
	pmember(p, path, "Data");
	*id = NULL;
	json_object_foreach((json_t *)data, key, v) {
		char kp[HNS_PATH_LEN];

		pmember(kp, p, key);
		if (strcmp(key, "Id") != 0 && strcmp(key, "ID") != 0)
			return hfail(e, 400, kp, "unknown field");
		if (!json_is_string(v) || json_string_length(v) == 0)
			return hfail(e, 400, kp, "must be a non-empty string");
		*id = json_string_value(v);
	}
	if (*id == NULL)
		return hfail(e, 400, pmember(p, p, "Id"), "required field is missing");
	return 0;
}

static const char *ns_label(const struct hns_namespace *ns)
{
	return ns->o.id;
}

int namespace_create(struct hns *h, const json_t *in, const char *path,
		     bool v2, bool loading, struct hns_namespace **out,
		     struct herr *e)
{
	json_t *f = json_object(), *res = json_array(), *item;
	const json_t *list;
	const char *id = NULL;
	struct hns_namespace *ns = NULL;
	uint64_t nsid = 0;
	size_t i;
	char p[HNS_PATH_LEN], rp[HNS_PATH_LEN];
	const char *list_key = v2 ? "Resources" : "ResourceList";

	if (!json_is_object(in)) {
		hfail(e, 400, path, "must be an object");
		goto fail;
	}
	if (v2) {
		if (fields_parse(in, path, f_ns_v2, N(f_ns_v2), true, ns_v2_extra, f,
				 e) < 0)
			goto fail;
		if ((item = json_object_get(in, "SchemaVersion")) != NULL &&
		    !json_is_object(item)) {
			hfail(e, 400, pmember(p, path, "SchemaVersion"), "must be an object");
			goto fail;
		}
	} else {
		json_t *v1 = json_object();

		if (fields_parse(in, path, f_ns_v1, N(f_ns_v1), false, ns_v1_extra, v1,
				 e) < 0) {
			json_decref(v1);
			goto fail;
		}
		json_object_set_new(f, "Type", json_string(
			json_is_true(json_object_get(v1, "IsDefault")) ? "HostDefault" : "Host"));
		json_decref(v1);
	}
	if (!json_object_get(f, "Type"))
		json_object_set_new(f, "Type", json_string("Host"));
	if (json_get_string(in, path, "ID", false, &id, HJE(e)) < 0) {
		hje_fail(e);
		goto fail;
	}
	ns = hns_xcalloc(1, sizeof(*ns));
	ns->o.kind = HK_NAMESPACE;
	if (hns_assign_id(h, &ns->o, id, path, e) < 0)
		goto fail;
	/* NamespaceId: the compartment; unique, assigned when not given
	 * (compartment 1 is the host's default one) */
	item = json_object_get(f, "NamespaceId");
	nsid = item ? (uint64_t)json_integer_value(item) : 0;
	{
		uint64_t max = 1;

		for (struct hns_obj *o = h->lists[HK_NAMESPACE].head; o; o = o->next) {
			uint64_t other = (uint64_t)json_integer_value(
				json_object_get(o->doc, "NamespaceId"));

			if (nsid && other == nsid) {
				hfail(e, 409, pmember(p, path, "NamespaceId"),
				      "namespace %s already has NamespaceId %llu", o->id,
				      (unsigned long long)nsid);
				goto fail;
			}
			if (other > max)
				max = other;
		}
		if (nsid == 0)
			nsid = max + 1;
	}
	json_object_set_new(f, "NamespaceId", json_integer((json_int_t)nsid));
	pmember(p, path, list_key);
	list = json_object_get(in, list_key);
	if (list && !json_is_array(list)) {
		hfail(e, 400, p, "must be an array");
		goto fail;
	}
	json_array_foreach(list, i, item) {
		const char *type, *rid;
		char g[HNS_GUID_LEN + 1];

		pindex(rp, p, i);
		if (parse_resource(item, rp, &type, &rid, e) < 0)
			goto fail;
		if (strcmp(type, "Endpoint") == 0) {
			struct hns_endpoint *ep =
				(struct hns_endpoint *)hns_lookup(h, HK_ENDPOINT, rid);
			size_t k;
			json_t *r;

			if (ep == NULL) {
				if (loading)
					continue;
				hfail(e, 404, rp, "no endpoint with ID '%s'", rid);
				goto fail;
			}
			if (ep->ns) {
				hfail(e, 409, rp, "endpoint %s is already in namespace %s",
				      ep->o.id, ns_label(ep->ns));
				goto fail;
			}
			hns_guid_parse(rid, g);
			json_array_foreach(res, k, r)
				if (strcmp(resource_id(r), g) == 0) {
					hfail(e, 400, rp, "endpoint %s is listed twice", g);
					goto fail;
				}
			json_array_append_new(res, resource("Endpoint", g));
		} else {
			json_array_append_new(res, resource("Container", rid));
		}
	}
	if (loading) {
		static const char *const kept[] = { "NetNsPath", "NetNsOwned",
						    "PortKind", NULL };

		for (i = 0; kept[i]; i++)
			if (json_object_get(in, kept[i]))
				json_object_set(f, kept[i], json_object_get(in, kept[i]));
	} else if (plumb_namespace_open(h, ns->o.id, in, path, f, e) < 0) {
		goto fail; /* the transaction's abort removes what was made */
	}
	json_object_set_new(f, "Resources", res);
	res = NULL;
	json_object_set_new(f, "ID", json_string(ns->o.id));
	ns->o.doc = doc_ordered(f, ns_order);
	f = NULL;
	txn_create(h, &ns->o);
	json_array_foreach(json_object_get(ns->o.doc, "Resources"), i, item)
		if (strcmp(json_string_value(json_object_get(item, "Type")), "Endpoint") == 0)
			txn_set_ns(h, (struct hns_endpoint *)hns_find(h, HK_ENDPOINT,
								      resource_id(item)),
				   ns);
	if (loading)
		plumb_namespace_restore(h, ns);
	else if (plumb_namespace_real(h, ns))
		json_array_foreach(json_object_get(ns->o.doc, "Resources"), i, item) {
			struct hns_endpoint *ep;

			if (strcmp(json_string_value(json_object_get(item, "Type")), "Endpoint"))
				continue;
			ep = (struct hns_endpoint *)hns_find(h, HK_ENDPOINT, resource_id(item));
			if (ep && !ep->bound &&
			    plumb_endpoint_in(h, ep, ns, NULL, e) < 0)
				return -1; /* linked: the caller's abort frees ns */
		}
	if (out)
		*out = ns;
	return 0;
fail:
	json_decref(f);
	json_decref(res);
	free(ns);
	return -1;
}

json_t *namespace_render(const struct hns_namespace *ns, bool v2)
{
	const json_t *doc = ns->o.doc;
	json_t *out;
	const char *type = json_string_value(json_object_get(doc, "Type"));

	if (v2) {
		json_t *sv = json_object();

		out = json_copy((json_t *)doc);
		json_object_set_new(sv, "Major", json_integer(2));
		json_object_set_new(sv, "Minor", json_integer(0));
		json_object_set_new(out, "SchemaVersion", sv);
		hns_kept_apply(doc, out, true);
		return out;
	}
	out = json_object();
	json_object_set_new(out, "ID", json_string(ns->o.id));
	json_object_set_new(out, "IsDefault",
			    json_boolean(type && strstr(type, "Default") != NULL));
	json_object_set(out, "ResourceList", json_object_get(doc, "Resources"));
	if (json_object_get(doc, "NetNsPath")) {
		json_object_set(out, "NetNsPath", json_object_get(doc, "NetNsPath"));
		json_object_set(out, "NetNsOwned", json_object_get(doc, "NetNsOwned"));
	}
	hns_kept_apply(doc, out, false);
	return out;
}


int namespace_modify(struct hns *h, struct hns_namespace *ns, bool add,
		     const char *type, const char *rid, const char *path,
		     struct herr *e)
{
	json_t *doc, *res, *item;
	size_t i, found = (size_t)-1;
	struct hns_endpoint *ep = NULL;
	char id[256];
	bool is_ep = strcmp(type, "Endpoint") == 0;

	snprintf(id, sizeof(id), "%s", rid);
	if (is_ep) {
		ep = (struct hns_endpoint *)hns_lookup(h, HK_ENDPOINT, rid);
		if (ep == NULL)
			return hfail(e, 404, path, "no endpoint with ID '%s'", rid);
		memcpy(id, ep->o.id, sizeof(ep->o.id));
	}
	json_array_foreach(json_object_get(ns->o.doc, "Resources"), i, item)
		if (strcmp(json_string_value(json_object_get(item, "Type")), type) == 0 &&
		    strcmp(resource_id(item), id) == 0)
			found = i;
	if (add) {
		if (ep && ep->ns && ep->ns != ns)
			return hfail(e, 409, path, "endpoint %s is already in namespace %s",
				     id, ns_label(ep->ns));
		if (found != (size_t)-1)
			return hfail(e, 409, path, "%s %s is already in namespace %s",
				     is_ep ? "endpoint" : "container", id, ns->o.id);
	} else if (found == (size_t)-1) {
		return hfail(e, 404, path, "%s %s is not in namespace %s",
			     is_ep ? "endpoint" : "container", id, ns->o.id);
	}
	/* the endpoint's interface in the network namespace (an endpoint
	 * the caller attached to a port already stays a record only) */
	if (add && ep && !ep->bound && plumb_namespace_real(h, ns) &&
	    plumb_endpoint_in(h, ep, ns, NULL, e) < 0)
		return -1;
	if (!add && ep && plumb_endpoint_is(ep))
		plumb_endpoint_out(h, ep);
	doc = json_copy(ns->o.doc);
	res = json_deep_copy(json_object_get(doc, "Resources"));
	if (add)
		json_array_append_new(res, resource(type, id));
	else
		json_array_remove(res, found);
	json_object_set_new(doc, "Resources", res);
	txn_set_doc(h, &ns->o, doc);
	if (ep)
		txn_set_ns(h, ep, add ? ns : NULL);
	return 0;
}

void namespace_drop_endpoint(struct hns *h, struct hns_endpoint *ep)
{
	struct herr e;

	herr_init_req(&e, h);
	namespace_modify(h, ep->ns, false, "Endpoint", ep->o.id, "", &e);
}

int namespace_delete(struct hns *h, struct hns_namespace *ns, struct herr *e)
{
	json_t *item;
	size_t i;

	(void)e;
	json_array_foreach(json_object_get(ns->o.doc, "Resources"), i, item) {
		struct hns_endpoint *ep;

		if (strcmp(json_string_value(json_object_get(item, "Type")), "Endpoint"))
			continue;
		ep = (struct hns_endpoint *)hns_find(h, HK_ENDPOINT, resource_id(item));
		if (ep && ep->ns == ns) {
			if (plumb_endpoint_is(ep))
				plumb_endpoint_out(h, ep);
			txn_set_ns(h, ep, NULL);
		}
	}
	plumb_namespace_close(h, ns); /* after its endpoints' interfaces */
	txn_delete(h, &ns->o);
	return 0;
}

/* ---- /namespaces (v1) ---- */


int hns_v1_namespaces(struct hns *h, const char *method, const char *id,
		      const char *verb, const char *body, size_t len,
		      json_t **resp)
{
	struct herr e;
	struct hns_namespace *ns = NULL;
	json_t *in = NULL, *out = NULL;
	int r;

	herr_init_req(&e, h);
	if (id == NULL) {
		if (strcmp(method, "GET") == 0) {
			out = json_array();
			for (struct hns_obj *o = h->lists[HK_NAMESPACE].head; o; o = o->next)
				json_array_append_new(out, namespace_render(
					(struct hns_namespace *)o, false));
			return hns_reply(resp, 200, NULL, out);
		}
		if (strcmp(method, "POST") != 0)
			return hns_reply_not_allowed(method, "/namespaces/", resp);
		if ((in = hns_body(body, len, true, &e)) == NULL)
			return hns_reply_err(resp, &e);
		txn_begin(h);
		r = namespace_create(h, in, "", false, false, &ns, &e);
		if (r == 0)
			hns_kept_store(&e, ns->o.doc, false);
		json_decref(in);
		if (txn_end(h, r, &e) < 0)
			return hns_reply_err(resp, &e);
		return hns_reply(resp, 200, NULL, namespace_render(ns, false));
	}
	if (verb) {
		if (strcmp(verb, "addresource") != 0 && strcmp(verb, "removeresource") != 0) {
			hfail(&e, 404, NULL, "no such path: /namespaces/%s/%s", id, verb);
			return hns_reply_err(resp, &e);
		}
		if (strcmp(method, "POST") != 0)
			return hns_reply_not_allowed(method, "/namespaces/{id}/addresource", resp);
	} else if (strcmp(method, "GET") != 0 && strcmp(method, "DELETE") != 0) {
		return hns_reply_not_allowed(method, "/namespaces/{id}", resp);
	}
	ns = (struct hns_namespace *)hns_lookup(h, HK_NAMESPACE, id);
	if (ns == NULL) {
		hfail(&e, 404, NULL, "Element not found. (no namespace with ID '%s')", id);
		return hns_reply_err(resp, &e);
	}
	if (strcmp(method, "GET") == 0)
		return hns_reply(resp, 200, NULL, namespace_render(ns, false));
	if (verb) {
		const char *type, *rid;

		if ((in = hns_body(body, len, false, &e)) == NULL)
			return hns_reply_err(resp, &e);
		txn_begin(h);
		r = parse_resource(in, "", &type, &rid, &e);
		if (r == 0)
			r = namespace_modify(h, ns, verb[0] == 'a', type, rid, "Data.Id", &e);
		json_decref(in);
	} else {
		out = namespace_render(ns, false);
		txn_begin(h);
		r = namespace_delete(h, ns, &e);
		ns = NULL;
	}
	if (txn_end(h, r, &e) < 0) {
		json_decref(out);
		return hns_reply_err(resp, &e);
	}
	return hns_reply(resp, 200, NULL, ns ? namespace_render(ns, false) : out);
}
