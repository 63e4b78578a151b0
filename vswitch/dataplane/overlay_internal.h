/* What the two halves of the Overlay stage share (overlay.c: the pod
 * side and the stage's entry; overlay_decap.c: the uplink side). Not for
 * other stages: their interface is overlay.h.
 * Layer: vswitch/dataplane/, dataplane layer (worker lcores, per packet). */
#ifndef HVS_OVERLAY_INTERNAL_H
#define HVS_OVERLAY_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include "egress.h"

#include "overlay.h"
#include "parse.h"
#include "vxlan.h"

/* frames ahead whose headers are prefetched */
#define OV_PREFETCH_AHEAD 4

/* The frame's first line, and for a pod's frame the line before it, which
 * encapsulation writes: with large frames the burst's later copies have
 * pushed the early frames' headers out of L1 by now, and the headroom
 * line has not been touched since the buffer's last use. */
static inline void ov_prefetch_headers(const struct rte_mbuf *m, bool pod)
{
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);

	rte_prefetch0(d);
	if (pod)
		rte_prefetch0_write(d - VXLAN_OVERHEAD);
}

/* Delivers a routed frame to a local endpoint of n: its MAC, from the DR
 * MAC, through egress (VFP egress parses it again). Inline: both halves
 * call it per packet. */
static inline void ov_deliver_local(struct worker *w, const struct ov_net *n,
				    const struct ov_ep *ep, struct rte_mbuf *m,
				    struct pkt_meta *pm)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);

	rte_ether_addr_copy(&ep->mac, &eh->dst_addr);
	rte_ether_addr_copy(&n->dr_mac, &eh->src_addr);
	pm->vid = ep->vid;
	pm->vp_parsed = false; /* addresses changed: VFP egress parses again */
	egress_routed(w, ep->port, m, pm);
}

/* ov_ingress_burst for an overlay uplink's burst (overlay_decap.c): VXLAN
 * to one of the networks' provider address and port is decapsulated and
 * delivered or dropped; the other frames stay, compacted to the front. */
uint16_t ov_uplink_burst(struct worker *w, const struct ov_view *v, uint16_t in_port,
			 struct rte_mbuf **pkts, struct pkt_meta *meta, uint16_t n);

#endif
