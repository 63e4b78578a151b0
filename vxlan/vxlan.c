/* VXLAN encapsulation and decapsulation (vxlan.h). */
#include "vxlan.h"

#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_udp.h>
#include <rte_vxlan.h>

#define VXLAN_FLAG_I 0x08000000u /* the VNI is valid (first byte 0x08) */
#define OUTER_L2 sizeof(struct rte_ether_hdr)
#define OUTER_L3 sizeof(struct rte_ipv4_hdr)
#define OUTER_L4 sizeof(struct rte_udp_hdr)

_Static_assert(OUTER_L2 + OUTER_L3 + OUTER_L4 + sizeof(struct rte_vxlan_hdr) ==
	       VXLAN_OVERHEAD, "VXLAN overhead");

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
		return vxlan_src_port_ipv4(p + off, len - off);
	} else if (type == RTE_ETHER_TYPE_IPV6 && len >= off + 40) {
		const uint8_t *ip6 = p + off;

		h = ip6[6];
		for (unsigned i = 0; i < 4; i++)
			h = vxlan_crc8_at(ip6 + 8 + 8 * i, h);
		if ((ip6[6] == IPPROTO_TCP || ip6[6] == IPPROTO_UDP) && len >= off + 44)
			h = vxlan_crc4_at(ip6 + 40, h);
	} else {
		/* MAC addresses and type */
		h = vxlan_crc4_at(p + 8, vxlan_crc8_at(p, type));
	}
	return vxlan_src_port_fold(h);
}

int vxlan_template_init(struct vxlan_template *t, const struct vxlan_tunnel *tun,
			const struct rte_ether_addr *inner_dst,
			const struct rte_ether_addr *inner_src)
{
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)t->hdr;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eh + 1);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
	struct rte_vxlan_hdr *vx = (struct rte_vxlan_hdr *)(udp + 1);
	uint8_t *inner = (uint8_t *)(vx + 1);

	if (tun->vni > VXLAN_VNI_MAX)
		return -1;
	memset(t, 0, sizeof(*t));
	rte_ether_addr_copy(&tun->next_hop_mac, &eh->dst_addr);
	rte_ether_addr_copy(&tun->local_mac, &eh->src_addr);
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);

	ip->version_ihl = RTE_IPV4_VHL_DEF;
	/* DF: the overlay's MTU leaves room for the overhead (EncapOverhead);
	 * a path that cannot carry it must say so, not fragment. ID 0, as
	 * for any DF datagram (RFC 6864) */
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = tun->ttl ? tun->ttl : 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = rte_cpu_to_be_32(tun->local_ip);
	ip->dst_addr = rte_cpu_to_be_32(tun->remote_ip);
	/* total length and checksum 0 here: the frame's length is added */
	t->ip_sum = rte_raw_cksum(ip, sizeof(*ip));

	udp->dst_port = rte_cpu_to_be_16(tun->dst_port ? tun->dst_port : VXLAN_PORT);
	udp->dgram_cksum = 0; /* optional over IPv4 (RFC 7348 5), as Linux sends it */

	vx->vx_flags = rte_cpu_to_be_32(VXLAN_FLAG_I);
	vx->vx_vni = rte_cpu_to_be_32(tun->vni << 8);

	rte_ether_addr_copy(inner_dst, (struct rte_ether_addr *)inner);
	rte_ether_addr_copy(inner_src, (struct rte_ether_addr *)(inner + RTE_ETHER_ADDR_LEN));
	return 0;
}

int vxlan_encap(struct rte_mbuf *m, const struct vxlan_tunnel *t, bool ip_csum_offload)
{
	const struct rte_ether_hdr *inner = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	struct vxlan_template tpl;

	if (rte_pktmbuf_data_len(m) < RTE_ETHER_HDR_LEN ||
	    vxlan_template_init(&tpl, t, &inner->dst_addr, &inner->src_addr) < 0)
		return -1;
	return vxlan_encap_template(m, &tpl, vxlan_src_port(m), ip_csum_offload);
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
