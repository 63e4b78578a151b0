/* HNS Transparent / L2Bridge / Private networks programmed from endpoint
 * attach and detach (net_hns.h), and the L2 isolation of NAT networks'
 * endpoints (their NAT is nat_hns.c's). */
#include "net_hns.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr_parse.h"
#include "l2bridge_ctl.h"
#include "port_hotplug.h"

struct net_hns {
	struct vswitch *sw;
	struct l2b_port_entry entries[VS_MAX_PORTS];
	/* endpoint ports whose VLAN we set: the config to restore, the VLAN
	 * and the uplink that carries it */
	struct {
		bool set;
		uint16_t vid;
		int uplink;
		struct vlan_config saved;
	} vlan[VS_MAX_PORTS];
	/* per uplink: endpoints using each VLAN, VLANs we added to its
	 * allowed list, and whether we turned an Untagged uplink into a
	 * Trunk (native 0) */
	uint16_t refs[VS_MAX_PORTS][VLAN_ID_COUNT];
	uint64_t added[VS_MAX_PORTS][VLAN_ID_COUNT / 64];
	bool converted[VS_MAX_PORTS];
};

static const char *str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

struct net_hns *net_hns_create(struct vswitch *sw)
{
	struct net_hns *nh = calloc(1, sizeof(*nh));

	if (nh != NULL)
		nh->sw = sw;
	return nh;
}

void net_hns_destroy(struct net_hns *nh)
{
	if (nh == NULL)
		return;
	l2b_fini(nh->sw);
	free(nh);
}

/* The VLAN of the first "VLAN" policy in a policy array, 0 if none. */
static uint16_t policy_vlan(const json_t *pols)
{
	const json_t *p;
	size_t i;

	json_array_foreach(pols, i, p) {
		if (strcasecmp(str(p, "Type"), "VLAN") == 0) {
			json_int_t v = json_integer_value(json_object_get(p, "VLAN"));

			if (v >= 1 && v <= VLAN_ID_MAX)
				return (uint16_t)v;
		}
	}
	return 0;
}

/* Endpoint policy, else the policy of the subnet holding its address
 * (or the only subnet), else the network's. */
static uint16_t endpoint_vlan(const json_t *net, const json_t *ep, bool has_ip,
			      uint32_t ip)
{
	const json_t *subs = json_object_get(net, "Subnets"), *sub;
	uint16_t vid = policy_vlan(json_object_get(ep, "Policies"));
	size_t i;

	if (vid != 0)
		return vid;
	json_array_foreach(subs, i, sub) {
		uint32_t pfx;
		uint8_t plen;
		bool holds = json_array_size(subs) == 1 ||
			     (has_ip && ipv4_prefix_parse(str(sub, "AddressPrefix"),
							  &pfx, &plen) == 0 &&
			      ipv4_in_prefix(ip, pfx, plen));

		if (holds && (vid = policy_vlan(json_object_get(sub, "Policies"))) != 0)
			return vid;
	}
	return policy_vlan(json_object_get(net, "Policies"));
}

static int switch_uplink(const struct vswitch *sw)
{
	for (uint16_t p = 0; p < sw->nb_ports; p++)
		if (sw->ports[p].in_use && sw->ports[p].uplink)
			return p;
	return -1;
}

/* The uplink carries vid tagged: added to a Trunk's allowed list, an
 * Untagged uplink becomes Trunk native 0 (untagged frames as before). */
static void uplink_vlan_get(struct net_hns *nh, int up, uint16_t vid)
{
	struct vswitch *sw = nh->sw;
	struct vlan_config cfg = sw->ports[up].vlan;

	if (nh->refs[up][vid]++ != 0)
		return;
	switch (cfg.mode) {
	case VLAN_MODE_TRUNK:
		if (vid == cfg.native_vid || vlan_bitmap_test(cfg.allowed, vid))
			return; /* the operator's trunk carries it */
		break;
	case VLAN_MODE_UNTAGGED:
		memset(cfg.allowed, 0, sizeof(cfg.allowed));
		cfg.native_vid = 0;
		cfg.mode = VLAN_MODE_TRUNK;
		nh->converted[up] = true;
		break;
	case VLAN_MODE_ACCESS:
		fprintf(stderr, "vswitchd: uplink '%s' is an Access port: VLAN %u "
			"of an endpoint is not carried (make it a Trunk)\n",
			sw->ports[up].name, vid);
		return;
	}
	vlan_bitmap_set(cfg.allowed, vid);
	vlan_bitmap_set(nh->added[up], vid);
	l2b_port_set_vlan(sw, (uint16_t)up, &cfg);
}

static void uplink_vlan_put(struct net_hns *nh, int up, uint16_t vid)
{
	struct vswitch *sw = nh->sw;
	struct vlan_config cfg = sw->ports[up].vlan;
	bool any = false;

	if (nh->refs[up][vid] == 0 || --nh->refs[up][vid] != 0 ||
	    !vlan_bitmap_test(nh->added[up], vid))
		return;
	nh->added[up][vid >> 6] &= ~(UINT64_C(1) << (vid & 63));
	cfg.allowed[vid >> 6] &= ~(UINT64_C(1) << (vid & 63));
	for (unsigned i = 0; i < VLAN_ID_COUNT / 64; i++)
		any |= nh->added[up][i] != 0;
	if (nh->converted[up] && !any) {
		cfg.mode = VLAN_MODE_UNTAGGED;
		nh->converted[up] = false;
	}
	l2b_port_set_vlan(sw, (uint16_t)up, &cfg);
}

