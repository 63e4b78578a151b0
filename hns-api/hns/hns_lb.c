/* Load balancers in the HNS model, and the v1 policy lists they are made
 * of (internal/hns/hnspolicylist.go).
 *
 * One object, two views, as in HNS (Get-HnsPolicyList lists the load
 * balancers kube-proxy made through HCN): a policy list whose Policies hold
 * an ELB policy IS a load balancer, and /v2/loadbalancers (hns_lb_v2.c)
 * shows and changes the same object as a HostComputeLoadBalancer. The
 * canonical doc is the v1 list, each ELB policy carrying what only a v2
 * PortMapping can say (DistributionType, Flags), so both views and the
 * store share it.
 *
 * A change reaches the switch through hns_dataplane.lb_set BEFORE it is
 * stored (lb_finish): the dataplane may refuse it (a frontend it cannot
 * take, a full table), and then the model is rolled back and nothing was
 * written; if the store fails after the switch took it, the switch is put
 * back. Duplicate frontends are caught here first, from an index of every
 * load balancer's frontends, so the answer (409, HCN_E_PORT_ALREADY_EXISTS)
 * does not depend on the dataplane.
 * Layer: hns-api/hns/, northbound, HNS model layer (no DPDK). */
#include "hns_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define FE_KEY_LEN 48

/* ---- what a load balancer is ---- */

static bool is_elb(const json_t *pol)
{
	const char *t = json_string_value(json_object_get(pol, "Type"));

	return t != NULL && strcmp(t, "ELB") == 0;
}

static bool doc_is_lb(const json_t *doc)
{
	const json_t *pol;
	size_t i;

	json_array_foreach(json_object_get(doc, "Policies"), i, pol)
		if (is_elb(pol))
			return true;
	return false;
}

bool lb_is_lb(const struct hns_obj *o)
{
	return o->kind == HK_POLICYLIST && doc_is_lb(o->doc);
}

static bool is_ipv4(const char *s)
{
	struct ipaddr a;

	return s != NULL && ip_parse(s, &a) == 0 && a.family == 4;
}

/* One ELB policy (canonical, still private to the request): DSR folded
 * into IsDSR, ILB and Flags bit 0 made the same, then the values the
 * dataplane needs checked. */
static int elb_check(json_t *pol, const char *path, struct herr *e)
{
	const json_t *vips = json_object_get(pol, "VIPs"), *v;
	const char *svip = json_string_value(json_object_get(pol, "SourceVIP"));
	json_int_t proto = json_integer_value(json_object_get(pol, "Protocol"));
	json_int_t flags = json_integer_value(json_object_get(pol, "Flags"));
	char p[HNS_PATH_LEN], vp[HNS_PATH_LEN];
	size_t i;

	if (json_is_true(json_object_get(pol, "DSR")))
		json_object_set_new(pol, "IsDSR", json_true());
	json_object_del(pol, "DSR");
	if (json_is_true(json_object_get(pol, "ILB")))
		flags |= 1;
	if (flags & 1)
		json_object_set_new(pol, "ILB", json_true());
	if (flags != 0)
		json_object_set_new(pol, "Flags", json_integer(flags));
	if (proto != 6 && proto != 17 && proto != 132)
		return hfail(e, 400, pmember(p, path, "Protocol"),
			     "%s; must be 6 (TCP), 17 (UDP) or 132 (SCTP)",
			     json_object_get(pol, "Protocol") ? "not a load-balanced protocol"
							      : "required field is missing");
	if (json_integer_value(json_object_get(pol, "ExternalPort")) == 0)
		return hfail(e, 400, pmember(p, path, "ExternalPort"),
			     "must be a port number 1-65535");
	if (svip != NULL && *svip != '\0' && !is_ipv4(svip))
		return hfail(e, 400, pmember(p, path, "SourceVIP"),
			     "'%s' is not an IPv4 address (IPv6 load balancers are "
			     "not supported)", svip);
	if (svip != NULL && *svip == '\0')
		json_object_del(pol, "SourceVIP");
	json_array_foreach(vips, i, v) {
		pindex(p, pmember(vp, path, "VIPs"), i);
		if (!is_ipv4(json_string_value(v)))
			return hfail(e, 400, p, "'%s' is not an IPv4 address (IPv6 "
				     "load balancers are not supported)",
				     json_string_value(v));
	}
	return 0;
}

