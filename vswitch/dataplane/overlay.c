/* Overlay networks on the workers (overlay.h): the stage's entry, and the
 * pod side: the distributed router (ARP, routing), VXLAN encapsulation
 * toward remote hosts (the one-pass fast path and the full path). The
 * uplink side (decapsulation) is overlay_decap.c.
 * Per packet: no allocation, no locks; the view is immutable. */
#include "overlay.h"
#include "overlay_internal.h"

#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "egress.h"
#include "l3.h"
#include "l3_dp.h"
#include "obnat_dp.h"
#include "vxlan.h"
#include "worker.h"

/* inner Ethernet + VXLAN + UDP + outer IPv4: what the IP length grows by
 * once encapsulated (the outer Ethernet is not counted by the MTU; the
 * inner one is), so a pod MTU of uplink MTU - 50 fits exactly */
#define OV_IP_GROWTH VXLAN_OVERHEAD

const struct ov_route *ov_route_lookup(const struct ov_view *v, uint8_t net,
				       uint32_t dst)
{
	for (uint16_t i = 0; i < v->nb_routes; i++) {
		const struct ov_route *r = &v->routes[i];

		if (r->net == net && (dst & r->mask) == r->prefix)
			return r; /* sorted longest first */
	}
	return NULL;
}

const struct ov_ep *ov_ep_by_ip(const struct ov_view *v, uint8_t net, uint32_t ip)
{
	for (uint8_t i = 0; i < v->nb_eps; i++)
		if (v->eps[i].ip == ip && v->eps[i].net == net)
			return &v->eps[i];
	return NULL;
}

int ov_route_prepare(const struct ov_net *n, struct ov_route *r)
{
	struct vxlan_tunnel t = {
		.local_ip = n->pa,
		.remote_ip = r->pa,
		.dst_port = n->udp_port,
		.vni = r->vni,
	};

	/* outer Ethernet addresses: the router's, per frame (l3_uplink_send) */
	return vxlan_template_init(&r->tpl, &t, &r->dr_mac, &n->dr_mac);
}

/* RFC 1191: a packet with DF that would not fit the uplink once
 * encapsulated is answered from the gateway with "fragmentation needed"
 * and the largest IP length that fits (uplink MTU - 50), so the pod's TCP
 * lowers its MSS instead of losing every full-sized segment. */
static void frag_needed(struct worker *w, const struct ov_net *n, uint16_t in_port,
			const struct rte_mbuf *m, uint16_t off)
{
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, off);
	struct rte_mbuf *e;
	struct rte_ipv4_hdr *eip;
	struct rte_icmp_hdr *ic;
	rte_be16_t mtu = rte_cpu_to_be_16((uint16_t)(n->mtu - OV_IP_GROWTH));
	struct vfp_pkt vp;
	struct pkt_meta epm = {.vid = 0, .vp = &vp};
	uint16_t icmp_len;

	if (!(ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_DF_FLAG)))
		return;
	e = icmp_error_build(w->pool, m, off, 3, 4, n->gw, &n->dr_mac, 0);
	if (e == NULL)
		return;
	eip = rte_pktmbuf_mtod_offset(e, struct rte_ipv4_hdr *, RTE_ETHER_HDR_LEN);
	ic = (struct rte_icmp_hdr *)(eip + 1);
	icmp_len = (uint16_t)(rte_be_to_cpu_16(eip->total_length) - sizeof(*eip));
	memcpy((uint8_t *)ic + 6, &mtu, sizeof(mtu)); /* next-hop MTU */
	ic->icmp_cksum = 0;
	ic->icmp_cksum = (uint16_t)~rte_raw_cksum(ic, icmp_len);
	epm.vid = vlan_ingress_vid(&w->sw->ports[in_port].vlan, false, 0);
	egress_routed(w, in_port, e, &epm);
}

static void send_encapsulated(struct worker *w, uint16_t in_port, const struct ov_net *n,
			      const struct ov_route *r, struct rte_mbuf *m,
			      struct pkt_meta *pm)
{
	const struct l3_view *l3 = l3_view_get(w->sw);
	uint16_t sport = vxlan_src_port(m);

	/* the router sends it: its uplink must be the network's */
	if (unlikely(l3 == NULL || !l3->has_uplink || l3->uplink != n->uplink)) {
		drop_traced(w, in_port, m, pm, DROP_NO_ROUTE);
		return;
	}
	if (unlikely(ov_encap(m, r, &l3->router_mac, sport) < 0)) {
		drop_traced(w, in_port, m, pm, DROP_NO_BUFFERS);
		return;
	}
	pm->wire_tagged = false;
	pm->wire_vid = 0;
	pm->vp_parsed = false;
	l3_uplink_send(w, l3, m, pm, RTE_ETHER_HDR_LEN);
}

