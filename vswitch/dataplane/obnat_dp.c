/* HNS OutBoundNAT: what follows a translation (obnat_dp.h). The
 * translation itself is the router's (l3_dp.c, l3_obnat_outbound). */
#include "obnat_dp.h"

#include "egress.h"
#include "l3.h"
#include "l3_dp.h"
#include "overlay.h"
#include "vlan.h"
#include "worker.h"

/* A routed (Overlay) endpoint's SNATed frame: out of the router's uplink
 * to its next hop (l3_uplink_send: source MAC the router's), as the DR
 * routes it. The router's uplink must be the endpoint's. */
static void route_out(struct worker *w, const struct obnat_port *op, uint16_t in_port,
		      struct rte_mbuf *m, struct pkt_meta *pm, uint16_t off)
{
	const struct l3_view *l3 = l3_view_get(w->sw);

	if (unlikely(l3 == NULL || !l3->has_uplink || l3->uplink != op->uplink)) {
		drop_traced(w, in_port, m, pm, DROP_NO_ROUTE);
		return;
	}
	l3_uplink_send(w, l3, m, pm, off);
}

void obnat_send_out(struct worker *w, uint16_t in_port, struct rte_mbuf *m,
		    struct pkt_meta *pm, uint16_t off, bool translated)
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
	if (ob->port[in_port].routed)
		route_out(w, &ob->port[in_port], in_port, m, pm, off);
	else
		egress_port(w, &src, ob->port[in_port].uplink, m, pm);
}

/* A routed (Overlay) endpoint's reply, as the DR delivers to a local pod
 * (overlay_internal.h, ov_deliver_local): from its network's DR MAC, TTL
 * - 1, in the VLAN its port puts untagged frames in. false: dropped (the
 * port is no overlay endpoint any more, or the TTL ran out). */
static bool route_in(struct worker *w, uint16_t p, struct rte_mbuf *m, struct pkt_meta *pm,
		     uint16_t off)
{
	const struct ov_view *ov = ov_view_get(w->sw);
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);

	if (unlikely(ov == NULL || !portset_test(&ov->ep_ports, p) || ov->port_net[p] < 0)) {
		drop_traced(w, pm->in_port, m, pm, DROP_NO_ROUTE);
		return false;
	}
	if (ipv4_ttl_decrement(m, off) == 0) {
		drop_traced(w, pm->in_port, m, pm, DROP_TTL_EXPIRED);
		return false;
	}
	rte_ether_addr_copy(&ov->nets[ov->port_net[p]].dr_mac, &eh->src_addr);
	pm->vid = vlan_ingress_vid(&w->sw->ports[p].vlan, false, 0);
	return true;
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
		if (ob->port[p].routed && !route_in(w, p, m, pm, off))
			return;
		eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
		rte_ether_addr_copy(&ob->port[p].mac, &eh->dst_addr);
		pm->vp_parsed = false;
		egress_routed(w, p, m, pm);
		return;
	}
	drop_traced(w, pm->in_port, m, pm, DROP_NO_ROUTE);
}
