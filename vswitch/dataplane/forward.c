#include "forward.h"

#include "egress.h"
#include "l3_dp.h"
#include "mac_lookup.h"
#include "obnat_dp.h"
#include "worker.h"

_Static_assert(VFP_MAX_PORTS == VS_MAX_PORTS && VFP_MASK_WORDS == PORTSET_WORDS,
	       "vfp_policy_mask fills a portset");

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

/* VFP egress (step 3 of egress.h's predicate) of a burst's unicast frames
 * whose out port has a policy, decided ahead: one vfp_classify_burst per
 * out port, so the extended ACLs see the port's frames at once (cache
 * lines prefetched together, misses in one rte_acl call). Only frames
 * that pass steps 1 and 2 are classified (counters count what the port
 * would see); a frame to its L2Bridge uplink is left to the predicate
 * (its source MAC is rewritten first). pre[i]: the verdict, or ASK. */
/* The frames sel[0..m) (parsed: vpp) to port out, classified at once. */
static void egress_vfp_port(struct worker *w, uint16_t out, const uint16_t *sel,
			    const struct vfp_pkt *const *vpp, uint16_t m, uint32_t now,
			    uint8_t *pre)
{
	const struct vfp_port_policy *pol = vfp_policy(w->sw->vfp, out);
	uint64_t drop;

	if (pol == NULL) /* removed meanwhile: the predicate asks again */
		return;
	drop = vfp_classify_burst(pol, ACL_DIR_INBOUND, vpp, m, w->id, now);
	for (uint16_t j = 0; j < m; j++)
		pre[sel[j]] = drop >> j & 1 ? EGRESS_VFP_DROP : EGRESS_VFP_PASS;
}

static void egress_vfp_burst(struct worker *w, const struct egress_src *src,
			     const portset_t *with_policy, struct rte_mbuf **pkts,
			     struct pkt_meta *meta, uint16_t n, uint8_t *pre)
{
	const struct vfp_pkt *vpp[VS_BURST];
	uint16_t at[VS_BURST], sel[VS_BURST], nb = 0, m = 0, first = 0;
	uint32_t now = vswitch_now(w->sw);
	/* steps 1 and 2 passed, not to the L2Bridge uplink */
	const portset_t ports = portset_without(
		portset_without(portset_and(*with_policy, src->allowed), src->in_port),
		src->uplink >= 0 ? (unsigned)src->uplink : VS_MAX_PORTS);

	/* the first out port's frames at once, the others' set aside */
	for (uint16_t i = 0; i < n; i++) {
		uint16_t out = meta[i].out_port;

		pre[i] = EGRESS_VFP_ASK;
		if (meta[i].flood || !portset_test(&ports, out))
			continue;
		if (!meta[i].vp_parsed) {
			vfp_pkt_parse(pkts[i], meta[i].vp);
			meta[i].vp_parsed = true;
		}
		if (m == 0 || out == first) {
			first = out;
			sel[m] = i;
			vpp[m++] = meta[i].vp;
		} else {
			at[nb++] = i;
		}
	}
	if (m != 0)
		egress_vfp_port(w, first, sel, vpp, m, now, pre);
	while (nb != 0) { /* the next port's frames */
		uint16_t out = meta[at[0]].out_port, rest = 0;

		m = 0;
		for (uint16_t j = 0; j < nb; j++) {
			if (meta[at[j]].out_port == out) {
				sel[m] = at[j];
				vpp[m++] = meta[at[j]].vp;
			} else {
				at[rest++] = at[j];
			}
		}
		nb = rest;
		egress_vfp_port(w, out, sel, vpp, m, now, pre);
	}
}

/* The one forward loop: the decision and the unicast egress inlined. src
 * is taken by value and only a copy's address leaves (to a flood), so a
 * constant source stays constant through the loop. Without a port with a
 * VFP policy the egress batch costs one load and branch. */
