/* The v2 (HCN) view: HostComputeNetwork, HostComputeEndpoint and
 * HostComputeNamespace (hcsshim hcn/hcn*.go) mapped onto the canonical v1
 * model, the /v2/... paths and PATCH with Modify*SettingRequest.
 *
 * Mapping: Ipams[].Subnets[] <-> Subnets[] (IpAddressPrefix <->
 * AddressPrefix; the default route's NextHop <-> GatewayAddress), MacPool.
 * Ranges <-> MacPools, Dns {Domain, Suffix, Search, ServerList, Options} <->
 * DNSDomain/DNSSuffix/DNSSearch/DNSServerList/DNSOptions, network policies
 * NetAdapterName/SourceMacAddress/AutomaticDNS <-> NetworkAdapterName/
 * SourceMac/AutomaticDNS, IpConfigurations <-> IPAddress/PrefixLength and
 * IPv6Address/IPv6PrefixLength, endpoint Flags bit 0 <-> IsRemoteEndpoint,
 * HostComputeNetwork <-> VirtualNetwork; policies via hns_policy.c. */
#include "hns_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *const ipam_types[] = { "Static", "DHCP", NULL };

static bool guid_is_zero(const char *id)
{
	char g[HNS_GUID_LEN + 1];

	return hns_guid_parse(id, g) &&
	       strcmp(g, "00000000-0000-0000-0000-000000000000") == 0;
}

static json_t *schema_version(void)
{
	json_t *sv = json_object();

	json_object_set_new(sv, "Major", json_integer(2));
	json_object_set_new(sv, "Minor", json_integer(0));
	return sv;
}

static int check_schema_version(const json_t *in, const char *path,
				struct herr *e)
{
	static const char *const allowed[] = { "Major", "Minor", NULL };
	const json_t *sv = NULL;
	uint64_t x;
	char p[HNS_PATH_LEN];

	if (json_get_object(in, path, "SchemaVersion", false, &sv, HJE(e)) < 0)
		return hje_fail(e);
	if (sv == NULL)
		return 0;
	pmember(p, path, "SchemaVersion");
	if (hns_check_members(sv, p, allowed, e) < 0 ||
	    json_get_uint(sv, p, "Major", false, 0, UINT32_MAX, &x, HJE(e)) < 0 ||
	    json_get_uint(sv, p, "Minor", false, 0, UINT32_MAX, &x, HJE(e)) < 0)
		return hje_fail(e);
	return 0;
}

/* What a client sent that is stored, not enforced: Health, and keys no
 * HNS schema defines (hns_wire.c), shown as given. */
static void echo_stored(const json_t *doc, json_t *out)
{
	const json_t *health = json_object_get(doc, "Health");

	json_object_set_new(out, "Health", health ? json_incref((json_t *)health)
						  : json_pack("{s:{}}", "Extra"));
	json_object_set_new(out, "SchemaVersion", schema_version());
	wire_copy_unknown(doc, out);
}

/* ---- Dns ---- */

static const struct fdesc f_dns[] = {
	{ "DNSDomain", "Domain", FK_STR, false, 0, 0, NULL },
	{ "DNSSuffix", "Suffix", FK_STR, false, 0, 0, NULL },
	{ "DNSSearch", "Search", FK_STRARRAY, false, 0, 0, NULL },
	{ "DNSServerList", "ServerList", FK_IPARRAY, false, 0, 0, NULL },
	{ "DNSOptions", "Options", FK_STRARRAY, false, 0, 0, NULL },
};

/* The array's strings joined by sep, whole however long (a cut value
 * would be stored and then refused when the store is read back). */
static json_t *join_strings(const json_t *arr, const char *sep)
{
	size_t i, len = 1, seplen = strlen(sep);
	const json_t *v;
	json_t *out;
	char *buf, *p;

	json_array_foreach(arr, i, v)
		len += json_string_length(v) + seplen;
	p = buf = hns_xcalloc(1, len);
	json_array_foreach(arr, i, v) {
		if (i) {
			memcpy(p, sep, seplen);
			p += seplen;
		}
		memcpy(p, json_string_value(v), json_string_length(v));
		p += json_string_length(v);
	}
	*p = '\0';
	out = json_string(buf);
	free(buf);
	return out;
}

static int dns_parse_v2(const json_t *dns, const char *path, json_t *fields,
			struct herr *e)
{
	json_t *tmp = json_object(), *list, *v;
	const char *key;

	if (fields_parse(dns, path, f_dns, N(f_dns), true, NULL, tmp, e) < 0) {
		json_decref(tmp);
		return -1;
	}
	/* ServerList [] <-> DNSServerList "a,b" */
	list = json_object_get(tmp, "DNSServerList");
	if (list)
		json_object_set_new(tmp, "DNSServerList", join_strings(list, ","));
	json_object_foreach(tmp, key, v)
		json_object_set(fields, key, v);
	json_decref(tmp);
	return 0;
}

static json_t *dns_render_v2(const json_t *doc)
{
	json_t *out = json_object();
	const char *list = json_string_value(json_object_get(doc, "DNSServerList"));

	fields_render(doc, f_dns, N(f_dns), true, out);
	if (list) {
		json_t *arr = json_array();
		const char *p = *list ? list : NULL;
		char item[64];

		/* v1 keeps the list as written ("a, b"): items trimmed */
		while (p != NULL)
			if (text_list_next(&p, item, sizeof(item)) == 0)
				json_array_append_new(arr, json_string(item));
		json_object_set_new(out, "ServerList", arr);
	}
	if (json_object_size(out) == 0) {
		json_decref(out);
		return NULL;
	}
	return out;
}

