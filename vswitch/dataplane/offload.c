/* Checksum and segmentation offloads finished in software (offload.h). */
#include "offload.h"

#include <netinet/in.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_memcpy.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#define TCP_CSUM_OFF 16
#define UDP_CSUM_OFF 6

static int parse_l4(const uint8_t *p, uint32_t len, struct offload_hdrs *h)
{
	if (h->proto == IPPROTO_TCP) {
		const struct rte_tcp_hdr *th;
		uint16_t thl;

		if (h->l4_off + sizeof(*th) > len)
			return -1;
		th = (const struct rte_tcp_hdr *)(p + h->l4_off);
		thl = (uint16_t)((th->data_off >> 4) * 4);
		if (thl < sizeof(*th))
			return -1;
		h->hdr_len = (uint16_t)(h->l4_off + thl);
	} else if (h->proto == IPPROTO_UDP) {
		h->hdr_len = (uint16_t)(h->l4_off + sizeof(struct rte_udp_hdr));
	} else {
		return -1;
	}
	return h->hdr_len <= len ? 0 : -1;
}

int offload_parse(const struct rte_mbuf *m, struct offload_hdrs *h)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t len = m->data_len, off = sizeof(struct rte_ether_hdr);
	uint16_t et;

	if (len < off)
		return -1;
	et = ((const struct rte_ether_hdr *)p)->ether_type;
	for (int tags = 0; tags < 2 && (et == RTE_BE16(RTE_ETHER_TYPE_VLAN) ||
					 et == RTE_BE16(RTE_ETHER_TYPE_QINQ)); tags++) {
		if (off + 4 > len)
			return -1;
		memcpy(&et, p + off + 2, sizeof(et));
		off += 4;
	}
	h->l3_off = (uint16_t)off;
	if (et == RTE_BE16(RTE_ETHER_TYPE_IPV4)) {
		const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(p + off);
		uint32_t ihl;

		if (off + sizeof(*ip) > len)
			return -1;
		ihl = (uint32_t)(ip->version_ihl & 0xf) * 4;
		if (ihl < sizeof(*ip) || (ip->fragment_offset &
					  RTE_BE16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)))
			return -1;
		h->ipv6 = 0;
		h->proto = ip->next_proto_id;
		h->l4_off = (uint16_t)(off + ihl);
		if (rte_be_to_cpu_16(ip->total_length) < ihl)
			return -1;
	} else if (et == RTE_BE16(RTE_ETHER_TYPE_IPV6)) {
		const struct rte_ipv6_hdr *ip6 = (const struct rte_ipv6_hdr *)(p + off);

		if (off + sizeof(*ip6) > len)
			return -1;
		h->ipv6 = 1;
		h->proto = ip6->proto;
		h->l4_off = (uint16_t)(off + sizeof(*ip6));
	} else {
		return -1;
	}
	if (parse_l4(p, len, h) < 0)
		return -1;
	/* the IP header's length must fit the frame */
	return h->l4_off + offload_l4_len(p, h) <= rte_pktmbuf_pkt_len(m) ? 0 : -1;
}

uint32_t offload_l4_len(const uint8_t *frame, const struct offload_hdrs *h)
{
	if (h->ipv6) {
		const struct rte_ipv6_hdr *ip6 = (const void *)(frame + h->l3_off);

		return rte_be_to_cpu_16(ip6->payload_len);
	}
	const struct rte_ipv4_hdr *ip = (const void *)(frame + h->l3_off);

	return (uint32_t)rte_be_to_cpu_16(ip->total_length) - (uint32_t)(h->l4_off - h->l3_off);
}

bool offload_needs_segmentation(const struct rte_mbuf *m, const struct offload_hdrs *h)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);

	return (m->ol_flags & RTE_MBUF_F_TX_TCP_SEG) && h->proto == IPPROTO_TCP &&
	       m->tso_segsz != 0 &&
	       h->l4_off + offload_l4_len(p, h) - h->hdr_len > m->tso_segsz;
}

static rte_be16_t *l4_csum_field(uint8_t *frame, const struct offload_hdrs *h)
{
	return (rte_be16_t *)(frame + h->l4_off +
			      (h->proto == IPPROTO_TCP ? TCP_CSUM_OFF : UDP_CSUM_OFF));
}

