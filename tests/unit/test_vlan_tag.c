/* Outer VLAN tag rewrite on mbufs (vswitch/vlan_tag.h) and ingress Ethernet
 * parsing (vswitch/parse.h). Needs EAL for the mbuf pool. */
#include <string.h>

#include <criterion/criterion.h>
#include <rte_mbuf.h>

#include "eal_fixture.h"
#include "parse.h"
#include "vlan_tag.h"

static struct rte_mempool *pool;

static void setup(void)
{
	test_eal_init();
	pool = rte_pktmbuf_pool_create("unit_mbufs", 63, 0, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	cr_assert_not_null(pool, "mbuf pool: %s", rte_strerror(rte_errno));
}

static void teardown(void)
{
	rte_mempool_free(pool);
	pool = NULL;
	test_eal_cleanup();
}

#define DST 0x02, 0x00, 0x00, 0x00, 0x00, 0x0b
#define SRC 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a
#define IPV4 0x08, 0x00
/* 8 bytes that stand for the rest of the frame */
#define PAYLOAD 0x45, 0x00, 0x00, 0x1c, 0xde, 0xad, 0xbe, 0xef

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
	cr_assert_eq(rte_pktmbuf_pkt_len(m), len, "pkt_len %u, want %zu",
		     rte_pktmbuf_pkt_len(m), len);
	const uint8_t *got = rte_pktmbuf_mtod(m, const uint8_t *);
	for (size_t i = 0; i < len; i++)
		cr_assert_eq(got[i], want[i], "byte %zu is 0x%02x, want 0x%02x", i,
			     got[i], want[i]);
}

/* ---- vlan_tag_needs_rewrite (pure) ---------------------------------------- */

Test(vlan_tag_needs_rewrite, untagged_egress_of_untagged_frame_needs_nothing)
{
	cr_assert_not(vlan_tag_needs_rewrite(VLAN_EGRESS_UNTAGGED, false, 0, 0));
	cr_assert_not(vlan_tag_needs_rewrite(VLAN_EGRESS_UNTAGGED, false, 0, 10));
}

Test(vlan_tag_needs_rewrite, untagged_egress_of_tagged_or_priority_tagged_frame_pops)
{
	cr_assert(vlan_tag_needs_rewrite(VLAN_EGRESS_UNTAGGED, true, 10, 10));
	cr_assert(vlan_tag_needs_rewrite(VLAN_EGRESS_UNTAGGED, true, 0, 0));
}

Test(vlan_tag_needs_rewrite, tagged_egress_of_untagged_frame_pushes)
{
	cr_assert(vlan_tag_needs_rewrite(VLAN_EGRESS_TAGGED, false, 0, 10));
}

Test(vlan_tag_needs_rewrite, tagged_egress_with_same_vid_needs_nothing)
{
	cr_assert_not(vlan_tag_needs_rewrite(VLAN_EGRESS_TAGGED, true, 10, 10));
}

Test(vlan_tag_needs_rewrite, tagged_egress_with_other_vid_rewrites)
{
	cr_assert(vlan_tag_needs_rewrite(VLAN_EGRESS_TAGGED, true, 10, 20));
	/* priority tag arriving on a trunk whose native VLAN leaves tagged */
	cr_assert(vlan_tag_needs_rewrite(VLAN_EGRESS_TAGGED, true, 0, 10));
}

/* ---- vlan_tag_rewrite ------------------------------------------------------ */

TestSuite(vlan_tag_rewrite, .init = setup, .fini = teardown, .timeout = 20);

Test(vlan_tag_rewrite, push_inserts_8100_tag_after_source_mac)
{
	static const uint8_t in[] = {DST, SRC, IPV4, PAYLOAD};
	static const uint8_t out[] = {DST, SRC, 0x81, 0x00, 0x00, 0x0a, IPV4, PAYLOAD};
	struct rte_mbuf *m = frame(in, sizeof(in));
	uint16_t headroom = rte_pktmbuf_headroom(m);

	cr_assert_eq(vlan_tag_rewrite(m, VLAN_EGRESS_TAGGED, false, 10), 0);
	assert_frame(m, out, sizeof(out));
	cr_assert_eq(rte_pktmbuf_headroom(m), headroom - VLAN_TAG_LEN);
	rte_pktmbuf_free(m);
}

Test(vlan_tag_rewrite, push_of_vid_4094_sets_all_twelve_vid_bits)
{
	static const uint8_t in[] = {DST, SRC, IPV4, PAYLOAD};
	static const uint8_t out[] = {DST, SRC, 0x81, 0x00, 0x0f, 0xfe, IPV4, PAYLOAD};
	struct rte_mbuf *m = frame(in, sizeof(in));

	cr_assert_eq(vlan_tag_rewrite(m, VLAN_EGRESS_TAGGED, false, 4094), 0);
	assert_frame(m, out, sizeof(out));
	rte_pktmbuf_free(m);
}

