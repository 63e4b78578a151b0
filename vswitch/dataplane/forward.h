/* Forwarding: the decision (from the burst's MAC lookup, mac_lookup.h) and
 * the egress of a decided packet to one port (unicast) or to the VLAN's
 * flood domain (flood.c).
 * Layer: vswitch/dataplane/, dataplane layer (worker lcores, per packet). */
#ifndef HVS_FORWARD_H
#define HVS_FORWARD_H

#include <stdint.h>

#include <rte_mbuf.h>

#include "parse.h"

struct worker;

struct burst_lookup;

/* Sets flood/out_port in meta for n admitted packets from the burst's
 * MAC lookup (mac_lookup.h). */
void forward_decide_burst(const struct burst_lookup *bl, struct pkt_meta *meta,
			  uint16_t n);

/* Egress of one packet to one port: VFP egress, egress VLAN, TX buffer. */
void forward_to_port(struct worker *w, uint16_t in_port, uint16_t out_port,
		     struct rte_mbuf *m, struct pkt_meta *pm);

/* The same without the source-port check: for routed packets, which may
 * leave the port they came in on. */
void forward_egress(struct worker *w, uint16_t out_port, struct rte_mbuf *m,
		    struct pkt_meta *pm);

/* forward_decide_burst and the egress of each packet, in one loop. */
void forward_burst(struct worker *w, uint16_t in_port, const struct burst_lookup *bl,
		   struct rte_mbuf **pkts, struct pkt_meta *meta, uint16_t n);

/* Every other port that carries the packet's VLAN gets it (flood.c). */
void flood_packet(struct worker *w, uint16_t in_port, struct rte_mbuf *m,
		  struct pkt_meta *pm);

/* The same, only to ports in allowed (Private isolation, l2bridge.h). */
void flood_packet_masked(struct worker *w, uint16_t in_port, struct rte_mbuf *m,
			 struct pkt_meta *pm, uint32_t allowed);

#endif
