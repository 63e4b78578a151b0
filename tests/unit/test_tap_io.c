/* Tap ports' frame I/O (vswitch/dataplane/tap_io.h) over a SOCK_SEQPACKET
 * socket pair standing in for the tap: readv()/writev() of one message per
 * frame, as a tap with IFF_VNET_HDR does. What the pod's kernel asks in a
 * virtio-net header becomes mbuf offload flags, what the switch cannot
 * carry is dropped and counted, and a frame leaving with offload flags gets
 * the header the receiving kernel needs. Needs EAL for mbuf pools. */
#include <errno.h>
#include <linux/virtio_net.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "drop_reason.h"
#include "eal_fixture.h"
#include "offload.h"
#include "tap_io.h"

static struct rte_mempool *big, *small;
static struct tap_io tap;
static int pod = -1; /* the pod's kernel's end of the "tap" */
static struct port_counters pc;

static void setup(void)
{
	int sv[2];

	test_eal_init();
	big = rte_pktmbuf_pool_create("tap_big", 15, 0, 0, 16384 + RTE_PKTMBUF_HEADROOM,
				      SOCKET_ID_ANY);
	small = rte_pktmbuf_pool_create("tap_small", 255, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					SOCKET_ID_ANY);
	cr_assert(big != NULL && small != NULL, "pools: %s", rte_strerror(rte_errno));
	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sv), 0);
	memset(&tap, 0, sizeof(tap));
	tap.fd = sv[0];
	tap.epfd = -1;
	tap.offload = true;
	tap.big = big;
	pod = sv[1];
	memset(&pc, 0, sizeof(pc));
}

static void teardown(void)
{
	rte_pktmbuf_free(tap.spare);
	close(tap.fd);
	close(pod);
	rte_mempool_free(big);
	rte_mempool_free(small);
	test_eal_cleanup();
}

TestSuite(tap_io, .init = setup, .fini = teardown);

#define L3 14
#define L4 (L3 + 20)
#define HDRS (L4 + 20)

/* Ethernet + IPv4 + TCP + payload bytes, TCP checksum 0. */
static size_t tcp_frame(uint8_t *f, uint16_t payload)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f + L3);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(f + L4);

	memset(f, 0, HDRS);
	memcpy(f, "\x02\x00\x00\x00\x00\x0b\x02\x00\x00\x00\x00\x0a\x08\x00", 14);
	ip->version_ihl = 0x45;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(40 + payload));
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_TCP;
	ip->src_addr = RTE_BE32(0x0a000002);
	ip->dst_addr = RTE_BE32(0x0a000003);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	th->src_port = RTE_BE16(40000);
	th->dst_port = RTE_BE16(5201);
	th->data_off = 5 << 4;
	th->tcp_flags = RTE_TCP_ACK_FLAG;
	th->rx_win = RTE_BE16(512);
	for (uint16_t i = 0; i < payload; i++)
		f[HDRS + i] = (uint8_t)(i * 13);
	return HDRS + payload;
}

/* The pod's kernel sends frame (len bytes) with header vh. */
static void pod_sends(const struct virtio_net_hdr *vh, const uint8_t *frame, size_t len)
{
	struct iovec iov[2] = { { (void *)vh, sizeof(*vh) }, { (void *)frame, len } };

	cr_assert_eq(writev(pod, iov, 2), (ssize_t)(sizeof(*vh) + len), "%s", strerror(errno));
}

static const struct virtio_net_hdr partial_tcp = {
	.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
	.csum_start = L4,
	.csum_offset = 16,
};

/* A partial TCP checksum with a segmentation request of gso_type. */
static struct virtio_net_hdr gso_hdr(uint8_t gso_type, uint16_t gso_size)
{
	struct virtio_net_hdr vh = partial_tcp;

	vh.gso_type = gso_type;
	vh.gso_size = gso_size;
	vh.hdr_len = HDRS;
	return vh;
}

