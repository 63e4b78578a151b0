/* Checksum and segmentation offloads that frames from tap ports carry
 * (tap_io.h): the kernel of a pod hands over TCP segments of up to 64 KiB
 * (TSO) with their L4 checksum left to "the hardware" (CHECKSUM_PARTIAL),
 * and the switch forwards them whole. The request travels in the mbuf as
 * DPDK's transmit flags (RTE_MBUF_F_TX_TCP_SEG with tso_segsz, or an L4
 * checksum flag); the headers themselves are found again by parsing when
 * needed, so a VLAN tag added or a NAT rewrite on the way changes nothing.
 *
 * Where the frame leaves decides what is done (tx_enqueue, worker.h):
 *   - to a tap port: nothing here; tap_io writes the request as a virtio
 *     net header after re-seeding the checksum field from the headers as
 *     they are now (a stage's incremental update of it is not trusted);
 *   - to any other port: finished in software here: a TSO frame cut into
 *     MSS-sized TCP segments (new mbufs, each with its IPv4/TCP checksums),
 *     a checksum-only one checksummed in place.
 * A stage that cannot handle a big frame (Overlay encapsulation, with its
 * MTU) never sees one: pods of Overlay networks get no TSO (ns_hns).
 * Layer: vswitch/dataplane/, dataplane layer (worker lcores, per packet). */
#ifndef HVS_OFFLOAD_H
#define HVS_OFFLOAD_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

/* The flags that mean "the frame still needs work". */
#define OFFLOAD_MASK (RTE_MBUF_F_TX_L4_MASK | RTE_MBUF_F_TX_TCP_SEG)

/* Where the headers of an offloaded frame are. */
struct offload_hdrs {
	uint16_t l3_off;  /* IPv4 or IPv6 header */
	uint16_t l4_off;  /* TCP or UDP header */
	uint16_t hdr_len; /* l4_off + the L4 header's length */
	uint8_t ipv6;     /* 0: IPv4 */
	uint8_t proto;    /* IPPROTO_TCP or IPPROTO_UDP */
};

static inline bool offload_pending(const struct rte_mbuf *m)
{
	return (m->ol_flags & OFFLOAD_MASK) != 0;
}

/* The bytes m takes on a wire: a TSO frame's segments repeat its
 * headers (their lengths as tap_io found them). For byte meters (QoS). */
static inline uint32_t offload_wire_len(const struct rte_mbuf *m)
{
	uint32_t len = rte_pktmbuf_pkt_len(m), hdr, segs;

	if (likely(!(m->ol_flags & RTE_MBUF_F_TX_TCP_SEG)) || m->tso_segsz == 0)
		return len;
	hdr = (uint32_t)m->l2_len + m->l3_len + m->l4_len;
	if (hdr >= len)
		return len;
	segs = (len - hdr + m->tso_segsz - 1) / m->tso_segsz;
	return len + (segs - 1) * hdr;
}

/* Finds the headers (Ethernet, up to two VLAN tags, IPv4 without
 * fragmentation or IPv6 without extension headers, TCP or UDP) in the
 * first segment. 0, or -1: not a frame these offloads apply to. */
int offload_parse(const struct rte_mbuf *m, struct offload_hdrs *h);

/* Whether m is a TSO frame with more payload than one segment. */
bool offload_needs_segmentation(const struct rte_mbuf *m, const struct offload_hdrs *h);

/* The L4 checksum field of the headers at frame (a copy of the first
 * h->hdr_len bytes, or the frame itself) set to the pseudo-header sum
 * (not complemented, L4 length included), as Linux leaves it for
 * CHECKSUM_PARTIAL. */
void offload_seed(uint8_t *frame, const struct offload_hdrs *h);

/* The L4 checksum computed in software in place (m must not be shared);
 * the flags cleared. */
void offload_checksum(struct rte_mbuf *m, const struct offload_hdrs *h);

/* The L4 length (the IP header's payload) of a parsed frame. */
uint32_t offload_l4_len(const uint8_t *frame, const struct offload_hdrs *h);

/* Cuts TSO frame m into segments of m->tso_segsz payload bytes, each a
 * new single-segment mbuf from mp with its own IP length, IPv4 ID and
 * checksum, TCP sequence number, flags (FIN and PSH on the last only, CWR
 * on the first only) and checksum. m is not changed. Returns the number
 * made (at most max), 0 when a buffer ran out or a segment would not fit
 * one mbuf (nothing is left allocated then). */
uint16_t offload_segment(struct rte_mempool *mp, const struct rte_mbuf *m,
			 const struct offload_hdrs *h, struct rte_mbuf **out, uint16_t max);

#endif