static void vlan_apply(struct net_hns *nh, uint16_t port, uint16_t vid, int up)
{
	struct vswitch *sw = nh->sw;
	struct vlan_config cfg;

	nh->vlan[port].set = true;
	nh->vlan[port].vid = vid;
	nh->vlan[port].uplink = up;
	nh->vlan[port].saved = sw->ports[port].vlan;
	vlan_config_init(&cfg);
	cfg.mode = VLAN_MODE_ACCESS;
	cfg.access_vid = vid;
	l2b_port_set_vlan(sw, port, &cfg);
	if (up >= 0 && up != port)
		uplink_vlan_get(nh, up, vid);
}

static void vlan_undo(struct net_hns *nh, uint16_t port)
{
	if (!nh->vlan[port].set)
		return;
	nh->vlan[port].set = false;
	if (nh->sw->ports[port].in_use)
		l2b_port_set_vlan(nh->sw, port, &nh->vlan[port].saved);
	if (nh->vlan[port].uplink >= 0 && nh->vlan[port].uplink != port)
		uplink_vlan_put(nh, nh->vlan[port].uplink, nh->vlan[port].vid);
}

static void publish(struct net_hns *nh)
{
	bool oom;
	struct l2b_view *v = l2b_view_build(nh->entries, &oom);

	if (oom) {
		fprintf(stderr, "vswitchd: out of memory for the L2Bridge view\n");
		return; /* the old view stays */
	}
	l2b_view_publish(nh->sw, v);
}

static bool parse_type(const char *t, enum l2b_net_type *type)
{
	if (strcasecmp(t, "Transparent") == 0)
		*type = L2B_NET_TRANSPARENT;
	else if (strcasecmp(t, "L2Bridge") == 0)
		*type = L2B_NET_L2BRIDGE;
	else if (strcasecmp(t, "Private") == 0)
		*type = L2B_NET_PRIVATE;
	else if (strcasecmp(t, "NAT") == 0 || strcasecmp(t, "ICS") == 0 ||
		 strcasecmp(t, "Overlay") == 0)
		*type = L2B_NET_NAT; /* Overlay: its pods reach the wire only
				      * through the distributed router (overlay_hns.h) */
	else
		return false;
	return true;
}

void net_hns_endpoint_attached(struct net_hns *nh, struct hns *h, uint16_t port,
			       const json_t *ep)
{
	struct vswitch *sw = nh->sw;
	struct l2b_port_entry e = {.used = true, .uplink = -1};
	json_t *net = hns_endpoint_network(h, ep);
	const char *adapter, *srcmac;
	struct in6_addr a6;
	uint16_t vid;

	if (net == NULL || port >= VS_MAX_PORTS || !parse_type(str(net, "Type"), &e.type)) {
		json_decref(net);
		return;
	}
	if (nh->entries[port].used) /* re-announced: start afresh */
		net_hns_endpoint_detached(nh, port, ep);
	snprintf(e.net_id, sizeof(e.net_id), "%s", str(ep, "VirtualNetwork"));
	if (e.type == L2B_NET_NAT) {
		/* only the isolation: NAT networks' VLAN policies are not
		 * applied, WinNAT (nat_hns.c) does the rest */
		nh->entries[port] = e;
		publish(nh);
		json_decref(net);
		return;
	}
	if (e.type != L2B_NET_PRIVATE) {
		adapter = str(net, "NetworkAdapterName");
		e.uplink = adapter[0] != '\0' ? vswitch_port_find(sw, adapter) : -1;
		if (e.uplink < 0) {
			if (adapter[0] != '\0')
				fprintf(stderr, "vswitchd: network '%s': NetworkAdapterName "
					"'%s' is no switch port; using the uplink\n",
					str(net, "Name"), adapter);
			e.uplink = switch_uplink(sw);
		}
		if (e.uplink == port)
			e.uplink = -1;
	}
	srcmac = str(net, "SourceMac");
	if (srcmac[0] == '\0' || mac_parse(srcmac, &e.host_mac) < 0) {
		if (e.uplink >= 0)
			e.host_mac = sw->ports[e.uplink].mac;
	}
	e.has_ip4 = ipv4_parse(str(ep, "IPAddress"), &e.ip4) == 0;
	if (inet_pton(AF_INET6, str(ep, "IPv6Address"), &a6) == 1) {
		e.has_ip6 = true;
		memcpy(e.ip6, &a6, 16);
	}
	if (mac_parse(str(ep, "MacAddress"), &e.mac) < 0)
		memset(&e.mac, 0, sizeof(e.mac));
	if (e.type == L2B_NET_L2BRIDGE && (e.uplink < 0 || rte_is_zero_ether_addr(&e.mac)))
		fprintf(stderr, "vswitchd: endpoint '%s': L2Bridge network '%s' %s: "
			"no MAC rewrite\n", str(ep, "Name"), str(net, "Name"),
			e.uplink < 0 ? "has no uplink" : "endpoint has no MAC");
	vid = endpoint_vlan(net, ep, e.has_ip4, e.ip4);
	if (vid != 0)
		vlan_apply(nh, port, vid, e.uplink);
	nh->entries[port] = e;
	publish(nh);
	json_decref(net);
}

void net_hns_endpoint_detached(struct net_hns *nh, uint16_t port,
			       const json_t *ep)
{
	(void)ep;
	if (port >= VS_MAX_PORTS || !nh->entries[port].used)
		return;
	memset(&nh->entries[port], 0, sizeof(nh->entries[port]));
	publish(nh); /* returns after a grace period: no stale entry in use */
	vlan_undo(nh, port);
}
