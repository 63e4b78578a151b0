/* Load balancer engine (lb/): Maglev spread and disruption, affinity,
 * connection persistence across updates, the NAT of every flag combination
 * (checksums against full recomputation), expiry, removed-backend
 * reporting, counters and bad input. */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <netinet/in.h>
#include <string.h>

#include <criterion/criterion.h>
#include <rte_cycles.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_jhash.h>
#include <rte_mbuf.h>
#include <rte_sctp.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "eal_fixture.h"
#include "lb.h"

#define L3 RTE_ETHER_HDR_LEN
#define PAYLOAD 16

static struct rte_mempool *mp;
static struct lb_engine *eng;

static void setup(void)
{
	struct lb_engine_config c;

	test_eal_init_mem("256");
	mp = rte_pktmbuf_pool_create("lb_test", 1024, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				     SOCKET_ID_ANY);
	cr_assert_not_null(mp);
	lb_engine_config_defaults(&c);
	c.max_lbs = 64;
	c.max_conns = 4096;
	c.udp_timeout = 30;
	eng = lb_engine_create(&c);
	cr_assert_not_null(eng);
}

static void teardown(void)
{
	lb_engine_free(eng);
	rte_mempool_free(mp);
	test_eal_cleanup();
}

TestSuite(lb, .init = setup, .fini = teardown, .timeout = 60);

static uint32_t ip4(unsigned a, unsigned b, unsigned c, unsigned d)
{
	return a << 24 | b << 16 | c << 8 | d;
}

static uint64_t rng_state = 0x1234567887654321ull;   /* fixed seed */

static uint32_t rng(void)   /* splitmix64 */
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return (uint32_t)((z ^ (z >> 31)) >> 32);
}

/* Reference CRC32c (bitwise) for SCTP. */
static uint32_t crc32c_ref(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffff;

	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0x82f63b78 & -(c & 1));
	}
	return ~c;
}

static struct rte_mbuf *packet(uint8_t proto, uint32_t src, uint16_t sport, uint32_t dst,
			       uint16_t dport, uint8_t tcp_flags, bool udp_no_cksum)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	size_t l4 = proto == IPPROTO_TCP ? sizeof(struct rte_tcp_hdr)
		  : proto == IPPROTO_UDP ? sizeof(struct rte_udp_hdr) : sizeof(struct rte_sctp_hdr);
	size_t len = L3 + sizeof(struct rte_ipv4_hdr) + l4 + PAYLOAD;
	uint8_t *d = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)len);

	memset(d, 0, len);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(d + L3);

	ip->version_ihl = 0x45;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(len - L3));
	ip->time_to_live = 64;
	ip->next_proto_id = proto;
	ip->src_addr = rte_cpu_to_be_32(src);
	ip->dst_addr = rte_cpu_to_be_32(dst);
	for (int i = 0; i < PAYLOAD; i++)
		d[len - PAYLOAD + i] = (uint8_t)(i * 7 + 1);
	struct rte_udp_hdr *u = (struct rte_udp_hdr *)(ip + 1);

	u->src_port = rte_cpu_to_be_16(sport);
	u->dst_port = rte_cpu_to_be_16(dport);
	if (proto == IPPROTO_TCP) {
		struct rte_tcp_hdr *t = (struct rte_tcp_hdr *)u;

		t->data_off = 5 << 4;
		t->tcp_flags = tcp_flags;
		t->cksum = rte_ipv4_udptcp_cksum(ip, t);
	} else if (proto == IPPROTO_UDP) {
		u->dgram_len = rte_cpu_to_be_16((uint16_t)(l4 + PAYLOAD));
		if (!udp_no_cksum)
			u->dgram_cksum = rte_ipv4_udptcp_cksum(ip, u);
	} else {
		struct rte_sctp_hdr *s = (struct rte_sctp_hdr *)u;

		s->cksum = rte_cpu_to_le_32(crc32c_ref((uint8_t *)s, l4 + PAYLOAD));
	}
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	return m;
}

static struct rte_ipv4_hdr *ip_of(struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, L3);
}

static uint32_t src_of(struct rte_mbuf *m) { return rte_be_to_cpu_32(ip_of(m)->src_addr); }
static uint32_t dst_of(struct rte_mbuf *m) { return rte_be_to_cpu_32(ip_of(m)->dst_addr); }
static uint16_t sport_of(struct rte_mbuf *m)
{
	return rte_be_to_cpu_16(((struct rte_udp_hdr *)(ip_of(m) + 1))->src_port);
}
static uint16_t dport_of(struct rte_mbuf *m)
{
	return rte_be_to_cpu_16(((struct rte_udp_hdr *)(ip_of(m) + 1))->dst_port);
}

/* Every checksum equals a full recomputation (UDP 0 stays 0). */
static void assert_checksums(struct rte_mbuf *m, bool udp_zero)
{
	struct rte_ipv4_hdr *ip = ip_of(m);
	uint16_t got = ip->hdr_checksum;

	ip->hdr_checksum = 0;
	cr_assert_eq(got, rte_ipv4_cksum(ip), "IPv4 header checksum");
	ip->hdr_checksum = got;
	void *l4 = ip + 1;

	if (ip->next_proto_id == IPPROTO_TCP) {
		struct rte_tcp_hdr *t = l4;

		got = t->cksum;
		t->cksum = 0;
		cr_assert_eq(got, rte_ipv4_udptcp_cksum(ip, t), "TCP checksum");
		t->cksum = got;
	} else if (ip->next_proto_id == IPPROTO_UDP) {
		struct rte_udp_hdr *u = l4;

		got = u->dgram_cksum;
		if (udp_zero) {
			cr_assert_eq(got, 0, "UDP checksum 0 must stay 0");
			return;
		}
		u->dgram_cksum = 0;
		cr_assert_eq(got, rte_ipv4_udptcp_cksum(ip, u), "UDP checksum");
		u->dgram_cksum = got;
	} else {
		struct rte_sctp_hdr *s = l4;
		size_t n = rte_be_to_cpu_16(ip->total_length) - sizeof(*ip);
		uint32_t c = s->cksum;

		s->cksum = 0;
		cr_assert_eq(c, rte_cpu_to_le_32(crc32c_ref(l4, n)), "SCTP CRC32c");
		s->cksum = c;
	}
}

static struct lb_result run1(struct rte_mbuf *m, uint64_t now)
{
	uint16_t off = L3;
	struct lb_result r;

	lb_process_burst(eng, 0, &m, &off, 1, now, &r);
	return r;
}

#define VIP ip4(10, 96, 0, 10)
#define CLIENT ip4(10, 244, 1, 5)

static struct lb_backend backends_n(unsigned i)
{
	return (struct lb_backend){ip4(10, 244, 2 + i / 250, 1 + i % 250), 8080, 1};
}