Test(tap_io, partial_checksum_becomes_tx_cksum_flags)
{
	static uint8_t f[2000];
	size_t len = tcp_frame(f, 1000);
	struct rte_mbuf *m;

	pod_sends(&partial_tcp, f, len);
	cr_assert_eq(tap_rx_burst(&tap, small, &pc, &m, 1), 1);
	cr_assert_eq(m->pool, small, "a frame that fits one mbuf is copied into the worker's pool");
	cr_assert_eq(m->pkt_len, len);
	cr_assert_arr_eq(rte_pktmbuf_mtod(m, uint8_t *), f, len);
	cr_assert(m->ol_flags & RTE_MBUF_F_TX_TCP_CKSUM);
	cr_assert(m->ol_flags & RTE_MBUF_F_TX_IPV4);
	cr_assert_not(m->ol_flags & RTE_MBUF_F_TX_TCP_SEG);
	cr_assert_eq(m->l2_len, L3);
	cr_assert_eq(m->l3_len, 20);
	cr_assert_eq(m->l4_len, 20);
	rte_pktmbuf_free(m);
}

Test(tap_io, tso_frame_stays_whole_with_tso_flags)
{
	static uint8_t f[12000];
	size_t len = tcp_frame(f, 10000);
	const struct virtio_net_hdr vh = gso_hdr(VIRTIO_NET_HDR_GSO_TCPV4, 1448);
	struct rte_mbuf *m;

	pod_sends(&vh, f, len);
	cr_assert_eq(tap_rx_burst(&tap, small, &pc, &m, 1), 1);
	cr_assert_eq(m->pool, big, "a 10,000-byte frame keeps its big buffer");
	cr_assert_eq(m->nb_segs, 1);
	cr_assert_eq(m->pkt_len, len);
	cr_assert_arr_eq(rte_pktmbuf_mtod(m, uint8_t *), f, len);
	cr_assert(m->ol_flags & RTE_MBUF_F_TX_TCP_SEG);
	cr_assert(m->ol_flags & RTE_MBUF_F_TX_TCP_CKSUM);
	cr_assert_eq(m->tso_segsz, 1448);
	cr_assert_eq(offload_wire_len(m), len + 6 * HDRS,
		     "7 segments on the wire: the headers 6 more times");
	rte_pktmbuf_free(m);
}

Test(tap_io, frame_past_the_big_buffer_is_chained)
{
	static uint8_t f[16384 + 200];
	size_t len = tcp_frame(f, (uint16_t)(sizeof(f) - HDRS));
	const struct virtio_net_hdr vh = gso_hdr(VIRTIO_NET_HDR_GSO_TCPV4, 1448);
	struct rte_mbuf *m;

	pod_sends(&vh, f, len);
	cr_assert_eq(tap_rx_burst(&tap, small, &pc, &m, 1), 1);
	cr_assert_eq(m->nb_segs, 2, "the 200 bytes past 16 KiB go to a second mbuf");
	cr_assert_eq(m->pkt_len, len);
	cr_assert_arr_eq(rte_pktmbuf_mtod(m, uint8_t *), f, m->data_len);
	cr_assert_arr_eq(rte_pktmbuf_mtod(m->next, uint8_t *), f + m->data_len,
			 m->next->data_len);
	rte_pktmbuf_free(m);
}

Test(tap_io, udp_segmentation_request_is_dropped_and_counted)
{
	static uint8_t f[2000];
	size_t len = tcp_frame(f, 1000);
	const struct virtio_net_hdr vh = gso_hdr(VIRTIO_NET_HDR_GSO_UDP, 1000);
	struct rte_mbuf *m;

	pod_sends(&vh, f, len);
	cr_assert_eq(tap_rx_burst(&tap, small, &pc, &m, 1), 0);
	cr_assert_eq(pc.drops[DROP_OFFLOAD_UNSUPPORTED], 1);
}

