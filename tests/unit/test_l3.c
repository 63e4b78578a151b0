/* L3 glue (vswitch/l3.h): ARP parse/reply/request, ICMP echo reply, ICMP
 * errors, TTL decrement, the neighbour cache with its worker rings and RCU
 * reclaim, and the per-worker pending queue. Needs EAL (mbufs, rte_hash,
 * rings, TSC).
 *
 * The suites set no Criterion .timeout (meson's 60 s covers a hang):
 * Criterion 2.4's runner can leak a 48-byte allocation when tests with
 * a .timeout run in parallel, which fails the ASan build. */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <rte_cycles.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>

#include "eal_fixture.h"
#include "l3.h"

static struct rte_mempool *pool;

static void setup(void)
{
	test_eal_init();
	pool = rte_pktmbuf_pool_create("l3_mbufs", 255, 0, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	cr_assert_not_null(pool, "mbuf pool: %s", rte_strerror(rte_errno));
}

static void teardown(void)
{
	rte_mempool_free(pool);
	pool = NULL;
	test_eal_cleanup();
}

TestSuite(arp, .init = setup, .fini = teardown);
TestSuite(icmp, .init = setup, .fini = teardown);

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

static const struct rte_ether_addr SW_MAC = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x01}};

static struct rte_mbuf *frame(const uint8_t *bytes, size_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);

	cr_assert_not_null(m);
	char *p = rte_pktmbuf_append(m, (uint16_t)len);

	cr_assert_not_null(p);
	memcpy(p, bytes, len);
	return m;
}

static void assert_frame(const struct rte_mbuf *m, const uint8_t *want, size_t len)
{
	cr_assert_eq(rte_pktmbuf_data_len(m), len, "data_len %u, want %zu",
		     rte_pktmbuf_data_len(m), len);
	cr_assert_eq(rte_pktmbuf_pkt_len(m), len);
	const uint8_t *got = rte_pktmbuf_mtod(m, const uint8_t *);

	for (size_t i = 0; i < len; i++)
		cr_assert_eq(got[i], want[i], "byte %zu: %#04x, want %#04x", i,
			     got[i], want[i]);
}

/* ---- ARP ------------------------------------------------------------------ */

#define REQ_MAC 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a
#define SWMAC 0x02, 0x00, 0x00, 0x00, 0x00, 0x01
#define BCAST 0xff, 0xff, 0xff, 0xff, 0xff, 0xff
#define ZMAC 0x00, 0x00, 0x00, 0x00, 0x00, 0x00
#define IP_REQ 0x0a, 0x00, 0x00, 0x05 /* 10.0.0.5, the requester */
#define IP_SW 0x0a, 0x00, 0x00, 0x01  /* 10.0.0.1, the switch */
#define ARP_ETH_IPV4 0x00, 0x01, 0x08, 0x00, 0x06, 0x04
#define PAD18 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, \
	      0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa
#define PAD14 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, \
	      0xaa, 0xaa, 0xaa, 0xaa, 0xaa

static const uint8_t arp_req[] = {
	BCAST, REQ_MAC, 0x08, 0x06,
	ARP_ETH_IPV4, 0x00, 0x01, REQ_MAC, IP_REQ, ZMAC, IP_SW, PAD18,
};

static const uint8_t arp_req_tagged[] = {
	BCAST, REQ_MAC, 0x81, 0x00, 0x20, 0x0a, 0x08, 0x06,
	ARP_ETH_IPV4, 0x00, 0x01, REQ_MAC, IP_REQ, ZMAC, IP_SW, PAD14,
};

Test(arp, parse_accepts_a_request)
{
	struct rte_mbuf *m = frame(arp_req, sizeof(arp_req));
	struct arp_info a;
	const struct rte_ether_addr req = {{REQ_MAC}}, zero = {{ZMAC}};

	memset(&a, 0x55, sizeof(a));
	cr_assert(arp_parse(m, 14, &a));
	cr_assert_eq(a.op, 1);
	cr_assert(rte_is_same_ether_addr(&a.sha, &req));
	cr_assert(rte_is_same_ether_addr(&a.tha, &zero));
	cr_assert_eq(a.spa, IP(10, 0, 0, 5), "spa %#x", a.spa);
	cr_assert_eq(a.tpa, IP(10, 0, 0, 1), "tpa %#x", a.tpa);
	rte_pktmbuf_free(m);
}

Test(arp, parse_accepts_a_reply_and_a_tagged_request)
{
	uint8_t b[sizeof(arp_req)];
	struct arp_info a;

	memcpy(b, arp_req, sizeof(b));
	b[21] = 2;
	struct rte_mbuf *m = frame(b, sizeof(b));

	cr_assert(arp_parse(m, 14, &a));
	cr_assert_eq(a.op, 2);
	rte_pktmbuf_free(m);

	m = frame(arp_req_tagged, sizeof(arp_req_tagged));
	cr_assert(arp_parse(m, 18, &a));
	cr_assert_eq(a.op, 1);
	cr_assert_eq(a.spa, IP(10, 0, 0, 5));
	cr_assert_eq(a.tpa, IP(10, 0, 0, 1));
	rte_pktmbuf_free(m);
}

Test(arp, parse_rejects_truncated_and_non_ethernet_ipv4_arp)
{
	struct arp_info a;
	struct rte_mbuf *m;

	/* header cut one byte short of the target address */
	m = frame(arp_req, 14 + 27);
	cr_assert_not(arp_parse(m, 14, &a), "truncated ARP accepted");
	rte_pktmbuf_free(m);
	/* exactly the 28 bytes is enough */
	m = frame(arp_req, 14 + 28);
	cr_assert(arp_parse(m, 14, &a));
	rte_pktmbuf_free(m);
	/* an l3_off past the end */
	m = frame(arp_req, sizeof(arp_req));
	cr_assert_not(arp_parse(m, 40, &a));
	rte_pktmbuf_free(m);

	static const struct { unsigned off; uint8_t val; const char *what; } bad[] = {
		{15, 6, "htype 6 (IEEE 802)"},
		{16, 0x86, "ptype 0x86dd (IPv6)"},
		{18, 8, "hlen 8"},
		{19, 16, "plen 16"},
		{21, 3, "op 3 (RARP)"},
		{21, 0, "op 0"},
	};
	for (size_t i = 0; i < RTE_DIM(bad); i++) {
		uint8_t b[sizeof(arp_req)];

		memcpy(b, arp_req, sizeof(b));
		b[bad[i].off] = bad[i].val;
		m = frame(b, sizeof(b));
		cr_assert_not(arp_parse(m, 14, &a), "accepted %s", bad[i].what);
		rte_pktmbuf_free(m);
	}
}

Test(arp, reply_in_place_is_the_exact_reply)
{
	static const uint8_t want[] = {
		REQ_MAC, SWMAC, 0x08, 0x06,
		ARP_ETH_IPV4, 0x00, 0x02, SWMAC, IP_SW, REQ_MAC, IP_REQ, PAD18,
	};
	struct rte_mbuf *m = frame(arp_req, sizeof(arp_req));
	struct arp_info a;

	cr_assert(arp_parse(m, 14, &a));
	arp_reply_in_place(m, 14, &a, &SW_MAC);
	assert_frame(m, want, sizeof(want));
	/* and it parses back as the reply */
	cr_assert(arp_parse(m, 14, &a));
	cr_assert_eq(a.op, 2);
	cr_assert_eq(a.spa, IP(10, 0, 0, 1));
	cr_assert_eq(a.tpa, IP(10, 0, 0, 5));
	rte_pktmbuf_free(m);
}