static uint32_t add_lb(uint8_t proto, uint32_t vip, unsigned nb, enum lb_distribution d,
		       bool dsr, uint32_t source_vip)
{
	static struct lb_backend b[LB_MAX_BACKENDS];
	struct lb_config c = {.vip = vip, .proto = proto, .port = 80, .distribution = d,
			      .dsr = dsr, .source_vip = source_vip, .nb_backends = nb,
			      .backends = b};
	char err[LB_ERR_MAX];
	uint32_t h;

	for (unsigned i = 0; i < nb; i++)
		b[i] = backends_n(i);
	cr_assert_eq(lb_add(eng, &c, &h, err), 0, "lb_add: %s", err);
	return h;
}

static int backend_index_of(uint32_t ip, uint16_t port, unsigned nb)
{
	for (unsigned i = 0; i < nb; i++)
		if (backends_n(i).ip == ip && backends_n(i).port == port)
			return (int)i;
	return -1;
}

/* ---- selection ---- */

Test(lb, spread_over_1000_backends_is_uniform)
{
	enum { NB = 1000, FLOWS = 1000000 };
	uint32_t h = add_lb(IPPROTO_TCP, VIP, NB, LB_DIST_FIVE_TUPLE, false, 0);
	static unsigned hits[NB];
	double chi2 = 0, expected = (double)FLOWS / NB;

	for (unsigned i = 0; i < FLOWS; i++) {
		uint32_t fh = lb_flow_hash(LB_DIST_FIVE_TUPLE, IPPROTO_TCP, rng(), VIP,
					   (uint16_t)rng(), 80);
		int b = lb_select_backend(eng, h, fh);

		cr_assert(b >= 0 && b < NB);
		hits[b]++;
	}
	for (unsigned b = 0; b < NB; b++)
		chi2 += (hits[b] - expected) * (hits[b] - expected) / expected;
	/* 999 degrees of freedom: the p = 0.001 critical value is ~1143 */
	cr_log_info("chi-square over 1000 backends: %.1f", chi2);
	cr_assert_lt(chi2, 1143.0, "chi-square %.1f", chi2);
}

static unsigned moved_flows(unsigned n_before, unsigned n_after, unsigned removed, unsigned flows)
{
	static struct lb_backend b[64];
	char err[LB_ERR_MAX];
	unsigned nb = 0, moved = 0;
	uint32_t h;

	for (unsigned i = 0; i < n_before; i++)
		b[nb++] = backends_n(i);
	struct lb_config c = {.vip = VIP, .proto = IPPROTO_TCP, .port = 80,
			      .nb_backends = nb, .backends = b};
	cr_assert_eq(lb_add(eng, &c, &h, err), 0);
	static uint32_t before[200000];
	uint64_t seed = rng_state;

	for (unsigned f = 0; f < flows; f++) {
		int i = lb_select_backend(eng, h, rng());

		before[f] = b[i].ip;
	}
	nb = 0;
	for (unsigned i = 0; i < n_after + (removed < n_before ? 1 : 0); i++)
		if (i != removed)
			b[nb++] = backends_n(i);
	cr_assert_eq(nb, n_after);
	c.nb_backends = nb;
	cr_assert_eq(lb_update(eng, h, &c, err), 0, "%s", err);
	rng_state = seed;
	for (unsigned f = 0; f < flows; f++)
		moved += b[lb_select_backend(eng, h, rng())].ip != before[f];
	return moved;
}

Test(lb, removing_one_of_n_backends_moves_about_one_nth)
{
	enum { N = 20, FLOWS = 200000 };
	double frac = (double)moved_flows(N, N - 1, 7, FLOWS) / FLOWS;

	/* the removed backend's 1/N must move; Maglev moves a few more */
	cr_log_info("remove 1 of %d: %.4f of flows moved", N, frac);
	cr_assert(frac >= 1.0 / N * 0.95 && frac <= 1.0 / N + 0.02, "moved %.4f", frac);
}

/* The Maglev fill as the paper gives it: every backend probes its
 * permutation to the end (maglev.c finds the last sqrt(M) slots another
 * way, which must give the same table). */
static uint16_t *maglev_reference(const struct lb_backend *b, unsigned n, uint32_t *m_out)
{
	uint32_t total = 0, m = 1024, filled = 0;

	for (unsigned i = 0; i < n; i++)
		total += b[i].weight ? b[i].weight : 1;
	while (m < total * 100)
		m *= 4;
	for (bool prime = false; !prime; m += prime ? 0 : 1) {
		prime = true;
		for (uint32_t d = 2; (uint64_t)d * d <= m && prime; d++)
			prime = m % d != 0;
	}
	uint16_t *t = malloc(m * sizeof(*t));
	uint32_t *next = calloc(n, sizeof(*next));

	memset(t, 0xff, m * sizeof(*t));
	while (filled < m)
		for (unsigned i = 0; i < n && filled < m; i++)
			for (unsigned k = 0; k < (b[i].weight ? b[i].weight : 1u) && filled < m; k++) {
				uint32_t off = rte_jhash_2words(b[i].ip, b[i].port, 0x9e3779b9u) % m;
				uint32_t skip = rte_jhash_2words(b[i].ip, b[i].port, 0x85ebca6bu) %
						(m - 1) + 1, c;

				do
					c = (uint32_t)((off + (uint64_t)next[i]++ * skip) % m);
				while (t[c] != UINT16_MAX);
				t[c] = (uint16_t)i;
				filled++;
			}
	free(next);
	*m_out = m;
	return t;
}

Test(lb, maglev_fill_matches_probing_to_the_end)
{
	static struct lb_backend b[300];
	const unsigned sizes[] = {1, 2, 4, 7, 10, 11, 41, 300};
	char err[LB_ERR_MAX];

	for (unsigned c = 0; c < sizeof(sizes) / sizeof(sizes[0]); c++) {
		unsigned n = sizes[c];
		uint32_t m, h;

		for (unsigned i = 0; i < n; i++) {
			b[i] = backends_n(i * 7 + c);
			b[i].weight = (uint16_t)(c % 2 ? i % 3 + 1 : 1);
		}
		struct lb_config lc = {.vip = VIP + c, .proto = IPPROTO_TCP, .port = 80,
				       .nb_backends = n, .backends = b};
		uint16_t *ref = maglev_reference(b, n, &m);

		cr_assert_eq(lb_add(eng, &lc, &h, err), 0, "%s", err);
		for (uint32_t slot = 0; slot < m; slot++) {
			/* the smallest hash that lands on this slot */
			uint32_t hash = (uint32_t)((((uint64_t)slot << 32) + m - 1) / m);

			cr_assert_eq(lb_select_backend(eng, h, hash), ref[slot],
				     "%u backends (M %u): slot %u is backend %d, want %u", n, m,
				     slot, lb_select_backend(eng, h, hash), ref[slot]);
		}
		free(ref);
	}
}

Test(lb, adding_a_backend_moves_about_one_in_n_plus_one)
{
	enum { N = 20, FLOWS = 200000 };
	double frac = (double)moved_flows(N, N + 1, UINT32_MAX, FLOWS) / FLOWS;

	cr_log_info("add 1 to %d: %.4f of flows moved", N, frac);
	cr_assert(frac >= 1.0 / (N + 1) * 0.9 && frac <= 1.0 / (N + 1) + 0.02, "moved %.4f", frac);
}

