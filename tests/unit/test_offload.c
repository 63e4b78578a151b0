/* Offloads finished in software (vswitch/dataplane/offload.h): TSO frames
 * cut into segments byte for byte as a NIC would (headers, sequence
 * numbers, flags, payload), every checksum checked against a plain
 * recomputation written here, partial checksums seeded and finished, and
 * what the parser refuses. Needs EAL for mbuf pools. */
#include <netinet/in.h>
#include <string.h>

#include <criterion/criterion.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "eal_fixture.h"
#include "offload.h"

static struct rte_mempool *big, *small;

static void setup(void)
{
	test_eal_init();
	big = rte_pktmbuf_pool_create("unit_big", 15, 0, 0, 16384, SOCKET_ID_ANY);
	small = rte_pktmbuf_pool_create("unit_small", 255, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					SOCKET_ID_ANY);
	cr_assert(big != NULL && small != NULL, "pools: %s", rte_strerror(rte_errno));
}

static void teardown(void)
{
	rte_mempool_free(big);
	rte_mempool_free(small);
	test_eal_cleanup();
}

TestSuite(offload, .init = setup, .fini = teardown);

#define TCP_OPTS 12 /* NOP NOP timestamp: a 32-byte TCP header */

/* ---- a reference checksum: 16-bit big-endian words, end-around carry */

static uint32_t sum_bytes(const uint8_t *p, size_t len, uint32_t sum)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* The pseudo header (addresses, protocol, L4 length) summed. */
static uint32_t pseudo(const uint8_t *l3, bool v6, uint8_t proto, uint32_t l4_len)
{
	uint32_t sum = v6 ? sum_bytes(l3 + 8, 32, 0) : sum_bytes(l3 + 12, 8, 0);

	return sum + proto + (l4_len >> 16) + (l4_len & 0xffff);
}

/* Whether the L4 checksum of a contiguous frame verifies. */
static bool l4_valid(const uint8_t *f, uint16_t l3, bool v6, uint8_t proto)
{
	uint32_t l4_len = v6 ? (uint32_t)(f[l3 + 4] << 8 | f[l3 + 5])
			     : (uint32_t)(f[l3 + 2] << 8 | f[l3 + 3]) - 20;
	uint16_t l4 = (uint16_t)(l3 + (v6 ? 40 : 20));

	return fold(sum_bytes(f + l4, l4_len, pseudo(f + l3, v6, proto, l4_len))) == 0xffff;
}

static bool ipv4_hdr_valid(const uint8_t *f, uint16_t l3)
{
	return fold(sum_bytes(f + l3, 20, 0)) == 0xffff;
}

/* ---- frames */

static uint8_t payload_byte(uint32_t i)
{
	return (uint8_t)(i * 7 + (i >> 8));
}

/* Ethernet + IPv4 or IPv6 + TCP (with options) + payload bytes, the
 * checksum field seeded as Linux hands it over, TSO flags for mss. */
