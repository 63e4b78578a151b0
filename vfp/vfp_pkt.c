#include "vfp_pkt.h"

#include <string.h>

#include <rte_byteorder.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#define MAX_TAGS 2
#define MAX_IPV6_EXT 4

static bool is_vlan_type(uint16_t type)
{
	return type == RTE_ETHER_TYPE_VLAN || type == RTE_ETHER_TYPE_QINQ;
}

/* Ports (TCP/UDP/SCTP) or the ICMP echo id at l4, unless truncated. */
static void parse_l4(const uint8_t *l4, uint32_t avail, struct vfp_pkt *pkt)
{
	switch (pkt->proto) {
	case IPPROTO_TCP:
		if (avail < sizeof(struct rte_tcp_hdr))
			return;
		pkt->tcp_flags = ((const struct rte_tcp_hdr *)l4)->tcp_flags;
		__attribute__((fallthrough)); /* ports at the same offsets */
	case IPPROTO_UDP:
	case IPPROTO_SCTP:
		if (avail < 4)
			return;
		pkt->src_port = (uint16_t)(l4[0] << 8 | l4[1]);
		pkt->dst_port = (uint16_t)(l4[2] << 8 | l4[3]);
		pkt->has_ports = true;
		return;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		if (avail < sizeof(struct rte_icmp_hdr))
			return;
		/* echo id as the "port", as WinNAT treats ICMP queries */
		pkt->src_port = rte_be_to_cpu_16(((const struct rte_icmp_hdr *)l4)->icmp_ident);
		pkt->dst_port = 0;
		pkt->has_ports = true;
		return;
	}
}

static void parse_ipv4(const uint8_t *p, uint32_t avail, struct vfp_pkt *pkt)
{
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)p;
	uint32_t ihl;

	if (avail < sizeof(*ip) || (ip->version_ihl >> 4) != 4)
		return;
	ihl = (uint32_t)(ip->version_ihl & 0xf) * 4;
	if (ihl < sizeof(*ip) || ihl > avail)
		return;
	pkt->family = 4;
	pkt->proto = ip->next_proto_id;
	pkt->src_ip4 = rte_be_to_cpu_32(ip->src_addr);
	pkt->dst_ip4 = rte_be_to_cpu_32(ip->dst_addr);
	/* later fragments carry no L4 header */
	if ((rte_be_to_cpu_16(ip->fragment_offset) & RTE_IPV4_HDR_OFFSET_MASK) == 0)
		parse_l4(p + ihl, avail - ihl, pkt);
}

static bool is_ipv6_ext(uint8_t nh)
{
	return nh == IPPROTO_HOPOPTS || nh == IPPROTO_ROUTING ||
	       nh == IPPROTO_DSTOPTS || nh == IPPROTO_FRAGMENT;
}

static void parse_ipv6(const uint8_t *p, uint32_t avail, struct vfp_pkt *pkt)
{
	const struct rte_ipv6_hdr *ip = (const struct rte_ipv6_hdr *)p;
	uint32_t off = sizeof(*ip);
	uint8_t nh;
	bool later_fragment = false;

	if (avail < sizeof(*ip) || (p[0] >> 4) != 6)
		return;
	pkt->family = 6;
	memcpy(pkt->src_ip6, ip->src_addr, 16);
	memcpy(pkt->dst_ip6, ip->dst_addr, 16);
	nh = ip->proto;
	for (int i = 0; i < MAX_IPV6_EXT && is_ipv6_ext(nh); i++) {
		if (off + 8 > avail)
			break;
		if (nh == IPPROTO_FRAGMENT)
			later_fragment = ((p[off + 2] << 8 | p[off + 3]) & 0xfff8) != 0;
		uint32_t len = nh == IPPROTO_FRAGMENT ? 8 : (uint32_t)(p[off + 1] + 1) * 8;
		nh = p[off];
		off += len;
	}
	pkt->proto = nh;
	if (!is_ipv6_ext(nh) && !later_fragment && off <= avail)
		parse_l4(p + off, avail - off, pkt);
}

void vfp_pkt_parse(const struct rte_mbuf *m, struct vfp_pkt *pkt)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t avail = rte_pktmbuf_data_len(m), off = RTE_ETHER_HDR_LEN;
	const struct rte_ether_hdr *eh = (const struct rte_ether_hdr *)p;
	uint16_t type;

	memset(pkt, 0, sizeof(*pkt));
	pkt->len = rte_pktmbuf_pkt_len(m);
	if (avail < RTE_ETHER_HDR_LEN)
		return;
	pkt->src_mac = eh->src_addr;
	pkt->dst_mac = eh->dst_addr;
	type = rte_be_to_cpu_16(eh->ether_type);
	for (int i = 0; i < MAX_TAGS && is_vlan_type(type); i++) {
		if (off + 4 > avail)
			return;
		type = (uint16_t)(p[off + 2] << 8 | p[off + 3]);
		off += 4;
	}
	if (type == RTE_ETHER_TYPE_IPV4)
		parse_ipv4(p + off, avail - off, pkt);
	else if (type == RTE_ETHER_TYPE_IPV6)
		parse_ipv6(p + off, avail - off, pkt);
}