Test(arp, reply_in_place_keeps_the_vlan_tag)
{
	static const uint8_t want[] = {
		REQ_MAC, SWMAC, 0x81, 0x00, 0x20, 0x0a, 0x08, 0x06,
		ARP_ETH_IPV4, 0x00, 0x02, SWMAC, IP_SW, REQ_MAC, IP_REQ, PAD14,
	};
	struct rte_mbuf *m = frame(arp_req_tagged, sizeof(arp_req_tagged));
	struct arp_info a;

	cr_assert(arp_parse(m, 18, &a));
	arp_reply_in_place(m, 18, &a, &SW_MAC);
	assert_frame(m, want, sizeof(want));
	rte_pktmbuf_free(m);
}

#define PAD_ZERO18 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0

Test(arp, request_build_untagged_is_exact_and_60_bytes)
{
	static const uint8_t want[] = {
		BCAST, SWMAC, 0x08, 0x06,
		ARP_ETH_IPV4, 0x00, 0x01, SWMAC, IP_SW, ZMAC, IP_REQ, PAD_ZERO18,
	};
	struct rte_mbuf *m = arp_request_build(pool, &SW_MAC, IP(10, 0, 0, 1),
					       IP(10, 0, 0, 5), 0);

	cr_assert_not_null(m);
	cr_assert_eq(sizeof(want), 60);
	assert_frame(m, want, sizeof(want));
	rte_pktmbuf_free(m);
}

Test(arp, request_build_tagged_is_exact_and_60_bytes)
{
	static const uint8_t want[] = {
		BCAST, SWMAC, 0x81, 0x00, 0x0f, 0xfe, 0x08, 0x06,
		ARP_ETH_IPV4, 0x00, 0x01, SWMAC, IP_SW, ZMAC, IP_REQ,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	};
	struct rte_mbuf *m = arp_request_build(pool, &SW_MAC, IP(10, 0, 0, 1),
					       IP(10, 0, 0, 5), 4094);

	cr_assert_not_null(m);
	cr_assert_eq(sizeof(want), 60);
	assert_frame(m, want, sizeof(want));
	struct arp_info a;

	cr_assert(arp_parse(m, 18, &a));
	cr_assert_eq(a.tpa, IP(10, 0, 0, 5));
	rte_pktmbuf_free(m);
}

Test(arp, request_build_on_an_empty_pool_is_null)
{
	struct rte_mempool *tiny = rte_pktmbuf_pool_create("l3_tiny", 1, 0, 0,
		RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);

	cr_assert_not_null(tiny);
	struct rte_mbuf *held = rte_pktmbuf_alloc(tiny);

	cr_assert_not_null(held);
	cr_assert_null(arp_request_build(tiny, &SW_MAC, 1, 2, 0));
	cr_assert_null(icmp_error_build(tiny, held, 14, 11, 0, 1, &SW_MAC, 0));
	rte_pktmbuf_free(held);
	rte_mempool_free(tiny);
}

/* ---- IPv4 / ICMP helpers --------------------------------------------------- */

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static const uint8_t HOST_MAC[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x0a};

/* Ethernet (+ tag if vid) + IPv4 (ihl words, options 0x01 NOP) + payload,
 * checksums filled when proto is ICMP. Returns the frame length. */
static size_t build_ipv4(uint8_t *b, uint16_t vid, unsigned ihl, uint8_t proto,
			 uint32_t src, uint32_t dst, uint16_t frag,
			 const uint8_t *payload, size_t plen)
{
	size_t l2 = vid ? 18 : 14;

	memcpy(b, SW_MAC.addr_bytes, 6);
	memcpy(b + 6, HOST_MAC, 6);
	if (vid) {
		b[12] = 0x81; b[13] = 0x00; b[14] = (uint8_t)(vid >> 8); b[15] = (uint8_t)vid;
		b[16] = 0x08; b[17] = 0x00;
	} else {
		b[12] = 0x08; b[13] = 0x00;
	}
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(b + l2);

	memset(ip, 0, ihl * 4);
	memset(ip + 1, 0x01, ihl * 4 - 20);
	ip->version_ihl = (uint8_t)(0x40 | ihl);
	ip->type_of_service = 0x10;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(ihl * 4 + plen));
	ip->packet_id = rte_cpu_to_be_16(0x1234);
	ip->fragment_offset = rte_cpu_to_be_16(frag);
	ip->time_to_live = 17;
	ip->next_proto_id = proto;
	ip->src_addr = rte_cpu_to_be_32(src);
	ip->dst_addr = rte_cpu_to_be_32(dst);
	memcpy(b + l2 + ihl * 4, payload, plen);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	if (proto == IPPROTO_ICMP && plen >= 8) {
		uint8_t *ic = b + l2 + ihl * 4;

		ic[2] = ic[3] = 0;
		uint16_t c = (uint16_t)~rte_raw_cksum(ic, plen);

		memcpy(ic + 2, &c, 2);
	}
	return l2 + ihl * 4 + plen;
}

static void assert_ipv4_cksum_ok(const struct rte_ipv4_hdr *ip)
{
	struct rte_ipv4_hdr h[4]; /* room for options */
	size_t len = rte_ipv4_hdr_len(ip);

	memcpy(h, ip, len);
	h->hdr_checksum = 0;
	cr_assert_eq(ip->hdr_checksum, rte_ipv4_cksum(h),
		     "IPv4 checksum %#06x, full recomputation %#06x",
		     ip->hdr_checksum, rte_ipv4_cksum(h));
}

/* The stored ICMP checksum equals a full recomputation. */
static void assert_icmp_cksum_ok(const uint8_t *ic, size_t len)
{
	uint8_t tmp[2048];

	cr_assert_leq(len, sizeof(tmp));
	memcpy(tmp, ic, len);
	tmp[2] = tmp[3] = 0;
	uint16_t want = (uint16_t)~rte_raw_cksum(tmp, len), got;

	memcpy(&got, ic + 2, 2);
	cr_assert_eq(got, want, "ICMP checksum %#06x, full recomputation %#06x (len %zu)",
		     got, want, len);
}

/* ---- echo ------------------------------------------------------------------ */

static struct rte_mbuf *echo_request(uint16_t vid, unsigned ihl, size_t data_len,
				     size_t *frame_len)
{
	uint8_t payload[1500], b[1600];

	payload[0] = 8; payload[1] = 0; payload[2] = payload[3] = 0;
	payload[4] = 0xbe; payload[5] = 0xef; payload[6] = 0x00; payload[7] = 0x07;
	for (size_t i = 0; i < data_len; i++)
		payload[8 + i] = (uint8_t)rnd();
	size_t len = build_ipv4(b, vid, ihl, IPPROTO_ICMP, IP(10, 0, 0, 5),
				IP(10, 0, 0, 1), 0, payload, 8 + data_len);

	*frame_len = len;
	return frame(b, len);
}

