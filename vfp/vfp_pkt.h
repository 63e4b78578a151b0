/* The fields VFP layers match on, parsed once per packet at the first hook
 * that needs them: MACs, IPv4/IPv6 addresses, protocol and L4 ports.
 * Addresses and ports are in host byte order (IPv6 as 16 network-order
 * bytes). A packet that is not IP has family 0; a non-first IP fragment or
 * an IP packet too short for its L4 header has has_ports false.
 * Layer: vfp/, engine layer (VFP; DPDK only). */
#ifndef HVS_VFP_PKT_H
#define HVS_VFP_PKT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_byteorder.h>
#include <rte_mbuf.h>

struct vfp_pkt {
	struct rte_ether_addr src_mac, dst_mac;
	uint8_t family;     /* 0, 4 or 6 */
	uint8_t proto;      /* IP protocol (IPv6: the first non-extension header) */
	bool has_ports;     /* TCP/UDP/SCTP ports (ICMP: id in src_port) valid */
	uint8_t tcp_flags;  /* TCP only */
	uint32_t src_ip4, dst_ip4;
	uint8_t src_ip6[16], dst_ip6[16];
	uint16_t src_port, dst_port;
	uint32_t len;       /* frame bytes, for counters */
};

/* Parses the frame in m from its Ethernet header, skipping up to two VLAN
 * tags. Never reads past the data of the first segment. */
void vfp_pkt_parse(const struct rte_mbuf *m, struct vfp_pkt *pkt);

/* What port ACLs need, as vfp_pkt_parse finds it: len, the MACs, family
 * and the addresses of that family. proto, has_ports, tcp_flags, the ports
 * and the other family's addresses are left unset: the packet must be
 * parsed with vfp_pkt_parse before any layer that needs them. */
static inline void vfp_pkt_parse_addrs(const struct rte_mbuf *m, struct vfp_pkt *pkt)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t avail = rte_pktmbuf_data_len(m), off = RTE_ETHER_HDR_LEN;
	const struct rte_ether_hdr *eh = (const struct rte_ether_hdr *)p;
	uint16_t type;

	pkt->len = rte_pktmbuf_pkt_len(m);
	pkt->family = 0;
	if (avail < RTE_ETHER_HDR_LEN) {
		memset(&pkt->src_mac, 0, sizeof(pkt->src_mac));
		memset(&pkt->dst_mac, 0, sizeof(pkt->dst_mac));
		return;
	}
	pkt->src_mac = eh->src_addr;
	pkt->dst_mac = eh->dst_addr;
	type = rte_be_to_cpu_16(eh->ether_type);
	for (int i = 0; i < 2 && (type == RTE_ETHER_TYPE_VLAN ||
				  type == RTE_ETHER_TYPE_QINQ); i++) {
		if (off + 4 > avail)
			return;
		type = (uint16_t)(p[off + 2] << 8 | p[off + 3]);
		off += 4;
	}
	p += off;
	avail -= off;
	if (type == RTE_ETHER_TYPE_IPV4) {
		uint32_t ihl, a;

		if (avail < 20 || (p[0] >> 4) != 4)
			return;
		ihl = (uint32_t)(p[0] & 0xf) * 4;
		if (ihl < 20 || ihl > avail)
			return;
		pkt->family = 4;
		memcpy(&a, p + 12, 4);
		pkt->src_ip4 = rte_be_to_cpu_32(a);
		memcpy(&a, p + 16, 4);
		pkt->dst_ip4 = rte_be_to_cpu_32(a);
	} else if (type == RTE_ETHER_TYPE_IPV6) {
		if (avail < 40 || (p[0] >> 4) != 6)
			return;
		pkt->family = 6;
		memcpy(pkt->src_ip6, p + 8, 16);
		memcpy(pkt->dst_ip6, p + 24, 16);
	}
}

#endif
