/* Flooding of broadcast, multicast and unknown unicast to every other port
 * that carries the frame's VLAN, never back to the ingress port. Which
 * ports may have it, and every port's delivery, are the one egress
 * decision (egress.h); this file only decides who gets which mbuf.
 *
 * Ports that take the frame as it arrived share the one mbuf (reference
 * count); a port that needs a different frame (another tag, or the
 * L2Bridge uplink's host-MAC source) gets a copy, so no port ever sees
 * another port's rewrite. The original is rewritten in place only for the
 * last port and only if no other port holds it. */
#include "forward.h"

#include "egress.h"
#include "worker.h"

/* An L2Bridge endpoint's flood that reaches its uplink and other ports:
 * the uplink first, with its own copy (egress gives it source H). */
static portset_t uplink_copy_first(struct worker *w, const struct egress_src *src,
				   portset_t members, struct rte_mbuf *m,
				   struct pkt_meta *pm)
{
	uint16_t up = (uint16_t)src->uplink;
	struct rte_mbuf *c = rte_pktmbuf_copy(m, w->pool, 0, UINT32_MAX);

	if (unlikely(c == NULL)) {
		w->c.port[up].drops[DROP_NO_BUFFERS]++;
	} else {
		struct pkt_meta cm = *pm;

		egress_port(w, src, up, c, &cm);
		pm->vp_parsed = false; /* cm shared the parse slot */
	}
	return portset_without(members, up);
}

void flood_to_ports(struct worker *w, const struct egress_src *src, portset_t members,
		    struct rte_mbuf *m, struct pkt_meta *pm)
{
	struct vswitch *sw = w->sw;
	bool shared = false;
	unsigned top = PORTSET_WORDS; /* past the last word with a member */

	if (unlikely(src->uplink >= 0) && portset_test(&members, (unsigned)src->uplink)) {
		portset_t up = portset_of((unsigned)src->uplink);

		if (!portset_equal(&members, &up))
			members = uplink_copy_first(w, src, members, m, pm);
	}
	while (top > 0 && members.w[top - 1] == 0)
		top--;
	/* a word at a time: the last member is the last bit of word top - 1 */
	for (unsigned wi = 0; wi < top; wi++) {
		uint64_t word = members.w[wi];

		while (word != 0) {
			uint16_t out = (uint16_t)(wi * 64 + (unsigned)__builtin_ctzll(word));
			enum vlan_egress action =
				vlan_egress_action(&sw->ports[out].vlan, pm->vid);
			bool rewrite = vlan_tag_needs_rewrite(action, pm->wire_tagged,
							      pm->wire_vid, pm->vid) ||
				       out == src->uplink;
			bool last;

			word &= word - 1;
			last = word == 0 && wi + 1 == top;
			if (!rewrite || (last && !shared)) {
				if (!last) {
					/* every segment: a port's free drops one
					 * reference on each segment of the chain */
					rte_pktmbuf_refcnt_update(m, 1);
					shared = true;
				}
				egress_port(w, src, out, m, pm);
				if (last)
					m = NULL; /* our reference went with it */
				continue;
			}
			struct rte_mbuf *copy = rte_pktmbuf_copy(m, w->pool, 0, UINT32_MAX);

			if (unlikely(copy == NULL))
				w->c.port[out].drops[DROP_NO_BUFFERS]++;
			else
				egress_port(w, src, out, copy, pm);
		}
	}
	/* No member (nobody else in this VLAN: not a drop) or the last port
	 * took a copy. */
	if (m != NULL)
		rte_pktmbuf_free(m);
}

void flood_packet(struct worker *w, const struct egress_src *src, struct rte_mbuf *m,
		  struct pkt_meta *pm)
{
	flood_to_ports(w, src, egress_flood_mask(w->sw, src, pm->vid), m, pm);
}
