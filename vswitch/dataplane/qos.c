/* Per-port QoS shaping (qos.h). */
#include "qos.h"

#include "offload.h"

#include "worker.h"

static inline int conforms(struct rte_meter_srtcm *m, struct port_qos *q,
			   uint64_t now, uint32_t len)
{
	return rte_meter_srtcm_color_blind_check(m, &q->profile, now, len) !=
	       RTE_COLOR_RED;
}

static inline int hold_push(struct qos_hold *h, const struct port_qos *q,
			    struct rte_mbuf *m, uint32_t len)
{
	if (h->count == QOS_HOLD_MAX || h->bytes + len > q->hold_bytes_max)
		return 0;
	h->m[(h->head + h->count) & (QOS_HOLD_MAX - 1)] = m;
	h->count++;
	h->bytes += len;
	return 1;
}

uint16_t qos_shape_burst(struct worker *w, struct port_qos *q, uint16_t in_port,
			 struct rte_mbuf **pkts, struct pkt_meta *meta, uint16_t n)
{
	/* the meter and FIFO are this worker's alone; the profile is shared
	 * read-only */
	struct rte_meter_srtcm *m = &q->meter[w->id];
	struct qos_hold *h = &q->hold[w->id];
	uint64_t now = rte_get_tsc_cycles();
	uint16_t kept = 0;

	for (uint16_t i = 0; i < n; i++) {
		uint32_t len = offload_wire_len(pkts[i]);

		/* nothing overtakes a held frame */
		if (h->count == 0 && conforms(m, q, now, len)) {
			pkts[kept] = pkts[i];
			meta[kept] = meta[i];
			kept++;
			continue;
		}
		if (hold_push(h, q, pkts[i], len)) {
			/* the released frame is parsed again; its trace id
			 * travels in the mbuf */
			*pkt_trace_id(pkts[i]) = meta[i].trace_id;
			portset_set(&w->qos_held, in_port);
			continue;
		}
		drop_traced(w, in_port, pkts[i], &meta[i], DROP_QOS_RATE_EXCEEDED);
	}
	return kept;
}

uint16_t qos_release(struct worker *w, struct port_qos *q, struct rte_mbuf **pkts,
		     uint16_t max)
{
	struct rte_meter_srtcm *m = &q->meter[w->id];
	struct qos_hold *h = &q->hold[w->id];
	uint64_t now = rte_get_tsc_cycles();
	uint16_t n = 0;

	while (n < max && h->count != 0) {
		struct rte_mbuf *head = h->m[h->head];
		uint32_t len = offload_wire_len(head);

		if (!conforms(m, q, now, len))
			break;
		pkts[n++] = head;
		h->head = (uint16_t)((h->head + 1) & (QOS_HOLD_MAX - 1));
		h->count--;
		h->bytes -= len;
	}
	return n;
}

void qos_hold_free(struct port_qos *q)
{
	for (unsigned w = 0; w < RTE_MAX_LCORE; w++) {
		struct qos_hold *h = &q->hold[w];

		for (; h->count != 0; h->count--) {
			rte_pktmbuf_free(h->m[h->head]);
			h->head = (uint16_t)((h->head + 1) & (QOS_HOLD_MAX - 1));
		}
		h->bytes = 0;
	}
}
