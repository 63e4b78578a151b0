/* Transparent, L2Bridge and Private networks in the dataplane (SPEC 5.5).
 *
 * Transparent endpoints are plain L2 switching with the uplink: nothing
 * here. Two things are:
 *   - L2Bridge MAC rewrite. Every endpoint of an L2Bridge network shares
 *     the host MAC H (the network's SourceMac, else its uplink's MAC) on
 *     the wire: a frame from an endpoint port leaving the network's uplink
 *     gets source H (and ARP sha H); a frame addressed to H (from the
 *     uplink or a local endpoint) whose destination IPv4/IPv6 address is an
 *     endpoint's is delivered to that endpoint with its own MAC written
 *     back (ARP replies: tha too); ARP requests and IPv6 neighbour
 *     solicitations from the uplink for an endpoint's address are answered
 *     with H. Endpoint-to-endpoint traffic on the host is switched
 *     unchanged.
 *   - Private isolation: the ports of a Private network's endpoints reach
 *     each other only; no other port (the uplink included) reaches them.
 *
 *   - Remote endpoints (HNS IsRemoteEndpoint / v2 Flags 1, no PA): IP ->
 *     MAC entries for pods on other hosts, no switch port. A unicast
 *     frame from a local endpoint whose destination IPv4 address is a
 *     remote endpoint's (to whatever MAC the pod resolved its gateway to,
 *     except another local endpoint's) leaves by the uplink with source H
 *     and destination the remote's MAC; a remote with no MAC of its own (absent, H, or kube-proxy's
 *     placeholder 02-11-<IP>) goes "by host route": to the uplink's next
 *     hop for it (on-link: itself, else the uplink's DefaultGateway) in
 *     the router's neighbour table, asked for by ARP when unknown (the
 *     packet dropped as "Next hop unresolved", as the LB does). Looked up
 *     in an open-addressing hash (thousands of remotes on a cluster).
 *   - SDNRoute (HNS ROUTE / SDNRoute endpoint policies): IPv4 traffic from
 *     an endpoint to one of its prefixes that no load balancer took (the
 *     LB stage runs first) is not bridged but handed to the host: sent to
 *     the network's host vNIC port (an endpoint attached with SystemType
 *     Host) with that port's MAC as destination, so the Linux host routes
 *     it (node ports, the node's own address); without a host vNIC it is
 *     dropped as "No route to the SDNRoute prefix". A port's prefixes are
 *     a few (CNI plugins write two or three): a short array per port,
 *     scanned only for ports that have any (one bit test per burst for
 *     the others).
 *
 * Workers read one immutable struct l2b_view, rebuilt by the main lcore on
 * every attach/detach and published with RCU (the old view is freed after
 * a grace period, so no worker ever uses a stale entry once the detach
 * returns). With no L2Bridge or Private endpoint there is no view: the
 * pipeline pays one load and branch per burst.
 * Layer: vswitch/dataplane/, dataplane layer (worker lcores, per packet). */
#ifndef HVS_L2BRIDGE_H
#define HVS_L2BRIDGE_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "parse.h"
#include "stats.h"
#include "switch.h"
#include "vlan.h"

struct worker;

/* NAT: a NAT network's endpoints are their own L2 domain, as Private ones
 * (the router, whose frames have no source port, is the way out). */
enum l2b_net_type { L2B_NET_TRANSPARENT, L2B_NET_L2BRIDGE, L2B_NET_PRIVATE, L2B_NET_NAT };

#define L2B_MAX_NETS VS_MAX_PORTS
#define L2B_MAX_EPS VS_MAX_PORTS
/* port_net (int8_t), nb_nets, nb_eps and an endpoint's net (uint8_t) */
_Static_assert(L2B_MAX_NETS <= 128 && L2B_MAX_EPS <= 255, "l2b_view's narrow indexes");
#define L2B_MAX_REMOTES 65536       /* remote endpoints in a view */
#define L2B_MAX_ROUTES PORT_SDN_ROUTES /* SDNRoute prefixes per endpoint */

/* One SDNRoute prefix (network order). */
struct l2b_route {
	uint32_t net, mask;
};

/* What the control plane knows about the endpoint attached to a port. */
struct l2b_port_entry {
	bool used;
	enum l2b_net_type type;
	char net_id[64];             /* the HNS network: endpoints group by it */
	struct rte_ether_addr host_mac; /* L2Bridge: H */
	int uplink;                  /* the network's uplink port, -1: none */
	bool has_ip4, has_ip6;
	uint32_t ip4;                /* host order */
	uint8_t ip6[16];
	struct rte_ether_addr mac;   /* the endpoint's own MAC */
	bool host_vnic;              /* attached with SystemType Host */
	uint8_t nb_routes;           /* SDNRoute prefixes, policy order */
	struct l2b_route routes[L2B_MAX_ROUTES];
};

/* A remote endpoint as the control plane knows it. */
struct l2b_remote_entry {
	char net_id[64];
	uint32_t ip4;                /* host order */
	struct rte_ether_addr mac;
	bool by_route;               /* no MAC of its own: next hop by route */
};

