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
#include "switch.h"
#include "vlan.h"

struct worker;

/* NAT: a NAT network's endpoints are their own L2 domain, as Private ones
 * (the router, whose frames have no source port, is the way out). */
enum l2b_net_type { L2B_NET_TRANSPARENT, L2B_NET_L2BRIDGE, L2B_NET_PRIVATE, L2B_NET_NAT };

#define L2B_MAX_NETS VS_MAX_PORTS
#define L2B_MAX_EPS VS_MAX_PORTS

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
	uint32_t ports; /* endpoint ports */
};

struct l2b_view {
	/* ports whose ingress the layer looks at: L2Bridge uplinks and
	 * L2Bridge endpoint ports */
	uint32_t ingress_ports;
	/* allowed[p]: the ports a frame from p may leave by (Private) */
	uint32_t allowed[VS_MAX_PORTS];
	/* L2Bridge network of the endpoint on port p, -1: none */
	int8_t port_net[VS_MAX_PORTS];
	uint8_t nb_nets, nb_eps;
	struct l2b_net nets[L2B_MAX_NETS];
	struct l2b_ep eps[L2B_MAX_EPS];
};

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
