/* Transparent, L2Bridge and Private networks: the dataplane layer
 * (l2bridge.h). The view is built and published by the control layer
 * (control/l2bridge_ctl.c). */
#include "l2bridge.h"

#include <string.h>

#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "egress.h"
#include "l3.h"
#include "worker.h"

#define ICMP6_RS 133
#define ICMP6_RA 134
#define ICMP6_NS 135
#define ICMP6_NA 136
#define ICMP6_REDIRECT 137
#define ND_OPT_SLLA 1
#define ND_OPT_TLLA 2
#define NA_LEN 32 /* ICMPv6 header 4 + flags 4 + target 16 + option 8 */

/* ---- packet helpers ---- */

/* Where the options of an ICMPv6 neighbour discovery message start (RFC
 * 4861: after the fixed part of each type), 0 for other messages. */
static uint16_t nd_options_offset(uint8_t icmp_type)
{
	switch (icmp_type) {
	case ICMP6_RS:
		return 8;
	case ICMP6_RA:
		return 16;
	case ICMP6_NS:
	case ICMP6_NA:
		return 24;
	case ICMP6_REDIRECT:
		return 40;
	}
	return 0;
}

/* A neighbour discovery message from old_mac names it in its source or
 * target link-layer option: the outside must learn host there too, as it
 * does from the Ethernet source. The checksum is computed again (ND is
 * rare, not the fast path). Only ICMPv6 right after the IPv6 header, in
 * one segment, is looked at. */
static void nd_rewrite_lladdr(struct rte_mbuf *m, uint16_t off,
			      const struct rte_ether_addr *old_mac,
			      const struct rte_ether_addr *host)
{
	struct rte_ipv6_hdr *ip;
	uint8_t *icmp;
	uint32_t len, o;
	bool changed = false;

	if (m->nb_segs != 1 || rte_pktmbuf_data_len(m) < off + sizeof(*ip) + 8)
		return;
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, off);
	len = rte_be_to_cpu_16(ip->payload_len);
	if (ip->proto != IPPROTO_ICMPV6 || rte_pktmbuf_data_len(m) < off + sizeof(*ip) + len)
		return;
	icmp = (uint8_t *)(ip + 1);
	o = nd_options_offset(icmp[0]);
	if (o == 0 || icmp[1] != 0)
		return;
	/* options: type, length in 8-byte units (0 is invalid), data */
	for (; o + 8 <= len && icmp[o + 1] != 0; o += 8u * icmp[o + 1]) {
		if ((icmp[o] == ND_OPT_SLLA || icmp[o] == ND_OPT_TLLA) && icmp[o + 1] == 1 &&
		    memcmp(icmp + o + 2, old_mac->addr_bytes, RTE_ETHER_ADDR_LEN) == 0) {
			memcpy(icmp + o + 2, host->addr_bytes, RTE_ETHER_ADDR_LEN);
			changed = true;
		}
	}
	if (changed) {
		uint16_t ck;

		memset(icmp + 2, 0, 2);
		ck = rte_ipv6_udptcp_cksum(ip, icmp);
		memcpy(icmp + 2, &ck, 2);
	}
}

void l2b_rewrite_source(struct rte_mbuf *m, const struct rte_ether_addr *old_mac,
			const struct rte_ether_addr *host)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	rte_be16_t type;
	uint16_t off;

	rte_ether_addr_copy(host, &eh->src_addr);
	off = frame_l3_offset(m, &type);
	if (off != 0 && type == RTE_BE16(RTE_ETHER_TYPE_IPV6)) {
		nd_rewrite_lladdr(m, off, old_mac, host);
		return;
	}
	if (off != 0 && type == RTE_BE16(RTE_ETHER_TYPE_ARP) &&
	    rte_pktmbuf_data_len(m) >= off + sizeof(struct rte_arp_hdr)) {
		struct rte_arp_hdr *a = rte_pktmbuf_mtod_offset(m, struct rte_arp_hdr *, off);

		if (rte_is_same_ether_addr(&a->arp_data.arp_sha, old_mac))
			rte_ether_addr_copy(host, &a->arp_data.arp_sha);
	}
}

static bool ip6_is_unspecified(const uint8_t *a)
{
	for (int i = 0; i < 16; i++)
		if (a[i] != 0)
			return false;
	return true;
}

