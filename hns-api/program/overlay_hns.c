/* HNS Overlay networks -> the overlay view (overlay_hns.h). Policies are
 * read in either form the model keeps them (v1 flat keys, or v2
 * {"Type", "Settings"}). */
#include "overlay_hns.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr_parse.h"
#include "overlay_ctl.h"
#include "port_hotplug.h"
#include "ports.h"

struct overlay_hns {
	struct vswitch *sw;
	/* endpoint IDs programmed as local overlay endpoints (policystatus) */
	char local_ids[OV_MAX_EPS][64];
	unsigned nb_local;
	/* the spec last published, to skip republishing an unchanged one */
	struct ov_spec last;
	bool published;
};

static const char *str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

/* A policy's field: under "Settings" (v2) or flat (v1). */
static const json_t *pfield(const json_t *p, const char *k)
{
	const json_t *s = json_object_get(p, "Settings");
	const json_t *v = json_is_object(s) ? json_object_get(s, k) : NULL;

	return v != NULL ? v : json_object_get(p, k);
}

static const char *pstr(const json_t *p, const char *k)
{
	const char *s = json_string_value(pfield(p, k));

	return s ? s : "";
}

static bool ptype(const json_t *p, const char *type)
{
	return strcasecmp(str(p, "Type"), type) == 0;
}

struct overlay_hns *overlay_hns_create(struct vswitch *sw)
{
	struct overlay_hns *oh = calloc(1, sizeof(*oh));

	if (oh != NULL)
		oh->sw = sw;
	return oh;
}

void overlay_hns_destroy(struct overlay_hns *oh)
{
	if (oh == NULL)
		return;
	ov_fini(oh->sw);
	free(oh);
}

/* The VNI of a subnet's (else the network's) VSID policy; 0: none. */
static uint32_t vsid_of(const json_t *pols)
{
	const json_t *p;
	size_t i;

	json_array_foreach(pols, i, p) {
		json_int_t v;

		if (!ptype(p, "VSID"))
			continue;
		v = json_integer_value(pfield(p, "IsolationId"));
		if (v == 0)
			v = json_integer_value(pfield(p, "VSID"));
		if (v > 0 && v <= 0xffffff)
			return (uint32_t)v;
	}
	return 0;
}

static int switch_uplink(const struct vswitch *sw)
{
	for (uint16_t p = 0; p < sw->nb_ports; p++)
		if (sw->ports[p].in_use && sw->ports[p].uplink)
			return p;
	return -1;
}

/* One Overlay network's own fields into s->nets[*]; its RemoteSubnetRoutes
 * into s->routes. false (with a warning) when it cannot be programmed. */
static bool add_network(struct overlay_hns *oh, struct hns *h, const json_t *net,
			struct ov_spec *s)
{
	const json_t *sub = json_array_get(json_object_get(net, "Subnets"), 0);
	const char *name = str(net, "Name"), *adapter = str(net, "NetworkAdapterName");
	struct ov_spec_net n;
	json_t *pols;
	const json_t *p;
	size_t i;
	int up;

	memset(&n, 0, sizeof(n)); /* padding too: specs are compared with memcmp */

