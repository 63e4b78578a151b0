/* The LB stage's pieces (vswitch/dataplane/lb_dp.h) and the startup
 * config's LoadBalancers (hns-api/schema/config_lb.h): the RST a removed
 * backend's connection gets (after an LB update under an established
 * connection, as the engine reports it), the trace text, and the config's
 * strict parser. Needs EAL (mbufs, the engine's hash tables).
 *
 * No Criterion .timeout (meson's covers a hang; see test_l3.c). */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include <criterion/criterion.h>
#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include <rte_malloc.h>

#include "config.h"
#include "eal_fixture.h"
#include "lb.h"
#include "lb_ctl.h"
#include "lb_dp.h"
#include "worker.h"

static struct rte_mempool *pool;

static void setup(void)
{
	test_eal_init();
	pool = rte_pktmbuf_pool_create("lbdp_mbufs", 255, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	cr_assert_not_null(pool);
}

static void teardown(void)
{
	rte_mempool_free(pool);
	test_eal_cleanup();
}

TestSuite(lb_rst, .init = setup, .fini = teardown);
TestSuite(lb_config);
TestSuite(lb_filter, .init = setup, .fini = teardown);

#define IPV4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))
#define L3 ((uint16_t)RTE_ETHER_HDR_LEN)

static const struct rte_ether_addr CLIENT_MAC = {{0x02, 0, 0, 0, 0x60, 0x01}};
static const struct rte_ether_addr GW_MAC = {{0x02, 0x70, 0x63, 0x61, 0x70, 0}};

/* client 10.244.0.2:40001 -> dst:dport, TCP flags, seq/ack, payload */
static struct rte_mbuf *tcp_frame(uint32_t dst, uint16_t dport, uint8_t flags, uint32_t seq,
				  uint32_t ack, uint16_t payload)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint16_t len = (uint16_t)(L3 + 20 + 20 + payload);
	uint8_t *p;

	cr_assert_not_null(m);
	p = (uint8_t *)rte_pktmbuf_append(m, len);
	cr_assert_not_null(p);
	memset(p, 0xab, len);
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)p;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eh + 1);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);

	eh->dst_addr = GW_MAC;
	eh->src_addr = CLIENT_MAC;
	eh->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	*ip = (struct rte_ipv4_hdr){.version_ihl = 0x45, .time_to_live = 63,
				    .next_proto_id = IPPROTO_TCP,
				    .total_length = rte_cpu_to_be_16((uint16_t)(40 + payload)),
				    .src_addr = rte_cpu_to_be_32(IPV4(10, 244, 0, 2)),
				    .dst_addr = rte_cpu_to_be_32(dst)};
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	*th = (struct rte_tcp_hdr){.src_port = rte_cpu_to_be_16(40001),
				   .dst_port = rte_cpu_to_be_16(dport),
				   .sent_seq = rte_cpu_to_be_32(seq),
				   .recv_ack = rte_cpu_to_be_32(ack), .data_off = 5 << 4,
				   .tcp_flags = flags, .rx_win = RTE_BE16(1000)};
	th->cksum = rte_ipv4_udptcp_cksum(ip, th);
	return m;
}

static void assert_rst(struct rte_mbuf *m, uint32_t src, uint16_t sport, uint8_t flags,
		       uint32_t seq, uint32_t ack)
{
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(eh + 1);
	const struct rte_tcp_hdr *th = (const struct rte_tcp_hdr *)(ip + 1);

	cr_assert_eq(rte_pktmbuf_pkt_len(m), L3 + 40u, "RST carries no payload");
	cr_assert(rte_is_same_ether_addr(&eh->dst_addr, &CLIENT_MAC));
	cr_assert(rte_is_same_ether_addr(&eh->src_addr, &GW_MAC));
	cr_assert_eq(rte_be_to_cpu_32(ip->src_addr), src);
	cr_assert_eq(rte_be_to_cpu_32(ip->dst_addr), IPV4(10, 244, 0, 2));
	cr_assert_eq(rte_be_to_cpu_16(ip->total_length), 40);
	cr_assert_eq(rte_be_to_cpu_16(th->src_port), sport);
	cr_assert_eq(rte_be_to_cpu_16(th->dst_port), 40001);
	cr_assert_eq(th->tcp_flags, flags, "flags %#x", th->tcp_flags);
	cr_assert_eq(rte_be_to_cpu_32(th->sent_seq), seq);
	cr_assert_eq(rte_be_to_cpu_32(th->recv_ack), ack);
	/* full recomputations verify */
	cr_assert_eq(rte_ipv4_cksum(ip), 0, "IP checksum");
	cr_assert_eq(rte_ipv4_udptcp_cksum_verify(ip, th), 0, "TCP checksum");
}

