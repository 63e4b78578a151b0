/* WinNAT core benchmark (issue 5 performance): new sessions per second,
 * then established-flow translation, on one core, without I/O.
 *
 * usage: winnat-bench [FLOWS] [SOCKETS]   (default 1000000 flows over 1000
 *        internal sockets, i.e. 1000 remote destinations per socket: with
 *        endpoint-independent mapping a socket is one binding, and one
 *        external address has at most ~64k ports per protocol)
 *
 * Each flow is an IPv4/UDP packet (checksum 0) from 10.0.0.0/8 written
 * into one of 1024 mbufs just before it is translated (in bursts of 32,
 * winnat_translate_burst, as the switch does), so the figures
 * include that write (about what an RX burst costs in cache misses). */
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "winnat.h"

#define NB_MBUFS 1024
#define BURST 32 /* divides NB_MBUFS */
#define L3_OFF RTE_ETHER_HDR_LEN

struct flow {
	uint32_t src, dst;
	uint16_t sport, dport;
};

static void write_packet(struct rte_mbuf *m, const struct flow *f)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, L3_OFF);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);

	ip->src_addr = rte_cpu_to_be_32(f->src);
	ip->dst_addr = rte_cpu_to_be_32(f->dst);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp->src_port = rte_cpu_to_be_16(f->sport);
	udp->dst_port = rte_cpu_to_be_16(f->dport);
	udp->dgram_cksum = 0;
}

static struct rte_mbuf **make_mbufs(struct rte_mempool *mp)
{
	static struct rte_mbuf *ms[NB_MBUFS];

	for (unsigned i = 0; i < NB_MBUFS; i++) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
		struct rte_ipv4_hdr *ip;

		if (m == NULL)
			return NULL;
		rte_pktmbuf_append(m, 64);
		ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, L3_OFF);
		ip->version_ihl = 0x45;
		ip->total_length = rte_cpu_to_be_16(46);
		ip->time_to_live = 64;
		ip->next_proto_id = IPPROTO_UDP;
		((struct rte_udp_hdr *)(ip + 1))->dgram_len = rte_cpu_to_be_16(26);
		ms[i] = m;
	}
	return ms;
}

/* Translates every flow once (in order), in bursts of BURST through
 * winnat_translate_burst as the switch does; returns seconds, counts
 * verdicts. */
static double pass(struct winnat *n, struct rte_mbuf **ms, const struct flow *flows,
		   uint32_t nb, uint32_t now, uint64_t *ok)
{
	enum winnat_verdict v[BURST];
	enum winnat_drop why[BURST];
	uint16_t off[BURST];
	uint64_t t0;

	for (unsigned k = 0; k < BURST; k++)
		off[k] = L3_OFF;
	t0 = rte_rdtsc();

	*ok = 0;
	for (uint32_t i = 0; i < nb; i += BURST) {
		struct rte_mbuf **m = &ms[i % NB_MBUFS];
		unsigned cnt = RTE_MIN((uint32_t)BURST, nb - i);

		for (unsigned k = 0; k < cnt; k++)
			write_packet(m[k], &flows[i + k]);
		winnat_translate_burst(n, false, m, off, cnt, now, NULL, v, why);
		for (unsigned k = 0; k < cnt; k++)
			*ok += v[k] == WINNAT_TO_OUTSIDE;
	}
	return (double)(rte_rdtsc() - t0) / (double)rte_get_tsc_hz();
}

int main(int argc, char **argv)
{
	int eal = rte_eal_init(argc, argv);
	uint32_t nb, sockets;
	struct winnat_config cfg;
	struct rte_mempool *mp;
	struct rte_mbuf **ms;
	struct flow *flows;
	struct winnat *n;
	char err[256];
	uint64_t ok;
	double s;

	if (eal < 0)
		return 2;
	argc -= eal;
	argv += eal;
	nb = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 1000000;
	sockets = argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 10) : 1000;
	if (nb == 0 || sockets == 0 || sockets > 60000)
		return 2;
	winnat_config_defaults(&cfg);
	snprintf(cfg.name, sizeof(cfg.name), "bench");
	cfg.compartment = 1;
	cfg.internal_prefix = RTE_IPV4(10, 0, 0, 0);
	cfg.internal_plen = 8;
	cfg.external_ip = RTE_IPV4(192, 0, 2, 10);
	cfg.gateway_ip = RTE_IPV4(10, 0, 0, 1);
	cfg.max_sessions = nb + nb / 4;
	n = winnat_create(&cfg, 0, err, sizeof(err));
	mp = rte_pktmbuf_pool_create("bench", NB_MBUFS * 2, 0, 0, 256, 0);
	flows = calloc(nb, sizeof(*flows));
	if (n == NULL || mp == NULL || flows == NULL || (ms = make_mbufs(mp)) == NULL) {
		fprintf(stderr, "winnat-bench: setup: %s\n", n == NULL ? err : "out of memory");
		return 1;
	}
	for (uint32_t i = 0; i < nb; i++) {
		uint32_t sock = i % sockets, remote = i / sockets;

		flows[i] = (struct flow){RTE_IPV4(10, 1, sock >> 8, sock & 255),
					 RTE_IPV4(100, 64, 0, 0) + remote,
					 (uint16_t)(5000 + sock), 53};
	}
	s = pass(n, ms, flows, nb, 1, &ok);
	printf("winnat new-sessions %u flows (%u sockets): %.2f M sessions/s (%" PRIu64 " made)\n",
	       nb, sockets, nb / s / 1e6, ok);
	s = pass(n, ms, flows, nb, 2, &ok);
	printf("winnat established %u flows: %.2f Mpps (%" PRIu64 " translated)\n",
	       nb, nb / s / 1e6, ok);
	if (nb > 1000) {
		uint32_t small = 1000;
		uint64_t total = 0;
		double t = 0;

		for (int r = 0; r < 1000; r++) {
			t += pass(n, ms, flows, small, 3, &ok);
			total += small;
		}
		printf("winnat established %u flows: %.2f Mpps\n", small, total / t / 1e6);
	}
	{
		uint64_t t0 = rte_rdtsc();
		unsigned gone = 0, step;

		while ((step = winnat_expire(n, 1000000, 4096, NULL)) != 0 || gone < ok)
			if ((gone += step) >= nb || step == 0)
				break;
		printf("winnat expire %u sessions: %.3f s\n", gone,
		       (double)(rte_rdtsc() - t0) / (double)rte_get_tsc_hz());
	}
	winnat_free(n);
	rte_eal_cleanup();
	return 0;
}
