/* A poll-mode worker: one per worker lcore. It polls its RX queues in
 * bursts, runs each burst through the pipeline to completion and transmits
 * through per-port buffers flushed at the end of every burst. It never
 * blocks and never takes a lock the control plane holds.
 * Layer: vswitch/dataplane/, dataplane layer (worker lcores, per packet). */
#ifndef HVS_WORKER_H
#define HVS_WORKER_H

#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "drop_reason.h"
#include "latency.h"
#include "mac_lookup.h"
#include "offload.h"
#include "parse.h"
#include "trace.h"
#include "stats.h"
#include "tap_io.h"
#include "switch.h"

struct l3_worker;
struct lb_dp_worker;

#define TX_BUF_MAX 64
#define TX_RESERVE_PORTS 32 /* TX buffers' share of the mbuf pool (worker_setup.c) */
#define WORKER_MAX_RXQ (VS_MAX_PORTS * 4)

struct rx_queue_ref {
	uint16_t port;  /* switch port index */
	uint16_t queue;
};

/* The RX queues a worker polls. Two copies: the control plane rewrites the
 * idle one and flips rxq_active, then waits for an RCU grace period before
 * it may touch the other copy again (port_hotplug.c). */
struct rxq_list {
	uint16_t n;
	struct rx_queue_ref q[WORKER_MAX_RXQ];
};

struct tx_buffer {
	uint16_t count;
	uint32_t bytes; /* of the buffered packets, counted as they come */
	struct rte_mbuf *pkts[TX_BUF_MAX];
};

struct worker {
	unsigned id;    /* 0..nb_workers-1, also the RCU thread id */
	unsigned lcore;
	struct vswitch *sw;
	struct rte_mempool *pool; /* this worker's socket */
	struct rte_ring *learn_ring;
	struct l3_worker *l3; /* router state (l3_dp.h) */
	struct lb_dp_worker *lb; /* LB stage state (lb_dp.h), with sw->lb */
	struct trace *trace_cur; /* sw->trace as loaded for this burst */
	struct latency_hist *lat; /* --latency, else NULL (latency.h) */
	uint32_t rxq_active; /* index into rxq_lists, read with acquire */
	struct rxq_list rxq_lists[2];
	uint16_t txq[VS_MAX_PORTS];
	portset_t tx_pending; /* ports with buffered packets */
	portset_t qos_held;   /* ports whose QoS FIFO may hold frames (qos.h) */
	struct tx_buffer tx[VS_MAX_PORTS];
	struct learn_cache learn_cache; /* mac_lookup.h */
	struct tap_readiness taps;      /* tap_io.h: which taps to read */
	struct worker_counters c __rte_cache_aligned;
} __rte_cache_aligned;

/* The lcore entry point (rte_eal_remote_launch). */
int worker_main(void *arg);

void tx_flush_port(struct worker *w, uint16_t port);

/* tx_enqueue of a frame with offload requests (offload.h) to a port that
 * does not take them: finished in software first (segments, checksum). */
void tx_enqueue_offloaded(struct worker *w, uint16_t port, struct rte_mbuf *m);

static inline void tx_flush_all(struct worker *w)
{
	/* tx_flush_port clears the port's bit; nothing else sets one */
	for (unsigned i = 0; i < PORTSET_WORDS; i++)
		while (w->tx_pending.w[i] != 0)
			tx_flush_port(w, (uint16_t)(i * 64 + (unsigned)__builtin_ctzll(
							 w->tx_pending.w[i])));
}

static inline void tx_enqueue(struct worker *w, uint16_t port, struct rte_mbuf *m)
{
	struct tx_buffer *b = &w->tx[port];

	if (unlikely(m->ol_flags & OFFLOAD_MASK) && !w->sw->ports[port].tx_offload) {
		tx_enqueue_offloaded(w, port, m);
		return;
	}
	b->bytes += rte_pktmbuf_pkt_len(m);
	b->pkts[b->count++] = m;
	portset_set(&w->tx_pending, port);
	if (unlikely(b->count == TX_BUF_MAX))
		tx_flush_port(w, port);
}

/* Counts a drop against a port and frees the packet. */
static inline void drop_packet(struct worker *w, uint16_t port,
			       struct rte_mbuf *m, enum drop_reason reason)
{
	w->c.port[port].drops[reason]++;
	rte_pktmbuf_free(m);
}

/* ---- traces: every hook costs one test of pm->trace_id, which is 0
 * unless a trace runs and its filter took the packet. A build with
 * -Dtrace_hooks=false compiles them out (to measure what they cost). ---- */

#ifdef HVS_NO_TRACE_HOOKS
#define TRACE_HOOKS 0
#else
#define TRACE_HOOKS 1
#endif

/* Is this packet traced? */
static inline bool pkt_traced(const struct pkt_meta *pm)
{
	return TRACE_HOOKS && unlikely(pm->trace_id != 0);
}

/* The running trace for a burst (NULL: none, or no hooks built). */
static inline struct trace *trace_for_burst(const struct vswitch *sw)
{
	return TRACE_HOOKS ? __atomic_load_n(&sw->trace, __ATOMIC_ACQUIRE) : NULL;
}

/* The trace id a packet carries across bursts (hand-over to another
 * worker, waiting for ARP, TX buffers): an mbuf dynamic field. */
extern int trace_id_offset;

static inline uint64_t *pkt_trace_id(struct rte_mbuf *m)
{
	return RTE_MBUF_DYNFIELD(m, trace_id_offset, uint64_t *);
}

/* drop_packet, recorded as a hop of a traced packet. */
static inline void drop_traced(struct worker *w, uint16_t port, struct rte_mbuf *m,
			       const struct pkt_meta *pm, enum drop_reason reason)
{
	if (pkt_traced(pm))
		trace_record(w->trace_cur, w->id, pm->trace_id, TRACE_EV_DROPPED, port,
			     pm->in_port, m, drop_reason_text(reason), NULL);
	drop_packet(w, port, m, reason);
}

/* A traced packet leaves through out_port: routed + delivered hops. */
static inline void trace_sent(struct worker *w, const struct pkt_meta *pm,
			      uint16_t out_port, const struct rte_mbuf *m)
{
	if (!pkt_traced(pm))
		return;
	trace_record(w->trace_cur, w->id, pm->trace_id, TRACE_EV_ROUTED, out_port,
		     pm->in_port, m, NULL, NULL);
	trace_record(w->trace_cur, w->id, pm->trace_id, TRACE_EV_DELIVERED, out_port,
		     pm->in_port, m, NULL, NULL);
}

/* Free text (a WinNAT event) on a traced packet's hop at port. */
static inline void trace_note(struct worker *w, const struct pkt_meta *pm,
			      uint16_t port, const struct rte_mbuf *m, const char *text)
{
	if (pkt_traced(pm))
		trace_record(w->trace_cur, w->id, pm->trace_id, TRACE_EV_NOTE, port,
			     pm->in_port, m, NULL, text);
}

#endif