int lb_check_doc(json_t *doc, const char *path, const char *refs_field,
		 struct herr *e)
{
	json_t *pol;
	size_t i;
	char p[HNS_PATH_LEN], pp[HNS_PATH_LEN];

	if (!doc_is_lb(doc))
		return 0;
	pmember(pp, path, "Policies");
	json_array_foreach(json_object_get(doc, "Policies"), i, pol)
		if (is_elb(pol) && elb_check(pol, pindex(p, pp, i), e) < 0)
			return -1;
	/* HNS refuses a load balancer without backends (kubernetes PR #106936
	 * skips creating one for that reason) */
	if (json_array_size(json_object_get(doc, "References")) == 0)
		return hfail(e, 400, pmember(p, path, refs_field),
			     "a load balancer needs at least one backend endpoint");
	return 0;
}

int lb_check_backends(struct hns *h, const json_t *doc, const char *field,
		      struct herr *e)
{
	const json_t *ref;
	size_t i;
	char p[HNS_PATH_LEN];

	if (!doc_is_lb(doc))
		return 0;
	json_array_foreach(json_object_get(doc, "References"), i, ref) {
		const char *s = json_string_value(ref);
		struct hns_obj *ep = hns_lookup(h, HK_ENDPOINT, s + 11);
		const char *ip = ep ? json_string_value(json_object_get(ep->doc,
									"IPAddress")) : NULL;

		if (ep == NULL)
			return hfail(e, 404, pindex(p, field, i),
				     "no endpoint with ID '%s'", s + 11);
		if (!is_ipv4(ip))
			return hfail(e, 400, pindex(p, field, i), "endpoint %s has no "
				     "IPv4 address to balance to", ep->id);
	}
	return 0;
}

/* ---- the frontend index ---- */

struct lb_fe {
	char key[FE_KEY_LEN];
	char id[HNS_GUID_LEN + 1];
};

static const char *proto_name(json_int_t p)
{
	return p == 6 ? "TCP" : p == 17 ? "UDP" : p == 132 ? "SCTP" : "?";
}

/* Calls fn for every frontend of a canonical doc: rule i, VIP j (-1: no
 * VIPs, the NodePort "every host address" frontend). Stops at fn < 0. */
static int for_frontends(const json_t *doc,
			 int (*fn)(void *arg, size_t i, long j, const char *key),
			 void *arg)
{
	const json_t *pol;
	size_t i;

	json_array_foreach(json_object_get(doc, "Policies"), i, pol) {
		const json_t *vips = json_object_get(pol, "VIPs"), *v;
		json_int_t proto = json_integer_value(json_object_get(pol, "Protocol"));
		json_int_t port = json_integer_value(json_object_get(pol, "ExternalPort"));
		char key[FE_KEY_LEN];
		size_t j;

		if (!is_elb(pol))
			continue;
		if (json_array_size(vips) == 0) {
			snprintf(key, sizeof(key), "*/%d/%d", (int)proto, (int)port);
			if (fn(arg, i, -1, key) < 0)
				return -1;
		}
		json_array_foreach(vips, j, v) {
			snprintf(key, sizeof(key), "%s/%d/%d", json_string_value(v),
				 (int)proto, (int)port);
			if (fn(arg, i, (long)j, key) < 0)
				return -1;
		}
	}
	return 0;
}

struct fe_check {
	struct hns *h;
	const char *id;
	const json_t *doc;
	bool v2;
	json_t *seen;
	struct herr *e;
};

static void fe_path(const struct fe_check *c, size_t i, long j, char *buf)
{
	char p[HNS_PATH_LEN], q[HNS_PATH_LEN];

	if (c->v2 && j >= 0)
		pindex(buf, "FrontendVIPs", (size_t)j);
	else if (c->v2)
		pindex(buf, "PortMappings", i);
	else if (j >= 0)
		pindex(buf, pmember(q, pindex(p, "Policies", i), "VIPs"), (size_t)j);
	else
		pindex(buf, "Policies", i);
}