Test(lb, client_ip_affinity_pins_every_port_of_a_client)
{
	add_lb(IPPROTO_TCP, VIP, 16, LB_DIST_CLIENT_IP, false, 0);
	uint32_t first = 0, seen_other = 0;

	for (unsigned p = 0; p < 200; p++) {
		struct rte_mbuf *m = packet(IPPROTO_TCP, CLIENT, (uint16_t)(20000 + p), VIP, 80,
					    RTE_TCP_SYN_FLAG, false);
		struct lb_result r = run1(m, 1);

		cr_assert_eq(r.verdict, LB_FORWARD);
		if (p == 0)
			first = dst_of(m);
		cr_assert_eq(dst_of(m), first, "port %u went elsewhere", 20000 + p);
		rte_pktmbuf_free(m);
	}
	for (unsigned c = 0; c < 50; c++) {   /* other clients spread */
		struct rte_mbuf *m = packet(IPPROTO_TCP, CLIENT + 1 + c, 30000, VIP, 80,
					    RTE_TCP_SYN_FLAG, false);

		run1(m, 1);
		seen_other += dst_of(m) != first;
		rte_pktmbuf_free(m);
	}
	cr_assert_gt(seen_other, 0);
}

/* ---- connections ---- */

Test(lb, established_connections_keep_their_backend_across_an_update)
{
	enum { CONNS = 300 };
	uint32_t h = add_lb(IPPROTO_UDP, VIP, 4, LB_DIST_FIVE_TUPLE, false, 0);
	uint32_t chosen[CONNS];
	char err[LB_ERR_MAX];

	for (unsigned i = 0; i < CONNS; i++) {
		struct rte_mbuf *m = packet(IPPROTO_UDP, CLIENT, (uint16_t)(1000 + i), VIP, 80, 0, false);
		struct lb_result r = run1(m, 1);

		cr_assert_eq(r.reason, LB_REASON_NEW_CONNECTION);
		chosen[i] = dst_of(m);
		rte_pktmbuf_free(m);
	}
	struct lb_backend b[12];   /* the same 4, reordered, and 8 more */

	for (unsigned i = 0; i < 12; i++)
		b[i] = backends_n(11 - i);
	struct lb_config c = {.vip = VIP, .proto = IPPROTO_UDP, .port = 80,
			      .nb_backends = 12, .backends = b};
	cr_assert_eq(lb_update(eng, h, &c, err), 0, "%s", err);
	unsigned on_new = 0;

	for (unsigned i = 0; i < CONNS; i++) {
		struct rte_mbuf *m = packet(IPPROTO_UDP, CLIENT, (uint16_t)(1000 + i), VIP, 80, 0, false);
		struct lb_result r = run1(m, 2);

		cr_assert_eq(r.verdict, LB_FORWARD);
		cr_assert_eq(r.reason, LB_REASON_NONE);
		cr_assert_eq(dst_of(m), chosen[i], "connection %u changed backend", i);
		rte_pktmbuf_free(m);
		m = packet(IPPROTO_UDP, ip4(10, 1, 1, 1), (uint16_t)(1000 + i), VIP, 80, 0, false);
		run1(m, 2);
		on_new += backend_index_of(dst_of(m), 8080, 12) >= 4;
		rte_pktmbuf_free(m);
	}
	cr_assert_gt(on_new, CONNS / 3, "new connections must use the new backends");
	cr_assert_eq(lb_worker_conn_count(eng, 0), 2 * CONNS);
}

struct reports {
	unsigned n, by_reason[8];
	uint32_t backend[64];
};

static void record(const struct lb_conn_info *c, enum lb_reason why, void *arg)
{
	struct reports *r = arg;

	if (r->n < 64)
		r->backend[r->n] = c->backend_ip;
	r->n++;
	r->by_reason[why]++;
}

Test(lb, connections_expire_after_their_timeout)
{
	add_lb(IPPROTO_UDP, VIP, 2, LB_DIST_FIVE_TUPLE, false, 0);
	uint64_t hz = rte_get_tsc_hz();
	struct reports rep = {0};

	for (unsigned i = 0; i < 10; i++) {
		struct rte_mbuf *m = packet(IPPROTO_UDP, CLIENT, (uint16_t)(1000 + i), VIP, 80, 0, false);

		run1(m, 1000);
		rte_pktmbuf_free(m);
	}
	cr_assert_eq(lb_worker_sweep(eng, 0, 1000 + 29 * hz, 1u << 20, record, &rep), 0);
	cr_assert_eq(lb_worker_sweep(eng, 0, 1000 + 31 * hz, 1u << 20, record, &rep), 10);
	cr_assert_eq(rep.by_reason[LB_REASON_EXPIRED], 10);
	cr_assert_eq(lb_worker_conn_count(eng, 0), 0);
}

Test(lb, removed_backend_connections_are_reported_and_dropped)
{
	enum { CONNS = 40 };
	uint32_t h = add_lb(IPPROTO_TCP, VIP, 2, LB_DIST_FIVE_TUPLE, false, 0);
	unsigned on0 = 0;
	char err[LB_ERR_MAX];

	for (unsigned i = 0; i < CONNS; i++) {
		struct rte_mbuf *m = packet(IPPROTO_TCP, CLIENT, (uint16_t)(1000 + i), VIP, 80,
					    RTE_TCP_SYN_FLAG, false);

		run1(m, 1);
		on0 += dst_of(m) == backends_n(0).ip;
		rte_pktmbuf_free(m);
	}
	cr_assert(on0 > 0 && on0 < CONNS);
	struct lb_backend keep = backends_n(1);
	struct lb_config c = {.vip = VIP, .proto = IPPROTO_TCP, .port = 80,
			      .nb_backends = 1, .backends = &keep};
	cr_assert_eq(lb_update(eng, h, &c, err), 0);

	/* a packet of a removed backend's connection before the sweep: dropped */
	unsigned first_on0 = 0;
	for (unsigned i = 0; i < CONNS; i++) {
		struct rte_mbuf *m = packet(IPPROTO_TCP, CLIENT, (uint16_t)(1000 + i), VIP, 80,
					    RTE_TCP_ACK_FLAG, false);
		struct lb_result r = run1(m, 2);

		rte_pktmbuf_free(m);
		if (r.verdict == LB_DROP) {
			cr_assert_eq(r.reason, LB_REASON_BACKEND_REMOVED);
			first_on0 = i;
			break;
		}
		cr_assert_eq(r.verdict, LB_FORWARD);
	}
	struct reports rep = {0};

	/* before they expire the sweep leaves the removed backend's TCP
	 * connections: each one's next packet is the one that gets the RST
	 * (counted), not a mid-stream packet to a new backend */
	cr_assert_eq(lb_worker_sweep(eng, 0, 3, 1u << 20, record, &rep), 0);
	cr_assert_eq(lb_worker_conn_count(eng, 0), CONNS - 1);
	/* expired, they are reported with their reason and deleted */
	cr_assert_eq(lb_worker_sweep(eng, 0, UINT64_MAX / 2, 1u << 20, record, &rep),
		     CONNS - 1);
	cr_assert_eq(rep.by_reason[LB_REASON_BACKEND_REMOVED], on0 - 1);
	cr_assert_eq(rep.by_reason[LB_REASON_EXPIRED], CONNS - on0);
	for (unsigned i = 0; i < rep.n && i < 64; i++)
		if (rep.backend[i] != backends_n(1).ip)
			cr_assert_eq(rep.backend[i], backends_n(0).ip);
	cr_assert_eq(lb_worker_conn_count(eng, 0), 0);
	/* the dropped connection reconnects to the remaining backend */
	struct rte_mbuf *m = packet(IPPROTO_TCP, CLIENT, (uint16_t)(1000 + first_on0), VIP, 80,
				    RTE_TCP_SYN_FLAG, false);
	struct lb_result r = run1(m, 4);

	cr_assert_eq(r.reason, LB_REASON_NEW_CONNECTION);
	cr_assert_eq(dst_of(m), backends_n(1).ip);
	rte_pktmbuf_free(m);
}

