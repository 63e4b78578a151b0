/* Ethernet parsing at switch ingress: just enough to switch the frame.
 * A frame shorter than an Ethernet header (or than its VLAN tag), or with a
 * multicast or all-zero source MAC, is invalid.
 * Layer: vswitch/dataplane/, dataplane layer (worker lcores, per packet). */
#ifndef HVS_PARSE_H
#define HVS_PARSE_H

#include <stdbool.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "drop_reason.h"
#include "vfp_pkt.h"

struct pkt_meta {
	uint16_t vid;      /* the VLAN the frame is switched in */
	uint16_t wire_vid; /* VID of the outer tag as received */
	bool wire_tagged;  /* the frame carries an outer 802.1Q/802.1ad tag */
	bool flood;        /* forwarding decision: flood the VLAN */
	uint16_t out_port; /* forwarding decision: unicast port */
	bool vp_parsed;    /* vp holds the L3/L4 fields (parsed lazily) */
	struct vfp_pkt *vp; /* this packet's slot for the VFP layers */
	uint64_t trace_id;  /* nonzero: traced (pcap/trace.h), its packet id */
	uint16_t in_port;   /* ingress port, kept for traced packets */
};

static inline bool ether_type_is_vlan(rte_be16_t type)
{
	return type == RTE_BE16(RTE_ETHER_TYPE_VLAN) ||
	       type == RTE_BE16(RTE_ETHER_TYPE_QINQ);
}

/* Returns -1 for a valid frame, else the drop reason. */
static inline int parse_ethernet(const struct rte_mbuf *m, struct pkt_meta *pm)
{
	const struct rte_ether_hdr *eh;

	if (unlikely(rte_pktmbuf_data_len(m) < RTE_ETHER_HDR_LEN))
		return DROP_INVALID_PACKET;
	eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	if (unlikely(!rte_is_valid_assigned_ether_addr(&eh->src_addr)))
		return DROP_INVALID_PACKET;
	pm->wire_tagged = ether_type_is_vlan(eh->ether_type);
	pm->wire_vid = 0;
	if (pm->wire_tagged) {
		const struct rte_vlan_hdr *vh = (const struct rte_vlan_hdr *)(eh + 1);

		if (unlikely(rte_pktmbuf_data_len(m) <
			     RTE_ETHER_HDR_LEN + sizeof(struct rte_vlan_hdr)))
			return DROP_INVALID_PACKET;
		pm->wire_vid = rte_be_to_cpu_16(vh->vlan_tci) & 0xfff;
	}
	return -1;
}

/* Offset of the header after Ethernet and up to two VLAN tags, with its
 * EtherType in *type; 0 if the frame is too short for its tags. */
static inline uint16_t frame_l3_offset(const struct rte_mbuf *m, rte_be16_t *type)
{
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	uint16_t off = RTE_ETHER_HDR_LEN;

	*type = eh->ether_type;
	for (int tags = 0; tags < 2 && ether_type_is_vlan(*type); tags++) {
		const struct rte_vlan_hdr *vh;

		if (rte_pktmbuf_data_len(m) < off + sizeof(*vh))
			return 0;
		vh = rte_pktmbuf_mtod_offset(m, const struct rte_vlan_hdr *, off);
		*type = vh->eth_proto;
		off += sizeof(*vh);
	}
	return off;
}

#endif