bool l2b_ns_target(const struct rte_mbuf *m, uint16_t off, uint8_t target[16])
{
	const struct rte_ipv6_hdr *ip;
	const uint8_t *icmp;

	if (rte_pktmbuf_data_len(m) < off + sizeof(*ip) + 24)
		return false;
	ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *, off);
	if ((rte_be_to_cpu_32(ip->vtc_flow) >> 28) != 6 || ip->proto != IPPROTO_ICMPV6 ||
	    ip->hop_limits != 255 || rte_be_to_cpu_16(ip->payload_len) < 24 ||
	    ip6_is_unspecified(ip->src_addr)) /* DAD: not ours to answer */
		return false;
	icmp = (const uint8_t *)(ip + 1);
	if (icmp[0] != ICMP6_NS || icmp[1] != 0)
		return false;
	memcpy(target, icmp + 8, 16);
	return true;
}

int l2b_na_in_place(struct rte_mbuf *m, uint16_t off, const uint8_t target[16],
		    const struct rte_ether_addr *mac)
{
	struct rte_ether_hdr *eh;
	struct rte_ipv6_hdr *ip;
	uint8_t *icmp;
	uint32_t want = off + sizeof(*ip) + NA_LEN, have = rte_pktmbuf_pkt_len(m);
	uint16_t ck;

	if (m->nb_segs != 1)
		return -1;
	if (have > want)
		rte_pktmbuf_trim(m, (uint16_t)(have - want));
	else if (have < want && rte_pktmbuf_append(m, (uint16_t)(want - have)) == NULL)
		return -1;
	eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	rte_ether_addr_copy(&eh->src_addr, &eh->dst_addr);
	rte_ether_addr_copy(mac, &eh->src_addr);
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, off);
	memcpy(ip->dst_addr, ip->src_addr, 16);
	memcpy(ip->src_addr, target, 16);
	ip->payload_len = rte_cpu_to_be_16(NA_LEN);
	ip->hop_limits = 255;
	icmp = (uint8_t *)(ip + 1);
	memset(icmp, 0, NA_LEN);
	icmp[0] = ICMP6_NA;
	icmp[4] = 0x60; /* solicited, override */
	memcpy(icmp + 8, target, 16);
	icmp[24] = ND_OPT_TLLA;
	icmp[25] = 1;
	memcpy(icmp + 26, mac->addr_bytes, RTE_ETHER_ADDR_LEN);
	ck = rte_ipv6_udptcp_cksum(ip, icmp);
	memcpy(icmp + 2, &ck, 2);
	return 0;
}

/* ---- the dataplane ---- */

static const struct l2b_ep *ep_by_ip4(const struct l2b_view *v, uint32_t ip_be)
{
	for (uint8_t i = 0; i < v->nb_eps; i++)
		if (v->eps[i].has_ip4 && v->eps[i].ip4 == ip_be)
			return &v->eps[i];
	return NULL;
}

static const struct l2b_ep *ep_by_ip6(const struct l2b_view *v, const uint8_t *ip)
{
	for (uint8_t i = 0; i < v->nb_eps; i++)
		if (v->eps[i].has_ip6 && memcmp(v->eps[i].ip6, ip, 16) == 0)
			return &v->eps[i];
	return NULL;
}

/* The L2Bridge network with host MAC mac that in_port belongs to (as its
 * uplink or an endpoint port), or -1. */
static int net_by_host_mac(const struct l2b_view *v, uint16_t in_port,
			   const struct rte_ether_addr *mac)
{
	for (uint8_t i = 0; i < v->nb_nets; i++) {
		const struct l2b_net *n = &v->nets[i];

		if (n->uplink < 0 || !rte_is_same_ether_addr(&n->host_mac, mac))
			continue;
		if (n->uplink == in_port || portset_test(&n->ports, in_port))
			return i;
	}
	return -1;
}

/* Is the endpoint's port in the VLAN the frame is switched in? */
static bool ep_in_vlan(const struct worker *w, const struct l2b_ep *ep, uint16_t vid)
{
	return vlan_port_carries(&w->sw->ports[ep->port].vlan, vid);
}

/* Delivers m to the endpoint with its MAC written back as destination,
 * as the switch sends it on: egress without the source-port and
 * isolation tests (the caller made sure ep->port is not in_port, and an
 * L2Bridge endpoint is never isolated). */
static void deliver(struct worker *w, const struct l2b_ep *ep, struct rte_mbuf *m,
		    struct pkt_meta *pm)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);

	rte_ether_addr_copy(&ep->mac, &eh->dst_addr);
	pm->vp_parsed = false;
	egress_routed(w, ep->port, m, pm);
}

/* ARP: requests from the uplink for an endpoint answered with H; replies
 * to H for an endpoint delivered to it with dst and tha written back. */
static bool arp_in(struct worker *w, const struct l2b_view *v, uint16_t in_port,
		   struct rte_mbuf *m, struct pkt_meta *pm, uint16_t off, int net)
{
	struct arp_info a;
	const struct l2b_ep *ep;
	const struct l2b_net *n;

