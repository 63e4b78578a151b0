/* Flooding of broadcast, multicast and unknown unicast to every other port
 * that carries the frame's VLAN, never back to the ingress port.
 *
 * Ports that take the frame as it arrived share the one mbuf (reference
 * count); a port that needs a different tag gets a copy, so no port ever
 * sees another port's rewrite. The original is rewritten in place only for
 * the last port and only if no other port holds it. */
#include "forward.h"

#include "vlan_tag.h"
#include "worker.h"

void flood_packet_masked(struct worker *w, uint16_t in_port, struct rte_mbuf *m,
			 struct pkt_meta *pm, uint32_t allowed)
{
	struct vswitch *sw = w->sw;
	uint32_t members = sw->flood_members[pm->vid] & allowed &
			   ~(UINT32_C(1) << in_port);
	bool shared = false;

	while (members) {
		uint16_t out = (uint16_t)__builtin_ctz(members);
		enum vlan_egress action = vlan_egress_action(&sw->ports[out].vlan, pm->vid);
		bool rewrite = vlan_tag_needs_rewrite(action, pm->wire_tagged,
						      pm->wire_vid, pm->vid);
		bool last;

		members &= members - 1;
		last = members == 0;
		if (!rewrite || (last && !shared)) {
			if (!last) {
				/* every segment: a port's free drops one
				 * reference on each segment of the chain */
				rte_pktmbuf_refcnt_update(m, 1);
				shared = true;
			}
			forward_to_port(w, in_port, out, m, pm);
			if (last)
				m = NULL; /* our reference went with it */
			continue;
		}
		struct rte_mbuf *copy = rte_pktmbuf_copy(m, w->pool, 0, UINT32_MAX);

		if (unlikely(copy == NULL))
			w->c.port[out].drops[DROP_NO_BUFFERS]++;
		else
			forward_to_port(w, in_port, out, copy, pm);
	}
	/* No member (nobody else in this VLAN: not a drop) or the last port
	 * took a copy. */
	if (m != NULL)
		rte_pktmbuf_free(m);
}

void flood_packet(struct worker *w, uint16_t in_port, struct rte_mbuf *m,
		  struct pkt_meta *pm)
{
	flood_packet_masked(w, in_port, m, pm, UINT32_MAX);
}
