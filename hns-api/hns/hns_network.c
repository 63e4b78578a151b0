/* Networks: the v1 HNSNetwork schema (hcsshim internal/hns/hnsnetwork.go),
 * which is also the canonical form the v2 view (hns_v2.c) maps onto, and
 * the /networks REST paths. */
#include "hns_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const hns_network_types[] = {
	"NAT", "ICS", "Transparent", "L2Bridge", "L2Tunnel", "Overlay", "Private",
	NULL,
};

static const char *const ipam_types[] = { "Static", "DHCP", NULL };

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* v1 scalar fields; DNSDomain/DNSSearch/DNSOptions, IpamType and Flags
 * carry what only the v2 schema can say, so both views round-trip. */
static const struct fdesc f_net_v1[] = {
	{ "Name", NULL, FK_NAME, true, 0, 0, NULL },
	{ "Type", NULL, FK_ENUM, true, 0, 0, hns_network_types },
	{ "NetworkAdapterName", NULL, FK_STR, false, 0, 0, NULL },
	{ "SourceMac", NULL, FK_MAC, false, 0, 0, NULL },
	{ "DNSSuffix", NULL, FK_STR, false, 0, 0, NULL },
	{ "DNSServerList", NULL, FK_IPCSV, false, 0, 0, NULL },
	{ "DNSDomain", NULL, FK_STR, false, 0, 0, NULL },
	{ "DNSSearch", NULL, FK_STRARRAY, false, 0, 0, NULL },
	{ "DNSOptions", NULL, FK_STRARRAY, false, 0, 0, NULL },
	{ "DNSServerCompartment", NULL, FK_UINT, false, 0, UINT32_MAX, NULL },
	{ "ManagementIP", NULL, FK_IP, false, 0, 0, NULL },
	{ "AutomaticDNS", NULL, FK_BOOL, false, 0, 0, NULL },
	{ "IpamType", NULL, FK_ENUM, false, 0, 0, ipam_types },
	{ "Flags", NULL, FK_UINT, false, 0, UINT32_MAX, NULL },
	/* Antrea's POST /networks/{id} {"Extensions":[{Id, IsEnabled}]}:
	 * stored only (no switch extensions here) */
	{ "Extensions", NULL, FK_ANY, false, 0, 0, NULL },
	{ "Health", NULL, FK_ANY, false, 0, 0, NULL },
};

static const char *const net_extra[] = {
	"ID", "Policies", "MacPools", "Subnets", NULL,
};

static const char *const net_order[] = {
	"ID", "Name", "Type", "NetworkAdapterName", "SourceMac", "Policies",
	"MacPools", "Subnets", "DNSSuffix", "DNSServerList", "DNSDomain",
	"DNSSearch", "DNSOptions", "DNSServerCompartment", "ManagementIP",
	"AutomaticDNS", "IpamType", "Flags", NULL,
};

static const struct fdesc f_macrange[] = {
	{ "StartMacAddress", "StartMacAddress", FK_MAC, true, 0, 0, NULL },
	{ "EndMacAddress", "EndMacAddress", FK_MAC, true, 0, 0, NULL },
};

struct hns_network *network_new(void)
{
	struct hns_network *n = hns_xcalloc(1, sizeof(*n));

	n->o.kind = HK_NETWORK;
	return n;
}

void network_free(struct hns_network *n)
{
	for (size_t i = 0; i < n->n_subnets; i++)
		pool_fini(&n->subnets[i].pool);
	free(n->subnets);
	free(n->macr);
	free(n);
}

int network_add_subnet(struct hns_network *n, const char *path,
		       const struct ipaddr *pfx, int len, const char *gw_path,
		       const struct ipaddr *gw, bool has_gw, struct herr *e)
{
	char a[64], b[64];
	struct hns_subnet *s;

	ip_format(pfx, a, sizeof(a));
	if (pfx->family == 4 && len < 8)
		return hfail(e, 400, path,
			     "%s/%d is too large for a subnet (at most /8)", a, len);
	for (size_t i = 0; i < n->n_subnets; i++) {
		const struct hns_subnet *o = &n->subnets[i];

		if (prefixes_overlap(&o->prefix, o->len, pfx, len)) {
			ip_format(&o->prefix, b, sizeof(b));
			return hfail(e, 400, path, "%s/%d overlaps subnet %s/%d of the same network",
				     a, len, b, o->len);
		}
	}
	if (has_gw) {
		ip_format(gw, b, sizeof(b));
		if (!prefix_contains(pfx, len, gw))
			return hfail(e, 400, gw_path, "%s is not in subnet %s/%d", b, a, len);
		if (gw->family == 4 && len <= 30) {
			uint32_t host = gw->v4 & ~(0xffffffffu << (32 - len));

			if (host == 0)
				return hfail(e, 400, gw_path,
					     "%s is the network address of subnet %s/%d", b, a, len);
			if (host == ~(0xffffffffu << (32 - len)))
				return hfail(e, 400, gw_path,
					     "%s is the broadcast address of subnet %s/%d", b, a, len);
		}
	}
	n->subnets = hns_xrealloc(n->subnets, (n->n_subnets + 1) * sizeof(*s));
	s = &n->subnets[n->n_subnets++];
	memset(s, 0, sizeof(*s));
	s->prefix = *pfx;
	s->len = len;
	s->has_gw = has_gw;
	if (has_gw)
		s->gw = *gw;
	if (pfx->family == 4) {
		pool_init(&s->pool, pfx->v4, len);
		if (has_gw)
			pool_set(&s->pool, gw->v4 - pfx->v4);
	}
	return 0;
}