/* A remote endpoint in the view. */
struct l2b_remote {
	uint32_t ip4; /* network order */
	struct rte_ether_addr mac;
	uint8_t net;
	bool by_route;
};

struct l2b_ep {
	struct rte_ether_addr mac;
	uint16_t port;
	uint8_t net;
	bool has_ip4, has_ip6;
	uint32_t ip4; /* network order */
	uint8_t ip6[16];
};

struct l2b_net {
	struct rte_ether_addr host_mac;
	int16_t uplink; /* -1: none */
	int16_t host_port; /* the host vNIC's port, -1: none */
	struct rte_ether_addr host_vnic_mac;
	portset_t ports; /* endpoint ports */
};

struct l2b_view {
	/* ports whose ingress the layer looks at: L2Bridge uplinks and
	 * L2Bridge endpoint ports */
	portset_t ingress_ports;
	/* allowed[p]: the ports a frame from p may leave by (Private) */
	portset_t allowed[VS_MAX_PORTS];
	/* L2Bridge network of the endpoint on port p, -1: none */
	int8_t port_net[VS_MAX_PORTS];
	uint8_t nb_nets, nb_eps;
	struct l2b_net nets[L2B_MAX_NETS];
	struct l2b_ep eps[L2B_MAX_EPS];
	/* endpoint ports with SDNRoute prefixes, and the prefixes */
	portset_t route_ports;
	uint8_t nb_routes[VS_MAX_PORTS];
	struct l2b_route routes[VS_MAX_PORTS][L2B_MAX_ROUTES];
	/* remote endpoints, and their hash: slot -> index + 1 (0: empty),
	 * linear probing; both in the view's own allocation */
	uint32_t nb_remotes, remote_mask;
	const struct l2b_remote *remotes;
	const uint32_t *remote_slots;
};

static inline uint32_t l2b_remote_hash(uint32_t ip_be)
{
	return ip_be * 2654435761u;
}

/* The remote endpoint with IPv4 address ip_be (network order), or NULL.
 * The table is at most half full: probes stay short. */
static inline const struct l2b_remote *l2b_remote_by_ip4(const struct l2b_view *v,
							 uint32_t ip_be)
{
	if (v->nb_remotes == 0)
		return NULL;
	for (uint32_t s = l2b_remote_hash(ip_be) & v->remote_mask;;
	     s = (s + 1) & v->remote_mask) {
		uint32_t i = v->remote_slots[s];

		if (i == 0)
			return NULL;
		if (v->remotes[i - 1].ip4 == ip_be)
			return &v->remotes[i - 1];
	}
}

static inline const struct l2b_view *l2b_view_get(const struct vswitch *sw)
{
	return __atomic_load_n(&sw->l2b_view, __ATOMIC_ACQUIRE);
}


/* ---- dataplane ---- */

/* Before the router: ARP/ND answered, frames to H delivered by IP. Frames
 * consumed leave the burst; returns how many stay. */
uint16_t l2b_ingress_burst(struct worker *w, const struct l2b_view *v,
			   uint16_t in_port, struct rte_mbuf **pkts,
			   struct pkt_meta *meta, uint16_t n);

/* SDNRoute (l2bridge_route.c): true when m (from in_port, which has
 * prefixes) went to the host vNIC or was dropped for want of one. */
bool l2b_sdn_route_one(struct worker *w, const struct l2b_view *v, uint16_t in_port,
		       struct rte_mbuf *m, struct pkt_meta *pm);
/* Remote endpoints (l2bridge_route.c): true when m (from the L2Bridge
 * endpoint port in_port) was for a remote endpoint and sent or dropped. */
bool l2b_remote_one(struct worker *w, const struct l2b_view *v, uint16_t in_port,
		    struct rte_mbuf *m, struct pkt_meta *pm);
/* Does ip_be fall in one of the n prefixes? *which: the first that holds it. */
bool l2b_route_match(const struct l2b_route *routes, uint8_t n, uint32_t ip_be,
		     uint8_t *which);

/* After the router, forwarding applies the view's Private isolation and
 * the L2Bridge rewrite toward the uplink in the one egress decision
 * (egress.h: egress_src_l2b). */

/* ---- packet helpers (exposed for the unit tests) ---- */


/* Rewrites source MAC to host, and where old_mac appears as the ARP sha
 * or an IPv6 neighbour discovery source/target link-layer option (RS, RA,
 * NS, NA, redirect), that too (ICMPv6 checksum computed again). */
void l2b_rewrite_source(struct rte_mbuf *m, const struct rte_ether_addr *old_mac,
			const struct rte_ether_addr *host);

/* If m is an IPv6 neighbour solicitation (no extension headers) from a
 * unicast source, writes its target into target and returns true. */
bool l2b_ns_target(const struct rte_mbuf *m, uint16_t off, uint8_t target[16]);

/* Turns the solicitation m into the advertisement "target is at mac"
 * (solicited, override, target link-layer option) back to the asker, in
 * place. -1 if the mbuf cannot hold it. */
int l2b_na_in_place(struct rte_mbuf *m, uint16_t off, const uint8_t target[16],
		    const struct rte_ether_addr *mac);

#endif
