/* ARP for Ethernet/IPv4 (RFC 826): parse, answer in place, build requests.
 * Everything works on the first segment; l3_off is the ARP header's offset
 * after Ethernet and any VLAN tags, which are left as they came. */
#include "l3.h"

#include <string.h>

#include <rte_arp.h>
#include <rte_byteorder.h>

#define ETH_MIN_FRAME 60 /* without FCS */

bool arp_parse(const struct rte_mbuf *m, uint16_t l3_off, struct arp_info *a)
{
	if ((uint32_t)l3_off + sizeof(struct rte_arp_hdr) > rte_pktmbuf_data_len(m))
		return false;
	const struct rte_arp_hdr *h =
		rte_pktmbuf_mtod_offset(m, const struct rte_arp_hdr *, l3_off);
	uint16_t op = rte_be_to_cpu_16(h->arp_opcode);

	if (h->arp_hardware != RTE_BE16(RTE_ARP_HRD_ETHER) ||
	    h->arp_protocol != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
	    h->arp_hlen != RTE_ETHER_ADDR_LEN || h->arp_plen != 4 ||
	    (op != RTE_ARP_OP_REQUEST && op != RTE_ARP_OP_REPLY))
		return false;
	a->op = op;
	/* the header is packed and may sit unaligned: copy, do not load */
	memcpy(&a->sha, &h->arp_data.arp_sha, sizeof(a->sha));
	memcpy(&a->tha, &h->arp_data.arp_tha, sizeof(a->tha));
	uint32_t spa, tpa;

	memcpy(&spa, &h->arp_data.arp_sip, sizeof(spa));
	memcpy(&tpa, &h->arp_data.arp_tip, sizeof(tpa));
	a->spa = rte_be_to_cpu_32(spa);
	a->tpa = rte_be_to_cpu_32(tpa);
	return true;
}

static void arp_fill(struct rte_arp_hdr *h, uint16_t op,
		     const struct rte_ether_addr *sha, uint32_t spa,
		     const struct rte_ether_addr *tha, uint32_t tpa)
{
	uint32_t sip = rte_cpu_to_be_32(spa), tip = rte_cpu_to_be_32(tpa);

	h->arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
	h->arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	h->arp_hlen = RTE_ETHER_ADDR_LEN;
	h->arp_plen = 4;
	h->arp_opcode = rte_cpu_to_be_16(op);
	memcpy(&h->arp_data.arp_sha, sha, sizeof(*sha));
	memcpy(&h->arp_data.arp_sip, &sip, sizeof(sip));
	memcpy(&h->arp_data.arp_tha, tha, sizeof(*tha));
	memcpy(&h->arp_data.arp_tip, &tip, sizeof(tip));
}

void arp_reply_in_place(struct rte_mbuf *m, uint16_t l3_off,
			const struct arp_info *a, const struct rte_ether_addr *mac)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_arp_hdr *h = rte_pktmbuf_mtod_offset(m, struct rte_arp_hdr *, l3_off);

	memcpy(&eth->dst_addr, &a->sha, sizeof(a->sha));
	memcpy(&eth->src_addr, mac, sizeof(*mac));
	arp_fill(h, RTE_ARP_OP_REPLY, mac, a->tpa, &a->sha, a->spa);
}

struct rte_mbuf *arp_request_build(struct rte_mempool *pool,
				   const struct rte_ether_addr *src_mac,
				   uint32_t src_ip, uint32_t target_ip, uint16_t vid)
{
	static const struct rte_ether_addr zero_mac;
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);

	if (m == NULL)
		return NULL;
	uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, ETH_MIN_FRAME);

	if (p == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memset(p, 0, ETH_MIN_FRAME); /* the padding */
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)p;
	uint16_t l3_off = sizeof(*eth);

	memset(&eth->dst_addr, 0xff, sizeof(eth->dst_addr));
	memcpy(&eth->src_addr, src_mac, sizeof(*src_mac));
	if (vid != 0) {
		struct rte_vlan_hdr *vh = (struct rte_vlan_hdr *)(eth + 1);

		eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_VLAN);
		vh->vlan_tci = rte_cpu_to_be_16(vid & 0x0fff);
		vh->eth_proto = RTE_BE16(RTE_ETHER_TYPE_ARP);
		l3_off += sizeof(*vh);
	} else {
		eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_ARP);
	}
	arp_fill((struct rte_arp_hdr *)(p + l3_off), RTE_ARP_OP_REQUEST,
		 src_mac, src_ip, &zero_mac, target_ip);
	return m;
}