Test(lb, removing_the_lb_reports_its_connections)
{
	uint32_t h = add_lb(IPPROTO_UDP, VIP, 3, LB_DIST_FIVE_TUPLE, false, 0);
	struct reports rep = {0};

	for (unsigned i = 0; i < 5; i++) {
		struct rte_mbuf *m = packet(IPPROTO_UDP, CLIENT, (uint16_t)(1000 + i), VIP, 80, 0, false);

		run1(m, 1);
		rte_pktmbuf_free(m);
	}
	cr_assert_eq(lb_remove(eng, h), 0);
	cr_assert_eq(lb_worker_sweep(eng, 0, 2, 1u << 20, record, &rep), 5);
	cr_assert_eq(rep.by_reason[LB_REASON_LB_REMOVED], 5);
	struct rte_mbuf *m = packet(IPPROTO_UDP, CLIENT, 1000, VIP, 80, 0, false);

	cr_assert_eq(run1(m, 3).verdict, LB_PASS);
	rte_pktmbuf_free(m);
}

/* ---- translation ---- */

static void nat_round_trip(uint8_t proto, bool dsr, uint32_t source_vip, bool udp_zero)
{
	uint32_t h = add_lb(proto, VIP, 3, LB_DIST_FIVE_TUPLE, dsr, source_vip);
	struct rte_mbuf *m = packet(proto, CLIENT, 40000, VIP, 80, RTE_TCP_SYN_FLAG, udp_zero);
	struct lb_result r = run1(m, 1);

	cr_assert_eq(r.verdict, LB_FORWARD);
	cr_assert_eq(r.reason, LB_REASON_NEW_CONNECTION);
	cr_assert_eq(r.lb, h);
	uint32_t dip = dst_of(m);

	cr_assert_geq(backend_index_of(dip, dport_of(m), 3), 0, "DNAT to a backend");
	cr_assert_eq(dport_of(m), 8080);
	cr_assert_eq(src_of(m), source_vip && !dsr ? source_vip : CLIENT);
	cr_assert_eq(sport_of(m), 40000);
	assert_checksums(m, udp_zero);
	rte_pktmbuf_free(m);

	/* the backend's answer */
	uint32_t reply_dst = source_vip && !dsr ? source_vip : CLIENT;

	m = packet(proto, dip, 8080, reply_dst, 40000, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG,
		   udp_zero);
	r = run1(m, 2);
	if (dsr) {
		cr_assert_eq(r.verdict, LB_PASS, "DSR: the backend answers the client directly");
		cr_assert_eq(src_of(m), dip);
	} else {
		cr_assert_eq(r.verdict, LB_REPLY);
		cr_assert_eq(src_of(m), VIP);
		cr_assert_eq(sport_of(m), 80);
		cr_assert_eq(dst_of(m), CLIENT);
		cr_assert_eq(dport_of(m), 40000);
		assert_checksums(m, udp_zero);
	}
	rte_pktmbuf_free(m);
}

Test(lb, tcp_dnat_and_reply) { nat_round_trip(IPPROTO_TCP, false, 0, false); }
Test(lb, udp_dnat_and_reply) { nat_round_trip(IPPROTO_UDP, false, 0, false); }
Test(lb, udp_without_checksum_keeps_zero) { nat_round_trip(IPPROTO_UDP, false, 0, true); }
Test(lb, sctp_dnat_and_reply_crc32c) { nat_round_trip(IPPROTO_SCTP, false, 0, false); }
Test(lb, tcp_source_vip_snat_and_reply) { nat_round_trip(IPPROTO_TCP, false, ip4(10, 244, 1, 2), false); }
Test(lb, udp_source_vip_snat_and_reply) { nat_round_trip(IPPROTO_UDP, false, ip4(10, 244, 1, 2), false); }
Test(lb, tcp_dsr_has_no_reverse) { nat_round_trip(IPPROTO_TCP, true, 0, false); }
Test(lb, udp_dsr_has_no_reverse) { nat_round_trip(IPPROTO_UDP, true, 0, false); }

Test(lb, nodeport_answers_on_host_addresses_only)
{
	uint32_t hosts[] = {ip4(192, 168, 1, 10), ip4(172, 16, 0, 1)};

	cr_assert_eq(lb_set_host_addresses(eng, hosts, 2), 0);
	add_lb(IPPROTO_TCP, 0, 2, LB_DIST_FIVE_TUPLE, false, 0);
	for (unsigned i = 0; i < 2; i++) {
		struct rte_mbuf *m = packet(IPPROTO_TCP, CLIENT, 5000, hosts[i], 80,
					    RTE_TCP_SYN_FLAG, false);

		cr_assert_eq(run1(m, 1).verdict, LB_FORWARD);
		cr_assert_eq(dport_of(m), 8080);
		assert_checksums(m, false);
		rte_pktmbuf_free(m);
	}
	struct rte_mbuf *m = packet(IPPROTO_TCP, CLIENT, 5000, ip4(192, 168, 1, 11), 80,
				    RTE_TCP_SYN_FLAG, false);

	cr_assert_eq(run1(m, 1).verdict, LB_PASS);
	cr_assert_eq(dst_of(m), ip4(192, 168, 1, 11));
	rte_pktmbuf_free(m);
}

/* ---- PortMapping Flags: who may open a connection, PreserveDIP ---- */

static struct lb_result run1_from(struct rte_mbuf *m, enum lb_origin origin, uint64_t now)
{
	uint16_t off = L3;
	struct lb_result r;

	lb_process_burst_from(eng, 0, origin, &m, &off, NULL, 1, now, &r);
	return r;
}

/* An LB on port 80 with nb of backends_n's backends (8080), its reach and
 * PreserveDIP from HNS PortMapping Flags pm_flags. */