Test(lb_rst, syn_gets_rst_ack_of_seq_plus_one)
{
	struct rte_mbuf *m = tcp_frame(IPV4(10, 96, 0, 10), 80, RTE_TCP_SYN_FLAG, 1000, 0, 0);

	cr_assert(lb_dp_tcp_rst_in_place(m, L3));
	assert_rst(m, IPV4(10, 96, 0, 10), 80, RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG, 0, 1001);
	rte_pktmbuf_free(m);
}

Test(lb_rst, data_segment_gets_rst_with_its_ack_as_seq)
{
	struct rte_mbuf *m = tcp_frame(IPV4(10, 96, 0, 10), 80,
				       RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, 1000, 7777, 100);

	cr_assert(lb_dp_tcp_rst_in_place(m, L3));
	assert_rst(m, IPV4(10, 96, 0, 10), 80, RTE_TCP_RST_FLAG, 7777, 0);
	rte_pktmbuf_free(m);
}

Test(lb_rst, a_rst_is_never_answered)
{
	struct rte_mbuf *m = tcp_frame(IPV4(10, 96, 0, 10), 80, RTE_TCP_RST_FLAG, 1, 0, 0);

	cr_assert_not(lb_dp_tcp_rst_in_place(m, L3));
	rte_pktmbuf_free(m);
}

/* The whole path the stage takes for a removed backend: a connection to
 * backend A, the LB updated to B only, the next packet of the connection
 * is dropped as BACKEND_REMOVED (untranslated, so the RST comes from the
 * VIP), and a new connection goes to B. */
Test(lb_rst, removed_backend_connection_is_reported_and_reset)
{
	struct lb_engine_config ec;
	struct lb_backend a = {IPV4(10, 244, 0, 11), 8080, 1}, b = {IPV4(10, 244, 0, 12), 8080, 1};
	struct lb_config c = {.vip = IPV4(10, 96, 0, 10), .proto = IPPROTO_TCP, .port = 80,
			      .nb_backends = 1, .backends = &a};
	char err[LB_ERR_MAX];
	uint32_t h;
	struct lb_result r;
	uint16_t off = L3;

	lb_engine_config_defaults(&ec);
	struct lb_engine *e = lb_engine_create(&ec);

	cr_assert_not_null(e);
	cr_assert_eq(lb_add(e, &c, &h, err), 0, "%s", err);
	struct rte_mbuf *m = tcp_frame(IPV4(10, 96, 0, 10), 80, RTE_TCP_SYN_FLAG, 1000, 0, 0);

	lb_process_burst(e, 0, &m, &off, 1, rte_get_tsc_cycles(), &r);
	cr_assert_eq(r.verdict, LB_FORWARD);
	cr_assert_eq(r.reason, LB_REASON_NEW_CONNECTION);
	rte_pktmbuf_free(m);
	c.backends = &b;
	cr_assert_eq(lb_update(e, h, &c, err), 0, "%s", err);
	m = tcp_frame(IPV4(10, 96, 0, 10), 80, RTE_TCP_ACK_FLAG, 1001, 5001, 10);
	lb_process_burst(e, 0, &m, &off, 1, rte_get_tsc_cycles(), &r);
	cr_assert_eq(r.verdict, LB_DROP);
	cr_assert_eq(r.reason, LB_REASON_BACKEND_REMOVED);
	cr_assert(lb_dp_tcp_rst_in_place(m, L3));
	assert_rst(m, IPV4(10, 96, 0, 10), 80, RTE_TCP_RST_FLAG, 5001, 0);
	rte_pktmbuf_free(m);
	/* the client's next connection (the same tuple again) goes to B */
	m = tcp_frame(IPV4(10, 96, 0, 10), 80, RTE_TCP_SYN_FLAG, 9000, 0, 0);
	lb_process_burst(e, 0, &m, &off, 1, rte_get_tsc_cycles(), &r);
	cr_assert_eq(r.verdict, LB_FORWARD);
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, L3);

	cr_assert_eq(rte_be_to_cpu_32(ip->dst_addr), b.ip);
	rte_pktmbuf_free(m);
	lb_engine_free(e);
}