	if (s->nb_nets >= OV_MAX_NETS) {
		fprintf(stderr, "vswitchd: Overlay network '%s': more than %d Overlay "
			"networks; not programmed\n", name, OV_MAX_NETS);
		return false;
	}
	if (sub == NULL || ipv4_prefix_parse(str(sub, "AddressPrefix"), &n.subnet, &n.plen) < 0)
		return false;
	if (ipv4_parse(str(sub, "GatewayAddress"), &n.gw) < 0)
		n.gw = n.subnet + 1;
	n.vni = vsid_of(json_object_get(sub, "Policies"));
	if (n.vni == 0)
		n.vni = vsid_of(json_object_get(net, "Policies"));
	up = adapter[0] != '\0' ? vswitch_port_find(oh->sw, adapter) : -1;
	if (up < 0)
		up = switch_uplink(oh->sw);
	pols = hns_network_policies_v2(h, str(net, "ID"));
	json_array_foreach(pols, i, p) {
		if (ptype(p, "ProviderAddress") || ptype(p, "PA")) {
			const char *pa = pstr(p, "ProviderAddress");

			if (ipv4_parse(pa[0] ? pa : pstr(p, "PA"), &n.pa) < 0)
				n.pa = 0;
		} else if (ptype(p, "DrMacAddress")) {
			if (mac_parse(pstr(p, "Address"), &n.dr_mac) < 0)
				memset(&n.dr_mac, 0, sizeof(n.dr_mac));
		} else if (ptype(p, "HostRoute")) {
			n.host_route = true;
		} else if (ptype(p, "VxlanPort")) {
			json_int_t port = json_integer_value(pfield(p, "Port"));

			if (port > 0 && port <= 65535)
				n.udp_port = (uint16_t)port;
		}
	}
	if (n.vni == 0 || n.pa == 0 || up < 0 || rte_is_zero_ether_addr(&n.dr_mac)) {
		fprintf(stderr, "vswitchd: Overlay network '%s' is not programmed: %s\n", name,
			n.vni == 0 ? "no VSID policy (the VNI)" :
			n.pa == 0 ? "no provider address (the uplink has no IPAddresses)" :
			up < 0 ? "no uplink port" : "no DR MAC");
		json_decref(pols);
		return false;
	}
	n.uplink = (uint16_t)up;
	json_array_foreach(pols, i, p) {
		struct ov_spec_route r;
		json_int_t iso;

		if (!ptype(p, "RemoteSubnetRoute"))
			continue;
		memset(&r, 0, sizeof(r));
		r.net = s->nb_nets;
		r.vni = n.vni;
		if (s->nb_routes >= OV_MAX_ROUTES) {
			fprintf(stderr, "vswitchd: Overlay network '%s': more than %d remote "
				"routes; the rest are not programmed\n", name, OV_MAX_ROUTES);
			break;
		}
		iso = json_integer_value(pfield(p, "IsolationId"));
		if (iso > 0)
			r.vni = (uint32_t)iso;
		if (ipv4_prefix_parse(pstr(p, "DestinationPrefix"), &r.prefix, &r.plen) < 0 ||
		    ipv4_parse(pstr(p, "ProviderAddress"), &r.pa) < 0 ||
		    mac_parse(pstr(p, "DistributedRouterMacAddress"), &r.dr_mac) < 0)
			continue; /* IPv6 or incomplete: nothing to encapsulate to */
		s->routes[s->nb_routes++] = r;
	}
	json_decref(pols);
	s->nets[s->nb_nets++] = n;
	return true;
}

/* The index in s->nets of the Overlay network id, -1: none. */
static int net_index(const json_t *ids, const char *id)
{
	const json_t *v;
	size_t i;

	json_array_foreach(ids, i, v)
		if (strcasecmp(json_string_value(v), id) == 0)
			return (int)i;
	return -1;
}

/* An endpoint's PA / ProviderAddress policy; 0: none. */
static uint32_t endpoint_pa(const json_t *ep)
{
	const json_t *p;
	size_t i;
	uint32_t pa;

	json_array_foreach(json_object_get(ep, "Policies"), i, p) {
		const char *text;

		if (!ptype(p, "PA") && !ptype(p, "ProviderAddress"))
			continue;
		text = pstr(p, "PA");
		if (text[0] == '\0')
			text = pstr(p, "ProviderAddress");
		if (ipv4_parse(text, &pa) == 0)
			return pa;
	}
	return 0;
}

static bool is_remote(const json_t *ep)
{
	return json_is_true(json_object_get(ep, "IsRemoteEndpoint")) ||
	       (json_integer_value(json_object_get(ep, "Flags")) & 1) != 0;
}

/* Remote endpoints with a PA elsewhere: /32 routes, inner MAC = theirs. */
static void add_remote_endpoints(struct hns *h, const json_t *ids, struct ov_spec *s)
{
	json_t *eps = hns_endpoint_list(h), *ep;
	size_t i;

	json_array_foreach(eps, i, ep) {
		int ni = net_index(ids, str(ep, "VirtualNetwork"));
		struct ov_spec_route r;

		memset(&r, 0, sizeof(r));
		r.plen = 32;

		if (ni < 0 || !is_remote(ep) || (r.pa = endpoint_pa(ep)) == 0 ||
		    r.pa == s->nets[ni].pa || /* on this host: nothing to tunnel */
		    ipv4_parse(str(ep, "IPAddress"), &r.prefix) < 0 ||
		    mac_parse(str(ep, "MacAddress"), &r.dr_mac) < 0)
			continue;
		if (s->nb_routes >= OV_MAX_ROUTES) {
			fprintf(stderr, "vswitchd: more than %d overlay routes; remote "
				"endpoints left out\n", OV_MAX_ROUTES);
			break;
		}
		r.net = (uint8_t)ni;
		r.vni = s->nets[ni].vni;
		r.remote_ep = true;
		s->routes[s->nb_routes++] = r;
	}
	json_decref(eps);
}