static void dns_clear(json_t *doc)
{
	for (size_t i = 0; i < N(f_dns); i++)
		json_object_del(doc, f_dns[i].name);
}

/* ---- routes and gateways ---- */

static const char *default_dest(int family)
{
	return family == 4 ? "0.0.0.0/0" : "::/0";
}

static json_t *routes_with_gateway(const json_t *obj, const char *gw_key,
				   const char *gw6_key)
{
	const json_t *stored = json_object_get(obj, "Routes");
	const char *keys[2] = { gw_key, gw6_key };
	json_t *out = json_array(), *r;
	size_t i;

	for (int k = 0; k < 2; k++) {
		const char *gw = keys[k] ?
			json_string_value(json_object_get(obj, keys[k])) : NULL;
		struct ipaddr a;
		bool have = false;

		if (gw == NULL || ip_parse(gw, &a) < 0)
			continue;
		json_array_foreach(stored, i, r)
			have |= strcmp(json_string_value(json_object_get(r, "DestinationPrefix")),
				       default_dest(a.family)) == 0;
		if (have)
			continue;
		r = json_object();
		json_object_set_new(r, "NextHop", json_string(gw));
		json_object_set_new(r, "DestinationPrefix",
				    json_string(default_dest(a.family)));
		json_array_append_new(out, r);
	}
	json_array_foreach(stored, i, r)
		json_array_append(out, r);
	return out;
}

/* Takes the gateway of each family out of canonical routes: the NextHop of
 * the first default route (0.0.0.0/0, ::/0). A default route with a Metric
 * stays in the list too. gw[0] is IPv4, gw[1] IPv6; gw_index the route. */
static json_t *take_gateways(const json_t *routes, const char *gw[2],
			     size_t gw_index[2])
{
	json_t *rest = json_array(), *r;
	size_t i;

	gw[0] = gw[1] = NULL;
	json_array_foreach(routes, i, r) {
		const char *dest = json_string_value(json_object_get(r, "DestinationPrefix"));
		const char *nh = json_string_value(json_object_get(r, "NextHop"));
		int k = strcmp(dest, "0.0.0.0/0") == 0 ? 0 :
			strcmp(dest, "::/0") == 0 ? 1 : -1;

		if (k >= 0 && nh && gw[k] == NULL) {
			gw[k] = nh;
			gw_index[k] = i;
			if (!json_object_get(r, "Metric"))
				continue;
		}
		json_array_append(rest, r);
	}
	return rest;
}

/* ---- networks ---- */

static const struct fdesc f_net_v2[] = {
	{ "Name", "Name", FK_NAME, true, 0, 0, NULL },
	{ "Type", "Type", FK_ENUM, true, 0, 0, hns_network_types },
	{ "Flags", "Flags", FK_UINT, false, 0, UINT32_MAX, NULL },
	{ "Health", "Health", FK_ANY, false, 0, 0, NULL }, /* stored only */
};

static const char *const net_v2_extra[] = {
	"ID", "Policies", "MacPool", "Dns", "Ipams", "SchemaVersion", NULL,
};

static const struct fdesc f_p_adapter[] = {
	{ "NetworkAdapterName", "NetworkAdapterName", FK_STR, true, 0, 0, NULL },
};
static const struct fdesc f_p_srcmac[] = {
	{ "SourceMac", "SourceMacAddress", FK_MAC, true, 0, 0, NULL },
};
static const struct fdesc f_p_autodns[] = {
	{ "AutomaticDNS", "Enable", FK_BOOL, false, 0, 0, NULL },
};

/* v2 network policies that are plain fields of the v1 network */
static const struct {
	const char *type;
	const struct fdesc *f;
} field_policies[] = {
	{ "NetAdapterName", f_p_adapter },
	{ "SourceMacAddress", f_p_srcmac },
	{ "AutomaticDNS", f_p_autodns },
};

static int net_policies_v2(const json_t *arr, const char *path, json_t *fields,
			   json_t **policies, struct herr *e)
{
	json_t *item;
	size_t i;
	char p[HNS_PATH_LEN], sp[HNS_PATH_LEN];

	*policies = json_array();
	if (!json_is_array(arr))
		return hfail(e, 400, path, "must be an array");
	json_array_foreach(arr, i, item) {
		const char *type = json_string_value(json_object_get(item, "Type"));
		size_t k;

		pindex(p, path, i);
		for (k = 0; type && k < N(field_policies); k++)
			if (strcasecmp(type, field_policies[k].type) == 0)
				break;
		if (type && k < N(field_policies)) {
			static const char *const allowed[] = { "Type", "Settings", NULL };
			const json_t *settings = json_object_get(item, "Settings");
			json_t *empty = json_object();
			int r;

			if (hns_check_members(item, p, allowed, e) < 0) {
				json_decref(empty);
				return hje_fail(e);
			}
			r = fields_parse(settings ? settings : empty, pmember(sp, p, "Settings"),
					 field_policies[k].f, 1, true, NULL, fields, e);
			json_decref(empty);
			if (r < 0)
				return -1;
			if (k == 2 && !json_object_get(fields, "AutomaticDNS"))
				json_object_set_new(fields, "AutomaticDNS", json_false());
			continue;
		}
		item = policy_parse(item, p, PC_NET, true, e);
		if (item == NULL)
			return -1;
		json_array_append_new(*policies, item);
	}
	return 0;
}