static int network_add_macrange(struct hns_network *n, const char *path,
				uint64_t start, uint64_t end, struct herr *e)
{
	char a[18], b[18];

	hns_mac_format(start, a);
	hns_mac_format(end, b);
	if (start > end)
		return hfail(e, 400, path, "StartMacAddress %s is above EndMacAddress %s", a, b);
	if ((start >> 40) & 1 || (end >> 40) & 1)
		return hfail(e, 400, path, "%s-%s: pool MACs must be unicast (multicast bit set)",
			     a, b);
	if (start == 0)
		return hfail(e, 400, path, "00-00-00-00-00-00 is not a usable MAC");
	for (size_t i = 0; i < n->n_macr; i++) {
		if (start <= n->macr[i].end && n->macr[i].start <= end)
			return hfail(e, 400, path, "range %s..%s overlaps another range of the pool",
				     a, b);
	}
	n->macr = hns_xrealloc(n->macr, (n->n_macr + 1) * sizeof(*n->macr));
	n->macr[n->n_macr++] = (struct mac_range){ start, end, start };
	return 0;
}

int network_parse_macpools(struct hns_network *n, const json_t *arr,
			   const char *path, json_t **out, struct herr *e)
{
	const json_t *item;
	size_t i;
	char p[HNS_PATH_LEN];

	*out = json_array();
	if (!json_is_array(arr))
		return hfail(e, 400, path, "must be an array");
	json_array_foreach(arr, i, item) {
		json_t *r = json_object();
		uint64_t start, end;

		pindex(p, path, i);
		if (fields_parse(item, p, f_macrange, N(f_macrange), false, NULL, r,
				 e) < 0) {
			json_decref(r);
			return -1;
		}
		json_array_append_new(*out, r);
		hns_mac_parse(json_string_value(json_object_get(r, "StartMacAddress")),
			      &start);
		hns_mac_parse(json_string_value(json_object_get(r, "EndMacAddress")),
			      &end);
		if (network_add_macrange(n, p, start, end, e) < 0)
			return -1;
	}
	return 0;
}

/* Subnets[i] (v1): {AddressPrefix, GatewayAddress, Policies, Routes} */
static int parse_subnet_v1(struct hns_network *n, const json_t *in,
			   const char *path, json_t **out, struct herr *e)
{
	static const char *const allowed[] = { "AddressPrefix", "GatewayAddress",
					       "Policies", "Routes", NULL };
	const char *prefix = NULL, *gw = NULL;
	const json_t *pol = NULL, *routes = NULL;
	struct ipaddr pfx, gwa;
	int len, r;
	char pp[HNS_PATH_LEN], gp[HNS_PATH_LEN], p[HNS_PATH_LEN], buf[80];
	json_t *s;

	*out = NULL;
	if (!json_is_object(in))
		return hfail(e, 400, path, "must be an object");
	if (hns_check_members(in, path, allowed, e) < 0 ||
	    json_get_string(in, path, "AddressPrefix", true, &prefix, HJE(e)) < 0 ||
	    json_get_string(in, path, "GatewayAddress", false, &gw, HJE(e)) < 0)
		return hje_fail(e);
	pmember(pp, path, "AddressPrefix");
	pmember(gp, path, "GatewayAddress");
	r = prefix_parse(prefix, &pfx, &len, true);
	if (r == -2) {
		ip_format(&pfx, buf, sizeof(buf));
		return hfail(e, 400, pp, "'%s' has host bits set (the subnet is %s/%d after masking)",
			     prefix, buf, len);
	}
	if (r < 0)
		return hfail(e, 400, pp, "'%s' is not a valid IP prefix (address/length)",
			     prefix);
	if (gw && *gw == '\0')
		gw = NULL;
	if (gw && (ip_parse(gw, &gwa) < 0 || gwa.family != pfx.family))
		return hfail(e, 400, gp, "'%s' is not a valid %s address", gw,
			     pfx.family == 4 ? "IPv4" : "IPv6");
	if (network_add_subnet(n, pp, &pfx, len, gp, &gwa, gw != NULL, e) < 0)
		return -1;
	s = json_object();
	ip_format(&pfx, buf, sizeof(buf) - 5);
	snprintf(buf + strlen(buf), 5, "/%d", len);
	json_object_set_new(s, "AddressPrefix", json_string(buf));
	if (gw) {
		ip_format(&gwa, buf, sizeof(buf));
		json_object_set_new(s, "GatewayAddress", json_string(buf));
	}
	pol = json_object_get(in, "Policies");
	if (pol) {
		json_t *c = policies_parse(pol, pmember(p, path, "Policies"), PC_SUB,
					   false, e);

		if (c == NULL)
			goto fail;
		json_object_set_new(s, "Policies", c);
	} else {
		json_object_set_new(s, "Policies", json_array());
	}
	routes = json_object_get(in, "Routes");
	if (routes) {
		json_t *c = routes_parse(routes, pmember(p, path, "Routes"), e);

		if (c == NULL)
			goto fail;
		if (json_array_size(c) > 0)
			json_object_set_new(s, "Routes", c);
		else
			json_decref(c);
	}
	*out = s;
	return 0;
fail:
	json_decref(s);
	return -1;
}

