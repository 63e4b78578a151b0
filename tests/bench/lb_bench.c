/* Load balancer engine benchmark (issue 17 performance): new connections
 * per second, then established-connection translations per second, on one
 * core, without I/O, through one ClusterIP LB (TCP, 4 backends).
 *
 * usage: lb-bench [EAL args] -- [FLOWS]   (default 1000000; a 1,000-flow
 *        row follows when FLOWS > 1000)
 *
 * Each flow is a client -> VIP:80 TCP ACK packet written into one of 1024
 * mbufs just before it is translated (in bursts of 32, lb_process_burst,
 * as a worker would call it), so the figures include that write (about
 * what an RX burst costs in cache misses). */
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "lb.h"

#define NB_MBUFS 1024
#define BURST 32 /* divides NB_MBUFS */
#define L3_OFF RTE_ETHER_HDR_LEN
#define VIP RTE_IPV4(10, 96, 0, 10)

struct flow {
	uint32_t src;
	uint16_t sport;
};

static void write_packet(struct rte_mbuf *m, const struct flow *f)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, L3_OFF);
	struct rte_tcp_hdr *tcp = (struct rte_tcp_hdr *)(ip + 1);

	ip->src_addr = rte_cpu_to_be_32(f->src);
	ip->dst_addr = rte_cpu_to_be_32(VIP);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	tcp->src_port = rte_cpu_to_be_16(f->sport);
	tcp->dst_port = rte_cpu_to_be_16(80);
	tcp->tcp_flags = RTE_TCP_ACK_FLAG;
}

static struct rte_mbuf **make_mbufs(struct rte_mempool *mp)
{
	static struct rte_mbuf *ms[NB_MBUFS];

	for (unsigned i = 0; i < NB_MBUFS; i++) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(mp);

		if (m == NULL)
			return NULL;
		rte_pktmbuf_append(m, 64);
		struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, L3_OFF);

		ip->version_ihl = 0x45;
		ip->total_length = rte_cpu_to_be_16(50);
		ip->time_to_live = 64;
		ip->next_proto_id = IPPROTO_TCP;
		((struct rte_tcp_hdr *)(ip + 1))->data_off = 5 << 4;
		ms[i] = m;
	}
	return ms;
}

/* Translates every flow once, in bursts; returns seconds, counts the
 * packets forwarded and the connections made. */
static double pass(struct lb_engine *e, struct rte_mbuf **ms, const struct flow *flows,
		   uint32_t nb, uint64_t *fwd, uint64_t *made)
{
	struct lb_result r[BURST];
	uint16_t off[BURST];

	for (unsigned k = 0; k < BURST; k++)
		off[k] = L3_OFF;
	*fwd = *made = 0;
	uint64_t t0 = rte_rdtsc();

	for (uint32_t i = 0; i < nb; i += BURST) {
		struct rte_mbuf **m = &ms[i % NB_MBUFS];
		unsigned cnt = RTE_MIN((uint32_t)BURST, nb - i);

		for (unsigned k = 0; k < cnt; k++)
			write_packet(m[k], &flows[i + k]);
		lb_process_burst(e, 0, m, off, cnt, rte_rdtsc(), r);
		for (unsigned k = 0; k < cnt; k++) {
			*fwd += r[k].verdict == LB_FORWARD;
			*made += r[k].reason == LB_REASON_NEW_CONNECTION;
		}
	}
	return (double)(rte_rdtsc() - t0) / (double)rte_get_tsc_hz();
}

int main(int argc, char **argv)
{
	int eal = rte_eal_init(argc, argv);

	if (eal < 0)
		return 2;
	argc -= eal;
	argv += eal;
	uint32_t nb = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 1000000;
	struct lb_engine_config cfg;

	if (nb == 0)
		return 2;
	lb_engine_config_defaults(&cfg);
	cfg.max_lbs = 1024;
	cfg.max_conns = nb + nb / 4;
	struct lb_engine *e = lb_engine_create(&cfg);
	struct lb_backend b[4];

	for (unsigned i = 0; i < 4; i++)
		b[i] = (struct lb_backend){RTE_IPV4(10, 244, 1, 10 + i), 8080, 1};
	struct lb_config lc = {.vip = VIP, .proto = IPPROTO_TCP, .port = 80,
			       .nb_backends = 4, .backends = b};
	struct rte_mempool *mp = rte_pktmbuf_pool_create("bench", NB_MBUFS * 2, 0, 0, 256, 0);
	struct flow *flows = calloc(nb, sizeof(*flows));
	struct rte_mbuf **ms = mp == NULL ? NULL : make_mbufs(mp);
	char err[LB_ERR_MAX] = "";
	uint32_t h;

	if (e == NULL || ms == NULL || flows == NULL || lb_add(e, &lc, &h, err) < 0) {
		fprintf(stderr, "lb-bench: setup: %s\n", err[0] ? err : "out of memory");
		return 1;
	}
	for (uint32_t i = 0; i < nb; i++)   /* 1000 ports per client */
		flows[i] = (struct flow){RTE_IPV4(10, 1, 0, 0) + i / 1000,
					 (uint16_t)(10000 + i % 1000)};
	uint64_t fwd, made;
	double s = pass(e, ms, flows, nb, &fwd, &made);

	printf("lb new-connections %u flows: %.2f M conn/s (%" PRIu64 " made)\n",
	       nb, nb / s / 1e6, made);
	s = pass(e, ms, flows, nb, &fwd, &made);
	printf("lb established %u flows: %.2f Mpps (%" PRIu64 " translated)\n",
	       nb, nb / s / 1e6, fwd);
	if (nb > 1000) {
		uint32_t small = 1000;
		uint64_t total = 0;
		double t = 0;

		for (int r = 0; r < 1000; r++) {
			t += pass(e, ms, flows, small, &fwd, &made);
			total += fwd;
		}
		printf("lb established %u flows: %.2f Mpps\n", small, total / t / 1e6);
	}
	lb_engine_free(e);
	rte_eal_cleanup();
	return 0;
}