Test(tap_io, checksum_request_it_cannot_flag_is_finished_at_once)
{
	static uint8_t f[2000];
	size_t len = tcp_frame(f, 999); /* odd: the sum's last byte padded */
	struct virtio_net_hdr vh = partial_tcp;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f + L3);
	struct rte_tcp_hdr *th;
	struct rte_mbuf *m;

	/* a start the parser does not agree with: the header's own word,
	 * seeded with the pseudo header as Linux seeds it */
	vh.csum_start = L4 - 4; /* not the TCP header: finished in software */
	vh.csum_offset = 20;
	((struct rte_tcp_hdr *)(f + L4))->cksum = rte_ipv4_phdr_cksum(ip, 0);
	pod_sends(&vh, f, len);
	cr_assert_eq(tap_rx_burst(&tap, small, &pc, &m, 1), 1);
	cr_assert_not(m->ol_flags & (RTE_MBUF_F_TX_TCP_CKSUM | RTE_MBUF_F_TX_TCP_SEG));
	/* as the kernel would: the one's complement sum from csum_start to
	 * the end (the seed in the field included), inverted, at the field */
	uint32_t sum = 0;
	uint16_t want;

	for (size_t i = (size_t)vh.csum_start; i < len; i += 2)
		sum += (uint32_t)(f[i] << 8 | (i + 1 < len ? f[i + 1] : 0));
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	want = rte_cpu_to_be_16((uint16_t)~sum);
	th = rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, L4);
	cr_assert_eq(th->cksum, want, "checksum %04x, expected %04x", th->cksum, want);
	rte_pktmbuf_free(m);
}

Test(tap_io, runts_are_dropped_and_a_call_reads_at_most_max)
{
	static const uint8_t runt[8] = { 1, 2, 3 };
	struct virtio_net_hdr vh = { 0 };
	struct rte_mbuf *m[32];

	for (int i = 0; i < 40; i++)
		pod_sends(&vh, runt, sizeof(runt));
	cr_assert_eq(tap_rx_burst(&tap, small, &pc, m, 32), 0);
	cr_assert_eq(pc.drops[DROP_INVALID_PACKET], 32, "one call read %lu frames, not 32",
		     (unsigned long)pc.drops[DROP_INVALID_PACKET]);
	cr_assert_eq(tap_rx_burst(&tap, small, &pc, m, 32), 0);
	cr_assert_eq(pc.drops[DROP_INVALID_PACKET], 40);
}

/* What the other pod's kernel reads: header and frame. */
static ssize_t pod_reads(struct virtio_net_hdr *vh, uint8_t *frame, size_t cap)
{
	struct iovec iov[2] = { { vh, sizeof(*vh) }, { frame, cap } };
	ssize_t r = readv(pod, iov, 2);

	cr_assert_geq(r, (ssize_t)sizeof(*vh), "%s", strerror(errno));
	return r - (ssize_t)sizeof(*vh);
}

Test(tap_io, tso_frame_leaves_with_its_virtio_header_and_seeded_checksum)
{
	static uint8_t f[12000], got[12000];
	size_t len = tcp_frame(f, 10000);
	struct rte_mbuf *m = rte_pktmbuf_alloc(big);
	struct virtio_net_hdr vh;
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(got + L4);
	struct offload_hdrs h;

	memcpy(rte_pktmbuf_append(m, (uint16_t)len), f, len);
	m->ol_flags = RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_TCP_CKSUM | RTE_MBUF_F_TX_IPV4;
	m->l2_len = L3, m->l3_len = 20, m->l4_len = 20;
	m->tso_segsz = 1448;
	rte_mbuf_refcnt_update(m, 1); /* shared with another port: not written */
	cr_assert_eq(tap_tx_burst(&tap, &m, 1), 1);
	cr_assert_eq(pod_reads(&vh, got, sizeof(got)), (ssize_t)len);
	cr_assert_eq(vh.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
	cr_assert_eq(vh.gso_type, VIRTIO_NET_HDR_GSO_TCPV4);
	cr_assert_eq(vh.gso_size, 1448);
	cr_assert_eq(vh.hdr_len, HDRS);
	cr_assert_eq(vh.csum_start, L4);
	cr_assert_eq(vh.csum_offset, 16);
	cr_assert_arr_eq(got + HDRS, f + HDRS, len - HDRS, "the payload changed");
	/* the kernel wants the pseudo header's sum (addresses, protocol and
	 * the whole frame's L4 length) in the field, as its own stack seeds
	 * a partial checksum */
	cr_assert_eq(offload_parse(m, &h), 0);
	cr_assert_eq(th->cksum, rte_ipv4_phdr_cksum((const void *)(got + L3), 0),
		     "the checksum field was not seeded with the pseudo header");
	cr_assert_eq(rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, L4)->cksum, 0,
		     "the shared mbuf itself was written");
	rte_pktmbuf_free(m);
}