void offload_seed(uint8_t *frame, const struct offload_hdrs *h)
{
	uint16_t seed;

	/* DPDK's pseudo-header sum with ol_flags 0 includes the L4 length */
	if (h->ipv6)
		seed = rte_ipv6_phdr_cksum((const void *)(frame + h->l3_off), 0);
	else
		seed = rte_ipv4_phdr_cksum((const void *)(frame + h->l3_off), 0);
	memcpy(l4_csum_field(frame, h), &seed, sizeof(seed));
}

void offload_checksum(struct rte_mbuf *m, const struct offload_hdrs *h)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	rte_be16_t *field = l4_csum_field(p, h);
	uint16_t sum;

	*field = 0;
	if (h->ipv6)
		sum = rte_ipv6_udptcp_cksum_mbuf(m, (const void *)(p + h->l3_off), h->l4_off);
	else
		sum = rte_ipv4_udptcp_cksum_mbuf(m, (const void *)(p + h->l3_off), h->l4_off);
	*field = sum;
	m->ol_flags &= ~RTE_MBUF_F_TX_OFFLOAD_MASK;
}

/* The headers of segment i (of n) made right for its payload of len. */
static void segment_headers(uint8_t *seg, const struct offload_hdrs *h, uint16_t i,
			    uint16_t n, uint32_t len, uint16_t mss)
{
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(seg + h->l4_off);
	uint32_t l4_len = (uint32_t)(h->hdr_len - h->l4_off) + len;

	if (h->ipv6) {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(seg + h->l3_off);

		ip6->payload_len = rte_cpu_to_be_16((uint16_t)l4_len);
	} else {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(seg + h->l3_off);

		ip->total_length = rte_cpu_to_be_16((uint16_t)(h->l4_off - h->l3_off + l4_len));
		ip->packet_id = rte_cpu_to_be_16((uint16_t)(rte_be_to_cpu_16(ip->packet_id) + i));
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	}
	th->sent_seq = rte_cpu_to_be_32(rte_be_to_cpu_32(th->sent_seq) + (uint32_t)i * mss);
	if (i + 1 < n)
		th->tcp_flags &= (uint8_t)~(RTE_TCP_FIN_FLAG | RTE_TCP_PSH_FLAG);
	if (i > 0)
		th->tcp_flags &= (uint8_t)~RTE_TCP_CWR_FLAG;
	th->cksum = 0;
	if (h->ipv6)
		th->cksum = rte_ipv6_udptcp_cksum((const void *)(seg + h->l3_off), th);
	else
		th->cksum = rte_ipv4_udptcp_cksum((const void *)(seg + h->l3_off), th);
}

uint16_t offload_segment(struct rte_mempool *mp, const struct rte_mbuf *m,
			 const struct offload_hdrs *h, struct rte_mbuf **out, uint16_t max)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t payload = h->l4_off + offload_l4_len(p, h) - h->hdr_len;
	uint16_t mss = m->tso_segsz;
	uint32_t n = (payload + mss - 1) / mss;

	if (mss == 0 || n == 0 || n > max)
		return 0;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t len = RTE_MIN((uint32_t)mss, payload - i * mss);
		struct rte_mbuf *seg = rte_pktmbuf_alloc(mp);
		uint8_t *d;
		const void *src;

		if (seg == NULL || rte_pktmbuf_tailroom(seg) < h->hdr_len + len) {
			rte_pktmbuf_free(seg);
			rte_pktmbuf_free_bulk(out, i);
			return 0;
		}
		d = (uint8_t *)rte_pktmbuf_append(seg, (uint16_t)(h->hdr_len + len));
		rte_memcpy(d, p, h->hdr_len);
		src = rte_pktmbuf_read(m, h->hdr_len + i * mss, len, d + h->hdr_len);
		if (src != d + h->hdr_len)
			rte_memcpy(d + h->hdr_len, src, len);
		segment_headers(d, h, (uint16_t)i, (uint16_t)n, len, mss);
		seg->port = m->port;
		seg->packet_type = m->packet_type;
		seg->hash = m->hash;
		seg->vlan_tci = m->vlan_tci;
		seg->ol_flags = m->ol_flags & ~RTE_MBUF_F_TX_OFFLOAD_MASK;
		memcpy(seg->dynfield1, m->dynfield1, sizeof(seg->dynfield1));
		out[i] = seg;
	}
	return (uint16_t)n;
}