static struct rte_mbuf *tso_frame(bool v6, uint32_t payload, uint16_t mss, uint8_t flags)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(big);
	uint16_t l3 = 14, l4 = (uint16_t)(l3 + (v6 ? 40 : 20)), hl = l4 + 20 + TCP_OPTS;
	uint8_t *f;

	cr_assert_not_null(m);
	f = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(hl + payload));
	cr_assert_not_null(f);
	memset(f, 0, hl);
	memcpy(f, "\x02\x00\x00\x00\x00\x0b\x02\x00\x00\x00\x00\x0a", 12);
	if (v6) {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(f + l3);

		f[12] = 0x86, f[13] = 0xdd;
		ip6->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ip6->payload_len = rte_cpu_to_be_16((uint16_t)(20 + TCP_OPTS + payload));
		ip6->proto = IPPROTO_TCP;
		ip6->hop_limits = 64;
		ip6->src_addr[0] = 0xfd, ip6->src_addr[15] = 2;
		ip6->dst_addr[0] = 0xfd, ip6->dst_addr[15] = 3;
	} else {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f + l3);

		f[12] = 0x08, f[13] = 0x00;
		ip->version_ihl = 0x45;
		ip->total_length = rte_cpu_to_be_16((uint16_t)(20 + 20 + TCP_OPTS + payload));
		ip->packet_id = rte_cpu_to_be_16(0xfffe); /* wraps within the segments */
		ip->fragment_offset = RTE_BE16(RTE_IPV4_HDR_DF_FLAG);
		ip->time_to_live = 64;
		ip->next_proto_id = IPPROTO_TCP;
		ip->src_addr = RTE_BE32(0x0a000002);
		ip->dst_addr = RTE_BE32(0x0a000003);
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	}
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(f + l4);

	th->src_port = RTE_BE16(40000);
	th->dst_port = RTE_BE16(5201);
	th->sent_seq = rte_cpu_to_be_32(0xfffff000); /* wraps too */
	th->recv_ack = rte_cpu_to_be_32(77);
	th->data_off = (uint8_t)(((20 + TCP_OPTS) / 4) << 4);
	th->tcp_flags = flags;
	th->rx_win = RTE_BE16(512);
	memcpy(f + l4 + 20, "\x01\x01\x08\x0a\x00\x00\x00\x01\x00\x00\x00\x02", TCP_OPTS);
	for (uint32_t i = 0; i < payload; i++)
		f[hl + i] = payload_byte(i);

	struct offload_hdrs h;

	cr_assert_eq(offload_parse(m, &h), 0);
	offload_seed(f, &h);
	m->ol_flags = RTE_MBUF_F_TX_TCP_CKSUM | RTE_MBUF_F_TX_TCP_SEG |
		      (v6 ? RTE_MBUF_F_TX_IPV6 : RTE_MBUF_F_TX_IPV4);
	m->tso_segsz = mss;
	m->l2_len = l3, m->l3_len = (uint16_t)(l4 - l3), m->l4_len = 20 + TCP_OPTS;
	return m;
}

static void check_segments(bool v6, uint32_t payload, uint16_t mss, struct rte_mbuf *m)
{
	struct rte_mbuf *segs[64];
	struct offload_hdrs h;
	const uint8_t *orig = rte_pktmbuf_mtod(m, const uint8_t *);
	uint16_t l3 = 14, hl;
	uint32_t want = (payload + mss - 1) / mss;
	uint8_t flags_in;

	cr_assert_eq(offload_parse(m, &h), 0);
	hl = h.hdr_len;
	flags_in = orig[h.l4_off + 13];
	cr_assert(offload_needs_segmentation(m, &h));
	uint16_t n = offload_segment(small, m, &h, segs, 64);

	cr_assert_eq(n, want, "%u segments, want %u", n, want);
	for (uint16_t i = 0; i < n; i++) {
		const uint8_t *s = rte_pktmbuf_mtod(segs[i], const uint8_t *);
		uint32_t len = i + 1 < n ? mss : payload - (uint32_t)i * mss;
		uint32_t seq = (uint32_t)(s[h.l4_off + 4] << 24 | s[h.l4_off + 5] << 16 |
					  s[h.l4_off + 6] << 8 | s[h.l4_off + 7]);
		uint8_t fl = s[h.l4_off + 13];

		cr_assert_eq(rte_pktmbuf_pkt_len(segs[i]), hl + len, "segment %u length", i);
		cr_assert_eq(segs[i]->ol_flags & OFFLOAD_MASK, 0, "segment %u keeps a request", i);
		/* Ethernet, the unchanged IP fields, ports, ack, window, options */
		cr_assert_eq(memcmp(s, orig, 14), 0);
		cr_assert_eq(memcmp(s + h.l4_off, orig + h.l4_off, 4), 0);
		cr_assert_eq(memcmp(s + h.l4_off + 8, orig + h.l4_off + 8, 5), 0);
		cr_assert_eq(memcmp(s + h.l4_off + 14, orig + h.l4_off + 14, 2), 0);
		cr_assert_eq(memcmp(s + h.l4_off + 18, orig + h.l4_off + 18, hl - h.l4_off - 18), 0);
		cr_assert_eq(seq, 0xfffff000u + (uint32_t)i * mss, "segment %u seq %08x", i, seq);
		if (v6) {
			cr_assert_eq(s[l3 + 4] << 8 | s[l3 + 5], hl - h.l4_off + len);
			cr_assert_eq(memcmp(s + l3 + 6, orig + l3 + 6, 34), 0);
		} else {
			cr_assert_eq(s[l3 + 2] << 8 | s[l3 + 3], hl - l3 + len);
			cr_assert_eq((uint16_t)(s[l3 + 4] << 8 | s[l3 + 5]), (uint16_t)(0xfffe + i),
				     "segment %u IP ID", i);
			cr_assert(ipv4_hdr_valid(s, l3), "segment %u IP header checksum", i);
		}
		/* FIN and PSH on the last only, CWR on the first only */
		uint8_t keep = (uint8_t)~(RTE_TCP_FIN_FLAG | RTE_TCP_PSH_FLAG | RTE_TCP_CWR_FLAG);

		cr_assert_eq(fl & keep, flags_in & keep);
		cr_assert_eq(fl & (RTE_TCP_FIN_FLAG | RTE_TCP_PSH_FLAG),
			     i + 1 == n ? flags_in & (RTE_TCP_FIN_FLAG | RTE_TCP_PSH_FLAG) : 0);
		cr_assert_eq(fl & RTE_TCP_CWR_FLAG, i == 0 ? flags_in & RTE_TCP_CWR_FLAG : 0);
		for (uint32_t b = 0; b < len; b++)
			cr_assert_eq(s[hl + b], payload_byte((uint32_t)i * mss + b),
				     "segment %u payload byte %u", i, b);
		cr_assert(l4_valid(s, l3, v6, IPPROTO_TCP), "segment %u TCP checksum", i);
	}
	rte_pktmbuf_free_bulk(segs, n);
}

