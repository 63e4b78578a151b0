/* /v2/loadbalancers: the HCN HostComputeLoadBalancer view of a load
 * balancer (hcsshim hcn/hcnloadbalancer.go), as kube-proxy's winkernel
 * proxier makes, lists, modifies and deletes them (CLIENTS.md 1.1):
 *
 *   POST   /v2/loadbalancers            HcnCreateLoadBalancer
 *   GET    /v2/loadbalancers[?filter=]  HcnEnumerateLoadBalancers (hns_filter.c)
 *   GET    /v2/loadbalancers/{id}
 *   PUT    /v2/loadbalancers/{id}       HcnModifyLoadBalancer: the WHOLE new
 *                                       object (PATCH is taken the same way)
 *   DELETE /v2/loadbalancers/{id}
 *
 * The object is a policy list (hns_lb.c): HostComputeEndpoints are its
 * References, each PortMapping an ELB policy with the LB's FrontendVIPs,
 * SourceVIP and DSR flag. GET (and DELETE, the final counts) adds the
 * extension field "Counters" (per LB and per backend packets, bytes,
 * connections, from the switch); the replies to POST and PUT do not, as
 * HNS's do not: a new or changed LB has counted nothing new, and kube-
 * proxy's first sync makes 10,000 of them in a row (issue 17).
 * Layer: hns-api/hns/, northbound, HNS model layer (no DPDK). */
#include "hns_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LB_FLAG_DSR 1u
#define LB_FLAG_IPV6 2u

static const char *const lb_allowed[] = {
	"ID", "HostComputeEndpoints", "SourceVIP", "FrontendVIPs", "PortMappings",
	"SchemaVersion", "Flags",
	"Counters", /* our GET output, echoed back by a client: ignored */
	NULL,
};
static const char *const pm_allowed[] = {
	"Protocol", "InternalPort", "ExternalPort", "DistributionType", "Flags", NULL,
};
static const char *const pl_order[] = { "ID", "References", "Policies", NULL };

static bool ipv4_text(const char *s)
{
	struct ipaddr a;

	return s != NULL && ip_parse(s, &a) == 0 && a.family == 4;
}

static int check_schema_version(const json_t *in, struct herr *e)
{
	static const char *const allowed[] = { "Major", "Minor", NULL };
	const json_t *sv = NULL;
	uint64_t x;

	if (json_get_object(in, "", "SchemaVersion", false, &sv, HJE(e)) < 0)
		return hje_fail(e);
	if (sv != NULL &&
	    (hns_check_members(sv, "SchemaVersion", allowed, e) < 0 ||
	     json_get_uint(sv, "SchemaVersion", "Major", false, 0, UINT32_MAX, &x, HJE(e)) < 0 ||
	     json_get_uint(sv, "SchemaVersion", "Minor", false, 0, UINT32_MAX, &x, HJE(e)) < 0))
		return hje_fail(e);
	return 0;
}

/* HostComputeEndpoints -> References ["/endpoints/ID"] (400/404). */
static int parse_backends(struct hns *h, const json_t *in, json_t *refs,
			  struct herr *e)
{
	const json_t *arr = NULL, *v;
	size_t i;
	char p[HNS_PATH_LEN];

	if (json_get_array(in, "", "HostComputeEndpoints", false, &arr, HJE(e)) < 0)
		return hje_fail(e);
	if (json_array_size(arr) == 0)
		/* HNS refuses it (kubernetes PR #106936) */
		return hfail(e, 400, "HostComputeEndpoints",
			     "a load balancer needs at least one backend endpoint");
	json_array_foreach(arr, i, v) {
		char g[HNS_GUID_LEN + 1], ref[HNS_GUID_LEN + 16];

		pindex(p, "HostComputeEndpoints", i);
		if (!json_is_string(v))
			return hfail(e, 400, p, "must be an endpoint ID (a string), not %s",
				     json_type_name(v));
		if (!hns_guid_parse(json_string_value(v), g))
			return hfail(e, 400, p, "'%s' is not an endpoint ID (a GUID)",
				     json_string_value(v));
		if (hns_find(h, HK_ENDPOINT, g) == NULL)
			return hfail(e, 404, p, "Element not found. (no endpoint with ID '%s')",
				     g);
		snprintf(ref, sizeof(ref), "/endpoints/%s", g);
		json_array_append_new(refs, json_string(ref));
	}
	return 0;
}

