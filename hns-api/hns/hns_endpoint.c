/* Endpoints: the v1 HNSEndpoint schema (hcsshim internal/hns/
 * hnsendpoint.go) as the canonical form, address and MAC assignment,
 * update, attach/detach to switch ports and /endpointstats. */
#include "hns_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct fdesc f_ep_v1[] = {
	{ "Name", NULL, FK_STR, false, 0, 0, NULL },
	{ "PrefixLength", NULL, FK_UINT, false, 0, 32, NULL },
	{ "GatewayAddress", NULL, FK_IP4, false, 0, 0, NULL },
	{ "IPv6PrefixLength", NULL, FK_UINT, false, 0, 128, NULL },
	{ "GatewayAddressV6", NULL, FK_IP6, false, 0, 0, NULL },
	{ "DNSSuffix", NULL, FK_STR, false, 0, 0, NULL },
	{ "DNSServerList", NULL, FK_IPCSV, false, 0, 0, NULL },
	{ "DNSDomain", NULL, FK_STR, false, 0, 0, NULL },
	{ "DNSSearch", NULL, FK_STRARRAY, false, 0, 0, NULL },
	{ "DNSOptions", NULL, FK_STRARRAY, false, 0, 0, NULL },
	{ "EnableInternalDNS", NULL, FK_BOOL, false, 0, 0, NULL },
	{ "DisableICC", NULL, FK_BOOL, false, 0, 0, NULL },
	{ "IsRemoteEndpoint", NULL, FK_BOOL, false, 0, 0, NULL },
	{ "EnableLowMetric", NULL, FK_BOOL, false, 0, 0, NULL },
	{ "EncapOverhead", NULL, FK_UINT, false, 0, 65535, NULL },
	{ "AdditionalParams", NULL, FK_STRMAP, false, 0, 0, NULL },
	{ "Flags", NULL, FK_UINT, false, 0, UINT32_MAX, NULL },
	{ "Health", NULL, FK_ANY, false, 0, 0, NULL }, /* stored only */
	/* extension (issue 20): the name the endpoint's interface gets when it
	 * is plumbed into a network namespace (a CNI plugin's CNI_IFNAME);
	 * absent: eth0, eth1... GET shows the name it got. */
	{ "InterfaceName", NULL, FK_STR, false, 0, 0, NULL },
};

/* handled by code; State, SharedContainers and VirtualNicName are shown
 * by GET and ignored on input so a GET result can be posted back */
static const char *const ep_extra[] = {
	"ID", "VirtualNetwork", "VirtualNetworkName", "Policies", "MacAddress",
	"IPAddress", "IPv6Address", "Routes", "State", "SharedContainers",
	"VirtualNicName", "Namespace", NULL,
};

static const char *const hns_endpoint_order[] = {
	"ID", "Name", "VirtualNetwork", "VirtualNetworkName", "Policies",
	"MacAddress", "IPAddress", "PrefixLength", "GatewayAddress",
	"IPv6Address", "IPv6PrefixLength", "GatewayAddressV6", "DNSSuffix",
	"DNSServerList", "DNSDomain", "DNSSearch", "DNSOptions", "Routes",
	"EnableInternalDNS", "DisableICC", "IsRemoteEndpoint", "EnableLowMetric",
	"EncapOverhead", "AdditionalParams", "Flags", NULL,
};

/* fields an update may not change */
static const char *const ep_immutable[] = {
	"PrefixLength", "GatewayAddress", "IPv6PrefixLength", "GatewayAddressV6",
	"IsRemoteEndpoint", NULL,
};

void ep_spec_init(struct ep_spec *s)
{
	memset(s, 0, sizeof(*s));
	s->fields = json_object();
}

void ep_spec_fini(struct ep_spec *s)
{
	json_decref(s->fields);
	s->fields = NULL;
}

void endpoint_free(struct hns_endpoint *ep)
{
	json_decref(ep->att);
	free(ep);
}

static const char *att_port(const struct hns_endpoint *ep)
{
	const char *p = json_string_value(json_object_get(ep->att, "VirtualNicName"));

	return p && *p ? p : NULL;
}

void endpoint_bind_port(struct hns *h, struct hns_endpoint *ep, bool bind)
{
	const char *port = att_port(ep);

	if (!ep->bound || port == NULL)
		return;
	if (bind)
		hmap_put(&h->ports, port, ep);
	else if (hmap_get(&h->ports, port) == ep)
		hmap_del(&h->ports, port);
}

/* HNS endpoint states: 1 Created, 2 Attached, 4 Detached */
int endpoint_state(const struct hns_endpoint *ep)
{
	if (ep->att == NULL)
		return 1;
	return json_is_true(json_object_get(ep->att, "Attached")) && ep->bound ? 2 : 4;
}

static bool is_host_attach(const json_t *att);

