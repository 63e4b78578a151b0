/* HNS Overlay networks in the dataplane (issue 19): the distributed router
 * (DR) and VXLAN between hosts, as Windows' VFP does it for flannel's and
 * Calico's vxlan backends and as a Linux node's kernel vxlan device
 * expects it.
 *
 *   - Every host is the router of its pod subnet: ARP requests from local
 *     pods for the subnet's gateway (.1) are answered with the network's
 *     DR MAC; pods send everything off-subnet to it.
 *   - A frame from a pod to the DR MAC is routed by destination IPv4: to
 *     a local endpoint of the network (destination MAC = the endpoint's,
 *     source = the DR MAC, TTL - 1), or to the longest matching remote
 *     route (a RemoteSubnetRoute prefix, or a remote endpoint with a PA as
 *     a /32): VXLAN to that provider address with the route's VNI, inner
 *     destination MAC = the remote DR MAC (a remote endpoint's own MAC),
 *     inner source = our DR MAC. The outer frame leaves by the router's
 *     uplink through the router's own next-hop resolution (l3_uplink_send:
 *     its ARP table and pending queue, no second resolver). A frame that
 *     would exceed the uplink MTU once encapsulated is dropped ("Overlay:
 *     packet too big"). A destination no route holds goes to the outside
 *     when the endpoint's OutBoundNAT SNATs it (obnat_dp.h: routed, TTL
 *     - 1, translated by its WinNAT object, out by l3_uplink_send, the
 *     burst's at once); anything else is "No route to destination".
 *   - Inbound IPv4/UDP from the uplink to a network's provider address
 *     and VXLAN port is decapsulated: a known VNI whose inner frame is for
 *     the DR MAC (or a local endpoint's MAC) and an endpoint's IPv4 is
 *     delivered to it (destination MAC = the pod's, source = DR MAC,
 *     TTL - 1). Unknown VNI, bad VXLAN header and unknown inner
 *     destination (inner ARP included) are dropped with their reasons.
 *
 * Workers read one immutable struct ov_view, built by the main lcore
 * (overlay_ctl.h) on every change and published with RCU. Without an
 * Overlay endpoint there is no view: one load and branch per burst. Only
 * overlay endpoint ports and overlay uplinks are looked at.
 * Layer: vswitch/dataplane/, dataplane layer (worker lcores, per packet). */
#ifndef HVS_OVERLAY_H
#define HVS_OVERLAY_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "parse.h"
#include "switch.h"
#include "vxlan.h"

struct worker;

#define OV_MAX_NETS 8
#define OV_MAX_EPS VS_MAX_PORTS
/* nb_eps (uint8_t), ov_net.host_ep (int8_t) index eps */
_Static_assert(OV_MAX_EPS <= 128, "ov_view's narrow indexes");
/* RemoteSubnetRoutes (one per remote node) and remote endpoints with a
 * PA; looked up by a linear scan in longest-prefix order */
#define OV_MAX_ROUTES 256

struct ov_net {
	uint32_t vni;
	uint32_t subnet, mask;  /* host order: the local pod subnet */
	uint32_t gw;            /* host order: the DR's address (.1) */
	struct rte_ether_addr dr_mac;
	uint32_t pa;            /* host order: our provider address */
	uint16_t uplink;        /* switch port */
	uint16_t udp_port;      /* VXLAN destination port */
	uint16_t mtu;           /* the uplink's */
	bool eps_in_subnet;     /* every local endpoint's IP is in subnet:
				 * a destination outside it is no endpoint */
	int8_t host_ep;         /* HostRoute: the host vNIC's index in eps,
				 * where frames to pa go; -1 none */
};

struct ov_ep {
	uint32_t ip;            /* host order */
	struct rte_ether_addr mac;
	uint16_t port;
	uint16_t vid;           /* the VLAN its port puts untagged frames in */
	uint8_t net;
};

struct ov_route {
	uint32_t prefix, mask;  /* host order */
	uint8_t plen;
	uint8_t net;            /* the local network it belongs to */
	uint32_t vni;
	uint32_t pa;            /* host order: the remote provider address */
	struct rte_ether_addr dr_mac; /* inner destination MAC */
	bool remote_ep;         /* a remote endpoint's /32: dr_mac is its own
				 * MAC, which the DR answers ARP with */
	bool no_longer_inside;  /* no longer route of net lies in this one's
				 * prefix: it is the answer for any address
				 * in it (a burst's lookups reuse it) */
	/* outer headers to pa and inner MACs dr_mac <- the network's DR MAC
	 * (ov_route_prepare) */
	struct vxlan_template tpl;
};

struct ov_view {
	portset_t ep_ports;     /* ports with an overlay endpoint */
	portset_t uplink_ports; /* overlay networks' uplinks */
	int8_t port_net[VS_MAX_PORTS]; /* the endpoint's network, -1 none */
	uint8_t nb_nets, nb_eps;
	uint16_t nb_routes;
	struct ov_net nets[OV_MAX_NETS];
	struct ov_ep eps[OV_MAX_EPS];
	struct ov_route routes[OV_MAX_ROUTES]; /* longest prefix first */
};

static inline const struct ov_view *ov_view_get(const struct vswitch *sw)
{
	return __atomic_load_n(&sw->ov_view, __ATOMIC_ACQUIRE);
}

/* Before the L2Bridge layer and the router: frames the overlay consumes
 * (DR ARP, routed, encapsulated, decapsulated, dropped) leave the burst;
 * returns how many stay, compacted to the front. */
uint16_t ov_ingress_burst(struct worker *w, const struct ov_view *v,
			  uint16_t in_port, struct rte_mbuf **pkts,
			  struct pkt_meta *meta, uint16_t n);

/* ---- lookups (exposed for the unit tests) ---- */

/* The longest route of network net holding dst (host order), or NULL. */
const struct ov_route *ov_route_lookup(const struct ov_view *v, uint8_t net,
				       uint32_t dst);
/* The local endpoint of network net with address ip, or NULL. */
const struct ov_ep *ov_ep_by_ip(const struct ov_view *v, uint8_t net, uint32_t ip);

/* Fills r's encapsulation template for network n (r->vni, r->pa,
 * r->dr_mac, n's PA, DR MAC and VXLAN port). 0, or -1: a VNI over 24
 * bits. The view's builder calls it for every route. */
int ov_route_prepare(const struct ov_net *n, struct ov_route *r);

/* Encapsulates the pod frame m for the prepared route r: inner
 * destination MAC = the route's, source = our DR MAC, outer source =
 * uplink_mac (the outer destination is the router's to fill), UDP source
 * port sport (vxlan_src_port of the inner frame). 0, or -1 (no headroom). */
static inline int ov_encap(struct rte_mbuf *m, const struct ov_route *r,
			   const struct rte_ether_addr *uplink_mac, uint16_t sport)
{
	if (vxlan_encap_template(m, &r->tpl, sport, false) < 0)
		return -1;
	rte_ether_addr_copy(uplink_mac,
			    &rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->src_addr);
	return 0;
}

#endif