json_t *network_finish_doc(json_t *fields)
{
	if (!json_object_get(fields, "Policies"))
		json_object_set_new(fields, "Policies", json_array());
	if (!json_object_get(fields, "Subnets"))
		json_object_set_new(fields, "Subnets", json_array());
	return doc_ordered(fields, net_order);
}

int network_insert(struct hns *h, struct hns_network *n, json_t *fields,
		   const char *id, const char *path, struct herr *e)
{
	char p[HNS_PATH_LEN];
	const char *name = json_string_value(json_object_get(fields, "Name"));
	struct hns_obj *other;

	if (hns_assign_id(h, &n->o, id, path, e) < 0) /* kind set by network_new */
		goto fail;
	other = name ? hmap_get(&h->net_names, name) : NULL;
	if (other) {
		hfail(e, 409, pmember(p, path, "Name"),
		      "a network named '%s' already exists (ID %s)", name, other->id);
		goto fail;
	}
	json_object_set_new(fields, "ID", json_string(n->o.id));
	n->o.doc = network_finish_doc(fields);
	n->o.name = hns_xstrdup(name);
	txn_create(h, &n->o);
	txn_notify_network(h, true, &n->o);
	return 0;
fail:
	json_decref(fields);
	obj_free(&n->o);
	return -1;
}

int network_create_v1(struct hns *h, const json_t *in, const char *path,
		      struct hns_network **out, struct herr *e)
{
	struct hns_network *n;
	json_t *f, *v;
	const char *id = NULL;
	char p[HNS_PATH_LEN];

	if (!json_is_object(in))
		return hfail(e, 400, path, "must be an object");
	n = network_new();
	f = json_object();
	if (fields_parse(in, path, f_net_v1, N(f_net_v1), false, net_extra, f, e) < 0)
		goto fail;
	if (json_get_string(in, path, "ID", false, &id, HJE(e)) < 0) {
		hje_fail(e);
		goto fail;
	}
	if ((v = json_object_get(in, "Policies")) != NULL) {
		json_t *c = policies_parse(v, pmember(p, path, "Policies"), PC_NET,
					   false, e);

		if (c == NULL)
			goto fail;
		json_object_set_new(f, "Policies", c);
	}
	if ((v = json_object_get(in, "MacPools")) != NULL) {
		json_t *c;
		int r = network_parse_macpools(n, v, pmember(p, path, "MacPools"), &c, e);

		if (r < 0) {
			json_decref(c);
			goto fail;
		}
		if (json_array_size(c) > 0)
			json_object_set_new(f, "MacPools", c);
		else
			json_decref(c);
	}
	if ((v = json_object_get(in, "Subnets")) != NULL) {
		json_t *subnets = json_array(), *item;
		size_t i;
		char ip[HNS_PATH_LEN];

		json_object_set_new(f, "Subnets", subnets);
		pmember(p, path, "Subnets");
		if (!json_is_array(v)) {
			hfail(e, 400, p, "must be an array");
			goto fail;
		}
		json_array_foreach(v, i, item) {
			json_t *s;

			if (parse_subnet_v1(n, item, pindex(ip, p, i), &s, e) < 0)
				goto fail;
			json_array_append_new(subnets, s);
		}
	}
	if (network_insert(h, n, f, id, path, e) < 0)
		return -1;
	if (out)
		*out = n;
	return 0;
fail:
	json_decref(f);
	obj_free(&n->o);
	return -1;
}

