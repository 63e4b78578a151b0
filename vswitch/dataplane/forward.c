#include "forward.h"

#include "egress.h"
#include "l3_dp.h"
#include "mac_lookup.h"
#include "obnat_dp.h"
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

/* The one forward loop: the decision and the unicast egress inlined. src
 * is taken by value and only a copy's address leaves (to a flood), so a
 * constant source stays constant through the loop. */
static inline __attribute__((always_inline)) void
forward_loop(struct worker *w, const struct egress_src src,
	     const struct burst_lookup *bl, struct rte_mbuf **pkts,
	     struct pkt_meta *meta, uint16_t n)
{
	for (uint16_t i = 0; i < n; i++) {
		decide_one(bl, i, &meta[i]);
		if (unlikely(meta[i].flood)) {
			struct egress_src flood_src = src;

			flood_packet(w, &flood_src, pkts[i], &meta[i]);
		} else {
			egress_to_port(w, &src, meta[i].out_port, pkts[i], &meta[i]);
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

	if (unlikely(obnat_port_on(ob, in_port)))
		forward_obnat(w, &ob->port[in_port], in_port, l2b, bl, pkts, meta, n);
	else if (likely(l2b == NULL))
		forward_loop(w, egress_src_port(in_port), bl, pkts, meta, n);
	else
		forward_loop(w, egress_src_l2b(l2b, in_port), bl, pkts, meta, n);
}