static inline __attribute__((always_inline)) void
forward_loop(struct worker *w, const struct egress_src src,
	     const struct burst_lookup *bl, struct rte_mbuf **pkts,
	     struct pkt_meta *meta, uint16_t n)
{
	portset_t with_policy;
	bool any_policy;
	uint8_t pre[VS_BURST];

	vfp_policy_mask(w->sw->vfp, with_policy.w);
	any_policy = !portset_is_empty(&with_policy);
	if (unlikely(any_policy)) {
		for (uint16_t i = 0; i < n; i++)
			decide_one(bl, i, &meta[i]);
		egress_vfp_burst(w, &src, &with_policy, pkts, meta, n, pre);
	}
	for (uint16_t i = 0; i < n; i++) {
		if (likely(!any_policy))
			decide_one(bl, i, &meta[i]);
		if (unlikely(meta[i].flood)) {
			struct egress_src flood_src = src;

			flood_packet(w, &flood_src, pkts[i], &meta[i]);
		} else {
			egress_to_port_pre(w, &src, meta[i].out_port, pkts[i], &meta[i],
					   any_policy ? (enum egress_vfp_pre)pre[i]
							    : EGRESS_VFP_ASK);
		}
	}
}

/* From an endpoint port with OutBoundNAT (obnat_dp.h): IPv4 frames
 * forwarded to its uplink, or unknown unicast, that its rule SNATs go to
 * the router's NAT (all of the burst's at once) and then out of the
 * uplink alone; the rest leave as in forward_loop. Unknown unicast is the
 * L2Bridge norm: the outside's frames are addressed to H and delivered by
 * IP before learning, so its MACs are never learnt. */
static void forward_obnat(struct worker *w, const struct obnat_port *op,
			  uint16_t in_port, const struct l2b_view *l2b,
			  const struct burst_lookup *bl, struct rte_mbuf **pkts,
			  struct pkt_meta *meta, uint16_t n)
{
	const struct egress_src src = l2b != NULL ? egress_src_l2b(l2b, in_port)
						  : egress_src_port(in_port);
	struct rte_mbuf *nat_m[VS_BURST];
	struct pkt_meta nat_pm[VS_BURST];
	uint16_t nat_off[VS_BURST], nb = 0;

	for (uint16_t i = 0; i < n; i++) {
		decide_one(bl, i, &meta[i]);
		if ((meta[i].flood ? obnat_unknown_unicast(pkts[i])
				   : meta[i].out_port == op->uplink) &&
		    obnat_wants(op, pkts[i], &nat_off[nb])) {
			meta[i].in_port = in_port;
			nat_m[nb] = pkts[i];
			nat_pm[nb++] = meta[i];
		} else if (unlikely(meta[i].flood)) {
			struct egress_src flood_src = src;

			flood_packet(w, &flood_src, pkts[i], &meta[i]);
		} else {
			egress_to_port(w, &src, meta[i].out_port, pkts[i], &meta[i]);
		}
	}
	if (nb != 0)
		l3_obnat_outbound(w, op->slot, in_port, nat_m, nat_pm, nat_off, nb);
}

/* Two instances of the one loop: with a constant source (no isolation,
 * no uplink rewrite) the compiler drops those tests from the common case. */
void forward_burst(struct worker *w, uint16_t in_port, const struct l2b_view *l2b,
		   const struct burst_lookup *bl, struct rte_mbuf **pkts,
		   struct pkt_meta *meta, uint16_t n)
{
	const struct obnat_view *ob = obnat_view_get(w->sw);

	/* a routed (Overlay) endpoint's SNAT is the DR's (overlay.c): what
	 * reaches forwarding from it is bridged within its subnet */
	if (unlikely(obnat_port_on(ob, in_port)) && !ob->port[in_port].routed)
		forward_obnat(w, &ob->port[in_port], in_port, l2b, bl, pkts, meta, n);
	else if (likely(l2b == NULL))
		forward_loop(w, egress_src_port(in_port), bl, pkts, meta, n);
	else
		forward_loop(w, egress_src_l2b(l2b, in_port), bl, pkts, meta, n);
}
