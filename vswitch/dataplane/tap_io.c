/* Tap ports' frames in and out with their virtio-net headers (tap_io.h). */
#include "tap_io.h"

#include <errno.h>
#include <linux/virtio_net.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/uio.h>
#include <unistd.h>

#include <rte_ip.h>

#include "offload.h"

#define TAP_MAX_IOV 16
#define TCP_CSUM_OFF 16
#define UDP_CSUM_OFF 6

/* A checksum the switch does not carry as a request (not TCP or UDP where
 * offload_parse finds it) is finished here, as the kernel would. */
static int finish_csum_now(struct rte_mbuf *m, uint16_t start, uint16_t off)
{
	uint32_t len = rte_pktmbuf_pkt_len(m);
	uint16_t sum = 0;

	/* the field holds the pseudo-header sum: it is summed with the rest */
	if ((uint32_t)start + off + 2 > m->data_len || start >= len)
		return -1;
	if (rte_raw_cksum_mbuf(m, start, len - start, &sum) != 0)
		return -1;
	sum = (uint16_t)~sum;
	memcpy(rte_pktmbuf_mtod_offset(m, uint8_t *, start + off), &sum, sizeof(sum));
	return 0;
}

/* The header's requests as mbuf flags. 0, or -1: a frame to drop. */
static int apply_vnet_hdr(struct rte_mbuf *m, const struct virtio_net_hdr *vh)
{
	struct offload_hdrs h;
	bool parsed = offload_parse(m, &h) == 0;
	uint8_t gso = vh->gso_type & (uint8_t)~VIRTIO_NET_HDR_GSO_ECN;

	if (vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
		bool tcp = parsed && h.proto == IPPROTO_TCP && vh->csum_offset == TCP_CSUM_OFF;
		bool udp = parsed && h.proto == IPPROTO_UDP && vh->csum_offset == UDP_CSUM_OFF;

		if ((tcp || udp) && vh->csum_start == h.l4_off) {
			m->ol_flags |= (tcp ? RTE_MBUF_F_TX_TCP_CKSUM : RTE_MBUF_F_TX_UDP_CKSUM) |
				       (h.ipv6 ? RTE_MBUF_F_TX_IPV6 : RTE_MBUF_F_TX_IPV4);
			m->l2_len = h.l3_off;
			m->l3_len = (uint16_t)(h.l4_off - h.l3_off);
			m->l4_len = (uint16_t)(h.hdr_len - h.l4_off);
		} else if (finish_csum_now(m, vh->csum_start, vh->csum_offset) < 0) {
			return -1;
		}
	}
	if (gso == VIRTIO_NET_HDR_GSO_NONE)
		return 0;
	if ((gso != VIRTIO_NET_HDR_GSO_TCPV4 && gso != VIRTIO_NET_HDR_GSO_TCPV6) ||
	    !(m->ol_flags & RTE_MBUF_F_TX_TCP_CKSUM) || vh->gso_size == 0)
		return -1; /* UDP fragmentation offload is never negotiated */
	m->ol_flags |= RTE_MBUF_F_TX_TCP_SEG;
	m->tso_segsz = vh->gso_size;
	return 0;
}

/* The frame read into big (len bytes, the part past its room in
 * overflow) as the mbuf the pipeline gets: small ones copied into one of
 * pool's, big ones kept (t->spare is used up then). NULL: out of mbufs. */
static struct rte_mbuf *take_frame(struct tap_io *t, struct rte_mempool *pool, uint32_t len)
{
	struct rte_mbuf *big = t->spare, *m = rte_pktmbuf_alloc(pool);
	uint32_t room = rte_pktmbuf_tailroom(big);

	if (m == NULL)
		return NULL;
	if (len <= rte_pktmbuf_tailroom(m)) {
		rte_memcpy(rte_pktmbuf_append(m, (uint16_t)len), rte_pktmbuf_mtod(big, void *), len);
		return m;
	}
	/* big stays the frame; m takes what overflowed, if anything */
	big->data_len = (uint16_t)RTE_MIN(len, room);
	big->pkt_len = big->data_len;
	t->spare = NULL;
	if (len <= room) {
		rte_pktmbuf_free(m);
		return big;
	}
	rte_memcpy(rte_pktmbuf_append(m, (uint16_t)(len - room)), t->overflow, len - room);
	if (rte_pktmbuf_chain(big, m) != 0) {
		rte_pktmbuf_free(m);
		rte_pktmbuf_free(big);
		return NULL;
	}
	return big;
}

bool tap_ready(struct tap_readiness *r, const struct tap_io *t, uint16_t port)
{
	if (!r->asked) {
		struct epoll_event ev[VS_MAX_PORTS];
		int n = t->epfd < 0 ? -1 : epoll_wait(t->epfd, ev, VS_MAX_PORTS, 0);

		r->asked = true;
		if (n < 0) { /* no answer: read every tap, as without it */
			for (uint16_t p = 0; p < VS_MAX_PORTS; p++)
				r->ready[p] = r->round;
			return true;
		}
		for (int i = 0; i < n; i++)
			if (ev[i].data.u32 < VS_MAX_PORTS)
				r->ready[ev[i].data.u32] = r->round;
	}
	return r->ready[port] == r->round;
}

uint16_t tap_rx_burst(struct tap_io *t, struct rte_mempool *pool,
		      struct port_counters *pc, struct rte_mbuf **pkts, uint16_t max)
{
	uint16_t n = 0;