json_t *endpoint_render_v1(const struct hns_endpoint *ep)
{
	json_t *out = json_copy(ep->o.doc);
	const char *cid = json_string_value(json_object_get(ep->att, "ContainerId"));

	json_object_set_new(out, "State", json_integer(endpoint_state(ep)));
	if (ep->bound && att_port(ep))
		json_object_set_new(out, "VirtualNicName", json_string(att_port(ep)));
	if (ep->bound && cid && *cid) {
		json_t *sc = json_array();

		json_array_append_new(sc, json_string(cid));
		json_object_set_new(out, "SharedContainers", sc);
	}
	plumb_render(ep, out);
	/* an extension: the host's own vNIC (the dataplane hands SDNRoute
	 * traffic to it) */
	if (ep->bound && is_host_attach(ep->att))
		json_object_set_new(out, "SystemType", json_string("Host"));
	hns_kept_apply(ep->o.doc, out, false);
	return out;
}

/* ---- v1 parsing ---- */

static int resolve_network(struct hns *h, const json_t *in, const char *path,
			   bool required, struct hns_network **out, struct herr *e)
{
	const char *id = NULL, *name = NULL;
	struct hns_network *byid = NULL, *byname = NULL;
	char g[HNS_GUID_LEN + 1], p[HNS_PATH_LEN];

	if (json_get_string(in, path, "VirtualNetwork", false, &id, HJE(e)) < 0 ||
	    json_get_string(in, path, "VirtualNetworkName", false, &name, HJE(e)) < 0)
		return hje_fail(e);
	if (id && *id == '\0')
		id = NULL;
	if (name && *name == '\0')
		name = NULL;
	if (id) {
		pmember(p, path, "VirtualNetwork");
		if (!hns_guid_parse(id, g))
			return hfail(e, 400, p, "'%s' is not a GUID", id);
		byid = (struct hns_network *)hns_find(h, HK_NETWORK, g);
		if (byid == NULL)
			return hfail(e, 404, p, "no network with ID '%s'", id);
	}
	if (name) {
		pmember(p, path, "VirtualNetworkName");
		byname = hmap_get(&h->net_names, name);
		if (byname == NULL)
			return hfail(e, 404, p, "no network named '%s'", name);
		if (byid && byid != byname)
			return hfail(e, 400, p, "network '%s' is not the network %s named by VirtualNetwork",
				     name, byid->o.id);
	}
	*out = byid ? byid : byname;
	if (*out == NULL && required)
		return hfail(e, 400, pmember(p, path, "VirtualNetwork"),
			     "required field is missing (the network's ID; or give VirtualNetworkName)");
	return 0;
}

static int parse_addr(const json_t *in, const char *path, const char *key,
		      int family, bool *has, struct ipaddr *a, char *apath,
		      char *text, size_t text_len, struct herr *e)
{
	const char *s = NULL;

	if (json_get_string(in, path, key, false, &s, HJE(e)) < 0)
		return hje_fail(e);
	pmember(apath, path, key);
	if (s == NULL || *s == '\0')
		return 0;
	if (ip_parse(s, a) < 0 || a->family != family)
		return hfail(e, 400, apath, "'%s' is not a valid IPv%d address", s, family);
	*has = true;
	hns_copy_text(text, text_len, s);
	return 0;
}

static int ep_parse_v1(struct hns *h, const json_t *in, const char *path,
		       bool update, struct ep_spec *s, struct herr *e)
{
	const char *id = NULL, *mac = NULL;
	const json_t *v;
	char p[HNS_PATH_LEN];

	if (!json_is_object(in))
		return hfail(e, 400, path, "must be an object");
	if (fields_parse(in, path, f_ep_v1, N(f_ep_v1), false, ep_extra, s->fields,
			 e) < 0)
		return -1;
	if (json_get_string(in, path, "ID", false, &id, HJE(e)) < 0 ||
	    json_get_string(in, path, "MacAddress", false, &mac, HJE(e)) < 0)
		return hje_fail(e);
	if (id && *id) {
		if (!hns_guid_parse(id, s->id))
			return hfail(e, 400, pmember(p, path, "ID"), "'%s' is not a GUID", id);
	}
	if (resolve_network(h, in, path, !update, &s->net, e) < 0)
		return -1;
	if ((v = json_object_get(in, "Policies")) != NULL) {
		json_t *c = policies_parse(v, pmember(p, path, "Policies"), PC_EP, false, e);

		if (c == NULL)
			return -1;
		json_object_set_new(s->fields, "Policies", c);
	}
	if ((v = json_object_get(in, "Routes")) != NULL) {
		json_t *c = routes_parse(v, pmember(p, path, "Routes"), e);

		if (c == NULL)
			return -1;
		json_object_set_new(s->fields, "Routes", c);
	}
	pmember(s->mac_path, path, "MacAddress");
	if (mac && *mac) {
		if (hns_mac_parse(mac, &s->mac) < 0)
			return hfail(e, 400, s->mac_path, "'%s' is not a valid MAC address", mac);
		s->has_mac = true;
		hns_copy_text(s->mac_text, sizeof(s->mac_text), mac);
	}
	if (parse_addr(in, path, "IPAddress", 4, &s->has_ip, &s->ip, s->ip_path,
		       s->ip_text, sizeof(s->ip_text), e) < 0 ||
	    parse_addr(in, path, "IPv6Address", 6, &s->has_ip6, &s->ip6, s->ip6_path,
		       s->ip6_text, sizeof(s->ip6_text), e) < 0)
		return -1;
	return 0;
}

