/* VXLAN encapsulation and decapsulation (vxlan.h). */
#include "vxlan.h"

#include <string.h>

#include <rte_byteorder.h>
#include <rte_hash_crc.h>
#include <rte_ip.h>
#include <rte_udp.h>
#include <rte_vxlan.h>

#define VXLAN_FLAG_I 0x08000000u /* the VNI is valid (first byte 0x08) */
#define OUTER_L2 sizeof(struct rte_ether_hdr)
#define OUTER_L3 sizeof(struct rte_ipv4_hdr)
#define OUTER_L4 sizeof(struct rte_udp_hdr)

_Static_assert(OUTER_L2 + OUTER_L3 + OUTER_L4 + sizeof(struct rte_vxlan_hdr) ==
	       VXLAN_OVERHEAD, "VXLAN overhead");

/* rte_hash_crc reads 8 and 4 bytes at a time: the fields are copied to
 * aligned storage first (a frame's IPv4 addresses sit at offset 26). */
/* CRC32-C of 8 or 4 bytes at p (any alignment): what rte_hash_crc gives
 * for an 8-byte or 4-byte buffer, as one instruction on a plain load. */
static inline uint32_t crc8_at(const uint8_t *p, uint32_t init)
{
	uint64_t w;

	memcpy(&w, p, sizeof(w));
	return rte_hash_crc_8byte(w, init);
}

static inline uint32_t crc4_at(const uint8_t *p, uint32_t init)
{
	uint32_t w;

	memcpy(&w, p, sizeof(w));
	return rte_hash_crc_4byte(w, init);
}

uint16_t vxlan_src_port(const struct rte_mbuf *inner)
{
	const uint8_t *p = rte_pktmbuf_mtod(inner, const uint8_t *);
	uint32_t len = rte_pktmbuf_data_len(inner), off = OUTER_L2, h;
	uint16_t type;

	if (len < OUTER_L2)
		return VXLAN_SRC_PORT_MIN;
	memcpy(&type, p + 12, 2);
	type = rte_be_to_cpu_16(type);
	if (type == RTE_ETHER_TYPE_VLAN && len >= OUTER_L2 + 4) {
		memcpy(&type, p + 16, 2);
		type = rte_be_to_cpu_16(type);
		off += 4;
	}
	if (type == RTE_ETHER_TYPE_IPV4 && len >= off + OUTER_L3) {
		const struct rte_ipv4_hdr *ip = (const void *)(p + off);
		uint32_t ihl = (uint32_t)(ip->version_ihl & 0x0f) * 4;

		h = crc8_at((const uint8_t *)&ip->src_addr, ip->next_proto_id);
		if ((ip->next_proto_id == IPPROTO_TCP || ip->next_proto_id == IPPROTO_UDP ||
		     ip->next_proto_id == IPPROTO_SCTP) &&
		    !(ip->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_OFFSET_MASK)) &&
		    len >= off + ihl + 4)
			h = crc4_at(p + off + ihl, h);
	} else if (type == RTE_ETHER_TYPE_IPV6 && len >= off + 40) {
		const uint8_t *ip6 = p + off;

		h = ip6[6];
		for (unsigned i = 0; i < 4; i++)
			h = crc8_at(ip6 + 8 + 8 * i, h);
		if ((ip6[6] == IPPROTO_TCP || ip6[6] == IPPROTO_UDP) && len >= off + 44)
			h = crc4_at(ip6 + 40, h);
	} else {
		/* MAC addresses and type */
		h = crc4_at(p + 8, crc8_at(p, type));
	}
	/* fold, then into the upper quarter of the port space */
	h ^= h >> 16;
	return (uint16_t)(VXLAN_SRC_PORT_MIN + (h & 0x3fff));
}

