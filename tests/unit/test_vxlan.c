/* VXLAN encapsulation and decapsulation (vxlan/vxlan.h): the outer headers
 * byte for byte against a hand-built frame (as Linux's vxlan device sends
 * them: DF, TTL 64, UDP checksum 0, I flag, VNI << 8), the IPv4 checksum,
 * the UDP source port (deterministic per flow, in 49152-65535, spread over
 * flows), decapsulation back to the same inner frame, and each bad header
 * refused with its reason. EAL (mbufs). */
#include <string.h>

#include <criterion/criterion.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "eal_fixture.h"
#include "vxlan.h"

static struct rte_mempool *pool;

static void setup(void)
{
	test_eal_init_mem("64");
	pool = rte_pktmbuf_pool_create("vxlan_unit", 256, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	cr_assert_not_null(pool);
}

static void teardown(void)
{
	rte_mempool_free(pool);
	rte_eal_cleanup();
}

TestSuite(vxlan, .init = setup, .fini = teardown);

/* An inner TCP/IPv4 frame pod A -> pod B, ports as given. */
static size_t inner_frame(uint8_t *f, uint16_t sport, uint16_t dport)
{
	static const uint8_t head[] = {
		0x0e, 0x2a, 0x0a, 0xf4, 0x02, 0x07, /* dst: 0E-2A-<10.244.2.7> */
		0x0e, 0x2a, 0x0a, 0xf4, 0x01, 0x05, /* src */
		0x08, 0x00,
		0x45, 0x00, 0x00, 0x28, 0x12, 0x34, 0x40, 0x00, 0x40, 0x06, 0x00, 0x00,
		10, 244, 1, 5, 10, 244, 2, 7,
	};
	size_t n = sizeof(head);

	memcpy(f, head, n);
	f[n++] = (uint8_t)(sport >> 8);
	f[n++] = (uint8_t)sport;
	f[n++] = (uint8_t)(dport >> 8);
	f[n++] = (uint8_t)dport;
	memset(f + n, 0, 16);
	f[n + 8] = 0x50; /* data offset */
	f[n + 9] = 0x02; /* SYN */
	return n + 16;
}

static struct rte_mbuf *mbuf_of(const uint8_t *f, size_t n)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);

	cr_assert_not_null(m);
	memcpy(rte_pktmbuf_append(m, (uint16_t)n), f, n);
	return m;
}

static uint16_t ip_csum(const uint8_t *h)
{
	uint32_t s = 0;

	for (int i = 0; i < 20; i += 2)
		s += (uint32_t)h[i] << 8 | h[i + 1];
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static const struct vxlan_tunnel tun = {
	.local_ip = 0xc0000205,  /* 192.0.2.5 */
	.remote_ip = 0xc0000206, /* 192.0.2.6 */
	.local_mac = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x05}},
	.next_hop_mac = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x06}},
	.vni = 4096,
};

Test(vxlan, encap_is_byte_exact_and_decap_restores_the_frame)
{
	uint8_t inner[128], want[256];
	size_t n = inner_frame(inner, 40000, 80);
	struct rte_mbuf *m = mbuf_of(inner, n);
	uint16_t sport = vxlan_src_port(m);
	struct vxlan_outer o;
	const uint8_t outer[] = {
		0x02, 0x00, 0x00, 0x00, 0x00, 0x06, 0x02, 0x00, 0x00, 0x00, 0x00, 0x05,
		0x08, 0x00,
		0x45, 0x00, (uint8_t)((n + 36) >> 8), (uint8_t)(n + 36), 0x00, 0x00,
		0x40, 0x00, 64, 17, 0x00, 0x00, 192, 0, 2, 5, 192, 0, 2, 6,
		(uint8_t)(sport >> 8), (uint8_t)sport, 0x12, 0xb5,
		(uint8_t)((n + 16) >> 8), (uint8_t)(n + 16), 0x00, 0x00,
		0x08, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, /* I flag, VNI 4096 */
	};
	uint16_t c;

	memcpy(want, outer, sizeof(outer));
	c = ip_csum(want + 14);
	want[24] = (uint8_t)(c >> 8);
	want[25] = (uint8_t)c;
	memcpy(want + sizeof(outer), inner, n);
	cr_assert_eq(sizeof(outer), VXLAN_OVERHEAD);
	cr_assert_eq(vxlan_encap(m, &tun, false), 0);
	cr_assert_eq(rte_pktmbuf_pkt_len(m), n + VXLAN_OVERHEAD);
	cr_assert_arr_eq(rte_pktmbuf_mtod(m, uint8_t *), want, n + VXLAN_OVERHEAD,
			 "the encapsulated frame differs from the hand-built one");
	cr_assert_eq(vxlan_decap(m, 0, &o), VXLAN_DECAP_OK);
	cr_assert_eq(o.vni, 4096);
	cr_assert_eq(o.src_ip, tun.local_ip);
	cr_assert_eq(o.dst_ip, tun.remote_ip);
	cr_assert_eq(o.src_port, sport);
	cr_assert_eq(rte_pktmbuf_pkt_len(m), n);
	cr_assert_arr_eq(rte_pktmbuf_mtod(m, uint8_t *), inner, n);
	rte_pktmbuf_free(m);
}