static int parse_subnet_v2(struct hns_network *n, const json_t *in,
			   const char *path, json_t **out, struct herr *e)
{
	static const char *const allowed[] = { "IpAddressPrefix", "Policies", "Flags",
					       "Routes", NULL };
	const char *prefix = NULL, *gw[2] = { NULL, NULL };
	size_t gwi[2] = { 0, 0 };
	const json_t *v;
	struct ipaddr pfx, gwa = { 0 };
	int len, r, k;
	char pp[HNS_PATH_LEN], gp[HNS_PATH_LEN] = "", p[HNS_PATH_LEN], buf[80];
	json_t *s = NULL, *routes = NULL, *rest = NULL;

	*out = NULL;
	if (!json_is_object(in))
		return hfail(e, 400, path, "must be an object");
	if (hns_check_members(in, path, allowed, e) < 0 ||
	    json_get_string(in, path, "IpAddressPrefix", true, &prefix, HJE(e)) < 0)
		return hje_fail(e);
	pmember(pp, path, "IpAddressPrefix");
	r = prefix_parse(prefix, &pfx, &len, true);
	if (r == -2) {
		ip_format(&pfx, buf, sizeof(buf));
		return hfail(e, 400, pp, "'%s' has host bits set (the subnet is %s/%d after masking)",
			     prefix, buf, len);
	}
	if (r < 0)
		return hfail(e, 400, pp, "'%s' is not a valid IP prefix (address/length)",
			     prefix);
	if ((v = json_object_get(in, "Routes")) != NULL) {
		routes = routes_parse(v, pmember(p, path, "Routes"), e);
		if (routes == NULL)
			return -1;
		rest = take_gateways(routes, gw, gwi);
	}
	k = pfx.family == 4 ? 0 : 1;
	if (gw[k]) {
		char rp[HNS_PATH_LEN];

		ip_parse(gw[k], &gwa);
		pindex(rp, p, gwi[k]);
		pmember(gp, rp, "NextHop");
	}
	if (network_add_subnet(n, pp, &pfx, len, gp, &gwa, gw[k] != NULL, e) < 0)
		goto fail;
	s = json_object();
	ip_format(&pfx, buf, sizeof(buf) - 5);
	snprintf(buf + strlen(buf), 5, "/%d", len);
	json_object_set_new(s, "AddressPrefix", json_string(buf));
	if (gw[k])
		json_object_set_new(s, "GatewayAddress", json_string(gw[k]));
	if ((v = json_object_get(in, "Policies")) != NULL) {
		json_t *c = policies_parse(v, pmember(p, path, "Policies"), PC_SUB, true, e);

		if (c == NULL)
			goto fail;
		json_object_set_new(s, "Policies", c);
	} else {
		json_object_set_new(s, "Policies", json_array());
	}
	/* routes other than the gateway's (and a default route of the other
	 * family) are kept */
	if (rest && k == 0 && gw[1])
		json_array_insert(rest, 0, json_array_get(routes, gwi[1]));
	if (rest && k == 1 && gw[0])
		json_array_insert(rest, 0, json_array_get(routes, gwi[0]));
	if (rest && json_array_size(rest) > 0)
		json_object_set(s, "Routes", rest);
	json_decref(routes);
	json_decref(rest);
	*out = s;
	return 0;
fail:
	json_decref(s);
	json_decref(routes);
	json_decref(rest);
	return -1;
}

static int net_parse_v2(const json_t *in, const char *path,
			struct hns_network *n, json_t *f, const char **id,
			struct herr *e)
{
	const json_t *v;
	char p[HNS_PATH_LEN];

	if (!json_is_object(in))
		return hfail(e, 400, path, "must be an object");
	if (fields_parse(in, path, f_net_v2, N(f_net_v2), true, net_v2_extra, f, e) < 0)
		return -1;
	if (json_get_string(in, path, "ID", false, id, HJE(e)) < 0)
		return hje_fail(e);
	if (*id && **id == '\0')
		*id = NULL;
	if (check_schema_version(in, path, e) < 0)
		return -1;
	if (json_integer_value(json_object_get(f, "Flags")) == 0)
		json_object_del(f, "Flags");
	if ((v = json_object_get(in, "Policies")) != NULL) {
		json_t *pols;
		int r = net_policies_v2(v, pmember(p, path, "Policies"), f, &pols, e);

		json_object_set_new(f, "Policies", pols);
		if (r < 0)
			return -1;
	}
	if ((v = json_object_get(in, "MacPool")) != NULL) {
		static const char *const allowed[] = { "Ranges", NULL };
		const json_t *ranges = NULL;
		json_t *c = NULL;
		int r;

		pmember(p, path, "MacPool");
		if (!json_is_object(v))
			return hfail(e, 400, p, "must be an object");
		if (hns_check_members(v, p, allowed, e) < 0 ||
		    json_get_array(v, p, "Ranges", false, &ranges, HJE(e)) < 0)
			return hje_fail(e);
		if (ranges) {
			char rp[HNS_PATH_LEN];

			r = network_parse_macpools(n, ranges, pmember(rp, p, "Ranges"), &c, e);
			if (r == 0 && json_array_size(c) > 0)
				json_object_set(f, "MacPools", c);
			json_decref(c);
			if (r < 0)
				return -1;
		}
	}
	if ((v = json_object_get(in, "Dns")) != NULL &&
	    dns_parse_v2(v, pmember(p, path, "Dns"), f, e) < 0)
		return -1;
	if ((v = json_object_get(in, "Ipams")) != NULL) {
		json_t *subnets = json_array(), *ipam;
		size_t i;

		json_object_set_new(f, "Subnets", subnets);
		pmember(p, path, "Ipams");
		if (!json_is_array(v))
			return hfail(e, 400, p, "must be an array");
		json_array_foreach(v, i, ipam) {
			static const char *const allowed[] = { "Type", "Subnets", NULL };
			static const struct fdesc f_type = { "Type", "Type", FK_ENUM, false,
							     0, 0, ipam_types };
			const json_t *list = NULL, *sub, *t;
			char ip[HNS_PATH_LEN], sp[HNS_PATH_LEN], tp[HNS_PATH_LEN];
			size_t j;

			pindex(ip, p, i);
			if (!json_is_object(ipam))
				return hfail(e, 400, ip, "must be an object");
			if (hns_check_members(ipam, ip, allowed, e) < 0 ||
			    json_get_array(ipam, ip, "Subnets", false, &list, HJE(e)) < 0)
				return hje_fail(e);
			if ((t = json_object_get(ipam, "Type")) != NULL) {
				json_t *c = field_value(&f_type, t, pmember(tp, ip, "Type"), true, e);

				if (c == NULL)
					return -1;
				if (strcmp(json_string_value(c), "Static") != 0 &&
				    !json_object_get(f, "IpamType"))
					json_object_set(f, "IpamType", c);
				json_decref(c);
			}
			pmember(sp, ip, "Subnets");
			json_array_foreach(list, j, sub) {
				json_t *s;
				char jp[HNS_PATH_LEN];

				if (parse_subnet_v2(n, sub, pindex(jp, sp, j), &s, e) < 0)
					return -1;
				json_array_append_new(subnets, s);
			}
		}
	}
	return 0;
}