static void check_echo_reply(uint16_t vid, unsigned ihl, size_t data_len)
{
	size_t len, l2 = vid ? 18 : 14;
	struct rte_mbuf *m = echo_request(vid, ihl, data_len, &len);
	uint8_t before[1600];

	memcpy(before, rte_pktmbuf_mtod(m, uint8_t *), len);
	cr_assert(icmp_is_echo_request(m, (uint16_t)l2), "data_len %zu", data_len);
	icmp_echo_reply_in_place(m, (uint16_t)l2);

	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(p + l2);
	const uint8_t *ic = p + l2 + ihl * 4;

	cr_assert_eq(rte_pktmbuf_data_len(m), len);
	cr_assert_eq(memcmp(p, HOST_MAC, 6), 0, "Ethernet dst is not the requester");
	cr_assert_eq(memcmp(p + 6, SW_MAC.addr_bytes, 6), 0, "Ethernet src is not ours");
	cr_assert_eq(memcmp(p + 12, before + 12, l2 - 12), 0, "tag/ethertype changed");
	cr_assert_eq(ip->src_addr, rte_cpu_to_be_32(IP(10, 0, 0, 1)));
	cr_assert_eq(ip->dst_addr, rte_cpu_to_be_32(IP(10, 0, 0, 5)));
	cr_assert_eq(ip->time_to_live, 64);
	cr_assert_eq(ip->next_proto_id, IPPROTO_ICMP);
	assert_ipv4_cksum_ok(ip);
	cr_assert_eq(ic[0], 0, "type %u", ic[0]);
	cr_assert_eq(ic[1], 0);
	/* identifier, sequence and data echoed unchanged */
	cr_assert_eq(memcmp(ic + 4, before + l2 + ihl * 4 + 4, 4 + data_len), 0);
	assert_icmp_cksum_ok(ic, 8 + data_len);
	cr_assert_not(icmp_is_echo_request(m, (uint16_t)l2), "a reply is not a request");
	rte_pktmbuf_free(m);
}

Test(icmp, echo_reply_untagged_even_and_odd_payloads)
{
	check_echo_reply(0, 5, 56);
	check_echo_reply(0, 5, 57);
	check_echo_reply(0, 5, 1);
	check_echo_reply(0, 5, 0);
	check_echo_reply(0, 5, 1472);
}

Test(icmp, echo_reply_tagged_and_with_ip_options)
{
	check_echo_reply(10, 5, 33);
	check_echo_reply(0, 6, 20);
	check_echo_reply(7, 15, 3);
}

Test(icmp, echo_reply_checksum_matches_full_sum_for_many_payloads)
{
	for (int i = 0; i < 2000; i++)
		check_echo_reply(0, 5, rnd() % 200);
}

Test(icmp, echo_reply_of_an_all_zero_request_gets_checksum_ffff)
{
	/* id 0, seq 0, no data: the reply sums to zero and must carry
	 * 0xffff, not 0 (where plain RFC 1624 eqn. 3 gives 0) */
	uint8_t payload[8] = {8, 0, 0, 0, 0, 0, 0, 0}, b[64];
	size_t len = build_ipv4(b, 0, 5, IPPROTO_ICMP, IP(10, 0, 0, 5),
				IP(10, 0, 0, 1), 0, payload, 8);
	struct rte_mbuf *m = frame(b, len);

	cr_assert(icmp_is_echo_request(m, 14));
	icmp_echo_reply_in_place(m, 14);
	const uint8_t *ic = rte_pktmbuf_mtod_offset(m, const uint8_t *, 34);

	cr_assert_eq(ic[2], 0xff);
	cr_assert_eq(ic[3], 0xff);
	assert_icmp_cksum_ok(ic, 8);
	rte_pktmbuf_free(m);
}

Test(icmp, not_an_echo_request)
{
	uint8_t echo[16] = {8, 0, 0, 0, 0, 1, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8}, b[128];
	struct rte_mbuf *m;
	size_t len;

#define REJECT(why, mbuf) do { \
	m = (mbuf); \
	cr_assert_not(icmp_is_echo_request(m, 14), "accepted: %s", why); \
	rte_pktmbuf_free(m); } while (0)

	/* sanity: the base case is accepted */
	len = build_ipv4(b, 0, 5, IPPROTO_ICMP, 1, 2, 0, echo, sizeof(echo));
	m = frame(b, len);
	cr_assert(icmp_is_echo_request(m, 14));
	rte_pktmbuf_free(m);
	/* and so is a frame with Ethernet padding after the datagram */
	m = frame(b, len + 10);
	cr_assert(icmp_is_echo_request(m, 14));
	rte_pktmbuf_free(m);

	len = build_ipv4(b, 0, 5, IPPROTO_ICMP, 1, 2, RTE_IPV4_HDR_MF_FLAG, echo, sizeof(echo));
	REJECT("first fragment (MF)", frame(b, len));
	len = build_ipv4(b, 0, 5, IPPROTO_ICMP, 1, 2, 185, echo, sizeof(echo));
	REJECT("later fragment", frame(b, len));
	len = build_ipv4(b, 0, 5, IPPROTO_ICMP, 1, 2, RTE_IPV4_HDR_DF_FLAG, echo, sizeof(echo));
	m = frame(b, len);
	cr_assert(icmp_is_echo_request(m, 14), "DF alone is not a fragment");
	rte_pktmbuf_free(m);

	len = build_ipv4(b, 0, 5, IPPROTO_ICMP, 1, 2, 0, echo, sizeof(echo));
	REJECT("frame shorter than total length", frame(b, len - 1));
	REJECT("IPv4 header truncated", frame(b, 14 + 19));
	len = build_ipv4(b, 0, 5, IPPROTO_ICMP, 1, 2, 0, echo, 7);
	REJECT("ICMP shorter than 8 bytes", frame(b, len));

	uint8_t reply[16];

	memcpy(reply, echo, sizeof(reply));
	reply[0] = 0;
	len = build_ipv4(b, 0, 5, IPPROTO_ICMP, 1, 2, 0, reply, sizeof(reply));
	REJECT("echo reply", frame(b, len));
	reply[0] = 8; reply[1] = 1;
	len = build_ipv4(b, 0, 5, IPPROTO_ICMP, 1, 2, 0, reply, sizeof(reply));
	REJECT("code 1", frame(b, len));
	len = build_ipv4(b, 0, 5, IPPROTO_UDP, 1, 2, 0, echo, sizeof(echo));
	REJECT("UDP", frame(b, len));

	len = build_ipv4(b, 0, 5, IPPROTO_ICMP, 1, 2, 0, echo, sizeof(echo));
	b[14] = 0x44;
	REJECT("IHL 4", frame(b, len));
	len = build_ipv4(b, 0, 5, IPPROTO_ICMP, 1, 2, 0, echo, sizeof(echo));
	b[14] = 0x65;
	REJECT("IPv6 version", frame(b, len));
	len = build_ipv4(b, 0, 5, IPPROTO_ICMP, 1, 2, 0, echo, sizeof(echo));
	b[14] = 0x4f; /* 60-byte header runs past the 36-byte datagram */
	REJECT("IHL beyond total length", frame(b, len));
	len = build_ipv4(b, 0, 5, IPPROTO_ICMP, 1, 2, 0, echo, sizeof(echo));
	b[16] = 0; b[17] = 27; /* total length 27: header + 7 */
	REJECT("total length leaves under 8 ICMP bytes", frame(b, len));
#undef REJECT
}

/* ---- ICMP errors ----------------------------------------------------------- */

static const uint8_t UDP_PAYLOAD[28] = {
	0x30, 0x39, 0x00, 0x35, 0x00, 0x1c, 0xab, 0xcd, /* UDP 12345 -> 53 */
	'q', 'u', 'o', 't', 'e', 'd', '?', '?', 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
};

