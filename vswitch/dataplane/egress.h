/* Egress: the one decision by which a frame leaves the switch through a
 * port, for switched (unicast), flooded, L2Bridge-delivered and routed
 * frames alike. Dataplane layer: worker lcores, per packet.
 *
 * Modelled on the Linux bridge's br_forward.c, where should_deliver() is
 * the single test a frame passes before each port, unicast or flood, and
 * the tag rewrite and transmit follow it. Ours, egress_should_deliver(),
 * asks in this order and names the drop reason of the first that fails:
 *   1. source port: never back out of the port the frame came in by (a
 *      frame the switch routed or made has no source port: the router may
 *      send it back where it came from);
 *   2. Private isolation: only to the ports the source may reach
 *      (l2bridge.h; counted as a VLAN filter drop, as it always was);
 *   3. VFP egress: the out port's policy, traffic Inbound to its VM
 *      (the forward loop decides it for a burst's unicast frames ahead,
 *      a port at a time, and passes the verdict in: egress_vfp_pre);
 *   4. VLAN egress: the out port carries the frame's VLAN, tagged or not.
 * (VFP before VLAN is the order drops have always been counted in.)
 * egress_to_port() then rewrites the VLAN tag and queues the frame on the
 * port's TX buffer. A flood (flood.c) asks 1, 2 and 4 of every port at
 * once as a mask (egress_flood_mask(): a port outside it is skipped, not
 * dropped, as br_flood() skips it) and sends each member through
 * egress_to_port().
 *
 * The one rewrite besides the tag: a frame from an L2Bridge endpoint that
 * leaves by its network's uplink takes the host MAC as source (SPEC 5.5).
 * It is done before the predicate, so the uplink's VFP policy sees the
 * frame as it is sent.
 *
 * Replies the switch makes to a request (ARP, neighbour advertisement,
 * echo) go straight back out of the request's port with egress_reply();
 * each call says in one line what it skips and why.
 *
 * The predicate and egress_to_port() are inline: the forward loop
 * (forward.c) instantiates them with a constant source for a switch
 * without L2Bridge/Private networks, so the isolation and uplink tests
 * fold away on the fast path.
 * Layer: vswitch/dataplane/, dataplane layer (worker lcores, per packet). */
#ifndef HVS_EGRESS_H
#define HVS_EGRESS_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "l2bridge.h"
#include "parse.h"
#include "vfp.h"
#include "vlan_tag.h"
#include "worker.h"

/* No port: the frame was routed or made by the switch. */
#define EGRESS_NO_PORT VS_MAX_PORTS

/* Where a frame comes from, as far as egress cares. */
struct egress_src {
	/* first: a copy made with 16-byte stores is read back whole (a set
	 * across two stores stalls store forwarding, flood.c) */
	portset_t allowed; /* ports it may leave by (Private isolation) */
	const struct rte_ether_addr *host_mac; /* L2Bridge: H (with uplink) */
	uint16_t in_port;  /* the source port, or EGRESS_NO_PORT */
	int16_t uplink;    /* L2Bridge endpoint: its network's uplink, else -1 */
};

/* A frame switched from in_port, no L2Bridge/Private network in play. */
static inline struct egress_src egress_src_port(uint16_t in_port)
{
	return (struct egress_src){.allowed = portset_full(), .host_mac = NULL,
				   .in_port = in_port, .uplink = -1};
}

/* A frame switched from in_port with the L2Bridge/Private view v: its
 * isolation and, from an L2Bridge endpoint, its network's uplink. */
static inline struct egress_src egress_src_l2b(const struct l2b_view *v,
					       uint16_t in_port)
{
	struct egress_src s = egress_src_port(in_port);
	int ni = v->port_net[in_port];

	s.allowed = v->allowed[in_port];
	if (ni >= 0 && v->nets[ni].uplink >= 0) {
		s.uplink = v->nets[ni].uplink;
		s.host_mac = &v->nets[ni].host_mac;
	}
	return s;
}

/* Routed or made by the switch: may leave by any port, the one it came in
 * by included, and no isolation applies. */
static inline struct egress_src egress_src_switch(void)
{
	return egress_src_port(EGRESS_NO_PORT);
}

/* Steps 1, 2 and 4 of the predicate for every port at once: the ports a
 * flood from src (a real port) in VLAN vid goes to. */
static inline portset_t egress_flood_mask(const struct vswitch *sw,
					  const struct egress_src *src, uint16_t vid)
{
	return portset_without(portset_and(sw->flood_members[vid], src->allowed),
			       src->in_port);
}

/* Step 3 decided ahead for a burst (forward.c classifies a burst's
 * unicast frames a port at a time): what the out port's VFP said. */
enum egress_vfp_pre {
	EGRESS_VFP_ASK,  /* not decided: the predicate classifies the frame */
	EGRESS_VFP_PASS,
	EGRESS_VFP_DROP,
};

