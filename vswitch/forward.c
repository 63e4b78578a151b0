#include "forward.h"

#include "vfp.h"
#include "vlan_tag.h"
#include "worker.h"

void forward_decide_burst(struct worker *w, struct rte_mbuf **pkts,
			  struct pkt_meta *meta, uint16_t n)
{
	uint64_t keys[VS_BURST];
	uint16_t idx[VS_BURST];
	struct mac_entry *hit[VS_BURST];
	uint16_t nu = 0;

	for (uint16_t i = 0; i < n; i++) {
		const struct rte_ether_hdr *eh =
			rte_pktmbuf_mtod(pkts[i], const struct rte_ether_hdr *);

		meta[i].flood = rte_is_multicast_ether_addr(&eh->dst_addr);
		if (!meta[i].flood) {
			keys[nu] = mac_key(meta[i].vid, &eh->dst_addr);
			idx[nu++] = i;
		}
	}
	if (nu == 0)
		return;
	mac_table_lookup_bulk(w->sw->macs, keys, nu, hit);
	for (uint16_t k = 0; k < nu; k++) {
		struct pkt_meta *pm = &meta[idx[k]];

		if (hit[k] == NULL)
			pm->flood = true; /* unknown unicast */
		else
			pm->out_port = __atomic_load_n(&hit[k]->port,
						       __ATOMIC_ACQUIRE);
	}
}

void forward_to_port(struct worker *w, uint16_t in_port, uint16_t out_port,
		     struct rte_mbuf *m, const struct pkt_meta *pm)
{
	const struct vs_port *out = &w->sw->ports[out_port];
	enum vlan_egress action;

	if (unlikely(out_port == in_port)) {
		drop_packet(w, in_port, m, DROP_SOURCE_PORT);
		return;
	}
	if (vfp_port_egress(out_port, pm->vid, m) != VFP_PASS) {
		drop_packet(w, out_port, m, DROP_SECURITY_POLICY);
		return;
	}
	action = vlan_egress_action(&out->vlan, pm->vid);
	if (unlikely(action == VLAN_EGRESS_DROP)) {
		drop_packet(w, out_port, m, DROP_VLAN_FILTER);
		return;
	}
	if (vlan_tag_needs_rewrite(action, pm->wire_tagged, pm->wire_vid, pm->vid) &&
	    unlikely(vlan_tag_rewrite(m, action, pm->wire_tagged, pm->vid) < 0)) {
		drop_packet(w, out_port, m, DROP_NO_BUFFERS);
		return;
	}
	tx_enqueue(w, out_port, m);
}