/* ---- create ---- */

/* The address as the client wrote it (text), else in canonical form. */
static void set_ip(json_t *doc, const char *key, const struct ipaddr *a,
		   const char *text)
{
	char buf[64];

	if (text != NULL && *text != '\0') {
		json_object_set_new(doc, key, json_string(text));
		return;
	}
	ip_format(a, buf, sizeof(buf));
	json_object_set_new(doc, key, json_string(buf));
}

/* Does the stored address (in any spelling) equal a? */
static bool same_ip(const json_t *stored, const struct ipaddr *a)
{
	struct ipaddr b;

	if (!json_is_string(stored) || ip_parse(json_string_value(stored), &b) < 0 ||
	    b.family != a->family)
		return false;
	return a->family == 4 ? b.v4 == a->v4 : memcmp(b.v6, a->v6, sizeof(b.v6)) == 0;
}

/* endpoint_insert moves s->fields into the new doc: ask before */
static bool is_remote(const json_t *fields)
{
	return json_is_true(json_object_get(fields, "IsRemoteEndpoint"));
}

static int pick_ipv4(struct hns *h, struct ep_spec *s, struct hns_endpoint *ep,
		     const char *path, struct herr *e)
{
	struct hns_network *n = s->net;
	bool any_v4 = false;
	char a[64], b[64];

	(void)h;
	(void)path;
	ep->sub = -1;
	for (size_t i = 0; i < n->n_subnets; i++)
		any_v4 |= n->subnets[i].prefix.family == 4;
	if (s->has_ip) {
		ip_format(&s->ip, a, sizeof(a));
		for (size_t i = 0; i < n->n_subnets; i++) {
			struct hns_subnet *sn = &n->subnets[i];
			uint32_t idx;

			if (!prefix_contains(&sn->prefix, sn->len, &s->ip))
				continue;
			idx = s->ip.v4 - sn->pool.base;
			ip_format(&sn->prefix, b, sizeof(b));
			if (sn->len <= 30 && (idx == 0 || idx == sn->pool.size - 1))
				return hfail(e, 400, s->ip_path,
					     "%s is the %s address of subnet %s/%d", a,
					     idx == 0 ? "network" : "broadcast", b, sn->len);
			if (sn->has_gw && sn->gw.v4 == s->ip.v4)
				return hfail(e, 409, s->ip_path,
					     "%s is the gateway address of subnet %s/%d", a, b,
					     sn->len);
			if (pool_test(&sn->pool, idx))
				return hfail(e, 409, s->ip_path,
					     "%s is already in use in network '%s'", a,
					     n->o.name ? n->o.name : n->o.id);
			ep->sub = (int)i;
			ep->ip = s->ip.v4;
			return 0;
		}
		/* a remote endpoint (kube-proxy's backends on other nodes,
		 * its ClusterIP endpoint) lives in another node's subnet */
		if (any_v4 && !s->remote)
			return hfail(e, 400, s->ip_path,
				     "%s is not in any subnet of network '%s'", a,
				     n->o.name ? n->o.name : n->o.id);
		return 0;
	}
	for (size_t i = 0; i < n->n_subnets; i++) {
		struct hns_subnet *sn = &n->subnets[i];
		int64_t idx;

		if (sn->prefix.family != 4)
			continue;
		idx = pool_find_free(&sn->pool);
		if (idx < 0)
			continue;
		ep->sub = (int)i;
		ep->ip = sn->pool.base + (uint32_t)idx;
		s->ip.family = 4;
		s->ip.v4 = ep->ip;
		s->has_ip = true;
		return 0;
	}
	if (any_v4) {
		int len = 0;

		for (size_t i = 0; i < n->n_subnets; i++)
			if (n->subnets[i].prefix.family == 4) {
				ip_format(&n->subnets[i].prefix, b, sizeof(b));
				len = n->subnets[i].len;
				break;
			}
		return hfail(e, 409, s->ip_path,
			     "no free IPv4 address left in network '%s' (subnet %s/%d%s)",
			     n->o.name ? n->o.name : n->o.id, b, len,
			     n->n_subnets > 1 ? " and the others" : "");
	}
	return 0;
}

/* kubernetes #130963: a remote endpoint with the address of a local
 * endpoint of the same network (or a local one with a remote one's) would
 * give one address two places to go; HNS refuses it, the client deletes
 * the stale one first. */