static int fe_check_one(void *arg, size_t i, long j, const char *key)
{
	struct fe_check *c = arg;
	struct lb_fe *fe = hmap_get(&c->h->lb_frontends, key);
	const json_t *pol = json_array_get(json_object_get(c->doc, "Policies"), i);
	json_int_t proto = json_integer_value(json_object_get(pol, "Protocol"));
	json_int_t port = json_integer_value(json_object_get(pol, "ExternalPort"));
	const char *vip = j >= 0 ? json_string_value(json_array_get(
					json_object_get(pol, "VIPs"), (size_t)j))
				 : "(every host address)";
	char p[HNS_PATH_LEN];

	fe_path(c, i, j, p);
	if (json_object_get(c->seen, key))
		return hfail(c->e, 400, p, "frontend %s %s %d is given twice",
			     vip, proto_name(proto), (int)port);
	json_object_set_new(c->seen, key, json_true());
	if (fe != NULL && strcmp(fe->id, c->id) != 0)
		/* the words hns_hresult maps to HCN_E_PORT_ALREADY_EXISTS */
		return hfail(c->e, 409, p, "The specified port already exists. "
			     "(frontend %s %s %d is load balancer %s's)", vip,
			     proto_name(proto), (int)port, fe->id);
	return 0;
}

int lb_check_frontends(struct hns *h, const char *id, const json_t *doc,
		       bool v2, struct herr *e)
{
	struct fe_check c = { h, id, doc, v2, json_object(), e };
	int r = for_frontends(doc, fe_check_one, &c);

	json_decref(c.seen);
	return r;
}

struct fe_edit {
	struct hns *h;
	const char *id;
};

static int fe_add(void *arg, size_t i, long j, const char *key)
{
	struct fe_edit *c = arg;
	struct lb_fe *fe;

	(void)i;
	(void)j;
	if (hmap_get(&c->h->lb_frontends, key) != NULL)
		return 0; /* kept by its first owner (only a restore can clash) */
	fe = hns_xcalloc(1, sizeof(*fe));
	snprintf(fe->key, sizeof(fe->key), "%s", key);
	snprintf(fe->id, sizeof(fe->id), "%s", c->id);
	hmap_put(&c->h->lb_frontends, fe->key, fe);
	return 0;
}

static int fe_del(void *arg, size_t i, long j, const char *key)
{
	struct fe_edit *c = arg;
	struct lb_fe *fe = hmap_get(&c->h->lb_frontends, key);

	(void)i;
	(void)j;
	if (fe != NULL && strcmp(fe->id, c->id) == 0) {
		hmap_del(&c->h->lb_frontends, key);
		free(fe);
	}
	return 0;
}

void lb_index_free(struct hns *h)
{
	for (size_t i = 0; i < h->lb_frontends.cap; i++)
		if (h->lb_frontends.slots[i].key != NULL)
			free(h->lb_frontends.slots[i].val);
	hmap_free(&h->lb_frontends);
}

/* ---- the dataplane ---- */

/* Programs id as doc (NULL, or not a load balancer: removes it). On
 * failure e is set; the dataplane kept what id had. */
static int dp_apply(struct hns *h, const char *id, const json_t *doc,
		    struct herr *e)
{
	const json_t *pols, *refs, *pol, *ref;
	struct hns_lb_rule *rules = NULL;
	struct hns_lb_backend *be = NULL;
	const char **vips = NULL;
	struct hns_lb lb = { .id = id };
	size_t i, n_vips = 0;
	char err[512] = "";
	int r;