static void check_error(const struct rte_mbuf *e, uint16_t vid, uint8_t type,
			uint8_t code, const uint8_t *orig_ip, size_t quote)
{
	const uint8_t *p = rte_pktmbuf_mtod(e, const uint8_t *);
	size_t l2 = vid ? 18 : 14, want_len = l2 + 20 + 8 + quote;

	if (want_len < 60)
		want_len = 60;
	cr_assert_eq(rte_pktmbuf_data_len(e), want_len, "frame %u, want %zu",
		     rte_pktmbuf_data_len(e), want_len);
	cr_assert_eq(rte_pktmbuf_pkt_len(e), want_len);
	cr_assert_eq(memcmp(p, HOST_MAC, 6), 0, "not addressed to the sender");
	cr_assert_eq(memcmp(p + 6, SW_MAC.addr_bytes, 6), 0);
	if (vid) {
		cr_assert_eq(p[12], 0x81); cr_assert_eq(p[13], 0x00);
		cr_assert_eq((p[14] << 8 | p[15]) & 0xfff, vid);
		cr_assert_eq(p[16], 0x08); cr_assert_eq(p[17], 0x00);
	} else {
		cr_assert_eq(p[12], 0x08); cr_assert_eq(p[13], 0x00);
	}
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(p + l2);
	const struct rte_ipv4_hdr *oip = (const struct rte_ipv4_hdr *)orig_ip;

	cr_assert_eq(ip->version_ihl, 0x45);
	cr_assert_eq(rte_be_to_cpu_16(ip->total_length), 20 + 8 + quote);
	cr_assert_eq(ip->packet_id, 0);
	cr_assert_eq(ip->fragment_offset, 0, "DF or fragment bits set");
	cr_assert_eq(ip->time_to_live, 64);
	cr_assert_eq(ip->next_proto_id, IPPROTO_ICMP);
	cr_assert_eq(ip->src_addr, rte_cpu_to_be_32(IP(10, 0, 0, 1)));
	cr_assert_eq(ip->dst_addr, oip->src_addr);
	assert_ipv4_cksum_ok(ip);
	const uint8_t *ic = p + l2 + 20;

	cr_assert_eq(ic[0], type);
	cr_assert_eq(ic[1], code);
	cr_assert_eq(ic[4] | ic[5] | ic[6] | ic[7], 0, "unused bytes not zero");
	cr_assert_eq(memcmp(ic + 8, orig_ip, quote), 0, "quote differs");
	assert_icmp_cksum_ok(ic, 8 + quote);
	/* the padding is zero */
	for (size_t i = l2 + 28 + quote; i < want_len; i++)
		cr_assert_eq(p[i], 0, "padding byte %zu", i);
}

Test(icmp, ttl_exceeded_quotes_header_and_8_bytes)
{
	uint8_t b[128];
	size_t len = build_ipv4(b, 0, 5, IPPROTO_UDP, IP(10, 0, 0, 5),
				IP(192, 168, 1, 9), 0, UDP_PAYLOAD, sizeof(UDP_PAYLOAD));
	struct rte_mbuf *m = frame(b, len);
	struct rte_mbuf *e = icmp_error_build(pool, m, 14, 11, 0, IP(10, 0, 0, 1),
					      &SW_MAC, 0);

	cr_assert_not_null(e);
	check_error(e, 0, 11, 0, b + 14, 28);
	/* the original is left alone */
	cr_assert_eq(memcmp(rte_pktmbuf_mtod(m, uint8_t *), b, len), 0);
	rte_pktmbuf_free(e);
	rte_pktmbuf_free(m);
}

Test(icmp, port_unreachable_tagged_with_options_quotes_full_header)
{
	uint8_t b[160];
	size_t len = build_ipv4(b, 3, 7, IPPROTO_UDP, IP(10, 0, 0, 5),
				IP(10, 0, 0, 1), 0, UDP_PAYLOAD, sizeof(UDP_PAYLOAD));
	struct rte_mbuf *m = frame(b, len);
	struct rte_mbuf *e = icmp_error_build(pool, m, 18, 3, 3, IP(10, 0, 0, 1),
					      &SW_MAC, 42);

	cr_assert_not_null(e);
	check_error(e, 42, 3, 3, b + 18, 28 + 8);
	rte_pktmbuf_free(e);
	rte_pktmbuf_free(m);
}

Test(icmp, error_about_a_short_datagram_quotes_what_there_is_and_pads)
{
	uint8_t b[128], three[3] = {0xde, 0xad, 0x01};
	size_t len = build_ipv4(b, 0, 5, 253, IP(10, 0, 0, 5), IP(10, 0, 0, 9), 0,
				three, sizeof(three));
	struct rte_mbuf *m = frame(b, len + 20); /* Ethernet padding is not quoted */
	struct rte_mbuf *e = icmp_error_build(pool, m, 14, 3, 2, IP(10, 0, 0, 1),
					      &SW_MAC, 0);

	cr_assert_not_null(e);
	check_error(e, 0, 3, 2, b + 14, 23);
	rte_pktmbuf_free(e);
	rte_pktmbuf_free(m);
}

Test(icmp, error_about_echo_and_first_fragment_is_built)
{
	uint8_t b[128], echo[12] = {8, 0, 0, 0, 0, 1, 0, 2, 'a', 'b', 'c', 'd'};
	size_t len = build_ipv4(b, 0, 5, IPPROTO_ICMP, IP(10, 0, 0, 5),
				IP(10, 9, 0, 1), 0, echo, sizeof(echo));
	struct rte_mbuf *m = frame(b, len);
	struct rte_mbuf *e = icmp_error_build(pool, m, 14, 11, 0, IP(10, 0, 0, 1),
					      &SW_MAC, 0);

	cr_assert_not_null(e, "an echo request is a query, not an error");
	check_error(e, 0, 11, 0, b + 14, 28);
	rte_pktmbuf_free(e);
	rte_pktmbuf_free(m);

	len = build_ipv4(b, 0, 5, IPPROTO_UDP, IP(10, 0, 0, 5), IP(10, 9, 0, 1),
			 RTE_IPV4_HDR_MF_FLAG, UDP_PAYLOAD, sizeof(UDP_PAYLOAD));
	m = frame(b, len);
	e = icmp_error_build(pool, m, 14, 11, 0, IP(10, 0, 0, 1), &SW_MAC, 0);
	cr_assert_not_null(e, "first fragment");
	check_error(e, 0, 11, 0, b + 14, 28);
	rte_pktmbuf_free(e);
	rte_pktmbuf_free(m);
}

