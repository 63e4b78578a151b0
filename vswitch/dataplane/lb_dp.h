/* Load balancers in the packet path (issue 17): the pipeline stage that
 * runs the LB engine (lb/lb.h) on a burst, after admission (parse, VLAN,
 * port ACLs) and before L2Bridge, the router and L2 switching.
 *
 * Recognition is by IP, not by MAC: every IPv4 frame from any port goes
 * through lb_process_burst while an LB exists. A packet to a frontend
 * (VIP:port, or a host address:port for a NodePort) opens or follows a
 * connection; a backend's reply matches the connection's reverse tuple.
 * Pods send to a ClusterIP with the gateway's MAC (router MAC or the
 * L2Bridge host MAC), external clients to the uplink's MAC; a backend on
 * the client's subnet answers the client's MAC directly. All are found
 * whatever the MAC, which is what HNS's VFP does per port (east-west at
 * the endpoint's port, north-south at the uplink). Packets no LB knows
 * stay in the burst untouched.
 *
 * Delivery after translation: the frame's destination MAC becomes that of
 * its new destination IP (the backend, or the client for a reply) and it
 * leaves by that address's port as a routed frame (egress_routed: VFP
 * egress and VLAN egress apply, no source-port rule, so a pod reaching
 * itself through its service works, and no MAC learning from a frame the
 * switch rewrote), whether the port is local or the uplink towards a
 * remote backend. IP -> (MAC, port, VLAN) comes from this
 * worker's LB neighbour cache (learnt from ARP, a client's packet that
 * opens a connection, a backend's replies, other frames for an LB),
 * the L2Bridge endpoints and the router's uplink neighbours. An unknown
 * backend is asked for (ARP probe, RFC 5227, so no address of ours is
 * needed; out of the uplink from the uplink's address when on its link)
 * and the packet dropped as "Next hop unresolved": the client's
 * retransmission finds it.
 *
 * Loopback-DSR: a pod whose OutBoundNAT `Destinations` hold its own
 * address (obnat_dp.h, obnat_loopback_snat) and that reaches itself
 * through a DSR VIP has the connection SNATed to its OutBoundNAT address
 * by the engine (lb.h, lb_process_burst_loopback): the request goes back
 * out of its own port from that address, and its reply, to that address,
 * is translated back (from the VIP, to itself) like any LB reply.
 *
 * A removed backend's connection: the packet is answered with a TCP RST
 * to the client (the same mbuf, turned around in place) and counted as a
 * drop "LB backend removed".
 *
 * Owner: each worker has its own connection table (lb.h), and both
 * directions of a connection must reach the one that created it. With one
 * worker that is trivially so; with more, worker 0 owns all LB traffic:
 * the others hand it the IPv4 frames that pass the address filter below,
 * and ARP (so the owner's cache learns where backends are), through
 * sw->lb_handoff (the
 * forward and reverse tuples of a connection share no key a worker could
 * hash without a lookup, because of DNAT and SourceVIP).
 *
 * Without an LB (sw->lb NULL) the stage costs one load and branch per
 * burst. With LBs, a frame goes to the engine only if its source or
 * destination address may be one of theirs: sw->lb_filter, a bitmap of
 * hashed addresses (VIPs, SourceVIPs, backends, the host's NodePort
 * addresses) kept by lb_ctl.c, bits set before an LB is published and
 * cleared after it is gone. Requests are to a VIP or host address,
 * replies from a backend or to a SourceVIP, so traffic no LB can touch
 * costs one bit test per address instead of two hash lookups.
 * Layer: vswitch/dataplane/, dataplane layer (worker lcores, per packet). */
#ifndef HVS_LB_DP_H
#define HVS_LB_DP_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "parse.h"
#include "switch.h"

struct worker;
struct lb_engine;

#define LB_DP_OWNER 0          /* the worker that owns LB traffic */
#define LB_DP_NEIGH_SIZE 1024  /* per-worker IP -> MAC cache, direct-mapped */
#define LB_DP_HANDOFF_SIZE 4096

#define LB_DP_FILTER_BITS 16 /* 65,536-bit address filter (8 KB) */

/* The filter bit of an address (network order, as in the packet). */
static inline uint32_t lb_dp_filter_bit(uint32_t ip)
{
	return (ip * 2654435761u) >> (32 - LB_DP_FILTER_BITS);
}

static inline bool lb_dp_filter_has(const uint64_t *f, uint32_t ip)
{
	uint32_t b = lb_dp_filter_bit(ip);

	return (__atomic_load_n(&f[b >> 6], __ATOMIC_RELAXED) >> (b & 63)) & 1;
}

struct lb_dp_neigh {
	uint32_t ip;  /* network order; 0: empty */
	struct rte_ether_addr mac;
	uint16_t port;
	uint16_t vid;
};

/* Per worker, made by the control plane before the engine is published. */
struct lb_dp_worker {
	struct lb_dp_neigh neigh[LB_DP_NEIGH_SIZE];
	unsigned polls; /* sweep cadence */
};

/* The LB stage of a burst from in_port: translated packets get their new
 * destination MAC and stay; dropped ones leave (counted); the rest stay
 * untouched. Returns how many stay (compacted in pkts/meta). */
uint16_t lb_dp_burst(struct worker *w, struct lb_engine *e, uint16_t in_port,
		     struct rte_mbuf **pkts, struct pkt_meta *meta, uint16_t n);

/* Worker housekeeping between bursts: the owner runs packets handed to it
 * and sweeps expired connections with a small budget. */
void lb_dp_poll(struct worker *w);

/* Turns a TCP segment (IPv4 at l3_off) into the RST that answers it, in
 * place: addresses and ports swapped, payload cut, checksums computed.
 * false if it is not a TCP segment or is itself a RST (never answered). */
bool lb_dp_tcp_rst_in_place(struct rte_mbuf *m, uint16_t l3_off);

/* "LB connection created. VIP a.b.c.d:p -> DIP e.f.g.h:q" (network order). */
void lb_dp_format_created(char *buf, size_t len, uint32_t vip, uint16_t vport,
			  uint32_t dip, uint16_t dport);

/* The engine, or NULL while no LB was ever added. */
static inline struct lb_engine *lb_dp_engine(const struct vswitch *sw)
{
	return __atomic_load_n(&sw->lb, __ATOMIC_ACQUIRE);
}

#endif