static int parse_vips(const json_t *in, json_t **vips, const char **svip,
		      struct herr *e)
{
	const json_t *arr = NULL, *v;
	size_t i;
	char p[HNS_PATH_LEN];

	if (json_get_string(in, "", "SourceVIP", false, svip, HJE(e)) < 0 ||
	    json_get_array(in, "", "FrontendVIPs", false, &arr, HJE(e)) < 0)
		return hje_fail(e);
	if (*svip != NULL && **svip != '\0' && !ipv4_text(*svip))
		return hfail(e, 400, "SourceVIP", "'%s' is not an IPv4 address (IPv6 "
			     "load balancers are not supported)", *svip);
	*vips = json_array();
	json_array_foreach(arr, i, v) {
		struct ipaddr a;
		char buf[64];

		pindex(p, "FrontendVIPs", i);
		if (!json_is_string(v))
			return hfail(e, 400, p, "must be an IPv4 address (a string), not %s",
				     json_type_name(v));
		if (!ipv4_text(json_string_value(v)))
			return hfail(e, 400, p, "'%s' is not an IPv4 address (IPv6 load "
				     "balancers are not supported)", json_string_value(v));
		ip_parse(json_string_value(v), &a);
		ip_format(&a, buf, sizeof(buf));
		json_array_append_new(*vips, json_string(buf));
	}
	return 0;
}

/* One PortMapping -> its ELB policy. */
static json_t *parse_mapping(const json_t *pm, size_t i, const json_t *vips,
			     const char *svip, bool dsr, struct herr *e)
{
	uint64_t proto = 0, iport = 0, eport = 0, dist = 0, flags = 0;
	char p[HNS_PATH_LEN], fp[HNS_PATH_LEN];
	json_t *pol;

	pindex(p, "PortMappings", i);
	if (!json_is_object(pm)) {
		hfail(e, 400, p, "must be an object, not %s", json_type_name(pm));
		return NULL;
	}
	if (hns_check_members(pm, p, pm_allowed, e) < 0)
		return NULL;
	if (json_get_uint(pm, p, "Protocol", false, 0, 255, &proto, HJE(e)) < 0 ||
	    json_get_uint(pm, p, "InternalPort", false, 0, 65535, &iport, HJE(e)) < 0 ||
	    json_get_uint(pm, p, "ExternalPort", false, 0, 65535, &eport, HJE(e)) < 0 ||
	    json_get_uint(pm, p, "DistributionType", false, 0, 2, &dist, HJE(e)) < 0 ||
	    json_get_uint(pm, p, "Flags", false, 0, UINT32_MAX, &flags, HJE(e)) < 0) {
		hje_fail(e);
		return NULL;
	}
	if (proto != 6 && proto != 17 && proto != 132) {
		hfail(e, 400, pmember(fp, p, "Protocol"), "%s; must be 6 (TCP), 17 (UDP) "
		      "or 132 (SCTP)", proto == 0 ? "required field is missing"
						 : "not a load-balanced protocol");
		return NULL;
	}
	if (eport == 0) {
		hfail(e, 400, pmember(fp, p, "ExternalPort"), "must be a port number 1-65535");
		return NULL;
	}
	pol = json_object();
	json_object_set_new(pol, "Type", json_string("ELB"));
	json_object_set_new(pol, "Protocol", json_integer((json_int_t)proto));
	json_object_set_new(pol, "InternalPort", json_integer((json_int_t)iport));
	json_object_set_new(pol, "ExternalPort", json_integer((json_int_t)eport));
	if (svip != NULL && *svip != '\0')
		json_object_set_new(pol, "SourceVIP", json_string(svip));
	if (json_array_size(vips) > 0)
		json_object_set_new(pol, "VIPs", json_deep_copy(vips));
	if (flags & 1)
		json_object_set_new(pol, "ILB", json_true());
	if (dsr)
		json_object_set_new(pol, "IsDSR", json_true());
	if (dist != 0)
		json_object_set_new(pol, "DistributionType", json_integer((json_int_t)dist));
	if (flags != 0)
		json_object_set_new(pol, "Flags", json_integer((json_int_t)flags));
	return pol;
}