static int remote_local_conflict(struct hns *h, const struct ep_spec *s, struct herr *e)
{
	char a[64];

	if (!s->has_ip || s->ip.family != 4)
		return 0;
	for (const struct hns_obj *o = h->lists[HK_ENDPOINT].head; o; o = o->next) {
		const struct hns_endpoint *x = (const struct hns_endpoint *)o;

		if (x->net != s->net || !x->has_v4 || x->ip != s->ip.v4 || x->remote == s->remote)
			continue;
		ip_format(&s->ip, a, sizeof(a));
		return hfail(e, 409, s->ip_path,
			     "%s is the address of %s endpoint %s in network '%s': "
			     "a %s endpoint cannot have it (delete that one first)", a,
			     x->remote ? "remote" : "local", x->o.id,
			     s->net->o.name ? s->net->o.name : s->net->o.id,
			     s->remote ? "remote" : "local");
	}
	return 0;
}

static int pick_mac(struct hns *h, struct ep_spec *s, struct hns_endpoint *ep,
		    struct herr *e)
{
	struct hns_network *n = s->net;
	char m[18];

	if (s->has_mac && s->remote) {
		/* another host's MAC (kube-proxy gives every remote endpoint
		 * the host's): not in this switch's MAC set */
		ep->mac = s->mac;
		return 0;
	}
	if (s->has_mac) {
		hns_mac_format(s->mac, m);
		if (s->mac == 0 || (s->mac >> 40) & 1)
			return hfail(e, 400, s->mac_path,
				     "%s is not a unicast MAC address", m);
		if (macset_has(&h->macs, s->mac))
			return hfail(e, 409, s->mac_path, "%s is already in use", m);
		ep->mac = s->mac;
	} else if (n->n_macr ? !mac_alloc(n->macr, n->n_macr, &h->macs, &ep->mac)
			     : !mac_alloc(&h->default_mac, 1, &h->macs, &ep->mac)) {
		return hfail(e, 409, s->mac_path,
			     "no free MAC address left in the MAC pool of network '%s'",
			     n->o.name ? n->o.name : n->o.id);
	}
	ep->has_mac = true;
	return 0;
}

static const struct hns_subnet *subnet_of(const struct hns_network *n,
					  const struct ipaddr *a)
{
	for (size_t i = 0; i < n->n_subnets; i++)
		if (prefix_contains(&n->subnets[i].prefix, n->subnets[i].len, a))
			return &n->subnets[i];
	return NULL;
}

int endpoint_insert(struct hns *h, struct ep_spec *s, const char *path,
		    struct hns_endpoint **out, struct herr *e)
{
	struct hns_endpoint *ep = hns_xcalloc(1, sizeof(*ep));
	json_t *doc = s->fields;
	const char *name = json_string_value(json_object_get(doc, "Name"));
	struct hns_obj *other;
	char p[HNS_PATH_LEN], m[18];

	s->remote = is_remote(doc);
	s->fields = NULL; /* the doc from here on */
	ep->o.kind = HK_ENDPOINT;
	ep->net = s->net;
	ep->sub = -1;
	if (hns_assign_id(h, &ep->o, s->id, path, e) < 0)
		goto fail;
	if (name && *name == '\0') {
		json_object_del(doc, "Name");
		name = NULL;
	}
	other = name ? hmap_get(&h->ep_names, name) : NULL;
	if (other) {
		hfail(e, 409, pmember(p, path, "Name"),
		      "an endpoint named '%s' already exists (ID %s)", name, other->id);
		goto fail;
	}
	if (remote_local_conflict(h, s, e) < 0 ||
	    pick_ipv4(h, s, ep, path, e) < 0 || pick_mac(h, s, ep, e) < 0)
		goto fail;
	ep->remote = s->remote;
	if (s->has_ip && s->ip.family == 4) {
		ep->has_v4 = true;
		ep->ip = s->ip.v4;
	}
	if (s->has_ip) {
		const struct hns_subnet *sn = subnet_of(s->net, &s->ip);

		set_ip(doc, "IPAddress", &s->ip, s->ip_text);
		if (sn && !json_object_get(doc, "PrefixLength"))
			json_object_set_new(doc, "PrefixLength", json_integer(sn->len));
		if (sn && sn->has_gw && !json_object_get(doc, "GatewayAddress"))
			set_ip(doc, "GatewayAddress", &sn->gw, NULL);
	}
	if (s->has_ip6) {
		const struct hns_subnet *sn = subnet_of(s->net, &s->ip6);
		bool any_v6 = false;

		for (size_t i = 0; i < s->net->n_subnets; i++)
			any_v6 |= s->net->subnets[i].prefix.family == 6;
		if (sn == NULL && any_v6) {
			char a[64];

			ip_format(&s->ip6, a, sizeof(a));
			hfail(e, 400, s->ip6_path, "%s is not in any subnet of network '%s'",
			      a, s->net->o.name ? s->net->o.name : s->net->o.id);
			goto fail;
		}
		set_ip(doc, "IPv6Address", &s->ip6, s->ip6_text);
		if (sn && !json_object_get(doc, "IPv6PrefixLength"))
			json_object_set_new(doc, "IPv6PrefixLength", json_integer(sn->len));
		if (sn && sn->has_gw && !json_object_get(doc, "GatewayAddressV6"))
			set_ip(doc, "GatewayAddressV6", &sn->gw, NULL);
	}
	hns_mac_format(ep->mac, m);
	json_object_set_new(doc, "MacAddress",
			    json_string(s->mac_text[0] ? s->mac_text : m));
	json_object_set_new(doc, "ID", json_string(ep->o.id));
	json_object_set_new(doc, "VirtualNetwork", json_string(s->net->o.id));
	if (s->net->o.name)
		json_object_set_new(doc, "VirtualNetworkName", json_string(s->net->o.name));
	if (!json_object_get(doc, "Policies"))
		json_object_set_new(doc, "Policies", json_array());
	ep->o.doc = doc_ordered(doc, hns_endpoint_order);
	doc = NULL;
	ep->o.name = name ? hns_xstrdup(name) : NULL;
	txn_create(h, &ep->o);
	if (ep->remote)
		txn_notify_remote(h, true, ep);
	if (s->ns && namespace_modify(h, s->ns, true, "Endpoint", ep->o.id, path, e) < 0)
		return -1; /* the caller aborts the transaction, freeing ep */
	if (out)
		*out = ep;
	return 0;
fail:
	json_decref(doc);
	endpoint_free(ep);
	return -1;
}

