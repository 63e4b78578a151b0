#include "forward.h"

#include "mac_lookup.h"
#include "vfp.h"
#include "vlan_tag.h"
#include "worker.h"

/* Group addresses and unknown unicast flood. */
static inline void decide_one(const struct burst_lookup *bl, uint16_t i,
			      struct pkt_meta *pm)
{
	uint8_t slot = bl->dst_slot[i];
	const struct mac_entry *e = slot == MAC_SLOT_NONE ? NULL : bl->hit[slot];

	pm->flood = e == NULL;
	if (e != NULL)
		pm->out_port = __atomic_load_n(&e->port, __ATOMIC_ACQUIRE);
}

void forward_decide_burst(const struct burst_lookup *bl, struct pkt_meta *meta,
			  uint16_t n)
{
	for (uint16_t i = 0; i < n; i++)
		decide_one(bl, i, &meta[i]);
}

/* VFP egress: traffic Inbound to the destination port's VM. */
static inline bool egress_policy_drops(struct worker *w, uint16_t out_port,
				       const struct rte_mbuf *m, struct pkt_meta *pm)
{
	const struct vfp_port_policy *pol = vfp_policy(w->sw->vfp, out_port);

	if (likely(pol == NULL))
		return false;
	if (!pm->vp_parsed) {
		vfp_pkt_parse(m, pm->vp);
		pm->vp_parsed = true;
	}
	return vfp_classify(pol, ACL_DIR_INBOUND, pm->vp, w->id,
			    vswitch_now(w->sw)) != VFP_PASS;
}

static inline void egress_one(struct worker *w, uint16_t out_port,
			      struct rte_mbuf *m, struct pkt_meta *pm)
{
	const struct vs_port *out = &w->sw->ports[out_port];
	enum vlan_egress action;

	if (unlikely(egress_policy_drops(w, out_port, m, pm))) {
		drop_traced(w, out_port, m, pm, DROP_SECURITY_POLICY);
		return;
	}
	action = vlan_egress_action(&out->vlan, pm->vid);
	if (unlikely(action == VLAN_EGRESS_DROP)) {
		drop_traced(w, out_port, m, pm, DROP_VLAN_FILTER);
		return;
	}
	if (vlan_tag_needs_rewrite(action, pm->wire_tagged, pm->wire_vid, pm->vid) &&
	    unlikely(vlan_tag_rewrite(m, action, pm->wire_tagged, pm->vid) < 0)) {
		drop_traced(w, out_port, m, pm, DROP_NO_BUFFERS);
		return;
	}
	if (pkt_traced(pm)) {
		trace_sent(w, pm, out_port, m);
		*pkt_trace_id(m) = pm->trace_id; /* for a TX-ring-full drop */
	}
	tx_enqueue(w, out_port, m);
}

void forward_egress(struct worker *w, uint16_t out_port, struct rte_mbuf *m,
		    struct pkt_meta *pm)
{
	egress_one(w, out_port, m, pm);
}

static inline void to_port_one(struct worker *w, uint16_t in_port,
			       uint16_t out_port, struct rte_mbuf *m,
			       struct pkt_meta *pm)
{
	if (unlikely(out_port == in_port)) {
		drop_traced(w, in_port, m, pm, DROP_SOURCE_PORT);
		return;
	}
	egress_one(w, out_port, m, pm);
}

void forward_to_port(struct worker *w, uint16_t in_port, uint16_t out_port,
		     struct rte_mbuf *m, struct pkt_meta *pm)
{
	to_port_one(w, in_port, out_port, m, pm);
}

/* One loop with the decision and the unicast egress inlined: the common
 * case. */
void forward_burst(struct worker *w, uint16_t in_port, const struct burst_lookup *bl,
		   struct rte_mbuf **pkts, struct pkt_meta *meta, uint16_t n)
{
	for (uint16_t i = 0; i < n; i++) {
		decide_one(bl, i, &meta[i]);
		if (unlikely(meta[i].flood))
			flood_packet(w, in_port, pkts[i], &meta[i]);
		else
			to_port_one(w, in_port, meta[i].out_port, pkts[i], &meta[i]);
	}
}