/* A burst's state (ov_ingress_burst): the remote route the last frame
 * took, and the frames the endpoint's OutBoundNAT SNATs to the outside,
 * translated together at the end of the burst (l3_obnat_outbound). */
struct ov_burst {
	const struct ov_route *last;
	/* the port's OutBoundNAT when it is routed and the router's uplink
	 * is its uplink; NULL: none (no SNAT) */
	const struct obnat_port *snat;
	uint16_t nb_snat;
	uint16_t snat_off[VS_BURST];
	struct rte_mbuf *snat_m[VS_BURST];
	struct pkt_meta snat_pm[VS_BURST];
};

/* The remote route for dst in network ni: the one the burst used last
 * when dst lies in it and no longer route can (no_longer_inside), else
 * the lookup's, kept for the next frame. A burst of a pod's frames mostly
 * goes to few remote subnets: most frames skip the scan. */
static const struct ov_route *route_cached(const struct ov_view *v, uint8_t ni,
					   uint32_t dst, const struct ov_route **last)
{
	const struct ov_route *r = *last;

	if (r != NULL && r->net == ni && (dst & r->mask) == r->prefix && r->no_longer_inside)
		return r;
	r = ov_route_lookup(v, ni, dst);
	if (r != NULL)
		*last = r;
	return r;
}

/* A pod's frame for which the network has no route (no local endpoint,
 * remote route or HostRoute): to the outside through the endpoint's
 * OutBoundNAT when its rule SNATs dst (obnat_dp.h), routed (TTL - 1) and
 * set aside for the burst's translation; else "No route to destination".
 * An address of the pod subnet or the host's provider address is never
 * SNATed (no route: nothing outside holds it). Not encapsulated: no
 * overlay MTU check. */
static void route_outside(struct worker *w, const struct ov_net *n, struct ov_burst *b,
			  uint16_t in_port, struct rte_mbuf *m, struct pkt_meta *pm,
			  uint16_t off, uint32_t dst)
{
	if (b->snat == NULL || (dst & n->mask) == n->subnet || dst == n->pa ||
	    !obnat_rule_snat(&b->snat->rule, dst)) {
		drop_traced(w, in_port, m, pm, DROP_NO_ROUTE);
		return;
	}
	if (ipv4_ttl_decrement(m, off) == 0) {
		drop_traced(w, in_port, m, pm, DROP_TTL_EXPIRED);
		return;
	}
	b->snat_m[b->nb_snat] = m;
	b->snat_pm[b->nb_snat] = *pm;
	b->snat_off[b->nb_snat++] = off;
}

/* A pod's IPv4 frame to the DR MAC: to a local endpoint, a remote route,
 * the DR itself (ping), the outside (OutBoundNAT), or dropped. */
static void route_from_pod(struct worker *w, const struct ov_view *v, uint8_t ni,
			   uint16_t in_port, struct rte_mbuf *m, struct pkt_meta *pm,
			   uint16_t off, struct ov_burst *b)
{
	const struct ov_net *n = &v->nets[ni];
	struct rte_ipv4_hdr *ip;
	const struct ov_route *r;
	const struct ov_ep *ep;
	uint32_t dst;

	if (rte_pktmbuf_data_len(m) < off + sizeof(*ip)) {
		drop_traced(w, in_port, m, pm, DROP_INVALID_PACKET);
		return;
	}
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, off);
	if ((ip->version_ihl >> 4) != 4 || (ip->version_ihl & 0xf) < 5) {
		drop_traced(w, in_port, m, pm, DROP_INVALID_PACKET);
		return;
	}
	dst = rte_be_to_cpu_32(ip->dst_addr);
	if (dst == n->gw) {
		if (icmp_is_echo_request(m, off)) {
			icmp_echo_reply_in_place(m, off);
			/* straight back: our own answer (no VFP egress), request's tag kept */
			egress_reply(w, in_port, m, pm);
		} else {
			drop_traced(w, in_port, m, pm, DROP_NO_ROUTE);
		}
		return;
	}
	ep = (dst & n->mask) == n->subnet || !n->eps_in_subnet ? ov_ep_by_ip(v, ni, dst) : NULL;
	r = ep == NULL ? route_cached(v, ni, dst, &b->last) : NULL;
	/* HostRoute: the host (its provider address) through its vNIC */
	if (ep == NULL && r == NULL && dst == n->pa && n->host_ep >= 0)
		ep = &v->eps[n->host_ep];
	if (ep == NULL && r == NULL) {
		route_outside(w, n, b, in_port, m, pm, off, dst);
		return;
	}
	/* as a router does: the MTU before the TTL, so an ICMP error quotes
	 * the packet as the pod sent it */
	if (ep == NULL && (uint32_t)rte_be_to_cpu_16(ip->total_length) + OV_IP_GROWTH > n->mtu) {
		frag_needed(w, n, in_port, m, off);
		drop_traced(w, in_port, m, pm, DROP_OVERLAY_TOO_BIG);
		return;
	}
	if (ipv4_ttl_decrement(m, off) == 0) {
		drop_traced(w, in_port, m, pm, DROP_TTL_EXPIRED);
		return;
	}
	if (ep != NULL)
		ov_deliver_local(w, n, ep, m, pm);
	else
		send_encapsulated(w, in_port, n, r, m, pm);
}