int endpoint_create_v1(struct hns *h, const json_t *in, const char *path,
		       struct hns_endpoint **out, struct herr *e)
{
	struct ep_spec s;
	int r;

	ep_spec_init(&s);
	r = ep_parse_v1(h, in, path, false, &s, e);
	if (r == 0)
		r = endpoint_insert(h, &s, path, out, e);
	ep_spec_fini(&s);
	return r;
}

int endpoint_delete(struct hns *h, struct hns_endpoint *ep, struct herr *e)
{
	(void)e;
	if (ep->ns)
		namespace_drop_endpoint(h, ep);
	plumb_endpoint_out(h, ep); /* a host vNIC */
	if (ep->bound && att_port(ep))
		txn_notify(h, false, att_port(ep), ep);
	if (ep->remote)
		txn_notify_remote(h, false, ep);
	txn_delete(h, &ep->o);
	return 0;
}

/* Swaps in a new doc; an attached endpoint is re-announced to the
 * dataplane (detached, attached) so it picks up the change. */
static void endpoint_set_doc(struct hns *h, struct hns_endpoint *ep, json_t *doc)
{
	bool reannounce = ep->bound && att_port(ep);

	if (reannounce)
		txn_notify(h, false, att_port(ep), ep);
	txn_set_doc(h, &ep->o, doc_ordered(doc, hns_endpoint_order));
	if (reannounce)
		txn_notify(h, true, att_port(ep), ep);
}

void endpoint_set_policies(struct hns *h, struct hns_endpoint *ep,
			   json_t *policies)
{
	json_t *doc = json_copy(ep->o.doc);

	json_object_set_new(doc, "Policies", policies);
	endpoint_set_doc(h, ep, doc);
}

/* POST /endpoints/{id}: policies, DNS settings and the name may change;
 * the network, addresses and MAC may only be repeated unchanged. */
static bool has_type(const json_t *policies, const char *type)
{
	const json_t *p;
	size_t i;

	json_array_foreach(policies, i, p)
		if (strcasecmp(json_string_value(json_object_get(p, "Type")), type) == 0)
			return true;
	return false;
}

/* An update replaces the policies of the types it gives and keeps the
 * others, as HNS does: felix posts {"ID","Policies":[ACL...]} and the
 * pod's OutBoundNAT, ROUTE and PA policies must stay. (A full GET-modify-
 * POST body gives every type, so it replaces everything.) */
static json_t *policies_replace_types(const json_t *old, const json_t *given)
{
	json_t *out = json_array(), *p;
	size_t i;

	if (json_array_size(given) == 0)
		return out; /* an empty list clears them all */
	json_array_foreach(old, i, p)
		if (!has_type(given, json_string_value(json_object_get(p, "Type"))))
			json_array_append(out, p);
	json_array_foreach(given, i, p)
		json_array_append(out, p);
	return out;
}

