#include "latency.h"

#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_malloc.h>

#include "worker.h"

int latency_ts_offset = -1;

int latency_register(char *err, size_t errlen)
{
	static const struct rte_mbuf_dynfield desc = {
		.name = "hvswitch_rx_tsc",
		.size = sizeof(uint64_t),
		.align = __alignof__(uint64_t),
	};

	latency_ts_offset = rte_mbuf_dynfield_register(&desc);
	if (latency_ts_offset < 0) {
		snprintf(err, errlen, "cannot register the latency mbuf field: %s",
			 rte_strerror(rte_errno));
		return -1;
	}
	return 0;
}

struct latency_hist *latency_hist_create(int socket)
{
	struct latency_hist *h = rte_zmalloc_socket("latency", sizeof(*h),
						    RTE_CACHE_LINE_SIZE, socket);
	uint64_t hz = rte_get_tsc_hz();

	if (h == NULL || hz == 0) {
		rte_free(h);
		return NULL;
	}
	h->ns_mult = (uint64_t)(((unsigned __int128)1000000000 << 32) / hz);
	return h;
}

void latency_hist_free(struct latency_hist *h)
{
	rte_free(h);
}

/* The middle of bucket b, in ns. */
static double bucket_mid_ns(unsigned b)
{
	unsigned e;
	uint64_t lo, width;

	if (b < LAT_SUB)
		return b + 0.5;
	e = b / LAT_SUB + LAT_SUB_BITS - 1;
	width = UINT64_C(1) << (e - LAT_SUB_BITS);
	lo = (UINT64_C(1) << e) + (uint64_t)(b % LAT_SUB) * width;
	return (double)lo + (double)width / 2;
}

void latency_summarize(const struct latency_hist *const *h, unsigned n,
		       struct latency_summary *out)
{
	uint64_t sum[LAT_BUCKETS];
	uint64_t total = 0, max_ns = 0, acc = 0;
	uint64_t want50, want99;
	bool got50 = false;

	memset(out, 0, sizeof(*out));
	memset(sum, 0, sizeof(sum));
	for (unsigned i = 0; i < n; i++) {
		if (h[i] == NULL)
			continue;
		for (unsigned b = 0; b < LAT_BUCKETS; b++)
			sum[b] += h[i]->bucket[b];
		if (h[i]->max_ns > max_ns)
			max_ns = h[i]->max_ns;
	}
	for (unsigned b = 0; b < LAT_BUCKETS; b++)
		total += sum[b];
	out->samples = total;
	out->max_us = (double)max_ns / 1000.0;
	if (total == 0)
		return;
	want50 = (total + 1) / 2;
	want99 = total - total / 100;
	for (unsigned b = 0; b < LAT_BUCKETS; b++) {
		acc += sum[b];
		if (!got50 && acc >= want50) {
			out->p50_us = bucket_mid_ns(b) / 1000.0;
			got50 = true;
		}
		if (acc >= want99) {
			out->p99_us = bucket_mid_ns(b) / 1000.0;
			break;
		}
	}
	/* a bucket's midpoint may lie above the largest sample in it */
	out->p50_us = RTE_MIN(out->p50_us, out->max_us);
	out->p99_us = RTE_MIN(out->p99_us, out->max_us);
}

int latency_enable(struct vswitch *sw, char *err, size_t errlen)
{
	if (latency_register(err, errlen) < 0)
		return -1;
	for (unsigned i = 0; i < sw->nb_workers; i++) {
		struct worker *w = sw->workers[i];

		w->lat = latency_hist_create((int)rte_lcore_to_socket_id(w->lcore));
		if (w->lat == NULL) {
			snprintf(err, errlen, "out of memory for the latency histograms");
			return -1;
		}
	}
	return 0;
}

void latency_switch_summary(const struct vswitch *sw, struct latency_summary *out)
{
	const struct latency_hist *h[RTE_MAX_LCORE];

	for (unsigned i = 0; i < sw->nb_workers; i++)
		h[i] = sw->workers[i]->lat;
	latency_summarize(h, sw->nb_workers, out);
}