Test(vlan_tag_rewrite, push_without_headroom_fails_and_leaves_frame_intact)
{
	static const uint8_t in[] = {DST, SRC, IPV4, PAYLOAD};
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);

	cr_assert_not_null(m);
	m->data_off = 2; /* less headroom than a tag needs */
	memcpy(rte_pktmbuf_append(m, sizeof(in)), in, sizeof(in));
	cr_assert_eq(vlan_tag_rewrite(m, VLAN_EGRESS_TAGGED, false, 10), -1);
	assert_frame(m, in, sizeof(in));
	rte_pktmbuf_free(m);
}

Test(vlan_tag_rewrite, pop_removes_the_tag_and_keeps_macs_and_ethertype)
{
	static const uint8_t in[] = {DST, SRC, 0x81, 0x00, 0x60, 0x0a, IPV4, PAYLOAD};
	static const uint8_t out[] = {DST, SRC, IPV4, PAYLOAD};
	struct rte_mbuf *m = frame(in, sizeof(in));

	cr_assert_eq(vlan_tag_rewrite(m, VLAN_EGRESS_UNTAGGED, true, 0), 0);
	assert_frame(m, out, sizeof(out));
	rte_pktmbuf_free(m);
}

Test(vlan_tag_rewrite, pop_of_priority_tag_leaves_untagged_frame)
{
	static const uint8_t in[] = {DST, SRC, 0x81, 0x00, 0xa0, 0x00, IPV4, PAYLOAD};
	static const uint8_t out[] = {DST, SRC, IPV4, PAYLOAD};
	struct rte_mbuf *m = frame(in, sizeof(in));

	cr_assert_eq(vlan_tag_rewrite(m, VLAN_EGRESS_UNTAGGED, true, 5), 0);
	assert_frame(m, out, sizeof(out));
	rte_pktmbuf_free(m);
}

Test(vlan_tag_rewrite, vid_change_keeps_pcp_and_dei_bits)
{
	/* TCI 0xb00a: PCP 5, DEI 1, VID 10 -> VID 20 = 0xb014 */
	static const uint8_t in[] = {DST, SRC, 0x81, 0x00, 0xb0, 0x0a, IPV4, PAYLOAD};
	static const uint8_t out[] = {DST, SRC, 0x81, 0x00, 0xb0, 0x14, IPV4, PAYLOAD};
	struct rte_mbuf *m = frame(in, sizeof(in));

	cr_assert_eq(vlan_tag_rewrite(m, VLAN_EGRESS_TAGGED, true, 20), 0);
	assert_frame(m, out, sizeof(out));
	rte_pktmbuf_free(m);
}

Test(vlan_tag_rewrite, vid_change_of_priority_tag_keeps_pcp)
{
	static const uint8_t in[] = {DST, SRC, 0x81, 0x00, 0xe0, 0x00, IPV4, PAYLOAD};
	static const uint8_t out[] = {DST, SRC, 0x81, 0x00, 0xe0, 0x64, IPV4, PAYLOAD};
	struct rte_mbuf *m = frame(in, sizeof(in));

	cr_assert_eq(vlan_tag_rewrite(m, VLAN_EGRESS_TAGGED, true, 100), 0);
	assert_frame(m, out, sizeof(out));
	rte_pktmbuf_free(m);
}

Test(vlan_tag_rewrite, qinq_vid_change_touches_only_the_outer_tag)
{
	/* outer 802.1ad PCP 1 VID 100, inner 802.1Q PCP 7 VID 10 */
	static const uint8_t in[] = {DST, SRC, 0x88, 0xa8, 0x20, 0x64,
				     0x81, 0x00, 0xe0, 0x0a, IPV4, PAYLOAD};
	static const uint8_t out[] = {DST, SRC, 0x88, 0xa8, 0x20, 0xc8,
				      0x81, 0x00, 0xe0, 0x0a, IPV4, PAYLOAD};
	struct rte_mbuf *m = frame(in, sizeof(in));

	cr_assert_eq(vlan_tag_rewrite(m, VLAN_EGRESS_TAGGED, true, 200), 0);
	assert_frame(m, out, sizeof(out));
	rte_pktmbuf_free(m);
}

Test(vlan_tag_rewrite, qinq_pop_removes_only_the_outer_tag)
{
	static const uint8_t in[] = {DST, SRC, 0x88, 0xa8, 0x20, 0x64,
				     0x81, 0x00, 0xe0, 0x0a, IPV4, PAYLOAD};
	static const uint8_t out[] = {DST, SRC, 0x81, 0x00, 0xe0, 0x0a, IPV4, PAYLOAD};
	struct rte_mbuf *m = frame(in, sizeof(in));

	cr_assert_eq(vlan_tag_rewrite(m, VLAN_EGRESS_UNTAGGED, true, 0), 0);
	assert_frame(m, out, sizeof(out));
	rte_pktmbuf_free(m);
}