static int endpoint_update(struct hns *h, struct hns_endpoint *ep,
			   const json_t *in, struct herr *e)
{
	struct ep_spec s;
	json_t *doc = NULL;
	const char *key, *name;
	json_t *v;
	char p[HNS_PATH_LEN];
	int r = -1;

	ep_spec_init(&s);
	if (ep_parse_v1(h, in, "", true, &s, e) < 0)
		goto out;
	if (s.id[0] && strcmp(s.id, ep->o.id) != 0) {
		hfail(e, 400, "ID", "%s is not the ID of this endpoint (%s)", s.id, ep->o.id);
		goto out;
	}
	if (s.net && s.net != ep->net) {
		hfail(e, 400, "VirtualNetwork",
		      "an endpoint cannot move to another network (delete and re-create it)");
		goto out;
	}
	if (s.has_mac && s.mac != ep->mac) {
		hfail(e, 400, s.mac_path, "cannot be changed by an update (delete and re-create the endpoint)");
		goto out;
	}
	if (s.has_ip) {
		if (!same_ip(json_object_get(ep->o.doc, "IPAddress"), &s.ip)) {
			hfail(e, 400, s.ip_path, "cannot be changed by an update (delete and re-create the endpoint)");
			goto out;
		}
	}
	if (s.has_ip6) {
		if (!same_ip(json_object_get(ep->o.doc, "IPv6Address"), &s.ip6)) {
			hfail(e, 400, s.ip6_path, "cannot be changed by an update (delete and re-create the endpoint)");
			goto out;
		}
	}
	for (const char *const *k = ep_immutable; *k; k++) {
		json_t *nv = json_object_get(s.fields, *k);

		if (nv && !json_equal(nv, json_object_get(ep->o.doc, *k))) {
			hfail(e, 400, *k, "cannot be changed by an update (delete and re-create the endpoint)");
			goto out;
		}
	}
	name = json_string_value(json_object_get(s.fields, "Name"));
	if (name && *name && (!ep->o.name || strcmp(name, ep->o.name) != 0) &&
	    hmap_get(&h->ep_names, name)) {
		hfail(e, 409, pmember(p, "", "Name"), "an endpoint named '%s' already exists",
		      name);
		goto out;
	}
	doc = json_copy(ep->o.doc);
	json_object_foreach(s.fields, key, v) {
		if (strcmp(key, "Name") == 0 && *json_string_value(v) == '\0')
			json_object_del(doc, "Name");
		else if (strcmp(key, "Policies") == 0)
			json_object_set_new(doc, key, policies_replace_types(
				json_object_get(ep->o.doc, key), v));
		else
			json_object_set(doc, key, v);
	}
	endpoint_set_doc(h, ep, doc);
	r = 0;
out:
	ep_spec_fini(&s);
	return r;
}

/* ---- attach / detach ---- */

static const struct fdesc f_attach[] = {
	{ "ContainerId", NULL, FK_STR, false, 0, 0, NULL },
	{ "SystemType", NULL, FK_STR, false, 0, 0, NULL },
	{ "CompartmentId", NULL, FK_UINT, false, 0, 65535, NULL },
	{ "VirtualNicName", NULL, FK_STR, false, 0, 0, NULL },
	{ "Devargs", NULL, FK_STR, false, 0, 0, NULL },
	{ "PortKind", NULL, FK_STR, false, 0, 0, NULL }, /* issue 16 extension */
};

static bool is_host_attach(const json_t *att)
{
	const char *type = json_string_value(json_object_get(att, "SystemType"));

	return type != NULL && strcasecmp(type, "Host") == 0;
}

static bool port_exists(struct hns *h, const char *port)
{
	return h->dp.port_exists == NULL || h->dp.port_exists(h->dp.ctx, port);
}

/* An attach that names no port, made real in Linux (issue 16): a host
 * attach becomes a host vNIC, a ContainerId naming a namespace that is a
 * network namespace adds the endpoint to it. 0 done, -1 failed, 1 when
 * there is nothing to plumb (the attach is recorded as before). */
static int attach_plumbed(struct hns *h, struct hns_endpoint *ep,
			  const json_t *in, const json_t *att, const char *cid,
			  struct herr *e)
{
	struct hns_namespace *ns = NULL;
	const char *kind;

	if (h->dp.plumb == NULL)
		return 1;
	if (!is_host_attach(att)) {
		ns = cid && *cid ? (struct hns_namespace *)hns_lookup(h, HK_NAMESPACE, cid)
				 : NULL;
		if (ns == NULL || !plumb_namespace_real(h, ns))
			return 1;
	}
	if (ep->bound)
		return hfail(e, 409, NULL, "This endpoint is already attached to the switch. "
			     "(endpoint %s is attached; detach it first)", ep->o.id);
	if (ns)
		return namespace_modify(h, ns, true, "Endpoint", ep->o.id, "ContainerId", e);
	if (plumb_kind_check(in, "", &kind, e) < 0)
		return -1;
	return plumb_endpoint_in(h, ep, NULL, kind, e);
}

int endpoint_attach(struct hns *h, struct hns_endpoint *ep, const json_t *in,
		    struct herr *e)
{
	json_t *att = json_object();
	const char *port, *devargs, *cid;
	struct hns_endpoint *other;
	char errbuf[640] = "";
	int prc;