static int network_create_v2(struct hns *h, const json_t *in, const char *path,
			     struct hns_network **out, struct herr *e)
{
	struct hns_network *n = network_new();
	json_t *f = json_object();
	const char *id = NULL;

	if (net_parse_v2(in, path, n, f, &id, e) < 0) {
		json_decref(f);
		obj_free(&n->o);
		return -1;
	}
	if (network_insert(h, n, f, id, path, e) < 0)
		return -1;
	*out = n;
	return 0;
}

static json_t *network_policies_v2(const json_t *doc)
{
	json_t *out = json_array(), *p, *s, *v;

	for (size_t k = 0; k < N(field_policies); k++) {
		const struct fdesc *d = field_policies[k].f;

		v = json_object_get(doc, d->name);
		if (v == NULL)
			continue;
		p = json_object();
		s = json_object();
		json_object_set_new(p, "Type", json_string(field_policies[k].type));
		json_object_set(s, d->v2, v);
		json_object_set_new(p, "Settings", s);
		json_array_append_new(out, p);
	}
	return out;
}

json_t *hns_network_policies_v2(struct hns *h, const char *id)
{
	struct hns_obj *o = id != NULL ? hns_lookup(h, HK_NETWORK, id) : NULL;
	const struct hns_network *n = (const struct hns_network *)o;
	json_t *pols;
	const json_t *v;
	size_t i;

	if (o == NULL)
		return NULL;
	pols = network_policies_v2(o->doc);
	json_array_foreach(json_object_get(o->doc, "Policies"), i, v)
		json_array_append_new(pols, policy_render_v2(v));
	network_report_v2(h, n, pols);
	return pols;
}

static json_t *network_render_v2(const struct hns *h,
				  const struct hns_network *n)
{
	const json_t *doc = n->o.doc;
	json_t *out = json_object(), *pols, *subs, *sub, *dns;
	const json_t *v;
	size_t i;

	json_object_set(out, "ID", json_object_get(doc, "ID"));
	json_object_set(out, "Name", json_object_get(doc, "Name"));
	json_object_set(out, "Type", json_object_get(doc, "Type"));
	pols = network_policies_v2(doc);
	json_array_foreach(json_object_get(doc, "Policies"), i, v)
		json_array_append_new(pols, policy_render_v2(v));
	network_report_v2(h, n, pols);
	json_object_set_new(out, "Policies", pols);
	if ((v = json_object_get(doc, "MacPools")) != NULL) {
		json_t *mp = json_object();

		json_object_set(mp, "Ranges", (json_t *)v);
		json_object_set_new(out, "MacPool", mp);
	}
	if ((dns = dns_render_v2(doc)) != NULL)
		json_object_set_new(out, "Dns", dns);
	v = json_object_get(doc, "Subnets");
	if (json_array_size(v) > 0) {
		json_t *ipams = json_array(), *ipam = json_object();
		const json_t *t = json_object_get(doc, "IpamType");

		subs = json_array();
		json_array_foreach(v, i, sub) {
			json_t *s = json_object(), *routes;

			json_object_set(s, "IpAddressPrefix", json_object_get(sub, "AddressPrefix"));
			json_object_set_new(s, "Policies",
					    policies_render_v2(json_object_get(sub, "Policies")));
			routes = routes_with_gateway(sub, "GatewayAddress", NULL);
			if (json_array_size(routes) > 0)
				json_object_set_new(s, "Routes", routes);
			else
				json_decref(routes);
			json_array_append_new(subs, s);
		}
		json_object_set_new(ipam, "Type", t ? json_incref((json_t *)t)
						    : json_string("Static"));
		json_object_set_new(ipam, "Subnets", subs);
		json_array_append_new(ipams, ipam);
		json_object_set_new(out, "Ipams", ipams);
	}
	v = json_object_get(doc, "Flags");
	json_object_set_new(out, "Flags", json_integer(v ? json_integer_value(v) : 0));
	echo_stored(doc, out);
	return out;
}

