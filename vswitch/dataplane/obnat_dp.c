/* HNS OutBoundNAT: what follows a translation (obnat_dp.h). The
 * translation itself is the router's (l3_dp.c, l3_obnat_outbound). */
#include "obnat_dp.h"

#include "egress.h"
#include "worker.h"

void obnat_send_out(struct worker *w, uint16_t in_port, struct rte_mbuf *m,
		    struct pkt_meta *pm, bool translated)
{
	const struct obnat_view *ob = obnat_view_get(w->sw);
	const struct l2b_view *l2b = l2b_view_get(w->sw);
	struct egress_src src = l2b != NULL ? egress_src_l2b(l2b, in_port)
					    : egress_src_port(in_port);

	if (!obnat_port_on(ob, in_port)) { /* detached while handed over */
		drop_traced(w, in_port, m, pm, DROP_NO_ROUTE);
		return;
	}
	if (translated)
		w->c.port[in_port].obnat_packets++;
	pm->vp_parsed = false; /* addresses changed: VFP egress parses again */
	egress_port(w, &src, ob->port[in_port].uplink, m, pm);
}

void obnat_deliver(struct worker *w, struct rte_mbuf *m, struct pkt_meta *pm,
		   uint16_t off)
{
	const struct obnat_view *ob = obnat_view_get(w->sw);
	const struct rte_ipv4_hdr *ip =
		rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, off);
	portset_t ports = ob != NULL ? ob->ports : portset_empty();

	PORTSET_FOREACH(p, ports) {
		struct rte_ether_hdr *eh;

		if (ob->port[p].ip4 != ip->dst_addr)
			continue;
		eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
		rte_ether_addr_copy(&ob->port[p].mac, &eh->dst_addr);
		pm->vp_parsed = false;
		egress_routed(w, p, m, pm);
		return;
	}
	drop_traced(w, pm->in_port, m, pm, DROP_NO_ROUTE);
}