	/* at most max reads, dropped frames included: a pod sending junk
	 * faster than it is read must not hold the worker here */
	for (uint16_t reads = 0; reads < max; reads++) {
		struct virtio_net_hdr vh;
		struct iovec iov[3];
		struct rte_mbuf *m;
		ssize_t r;

		if (t->spare == NULL && (t->spare = rte_pktmbuf_alloc(t->big)) == NULL) {
			pc->drops[DROP_NO_BUFFERS]++; /* the kernel keeps the frame */
			break;
		}
		iov[0] = (struct iovec){ &vh, sizeof(vh) };
		iov[1] = (struct iovec){ rte_pktmbuf_mtod(t->spare, void *),
					 rte_pktmbuf_tailroom(t->spare) };
		iov[2] = (struct iovec){ t->overflow, sizeof(t->overflow) };
		r = readv(t->fd, iov, 3);
		if (r < 0)
			break; /* EAGAIN: nothing more; an error: try next poll */
		if ((size_t)r <= sizeof(vh) + RTE_ETHER_HDR_LEN) {
			pc->drops[DROP_INVALID_PACKET]++;
			continue;
		}
		m = take_frame(t, pool, (uint32_t)((size_t)r - sizeof(vh)));
		if (m == NULL) {
			pc->drops[DROP_NO_BUFFERS]++;
			continue;
		}
		if (apply_vnet_hdr(m, &vh) < 0) {
			pc->drops[DROP_OFFLOAD_UNSUPPORTED]++;
			rte_pktmbuf_free(m);
			continue;
		}
		pkts[n++] = m;
	}
	return n;
}

/* The virtio-net header for m, and in hdrs a copy of its headers with the
 * checksum field seeded (m itself may be shared with another port's
 * queue and is not written). Returns the bytes of m that hdrs replaces. */
static uint16_t build_vnet_hdr(const struct rte_mbuf *m, struct virtio_net_hdr *vh,
			       uint8_t *hdrs, size_t hdrs_size)
{
	struct offload_hdrs h;

	memset(vh, 0, sizeof(*vh));
	if (!offload_pending(m) || offload_parse(m, &h) != 0 || h.hdr_len > hdrs_size)
		return 0;
	vh->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	vh->csum_start = h.l4_off;
	vh->csum_offset = h.proto == IPPROTO_TCP ? TCP_CSUM_OFF : UDP_CSUM_OFF;
	if (offload_needs_segmentation(m, &h)) {
		vh->gso_type = h.ipv6 ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4;
		vh->gso_size = m->tso_segsz;
		vh->hdr_len = h.hdr_len;
	}
	memcpy(hdrs, rte_pktmbuf_mtod(m, const void *), h.hdr_len);
	offload_seed(hdrs, &h);
	return h.hdr_len;
}

/* m in one buffer of t's big pool, with its offload requests, for a
 * chain longer than a writev takes; NULL: no buffer (or too long). */
static struct rte_mbuf *flat_copy(struct tap_io *t, const struct rte_mbuf *m)
{
	struct rte_mbuf *f = rte_pktmbuf_alloc(t->big);
	uint8_t *to;

	if (f == NULL)
		return NULL;
	if (rte_pktmbuf_pkt_len(m) > rte_pktmbuf_tailroom(f)) {
		rte_pktmbuf_free(f);
		return NULL;
	}
	to = (uint8_t *)rte_pktmbuf_append(f, (uint16_t)rte_pktmbuf_pkt_len(m));
	for (const struct rte_mbuf *s = m; s != NULL; s = s->next) {
		rte_memcpy(to, rte_pktmbuf_mtod(s, const void *), s->data_len);
		to += s->data_len;
	}
	f->ol_flags = m->ol_flags;
	f->tx_offload = m->tx_offload;
	f->packet_type = m->packet_type;
	return f;
}

uint16_t tap_tx_burst(struct tap_io *t, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t sent = 0;

	for (; sent < n; sent++) {
		struct rte_mbuf *m = pkts[sent];
		struct virtio_net_hdr vh;
		uint8_t hdrs[256];
		struct iovec iov[TAP_MAX_IOV];
		uint16_t skip = build_vnet_hdr(m, &vh, hdrs, sizeof(hdrs));
		int cnt = 0;

		if (unlikely(m->nb_segs + 2 > TAP_MAX_IOV)) {
			/* a long chain (not from the switch's own pools): sent
			 * from a copy; without a buffer, as a full queue */
			struct rte_mbuf *f = flat_copy(t, m);

			if (f == NULL)
				break;
			rte_pktmbuf_free(m);
			pkts[sent] = m = f;
			skip = build_vnet_hdr(m, &vh, hdrs, sizeof(hdrs));
		}
		iov[cnt++] = (struct iovec){ &vh, sizeof(vh) };
		if (skip)
			iov[cnt++] = (struct iovec){ hdrs, skip };
		for (const struct rte_mbuf *s = m; s != NULL; s = s->next) {
			iov[cnt++] = (struct iovec){ rte_pktmbuf_mtod_offset(s, void *, skip),
						     (size_t)(s->data_len - skip) };
			skip = 0;
		}
		if (writev(t->fd, iov, cnt) < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		/* other errors (the pod's interface down: EIO) lose the frame,
		 * as a wire would */
		rte_pktmbuf_free(m);
	}
	return sent;
}