/* ---- endpoints ---- */

static const struct fdesc f_ep_v2[] = {
	{ "Name", "Name", FK_STR, false, 0, 0, NULL },
	{ "Flags", "Flags", FK_UINT, false, 0, UINT32_MAX, NULL },
	{ "Health", "Health", FK_ANY, false, 0, 0, NULL }, /* stored only */
};

static const char *const ep_v2_extra[] = {
	"ID", "HostComputeNetwork", "HostComputeNamespace", "Policies",
	"IpConfigurations", "Dns", "Routes", "MacAddress", "SchemaVersion",
	"State", NULL,
};

static int ep_parse_v2(struct hns *h, const json_t *in, const char *path,
		       struct ep_spec *s, struct herr *e)
{
	const char *id = NULL, *net = NULL, *ns = NULL, *mac = NULL;
	const json_t *v;
	json_int_t flags;
	char p[HNS_PATH_LEN];

	if (!json_is_object(in))
		return hfail(e, 400, path, "must be an object");
	if (fields_parse(in, path, f_ep_v2, N(f_ep_v2), true, ep_v2_extra, s->fields,
			 e) < 0)
		return -1;
	if (json_get_string(in, path, "ID", false, &id, HJE(e)) < 0 ||
	    json_get_string(in, path, "HostComputeNetwork", true, &net, HJE(e)) < 0 ||
	    json_get_string(in, path, "HostComputeNamespace", false, &ns, HJE(e)) < 0 ||
	    json_get_string(in, path, "MacAddress", false, &mac, HJE(e)) < 0)
		return hje_fail(e);
	if (check_schema_version(in, path, e) < 0)
		return -1;
	flags = json_integer_value(json_object_get(s->fields, "Flags"));
	json_object_del(s->fields, "Flags");
	if (flags & 1)
		json_object_set_new(s->fields, "IsRemoteEndpoint", json_true());
	if (flags & ~(json_int_t)1)
		json_object_set_new(s->fields, "Flags", json_integer(flags & ~(json_int_t)1));
	if (id && *id && !hns_guid_parse(id, s->id))
		return hfail(e, 400, pmember(p, path, "ID"), "'%s' is not a GUID", id);
	pmember(p, path, "HostComputeNetwork");
	s->net = (struct hns_network *)hns_lookup(h, HK_NETWORK, net);
	if (s->net == NULL)
		return hfail(e, 404, p, "no network with ID '%s'", net);
	if (ns && *ns && !guid_is_zero(ns)) { /* all-zero: none (Antrea) */
		pmember(p, path, "HostComputeNamespace");
		s->ns = (struct hns_namespace *)hns_lookup(h, HK_NAMESPACE, ns);
		if (s->ns == NULL)
			return hfail(e, 404, p, "no namespace with ID '%s'", ns);
	}
	if ((v = json_object_get(in, "Policies")) != NULL) {
		json_t *c = policies_parse(v, pmember(p, path, "Policies"), PC_EP, true, e);

		if (c == NULL)
			return -1;
		json_object_set_new(s->fields, "Policies", c);
	}
	pmember(s->mac_path, path, "MacAddress");
	if (mac && *mac) {
		if (hns_mac_parse(mac, &s->mac) < 0)
			return hfail(e, 400, s->mac_path, "'%s' is not a valid MAC address", mac);
		s->has_mac = true;
		hns_copy_text(s->mac_text, sizeof(s->mac_text), mac);
	}
	pmember(s->ip_path, path, "IpConfigurations");
	pmember(s->ip6_path, path, "IpConfigurations");
	if ((v = json_object_get(in, "IpConfigurations")) != NULL) {
		static const char *const allowed[] = { "IpAddress", "PrefixLength", NULL };
		const json_t *item;
		size_t i;
		char lp[HNS_PATH_LEN], ip[HNS_PATH_LEN];

		pmember(lp, path, "IpConfigurations");
		if (!json_is_array(v))
			return hfail(e, 400, lp, "must be an array");
		json_array_foreach(v, i, item) {
			const char *addr = NULL;
			uint64_t plen = 0;
			struct ipaddr a;
			bool has_len = json_object_get(item, "PrefixLength") != NULL;

			pindex(ip, lp, i);
			if (!json_is_object(item))
				return hfail(e, 400, ip, "must be an object");
			if (hns_check_members(item, ip, allowed, e) < 0 ||
			    json_get_string(item, ip, "IpAddress", true, &addr, HJE(e)) < 0 ||
			    json_get_uint(item, ip, "PrefixLength", false, 0, 128, &plen,
					  HJE(e)) < 0)
				return hje_fail(e);
			pmember(p, ip, "IpAddress");
			if (ip_parse(addr, &a) < 0)
				return hfail(e, 400, p, "'%s' is not a valid IP address", addr);
			if ((a.family == 4 && s->has_ip) || (a.family == 6 && s->has_ip6))
				return hfail(e, 400, ip, "only one IPv%d configuration is supported",
					     a.family);
			if (has_len && a.family == 4 && plen > 32)
				return hfail(e, 400, pmember(p, ip, "PrefixLength"),
					     "%llu is out of range 0-32",
					     (unsigned long long)plen);
			if (a.family == 4) {
				s->has_ip = true;
				s->ip = a;
				pmember(s->ip_path, ip, "IpAddress");
				hns_copy_text(s->ip_text, sizeof(s->ip_text), addr);
			} else {
				s->has_ip6 = true;
				s->ip6 = a;
				pmember(s->ip6_path, ip, "IpAddress");
				hns_copy_text(s->ip6_text, sizeof(s->ip6_text), addr);
			}
			if (has_len)
				json_object_set_new(s->fields, a.family == 4 ? "PrefixLength"
									     : "IPv6PrefixLength",
						    json_integer((json_int_t)plen));
		}
	}
	if ((v = json_object_get(in, "Dns")) != NULL &&
	    dns_parse_v2(v, pmember(p, path, "Dns"), s->fields, e) < 0)
		return -1;
	if ((v = json_object_get(in, "Routes")) != NULL) {
		const char *gw[2];
		size_t gwi[2];
		json_t *routes = routes_parse(v, pmember(p, path, "Routes"), e), *rest;

		if (routes == NULL)
			return -1;
		rest = take_gateways(routes, gw, gwi);
		for (int k = 0; k < 2; k++) {
			struct ipaddr a;
			char rp[HNS_PATH_LEN], np[HNS_PATH_LEN];

			if (gw[k] == NULL)
				continue;
			ip_parse(gw[k], &a);
			if (a.family != (k == 0 ? 4 : 6)) {
				pindex(rp, p, gwi[k]);
				hfail(e, 400, pmember(np, rp, "NextHop"),
				      "%s is not an IPv%d address (the default route's next hop)",
				      gw[k], k == 0 ? 4 : 6);
				json_decref(routes);
				json_decref(rest);
				return -1;
			}
			json_object_set_new(s->fields, k == 0 ? "GatewayAddress"
							      : "GatewayAddressV6",
					    json_string(gw[k]));
		}
		if (json_array_size(rest) > 0)
			json_object_set(s->fields, "Routes", rest);
		json_decref(routes);
		json_decref(rest);
	}
	return 0;
}