	if (h->dp.lb_set == NULL)
		return 0;
	if (doc == NULL || !doc_is_lb(doc)) {
		r = h->dp.lb_set(h->dp.ctx, id, NULL, err, sizeof(err));
		return r == 0 ? 0 : hfail(e, r, NULL, "load balancer %s: %s", id, err);
	}
	pols = json_object_get(doc, "Policies");
	refs = json_object_get(doc, "References");
	rules = hns_xcalloc(json_array_size(pols), sizeof(*rules));
	be = hns_xcalloc(json_array_size(refs), sizeof(*be));
	json_array_foreach(pols, i, pol)
		n_vips += json_array_size(json_object_get(pol, "VIPs"));
	vips = hns_xcalloc(n_vips, sizeof(*vips));
	n_vips = 0;
	json_array_foreach(pols, i, pol) {
		struct hns_lb_rule *ru = &rules[lb.n_rules];
		const json_t *v;
		size_t j;

		if (!is_elb(pol))
			continue;
		ru->protocol = (uint8_t)json_integer_value(json_object_get(pol, "Protocol"));
		ru->internal_port = (uint16_t)json_integer_value(json_object_get(pol, "InternalPort"));
		ru->external_port = (uint16_t)json_integer_value(json_object_get(pol, "ExternalPort"));
		ru->distribution = (uint32_t)json_integer_value(json_object_get(pol, "DistributionType"));
		ru->flags = (uint32_t)json_integer_value(json_object_get(pol, "Flags"));
		ru->dsr = json_is_true(json_object_get(pol, "IsDSR"));
		ru->source_vip = json_string_value(json_object_get(pol, "SourceVIP"));
		ru->vips = &vips[n_vips];
		json_array_foreach(json_object_get(pol, "VIPs"), j, v)
			vips[n_vips++] = json_string_value(v);
		ru->n_vips = json_array_size(json_object_get(pol, "VIPs"));
		lb.n_rules++;
	}
	json_array_foreach(refs, i, ref) {
		const char *s = json_string_value(ref);
		struct hns_obj *ep = s ? hns_lookup(h, HK_ENDPOINT, s + 11) : NULL;
		const char *ip = ep ? json_string_value(json_object_get(ep->doc,
									"IPAddress")) : NULL;
		char p[HNS_PATH_LEN];

		if (ep == NULL) /* only a restore meets this: the endpoint did not come back */
			continue;
		if (!is_ipv4(ip)) {
			r = hfail(e, 400, pindex(p, "References", i), "endpoint %s has "
				  "no IPv4 address to balance to", ep->id);
			goto out;
		}
		be[lb.n_backends].endpoint_id = ep->id;
		be[lb.n_backends++].ip = ip;
	}
	if (lb.n_backends == 0) {
		r = hfail(e, 400, "References", "none of the backend endpoints exists");
		goto out;
	}
	lb.rules = rules;
	lb.backends = be;
	r = h->dp.lb_set(h->dp.ctx, id, &lb, err, sizeof(err));
	if (r != 0)
		r = hfail(e, r >= 400 && r < 600 ? r : 500, NULL,
			  r == 409 ? "The specified port already exists. (%s)" : "%s", err);
out:
	free(rules);
	free(be);
	free(vips);
	return r == 0 ? 0 : -1;
}

int lb_finish(struct hns *h, int r, const char *id, const json_t *old_doc,
	      const json_t *new_doc, struct herr *e)
{
	struct fe_edit c = { h, id };
	struct herr undo;

	if (old_doc != NULL && !doc_is_lb(old_doc))
		old_doc = NULL;
	if (new_doc != NULL && !doc_is_lb(new_doc))
		new_doc = NULL;
	if (r < 0 || ((old_doc || new_doc) && dp_apply(h, id, new_doc, e) < 0)) {
		txn_abort(h);
		return -1;
	}
	if (txn_commit(h, e) < 0) {
		herr_init(&undo);
		if ((old_doc || new_doc) && dp_apply(h, id, old_doc, &undo) < 0)
			fprintf(stderr, "vswitchd: load balancer %s: could not put the "
				"switch back after a failed store write: %s\n", id, undo.msg);
		return -1;
	}
	if (old_doc)
		for_frontends(old_doc, fe_del, &c);
	if (new_doc)
		for_frontends(new_doc, fe_add, &c);
	return 0;
}

void lb_restore(struct hns *h)
{
	for (struct hns_obj *o = h->lists[HK_POLICYLIST].head; o; o = o->next) {
		struct fe_edit c = { h, o->id };
		struct herr e;

		if (!lb_is_lb(o))
			continue;
		herr_init(&e);
		if (lb_check_frontends(h, o->id, o->doc, false, &e) < 0 ||
		    dp_apply(h, o->id, o->doc, &e) < 0) {
			/* kept in the model and the store (shown, and deletable),
			 * not in the switch */
			fprintf(stderr, "vswitchd: warning: state store: load balancer %s "
				"not programmed: %s\n", o->id, e.msg);
			continue;
		}
		for_frontends(o->doc, fe_add, &c);
	}
}

