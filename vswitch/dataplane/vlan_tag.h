/* Rewriting the outer VLAN tag of a frame to what the egress port wants:
 * pop, push or change the VID (PCP/DEI kept). Only called on mbufs this
 * worker owns alone (refcnt 1).
 * Layer: vswitch/dataplane/, dataplane layer (worker lcores, per packet). */
#ifndef HVS_VLAN_TAG_H
#define HVS_VLAN_TAG_H

#include <stdbool.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "vlan.h"

#define VLAN_TAG_LEN 4

/* Does the frame's wire form differ from what the port sends? */
static inline bool vlan_tag_needs_rewrite(enum vlan_egress action,
					  bool wire_tagged, uint16_t wire_vid,
					  uint16_t vid)
{
	if (action == VLAN_EGRESS_UNTAGGED)
		return wire_tagged;
	return !wire_tagged || wire_vid != vid;
}

/* Moves the two MAC addresses (12 bytes) by a tag's length either way:
 * both loads come before the stores, so the overlap is safe, and the
 * fixed-size copies stay inline (memmove is a library call). */
static inline void vlan_move_macs(uint8_t *dst, const uint8_t *src)
{
	uint64_t head;
	uint32_t tail;

	memcpy(&head, src, sizeof(head));
	memcpy(&tail, src + sizeof(head), sizeof(tail));
	memcpy(dst, &head, sizeof(head));
	memcpy(dst + sizeof(head), &tail, sizeof(tail));
}

/* Returns 0, or -1 when the mbuf has no headroom for a tag. */
static inline int vlan_tag_rewrite(struct rte_mbuf *m, enum vlan_egress action,
				   bool wire_tagged, uint16_t vid)
{
	uint8_t *p;

	if (action == VLAN_EGRESS_UNTAGGED) { /* pop */
		p = rte_pktmbuf_mtod(m, uint8_t *);
		vlan_move_macs(p + VLAN_TAG_LEN, p);
		rte_pktmbuf_adj(m, VLAN_TAG_LEN);
		return 0;
	}
	if (wire_tagged) { /* change the VID, keep priority bits */
		struct rte_vlan_hdr *vh = rte_pktmbuf_mtod_offset(
			m, struct rte_vlan_hdr *, sizeof(struct rte_ether_hdr));
		uint16_t tci = rte_be_to_cpu_16(vh->vlan_tci);

		vh->vlan_tci = rte_cpu_to_be_16((tci & 0xf000) | vid);
		return 0;
	}
	p = (uint8_t *)rte_pktmbuf_prepend(m, VLAN_TAG_LEN); /* push */
	if (p == NULL)
		return -1;
	vlan_move_macs(p, p + VLAN_TAG_LEN);
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)p;
	struct rte_vlan_hdr *vh = (struct rte_vlan_hdr *)(eh + 1);

	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN);
	vh->vlan_tci = rte_cpu_to_be_16(vid);
	return 0;
}

#endif