static int endpoint_create_v2(struct hns *h, const json_t *in, const char *path,
			      struct hns_endpoint **out, struct herr *e)
{
	struct ep_spec s;
	int r;

	ep_spec_init(&s);
	r = ep_parse_v2(h, in, path, &s, e);
	if (r == 0)
		r = endpoint_insert(h, &s, path, out, e);
	ep_spec_fini(&s);
	return r;
}

static json_t *endpoint_render_v2(const struct hns_endpoint *ep)
{
	const json_t *doc = ep->o.doc;
	json_t *out = json_object(), *ipc = json_array(), *dns, *routes;
	json_int_t flags = json_integer_value(json_object_get(doc, "Flags"));
	static const char *const addr[2][2] = {
		{ "IPAddress", "PrefixLength" },
		{ "IPv6Address", "IPv6PrefixLength" },
	};

	json_object_set(out, "ID", json_object_get(doc, "ID"));
	if (json_object_get(doc, "Name"))
		json_object_set(out, "Name", json_object_get(doc, "Name"));
	json_object_set(out, "HostComputeNetwork", json_object_get(doc, "VirtualNetwork"));
	if (ep->ns)
		json_object_set_new(out, "HostComputeNamespace", json_string(ep->ns->o.id));
	json_object_set_new(out, "Policies",
			    policies_render_v2(json_object_get(doc, "Policies")));
	for (int k = 0; k < 2; k++) {
		json_t *a = json_object_get(doc, addr[k][0]);

		if (a) {
			json_t *c = json_object();

			json_object_set(c, "IpAddress", a);
			if (json_object_get(doc, addr[k][1]))
				json_object_set(c, "PrefixLength", json_object_get(doc, addr[k][1]));
			json_array_append_new(ipc, c);
		}
	}
	json_object_set_new(out, "IpConfigurations", ipc);
	if ((dns = dns_render_v2(doc)) != NULL)
		json_object_set_new(out, "Dns", dns);
	routes = routes_with_gateway(doc, "GatewayAddress", "GatewayAddressV6");
	if (json_array_size(routes) > 0)
		json_object_set_new(out, "Routes", routes);
	else
		json_decref(routes);
	json_object_set(out, "MacAddress", json_object_get(doc, "MacAddress"));
	if (json_is_true(json_object_get(doc, "IsRemoteEndpoint")))
		flags |= 1;
	json_object_set_new(out, "Flags", json_integer(flags));
	json_object_set_new(out, "State", json_integer(endpoint_state(ep)));
	plumb_render(ep, out); /* the Linux interface, as in the v1 view */
	echo_stored(doc, out);
	return out;
}

/* ---- PATCH: Modify*SettingRequest ---- */

static const char *const req_types[] = { "Add", "Remove", "Update", "Refresh", NULL };
static const char *const net_res[] = { "Policy", "DNS", "Extension", NULL };
static const char *const ep_res[] = { "Policy", "Port", NULL };
static const char *const ns_res[] = { "Endpoint", "Container", NULL };

static int parse_modify(const json_t *in, const char *const *resources,
			const char **rtype, const char **req,
			const json_t **settings, struct herr *e)
{
	const struct fdesc f[] = {
		{ "ResourceType", "ResourceType", FK_ENUM, true, 0, 0, resources },
		{ "RequestType", "RequestType", FK_ENUM, true, 0, 0, req_types },
	};
	static const char *const extra[] = { "Settings", NULL };
	json_t *out = json_object();

	if (fields_parse(in, "", f, 2, true, extra, out, e) < 0) {
		json_decref(out);
		return -1;
	}
	/* the canonical strings are static table entries */
	for (const char *const *r = resources; *r; r++)
		if (strcmp(*r, json_string_value(json_object_get(out, "ResourceType"))) == 0)
			*rtype = *r;
	for (const char *const *r = req_types; *r; r++)
		if (strcmp(*r, json_string_value(json_object_get(out, "RequestType"))) == 0)
			*req = *r;
	json_decref(out);
	*settings = json_object_get(in, "Settings");
	if (*settings && !json_is_object(*settings))
		return hfail(e, 400, "Settings", "must be an object");
	if (*settings == NULL && strcmp(*req, "Refresh") != 0)
		return hfail(e, 400, "Settings", "required field is missing");
	return 0;
}