/* The common case of a pod's frame, decided in one pass over its headers:
 * untagged IPv4 without options to the DR MAC, for a remote route (not the
 * gateway, outside the local subnet), fitting the uplink once
 * encapsulated, TTL > 1, room for the outer headers. Then it is routed and
 * encapsulated here (TTL - 1, inner MACs, outer headers from the route's
 * template) and true returned: the caller hands it to the router.
 * Anything else: false, m untouched, for from_pod's full treatment (which
 * gives the same result for these frames, one check at a time). */
static inline bool encap_fast(const struct ov_view *v, const struct ov_net *n, uint8_t ni,
			      struct rte_mbuf *m, const struct ov_route **last,
			      const struct rte_ether_addr *router_mac)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eh + 1);
	uint32_t len = rte_pktmbuf_data_len(m), dst;
	const struct ov_route *r;
	uint16_t sport;

	if (unlikely(len < RTE_ETHER_HDR_LEN + sizeof(*ip) ||
		     eh->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
		     !rte_is_same_ether_addr(&eh->dst_addr, &n->dr_mac) ||
		     ip->version_ihl != RTE_IPV4_VHL_DEF || ip->time_to_live <= 1 ||
		     rte_pktmbuf_headroom(m) < VXLAN_OVERHEAD))
		return false;
	dst = rte_be_to_cpu_32(ip->dst_addr);
	if (unlikely((dst & n->mask) == n->subnet || !n->eps_in_subnet))
		return false; /* the gateway, a local endpoint or no route */
	r = route_cached(v, ni, dst, last);
	if (unlikely(r == NULL ||
		     (uint32_t)rte_be_to_cpu_16(ip->total_length) + OV_IP_GROWTH > n->mtu))
		return false;
	sport = vxlan_src_port_ipv4((const uint8_t *)ip, len - RTE_ETHER_HDR_LEN);
	ipv4_ttl_decrement(m, RTE_ETHER_HDR_LEN);
	/* outer source = the router's MAC now: a frame the router queues while
	 * it resolves the next hop gets only its destination written later */
	return ov_encap(m, r, router_mac, sport) == 0;
}

/* The remote endpoint of network ni with MAC mac, or NULL: a pod that
 * learned that MAC from the DR's ARP answer sends its frames there. */
static const struct ov_route *remote_ep_by_mac(const struct ov_view *v, uint8_t ni,
					       const struct rte_ether_addr *mac)
{
	for (uint16_t i = 0; i < v->nb_routes; i++) {
		const struct ov_route *r = &v->routes[i];

		if (r->remote_ep && r->net == ni && rte_is_same_ether_addr(&r->dr_mac, mac))
			return r;
	}
	return NULL;
}

/* The MAC the DR answers a local pod's ARP request for tpa with, as VFP
 * answers it from its policy so that no ARP crosses the overlay: the
 * gateway's is the DR MAC; a remote endpoint's (a /32 with a PA) is its
 * own MAC; an address off the local subnet that a RemoteSubnetRoute holds
 * is reached through the DR (its MAC). NULL: not the DR's to answer (a
 * local pod answers for itself; an unknown address gets no answer). */
static const struct rte_ether_addr *arp_answer(const struct ov_view *v, uint8_t ni,
					       uint32_t tpa)
{
	const struct ov_net *n = &v->nets[ni];
	const struct ov_route *r;

	if (tpa == n->gw)
		return &n->dr_mac;
	if (ov_ep_by_ip(v, ni, tpa) != NULL)
		return NULL;
	r = ov_route_lookup(v, ni, tpa);
	if (r == NULL)
		return NULL;
	if (r->remote_ep && r->prefix == tpa)
		return &r->dr_mac;
	return (tpa & n->mask) != n->subnet ? &n->dr_mac : NULL;
}

