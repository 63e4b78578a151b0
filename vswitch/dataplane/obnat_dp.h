/* HNS OutBoundNAT in the dataplane, as VFP enforces it at a pod's port:
 * IPv4 traffic from an endpoint port that the switch forwards to its
 * network's uplink, and whose destination the endpoint's rule SNATs
 * (obnat_match.h), is translated by a WinNAT object whose external address
 * is the host address (or the policy's VIP), then leaves by the uplink as
 * it would have (L2Bridge: source MAC H). Replies reach the router (they
 * are addressed to the host address, hence to the router MAC); the router
 * finds that WinNAT object by its external address like any NAT network's
 * and hands the translated packet back here, to be delivered to the
 * endpoint with its own MAC.
 *
 * The WinNAT objects are NAT slots of the router (nat_ctl.h, flagged
 * obnat): one per (external address, MaxPortPoolUsage), shared by the
 * endpoints that use it, each run by its owner worker as NAT networks are
 * (l3_dp.h: handoff ring, commands, expiry). Where a frame "leaves by the
 * uplink" is the L2 forwarding decision itself (forward.c), so the stage
 * sits there: unicast frames whose destination MAC is learnt on the
 * uplink, or is unknown (flooded otherwise: an SNATed one goes to the
 * uplink alone).
 *
 * An Overlay endpoint's OutBoundNAT (routed) is the distributed router's
 * instead (overlay.h): a pod's frame to the DR that no overlay route,
 * local endpoint or HostRoute takes and that its rule SNATs is routed
 * (TTL - 1) to the same WinNAT object, then out of the uplink through the
 * router's next-hop resolution (l3_uplink_send: source MAC the router's,
 * destination the next hop's); its replies are delivered from the DR MAC
 * (TTL - 1). Forwarding leaves such a port's frames alone (what reaches
 * it is bridged within the pod subnet).
 *
 * The loopback-DSR form (`Destinations: [podIP]`: a pod reaching itself
 * through a DSR load balancer VIP) is not this stage's: the LB stage runs
 * first and SNATs such a connection itself (obnat_loopback_snat, lb_dp.h).
 *
 * Workers read one immutable struct obnat_view, published with RCU by the
 * control layer (control/obnat_ctl.c); without any OutBoundNAT endpoint
 * there is none, and forwarding pays one load and branch per burst.
 * Layer: vswitch/dataplane/, dataplane layer (worker lcores, per packet). */
#ifndef HVS_OBNAT_DP_H
#define HVS_OBNAT_DP_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "obnat_match.h"
#include "parse.h"
#include "switch.h"

struct worker;

struct obnat_port {
	struct obnat_rule rule;
	uint8_t slot;       /* the router's NAT slot that translates it */
	uint16_t uplink;    /* the port its network leaves by */
	uint32_t ip4;       /* the endpoint's address, network order */
	struct rte_ether_addr mac; /* the endpoint's own MAC */
	/* an Overlay endpoint: the DR routes what is SNATed (out by the
	 * router's next hop, replies from the DR MAC, TTL - 1 both ways);
	 * false: bridged (L2Bridge, Transparent) */
	bool routed;
	/* loopback-DSR (`Destinations` holding the endpoint's own address):
	 * the address (host order) a DSR load balancer SNATs the endpoint's
	 * connection to itself to (its external address); 0: none (lb_dp.c,
	 * lb.h lb_process_burst_loopback) */
	uint32_t loopback_snat;
};

struct obnat_view {
	portset_t ports;    /* endpoint ports with OutBoundNAT */
	struct obnat_port port[VS_MAX_PORTS];
};

static inline const struct obnat_view *obnat_view_get(const struct vswitch *sw)
{
	return __atomic_load_n(&sw->obnat_view, __ATOMIC_ACQUIRE);
}

static inline bool obnat_port_on(const struct obnat_view *v, uint16_t port)
{
	return v != NULL && portset_test(&v->ports, port);
}

/* The loopback-DSR address for a packet from port with source address
 * src (network order): host order, 0 if the port's endpoint has none or
 * the packet is not from the endpoint's own address. */
static inline uint32_t obnat_loopback_snat(const struct obnat_view *v, uint16_t port,
					   uint32_t src)
{
	if (!obnat_port_on(v, port) || v->port[port].ip4 != src)
		return 0;
	return v->port[port].loopback_snat;
}

/* A unicast frame whose destination MAC forwarding does not know: an
 * L2Bridge pod's frame to the outside, whose MACs are never learnt (the
 * outside's frames are addressed to H, l2bridge.h). */
static inline bool obnat_unknown_unicast(const struct rte_mbuf *m)
{
	return rte_is_unicast_ether_addr(
		&rte_pktmbuf_mtod(m, const struct rte_ether_hdr *)->dst_addr);
}

/* Should this frame, which forwarding sends out of op->uplink, be SNATed?
 * *off: where its IPv4 header is. Only whole IPv4 headers are. */
static inline bool obnat_wants(const struct obnat_port *op, const struct rte_mbuf *m,
			       uint16_t *off)
{
	const struct rte_ipv4_hdr *ip;
	rte_be16_t type;

	*off = frame_l3_offset(m, &type);
	if (*off == 0 || type != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
	    rte_pktmbuf_data_len(m) < *off + sizeof(*ip))
		return false;
	ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, *off);
	if ((ip->version_ihl >> 4) != 4 || (ip->version_ihl & 0xf) < 5)
		return false;
	return obnat_rule_snat(&op->rule, rte_be_to_cpu_32(ip->dst_addr));
}

/* After translation (on the NAT's owner): out of the endpoint's uplink as
 * forwarding would have sent it, or (routed) as the router sends to its
 * next hop; IPv4 at off. translated: count it as SNATed (false: a
 * protocol WinNAT leaves alone, sent as it came). */
void obnat_send_out(struct worker *w, uint16_t in_port, struct rte_mbuf *m,
		    struct pkt_meta *pm, uint16_t off, bool translated);

/* A reply translated back (destination now the endpoint's address): to
 * the endpoint's port with its own MAC (routed: from its network's DR
 * MAC, TTL - 1), else dropped (no route). */
void obnat_deliver(struct worker *w, struct rte_mbuf *m, struct pkt_meta *pm,
		   uint16_t off);

#endif