	if (fields_parse(in, "", f_attach, N(f_attach), false, NULL, att, e) < 0)
		goto fail;
	port = json_string_value(json_object_get(att, "VirtualNicName"));
	devargs = json_string_value(json_object_get(att, "Devargs"));
	cid = json_string_value(json_object_get(att, "ContainerId"));
	if (port && *port == '\0')
		port = NULL;
	if (devargs && *devargs == '\0')
		devargs = NULL;
	if (port == NULL && devargs == NULL) {
		int r = attach_plumbed(h, ep, in, att, cid, e);

		if (r <= 0) { /* done (0) or failed (-1); 1: a record only */
			json_decref(att);
			return r;
		}
	}
	/* a host attach ({"SystemType":"Host","CompartmentId":1}, flannel and
	 * Calico's bridge endpoint) names no port: recorded only */
	if (port == NULL && (cid == NULL || *cid == '\0') && !is_host_attach(att)) {
		hfail(e, 400, "VirtualNicName", "required field is missing (the switch port to attach to)");
		goto fail;
	}
	if (devargs && port == NULL) {
		hfail(e, 400, "Devargs", "needs VirtualNicName (the name of the port to hot-plug)");
		goto fail;
	}
	if (ep->bound) {
		/* HNS's own text: flannel counts it as success */
		hfail(e, 409, NULL, "This endpoint is already attached to the switch. "
		      "(endpoint %s is attached%s%s%s; detach it first)",
		      ep->o.id, att_port(ep) ? " to port '" : "",
		      att_port(ep) ? att_port(ep) : "", att_port(ep) ? "'" : "");
		goto fail;
	}
	if (port) {
		other = hmap_get(&h->ports, port);
		if (other && other != ep) {
			hfail(e, 409, "VirtualNicName", "port '%s' is already attached to endpoint %s",
			      port, other->o.id);
			goto fail;
		}
		if (!port_exists(h, port)) {
			if (devargs == NULL) {
				hfail(e, 404, "VirtualNicName",
				      "no switch port named '%s' (add \"Devargs\" to hot-plug one)",
				      port);
				goto fail;
			}
			if (h->dp.port_add == NULL) {
				hfail(e, 400, "Devargs", "this switch cannot hot-plug ports");
				goto fail;
			}
			prc = h->dp.port_add(h->dp.ctx, port, devargs, errbuf,
					     sizeof(errbuf));
			if (prc == 403) { /* refused by the access policy */
				hfail(e, 403, NULL, "%s", errbuf);
				goto fail;
			}
			if (prc != 0) {
				hfail(e, 400, "Devargs", "cannot hot-plug port '%s' with '%s': %s",
				      port, devargs, errbuf[0] ? errbuf : "failed");
				goto fail;
			}
		}
	}
	json_object_set_new(att, "Attached", json_true());
	txn_set_att(h, ep, att, true);
	if (port)
		txn_notify(h, true, port, ep);
	return 0;
fail:
	json_decref(att);
	return -1;
}

static int endpoint_detach(struct hns *h, struct hns_endpoint *ep,
			   const json_t *in, struct herr *e)
{
	json_t *chk = json_object(), *att;
	const char *port = att_port(ep);
	bool was_bound = ep->bound;
	int r = fields_parse(in, "", f_attach, N(f_attach), false, NULL, chk, e);

	json_decref(chk);
	if (r < 0)
		return -1;
	if (ep->att == NULL || !json_is_true(json_object_get(ep->att, "Attached")))
		return hfail(e, 409, NULL, "endpoint %s is not attached", ep->o.id);
	if (plumb_endpoint_is(ep)) { /* its interface and port go too */
		const char *cid = json_string_value(json_object_get(ep->att, "ContainerId"));

		if (ep->ns && cid && strcmp(cid, ep->ns->o.id) == 0)
			return namespace_modify(h, ep->ns, false, "Endpoint", ep->o.id, "", e);
		plumb_endpoint_out(h, ep);
		return 0;
	}
	att = json_deep_copy(ep->att);
	json_object_set_new(att, "Attached", json_false());
	txn_set_att(h, ep, att, false);
	if (was_bound && port)
		txn_notify(h, false, port, ep);
	return 0;
}

int endpoint_restore_attachment(struct hns *h, struct hns_endpoint *ep,
				json_t *att)
{
	const char *port = json_string_value(json_object_get(att, "VirtualNicName"));
	const char *devargs = json_string_value(json_object_get(att, "Devargs"));
	bool bound = false;

	if (!json_is_object(att)) {
		json_decref(att);
		return 0;
	}
	if (json_object_get(att, "Plumb") && json_is_true(json_object_get(att, "Attached"))) {
		/* made in Linux: made again (what still exists is reused) */
		bound = plumb_restore(h, ep, att);
		port = json_string_value(json_object_get(att, "VirtualNicName"));
		txn_set_att(h, ep, att, bound);
		if (bound && port && *port)
			txn_notify(h, true, port, ep);
		return 0;
	}
	if (json_is_true(json_object_get(att, "Attached"))) {
		if (port == NULL || *port == '\0') {
			bound = true;
		} else if (hmap_get(&h->ports, port)) {
			bound = false; /* another endpoint holds it */
		} else if (port_exists(h, port)) {
			bound = true;
		} else if (devargs && *devargs && h->dp.port_add) {
			char errbuf[640];

			bound = h->dp.port_add(h->dp.ctx, port, devargs, errbuf,
					       sizeof(errbuf)) == 0;
		}
	}
	/* a port that is gone leaves the endpoint detached, not an error */
	txn_set_att(h, ep, att, bound);
	if (bound && port && *port)
		txn_notify(h, true, port, ep);
	return 0;
}