Test(vxlan, offloaded_checksum_left_to_the_port_and_vxlan_port_honoured)
{
	uint8_t inner[128];
	size_t n = inner_frame(inner, 1, 2);
	struct rte_mbuf *m = mbuf_of(inner, n);
	struct vxlan_tunnel t = tun;
	struct vxlan_outer o;
	uint8_t *p;

	t.dst_port = 8472; /* flannel's VxlanPort on some setups */
	cr_assert_eq(vxlan_encap(m, &t, true), 0);
	p = rte_pktmbuf_mtod(m, uint8_t *);
	cr_assert(p[24] == 0 && p[25] == 0, "checksum left at 0 for the port");
	cr_assert(m->ol_flags & RTE_MBUF_F_TX_IP_CKSUM);
	cr_assert_eq(m->l2_len, 14);
	cr_assert_eq(m->l3_len, 20);
	cr_assert(p[36] == 0x21 && p[37] == 0x18, "destination port 8472");
	cr_assert_eq(vxlan_decap(m, 0, &o), VXLAN_NOT_VXLAN, "not to 4789: not ours");
	cr_assert_eq(vxlan_decap(m, 8472, &o), VXLAN_DECAP_OK);
	rte_pktmbuf_free(m);
}

Test(vxlan, source_port_per_flow_in_range_and_spread)
{
	uint8_t inner[128];
	unsigned buckets[16] = {0};
	uint16_t first = 0;

	for (unsigned i = 0; i < 4096; i++) {
		size_t n = inner_frame(inner, (uint16_t)(10000 + i), 80);
		struct rte_mbuf *m = mbuf_of(inner, n);
		uint16_t a = vxlan_src_port(m), b = vxlan_src_port(m);

		cr_assert_eq(a, b, "the same flow, the same port");
		cr_assert_geq(a, VXLAN_SRC_PORT_MIN);
		if (i == 0)
			first = a;
		buckets[(a - VXLAN_SRC_PORT_MIN) * 16 / 16384]++;
		rte_pktmbuf_free(m);
	}
	(void)first;
	for (unsigned b = 0; b < 16; b++)
		cr_assert(buckets[b] > 4096 / 16 / 2 && buckets[b] < 4096 / 16 * 2,
			  "bucket %u holds %u of 4096 flows", b, buckets[b]);
}