Test(offload, ipv4_tso_frame_cut_into_mss_segments_byte_exact)
{
	uint8_t fl = RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG | RTE_TCP_FIN_FLAG | RTE_TCP_CWR_FLAG;
	struct rte_mbuf *m = tso_frame(false, 10000, 1448, fl);

	check_segments(false, 10000, 1448, m);
	rte_pktmbuf_free(m);
}

Test(offload, ipv6_tso_frame_cut_into_mss_segments_byte_exact)
{
	struct rte_mbuf *m = tso_frame(true, 5000, 1428, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG);

	check_segments(true, 5000, 1428, m);
	rte_pktmbuf_free(m);
}

Test(offload, chained_tso_frame_segments_across_the_chain)
{
	struct rte_mbuf *m = tso_frame(false, 6000, 1000, RTE_TCP_ACK_FLAG);
	struct rte_mbuf *tail = rte_pktmbuf_alloc(small);
	uint16_t cut = 1500; /* the frame's last 1500 bytes go to a second buffer */

	cr_assert_not_null(tail);
	memcpy(rte_pktmbuf_append(tail, cut),
	       rte_pktmbuf_mtod_offset(m, uint8_t *, m->data_len - cut), cut);
	rte_pktmbuf_trim(m, cut);
	cr_assert_eq(rte_pktmbuf_chain(m, tail), 0);
	check_segments(false, 6000, 1000, m);
	rte_pktmbuf_free(m);
}

Test(offload, frame_within_one_mss_is_only_checksummed)
{
	struct rte_mbuf *m = tso_frame(false, 1000, 1448, RTE_TCP_ACK_FLAG);
	struct offload_hdrs h;

	cr_assert_eq(offload_parse(m, &h), 0);
	cr_assert(!offload_needs_segmentation(m, &h));
	cr_assert_eq(offload_wire_len(m), rte_pktmbuf_pkt_len(m));
	offload_checksum(m, &h);
	cr_assert_eq(m->ol_flags & OFFLOAD_MASK, 0);
	cr_assert(l4_valid(rte_pktmbuf_mtod(m, uint8_t *), 14, false, IPPROTO_TCP));
	rte_pktmbuf_free(m);
}