static uint32_t add_lb_hns(uint32_t vip, uint8_t proto, unsigned nb, uint32_t pm_flags)
{
	static struct lb_backend b[2];
	struct lb_config c = {.vip = vip, .proto = proto, .port = 80, .nb_backends = nb,
			      .backends = b};
	char err[LB_ERR_MAX];
	uint32_t h;

	for (unsigned i = 0; i < nb; i++)
		b[i] = backends_n(i);
	lb_config_set_hns_flags(&c, pm_flags);
	cr_assert_eq(lb_add(eng, &c, &h, err), 0, "lb_add: %s", err);
	return h;
}

/* Does a SYN from origin to dst:80 open a connection (DNAT to :8080)? */
static bool opens_from(enum lb_origin origin, uint32_t dst, uint16_t sport)
{
	struct rte_mbuf *m = packet(IPPROTO_TCP, CLIENT, sport, dst, 80, RTE_TCP_SYN_FLAG, false);
	struct lb_result r = run1_from(m, origin, 1);
	bool opened = r.verdict == LB_FORWARD;

	if (!opened) {
		cr_assert_eq(r.verdict, LB_PASS);
		cr_assert_eq(dst_of(m), dst, "a frontend out of reach leaves the packet alone");
		cr_assert_eq(dport_of(m), 80);
	}
	rte_pktmbuf_free(m);
	return opened;
}

Test(lb, ilb_frontend_takes_no_connection_from_the_uplink)
{
	uint32_t h = add_lb_hns(VIP, IPPROTO_TCP, 2, LB_PM_ILB);

	cr_assert(!opens_from(LB_FROM_UPLINK, VIP, 1000));
	cr_assert(opens_from(LB_FROM_ENDPOINT, VIP, 1001));
	cr_assert(opens_from(LB_FROM_HOST, VIP, 1002), "a ClusterIP is the host's too");
	/* ILB wins over VipExternalIP */
	cr_assert_eq(lb_remove(eng, h), 0);
	lb_reclaim_wait(eng);
	add_lb_hns(VIP, IPPROTO_TCP, 2, LB_PM_ILB | LB_PM_VIP_EXTERNAL_IP);
	cr_assert(!opens_from(LB_FROM_UPLINK, VIP, 1003));
}

Test(lb, clusterip_without_ilb_is_reachable_from_everywhere)
{
	add_lb_hns(VIP, IPPROTO_TCP, 2, 0);
	cr_assert(opens_from(LB_FROM_UPLINK, VIP, 1000));
	cr_assert(opens_from(LB_FROM_ENDPOINT, VIP, 1001));
	cr_assert(opens_from(LB_FROM_HOST, VIP, 1002));
}

Test(lb, nodeport_answers_the_host_vnic_only_with_local_routed_vip)
{
	uint32_t node = ip4(192, 168, 1, 10);

	cr_assert_eq(lb_set_host_addresses(eng, &node, 1), 0);
	uint32_t h = add_lb_hns(0, IPPROTO_TCP, 2, LB_PM_VIP_EXTERNAL_IP);

	cr_assert(!opens_from(LB_FROM_HOST, node, 1000));
	cr_assert(opens_from(LB_FROM_UPLINK, node, 1001));
	cr_assert(opens_from(LB_FROM_ENDPOINT, node, 1002));
	cr_assert_eq(lb_remove(eng, h), 0);
	lb_reclaim_wait(eng);
	add_lb_hns(0, IPPROTO_TCP, 2, LB_PM_LOCAL_ROUTED_VIP | LB_PM_VIP_EXTERNAL_IP); /* kube-proxy's 18 */
	cr_assert(opens_from(LB_FROM_HOST, node, 1003));
	cr_assert(opens_from(LB_FROM_UPLINK, node, 1004));
}

Test(lb, reach_is_checked_when_a_connection_opens_only)
{
	/* a connection the host opened before its LB lost LocalRoutedVIP
	 * carries on: the flags decide new connections */
	uint32_t node = ip4(192, 168, 1, 10);
	struct lb_backend b[1] = {backends_n(0)};
	struct lb_config c = {.vip = 0, .proto = IPPROTO_TCP, .port = 80, .nb_backends = 1,
			      .backends = b};
	char err[LB_ERR_MAX];
	uint32_t h;

	cr_assert_eq(lb_set_host_addresses(eng, &node, 1), 0);
	lb_config_set_hns_flags(&c, LB_PM_LOCAL_ROUTED_VIP);
	cr_assert_eq(lb_add(eng, &c, &h, err), 0, "%s", err);
	cr_assert(opens_from(LB_FROM_HOST, node, 2000));
	lb_config_set_hns_flags(&c, 0);
	cr_assert_eq(lb_update(eng, h, &c, err), 0, "%s", err);
	struct rte_mbuf *m = packet(IPPROTO_TCP, CLIENT, 2000, node, 80, RTE_TCP_ACK_FLAG, false);

	cr_assert_eq(run1_from(m, LB_FROM_HOST, 2).verdict, LB_FORWARD);
	rte_pktmbuf_free(m);
	cr_assert(!opens_from(LB_FROM_HOST, node, 2001));
}

static void preserve_dip_round_trip(uint8_t proto)
{
	add_lb_hns(VIP, proto, 1, LB_PM_PRESERVE_DIP | LB_PM_VIP_EXTERNAL_IP);

	struct rte_mbuf *m = packet(proto, CLIENT, 40000, VIP, 80, RTE_TCP_SYN_FLAG, false);
	struct lb_result r = run1(m, 1);

	cr_assert_eq(r.verdict, LB_FORWARD);
	cr_assert_eq(dst_of(m), VIP, "PreserveDIP: the destination stays the VIP");
	cr_assert_eq(dport_of(m), 8080, "the port is the backend's");
	cr_assert_eq(src_of(m), CLIENT);
	cr_assert_eq(rte_be_to_cpu_32(r.next_hop), backends_n(0).ip, "delivered to the backend");
	assert_checksums(m, false);
	rte_pktmbuf_free(m);

	/* the backend answers from the VIP (it holds it) and its port */
	m = packet(proto, VIP, 8080, CLIENT, 40000, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, false);
	r = run1(m, 2);
	cr_assert_eq(r.verdict, LB_REPLY);
	cr_assert_eq(src_of(m), VIP);
	cr_assert_eq(sport_of(m), 80);
	cr_assert_eq(dst_of(m), CLIENT);
	cr_assert_eq(rte_be_to_cpu_32(r.next_hop), CLIENT);
	assert_checksums(m, false);
	rte_pktmbuf_free(m);
}

Test(lb, preserve_dip_tcp_keeps_the_vip_and_translates_the_port) { preserve_dip_round_trip(IPPROTO_TCP); }
Test(lb, preserve_dip_udp_keeps_the_vip_and_translates_the_port) { preserve_dip_round_trip(IPPROTO_UDP); }
Test(lb, preserve_dip_sctp_keeps_the_vip_and_translates_the_port) { preserve_dip_round_trip(IPPROTO_SCTP); }

Test(lb, next_hop_is_the_new_destination_without_preserve_dip)
{
	add_lb(IPPROTO_TCP, VIP, 1, LB_DIST_FIVE_TUPLE, false, 0);
	struct rte_mbuf *m = packet(IPPROTO_TCP, CLIENT, 40000, VIP, 80, RTE_TCP_SYN_FLAG, false);
	struct lb_result r = run1(m, 1);

	cr_assert_eq(r.verdict, LB_FORWARD);
	cr_assert_eq(rte_be_to_cpu_32(r.next_hop), dst_of(m));
	cr_assert_eq(dst_of(m), backends_n(0).ip);
	rte_pktmbuf_free(m);
}

