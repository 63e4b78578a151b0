/* Overlay networks on the workers, the uplink side (overlay.h): inbound
 * VXLAN to a network's provider address and port is decapsulated and the
 * inner frame delivered to the local endpoint its IPv4 destination names;
 * unknown VNIs, bad headers and inner frames for nobody here are dropped
 * with their reasons. Per packet: no allocation, no locks.
 * Layer: vswitch/dataplane/, dataplane layer (worker lcores, per packet). */
#include "overlay.h"
#include "overlay_internal.h"

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "egress.h"
#include "l3.h"
#include "vxlan.h"
#include "worker.h"

static const struct ov_net *net_by_vni(const struct ov_view *v, uint32_t vni,
				       uint32_t pa, uint8_t *idx)
{
	for (uint8_t i = 0; i < v->nb_nets; i++)
		if (v->nets[i].vni == vni && v->nets[i].pa == pa) {
			*idx = i;
			return &v->nets[i];
		}
	return NULL;
}

/* Is m IPv4/UDP to one of the overlay networks' provider address and
 * VXLAN port? Its UDP port then, else 0. Reads only. */
static uint16_t vxlan_port_of(const struct ov_view *v, const struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct rte_ipv4_hdr *ip;
	const struct rte_udp_hdr *udp;
	uint32_t ihl, dst;

	if (eh->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
	    rte_pktmbuf_data_len(m) < RTE_ETHER_HDR_LEN + sizeof(*ip) + sizeof(*udp))
		return 0;
	ip = (const struct rte_ipv4_hdr *)(eh + 1);
	ihl = (uint32_t)(ip->version_ihl & 0xf) * 4;
	if (ip->next_proto_id != IPPROTO_UDP || ihl < sizeof(*ip) ||
	    rte_pktmbuf_data_len(m) < RTE_ETHER_HDR_LEN + ihl + sizeof(*udp))
		return 0;
	udp = (const struct rte_udp_hdr *)((const uint8_t *)ip + ihl);
	dst = rte_be_to_cpu_32(ip->dst_addr);
	for (uint8_t i = 0; i < v->nb_nets; i++)
		if (v->nets[i].pa == dst &&
		    udp->dst_port == rte_cpu_to_be_16(v->nets[i].udp_port))
			return v->nets[i].udp_port;
	return 0;
}

static bool mac_is_local_ep(const struct ov_view *v, uint8_t ni,
			    const struct rte_ether_addr *mac)
{
	for (uint8_t i = 0; i < v->nb_eps; i++)
		if (v->eps[i].net == ni && rte_is_same_ether_addr(&v->eps[i].mac, mac))
			return true;
	return false;
}

/* The decapsulated frame m (inner Ethernet first) of network ni: to the
 * endpoint its inner IPv4 destination names. */
static void deliver_decapsulated(struct worker *w, const struct ov_view *v, uint8_t ni,
				 uint16_t in_port, struct rte_mbuf *m, struct pkt_meta *pm)
{
	const struct ov_net *n = &v->nets[ni];
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct rte_ipv4_hdr *ip;
	const struct ov_ep *ep;
	rte_be16_t type;
	uint16_t off = frame_l3_offset(m, &type);

	pm->wire_tagged = false;
	pm->wire_vid = 0;
	pm->vp_parsed = false;
	if (off == 0 || type != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
	    rte_pktmbuf_data_len(m) < off + sizeof(*ip) ||
	    (!rte_is_same_ether_addr(&eh->dst_addr, &n->dr_mac) &&
	     !mac_is_local_ep(v, ni, &eh->dst_addr))) {
		drop_traced(w, in_port, m, pm, DROP_OVERLAY_NO_DESTINATION);
		return;
	}
	ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, off);
	ep = ov_ep_by_ip(v, ni, rte_be_to_cpu_32(ip->dst_addr));
	if (ep == NULL) {
		drop_traced(w, in_port, m, pm, DROP_OVERLAY_NO_DESTINATION);
		return;
	}
	if (ipv4_ttl_decrement(m, off) == 0) {
		drop_traced(w, in_port, m, pm, DROP_TTL_EXPIRED);
		return;
	}
	ov_deliver_local(w, n, ep, m, pm);
}

/* From an overlay uplink: true when consumed (VXLAN to us). */
static bool from_uplink(struct worker *w, const struct ov_view *v, uint16_t in_port,
			struct rte_mbuf *m, struct pkt_meta *pm)
{
	uint16_t port = vxlan_port_of(v, m);
	struct vxlan_outer outer;
	const struct ov_net *n;
	uint8_t ni = 0;

	if (port == 0)
		return false;
	pm->in_port = in_port;
	switch (vxlan_decap(m, port, &outer)) {
	case VXLAN_DECAP_OK:
		break;
	case VXLAN_NOT_VXLAN:
		return false;
	case VXLAN_BAD_HEADER:
	case VXLAN_TRUNCATED:
	default:
		drop_traced(w, in_port, m, pm, DROP_VXLAN_BAD_HEADER);
		return true;
	}
	n = net_by_vni(v, outer.vni, outer.dst_ip, &ni);
	if (n == NULL) {
		drop_traced(w, in_port, m, pm, DROP_VXLAN_UNKNOWN_VNI);
		return true;
	}
	deliver_decapsulated(w, v, ni, in_port, m, pm);
	return true;
}

uint16_t ov_uplink_burst(struct worker *w, const struct ov_view *v, uint16_t in_port,
			 struct rte_mbuf **pkts, struct pkt_meta *meta, uint16_t n)
{
	uint16_t j = 0;

	for (uint16_t i = 0; i < n && i < OV_PREFETCH_AHEAD; i++)
		ov_prefetch_headers(pkts[i], false);
	for (uint16_t i = 0; i < n; i++) {
		if (i + OV_PREFETCH_AHEAD < n)
			ov_prefetch_headers(pkts[i + OV_PREFETCH_AHEAD], false);
		if (!from_uplink(w, v, in_port, pkts[i], &meta[i])) {
			pkts[j] = pkts[i];
			meta[j++] = meta[i];
		}
	}
	return j;
}