/* Endpoints attached to switch ports. */
static void add_local_endpoints(struct overlay_hns *oh, struct hns *h,
				const struct ports *ports, const json_t *ids,
				struct ov_spec *s)
{
	oh->nb_local = 0;
	for (uint16_t p = 0; p < oh->sw->nb_ports && p < VS_MAX_PORTS; p++) {
		const char *id;
		json_t *ep;
		int ni;
		struct ov_spec_ep e;

		memset(&e, 0, sizeof(e));
		e.port = p;
		if (!oh->sw->ports[p].in_use)
			continue;
		id = ports_endpoint(ports, p);
		ep = id[0] != '\0' ? hns_endpoint_get(h, id) : NULL;
		if (ep == NULL)
			continue;
		ni = net_index(ids, str(ep, "VirtualNetwork"));
		if (ni >= 0 && s->nb_eps < OV_MAX_EPS &&
		    ipv4_parse(str(ep, "IPAddress"), &e.ip) == 0 &&
		    mac_parse(str(ep, "MacAddress"), &e.mac) == 0) {
			e.net = (uint8_t)ni;
			e.host = strcasecmp(str(ep, "SystemType"), "Host") == 0;
			s->eps[s->nb_eps++] = e;
			snprintf(oh->local_ids[oh->nb_local++], sizeof(oh->local_ids[0]), "%s", id);
		}
		json_decref(ep);
	}
}

void overlay_hns_sync(struct overlay_hns *oh, struct hns *h, const struct ports *ports)
{
	json_t *nets = hns_network_list(h), *net, *ids = json_array();
	struct ov_spec *s = calloc(1, sizeof(*s));
	struct ov_view *v;
	char err[256];
	size_t i;

	if (s == NULL) {
		fprintf(stderr, "vswitchd: out of memory for the overlay view\n");
		goto out;
	}
	json_array_foreach(nets, i, net)
		if (strcasecmp(str(net, "Type"), "Overlay") == 0 && add_network(oh, h, net, s))
			json_array_append_new(ids, json_string(str(net, "ID")));
	if (s->nb_nets != 0) {
		add_local_endpoints(oh, h, ports, ids, s);
		add_remote_endpoints(h, ids, s);
	} else {
		oh->nb_local = 0;
	}
	if (s->nb_eps == 0)
		memset(s, 0, sizeof(*s)); /* no view: compare as empty */
	if (oh->published && memcmp(s, &oh->last, sizeof(*s)) == 0)
		goto out; /* nothing changed: no rebuild, no grace period */
	v = ov_view_build(oh->sw, s, err, sizeof(err));
	if (v == NULL && err[0] != '\0') {
		fprintf(stderr, "vswitchd: %s; the old overlay view stays\n", err);
		goto out;
	}
	ov_view_publish(oh->sw, v);
	oh->last = *s;
	oh->published = true;
out:
	free(s);
	json_decref(ids);
	json_decref(nets);
}

void overlay_hns_policy_status(const struct overlay_hns *oh, const json_t *ep,
			       json_t *status)
{
	const char *id = str(ep, "ID");
	bool local = false;
	const json_t *p;
	size_t i;

	for (unsigned k = 0; k < oh->nb_local && !local; k++)
		local = strcasecmp(oh->local_ids[k], id) == 0;
	if (!local)
		return;
	json_array_foreach(json_object_get(ep, "Policies"), i, p) {
		json_t *st = json_array_get(status, i);

		if (st == NULL || (!ptype(p, "PA") && !ptype(p, "ProviderAddress")))
			continue;
		json_object_set_new(st, "Status", json_string("Enforced"));
		json_object_set_new(st, "Why", json_string(
			"the source of the VXLAN encapsulation of the endpoint's Overlay "
			"network (this host's provider address)"));
	}
}