Test(tap_io, plain_frame_leaves_with_an_empty_header)
{
	static uint8_t f[2000], got[2000];
	size_t len = tcp_frame(f, 500);
	struct rte_mbuf *m = rte_pktmbuf_alloc(small);
	struct virtio_net_hdr vh;

	memcpy(rte_pktmbuf_append(m, (uint16_t)len), f, len);
	cr_assert_eq(tap_tx_burst(&tap, &m, 1), 1);
	cr_assert_eq(pod_reads(&vh, got, sizeof(got)), (ssize_t)len);
	cr_assert_eq(vh.flags, 0);
	cr_assert_eq(vh.gso_type, VIRTIO_NET_HDR_GSO_NONE);
	cr_assert_arr_eq(got, f, len);
}

Test(tap_io, long_chain_leaves_whole_from_a_copy)
{
	/* more segments than one writev takes (the switch's own pools never
	 * make such a chain, a PMD's may): the pod still gets the frame */
	static uint8_t f[4000], got[4000];
	size_t len = tcp_frame(f, 3000), off = 0;
	struct rte_mbuf *head = NULL;
	struct virtio_net_hdr vh;
	unsigned big_before = rte_mempool_in_use_count(big);

	for (unsigned i = 0; i < 20; i++) {
		size_t part = i < 19 ? len / 20 : len - off;
		struct rte_mbuf *s = rte_pktmbuf_alloc(small);

		cr_assert_not_null(s);
		memcpy(rte_pktmbuf_append(s, (uint16_t)part), f + off, part);
		off += part;
		if (head == NULL)
			head = s;
		else
			cr_assert_eq(rte_pktmbuf_chain(head, s), 0);
	}
	cr_assert_eq(head->nb_segs, 20);
	cr_assert_eq(tap_tx_burst(&tap, &head, 1), 1);
	cr_assert_eq(pod_reads(&vh, got, sizeof(got)), (ssize_t)len);
	cr_assert_eq(vh.flags, 0);
	cr_assert_arr_eq(got, f, len, "the frame changed on its way");
	cr_assert_eq(rte_mempool_in_use_count(small), 0, "the chain was not freed");
	cr_assert_eq(rte_mempool_in_use_count(big), big_before, "the copy was not freed");
}

Test(tap_io, a_worker_reads_only_taps_the_kernel_says_are_ready)
{
	static uint8_t f[200];
	size_t len = tcp_frame(f, 50);
	struct virtio_net_hdr vh = {0};
	struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 3};
	struct tap_readiness r = {0};
	struct rte_mbuf *got[4];

	tap.epfd = epoll_create1(0);
	cr_assert_geq(tap.epfd, 0);
	cr_assert_eq(epoll_ctl(tap.epfd, EPOLL_CTL_ADD, tap.fd, &ev), 0);
	tap_round_start(&r);
	cr_assert(!tap_ready(&r, &tap, 3), "an idle tap is not read");
	pod_sends(&vh, f, len);
	cr_assert(!tap_ready(&r, &tap, 3), "one epoll_wait a round: the round's answer stands");
	tap_round_start(&r);
	cr_assert(tap_ready(&r, &tap, 3), "a frame waits: read it");
	cr_assert(!tap_ready(&r, &tap, 4), "another port is not ready");
	cr_assert_eq(tap_rx_burst(&tap, small, &pc, got, 4), 1);
	rte_pktmbuf_free(got[0]);
	tap_round_start(&r);
	cr_assert(!tap_ready(&r, &tap, 3), "drained: idle again");
	close(tap.epfd);
	tap.epfd = -1;
	tap_round_start(&r);
	cr_assert(tap_ready(&r, &tap, 3), "without an epoll fd every tap is read");
}