/* should_deliver with step 3 perhaps decided (pre): -1 when m may leave
 * by out (*action: how its VLAN leaves), else the drop reason. m is not
 * changed; pm's VFP parse is made (and kept for the next port) when the
 * out port has a policy. */
static inline int egress_should_deliver_pre(struct worker *w, const struct egress_src *src,
					    uint16_t out, const struct rte_mbuf *m,
					    struct pkt_meta *pm, enum egress_vfp_pre pre,
					    enum vlan_egress *action)
{
	const struct vfp_port_policy *pol;

	if (unlikely(out == src->in_port))
		return DROP_SOURCE_PORT;
	if (unlikely(!portset_test(&src->allowed, out)))
		return DROP_VLAN_FILTER;
	if (pre != EGRESS_VFP_ASK) {
		if (pre == EGRESS_VFP_DROP)
			return DROP_SECURITY_POLICY;
	} else if (unlikely((pol = vfp_policy(w->sw->vfp, out)) != NULL)) {
		if (!pm->vp_parsed) {
			vfp_pkt_parse(m, pm->vp);
			pm->vp_parsed = true;
		}
		if (vfp_classify(pol, ACL_DIR_INBOUND, pm->vp, w->id,
				 vswitch_now(w->sw)) != VFP_PASS)
			return DROP_SECURITY_POLICY;
	}
	*action = vlan_egress_action(&w->sw->ports[out].vlan, pm->vid);
	if (unlikely(*action == VLAN_EGRESS_DROP))
		return DROP_VLAN_FILTER;
	return -1;
}

/* should_deliver, step 3 asked of the out port's policy now. */
static inline int egress_should_deliver(struct worker *w, const struct egress_src *src,
					uint16_t out, const struct rte_mbuf *m,
					struct pkt_meta *pm, enum vlan_egress *action)
{
	return egress_should_deliver_pre(w, src, out, m, pm, EGRESS_VFP_ASK, action);
}

/* After the predicate: the VLAN tag as the port sends it, then TX. */
static inline void egress_transmit(struct worker *w, uint16_t out, struct rte_mbuf *m,
				   const struct pkt_meta *pm, enum vlan_egress action)
{
	if (vlan_tag_needs_rewrite(action, pm->wire_tagged, pm->wire_vid, pm->vid) &&
	    unlikely(vlan_tag_rewrite(m, action, pm->wire_tagged, pm->vid) < 0)) {
		drop_traced(w, out, m, pm, DROP_NO_BUFFERS);
		return;
	}
	if (pkt_traced(pm)) {
		trace_sent(w, pm, out, m);
		*pkt_trace_id(m) = pm->trace_id; /* for a TX-ring-full drop */
	}
	tx_enqueue(w, out, m);
}

/* L2Bridge: the frame leaves by its network's uplink with source H (and
 * ARP sha / ND link-layer options H); egress.c. */
void egress_l2b_source(struct rte_mbuf *m, struct pkt_meta *pm,
		       const struct rte_ether_addr *host_mac);

/* Egress of one frame (which this worker may rewrite) to one port: the
 * L2Bridge uplink rewrite, the predicate, the tag rewrite and TX; a frame
 * the predicate refuses is dropped with its reason, counted on out. */
static inline void egress_to_port_pre(struct worker *w, const struct egress_src *src,
				      uint16_t out, struct rte_mbuf *m, struct pkt_meta *pm,
				      enum egress_vfp_pre pre)
{
	enum vlan_egress action = VLAN_EGRESS_DROP;
	int reason;

	if (unlikely(src->uplink >= 0 && out == src->uplink))
		egress_l2b_source(m, pm, src->host_mac);
	reason = egress_should_deliver_pre(w, src, out, m, pm, pre, &action);
	if (unlikely(reason >= 0)) {
		drop_traced(w, out, m, pm, (enum drop_reason)reason);
		return;
	}
	egress_transmit(w, out, m, pm, action);
}

static inline void egress_to_port(struct worker *w, const struct egress_src *src,
				  uint16_t out, struct rte_mbuf *m, struct pkt_meta *pm)
{
	egress_to_port_pre(w, src, out, m, pm, EGRESS_VFP_ASK);
}

/* egress_to_port, out of line (egress.c): for callers off the fast loop. */
void egress_port(struct worker *w, const struct egress_src *src, uint16_t out,
		 struct rte_mbuf *m, struct pkt_meta *pm);

/* egress_to_port for a frame the switch routed or made (egress.c). */
void egress_routed(struct worker *w, uint16_t out, struct rte_mbuf *m,
		   struct pkt_meta *pm);

/* A reply the switch makes in place of a request, sent back out of the
 * request's port as it is: no predicate, no tag rewrite (the request's own
 * tag, which that port admitted, is kept). Callers say why in one line. */
static inline void egress_reply(struct worker *w, uint16_t port, struct rte_mbuf *m,
				const struct pkt_meta *pm)
{
	trace_sent(w, pm, port, m);
	tx_enqueue(w, port, m);
}

#endif