Test(lb, other_traffic_passes_untouched)
{
	add_lb(IPPROTO_TCP, VIP, 2, LB_DIST_FIVE_TUPLE, false, 0);
	struct rte_mbuf *m[3] = {
		packet(IPPROTO_UDP, CLIENT, 5000, VIP, 80, 0, false),        /* other protocol */
		packet(IPPROTO_TCP, CLIENT, 5000, VIP, 81, 0, false),        /* other port */
		packet(IPPROTO_TCP, CLIENT, 5000, VIP + 1, 80, 0, false),    /* other address */
	};
	uint16_t off[3] = {L3, L3, L3};
	struct lb_result r[3];

	lb_process_burst(eng, 0, m, off, 3, 1, r);
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(r[i].verdict, LB_PASS);
		rte_pktmbuf_free(m[i]);
	}
}

Test(lb, counters_per_lb_and_backend)
{
	uint32_t h = add_lb(IPPROTO_UDP, VIP, 2, LB_DIST_FIVE_TUPLE, false, 0);
	uint32_t pkt_len = 0;

	for (unsigned i = 0; i < 10; i++)
		for (unsigned k = 0; k < 3; k++) {
			struct rte_mbuf *m = packet(IPPROTO_UDP, CLIENT, (uint16_t)(1000 + i), VIP,
						    80, 0, false);

			pkt_len = m->pkt_len;
			run1(m, 1);
			rte_pktmbuf_free(m);
		}
	struct lb_counters t, b[2];

	cr_assert_eq(lb_read_counters(eng, h, &t, b, 2), 0);
	cr_assert_eq(t.packets, 30);
	cr_assert_eq(t.bytes, 30ull * pkt_len);
	cr_assert_eq(t.connections, 10);
	cr_assert_eq(b[0].packets + b[1].packets, 30);
	cr_assert_eq(b[0].connections + b[1].connections, 10);
	cr_assert(b[0].connections > 0 && b[1].connections > 0);
}

/* ---- bad input ---- */

Test(lb, lb_without_backends_is_refused)
{
	struct lb_config c = {.vip = VIP, .proto = IPPROTO_TCP, .port = 80};
	char err[LB_ERR_MAX] = "";
	uint32_t h;

	cr_assert_eq(lb_add(eng, &c, &h, err), -EINVAL);
	cr_assert_not_null(strstr(err, "backend"), "%s", err);
}

Test(lb, duplicate_frontend_is_refused)
{
	add_lb(IPPROTO_TCP, VIP, 2, LB_DIST_FIVE_TUPLE, false, 0);
	struct lb_backend b = backends_n(5);
	struct lb_config c = {.vip = VIP, .proto = IPPROTO_TCP, .port = 80,
			      .nb_backends = 1, .backends = &b};
	char err[LB_ERR_MAX] = "";
	uint32_t h;

	cr_assert_eq(lb_add(eng, &c, &h, err), -EEXIST);
	cr_assert_not_null(strstr(err, "already used"), "%s", err);
	c.proto = IPPROTO_UDP;   /* same VIP and port, other protocol: fine */
	cr_assert_eq(lb_add(eng, &c, &h, err), 0, "%s", err);
	c.proto = 1;
	cr_assert_eq(lb_add(eng, &c, &h, err), -EINVAL);
	cr_assert_eq(lb_update(eng, 63, &c, err), -ENOENT);
}

/* ---- RCU: a worker thread translating while the control thread updates ---- */

struct worker_ctx {
	struct lb_engine *e;
	struct rte_rcu_qsbr *qsbr;
	volatile bool stop;
	uint64_t rounds, changed, not_forwarded;
};

static void *worker_main(void *arg)
{
	enum { FLOWS = 32 };
	struct worker_ctx *w = arg;
	struct rte_mbuf *m[FLOWS];
	uint16_t off[FLOWS];
	struct lb_result r[FLOWS];
	uint32_t first[FLOWS];

	rte_rcu_qsbr_thread_register(w->qsbr, 0);
	rte_rcu_qsbr_thread_online(w->qsbr, 0);
	for (unsigned i = 0; i < FLOWS; i++)
		off[i] = L3;
	while (!w->stop) {
		for (unsigned i = 0; i < FLOWS; i++)
			m[i] = packet(IPPROTO_UDP, CLIENT, (uint16_t)(1000 + i), VIP, 80, 0, false);
		lb_process_burst(w->e, 0, m, off, FLOWS, rte_rdtsc(), r);
		for (unsigned i = 0; i < FLOWS; i++) {
			if (w->rounds == 0)
				first[i] = dst_of(m[i]);
			w->changed += dst_of(m[i]) != first[i];
			w->not_forwarded += r[i].verdict != LB_FORWARD;
			rte_pktmbuf_free(m[i]);
		}
		w->rounds++;
		rte_rcu_qsbr_quiescent(w->qsbr, 0);
	}
	rte_rcu_qsbr_thread_offline(w->qsbr, 0);
	rte_rcu_qsbr_thread_unregister(w->qsbr, 0);
	return NULL;
}

Test(lb, updates_under_traffic_never_move_established_connections)
{
	struct rte_rcu_qsbr *q = rte_zmalloc(NULL, rte_rcu_qsbr_get_memsize(1), RTE_CACHE_LINE_SIZE);
	struct lb_engine_config c;

	cr_assert_not_null(q);
	cr_assert_eq(rte_rcu_qsbr_init(q, 1), 0);
	lb_engine_config_defaults(&c);
	c.max_lbs = 8;
	c.max_conns = 1024;
	c.qsbr = q;
	struct worker_ctx w = {.e = lb_engine_create(&c), .qsbr = q};
	struct lb_backend b[8];
	char err[LB_ERR_MAX];
	uint32_t h;

	cr_assert_not_null(w.e);
	for (unsigned i = 0; i < 8; i++)
		b[i] = backends_n(i);
	struct lb_config lc = {.vip = VIP, .proto = IPPROTO_UDP, .port = 80,
			       .nb_backends = 4, .backends = b};
	cr_assert_eq(lb_add(w.e, &lc, &h, err), 0);
	pthread_t t;

	cr_assert_eq(pthread_create(&t, NULL, worker_main, &w), 0);
	while (__atomic_load_n(&w.rounds, __ATOMIC_RELAXED) == 0)
		sched_yield();
	for (unsigned u = 0; u < 300; u++) {   /* backends 0-3 stay, 4-7 come and go */
		lc.nb_backends = u % 2 ? 4 : 8;
		cr_assert_eq(lb_update(w.e, h, &lc, err), 0, "%s", err);
		lb_reclaim(w.e);   /* as the control loop does */
	}
	w.stop = true;
	pthread_join(t, NULL);
	cr_assert_eq(lb_reclaim(w.e), 0, "the worker is offline: every old view is freed");
	cr_log_info("worker rounds during 300 updates: %" PRIu64, w.rounds);
	cr_assert_gt(w.rounds, 1);
	cr_assert_eq(w.changed, 0, "%" PRIu64 " packets changed backend", w.changed);
	cr_assert_eq(w.not_forwarded, 0);
	lb_engine_free(w.e);
	rte_free(q);
}