/* From an overlay endpoint port: true when consumed. */
static bool from_pod(struct worker *w, const struct ov_view *v, uint16_t in_port,
		     struct rte_mbuf *m, struct pkt_meta *pm, struct ov_burst *b)
{
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	uint8_t ni = (uint8_t)v->port_net[in_port];
	const struct ov_net *n = &v->nets[ni];
	rte_be16_t type;
	uint16_t off = frame_l3_offset(m, &type);
	struct arp_info a;

	if (off == 0)
		return false;
	pm->in_port = in_port;
	if (type == RTE_BE16(RTE_ETHER_TYPE_ARP)) {
		const struct rte_ether_addr *mac;

		if (!arp_parse(m, off, &a) || a.op != RTE_ARP_OP_REQUEST ||
		    (mac = arp_answer(v, ni, a.tpa)) == NULL)
			return false;
		arp_reply_in_place(m, off, &a, mac);
		w->c.port[in_port].ov_arp_replies++;
		/* straight back: our own answer (no VFP egress), request's tag kept */
		egress_reply(w, in_port, m, pm);
		return true;
	}
	/* to the DR, or to a remote endpoint's MAC (the DR's ARP answer for
	 * it): routed alike, by destination address */
	if (!rte_is_same_ether_addr(&eh->dst_addr, &n->dr_mac) &&
	    (rte_is_multicast_ether_addr(&eh->dst_addr) ||
	     remote_ep_by_mac(v, ni, &eh->dst_addr) == NULL))
		return false;
	if (type != RTE_BE16(RTE_ETHER_TYPE_IPV4)) {
		drop_traced(w, in_port, m, pm, DROP_NO_ROUTE);
		return true;
	}
	route_from_pod(w, v, ni, in_port, m, pm, off, b);
	return true;
}

uint16_t ov_ingress_burst(struct worker *w, const struct ov_view *v,
			  uint16_t in_port, struct rte_mbuf **pkts,
			  struct pkt_meta *meta, uint16_t n)
{
	const struct obnat_view *ob;
	const struct ov_net *net;
	struct ov_burst b;
	const struct l3_view *l3;
	uint8_t ni;
	uint16_t j = 0;

	if (!portset_test(&v->ep_ports, in_port))
		return portset_test(&v->uplink_ports, in_port) ? ov_uplink_burst(w, v, in_port, pkts, meta, n)
					       : n;
	ni = (uint8_t)v->port_net[in_port];
	net = &v->nets[ni];
	l3 = l3_view_get(w->sw);
	/* the router sends what is encapsulated: its uplink must be the
	 * network's (else every frame takes the full path, which drops) */
	if (l3 != NULL && (!l3->has_uplink || l3->uplink != net->uplink))
		l3 = NULL;
	b.last = NULL;
	b.nb_snat = 0;
	b.snat = NULL;
	/* OutBoundNAT (obnat_dp.h): the router sends what is SNATed too */
	ob = obnat_view_get(w->sw);
	if (unlikely(obnat_port_on(ob, in_port)) && l3 != NULL && ob->port[in_port].routed &&
	    ob->port[in_port].uplink == l3->uplink)
		b.snat = &ob->port[in_port];
	for (uint16_t i = 0; i < n && i < OV_PREFETCH_AHEAD; i++)
		ov_prefetch_headers(pkts[i], true);
	for (uint16_t i = 0; i < n; i++) {
		if (i + OV_PREFETCH_AHEAD < n)
			ov_prefetch_headers(pkts[i + OV_PREFETCH_AHEAD], true);
		if (l3 != NULL && encap_fast(v, net, ni, pkts[i], &b.last, &l3->router_mac)) {
			struct pkt_meta *pm = &meta[i];

			pm->in_port = in_port;
			pm->wire_tagged = false;
			pm->wire_vid = 0;
			pm->vp_parsed = false;
			l3_uplink_send(w, l3, pkts[i], pm, RTE_ETHER_HDR_LEN);
			continue;
		}
		if (!from_pod(w, v, in_port, pkts[i], &meta[i], &b)) {
			pkts[j] = pkts[i];
			meta[j++] = meta[i];
		}
	}
	if (unlikely(b.nb_snat != 0))
		l3_obnat_outbound(w, b.snat->slot, in_port, b.snat_m, b.snat_pm, b.snat_off,
				  b.nb_snat);
	return j;
}
