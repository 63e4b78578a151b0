/* Per-port QoS policing (qos.h). */
#include "qos.h"

#include "worker.h"

uint16_t qos_police_burst(struct worker *w, struct port_qos *q, uint16_t in_port,
			  struct rte_mbuf **pkts, struct pkt_meta *meta, uint16_t n)
{
	/* the meter state is this worker's alone; the profile is shared
	 * read-only */
	struct rte_meter_srtcm *m = &q->meter[w->id];
	uint64_t now = rte_get_tsc_cycles();
	uint16_t kept = 0;

	for (uint16_t i = 0; i < n; i++) {
		uint32_t len = rte_pktmbuf_pkt_len(pkts[i]);

		if (rte_meter_srtcm_color_blind_check(m, &q->profile, now, len) ==
		    RTE_COLOR_RED) {
			drop_traced(w, in_port, pkts[i], &meta[i], DROP_QOS_RATE_EXCEEDED);
			continue;
		}
		pkts[kept] = pkts[i];
		meta[kept] = meta[i];
		kept++;
	}
	return kept;
}