int vxlan_encap(struct rte_mbuf *m, const struct vxlan_tunnel *t, bool ip_csum_offload)
{
	uint32_t inner_len = rte_pktmbuf_pkt_len(m);
	uint16_t sport = vxlan_src_port(m);
	struct rte_ether_hdr *eh;
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *udp;
	struct rte_vxlan_hdr *vx;

	if (t->vni > VXLAN_VNI_MAX)
		return -1;
	eh = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, VXLAN_OVERHEAD);
	if (eh == NULL)
		return -1;
	ip = (struct rte_ipv4_hdr *)(eh + 1);
	udp = (struct rte_udp_hdr *)(ip + 1);
	vx = (struct rte_vxlan_hdr *)(udp + 1);

	rte_ether_addr_copy(&t->next_hop_mac, &eh->dst_addr);
	rte_ether_addr_copy(&t->local_mac, &eh->src_addr);
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);

	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->type_of_service = 0;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(inner_len + OUTER_L3 + OUTER_L4 +
						       sizeof(*vx)));
	ip->packet_id = 0;
	/* DF: the overlay's MTU leaves room for the overhead (EncapOverhead);
	 * a path that cannot carry it must say so, not fragment */
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = t->ttl ? t->ttl : 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->hdr_checksum = 0;
	ip->src_addr = rte_cpu_to_be_32(t->local_ip);
	ip->dst_addr = rte_cpu_to_be_32(t->remote_ip);

	udp->src_port = rte_cpu_to_be_16(sport);
	udp->dst_port = rte_cpu_to_be_16(t->dst_port ? t->dst_port : VXLAN_PORT);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(inner_len + OUTER_L4 + sizeof(*vx)));
	udp->dgram_cksum = 0; /* optional over IPv4 (RFC 7348 5), as Linux sends it */

	vx->vx_flags = rte_cpu_to_be_32(VXLAN_FLAG_I);
	vx->vx_vni = rte_cpu_to_be_32(t->vni << 8);

	m->l2_len = OUTER_L2;
	m->l3_len = OUTER_L3;
	if (ip_csum_offload)
		m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM;
	else
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	return 0;
}

enum vxlan_decap_result vxlan_decap(struct rte_mbuf *m, uint16_t dst_port,
				    struct vxlan_outer *out)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t len = rte_pktmbuf_data_len(m), ihl, ip_len;
	const struct rte_ipv4_hdr *ip;
	const struct rte_udp_hdr *udp;
	const struct rte_vxlan_hdr *vx;
	uint16_t type;

	if (len < OUTER_L2 + OUTER_L3)
		return VXLAN_NOT_VXLAN;
	memcpy(&type, p + 12, 2);
	if (type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4))
		return VXLAN_NOT_VXLAN;
	ip = (const struct rte_ipv4_hdr *)(p + OUTER_L2);
	ihl = (uint32_t)(ip->version_ihl & 0x0f) * 4;
	if ((ip->version_ihl >> 4) != 4 || ihl < OUTER_L3 || ip->next_proto_id != IPPROTO_UDP)
		return VXLAN_NOT_VXLAN;
	if (len < OUTER_L2 + ihl + OUTER_L4)
		return VXLAN_NOT_VXLAN;
	udp = (const struct rte_udp_hdr *)((const uint8_t *)ip + ihl);
	if (udp->dst_port != rte_cpu_to_be_16(dst_port ? dst_port : VXLAN_PORT))
		return VXLAN_NOT_VXLAN;
	/* ours from here on: anything wrong is a drop */
	if (ip->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG |
						   RTE_IPV4_HDR_OFFSET_MASK))
		return VXLAN_BAD_HEADER;
	ip_len = rte_be_to_cpu_16(ip->total_length);
	if (ip_len < ihl + OUTER_L4 + sizeof(*vx) ||
	    rte_be_to_cpu_16(udp->dgram_len) != ip_len - ihl)
		return VXLAN_BAD_HEADER;
	if (rte_pktmbuf_pkt_len(m) < OUTER_L2 + ip_len ||
	    len < OUTER_L2 + ihl + OUTER_L4 + sizeof(*vx) + OUTER_L2)
		return VXLAN_TRUNCATED;
	vx = (const struct rte_vxlan_hdr *)(udp + 1);
	if (vx->vx_flags != rte_cpu_to_be_32(VXLAN_FLAG_I) ||
	    (rte_be_to_cpu_32(vx->vx_vni) & 0xff) != 0)
		return VXLAN_BAD_HEADER;
	out->vni = rte_be_to_cpu_32(vx->vx_vni) >> 8;
	out->src_ip = rte_be_to_cpu_32(ip->src_addr);
	out->dst_ip = rte_be_to_cpu_32(ip->dst_addr);
	out->src_port = rte_be_to_cpu_16(udp->src_port);
	/* the outer frame may carry Ethernet padding past the IP length */
	if (rte_pktmbuf_pkt_len(m) > OUTER_L2 + ip_len)
		rte_pktmbuf_trim(m, rte_pktmbuf_pkt_len(m) - (OUTER_L2 + ip_len));
	rte_pktmbuf_adj(m, (uint16_t)(OUTER_L2 + ihl + OUTER_L4 + sizeof(*vx)));
	return VXLAN_DECAP_OK;
}