static bool references(const json_t *doc, const char *endpoint_id)
{
	const json_t *ref;
	size_t i;

	json_array_foreach(json_object_get(doc, "References"), i, ref) {
		const char *r = json_string_value(ref);

		if (r != NULL && strlen(r) > 11 && strcmp(r + 11, endpoint_id) == 0)
			return true;
	}
	return false;
}

/* A deleted backend must not keep receiving new connections until the
 * client gets round to updating the LB (kube-proxy issue #112836: stale
 * LBs pointing at dead endpoints). dp_apply skips endpoints that are
 * gone. */
void lb_endpoint_gone(struct hns *h, const char *endpoint_id)
{
	if (h->dp.lb_set == NULL || h->loading)
		return;
	for (struct hns_obj *o = h->lists[HK_POLICYLIST].head; o; o = o->next) {
		struct herr e;

		if (!lb_is_lb(o) || !references(o->doc, endpoint_id))
			continue;
		herr_init(&e);
		if (dp_apply(h, o->id, o->doc, &e) == 0)
			continue;
		herr_init(&e);
		if (dp_apply(h, o->id, NULL, &e) < 0)
			fprintf(stderr, "vswitchd: load balancer %s: backend %s deleted: %s\n",
				o->id, endpoint_id, e.msg);
	}
}

/* ---- v1 policy lists ---- */

static const char *const pl_allowed[] = { "ID", "References", "Policies", NULL };
static const char *const pl_order[] = { "ID", "References", "Policies", NULL };

int policylist_create(struct hns *h, const json_t *in, const char *path,
		      bool loading, struct hns_policylist **out, struct herr *e)
{
	struct hns_policylist *pl = NULL;
	json_t *f = json_object(), *refs = json_array(), *item;
	const json_t *v;
	const char *id = NULL;
	size_t i;
	char p[HNS_PATH_LEN], ip[HNS_PATH_LEN];

	if (!json_is_object(in)) {
		hfail(e, 400, path, "must be an object");
		goto fail;
	}
	if (hns_check_members(in, path, pl_allowed, e) < 0 ||
	    json_get_string(in, path, "ID", false, &id, HJE(e)) < 0 ||
	    json_get_array(in, path, "References", false, &v, HJE(e)) < 0) {
		hje_fail(e);
		goto fail;
	}
	pl = hns_xcalloc(1, sizeof(*pl));
	pl->o.kind = HK_POLICYLIST;
	if (hns_assign_id(h, &pl->o, id, path, e) < 0)
		goto fail;
	pmember(p, path, "References");
	json_array_foreach(json_object_get(in, "References"), i, item) {
		const char *s = json_string_value(item);
		char g[HNS_GUID_LEN + 1], ref[HNS_GUID_LEN + 16];

		pindex(ip, p, i);
		if (s == NULL) {
			hfail(e, 400, ip, "must be a string (\"/endpoints/{id}\")");
			goto fail;
		}
		if (strncasecmp(s, "/endpoints/", 11) != 0 || !hns_guid_parse(s + 11, g)) {
			hfail(e, 400, ip, "'%s' is not an endpoint reference (\"/endpoints/{id}\")",
			      s);
			goto fail;
		}
		if (!loading && !hns_find(h, HK_ENDPOINT, g)) {
			hfail(e, 404, ip, "no endpoint with ID '%s'", g);
			goto fail;
		}
		snprintf(ref, sizeof(ref), "/endpoints/%s", g);
		json_array_append_new(refs, json_string(ref));
	}
	json_object_set_new(f, "References", refs);
	refs = NULL;
	if ((v = json_object_get(in, "Policies")) != NULL) {
		json_t *c = policies_parse(v, pmember(p, path, "Policies"), PC_PL, false, e);

		if (c == NULL)
			goto fail;
		json_object_set_new(f, "Policies", c);
	} else {
		json_object_set_new(f, "Policies", json_array());
	}
	if (lb_check_doc(f, path, "References", e) < 0 ||
	    (!loading && lb_check_backends(h, f, p, e) < 0))
		goto fail;
	json_object_set_new(f, "ID", json_string(pl->o.id));
	pl->o.doc = doc_ordered(f, pl_order);
	txn_create(h, &pl->o);
	if (out)
		*out = pl;
	return 0;
fail:
	json_decref(f);
	json_decref(refs);
	free(pl);
	return -1;
}