Test(vxlan, bad_headers_refused_with_their_reason)
{
	uint8_t inner[128];
	size_t n = inner_frame(inner, 5, 6);
	struct vxlan_outer o;
	struct rte_mbuf *m;
	uint8_t *p;

	/* no I flag */
	m = mbuf_of(inner, n);
	vxlan_encap(m, &tun, false);
	p = rte_pktmbuf_mtod(m, uint8_t *);
	p[42] = 0x00;
	cr_assert_eq(vxlan_decap(m, 0, &o), VXLAN_BAD_HEADER);
	cr_assert_eq(rte_pktmbuf_pkt_len(m), n + VXLAN_OVERHEAD, "left untouched");
	/* reserved bits after the VNI */
	p[42] = 0x08;
	p[49] = 0x01;
	cr_assert_eq(vxlan_decap(m, 0, &o), VXLAN_BAD_HEADER);
	p[49] = 0x00;
	/* a fragment */
	p[20] = 0x20;
	cr_assert_eq(vxlan_decap(m, 0, &o), VXLAN_BAD_HEADER);
	p[20] = 0x40;
	/* UDP length disagreeing with the IP length */
	p[39] ^= 0x01;
	cr_assert_eq(vxlan_decap(m, 0, &o), VXLAN_BAD_HEADER);
	p[39] ^= 0x01;
	/* cut short */
	rte_pktmbuf_trim(m, (uint16_t)(n - 4));
	cr_assert_eq(vxlan_decap(m, 0, &o), VXLAN_TRUNCATED);
	rte_pktmbuf_free(m);
	/* plain traffic is not ours */
	m = mbuf_of(inner, n);
	cr_assert_eq(vxlan_decap(m, 0, &o), VXLAN_NOT_VXLAN);
	rte_pktmbuf_free(m);
	/* a VNI over 24 bits is refused at encapsulation */
	m = mbuf_of(inner, n);
	struct vxlan_tunnel big = tun;

	big.vni = 1u << 24;
	cr_assert_eq(vxlan_encap(m, &big, false), -1);
	rte_pktmbuf_free(m);
}

/* The per-tunnel template (the fast path): the outer IPv4 checksum folded
 * from the precomputed sum is right for every length (carries included),
 * the lengths and source port are the frame's, the inner MACs the
 * template's; vxlan_src_port_ipv4 on a parsed header equals
 * vxlan_src_port on the frame. */
Test(vxlan, template_encap_every_length)
{
	static const struct rte_ether_addr in_dst = {{0x0e, 0x2a, 0, 0, 0, 0x0d}};
	static const struct rte_ether_addr in_src = {{0x02, 0x15, 0x5d, 0, 0, 0x01}};
	struct vxlan_tunnel t = tun;
	struct vxlan_template tpl;
	uint8_t f[1600];

	t.remote_ip = 0xfffffffe; /* large words: the sum carries */
	t.vni = 0xabcdef;
	cr_assert_eq(vxlan_template_init(&tpl, &t, &in_dst, &in_src), 0);
	for (size_t len = 60; len <= 1500; len += 37) {
		size_t n = inner_frame(f, (uint16_t)len, 80);
		struct rte_mbuf *m;
		const uint8_t *p;
		uint16_t sport;

		memset(f + n, 0x5a, len - n); /* payload up to len */
		n = len;
		m = mbuf_of(f, n);
		sport = vxlan_src_port(m);
		cr_assert_eq(vxlan_src_port_ipv4(f + 14, (uint32_t)(n - 14)), sport);
		cr_assert_eq(vxlan_encap_template(m, &tpl, sport, false), 0);
		p = rte_pktmbuf_mtod(m, const uint8_t *);
		cr_assert_eq(rte_pktmbuf_pkt_len(m), n + 50);
		cr_assert_eq((size_t)(p[16] << 8 | p[17]), n + 36, "IPv4 total length");
		cr_assert_eq(ip_csum(p + 14), 0, "outer IPv4 checksum at %zu bytes", n);
		cr_assert_eq((uint16_t)(p[34] << 8 | p[35]), sport);
		cr_assert_eq((size_t)(p[38] << 8 | p[39]), n + 16, "UDP length");
		cr_assert_eq(p[46] << 16 | p[47] << 8 | p[48], 0xabcdef, "VNI");
		cr_assert_arr_eq(p + 50, &in_dst, 6);
		cr_assert_arr_eq(p + 56, &in_src, 6);
		cr_assert_arr_eq(p + 62, f + 12, n - 12, "the rest of the inner frame");
		rte_pktmbuf_free(m);
	}
	t.vni = VXLAN_VNI_MAX + 1;
	cr_assert_eq(vxlan_template_init(&tpl, &t, &in_dst, &in_src), -1);
}