/* Applies Add/Remove/Update of policies to a canonical array (new ref). */
static json_t *modify_policies(const json_t *cur, const json_t *given,
			       const char *req, struct herr *e)
{
	json_t *out, *p;
	size_t i;

	if (strcmp(req, "Update") == 0)
		return json_incref((json_t *)given);
	out = json_deep_copy(cur ? cur : json_array());
	if (out == NULL)
		out = json_array();
	json_array_foreach(given, i, p) {
		size_t j, found = (size_t)-1;
		json_t *q;
		char path[HNS_PATH_LEN];

		json_array_foreach(out, j, q)
			if (policy_same(p, q))
				found = j;
		pindex(path, "Settings.Policies", i);
		if (strcmp(req, "Add") == 0) {
			if (found != (size_t)-1) {
				hfail(e, 409, path, "this %s policy is already present",
				      json_string_value(json_object_get(p, "Type")));
				json_decref(out);
				return NULL;
			}
			json_array_append(out, p);
		} else {
			if (found == (size_t)-1) {
				hfail(e, 404, path, "no such %s policy to remove",
				      json_string_value(json_object_get(p, "Type")));
				json_decref(out);
				return NULL;
			}
			json_array_remove(out, found);
		}
	}
	return out;
}

static const json_t *settings_policies(const json_t *settings, struct herr *e)
{
	static const char *const allowed[] = { "Policies", NULL };
	const json_t *arr = NULL;

	if (hns_check_members(settings, "Settings", allowed, e) < 0 ||
	    json_get_array(settings, "Settings", "Policies", true, &arr, HJE(e)) < 0) {
		hje_fail(e);
		return NULL;
	}
	return arr;
}

static int network_modify(struct hns *h, struct hns_network *n, const json_t *in,
			  struct herr *e)
{
	const char *rtype = NULL, *req = NULL;
	const json_t *settings, *arr;
	json_t *doc, *fields = NULL, *pols = NULL, *np;

	if (parse_modify(in, net_res, &rtype, &req, &settings, e) < 0)
		return -1;
	if (strcmp(req, "Refresh") == 0)
		return 0;
	if (strcmp(rtype, "Extension") == 0)
		return hfail(e, 400, "ResourceType", "Extension settings are not supported");
	doc = json_copy(n->o.doc);
	fields = json_object();
	if (strcmp(rtype, "DNS") == 0) {
		if (dns_parse_v2(settings, "Settings", fields, e) < 0)
			goto fail;
		if (strcmp(req, "Update") == 0)
			dns_clear(doc);
		if (strcmp(req, "Remove") == 0) {
			const char *key;
			json_t *v;

			if (json_object_size(fields) == 0)
				dns_clear(doc);
			json_object_foreach(fields, key, v)
				json_object_del(doc, key);
		} else {
			json_object_update(doc, fields);
		}
	} else {
		if ((arr = settings_policies(settings, e)) == NULL)
			goto fail;
		if (net_policies_v2(arr, "Settings.Policies", fields, &pols, e) < 0)
			goto fail;
		np = modify_policies(json_object_get(doc, "Policies"), pols, req, e);
		if (np == NULL)
			goto fail;
		json_object_set_new(doc, "Policies", np);
		if (strcmp(req, "Remove") == 0) {
			const char *key;
			json_t *v;

			json_object_foreach(fields, key, v) {
				if (!json_equal(v, json_object_get(doc, key))) {
					hfail(e, 404, "Settings.Policies",
					      "the network has no such %s setting", key);
					goto fail;
				}
				json_object_del(doc, key);
			}
		} else {
			json_object_update(doc, fields);
		}
	}
	json_decref(fields);
	json_decref(pols);
	txn_set_doc(h, &n->o, network_finish_doc(doc));
	return 0;
fail:
	json_decref(doc);
	json_decref(fields);
	json_decref(pols);
	return -1;
}

static int endpoint_modify(struct hns *h, struct hns_endpoint *ep,
			   const json_t *in, struct herr *e)
{
	const char *rtype = NULL, *req = NULL;
	const json_t *settings, *arr;
	json_t *given, *np;

	if (parse_modify(in, ep_res, &rtype, &req, &settings, e) < 0)
		return -1;
	if (strcmp(req, "Refresh") == 0)
		return 0;
	if (strcmp(rtype, "Port") == 0)
		return hfail(e, 400, "ResourceType", "Port settings are not supported");
	if ((arr = settings_policies(settings, e)) == NULL)
		return -1;
	given = policies_parse(arr, "Settings.Policies", PC_EP, true, e);
	if (given == NULL)
		return -1;
	np = modify_policies(json_object_get(ep->o.doc, "Policies"), given, req, e);
	json_decref(given);
	if (np == NULL)
		return -1;
	endpoint_set_policies(h, ep, np);
	return 0;
}

