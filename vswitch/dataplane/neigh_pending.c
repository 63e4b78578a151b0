/* Packets waiting for their next hop's MAC (l3.h), one queue per worker:
 * a fixed array kept in arrival order, plus a small table of recent ARP
 * requests so a burst to one unresolved next hop asks once per
 * NEIGH_ARP_RETRY_MS. */
#include "l3.h"

#include <rte_cycles.h>

static uint64_t ms_to_tsc(uint64_t ms)
{
	return rte_get_tsc_hz() * ms / 1000;
}

bool neigh_pending_add(struct neigh_pending *p, struct rte_mbuf *m,
		       uint32_t next_hop, uint16_t out_port, uint16_t l3_off,
		       uint64_t now_tsc)
{
	if (p->n >= NEIGH_PENDING_MAX)
		return false;
	p->q[p->n++] = (struct neigh_pending_pkt){
		.m = m,
		.next_hop = next_hop,
		.out_port = out_port,
		.l3_off = l3_off,
		.deadline = now_tsc + ms_to_tsc(NEIGH_PENDING_TIMEOUT_MS),
	};
	return true;
}

bool neigh_should_ask(struct neigh_pending *p, uint32_t ip, uint64_t now_tsc)
{
	unsigned oldest = 0;

	for (unsigned i = 0; i < RTE_DIM(p->asked); i++) {
		if (p->asked[i].ip == ip && p->asked[i].tsc != 0) {
			if (now_tsc - p->asked[i].tsc < ms_to_tsc(NEIGH_ARP_RETRY_MS))
				return false;
			p->asked[i].tsc = now_tsc;
			return true;
		}
		if (p->asked[i].tsc < p->asked[oldest].tsc)
			oldest = i;
	}
	/* an unused slot has tsc 0, so it is the oldest */
	p->asked[oldest].ip = ip;
	p->asked[oldest].tsc = now_tsc;
	return true;
}

unsigned neigh_pending_poll(struct neigh_pending *p, const struct neigh_table *t,
			    uint64_t now_tsc,
			    void (*ready)(void *ctx, struct neigh_pending_pkt *pk,
					  const struct neigh_entry *e),
			    void (*expired)(void *ctx, struct neigh_pending_pkt *pk),
			    void *ctx)
{
	unsigned n = p->n, kept = 0;

	/* the callbacks must not add to p */
	for (unsigned i = 0; i < n; i++) {
		struct neigh_pending_pkt pk = p->q[i];
		struct neigh_entry e;

		if (neigh_lookup(t, pk.next_hop, &e))
			ready(ctx, &pk, &e);
		else if ((int64_t)(now_tsc - pk.deadline) >= 0)
			expired(ctx, &pk);
		else
			p->q[kept++] = pk;
	}
	p->n = (uint16_t)kept;
	return n - kept;
}