int network_delete(struct hns *h, struct hns_network *n, struct herr *e)
{
	if (n->n_endpoints > 0)
		return hfail(e, 409, NULL,
			     "network '%s' (%s) still has %zu endpoint(s); delete them first",
			     n->o.name ? n->o.name : "", n->o.id, n->n_endpoints);
	txn_notify_network(h, false, &n->o);
	txn_delete(h, &n->o);
	return 0;
}

static json_t *network_render_v1(const struct hns *h,
				 const struct hns_network *n)
{
	json_t *out = json_copy(n->o.doc);

	network_report_v1(h, n, out);
	hns_kept_apply(n->o.doc, out, false);
	return out;
}

/* ---- /networks ---- */


/* what POST /networks/{id} may change (Antrea enables its switch extension
 * with {"Extensions":[...]}) */
static const struct fdesc f_net_update[] = {
	{ "Extensions", NULL, FK_ANY, false, 0, 0, NULL },
	{ "DNSSuffix", NULL, FK_STR, false, 0, 0, NULL },
	{ "DNSServerList", NULL, FK_IPCSV, false, 0, 0, NULL },
};

/* v1 POST /networks/{id}: the updatable fields change, Name and Type must
 * stay, the other fields of a posted-back GET result are left as they are. */
static int network_update_v1(struct hns *h, struct hns_network *n,
			     const json_t *in, struct herr *e)
{
	static const char *const fixed[] = { "Name", "Type", NULL };
	json_t *f = json_object(), *doc, *v;
	const char *key, *id = json_string_value(json_object_get(in, "ID"));
	char g[HNS_GUID_LEN + 1];

	if (id && *id && (!hns_guid_parse(id, g) || strcmp(g, n->o.id) != 0)) {
		json_decref(f);
		return hfail(e, 400, "ID", "'%s' is not the ID of this network (%s)",
			     id, n->o.id);
	}
	for (const char *const *k = fixed; *k; k++) {
		v = json_object_get(in, *k);
		if (v && !json_equal(v, json_object_get(n->o.doc, *k))) {
			json_decref(f);
			return hfail(e, 400, *k, "cannot be changed by an update "
				     "(delete and re-create the network)");
		}
	}
	if (fields_parse(in, "", f_net_update, N(f_net_update), false, net_order,
			 f, e) < 0) {
		json_decref(f);
		return -1;
	}
	doc = json_copy(n->o.doc);
	json_object_foreach(f, key, v)
		json_object_set(doc, key, v);
	json_decref(f);
	txn_set_doc(h, &n->o, doc);
	return 0;
}

int hns_v1_networks(struct hns *h, const char *method, const char *id,
		    const char *body, size_t len, json_t **resp)
{
	struct herr e;
	struct hns_network *n;
	json_t *in, *out;

	herr_init_req(&e, h);
	if (id == NULL) {
		if (strcmp(method, "GET") == 0) {
			out = json_array();
			for (struct hns_obj *o = h->lists[HK_NETWORK].head; o; o = o->next)
				json_array_append_new(out,
					network_render_v1(h, (struct hns_network *)o));
			return hns_reply(resp, 200, NULL, out);
		}
		if (strcmp(method, "POST") != 0)
			return hns_reply_not_allowed(method, "/networks/", resp);
		in = hns_body(body, len, false, &e);
		if (in == NULL)
			return hns_reply_err(resp, &e);
		txn_begin(h);
		int r = network_create_v1(h, in, "", &n, &e);

		if (r == 0)
			hns_kept_store(&e, n->o.doc, false);
		json_decref(in);
		if (txn_end(h, r, &e) < 0)
			return hns_reply_err(resp, &e);
		return hns_reply(resp, 200, NULL, network_render_v1(h, n));
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "DELETE") != 0 &&
	    strcmp(method, "POST") != 0)
		return hns_reply_not_allowed(method, "/networks/{id}", resp);
	n = (struct hns_network *)hns_lookup(h, HK_NETWORK, id);
	if (n == NULL) {
		hfail(&e, 404, NULL, "Element not found. (no network with ID '%s')", id);
		return hns_reply_err(resp, &e);
	}
	if (strcmp(method, "POST") == 0) {
		int r;

		if ((in = hns_body(body, len, false, &e)) == NULL)
			return hns_reply_err(resp, &e);
		txn_begin(h);
		r = network_update_v1(h, n, in, &e);
		json_decref(in);
		if (txn_end(h, r, &e) < 0)
			return hns_reply_err(resp, &e);
		return hns_reply(resp, 200, NULL, network_render_v1(h, n));
	}
	out = network_render_v1(h, n);
	if (strcmp(method, "GET") == 0)
		return hns_reply(resp, 200, NULL, out);
	txn_begin(h);
	if (txn_end(h, network_delete(h, n, &e), &e) < 0) {
		json_decref(out);
		return hns_reply_err(resp, &e);
	}
	return hns_reply(resp, 200, NULL, out);
}
