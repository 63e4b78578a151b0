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
	/* remote endpoints of L2Bridge networks: ids[i] is remotes[i]'s */
	struct l2b_remote_entry *remotes;
	char (*remote_ids)[64];
	size_t nb_remotes, cap_remotes;
	bool batch; /* restoring: publish once at the end */
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
	free(nh->remotes);
	free(nh->remote_ids);
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
	struct l2b_view *v;

	if (nh->batch)
		return;
	v = l2b_view_build_remotes(nh->entries, nh->remotes, nh->nb_remotes, &oom);

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

int net_hns_sdn_route_prefix(const json_t *policy, uint32_t *net, uint32_t *mask)
{
	const char *type = str(policy, "Type"), *pfx = str(policy, "DestinationPrefix");
	uint32_t ip;
	uint8_t len = 32;
	int r;

	if (strcasecmp(type, "ROUTE") != 0 && strcasecmp(type, "SDNRoute") != 0)
		return -1;
	r = strchr(pfx, '/') != NULL ? ipv4_prefix_parse(pfx, &ip, &len) : ipv4_parse(pfx, &ip);
	if (r == -1)
		return -1; /* IPv6, or not a prefix: not enforced */
	*mask = len == 0 ? 0 : rte_cpu_to_be_32(UINT32_MAX << (32 - len));
	*net = rte_cpu_to_be_32(ip) & *mask;
	return 0;
}

/* The endpoint's IPv4 ROUTE/SDNRoute prefixes, in policy order. */
static void endpoint_routes(const json_t *ep, struct l2b_port_entry *e)
{
	const json_t *pol;
	size_t i;

	json_array_foreach(json_object_get(ep, "Policies"), i, pol) {
		struct l2b_route r;

		if (net_hns_sdn_route_prefix(pol, &r.net, &r.mask) < 0)
			continue;
		if (e->nb_routes == L2B_MAX_ROUTES) {
			fprintf(stderr, "vswitchd: endpoint '%s': more than %d SDNRoute "
				"prefixes; the others are not enforced\n", str(ep, "Name"),
				L2B_MAX_ROUTES);
			return;
		}
		e->routes[e->nb_routes++] = r;
	}
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
	if (e.type == L2B_NET_L2BRIDGE) {
		e.host_vnic = strcasecmp(str(ep, "SystemType"), "Host") == 0;
		endpoint_routes(ep, &e);
	}
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

/* ---- remote endpoints ---- */

static ssize_t remote_index(const struct net_hns *nh, const char *id)
{
	for (size_t i = 0; i < nh->nb_remotes; i++)
		if (strcmp(nh->remote_ids[i], id) == 0)
			return (ssize_t)i;
	return -1;
}

/* kube-proxy's placeholder for a remote pod's MAC on L2Bridge:
 * 02-11-<the IPv4 address's four bytes>. */
static bool placeholder_mac(const struct rte_ether_addr *mac, uint32_t ip)
{
	const uint8_t *b = mac->addr_bytes;

	return b[0] == 0x02 && b[1] == 0x11 && b[2] == (uint8_t)(ip >> 24) &&
	       b[3] == (uint8_t)(ip >> 16) && b[4] == (uint8_t)(ip >> 8) &&
	       b[5] == (uint8_t)ip;
}

static uint64_t mac_u64(const struct rte_ether_addr *m)
{
	uint64_t v = 0;

	for (int i = 0; i < RTE_ETHER_ADDR_LEN; i++)
		v = v << 8 | m->addr_bytes[i];
	return v;
}

/* A MAC HNS assigned (the network's MacPools, else its default pool
 * 02-15-5D-00-00-00..FF-FF-FF): a remote endpoint created without one got
 * it, it is no address of the remote pod. */
static bool assigned_mac(const json_t *net, const struct rte_ether_addr *mac)
{
	const json_t *pools = json_object_get(net, "MacPools"), *p;
	uint64_t v = mac_u64(mac);
	size_t i;

	if (json_array_size(pools) == 0)
		return v >> 24 == 0x02155D;
	json_array_foreach(pools, i, p) {
		struct rte_ether_addr a, b;

		if (mac_parse(str(p, "StartMacAddress"), &a) == 0 &&
		    mac_parse(str(p, "EndMacAddress"), &b) == 0 &&
		    v >= mac_u64(&a) && v <= mac_u64(&b))
			return true;
	}
	return false;
}

void net_hns_remote_created(struct net_hns *nh, struct hns *h, const json_t *ep)
{
	json_t *net = hns_endpoint_network(h, ep);
	struct l2b_remote_entry r = {0};
	enum l2b_net_type type;
	const char *id = str(ep, "ID");
	int up;

	if (net == NULL || !parse_type(str(net, "Type"), &type) || type != L2B_NET_L2BRIDGE ||
	    ipv4_parse(str(ep, "IPAddress"), &r.ip4) < 0 || remote_index(nh, id) >= 0) {
		json_decref(net); /* Overlay remotes are the VXLAN engine's */
		return;
	}
	snprintf(r.net_id, sizeof(r.net_id), "%s", str(ep, "VirtualNetwork"));
	/* the host's own MAC (or none, one HNS assigned, kube-proxy's
	 * placeholder) is no address of the remote pod: the uplink's route
	 * decides */
	up = vswitch_port_find(nh->sw, str(net, "NetworkAdapterName"));
	if (up < 0)
		up = switch_uplink(nh->sw);
	r.by_route = mac_parse(str(ep, "MacAddress"), &r.mac) < 0 ||
		     rte_is_zero_ether_addr(&r.mac) || placeholder_mac(&r.mac, r.ip4) ||
		     assigned_mac(net, &r.mac) ||
		     (up >= 0 && rte_is_same_ether_addr(&r.mac, &nh->sw->ports[up].mac));
	if (!r.by_route && str(net, "SourceMac")[0] != '\0') {
		struct rte_ether_addr h_mac;

		if (mac_parse(str(net, "SourceMac"), &h_mac) == 0 &&
		    rte_is_same_ether_addr(&r.mac, &h_mac))
			r.by_route = true;
	}
	json_decref(net);
	if (nh->nb_remotes == nh->cap_remotes) {
		size_t cap = nh->cap_remotes ? nh->cap_remotes * 2 : 64;
		void *a = realloc(nh->remotes, cap * sizeof(*nh->remotes));

		if (a == NULL)
			return;
		nh->remotes = a;
		a = realloc(nh->remote_ids, cap * sizeof(*nh->remote_ids));
		if (a == NULL)
			return;
		nh->remote_ids = a;
		nh->cap_remotes = cap;
	}
	nh->remotes[nh->nb_remotes] = r;
	snprintf(nh->remote_ids[nh->nb_remotes], sizeof(nh->remote_ids[0]), "%s", id);
	nh->nb_remotes++;
	publish(nh);
}

void net_hns_remote_deleted(struct net_hns *nh, const json_t *ep)
{
	ssize_t i = remote_index(nh, str(ep, "ID"));

	if (i < 0)
		return;
	nh->nb_remotes--;
	/* order kept: of two remotes with one address the older stays */
	memmove(&nh->remotes[i], &nh->remotes[i + 1],
		(nh->nb_remotes - (size_t)i) * sizeof(nh->remotes[0]));
	memmove(&nh->remote_ids[i], &nh->remote_ids[i + 1],
		(nh->nb_remotes - (size_t)i) * sizeof(nh->remote_ids[0]));
	publish(nh); /* returns after a grace period */
}

void net_hns_batch(struct net_hns *nh, bool on)
{
	nh->batch = on;
	if (!on)
		publish(nh);
}