/* A HostComputeLoadBalancer body -> the canonical policy list doc (without
 * its ID) and the ID the body asked for (NULL: none). */
static json_t *lb_parse_v2(struct hns *h, const json_t *in, const char **id,
			   struct herr *e)
{
	json_t *doc = json_object(), *refs = json_array(), *pols = json_array();
	json_t *vips = NULL;
	const json_t *pms = NULL, *pm;
	const char *svip = NULL;
	uint64_t flags = 0;
	size_t i;

	json_object_set_new(doc, "References", refs);
	json_object_set_new(doc, "Policies", pols);
	*id = NULL;
	if (hns_check_members(in, "", lb_allowed, e) < 0 ||
	    check_schema_version(in, e) < 0)
		goto fail;
	if (json_get_string(in, "", "ID", false, id, HJE(e)) < 0 ||
	    json_get_uint(in, "", "Flags", false, 0, UINT32_MAX, &flags, HJE(e)) < 0 ||
	    json_get_array(in, "", "PortMappings", false, &pms, HJE(e)) < 0) {
		hje_fail(e);
		goto fail;
	}
	if (flags & LB_FLAG_IPV6) {
		hfail(e, 400, "Flags", "IPv6 load balancers (Flags 2) are not supported");
		goto fail;
	}
	if (flags & ~(uint64_t)(LB_FLAG_DSR | LB_FLAG_IPV6)) {
		hfail(e, 400, "Flags", "%llu has bits no load balancer flag has "
		      "(1 EnableDirectServerReturn, 2 IPv6)", (unsigned long long)flags);
		goto fail;
	}
	if (parse_backends(h, in, refs, e) < 0 || parse_vips(in, &vips, &svip, e) < 0)
		goto fail;
	/* kube-proxy indexes PortMappings[0] unchecked (kubernetes PR #141489):
	 * a load balancer always has one */
	if (json_array_size(pms) == 0) {
		hfail(e, 400, "PortMappings", "a load balancer needs at least one port mapping");
		goto fail;
	}
	json_array_foreach(pms, i, pm) {
		json_t *pol = parse_mapping(pm, i, vips, svip, flags & LB_FLAG_DSR, e);

		if (pol == NULL)
			goto fail;
		json_array_append_new(pols, pol);
	}
	if (lb_check_doc(doc, "", "HostComputeEndpoints", e) < 0 ||
	    lb_check_backends(h, doc, "HostComputeEndpoints", e) < 0)
		goto fail;
	json_decref(vips);
	return doc;
fail:
	json_decref(vips);
	json_decref(doc);
	return NULL;
}

/* ---- the v2 form ---- */

static json_t *first_elb(const json_t *doc)
{
	const json_t *pol;
	size_t i;

	json_array_foreach(json_object_get(doc, "Policies"), i, pol) {
		const char *t = json_string_value(json_object_get(pol, "Type"));

		if (t && strcmp(t, "ELB") == 0)
			return (json_t *)pol;
	}
	return NULL;
}