Test(lb_rst, created_event_text)
{
	char buf[128];

	lb_dp_format_created(buf, sizeof(buf), rte_cpu_to_be_32(IPV4(10, 96, 0, 10)),
			     rte_cpu_to_be_16(80), rte_cpu_to_be_32(IPV4(10, 244, 0, 11)),
			     rte_cpu_to_be_16(8080));
	cr_assert_str_eq(buf, "LB connection created. VIP 10.96.0.10:80 -> DIP 10.244.0.11:8080");
}

/* ---- config ---- */

static int parse(const char *lbs, char *err, size_t len)
{
	char text[2048];
	struct switch_config cfg;
	int rc;

	snprintf(text, sizeof(text), "{\"LoadBalancers\": %s}", lbs);
	memset(&cfg, 0, sizeof(cfg));
	rc = config_parse_text(text, &cfg, err, len);
	if (rc == 0)
		config_release(&cfg);
	return rc;
}

Test(lb_config, a_full_load_balancer_parses)
{
	char err[256] = "";

	cr_assert_eq(parse("[{\"FrontendVIPs\": [\"10.96.0.10\", \"10.96.0.11\"],"
			   " \"PortMappings\": [{\"Protocol\": 6, \"InternalPort\": 8080,"
			   " \"ExternalPort\": 80, \"DistributionType\": 2},"
			   " {\"Protocol\": 17, \"InternalPort\": 53, \"ExternalPort\": 53}],"
			   " \"Flags\": 0, \"SourceVIP\": \"10.244.0.250\","
			   " \"Backends\": [\"10.244.0.11\", \"10.244.0.12\"]},"
			   " {\"PortMappings\": [{\"Protocol\": 6, \"InternalPort\": 80,"
			   " \"ExternalPort\": 30080}], \"Flags\": 1,"
			   " \"Backends\": [\"10.244.0.11\"]}]", err, sizeof(err)),
		     0, "%s", err);
}

Test(lb_config, bad_values_name_their_field)
{
	static const struct { const char *lbs, *path; } cases[] = {
		{"[{\"PortMappings\": [{\"Protocol\": 6, \"InternalPort\": 1, \"ExternalPort\": 1}]}]",
		 "LoadBalancers[0].Backends: "},
		{"[{\"PortMappings\": [], \"Backends\": [\"10.0.0.1\"]}]",
		 "LoadBalancers[0].PortMappings: "},
		{"[{\"PortMappings\": [{\"Protocol\": 6, \"InternalPort\": 1, \"ExternalPort\": 1}],"
		 " \"Backends\": [\"10.0.0.1\", \"10.0.0.1\"]}]",
		 "LoadBalancers[0].Backends[1]: "},
		{"[{\"PortMappings\": [{\"Protocol\": 6, \"InternalPort\": 70000,"
		 " \"ExternalPort\": 1}], \"Backends\": [\"10.0.0.1\"]}]",
		 "LoadBalancers[0].PortMappings[0].InternalPort: "},
		{"[{\"PortMappings\": [{\"Protocol\": 6, \"InternalPort\": 1, \"ExternalPort\": 1},"
		 " {\"Protocol\": 6, \"InternalPort\": 2, \"ExternalPort\": 1}],"
		 " \"Backends\": [\"10.0.0.1\"]}]",
		 "LoadBalancers[0].PortMappings[1]: "},
		{"{}", "LoadBalancers: "},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char err[256] = "";

		cr_assert_eq(parse(cases[i].lbs, err, sizeof(err)), -1, "case %zu parsed", i);
		cr_assert(strstr(err, cases[i].path) != NULL, "case %zu: '%s' does not name %s",
			  i, err, cases[i].path);
	}
}

