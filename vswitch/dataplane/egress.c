/* Egress (egress.h): the out-of-line entry points and the L2Bridge uplink
 * rewrite. The predicate itself is inline in egress.h. */
#include "egress.h"

void egress_l2b_source(struct rte_mbuf *m, struct pkt_meta *pm,
		       const struct rte_ether_addr *host_mac)
{
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	struct rte_ether_addr ep_mac = eh->src_addr;

	l2b_rewrite_source(m, &ep_mac, host_mac);
	pm->vp_parsed = false; /* addresses changed: VFP egress parses again */
}

void egress_port(struct worker *w, const struct egress_src *src, uint16_t out,
		 struct rte_mbuf *m, struct pkt_meta *pm)
{
	egress_to_port(w, src, out, m, pm);
}

void egress_routed(struct worker *w, uint16_t out, struct rte_mbuf *m,
		   struct pkt_meta *pm)
{
	const struct egress_src src = egress_src_switch();

	egress_to_port(w, &src, out, m, pm);
}