static json_int_t ival(const json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

json_t *lb_render_v2(const struct hns *h, const struct hns_obj *o, bool counters)
{
	const json_t *doc = o->doc, *first = first_elb(doc), *pol, *ref;
	json_t *out = json_object(), *eps = json_array(), *pms = json_array();
	const json_t *vips = json_object_get(first, "VIPs");
	const char *svip = json_string_value(json_object_get(first, "SourceVIP"));
	size_t i;

	json_object_set_new(out, "ID", json_string(o->id));
	json_array_foreach(json_object_get(doc, "References"), i, ref) {
		const char *s = json_string_value(ref);

		json_array_append_new(eps, json_string(s && strlen(s) > 11 ? s + 11 : ""));
	}
	json_object_set_new(out, "HostComputeEndpoints", eps);
	if (svip != NULL)
		json_object_set_new(out, "SourceVIP", json_string(svip));
	if (json_array_size(vips) > 0)
		json_object_set_new(out, "FrontendVIPs", json_deep_copy(vips));
	json_array_foreach(json_object_get(doc, "Policies"), i, pol) {
		const char *t = json_string_value(json_object_get(pol, "Type"));
		json_int_t flags = ival(pol, "Flags");

		if (t == NULL || strcmp(t, "ELB") != 0)
			continue;
		if (json_is_true(json_object_get(pol, "ILB")))
			flags |= 1;
		json_array_append_new(pms, json_pack("{s:I,s:I,s:I,s:I,s:I}",
			"Protocol", ival(pol, "Protocol"),
			"InternalPort", ival(pol, "InternalPort"),
			"ExternalPort", ival(pol, "ExternalPort"),
			"DistributionType", ival(pol, "DistributionType"),
			"Flags", flags));
	}
	json_object_set_new(out, "PortMappings", pms);
	json_object_set_new(out, "SchemaVersion", json_pack("{s:i,s:i}", "Major", 2,
							    "Minor", 0));
	json_object_set_new(out, "Flags", json_integer(
		json_is_true(json_object_get(first, "IsDSR")) ? LB_FLAG_DSR : 0));
	if (counters && h->dp.lb_counters != NULL) {
		json_t *c = json_object();

		if (h->dp.lb_counters(h->dp.ctx, o->id, c) == 0)
			json_object_set_new(out, "Counters", c);
		else
			json_decref(c);
	}
	hns_kept_apply(doc, out, true);
	return out;
}

/* The counters of a listed LB: "Counters" after its other fields, when the
 * switch has them (as lb_render_v2 adds them). */
static void counters_text(const struct hns *h, const struct hns_obj *o,
			  struct jtext *t)
{
	json_t *c;

	if (h->dp.lb_counters_text != NULL) {
		size_t mark = t->len;

		jtext_lit(t, ",\"Counters\":");
		if (h->dp.lb_counters_text(h->dp.ctx, o->id, t) < 0 && !t->failed)
			t->len = mark; /* not programmed: no Counters */
		return;
	}
	if (h->dp.lb_counters == NULL)
		return;
	c = json_object();
	if (h->dp.lb_counters(h->dp.ctx, o->id, c) == 0) {
		jtext_lit(t, ",\"Counters\":");
		jtext_value(t, c);
	}
	json_decref(c);
}

/* lb_render_v2(h, o, true) as text, written from the doc without making
 * the object (the whole-list GET, issue 17). A doc keeping a client's
 * unknown keys (hns_kept_apply puts them back) is made and written. */
static void lb_text_v2(const struct hns *h, const struct hns_obj *o, struct jtext *t)
{
	const json_t *doc = o->doc, *first = first_elb(doc), *pol, *ref;
	const json_t *vips = json_object_get(first, "VIPs");
	const char *svip = json_string_value(json_object_get(first, "SourceVIP"));
	bool any = false;
	size_t i;

	if (json_object_get(doc, HNS_KEPT_KEY) != NULL) {
		json_t *v = lb_render_v2(h, o, true);

		jtext_value(t, v);
		json_decref(v);
		return;
	}
	jtext_lit(t, "{\"ID\":");
	jtext_cstring(t, o->id);
	jtext_lit(t, ",\"HostComputeEndpoints\":[");
	json_array_foreach(json_object_get(doc, "References"), i, ref) {
		const char *s = json_string_value(ref);

		if (i > 0)
			jtext_lit(t, ",");
		jtext_cstring(t, s && strlen(s) > 11 ? s + 11 : "");
	}
	jtext_lit(t, "]");
	if (svip != NULL) {
		jtext_lit(t, ",\"SourceVIP\":");
		jtext_cstring(t, svip);
	}
	if (json_array_size(vips) > 0) {
		jtext_lit(t, ",\"FrontendVIPs\":");
		jtext_value(t, vips);
	}
	jtext_lit(t, ",\"PortMappings\":[");
	json_array_foreach(json_object_get(doc, "Policies"), i, pol) {
		const char *ty = json_string_value(json_object_get(pol, "Type"));
		json_int_t flags = ival(pol, "Flags");

		if (ty == NULL || strcmp(ty, "ELB") != 0)
			continue;
		if (json_is_true(json_object_get(pol, "ILB")))
			flags |= 1;
		if (any)
			jtext_lit(t, ",");
		any = true;
		jtext_lit(t, "{\"Protocol\":");
		jtext_int(t, ival(pol, "Protocol"));
		jtext_lit(t, ",\"InternalPort\":");
		jtext_int(t, ival(pol, "InternalPort"));
		jtext_lit(t, ",\"ExternalPort\":");
		jtext_int(t, ival(pol, "ExternalPort"));
		jtext_lit(t, ",\"DistributionType\":");
		jtext_int(t, ival(pol, "DistributionType"));
		jtext_lit(t, ",\"Flags\":");
		jtext_int(t, flags);
		jtext_lit(t, "}");
	}
	jtext_lit(t, "],\"SchemaVersion\":{\"Major\":2,\"Minor\":0},\"Flags\":");
	jtext_int(t, json_is_true(json_object_get(first, "IsDSR")) ? LB_FLAG_DSR : 0);
	counters_text(h, o, t);
	jtext_lit(t, "}");
}

void lb_list_text_v2(const struct hns *h, struct jtext *t)
{
	bool any = false;

	jtext_lit(t, "[");
	for (const struct hns_obj *o = h->lists[HK_POLICYLIST].head; o; o = o->next) {
		if (!lb_is_lb(o))
			continue;
		if (any)
			jtext_lit(t, ",");
		any = true;
		lb_text_v2(h, o, t);
	}
	jtext_lit(t, "]");
}

/* ---- requests ---- */

static int not_found(const char *id, json_t **resp)
{
	struct herr e;

	hfail(&e, 404, NULL, "Element not found. (no load balancer with ID '%s')", id);
	return hns_reply_err(resp, &e);
}

static int lb_create(struct hns *h, const char *body, size_t len, json_t **resp)
{
	struct herr e;
	struct hns_policylist *pl;
	const char *id;
	json_t *in, *doc;
	int r;

	herr_init_req(&e, h);
	if ((in = hns_body(body, len, false, &e)) == NULL)
		return hns_reply_err(resp, &e);
	txn_begin(h);
	doc = lb_parse_v2(h, in, &id, &e);
	pl = hns_xcalloc(1, sizeof(*pl));
	pl->o.kind = HK_POLICYLIST;
	r = doc == NULL ? -1 : hns_assign_id(h, &pl->o, id, "ID", &e);
	json_decref(in); /* id pointed into it */
	if (r < 0) {
		json_decref(doc);
		free(pl);
		txn_abort(h);
		return hns_reply_err(resp, &e);
	}
	json_object_set_new(doc, "ID", json_string(pl->o.id));
	pl->o.doc = doc_ordered(doc, pl_order);
	hns_kept_store(&e, pl->o.doc, true);
	txn_create(h, &pl->o);
	r = lb_check_frontends(h, pl->o.id, pl->o.doc, true, &e);
	if (lb_finish(h, r, pl->o.id, NULL, pl->o.doc, &e) < 0)
		return hns_reply_err(resp, &e);
	return hns_reply(resp, 200, NULL, lb_render_v2(h, &pl->o, false));
}

/* HcnModifyLoadBalancer: the whole object again; its ID stays. */
static int lb_modify(struct hns *h, struct hns_obj *o, const char *body,
		     size_t len, json_t **resp)
{
	struct herr e;
	const char *id;
	char g[HNS_GUID_LEN + 1];
	json_t *in, *doc, *old;
	int r;

	herr_init_req(&e, h);
	if ((in = hns_body(body, len, false, &e)) == NULL)
		return hns_reply_err(resp, &e);
	doc = lb_parse_v2(h, in, &id, &e);
	if (doc != NULL && id != NULL && *id != '\0' &&
	    (!hns_guid_parse(id, g) || strcmp(g, o->id) != 0)) {
		hfail(&e, 400, "ID", "'%s' is not this load balancer's ID (%s)", id, o->id);
		json_decref(doc);
		doc = NULL;
	}
	json_decref(in);
	if (doc == NULL)
		return hns_reply_err(resp, &e);
	json_object_set_new(doc, "ID", json_string(o->id));
	doc = doc_ordered(doc, pl_order);
	if (lb_check_frontends(h, o->id, doc, true, &e) < 0) {
		json_decref(doc);
		return hns_reply_err(resp, &e);
	}
	old = json_incref(o->doc); /* the commit drops the object's reference */
	txn_begin(h);
	txn_set_doc(h, o, doc);
	r = lb_finish(h, 0, o->id, old, o->doc, &e);
	json_decref(old);
	if (r < 0)
		return hns_reply_err(resp, &e);
	return hns_reply(resp, 200, NULL, lb_render_v2(h, o, false));
}

static int lb_delete(struct hns *h, struct hns_obj *o, json_t **resp)
{
	struct herr e;
	char id[HNS_GUID_LEN + 1];
	json_t *out = lb_render_v2(h, o, true), *old = json_incref(o->doc);
	int r;

	herr_init_req(&e, h);
	snprintf(id, sizeof(id), "%s", o->id); /* the commit frees o */
	txn_begin(h);
	txn_delete(h, o);
	r = lb_finish(h, 0, id, old, NULL, &e);
	json_decref(old);
	if (r < 0) {
		json_decref(out);
		return hns_reply_err(resp, &e);
	}
	return hns_reply(resp, 200, NULL, out);
}

int hns_v2_loadbalancers(struct hns *h, const char *method, const char *id,
			 const char *body, size_t len, json_t **resp)
{
	struct hns_obj *o;
	struct herr e;

	if (id == NULL) {
		if (strcmp(method, "GET") == 0) {
			json_t *out = json_array();

			for (o = h->lists[HK_POLICYLIST].head; o; o = o->next)
				if (lb_is_lb(o))
					json_array_append_new(out, lb_render_v2(h, o, true));
			return hns_reply(resp, 200, NULL, out);
		}
		if (strcmp(method, "POST") == 0)
			return lb_create(h, body, len, resp);
		hfail(&e, 405, NULL, "method %s is not allowed on /v2/loadbalancers", method);
		return hns_reply_err(resp, &e);
	}
	o = hns_lookup(h, HK_POLICYLIST, id);
	if (o == NULL || !lb_is_lb(o))
		return not_found(id, resp);
	if (strcmp(method, "GET") == 0)
		return hns_reply(resp, 200, NULL, lb_render_v2(h, o, true));
	if (strcmp(method, "DELETE") == 0)
		return lb_delete(h, o, resp);
	if (strcmp(method, "PUT") == 0 || strcmp(method, "PATCH") == 0)
		return lb_modify(h, o, body, len, resp);
	hfail(&e, 405, NULL, "method %s is not allowed on /v2/loadbalancers/{id}", method);
	return hns_reply_err(resp, &e);
}
