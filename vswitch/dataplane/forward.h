/* Forwarding: the decision (from the burst's MAC lookup, mac_lookup.h),
 * then each decided packet to its one port (unicast) or to the VLAN's
 * flood domain (flood.c), both through the one egress decision
 * (egress.h).
 * Layer: vswitch/dataplane/, dataplane layer (worker lcores, per packet). */
#ifndef HVS_FORWARD_H
#define HVS_FORWARD_H

#include <stdint.h>

#include <rte_mbuf.h>

#include "parse.h"
#include "portset.h"

struct worker;
struct burst_lookup;
struct egress_src;
struct l2b_view;

/* Decides each of n admitted packets from the burst's MAC lookup and sends
 * it on, in one loop. l2b: the L2Bridge/Private view (Private isolation,
 * the uplink rewrite), NULL without one. */
void forward_burst(struct worker *w, uint16_t in_port, const struct l2b_view *l2b,
		   const struct burst_lookup *bl, struct rte_mbuf **pkts,
		   struct pkt_meta *meta, uint16_t n);

/* Every port of the VLAN's flood domain that src may reach gets the
 * packet (flood.c). */
void flood_packet(struct worker *w, const struct egress_src *src, struct rte_mbuf *m,
		  struct pkt_meta *pm);

/* The same to the ports in members, each through egress (flood.c). */
void flood_to_ports(struct worker *w, const struct egress_src *src, portset_t members,
		    struct rte_mbuf *m, struct pkt_meta *pm);

#endif