/* A policy list's v1 form: its doc, with what its client sent that no
 * schema defines put back (hns_kept_apply). */
static json_t *policylist_render(const struct hns_policylist *pl)
{
	json_t *out = json_copy(pl->o.doc);

	hns_kept_apply(pl->o.doc, out, false);
	return out;
}

void policylists_text(const struct hns *h, struct jtext *t)
{
	bool first = true;

	jtext_lit(t, "[");
	for (const struct hns_obj *o = h->lists[HK_POLICYLIST].head; o; o = o->next) {
		if (!first)
			jtext_lit(t, ",");
		first = false;
		if (json_object_get(o->doc, HNS_KEPT_KEY) == NULL) {
			/* policylist_render's copy is the doc itself */
			jtext_value(t, o->doc);
		} else {
			json_t *v = policylist_render((const struct hns_policylist *)o);

			jtext_value(t, v);
			json_decref(v);
		}
	}
	jtext_lit(t, "]");
}

/* GET/POST /policylists/, GET/DELETE /policylists/{id}: a list with an
 * ELB policy is programmed as a load balancer (kube-proxy's v1 path and
 * its start-up clean-up, which deletes every list, v2 load balancers
 * included, as on Windows). */
int hns_v1_policylists(struct hns *h, const char *method, const char *id,
		       const char *body, size_t len, json_t **resp)
{
	struct herr e;
	struct hns_policylist *pl = NULL;
	char idc[HNS_GUID_LEN + 1];
	json_t *in, *out;
	int r;

	herr_init_req(&e, h);
	if (id == NULL) {
		if (strcmp(method, "GET") == 0) {
			out = json_array();
			for (struct hns_obj *o = h->lists[HK_POLICYLIST].head; o; o = o->next)
				json_array_append_new(out, policylist_render(
					(const struct hns_policylist *)o));
			return hns_reply(resp, 200, NULL, out);
		}
		if (strcmp(method, "POST") != 0)
			return hns_reply_not_allowed(method, "/policylists/", resp);
		if ((in = hns_body(body, len, false, &e)) == NULL)
			return hns_reply_err(resp, &e);
		txn_begin(h);
		r = policylist_create(h, in, "", false, &pl, &e);
		json_decref(in);
		if (r == 0)
			hns_kept_store(&e, pl->o.doc, false);
		if (r == 0)
			r = lb_check_frontends(h, pl->o.id, pl->o.doc, false, &e);
		if (lb_finish(h, r, r == 0 ? pl->o.id : "", NULL,
			      r == 0 ? pl->o.doc : NULL, &e) < 0)
			return hns_reply_err(resp, &e);
		return hns_reply(resp, 200, NULL, policylist_render(pl));
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "DELETE") != 0)
		return hns_reply_not_allowed(method, "/policylists/{id}", resp);
	pl = (struct hns_policylist *)hns_lookup(h, HK_POLICYLIST, id);
	if (pl == NULL) {
		hfail(&e, 404, NULL, "no policy list with ID '%s'", id);
		return hns_reply_err(resp, &e);
	}
	out = policylist_render(pl);
	if (strcmp(method, "GET") == 0)
		return hns_reply(resp, 200, NULL, out);
	/* the commit frees the object: its ID is copied, out holds its doc */
	snprintf(idc, sizeof(idc), "%s", pl->o.id);
	txn_begin(h);
	txn_delete(h, &pl->o);
	if (lb_finish(h, 0, idc, out, NULL, &e) < 0) {
		json_decref(out);
		return hns_reply_err(resp, &e);
	}
	return hns_reply(resp, 200, NULL, out);
}