	if (!arp_parse(m, off, &a))
		return false;
	ep = ep_by_ip4(v, rte_cpu_to_be_32(a.tpa));
	if (ep == NULL || (net >= 0 && ep->net != net))
		return false;
	n = &v->nets[ep->net];
	if (a.op == RTE_ARP_OP_REQUEST) {
		if (n->uplink != in_port || !ep_in_vlan(w, ep, pm->vid))
			return false; /* endpoints ask each other directly */
		arp_reply_in_place(m, off, &a, &n->host_mac);
		/* straight to TX: no VFP egress (our own answer), no VLAN egress (request's tag kept) */
		egress_reply(w, in_port, m, pm);
		return true;
	}
	if (a.op != RTE_ARP_OP_REPLY || net < 0 || ep->port == in_port)
		return false;
	struct rte_arp_hdr *ah = rte_pktmbuf_mtod_offset(m, struct rte_arp_hdr *, off);

	rte_ether_addr_copy(&ep->mac, &ah->arp_data.arp_tha);
	deliver(w, ep, m, pm);
	return true;
}

/* Frames to H (net >= 0): delivered by destination IP. Broadcasts and
 * IPv6 multicast (net < 0): ARP requests and neighbour solicitations for
 * endpoints answered. true: consumed. */
static bool ingress_one(struct worker *w, const struct l2b_view *v, uint16_t in_port,
			struct rte_mbuf *m, struct pkt_meta *pm)
{
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	int net = -1;
	rte_be16_t type;
	uint16_t off;

	if (rte_is_unicast_ether_addr(&eh->dst_addr)) {
		net = net_by_host_mac(v, in_port, &eh->dst_addr);
		if (net < 0)
			return false;
	}
	off = frame_l3_offset(m, &type);
	if (off == 0)
		return false;
	pm->in_port = in_port;
	if (type == RTE_BE16(RTE_ETHER_TYPE_ARP))
		return arp_in(w, v, in_port, m, pm, off, net);
	if (type == RTE_BE16(RTE_ETHER_TYPE_IPV4) && net >= 0) {
		const struct rte_ipv4_hdr *ip;
		const struct l2b_ep *ep;

		if (rte_pktmbuf_data_len(m) < off + sizeof(*ip))
			return false;
		ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, off);
		ep = ep_by_ip4(v, ip->dst_addr);
		if (ep == NULL || ep->net != net || ep->port == in_port)
			return false;
		deliver(w, ep, m, pm);
		return true;
	}
	if (type == RTE_BE16(RTE_ETHER_TYPE_IPV6)) {
		const struct rte_ipv6_hdr *ip;
		const struct l2b_ep *ep;
		uint8_t target[16];

		if (rte_pktmbuf_data_len(m) < off + sizeof(*ip))
			return false;
		ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *, off);
		if (l2b_ns_target(m, off, target)) {
			ep = ep_by_ip6(v, target);
			if (ep == NULL || v->nets[ep->net].uplink != in_port ||
			    (net >= 0 && ep->net != net) || !ep_in_vlan(w, ep, pm->vid))
				return false;
			if (l2b_na_in_place(m, off, target, &v->nets[ep->net].host_mac) < 0) {
				drop_traced(w, in_port, m, pm, DROP_NO_BUFFERS);
				return true;
			}
			/* straight to TX: no VFP egress (our own answer), no VLAN egress (request's tag kept) */
			egress_reply(w, in_port, m, pm);
			return true;
		}
		if (net < 0)
			return false;
		ep = ep_by_ip6(v, ip->dst_addr);
		if (ep == NULL || ep->net != net || ep->port == in_port)
			return false;
		deliver(w, ep, m, pm);
		return true;
	}
	return false;
}

uint16_t l2b_ingress_burst(struct worker *w, const struct l2b_view *v,
			   uint16_t in_port, struct rte_mbuf **pkts,
			   struct pkt_meta *meta, uint16_t n)
{
	/* endpoints without SDNRoute prefixes, networks without remote
	 * endpoints: these cost nothing per packet */
	bool routes = portset_test(&v->route_ports, in_port);
	bool remotes = v->nb_remotes != 0 && v->port_net[in_port] >= 0;
	uint16_t j = 0;

	if (!portset_test(&v->ingress_ports, in_port))
		return n;
	for (uint16_t i = 0; i < n; i++) {
		if (routes && l2b_sdn_route_one(w, v, in_port, pkts[i], &meta[i]))
			continue;
		if (ingress_one(w, v, in_port, pkts[i], &meta[i]))
			continue;
		if (remotes && l2b_remote_one(w, v, in_port, pkts[i], &meta[i]))
			continue;
		pkts[j] = pkts[i];
		meta[j] = meta[i];
		j++;
	}
	return j;
}
