/* Per-packet latency through the switch (--latency): the TSC at RX is
 * stored in an mbuf dynamic field, the TSC after rte_eth_tx_burst is taken
 * once per flush, and the difference goes into a per-worker log-linear
 * histogram (no allocation, no locks: only the worker writes it; the main
 * lcore reads it for /stats, a torn read costs one sample at most).
 * Off by default: then w->lat is NULL and each RX burst and each TX flush
 * costs one predictable branch.
 * Layer: vswitch/dataplane/, dataplane layer (worker lcores, per packet). */
#ifndef HVS_LATENCY_H
#define HVS_LATENCY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>

/* 16 linear sub-buckets per power of two of nanoseconds (~6% wide). */
#define LAT_SUB_BITS 4
#define LAT_SUB (1u << LAT_SUB_BITS)
#define LAT_BUCKETS (64u * LAT_SUB)
/* A stamp older than this is not a packet's RX time (a buffer reused for
 * a packet the switch made itself, e.g. an ARP request): ignored. */
#define LAT_MAX_NS UINT64_C(1000000000)

struct latency_hist {
	uint64_t ns_mult; /* ns = cycles * ns_mult >> 32 */
	uint64_t samples;
	uint64_t max_ns;
	uint64_t bucket[LAT_BUCKETS];
};

struct latency_summary {
	uint64_t samples;
	double p50_us, p99_us, max_us;
};

/* The mbuf field holding the RX TSC (0: none); -1 until registered. */
extern int latency_ts_offset;

/* Registers the mbuf field (once, before the ports start). 0 or -1. */
int latency_register(char *err, size_t errlen);

/* A zeroed histogram for a worker on socket, or NULL. */
struct latency_hist *latency_hist_create(int socket);
void latency_hist_free(struct latency_hist *h);

struct vswitch;

/* --latency: registers the field and gives every worker a histogram
 * (before the workers launch). 0 or -1 with err. */
int latency_enable(struct vswitch *sw, char *err, size_t errlen);

/* The switch's figures over all workers (zeros when off). */
void latency_switch_summary(const struct vswitch *sw, struct latency_summary *out);

/* Merges n workers' histograms (NULL entries skipped). */
void latency_summarize(const struct latency_hist *const *h, unsigned n,
		       struct latency_summary *out);

static inline uint64_t *pkt_rx_tsc(struct rte_mbuf *m)
{
	return RTE_MBUF_DYNFIELD(m, latency_ts_offset, uint64_t *);
}

/* At RX: one TSC read for the burst. */
static inline void latency_stamp(struct rte_mbuf **pkts, uint16_t n)
{
	uint64_t now = rte_rdtsc();

	for (uint16_t i = 0; i < n; i++)
		*pkt_rx_tsc(pkts[i]) = now;
}

/* Before TX: the stamps of the packets about to be sent, cleared in the
 * mbufs so a buffer's next life starts without one. */
static inline void latency_take(struct rte_mbuf **pkts, uint16_t n, uint64_t *ts)
{
	for (uint16_t i = 0; i < n; i++) {
		uint64_t *f = pkt_rx_tsc(pkts[i]);

		ts[i] = *f;
		*f = 0;
	}
}

static inline unsigned latency_bucket(uint64_t ns)
{
	unsigned e;

	if (ns < LAT_SUB)
		return (unsigned)ns;
	e = 63u - (unsigned)__builtin_clzll(ns); /* >= LAT_SUB_BITS */
	return (e - LAT_SUB_BITS + 1) * LAT_SUB +
	       (unsigned)((ns >> (e - LAT_SUB_BITS)) & (LAT_SUB - 1));
}

/* After TX: the first sent stamps, against one TSC read. */
static inline void latency_record(struct latency_hist *h, const uint64_t *ts,
				  uint16_t sent)
{
	uint64_t now = rte_rdtsc();

	for (uint16_t i = 0; i < sent; i++) {
		uint64_t ns;

		if (ts[i] == 0 || ts[i] > now)
			continue;
		ns = (uint64_t)(((unsigned __int128)(now - ts[i]) * h->ns_mult) >> 32);
		if (ns > LAT_MAX_NS)
			continue;
		h->bucket[latency_bucket(ns)]++;
		h->samples++;
		if (ns > h->max_ns)
			h->max_ns = ns;
	}
}

#endif