static int namespace_modify_v2(struct hns *h, struct hns_namespace *ns,
			       const json_t *in, struct herr *e)
{
	const char *rtype = NULL, *req = NULL, *rid = NULL;
	const json_t *settings;
	bool is_ep;
	const char *key;
	char allowed0[16];
	const char *allowed[2] = { allowed0, NULL };
	char p[HNS_PATH_LEN];

	if (parse_modify(in, ns_res, &rtype, &req, &settings, e) < 0)
		return -1;
	if (strcmp(req, "Refresh") == 0)
		return 0;
	if (strcmp(req, "Update") == 0)
		return hfail(e, 400, "RequestType", "Update is not supported for namespaces (Add or Remove)");
	is_ep = strcmp(rtype, "Endpoint") == 0;
	key = is_ep ? "EndpointId" : "ContainerId";
	snprintf(allowed0, sizeof(allowed0), "%s", key);
	if (hns_check_members(settings, "Settings", allowed, e) < 0 ||
	    json_get_string(settings, "Settings", key, true, &rid, HJE(e)) < 0)
		return hje_fail(e);
	pmember(p, "Settings", key);
	if (*rid == '\0')
		return hfail(e, 400, p, "must not be empty");
	return namespace_modify(h, ns, strcmp(req, "Add") == 0, rtype, rid, p, e);
}

/* ---- /v2/... ---- */

static int not_allowed(const char *method, const char *coll, bool with_id,
		       json_t **resp)
{
	struct herr e;

	hfail(&e, 405, NULL, "method %s is not allowed on /v2/%s%s", method, coll,
	      with_id ? "/{id}" : "");
	return hns_reply_err(resp, &e);
}

json_t *hns_v2_render(const struct hns *h, struct hns_obj *o)
{
	json_t *out;

	switch (o->kind) {
	case HK_NETWORK:
		out = network_render_v2(h, (struct hns_network *)o);
		hns_kept_apply(o->doc, out, true);
		return out;
	case HK_ENDPOINT:
		out = endpoint_render_v2((struct hns_endpoint *)o);
		hns_kept_apply(o->doc, out, true);
		return out;
	case HK_NAMESPACE:
		return namespace_render((struct hns_namespace *)o, true);
	case HK_POLICYLIST: /* a load balancer (hns_lb_v2.c) */
		return lb_render_v2(h, o, true);
	default:
		return json_incref(o->doc);
	}
}

int hns_v2_handle(struct hns *h, const char *method, const char *coll,
		  const char *id, const char *body, size_t len, json_t **resp)
{
	enum hns_kind k = strcmp(coll, "networks") == 0 ? HK_NETWORK :
			  strcmp(coll, "endpoints") == 0 ? HK_ENDPOINT : HK_NAMESPACE;
	const char *label = k == HK_NETWORK ? "network" :
			    k == HK_ENDPOINT ? "endpoint" : "namespace";
	struct herr e;
	struct hns_obj *o = NULL;
	json_t *in, *out = NULL;
	int r;

	herr_init_req(&e, h);
	if (id == NULL) {
		if (strcmp(method, "GET") == 0) {
			out = json_array();
			for (struct hns_obj *x = h->lists[k].head; x; x = x->next)
				json_array_append_new(out, hns_v2_render(h, x));
			return hns_reply(resp, 200, NULL, out);
		}
		if (strcmp(method, "POST") != 0)
			return not_allowed(method, coll, false, resp);
		if ((in = hns_body(body, len, k == HK_NAMESPACE, &e)) == NULL)
			return hns_reply_err(resp, &e);
		txn_begin(h);
		r = k == HK_NETWORK ?
			network_create_v2(h, in, "", (struct hns_network **)&o, &e) :
		    k == HK_ENDPOINT ?
			endpoint_create_v2(h, in, "", (struct hns_endpoint **)&o, &e) :
			namespace_create(h, in, "", true, false,
					 (struct hns_namespace **)&o, &e);
		json_decref(in);
		if (r == 0)
			hns_kept_store(&e, o->doc, true);
		if (txn_end(h, r, &e) < 0)
			return hns_reply_err(resp, &e);
		return hns_reply(resp, 200, NULL, hns_v2_render(h, o));
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "DELETE") != 0 &&
	    strcmp(method, "PATCH") != 0)
		return not_allowed(method, coll, true, resp);
	o = hns_lookup(h, k, id);
	if (o == NULL) {
		hfail(&e, 404, NULL, "Element not found. (no %s with ID '%s')", label, id);
		return hns_reply_err(resp, &e);
	}
	if (strcmp(method, "GET") == 0)
		return hns_reply(resp, 200, NULL, hns_v2_render(h, o));
	if (strcmp(method, "DELETE") == 0) {
		out = hns_v2_render(h, o);
		txn_begin(h);
		r = k == HK_NETWORK ? network_delete(h, (struct hns_network *)o, &e) :
		    k == HK_ENDPOINT ? endpoint_delete(h, (struct hns_endpoint *)o, &e) :
		    namespace_delete(h, (struct hns_namespace *)o, &e);
		o = NULL;
	} else {
		if ((in = hns_body(body, len, false, &e)) == NULL)
			return hns_reply_err(resp, &e);
		txn_begin(h);
		r = k == HK_NETWORK ? network_modify(h, (struct hns_network *)o, in, &e) :
		    k == HK_ENDPOINT ? endpoint_modify(h, (struct hns_endpoint *)o, in, &e) :
		    namespace_modify_v2(h, (struct hns_namespace *)o, in, &e);
		json_decref(in);
	}
	if (txn_end(h, r, &e) < 0) {
		json_decref(out);
		return hns_reply_err(resp, &e);
	}
	return hns_reply(resp, 200, NULL, o ? hns_v2_render(h, o) : out);
}