/* ---- lb_ctl's address filter ---- */

static bool has(const struct vswitch *sw, uint32_t ip)
{
	return lb_dp_filter_has(sw->lb_filter, rte_cpu_to_be_32(ip));
}

static bool same_bit(uint32_t a, uint32_t b)
{
	return lb_dp_filter_bit(rte_cpu_to_be_32(a)) == lb_dp_filter_bit(rte_cpu_to_be_32(b));
}

/* A switch with one worker and no port: what lb_ctl needs. */
static struct vswitch *bare_switch(void)
{
	struct vswitch *sw = rte_zmalloc("sw", sizeof(*sw), RTE_CACHE_LINE_SIZE);
	struct worker *w = rte_zmalloc("w", sizeof(*w), RTE_CACHE_LINE_SIZE);

	cr_assert(sw != NULL && w != NULL);
	w->sw = sw;
	w->lcore = rte_lcore_id();
	sw->workers[0] = w;
	sw->nb_workers = 1;
	return sw;
}

Test(lb_filter, an_lbs_addresses_are_in_it_while_it_exists)
{
	struct vswitch *sw = bare_switch();
	const uint32_t vip = IPV4(10, 96, 0, 10), a = IPV4(10, 244, 0, 11),
		       b = IPV4(10, 244, 0, 12), svip = IPV4(10, 244, 0, 250),
		       other = IPV4(192, 0, 2, 77);
	struct lb_backend ab[2] = {{a, 8080, 1}, {b, 8080, 1}};
	struct lb_config c = {.vip = vip, .proto = IPPROTO_TCP, .port = 80,
			      .source_vip = svip, .nb_backends = 2, .backends = ab};
	struct lb_config c2 = {.vip = IPV4(10, 96, 0, 11), .proto = IPPROTO_TCP, .port = 80,
			       .nb_backends = 1, .backends = ab};
	char err[LB_ERR_MAX];
	uint32_t h, h2;

	/* the addresses must not share bits for the checks below */
	cr_assert_not(same_bit(b, vip) || same_bit(b, a) || same_bit(b, svip) ||
		      same_bit(other, vip) || same_bit(other, a) || same_bit(other, b) ||
		      same_bit(other, svip) || same_bit(a, c2.vip));
	cr_assert_eq(lb_ctl_add(sw, &c, &h, err), 0, "%s", err);
	cr_assert_not_null(sw->lb_filter);
	cr_assert(has(sw, vip) && has(sw, a) && has(sw, b) && has(sw, svip));
	cr_assert_not(has(sw, other));
	/* a second LB shares backend a */
	cr_assert_eq(lb_ctl_add(sw, &c2, &h2, err), 0, "%s", err);
	/* b leaves the first LB: its bit goes, a's stays */
	c.nb_backends = 1;
	cr_assert_eq(lb_ctl_update(sw, h, &c, err), 0, "%s", err);
	cr_assert(has(sw, vip) && has(sw, a) && has(sw, svip));
	cr_assert_not(has(sw, b));
	/* a refused duplicate leaves nothing behind */
	struct lb_backend ob = {other, 1, 1};
	struct lb_config dup = {.vip = vip, .proto = IPPROTO_TCP, .port = 80,
				.nb_backends = 1, .backends = &ob};
	uint32_t hd;

	cr_assert_eq(lb_ctl_add(sw, &dup, &hd, err), -EEXIST);
	cr_assert_not(has(sw, other));
	cr_assert_eq(lb_ctl_remove(sw, h), 0);
	cr_assert_not(has(sw, vip) || has(sw, svip));
	cr_assert(has(sw, a), "still a backend of the second LB");
	cr_assert_eq(lb_ctl_remove(sw, h2), 0);
	cr_assert_not(has(sw, a) || has(sw, c2.vip));
	lb_ctl_destroy(sw);
	cr_assert_null(sw->lb);
	cr_assert_null(sw->lb_filter);
	rte_free(sw->workers[0]);
	rte_free(sw);
}
