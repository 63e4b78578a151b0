/* The switch's router (SPEC 5.5): ARP and ICMP echo for its own addresses,
 * NAT networks routed through WinNAT to the uplink, next hops resolved by
 * ARP. Frames enter it from the pipeline when addressed to the router MAC
 * (the uplink's MAC) or when they are ARP broadcasts; everything else is
 * switched at L2 untouched.
 *
 * What workers read is one immutable struct l3_view, rebuilt by the main
 * lcore on every change and published with RCU. Each NAT has an owner
 * worker: it alone runs the NAT's translations (others hand packets over
 * through the owner's ring) and alone reads and writes the NAT's inside
 * neighbour table (the containers' MACs). The uplink's neighbours are one
 * table written by the main lcore from what workers queue.
 * Layer: vswitch/dataplane/, dataplane layer (worker lcores, per packet). */
#ifndef HVS_L3_DP_H
#define HVS_L3_DP_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "l3.h"
#include "winnat.h"

/* NAT objects the switch holds at most (slots of nat_ctl.h). */
#define NAT_DP_MAX 16
#include "parse.h"
#include "switch.h"

struct worker;
struct winnat;

#define L3_MAX_IPS 4

struct l3_nat_view {
	struct winnat *nat;
	struct neigh_table *inside; /* owner-only: inside IP -> MAC, port, VLAN */
	uint32_t ext_ip, gw_ip, prefix, mask; /* host order */
	portset_t ports;  /* member ports; empty: any non-uplink port unless listed */
	bool listed;      /* ports is the whole set, empty none (HNS networks) */
	uint16_t vid;     /* inside VLAN for ARP requests the router sends */
	uint16_t port_min, port_max; /* its external port pool */
	uint16_t owner;   /* worker id */
	uint8_t slot;
	/* an HNS OutBoundNAT (obnat_dp.h): no inside ports (its packets come
	 * from forwarding or an Overlay network's DR, l3_obnat_outbound), no
	 * TTL change here (bridged, or routed by the DR: the TTL is the
	 * DR's), sent on by obnat_send_out, replies delivered by
	 * obnat_deliver */
	bool obnat;
};

struct l3_view {
	bool has_uplink;
	uint16_t uplink;   /* switch port */
	uint16_t uplink_vid; /* VLAN of untagged frames on the uplink */
	struct rte_ether_addr router_mac;
	uint8_t nb_ips;
	uint32_t ips[L3_MAX_IPS], masks[L3_MAX_IPS]; /* the uplink's addresses */
	uint32_t default_gw;
	struct neigh_table *uplink_neigh; /* main lcore writes, workers read */
	uint8_t nb_nats;
	struct l3_nat_view nats[NAT_DP_MAX];
};

/* Per-worker router state. */
struct l3_worker {
	struct rte_ring *neigh_ring; /* uplink neighbours heard, to the main lcore */
	struct rte_ring *handoff;    /* packets of NATs this worker owns (MP/SC) */
	struct neigh_pending out_pending; /* waiting for an uplink next hop */
	struct neigh_pending in_pending[NAT_DP_MAX]; /* waiting for an inside MAC */
	struct rte_ring *cmds;       /* control-plane commands for owned NATs (SP/SC) */
	/* the last uplink next hop looked up, reused within one poll */
	uint32_t hop_ip;
	uint64_t hop_poll;
	struct neigh_entry hop;
	unsigned sweep;              /* housekeeping cadence */
};

static inline const struct l3_view *l3_view_get(const struct vswitch *sw);

/* Does the pipeline hand this frame to the router? (router MAC, or an ARP
 * broadcast). Cheap: one 6-byte compare and a type check. */
static inline bool l3_wants(const struct l3_view *v, const struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);

	if (rte_is_same_ether_addr(&eh->dst_addr, &v->router_mac))
		return true;
	return rte_is_broadcast_ether_addr(&eh->dst_addr) &&
	       (eh->ether_type == RTE_BE16(RTE_ETHER_TYPE_ARP) ||
		eh->ether_type == RTE_BE16(RTE_ETHER_TYPE_VLAN));
}

/* Routes one frame the router wants. true: consumed (sent, queued, handed
 * over or dropped with a counted reason); false: switch it at L2 as usual
 * (an ARP broadcast for someone else). */
bool l3_input(struct worker *w, const struct l3_view *v, uint16_t in_port,
	      struct rte_mbuf *m, struct pkt_meta *pm);

/* The router's part of a burst (pipeline.c): frames it wants are
 * consumed (NAT translations of the burst together, the rest one by one
 * through l3_input); the others are compacted to the front of pkts/meta
 * for L2, and their count returned. */
uint16_t l3_route_burst(struct worker *w, const struct l3_view *v, uint16_t in_port,
			struct rte_mbuf **pkts, struct pkt_meta *meta, uint16_t n);

/* Sends the IPv4 packet m (header at off) out of the uplink to its next
 * hop (the destination when on the uplink's link, else the default
 * gateway), resolved by ARP: the neighbour table, else queued while the
 * router asks. Source MAC = the router's. For the router and for other
 * stages that make uplink traffic (overlay.h: VXLAN). */
void l3_uplink_send(struct worker *w, const struct l3_view *v,
		    struct rte_mbuf *m, struct pkt_meta *pm, uint16_t off);

/* OutBoundNAT (obnat_dp.h): frames forwarding sends from in_port to its
 * uplink (or an Overlay network's DR routes out of it: overlay.c), IPv4
 * at off[i], translated by the NAT in slot (handed to its
 * owner if that is another worker) and sent on by obnat_send_out. */
void l3_obnat_outbound(struct worker *w, uint8_t slot, uint16_t in_port,
		       struct rte_mbuf **m, struct pkt_meta *pm, const uint16_t *off,
		       uint16_t n);

/* Worker housekeeping each poll: packets handed over, pending next hops,
 * NAT expiry, control-plane commands for the NATs it owns. */
void l3_worker_poll(struct worker *w);

/* Main lcore: creates the router state (no view published until the first
 * address or NAT). */
int l3_init(struct vswitch *sw, char *err, size_t errlen);
void l3_fini(struct vswitch *sw);
/* Rebuilds and publishes the view from the ports' addresses and the NATs
 * (after port changes). */
int l3_publish(struct vswitch *sw);
/* Main lcore, each control loop: drains the workers' neighbour notes and
 * ages the uplink neighbours. */
void l3_control_poll(struct vswitch *sw);
int l3_worker_init(struct vswitch *sw, struct worker *w, char *err, size_t errlen);
void l3_worker_fini(struct l3_worker *lw);

static inline const struct l3_view *l3_view_get(const struct vswitch *sw)
{
	return __atomic_load_n(&sw->l3_view, __ATOMIC_ACQUIRE);
}

#endif