Test(offload, wire_length_counts_every_segments_headers)
{
	struct rte_mbuf *m = tso_frame(false, 10000, 1448, RTE_TCP_ACK_FLAG);
	uint32_t hl = 14 + 20 + 20 + TCP_OPTS;

	/* 7 segments: the headers 6 more times */
	cr_assert_eq(offload_wire_len(m), hl + 10000 + 6 * hl);
	rte_pktmbuf_free(m);
}

Test(offload, udp_partial_checksum_finished_and_seed_is_the_pseudo_header)
{
	struct rte_mbuf *m = tso_frame(false, 100, 1448, 0);
	uint8_t *f = rte_pktmbuf_mtod(m, uint8_t *);
	struct rte_udp_hdr *uh;
	struct offload_hdrs h;
	uint16_t seed;

	/* the same bytes as a UDP datagram of 100 + 32 bytes */
	f[14 + 9] = IPPROTO_UDP;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f + 14);

	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	uh = (struct rte_udp_hdr *)(f + 34);
	uh->dgram_len = rte_cpu_to_be_16(8 + 24 + 100);
	cr_assert_eq(offload_parse(m, &h), 0);
	cr_assert_eq(h.proto, IPPROTO_UDP);
	cr_assert_eq(h.hdr_len, 34 + 8);
	offload_seed(f, &h);
	memcpy(&seed, &uh->dgram_cksum, 2);
	seed = rte_be_to_cpu_16(seed);
	cr_assert_eq(seed, fold(pseudo(f + 14, false, IPPROTO_UDP, 8 + 24 + 100)),
		     "seed %04x", seed);
	m->ol_flags = RTE_MBUF_F_TX_UDP_CKSUM | RTE_MBUF_F_TX_IPV4;
	offload_checksum(m, &h);
	cr_assert(l4_valid(f, 14, false, IPPROTO_UDP));
	cr_assert_eq(m->ol_flags & OFFLOAD_MASK, 0);
	rte_pktmbuf_free(m);
}

Test(offload, parser_refuses_fragments_other_protocols_and_short_frames)
{
	struct rte_mbuf *m = tso_frame(false, 100, 1448, RTE_TCP_ACK_FLAG);
	uint8_t *f = rte_pktmbuf_mtod(m, uint8_t *);
	struct offload_hdrs h;

	f[14 + 6] |= 0x20; /* MF: a fragment */
	cr_assert_eq(offload_parse(m, &h), -1);
	f[14 + 6] &= (uint8_t)~0x20;
	f[14 + 9] = IPPROTO_ICMP;
	cr_assert_eq(offload_parse(m, &h), -1);
	f[14 + 9] = IPPROTO_TCP;
	f[14 + 2] = 0xff; /* an IP length past the frame's end */
	cr_assert_eq(offload_parse(m, &h), -1);
	f[14 + 2] = 0;
	f[14 + 3] = 100 + 20 + 32;
	cr_assert_eq(offload_parse(m, &h), 0);
	rte_pktmbuf_trim(m, (uint16_t)(m->data_len - 40)); /* the TCP header cut */
	cr_assert_eq(offload_parse(m, &h), -1);
	rte_pktmbuf_free(m);
}

Test(offload, vlan_tagged_frame_parsed_past_its_tag)
{
	struct rte_mbuf *m = tso_frame(false, 3000, 1448, RTE_TCP_ACK_FLAG);
	uint8_t *f = (uint8_t *)rte_pktmbuf_prepend(m, 4);
	struct offload_hdrs h;

	cr_assert_not_null(f);
	memmove(f, f + 4, 12);
	memcpy(f + 12, "\x81\x00\x00\x0a", 4);
	cr_assert_eq(offload_parse(m, &h), 0);
	cr_assert_eq(h.l3_off, 18);
	cr_assert_eq(h.l4_off, 38);
	cr_assert_eq(h.hdr_len, 38 + 20 + TCP_OPTS);
	rte_pktmbuf_free(m);
}