/* ---- /endpoints ---- */


int hns_v1_endpoints(struct hns *h, const char *method, const char *id,
		     const char *verb, const char *body, size_t len,
		     json_t **resp)
{
	struct herr e;
	struct hns_endpoint *ep = NULL;
	json_t *in = NULL, *out;
	bool is_post = strcmp(method, "POST") == 0;
	int r;

	herr_init_req(&e, h);
	if (id == NULL) {
		if (strcmp(method, "GET") == 0) {
			out = json_array();
			for (struct hns_obj *o = h->lists[HK_ENDPOINT].head; o; o = o->next)
				json_array_append_new(out,
					endpoint_render_v1((struct hns_endpoint *)o));
			return hns_reply(resp, 200, NULL, out);
		}
		if (!is_post)
			return hns_reply_not_allowed(method, "/endpoints/", resp);
		if ((in = hns_body(body, len, false, &e)) == NULL)
			return hns_reply_err(resp, &e);
		txn_begin(h);
		r = endpoint_create_v1(h, in, "", &ep, &e);
		if (r == 0)
			hns_kept_store(&e, ep->o.doc, false);
		json_decref(in);
		if (txn_end(h, r, &e) < 0)
			return hns_reply_err(resp, &e);
		return hns_reply(resp, 200, NULL, endpoint_render_v1(ep));
	}
	if (verb) {
		if (strcmp(verb, "attach") != 0 && strcmp(verb, "detach") != 0) {
			hfail(&e, 404, NULL, "no such path: /endpoints/%s/%s", id, verb);
			return hns_reply_err(resp, &e);
		}
		if (!is_post)
			return hns_reply_not_allowed(method, verb[0] == 'a' ? "/endpoints/{id}/attach"
							       : "/endpoints/{id}/detach",
					   resp);
	} else if (!is_post && strcmp(method, "GET") != 0 &&
		   strcmp(method, "DELETE") != 0) {
		return hns_reply_not_allowed(method, "/endpoints/{id}", resp);
	}
	ep = (struct hns_endpoint *)hns_lookup(h, HK_ENDPOINT, id);
	if (ep == NULL) {
		/* HNS's texts: Antrea matches the second, hcsshim the first */
		hfail(&e, 404, NULL, "Element not found. The endpoint was not found: "
		      "no endpoint with ID '%s'", id);
		return hns_reply_err(resp, &e);
	}
	if (strcmp(method, "GET") == 0)
		return hns_reply(resp, 200, NULL, endpoint_render_v1(ep));
	if (is_post && (in = hns_body(body, len, verb != NULL, &e)) == NULL)
		return hns_reply_err(resp, &e);
	txn_begin(h);
	if (!is_post) {
		out = endpoint_render_v1(ep);
		r = endpoint_delete(h, ep, &e);
		ep = NULL;
	} else {
		out = NULL;
		r = verb == NULL ? endpoint_update(h, ep, in, &e) :
		    verb[0] == 'a' ? endpoint_attach(h, ep, in, &e) :
		    endpoint_detach(h, ep, in, &e);
	}
	json_decref(in);
	if (txn_end(h, r, &e) < 0) {
		json_decref(out);
		return hns_reply_err(resp, &e);
	}
	return hns_reply(resp, 200, NULL, ep ? endpoint_render_v1(ep) : out);
}

int hns_v1_endpointstats(struct hns *h, const char *method, const char *id,
			 json_t **resp)
{
	static const char *const counters[] = {
		"BytesReceived", "BytesSent", "PacketsReceived", "PacketsSent",
		"DroppedPacketsIncoming", "DroppedPacketsOutgoing",
	};
	struct herr e;
	struct hns_endpoint *ep;
	json_t *out;

	herr_init_req(&e, h);
	if (strcmp(method, "GET") != 0)
		return hns_reply_not_allowed(method, "/endpointstats/{id}", resp);
	ep = (struct hns_endpoint *)hns_lookup(h, HK_ENDPOINT, id);
	if (ep == NULL) {
		hfail(&e, 404, NULL, "no endpoint with ID '%s'", id);
		return hns_reply_err(resp, &e);
	}
	out = json_object();
	json_object_set_new(out, "EndpointId", json_string(ep->o.id));
	for (size_t i = 0; i < N(counters); i++)
		json_object_set_new(out, counters[i], json_integer(0));
	if (ep->bound && att_port(ep) && h->dp.port_stats &&
	    h->dp.port_stats(h->dp.ctx, att_port(ep), out) < 0) {
		for (size_t i = 0; i < N(counters); i++)
			json_object_set_new(out, counters[i], json_integer(0));
	}
	json_object_set_new(out, "EndpointId", json_string(ep->o.id));
	return hns_reply(resp, 200, NULL, out);
}