/* ---- deferred reclamation: a writer never waits for a worker ---- */

static void backend_packets(uint32_t h, struct lb_counters *b, unsigned n)
{
	struct lb_counters t;

	memset(b, 0, n * sizeof(*b));
	cr_assert_eq(lb_read_counters(eng, h, &t, b, n), 0);
}

static void send_udp_flows(unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct rte_mbuf *m = packet(IPPROTO_UDP, CLIENT, (uint16_t)(1000 + i), VIP,
					    80, 0, false);

		cr_assert_eq(run1(m, 1).verdict, LB_FORWARD);
		rte_pktmbuf_free(m);
	}
}

/* This thread is also the worker, online and reporting no quiescent state
 * until the end: an update that waited for a grace period (the old
 * rte_rcu_qsbr_synchronize) would never return and the test would time
 * out. */
Test(lb, updates_and_removals_do_not_wait_for_a_worker_holding_the_old_view,
     .timeout = 20)
{
	struct rte_rcu_qsbr *q = rte_zmalloc(NULL, rte_rcu_qsbr_get_memsize(1),
					     RTE_CACHE_LINE_SIZE);
	struct lb_engine_config c;
	struct lb_counters b[3];
	char err[LB_ERR_MAX];

	cr_assert_not_null(q);
	cr_assert_eq(rte_rcu_qsbr_init(q, 1), 0);
	lb_engine_config_defaults(&c);
	c.max_lbs = 4;
	c.max_conns = 1024;
	c.qsbr = q;
	lb_engine_free(eng);
	eng = lb_engine_create(&c);
	cr_assert_not_null(eng);
	rte_rcu_qsbr_thread_register(q, 0);
	rte_rcu_qsbr_thread_online(q, 0);

	uint32_t h = add_lb(IPPROTO_UDP, VIP, 2, LB_DIST_FIVE_TUPLE, false, 0);

	send_udp_flows(10);
	backend_packets(h, b, 2);
	cr_assert_eq(b[0].packets + b[1].packets, 10);
	uint64_t before[2] = {b[0].packets, b[1].packets};
	struct lb_backend three[3] = {backends_n(0), backends_n(1), backends_n(2)};
	struct lb_config lc = {.vip = VIP, .proto = IPPROTO_UDP, .port = 80,
			       .nb_backends = 3, .backends = three};

	cr_assert_eq(lb_update(eng, h, &lc, err), 0, "%s", err);
	cr_assert_eq(lb_reclaim(eng), 1, "the old view waits for the worker");
	/* the old object's counts are read through the new one meanwhile */
	backend_packets(h, b, 3);
	cr_assert_eq(b[0].packets, before[0]);
	cr_assert_eq(b[1].packets, before[1]);
	cr_assert_eq(b[2].packets, 0);
	send_udp_flows(10); /* the same connections, now through the new view */
	backend_packets(h, b, 3);
	cr_assert_eq(b[0].packets + b[1].packets, 20, "established flows kept their backends");
	uint64_t after[2] = {b[0].packets, b[1].packets};

	rte_rcu_qsbr_quiescent(q, 0);
	cr_assert_eq(lb_reclaim(eng), 0, "freed once the worker passed a quiescent point");
	backend_packets(h, b, 3);
	cr_assert_eq(b[0].packets, after[0], "the old counts were carried over");
	cr_assert_eq(b[1].packets, after[1]);

	/* a removed LB's slot is not handed out while a worker may count into it */
	cr_assert_eq(lb_remove(eng, h), 0);
	cr_assert_eq(lb_reclaim_pending(eng), 1);
	uint32_t h2 = add_lb(IPPROTO_TCP, VIP, 1, LB_DIST_FIVE_TUPLE, false, 0);

	cr_assert_neq(h2, h);
	rte_rcu_qsbr_quiescent(q, 0);
	cr_assert_eq(lb_reclaim(eng), 0);
	cr_assert_eq(add_lb(IPPROTO_UDP, VIP, 1, LB_DIST_FIVE_TUPLE, false, 0), h,
		     "the slot comes back once its object is freed");

	rte_rcu_qsbr_thread_offline(q, 0);
	rte_rcu_qsbr_thread_unregister(q, 0);
	lb_engine_free(eng);
	eng = NULL;
	rte_free(q);
}

Test(lb, source_vip_gives_two_clients_with_one_port_distinct_ports)
{
	uint32_t svip = ip4(10, 244, 1, 2);

	add_lb(IPPROTO_TCP, VIP, 1, LB_DIST_FIVE_TUPLE, false, svip);
	uint32_t clients[2] = {CLIENT, CLIENT + 7};
	uint16_t snat_port[2];

	for (int i = 0; i < 2; i++) {
		struct rte_mbuf *m = packet(IPPROTO_TCP, clients[i], 40000, VIP, 80,
					    RTE_TCP_SYN_FLAG, false);

		cr_assert_eq(run1(m, 1).verdict, LB_FORWARD);
		cr_assert_eq(src_of(m), svip);
		snat_port[i] = sport_of(m);
		assert_checksums(m, false);
		rte_pktmbuf_free(m);
	}
	cr_assert_eq(snat_port[0], 40000, "the client's port when free");
	cr_assert_neq(snat_port[1], snat_port[0]);
	for (int i = 1; i >= 0; i--) {   /* each reply finds its own client */
		struct rte_mbuf *m = packet(IPPROTO_TCP, backends_n(0).ip, 8080, svip, snat_port[i],
					    RTE_TCP_ACK_FLAG, false);

		cr_assert_eq(run1(m, 2).verdict, LB_REPLY);
		cr_assert_eq(dst_of(m), clients[i]);
		cr_assert_eq(dport_of(m), 40000);
		cr_assert_eq(src_of(m), VIP);
		assert_checksums(m, false);
		rte_pktmbuf_free(m);
	}
}

/* ---- loopback-DSR (OutBoundNAT Destinations: [podIP]) ---- */

#define HOST_ADDR ip4(192, 0, 2, 10)

static struct lb_result run1_loopback(struct rte_mbuf *m, uint64_t now, uint32_t snat)
{
	uint16_t off = L3;
	struct lb_result r;

	lb_process_burst_loopback(eng, 0, &m, &off, &snat, 1, now, &r);
	return r;
}

static void record_conn(const struct lb_conn_info *c, enum lb_reason why, void *arg)
{
	(void)why;
	*(struct lb_conn_info *)arg = *c;
}

/* The pod (backends_n(0)) reaches itself through a DSR VIP: SNATed to its
 * OutBoundNAT address both ways, checksums as recomputed. */