Test(icmp, no_error_about_errors_later_fragments_or_non_unicast)
{
	uint8_t b[128];
	size_t len;
	struct rte_mbuf *m;
	unsigned before = rte_mempool_avail_count(pool);

#define NO_ERROR(why, l3, mbuf) do { \
	m = (mbuf); \
	cr_assert_null(icmp_error_build(pool, m, l3, 11, 0, IP(10, 0, 0, 1), &SW_MAC, 0), \
		       "error built about %s", why); \
	rte_pktmbuf_free(m); } while (0)

	static const uint8_t err_types[] = {3, 4, 5, 11, 12};
	for (size_t i = 0; i < RTE_DIM(err_types); i++) {
		uint8_t icmp_err[36] = {err_types[i], 0};

		len = build_ipv4(b, 0, 5, IPPROTO_ICMP, IP(10, 0, 0, 5),
				 IP(10, 9, 0, 1), 0, icmp_err, sizeof(icmp_err));
		NO_ERROR("an ICMP error", 14, frame(b, len));
	}
	len = build_ipv4(b, 0, 5, IPPROTO_UDP, IP(10, 0, 0, 5), IP(10, 9, 0, 1),
			 1, UDP_PAYLOAD, sizeof(UDP_PAYLOAD));
	NO_ERROR("a non-first fragment", 14, frame(b, len));
	len = build_ipv4(b, 0, 5, IPPROTO_UDP, IP(10, 0, 0, 5), IP(10, 9, 0, 1),
			 RTE_IPV4_HDR_MF_FLAG | 100, UDP_PAYLOAD, sizeof(UDP_PAYLOAD));
	NO_ERROR("a middle fragment", 14, frame(b, len));
	len = build_ipv4(b, 0, 5, IPPROTO_UDP, IP(10, 0, 0, 5), IP(255, 255, 255, 255),
			 0, UDP_PAYLOAD, sizeof(UDP_PAYLOAD));
	NO_ERROR("a broadcast destination", 14, frame(b, len));
	len = build_ipv4(b, 0, 5, IPPROTO_UDP, IP(10, 0, 0, 5), IP(224, 0, 0, 5),
			 0, UDP_PAYLOAD, sizeof(UDP_PAYLOAD));
	NO_ERROR("a multicast destination", 14, frame(b, len));
	len = build_ipv4(b, 0, 5, IPPROTO_UDP, 0, IP(10, 9, 0, 1),
			 0, UDP_PAYLOAD, sizeof(UDP_PAYLOAD));
	NO_ERROR("source 0.0.0.0", 14, frame(b, len));
	len = build_ipv4(b, 0, 5, IPPROTO_UDP, IP(224, 1, 1, 1), IP(10, 9, 0, 1),
			 0, UDP_PAYLOAD, sizeof(UDP_PAYLOAD));
	NO_ERROR("a multicast source", 14, frame(b, len));
	len = build_ipv4(b, 0, 5, IPPROTO_UDP, IP(10, 0, 0, 5), IP(10, 9, 0, 1),
			 0, UDP_PAYLOAD, sizeof(UDP_PAYLOAD));
	memset(b, 0xff, 6);
	NO_ERROR("a link-layer broadcast", 14, frame(b, len));
	len = build_ipv4(b, 0, 5, IPPROTO_UDP, IP(10, 0, 0, 5), IP(10, 9, 0, 1),
			 0, UDP_PAYLOAD, sizeof(UDP_PAYLOAD));
	NO_ERROR("a truncated IPv4 header", 14, frame(b, 30));
#undef NO_ERROR
	cr_assert_eq(rte_mempool_avail_count(pool), before, "mbufs leaked");
}

/* ---- TTL ------------------------------------------------------------------- */

Test(icmp, ttl_decrement_checksum_equals_full_recomputation)
{
	uint8_t b[128];

	for (int i = 0; i < 20000; i++) {
		unsigned ihl = 5 + (i % 4 == 0 ? rnd() % 11 : 0);
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(b + 14);

		memset(b, 0, 14);
		for (unsigned k = 0; k < ihl * 4; k++)
			b[14 + k] = (uint8_t)rnd();
		ip->version_ihl = (uint8_t)(0x40 | ihl);
		/* hit the extremes too */
		switch (i % 7) {
		case 0: ip->time_to_live = 255; ip->next_proto_id = 255; break;
		case 1: ip->time_to_live = 2; ip->next_proto_id = 0; break;
		case 2: memset(&ip->src_addr, 0xff, 8); break;
		default: break;
		}
		uint8_t ttl = ip->time_to_live;

		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		struct rte_mbuf *m = frame(b, 14 + ihl * 4);
		uint8_t got = ipv4_ttl_decrement(m, 14);

		ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14);
		if (ttl <= 1) {
			cr_assert_eq(got, 0);
			cr_assert_eq(memcmp(ip, b + 14, ihl * 4), 0,
				     "expired header was changed");
		} else {
			cr_assert_eq(got, ttl - 1);
			cr_assert_eq(ip->time_to_live, ttl - 1);
			assert_ipv4_cksum_ok(ip);
			/* nothing else changed */
			cr_assert_eq(memcmp(ip, b + 14, 8), 0);
			cr_assert_eq(memcmp((uint8_t *)ip + 9, b + 14 + 9, 1), 0);
			cr_assert_eq(memcmp((uint8_t *)ip + 12, b + 14 + 12, ihl * 4 - 12), 0);
		}
		rte_pktmbuf_free(m);
	}
}

Test(icmp, ttl_one_returns_zero_and_zero_stays_zero)
{
	uint8_t b[64], udp[8] = {0};

	size_t len = build_ipv4(b, 0, 5, IPPROTO_UDP, 1, 2, 0, udp, 8);
	b[14 + 8] = 1;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(b + 14);

	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	struct rte_mbuf *m = frame(b, len);

	cr_assert_eq(ipv4_ttl_decrement(m, 14), 0);
	cr_assert_eq(ipv4_ttl_decrement(m, 14), 0, "TTL 0 must not wrap to 255");
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14);
	cr_assert_leq(ip->time_to_live, 1);
	assert_ipv4_cksum_ok(ip);

	/* TTL 2 goes to 1, which is still forwarded */
	rte_pktmbuf_free(m);
	b[14 + 8] = 2;
	ip = (struct rte_ipv4_hdr *)(b + 14);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	m = frame(b, len);
	cr_assert_eq(ipv4_ttl_decrement(m, 14), 1);
	cr_assert_eq(ipv4_ttl_decrement(m, 14), 0);
	rte_pktmbuf_free(m);
}

/* ---- neighbour cache ------------------------------------------------------- */

static struct neigh_table *nt;

static void neigh_setup(void)
{
	setup(); /* EAL and the mbuf pool */
	nt = neigh_create("unit_neigh", 256, SOCKET_ID_ANY, NULL);
	cr_assert_not_null(nt, "neigh_create: %s", rte_strerror(rte_errno));
}

static void neigh_teardown(void)
{
	neigh_free(nt);
	nt = NULL;
	teardown();
}

TestSuite(neigh, .init = neigh_setup, .fini = neigh_teardown);

static struct neigh_entry ent(uint32_t n, uint16_t port, uint16_t vid, uint32_t t)
{
	struct neigh_entry e = {
		.mac = {{0x02, 0x00, (uint8_t)(n >> 24), (uint8_t)(n >> 16),
			 (uint8_t)(n >> 8), (uint8_t)n}},
		.port = port, .vid = vid, .updated = t,
	};
	return e;
}

static void assert_entry(uint32_t ip, const struct neigh_entry *want)
{
	struct neigh_entry got;

	memset(&got, 0xee, sizeof(got));
	cr_assert(neigh_lookup(nt, ip, &got), "%#x not found", ip);
	cr_assert(rte_is_same_ether_addr(&got.mac, &want->mac), "%#x: MAC differs", ip);
	cr_assert_eq(got.port, want->port, "%#x: port %u", ip, got.port);
	cr_assert_eq(got.vid, want->vid);
	cr_assert_eq(got.updated, want->updated);
}