Test(vlan_tag_rewrite, push_then_pop_restores_the_original_frame)
{
	static const uint8_t in[] = {DST, SRC, IPV4, PAYLOAD};
	struct rte_mbuf *m = frame(in, sizeof(in));

	cr_assert_eq(vlan_tag_rewrite(m, VLAN_EGRESS_TAGGED, false, 42), 0);
	cr_assert_eq(rte_pktmbuf_data_len(m), sizeof(in) + VLAN_TAG_LEN);
	cr_assert_eq(vlan_tag_rewrite(m, VLAN_EGRESS_UNTAGGED, true, 0), 0);
	assert_frame(m, in, sizeof(in));
	rte_pktmbuf_free(m);
}

/* ---- parse_ethernet -------------------------------------------------------- */

TestSuite(parse_ethernet, .init = setup, .fini = teardown, .timeout = 20);

static int parse(const uint8_t *bytes, size_t len, struct pkt_meta *pm)
{
	struct rte_mbuf *m = frame(bytes, len);
	int rc;

	memset(pm, 0xff, sizeof(*pm));
	rc = parse_ethernet(m, pm);
	rte_pktmbuf_free(m);
	return rc;
}

Test(parse_ethernet, untagged_frame_is_valid_and_untagged)
{
	static const uint8_t in[] = {DST, SRC, IPV4, PAYLOAD};
	struct pkt_meta pm;

	cr_assert_eq(parse(in, sizeof(in), &pm), -1);
	cr_assert_not(pm.wire_tagged);
	cr_assert_eq(pm.wire_vid, 0);
}

Test(parse_ethernet, dot1q_tag_gives_vid_without_pcp_bits)
{
	static const uint8_t in[] = {DST, SRC, 0x81, 0x00, 0xef, 0xfe, IPV4, PAYLOAD};
	struct pkt_meta pm;

	cr_assert_eq(parse(in, sizeof(in), &pm), -1);
	cr_assert(pm.wire_tagged);
	cr_assert_eq(pm.wire_vid, 0xffe);
}

Test(parse_ethernet, dot1ad_outer_tag_counts_as_tagged)
{
	static const uint8_t in[] = {DST, SRC, 0x88, 0xa8, 0x00, 0x64,
				     0x81, 0x00, 0x00, 0x0a, IPV4, PAYLOAD};
	struct pkt_meta pm;

	cr_assert_eq(parse(in, sizeof(in), &pm), -1);
	cr_assert(pm.wire_tagged);
	cr_assert_eq(pm.wire_vid, 100);
}

Test(parse_ethernet, priority_tag_is_tagged_with_vid0)
{
	static const uint8_t in[] = {DST, SRC, 0x81, 0x00, 0xa0, 0x00, IPV4, PAYLOAD};
	struct pkt_meta pm;

	cr_assert_eq(parse(in, sizeof(in), &pm), -1);
	cr_assert(pm.wire_tagged);
	cr_assert_eq(pm.wire_vid, 0);
}

Test(parse_ethernet, other_ethertypes_are_not_vlan_tags)
{
	static const uint8_t in[] = {DST, SRC, 0x91, 0x00, 0x00, 0x0a, IPV4, PAYLOAD};
	struct pkt_meta pm;

	cr_assert_eq(parse(in, sizeof(in), &pm), -1);
	cr_assert_not(pm.wire_tagged);
	cr_assert_eq(pm.wire_vid, 0);
}

Test(parse_ethernet, frame_shorter_than_ethernet_header_is_invalid)
{
	static const uint8_t in[] = {DST, SRC, IPV4};
	struct pkt_meta pm;

	cr_assert_eq(parse(in, RTE_ETHER_HDR_LEN - 1, &pm), DROP_INVALID_PACKET);
	cr_assert_eq(parse(in, RTE_ETHER_HDR_LEN, &pm), -1);
}

Test(parse_ethernet, tagged_frame_cut_inside_its_tag_is_invalid)
{
	static const uint8_t in[] = {DST, SRC, 0x81, 0x00, 0x00, 0x0a, IPV4};
	struct pkt_meta pm;

	cr_assert_eq(parse(in, 16, &pm), DROP_INVALID_PACKET);
	cr_assert_eq(parse(in, 17, &pm), DROP_INVALID_PACKET);
	cr_assert_eq(parse(in, 18, &pm), -1);
	cr_assert_eq(pm.wire_vid, 10);
}

Test(parse_ethernet, multicast_broadcast_or_zero_source_mac_is_invalid)
{
	static const uint8_t mcast[] = {DST, 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01, IPV4, PAYLOAD};
	static const uint8_t bcast[] = {DST, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, IPV4, PAYLOAD};
	static const uint8_t zero[] = {DST, 0, 0, 0, 0, 0, 0, IPV4, PAYLOAD};
	struct pkt_meta pm;

	cr_assert_eq(parse(mcast, sizeof(mcast), &pm), DROP_INVALID_PACKET);
	cr_assert_eq(parse(bcast, sizeof(bcast), &pm), DROP_INVALID_PACKET);
	cr_assert_eq(parse(zero, sizeof(zero), &pm), DROP_INVALID_PACKET);
}

Test(parse_ethernet, broadcast_destination_is_valid)
{
	static const uint8_t in[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, SRC, IPV4, PAYLOAD};
	struct pkt_meta pm;

	cr_assert_eq(parse(in, sizeof(in), &pm), -1);
}