static void loopback_round_trip(uint8_t proto)
{
	uint32_t pod = backends_n(0).ip;
	struct lb_conn_info info = {0};

	add_lb(proto, VIP, 1, LB_DIST_FIVE_TUPLE, true, 0);
	struct rte_mbuf *m = packet(proto, pod, 40000, VIP, 80, RTE_TCP_SYN_FLAG, false);
	struct lb_result r = run1_loopback(m, 1, HOST_ADDR);

	cr_assert_eq(r.verdict, LB_FORWARD);
	cr_assert_eq(r.reason, LB_REASON_NEW_CONNECTION);
	cr_assert_eq(dst_of(m), pod);
	cr_assert_eq(dport_of(m), 8080);
	cr_assert_eq(src_of(m), HOST_ADDR, "the pod must not see itself as the source");
	cr_assert_eq(sport_of(m), 40000);
	assert_checksums(m, false);
	rte_pktmbuf_free(m);

	/* the pod answers the SNAT address: both translations reversed */
	m = packet(proto, pod, 8080, HOST_ADDR, 40000, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, false);
	r = run1_loopback(m, 2, 0);
	cr_assert_eq(r.verdict, LB_REPLY);
	cr_assert_eq(src_of(m), VIP);
	cr_assert_eq(sport_of(m), 80);
	cr_assert_eq(dst_of(m), pod);
	cr_assert_eq(dport_of(m), 40000);
	assert_checksums(m, false);
	rte_pktmbuf_free(m);

	/* the next request follows the connection (no address given now) */
	m = packet(proto, pod, 40000, VIP, 80, RTE_TCP_ACK_FLAG, false);
	r = run1_loopback(m, 3, 0);
	cr_assert_eq(r.verdict, LB_FORWARD);
	cr_assert_eq(r.reason, LB_REASON_NONE);
	cr_assert_eq(src_of(m), HOST_ADDR);
	cr_assert_eq(dst_of(m), pod);
	assert_checksums(m, false);
	rte_pktmbuf_free(m);

	cr_assert_eq(lb_worker_sweep(eng, 0, UINT64_MAX / 2, 1u << 20, record_conn, &info), 1);
	cr_assert(info.loopback);
	cr_assert_eq(info.snat_ip, HOST_ADDR);
	cr_assert_eq(info.client_ip, pod);
	cr_assert_eq(info.backend_ip, pod);
}

Test(lb, loopback_dsr_tcp_snats_the_pod_reaching_itself_both_ways)
{
	loopback_round_trip(IPPROTO_TCP);
}

Test(lb, loopback_dsr_udp_snats_the_pod_reaching_itself_both_ways)
{
	loopback_round_trip(IPPROTO_UDP);
}

/* Only a DSR connection whose backend is the client itself, with an
 * address given, is SNATed: another client stays DSR (its backend answers
 * it directly), the pod without the policy is DNATed only, and a non-DSR
 * LB is untouched by it. */
Test(lb, loopback_dsr_only_when_the_backend_is_the_client)
{
	uint32_t pod = backends_n(0).ip;
	struct rte_mbuf *m;

	add_lb(IPPROTO_TCP, VIP, 1, LB_DIST_FIVE_TUPLE, true, 0);
	m = packet(IPPROTO_TCP, CLIENT, 40001, VIP, 80, RTE_TCP_SYN_FLAG, false);
	cr_assert_eq(run1_loopback(m, 1, HOST_ADDR).verdict, LB_FORWARD);
	cr_assert_eq(src_of(m), CLIENT);
	cr_assert_eq(dst_of(m), pod);
	rte_pktmbuf_free(m);
	m = packet(IPPROTO_TCP, pod, 8080, CLIENT, 40001, RTE_TCP_ACK_FLAG, false);
	cr_assert_eq(run1_loopback(m, 2, 0).verdict, LB_PASS, "DSR: no reverse tuple");
	rte_pktmbuf_free(m);

	m = packet(IPPROTO_TCP, pod, 40002, VIP, 80, RTE_TCP_SYN_FLAG, false);
	cr_assert_eq(run1_loopback(m, 1, 0).verdict, LB_FORWARD);
	cr_assert_eq(src_of(m), pod, "no loopback address: DNAT only");
	rte_pktmbuf_free(m);
	m = packet(IPPROTO_TCP, pod, 8080, HOST_ADDR, 40002, RTE_TCP_ACK_FLAG, false);
	cr_assert_eq(run1_loopback(m, 2, 0).verdict, LB_PASS);
	rte_pktmbuf_free(m);

	add_lb(IPPROTO_TCP, VIP + 1, 1, LB_DIST_FIVE_TUPLE, false, 0);
	m = packet(IPPROTO_TCP, pod, 40003, VIP + 1, 80, RTE_TCP_SYN_FLAG, false);
	cr_assert_eq(run1_loopback(m, 1, HOST_ADDR).verdict, LB_FORWARD);
	cr_assert_eq(src_of(m), pod, "not a DSR LB: no loopback SNAT");
	rte_pktmbuf_free(m);
}

Test(lb, weights_share_flows_in_proportion)
{
	struct lb_backend b[2] = {backends_n(0), backends_n(1)};
	char err[LB_ERR_MAX];
	uint32_t h, on0 = 0;

	b[0].weight = 3;
	b[1].weight = 1;
	struct lb_config c = {.vip = VIP, .proto = IPPROTO_TCP, .port = 80,
			      .nb_backends = 2, .backends = b};
	cr_assert_eq(lb_add(eng, &c, &h, err), 0, "%s", err);
	for (unsigned i = 0; i < 100000; i++)
		on0 += lb_select_backend(eng, h, rng()) == 0;
	cr_assert(on0 > 73000 && on0 < 77000, "weight 3 of 4 got %u of 100000", on0);
}

Test(lb, tcp_handshake_only_connections_expire_sooner)
{
	add_lb(IPPROTO_TCP, VIP, 1, LB_DIST_FIVE_TUPLE, false, 0);
	uint64_t hz = rte_get_tsc_hz();
	struct rte_mbuf *m;

	/* port 1000: SYN and the backend's SYN-ACK (established); port 1001: SYN only */
	for (uint16_t port = 1000; port <= 1001; port++) {
		m = packet(IPPROTO_TCP, CLIENT, port, VIP, 80, RTE_TCP_SYN_FLAG, false);
		run1(m, 1);
		rte_pktmbuf_free(m);
	}
	m = packet(IPPROTO_TCP, backends_n(0).ip, 8080, CLIENT, 1000,
		   RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, false);
	cr_assert_eq(run1(m, 1).verdict, LB_REPLY);
	rte_pktmbuf_free(m);
	struct reports rep = {0};

	cr_assert_eq(lb_worker_sweep(eng, 0, 1 + 121 * hz, 1u << 20, record, &rep), 1);
	cr_assert_eq(lb_worker_conn_count(eng, 0), 1, "the established one stays");
	cr_assert_eq(lb_worker_sweep(eng, 0, 1 + 7441 * hz, 1u << 20, record, &rep), 1);
	cr_assert_eq(rep.by_reason[LB_REASON_EXPIRED], 2);
}