Test(neigh, set_lookup_update_delete)
{
	struct neigh_entry a = ent(1, 3, 10, 100), b = ent(2, 4, 0, 101), out;

	cr_assert_eq(neigh_count(nt), 0);
	cr_assert_not(neigh_lookup(nt, IP(10, 0, 0, 5), &out));
	cr_assert_eq(neigh_set(nt, IP(10, 0, 0, 5), &a), 0);
	cr_assert_eq(neigh_set(nt, IP(10, 0, 0, 6), &b), 0);
	cr_assert_eq(neigh_count(nt), 2);
	assert_entry(IP(10, 0, 0, 5), &a);
	assert_entry(IP(10, 0, 0, 6), &b);
	cr_assert_not(neigh_lookup(nt, IP(10, 0, 0, 7), &out));

	/* update in place: new MAC, port, VLAN, time */
	struct neigh_entry a2 = ent(9, 7, 20, 150);

	cr_assert_eq(neigh_set(nt, IP(10, 0, 0, 5), &a2), 0);
	cr_assert_eq(neigh_count(nt), 2);
	assert_entry(IP(10, 0, 0, 5), &a2);
	assert_entry(IP(10, 0, 0, 6), &b);

	cr_assert_eq(neigh_delete(nt, IP(10, 0, 0, 5)), 0);
	cr_assert_not(neigh_lookup(nt, IP(10, 0, 0, 5), &out));
	cr_assert_eq(neigh_delete(nt, IP(10, 0, 0, 5)), -ENOENT);
	cr_assert_eq(neigh_count(nt), 1);
	assert_entry(IP(10, 0, 0, 6), &b);
}

Test(neigh, age_removes_entries_at_least_ttl_old)
{
	struct neigh_entry e;

	for (uint32_t i = 0; i < 100; i++) {
		e = ent(i, 1, 0, 1000 + i); /* ages 300..201 at now 1300 */
		cr_assert_eq(neigh_set(nt, IP(10, 1, 0, i), &e), 0);
	}
	cr_assert_eq(neigh_age(nt, 1300, 300), 1, "only the 300 s old one");
	cr_assert_not(neigh_lookup(nt, IP(10, 1, 0, 0), &e));
	cr_assert_eq(neigh_age(nt, 1349, 300), 49);
	cr_assert_eq(neigh_count(nt), 50);
	for (uint32_t i = 0; i < 100; i++)
		cr_assert_eq(neigh_lookup(nt, IP(10, 1, 0, i), &e), i >= 50, "ip %u", i);
	/* a refresh keeps one alive */
	e = ent(99, 1, 0, 1400);
	cr_assert_eq(neigh_set(nt, IP(10, 1, 0, 99), &e), 0);
	cr_assert_eq(neigh_age(nt, 1500, 300), 49);
	cr_assert_eq(neigh_count(nt), 1);
	assert_entry(IP(10, 1, 0, 99), &e);
	cr_assert_eq(neigh_age(nt, 1500, NEIGH_TTL_SEC), 0);
}

struct seen {
	unsigned n;
	uint32_t ip[64];
	struct neigh_entry e[64];
};

static void collect(void *ctx, uint32_t ip, const struct neigh_entry *e)
{
	struct seen *s = ctx;

	cr_assert_lt(s->n, 64);
	s->ip[s->n] = ip;
	s->e[s->n++] = *e;
}

Test(neigh, foreach_visits_every_entry_once)
{
	struct seen s = {0};

	neigh_foreach(nt, collect, &s);
	cr_assert_eq(s.n, 0);
	for (uint32_t i = 0; i < 40; i++) {
		struct neigh_entry e = ent(i, (uint16_t)i, (uint16_t)(i * 2), i + 7);

		cr_assert_eq(neigh_set(nt, IP(172, 16, 0, i), &e), 0);
	}
	cr_assert_eq(neigh_delete(nt, IP(172, 16, 0, 13)), 0);
	neigh_foreach(nt, collect, &s);
	cr_assert_eq(s.n, 39);
	cr_assert_eq(neigh_count(nt), 39);
	bool seen[40] = {false};

	for (unsigned k = 0; k < s.n; k++) {
		uint32_t i = s.ip[k] & 0xff;
		struct neigh_entry want = ent(i, (uint16_t)i, (uint16_t)(i * 2), i + 7);

		cr_assert_eq(s.ip[k] & 0xffffff00, IP(172, 16, 0, 0));
		cr_assert_lt(i, 40);
		cr_assert_neq(i, 13, "deleted entry visited");
		cr_assert_not(seen[i], "visited twice");
		seen[i] = true;
		cr_assert(rte_is_same_ether_addr(&s.e[k].mac, &want.mac), "entry %u", i);
		cr_assert_eq(s.e[k].port, want.port, "entry %u", i);
		cr_assert_eq(s.e[k].vid, want.vid, "entry %u", i);
		cr_assert_eq(s.e[k].updated, want.updated, "entry %u", i);
	}
}

Test(neigh, capacity_is_enforced_and_freed_by_delete)
{
	struct neigh_table *small = neigh_create("unit_neigh_small", 8, SOCKET_ID_ANY, NULL);
	struct neigh_entry e = ent(1, 1, 1, 1);

	cr_assert_not_null(small);
	for (uint32_t i = 0; i < 8; i++)
		cr_assert_eq(neigh_set(small, i + 1, &e), 0, "entry %u", i);
	cr_assert_eq(neigh_set(small, 100, &e), -ENOSPC);
	e.port = 5;
	cr_assert_eq(neigh_set(small, 3, &e), 0, "updating an entry of a full table");
	cr_assert_eq(neigh_count(small), 8);
	cr_assert_eq(neigh_delete(small, 1), 0);
	cr_assert_eq(neigh_set(small, 100, &e), 0);
	cr_assert_eq(neigh_count(small), 8);
	/* churn: slots are reused, none leaks */
	for (uint32_t r = 0; r < 50; r++) {
		cr_assert_eq(neigh_delete(small, 100 + r), 0, "round %u", r);
		cr_assert_eq(neigh_set(small, 101 + r, &e), 0, "round %u", r);
	}
	neigh_free(small);
}

Test(neigh, note_then_drain_then_lookup)
{
	struct rte_ring *r = neigh_ring_create(0, SOCKET_ID_ANY);
	const struct rte_ether_addr m1 = {{0x02, 0, 0, 0, 0, 0x11}},
				    m2 = {{0x02, 0, 0, 0, 0, 0x22}},
				    m3 = {{0x02, 0, 0, 0, 0, 0x33}};
	struct neigh_entry out;

	cr_assert_not_null(r);
	cr_assert(neigh_note(r, IP(10, 0, 0, 5), &m1, 2, 10));
	cr_assert(neigh_note(r, IP(10, 0, 0, 6), &m2, 3, 0));
	cr_assert(neigh_note(r, IP(10, 0, 0, 5), &m3, 4, 11)); /* later wins */
	cr_assert_not(neigh_lookup(nt, IP(10, 0, 0, 5), &out), "visible before drain");
	cr_assert_eq(neigh_drain(nt, r, 4242), 3);
	cr_assert_eq(neigh_count(nt), 2);

	struct neigh_entry w5 = {.mac = m3, .port = 4, .vid = 11, .updated = 4242};
	struct neigh_entry w6 = {.mac = m2, .port = 3, .vid = 0, .updated = 4242};

	assert_entry(IP(10, 0, 0, 5), &w5);
	assert_entry(IP(10, 0, 0, 6), &w6);
	cr_assert_eq(neigh_drain(nt, r, 4243), 0, "ring not empty");
	/* a drained note refreshes the time */
	cr_assert(neigh_note(r, IP(10, 0, 0, 6), &m2, 3, 0));
	cr_assert_eq(neigh_drain(nt, r, 5000), 1);
	w6.updated = 5000;
	assert_entry(IP(10, 0, 0, 6), &w6);
	rte_ring_free(r);
}

