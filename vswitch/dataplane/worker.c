#include "worker.h"

#include <rte_ethdev.h>
#include <rte_prefetch.h>

#include "l3_dp.h"
#include "lb_dp.h"
#include "pipeline.h"
#include "tap_io.h"

int trace_id_offset = -1;

/* A TSO frame is cut into at most this many segments (64 KiB at an MSS
 * of 536 is 123). */
#define TSO_MAX_SEGS 128

void tx_enqueue_offloaded(struct worker *w, uint16_t port, struct rte_mbuf *m)
{
	struct rte_mbuf *segs[TSO_MAX_SEGS];
	struct offload_hdrs h;
	uint16_t n;

	if (offload_parse(m, &h) != 0) { /* not flagged by tap_io then */
		m->ol_flags &= ~RTE_MBUF_F_TX_OFFLOAD_MASK;
		tx_enqueue(w, port, m);
		return;
	}
	if (!offload_needs_segmentation(m, &h)) {
		/* checksummed in place, unless another port holds it too */
		if (rte_mbuf_refcnt_read(m) != 1 || !RTE_MBUF_DIRECT(m) || m->nb_segs != 1) {
			struct rte_mbuf *c = rte_pktmbuf_copy(m, w->pool, 0, UINT32_MAX);

			rte_pktmbuf_free(m);
			if (c == NULL) {
				w->c.port[port].drops[DROP_NO_BUFFERS]++;
				return;
			}
			m = c;
		}
		offload_checksum(m, &h);
		tx_enqueue(w, port, m);
		return;
	}
	n = offload_segment(w->pool, m, &h, segs, TSO_MAX_SEGS);
	if (n == 0) {
		drop_packet(w, port, m, DROP_OFFLOAD_UNSUPPORTED);
		return;
	}
	rte_pktmbuf_free(m);
	for (uint16_t i = 0; i < n; i++)
		tx_enqueue(w, port, segs[i]);
}

static uint16_t port_tx(struct worker *w, const struct vs_port *p, uint16_t port,
			struct rte_mbuf **pkts, uint16_t n)
{
	if (p->tap != NULL)
		return tap_tx_burst(p->tap, pkts, n);
	return rte_eth_tx_burst(p->eth_port, w->txq[port], pkts, n);
}

void tx_flush_port(struct worker *w, uint16_t port)
{
	struct tx_buffer *b = &w->tx[port];
	struct vs_port *p = &w->sw->ports[port];
	struct port_counters *pc = &w->c.port[port];
	uint64_t bytes = b->bytes;
	uint64_t rx_tsc[TX_BUF_MAX];
	uint16_t sent;

	if (unlikely(w->lat != NULL))
		latency_take(b->pkts, b->count, rx_tsc);
	if (unlikely(p->tx_shared)) {
		rte_spinlock_lock(&p->tx_lock);
		sent = port_tx(w, p, port, b->pkts, b->count);
		rte_spinlock_unlock(&p->tx_lock);
	} else {
		sent = port_tx(w, p, port, b->pkts, b->count);
	}
	if (unlikely(w->lat != NULL))
		latency_record(w->lat, rx_tsc, sent);
	for (uint16_t i = sent; i < b->count; i++) {
		struct rte_mbuf *m = b->pkts[i];

		bytes -= rte_pktmbuf_pkt_len(m);
		if (TRACE_HOOKS && unlikely(w->trace_cur != NULL) && *pkt_trace_id(m) != 0)
			trace_record(w->trace_cur, w->id, *pkt_trace_id(m),
				     TRACE_EV_DROPPED, port, UINT16_MAX, m,
				     drop_reason_text(DROP_TX_RING_FULL), NULL);
		drop_packet(w, port, m, DROP_TX_RING_FULL);
	}
	pc->tx_packets += sent;
	pc->tx_bytes += bytes;
	b->count = 0;
	b->bytes = 0;
	portset_clear(&w->tx_pending, port);
}

static void poll_once(struct worker *w)
{
	struct rte_mbuf *pkts[VS_BURST];
	bool busy = false;

	const struct rxq_list *rxqs =
		&w->rxq_lists[__atomic_load_n(&w->rxq_active, __ATOMIC_ACQUIRE)];

	tap_round_start(&w->taps);
	/* QoS FIFOs first: what waited goes before what arrives now */
	if (unlikely(!portset_is_empty(&w->qos_held))) {
		pipeline_release_held(w);
		tx_flush_all(w);
	}

	for (uint16_t i = 0; i < rxqs->n; i++) {
		const struct rx_queue_ref *q = &rxqs->q[i];
		struct vs_port *p = &w->sw->ports[q->port];
		uint16_t n;

		if (p->tap == NULL)
			n = rte_eth_rx_burst(p->eth_port, q->queue, pkts, VS_BURST);
		else if (tap_ready(&w->taps, p->tap, q->port))
			n = tap_rx_burst(p->tap, w->pool, &w->c.port[q->port], pkts, VS_BURST);
		else
			continue; /* an idle tap costs no read */
		if (n == 0)
			continue;
		busy = true;
		if (unlikely(w->lat != NULL))
			latency_stamp(pkts, n);
		pipeline_process_burst(w, q->port, pkts, n);
		tx_flush_all(w);
	}
	if (w->l3 != NULL) {
		w->trace_cur = trace_for_burst(w->sw);
		l3_worker_poll(w);
		tx_flush_all(w);
	}
	if (unlikely(lb_dp_engine(w->sw) != NULL)) {
		w->trace_cur = trace_for_burst(w->sw);
		lb_dp_poll(w);
		tx_flush_all(w);
	}
	w->c.polls++;
	w->c.busy_polls += busy;
}

int worker_main(void *arg)
{
	struct worker *w = arg;
	struct vswitch *sw = w->sw;

	rte_rcu_qsbr_thread_register(sw->qsbr, w->id);
	rte_rcu_qsbr_thread_online(sw->qsbr, w->id);
	while (!__atomic_load_n(&sw->stop, __ATOMIC_ACQUIRE)) {
		poll_once(w);
		rte_rcu_qsbr_quiescent(sw->qsbr, w->id);
	}
	tx_flush_all(w);
	rte_rcu_qsbr_thread_offline(sw->qsbr, w->id);
	rte_rcu_qsbr_thread_unregister(sw->qsbr, w->id);
	return 0;
}