Test(neigh, full_ring_refuses_notes_until_drained)
{
	struct rte_ring *r = neigh_ring_create(3, SOCKET_ID_ANY);
	const struct rte_ether_addr mac = {{0x02, 0, 0, 0, 0, 0x44}};
	unsigned n = 0;

	cr_assert_not_null(r);
	while (n < 100000 && neigh_note(r, IP(10, 2, 0, 0) + (n % 200), &mac, 1, 0))
		n++;
	cr_assert_eq(n, rte_ring_get_capacity(r), "took %u notes", n);
	cr_assert_gt(n, 200);
	cr_assert_not(neigh_note(r, IP(10, 9, 9, 9), &mac, 1, 0));
	cr_assert_eq(neigh_drain(nt, r, 1), n);
	cr_assert_eq(neigh_count(nt), 200);
	cr_assert(neigh_note(r, IP(10, 9, 9, 9), &mac, 1, 0));
	rte_ring_free(r);
}

/* A reader on another thread copies entries while the writer rewrites
 * them: every copy must be one whole version (MAC, port, VLAN and time
 * all from the same update). */
struct torn_arg {
	bool stop;
	unsigned long reads, torn; /* atomics */
};

static void *torn_reader(void *p)
{
	struct torn_arg *a = p;

	while (!__atomic_load_n(&a->stop, __ATOMIC_RELAXED)) {
		struct neigh_entry e;

		if (!neigh_lookup(nt, IP(10, 3, 0, 1), &e))
			continue;
		uint32_t n = e.updated;
		struct neigh_entry want = ent(n, (uint16_t)n, (uint16_t)(n & 0xfff), n);

		if (!rte_is_same_ether_addr(&e.mac, &want.mac) || e.port != want.port ||
		    e.vid != want.vid)
			__atomic_fetch_add(&a->torn, 1, __ATOMIC_RELAXED);
		__atomic_fetch_add(&a->reads, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

Test(neigh, concurrent_reader_never_sees_a_torn_entry)
{
	struct torn_arg a = {0};
	pthread_t th;
	struct neigh_entry e = ent(0, 0, 0, 0);

	cr_assert_eq(neigh_set(nt, IP(10, 3, 0, 1), &e), 0);
	cr_assert_eq(pthread_create(&th, NULL, torn_reader, &a), 0);
	/* EAL pinned this thread to one CPU and the reader inherited it: let
	 * the reader run on any other CPU so the two really overlap */
	cpu_set_t cpus;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	CPU_ZERO(&cpus);
	for (long c = 0; c < ncpu && c < CPU_SETSIZE; c++)
		CPU_SET(c, &cpus);
	pthread_setaffinity_np(th, sizeof(cpus), &cpus);
	for (uint32_t n = 1; n < 2000000 && (n < 200000 ||
					       __atomic_load_n(&a.reads, __ATOMIC_RELAXED) < 100000); n++) {
		uint32_t v = n * 0x01010101u;

		e = ent(v, (uint16_t)v, (uint16_t)(v & 0xfff), v);
		neigh_set(nt, IP(10, 3, 0, 1), &e);
	}
	__atomic_store_n(&a.stop, true, __ATOMIC_RELAXED);
	pthread_join(th, NULL);
	cr_assert_gt(a.reads, 0);
	cr_assert_eq(a.torn, 0, "%lu of %lu reads were torn", a.torn, a.reads);
}

/* RCU: deleted entries wait for the readers' quiescent state. */
static struct rte_rcu_qsbr *qsbr;
static struct neigh_table *rt;

static void rcu_setup(void)
{
	test_eal_init();
	qsbr = rte_zmalloc("unit_qsbr", rte_rcu_qsbr_get_memsize(1), RTE_CACHE_LINE_SIZE);
	cr_assert_not_null(qsbr);
	cr_assert_eq(rte_rcu_qsbr_init(qsbr, 1), 0);
	cr_assert_eq(rte_rcu_qsbr_thread_register(qsbr, 0), 0);
	rte_rcu_qsbr_thread_online(qsbr, 0);
	rt = neigh_create("unit_neigh_rcu", 64, SOCKET_ID_ANY, qsbr);
	cr_assert_not_null(rt);
}

static void rcu_teardown(void)
{
	neigh_free(rt);
	rte_rcu_qsbr_thread_offline(qsbr, 0);
	rte_rcu_qsbr_thread_unregister(qsbr, 0);
	rte_free(qsbr);
	test_eal_cleanup();
}

TestSuite(neigh_rcu, .init = rcu_setup, .fini = rcu_teardown);

Test(neigh_rcu, deleted_slots_come_back_only_after_quiescent_state)
{
	struct neigh_entry e = ent(1, 1, 1, 1), out;

	for (int cycle = 0; cycle < 4; cycle++) {
		uint32_t base = (uint32_t)cycle * 1000;

		for (uint32_t i = 0; i < 64; i++)
			cr_assert_eq(neigh_set(rt, base + i, &e), 0,
				     "cycle %d entry %u", cycle, i);
		cr_assert_eq(neigh_set(rt, base + 999, &e), -ENOSPC);
		cr_assert_eq(neigh_age(rt, 1000, 300), 64);
		cr_assert_eq(neigh_count(rt), 0);
		cr_assert_not(neigh_lookup(rt, base, &out));
		/* without a quiescent state only the headroom is usable */
		uint32_t extra = 0;

		while (extra < 64 && neigh_set(rt, 500000 + extra, &e) == 0)
			extra++;
		cr_assert_lt(extra, 64, "deleted slots reused before a grace period");
		for (uint32_t i = 0; i < extra; i++)
			cr_assert_eq(neigh_delete(rt, 500000 + i), 0);
		rte_rcu_qsbr_quiescent(qsbr, 0);
	}
}

/* ---- pending queue --------------------------------------------------------- */

TestSuite(pending, .init = neigh_setup, .fini = neigh_teardown);

struct calls {
	unsigned nready, nexpired;
	struct rte_mbuf *ready[NEIGH_PENDING_MAX];
	struct rte_mbuf *expired[NEIGH_PENDING_MAX];
	uint16_t ready_port[NEIGH_PENDING_MAX];
};

static void on_ready(void *ctx, struct neigh_pending_pkt *pk, const struct neigh_entry *e)
{
	struct calls *c = ctx;

	cr_assert_eq(e->port, pk->next_hop & 0xff, "entry is not the next hop's");
	c->ready_port[c->nready] = pk->out_port;
	c->ready[c->nready++] = pk->m;
	rte_pktmbuf_free(pk->m);
}

static void on_expired(void *ctx, struct neigh_pending_pkt *pk)
{
	struct calls *c = ctx;

	c->expired[c->nexpired++] = pk->m;
	rte_pktmbuf_free(pk->m);
}

Test(pending, resolved_subset_is_ready_in_order_rest_kept_in_order)
{
	static struct neigh_pending p;
	struct rte_mempool *mp = rte_pktmbuf_pool_create("pend_mbufs", 127, 0, 0,
		RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	struct rte_mbuf *m[10];
	struct calls c = {0};
	uint64_t now = rte_get_tsc_cycles();

	cr_assert_not_null(mp);
	memset(&p, 0, sizeof(p));
	/* next hops alternate between 10.0.0.1 .. 10.0.0.3 */
	for (unsigned i = 0; i < 10; i++) {
		m[i] = rte_pktmbuf_alloc(mp);
		cr_assert(neigh_pending_add(&p, m[i], IP(10, 0, 0, 1 + i % 3),
					    (uint16_t)(100 + i), 14, now));
	}
	cr_assert_eq(p.n, 10);
	cr_assert_eq(neigh_pending_poll(&p, nt, now, on_ready, on_expired, &c), 0);
	cr_assert_eq(p.n, 10);
	cr_assert_eq(c.nready + c.nexpired, 0);

	struct neigh_entry e = ent(1, 2, 0, 1); /* port = last octet */

	cr_assert_eq(neigh_set(nt, IP(10, 0, 0, 2), &e), 0);
	cr_assert_eq(neigh_pending_poll(&p, nt, now + 1, on_ready, on_expired, &c), 3);
	cr_assert_eq(c.nready, 3);
	cr_assert_eq(c.nexpired, 0);
	cr_assert_eq(c.ready[0], m[1]);
	cr_assert_eq(c.ready[1], m[4]);
	cr_assert_eq(c.ready[2], m[7]);
	cr_assert_eq(c.ready_port[1], 104);
	cr_assert_eq(p.n, 7);
	static const unsigned left[] = {0, 2, 3, 5, 6, 8, 9};
	for (unsigned k = 0; k < 7; k++) {
		cr_assert_eq(p.q[k].m, m[left[k]], "slot %u", k);
		cr_assert_eq(p.q[k].out_port, 100 + left[k]);
		cr_assert_eq(p.q[k].l3_off, 14);
	}
	/* then everything else resolves at once */
	e.port = 1;
	cr_assert_eq(neigh_set(nt, IP(10, 0, 0, 1), &e), 0);
	e.port = 3;
	cr_assert_eq(neigh_set(nt, IP(10, 0, 0, 3), &e), 0);
	cr_assert_eq(neigh_pending_poll(&p, nt, now + 2, on_ready, on_expired, &c), 7);
	cr_assert_eq(p.n, 0);
	for (unsigned k = 0; k < 7; k++)
		cr_assert_eq(c.ready[3 + k], m[left[k]]);
	cr_assert_eq(rte_mempool_avail_count(mp), 127, "mbufs leaked");
	rte_mempool_free(mp);
}

Test(pending, expiry_after_the_deadline_only)
{
	static struct neigh_pending p;
	struct calls c = {0};
	uint64_t hz = rte_get_tsc_hz(), t0 = 1000000;
	uint64_t timeout = hz * NEIGH_PENDING_TIMEOUT_MS / 1000;
	struct rte_mbuf *a = rte_pktmbuf_alloc(pool), *b = rte_pktmbuf_alloc(pool);

	cr_assert_gt(hz, 0);
	memset(&p, 0, sizeof(p));
	cr_assert(neigh_pending_add(&p, a, IP(10, 0, 0, 1), 1, 14, t0));
	cr_assert(neigh_pending_add(&p, b, IP(10, 0, 0, 2), 1, 14, t0 + hz / 2));
	cr_assert_eq(p.q[0].deadline, t0 + timeout);
	cr_assert_eq(neigh_pending_poll(&p, nt, t0 + timeout - 1, on_ready, on_expired, &c), 0);
	cr_assert_eq(p.n, 2);
	cr_assert_eq(neigh_pending_poll(&p, nt, t0 + timeout, on_ready, on_expired, &c), 1);
	cr_assert_eq(c.nexpired, 1);
	cr_assert_eq(c.expired[0], a);
	cr_assert_eq(p.n, 1);
	cr_assert_eq(p.q[0].m, b);
	cr_assert_eq(neigh_pending_poll(&p, nt, t0 + hz / 2 + timeout, on_ready, on_expired, &c), 1);
	cr_assert_eq(c.expired[1], b);
	cr_assert_eq(p.n, 0);
	cr_assert_eq(c.nready, 0);
}

Test(pending, full_queue_refuses)
{
	static struct neigh_pending p;
	uint64_t now = rte_get_tsc_cycles();
	struct rte_mbuf dummy[NEIGH_PENDING_MAX + 1];

	memset(&p, 0, sizeof(p));
	for (unsigned i = 0; i < NEIGH_PENDING_MAX; i++)
		cr_assert(neigh_pending_add(&p, &dummy[i], IP(10, 0, 0, 1), 1, 14, now));
	cr_assert_eq(p.n, NEIGH_PENDING_MAX);
	cr_assert_not(neigh_pending_add(&p, &dummy[NEIGH_PENDING_MAX], IP(10, 0, 0, 1),
					1, 14, now));
	cr_assert_eq(p.n, NEIGH_PENDING_MAX);
	cr_assert_eq(p.q[NEIGH_PENDING_MAX - 1].m, &dummy[NEIGH_PENDING_MAX - 1]);
}

Test(pending, should_ask_rate_limits_per_ip)
{
	static struct neigh_pending p;
	uint64_t hz = rte_get_tsc_hz(), t0 = 5000000;
	uint64_t retry = hz * NEIGH_ARP_RETRY_MS / 1000;

	memset(&p, 0, sizeof(p));
	cr_assert(neigh_should_ask(&p, IP(10, 0, 0, 1), t0));
	cr_assert_not(neigh_should_ask(&p, IP(10, 0, 0, 1), t0 + 1));
	cr_assert_not(neigh_should_ask(&p, IP(10, 0, 0, 1), t0 + retry - 1));
	cr_assert(neigh_should_ask(&p, IP(10, 0, 0, 2), t0 + 2), "another IP asks at once");
	cr_assert(neigh_should_ask(&p, IP(10, 0, 0, 1), t0 + retry));
	cr_assert_not(neigh_should_ask(&p, IP(10, 0, 0, 1), t0 + retry + 1),
		      "the retry is recorded too");
}

Test(pending, should_ask_forgets_the_oldest_when_all_16_slots_are_used)
{
	static struct neigh_pending p;
	uint64_t t0 = 5000000;

	memset(&p, 0, sizeof(p));
	cr_assert_gt(rte_get_tsc_hz() * NEIGH_ARP_RETRY_MS / 1000, 100);
	for (uint32_t i = 1; i <= 16; i++)
		cr_assert(neigh_should_ask(&p, IP(10, 0, 0, i), t0 + i));
	for (uint32_t i = 1; i <= 16; i++)
		cr_assert_not(neigh_should_ask(&p, IP(10, 0, 0, i), t0 + 17), "ip %u", i);
	/* the 17th replaces the oldest, 10.0.0.1 */
	cr_assert(neigh_should_ask(&p, IP(10, 0, 0, 17), t0 + 20));
	cr_assert(neigh_should_ask(&p, IP(10, 0, 0, 1), t0 + 21), "1 was forgotten");
	/* which in turn pushed out 10.0.0.2 */
	cr_assert(neigh_should_ask(&p, IP(10, 0, 0, 2), t0 + 22));
	cr_assert_not(neigh_should_ask(&p, IP(10, 0, 0, 16), t0 + 23));
	cr_assert_not(neigh_should_ask(&p, IP(10, 0, 0, 17), t0 + 24));
	cr_assert_not(neigh_should_ask(&p, IP(10, 0, 0, 1), t0 + 25));
}
