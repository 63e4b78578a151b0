/* L2Bridge forwarding beyond the host's own endpoints: SDNRoute prefixes
 * handed to the host vNIC, and frames to remote endpoints sent out of the
 * uplink (the design is in l2bridge.h). Both run in l2b_ingress_burst,
 * after the LB stage (a service VIP in an SDNRoute prefix is the LB's
 * first) and before the router and L2 switching.
 * Layer: vswitch/dataplane/, dataplane layer (worker lcores, per packet). */
#include "l2bridge.h"

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <stdio.h>

#include "egress.h"
#include "l3.h"
#include "l3_dp.h"
#include "worker.h"

/* The IPv4 header of m when it is an IPv4 frame with one, else NULL. */
static const struct rte_ipv4_hdr *ipv4_of(const struct rte_mbuf *m)
{
	rte_be16_t type;
	uint16_t off = frame_l3_offset(m, &type);

	if (off == 0 || type != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
	    rte_pktmbuf_data_len(m) < off + sizeof(struct rte_ipv4_hdr))
		return NULL;
	return rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, off);
}

bool l2b_route_match(const struct l2b_route *routes, uint8_t n, uint32_t ip_be,
		     uint8_t *which)
{
	for (uint8_t i = 0; i < n; i++)
		if ((ip_be & routes[i].mask) == routes[i].net) {
			*which = i;
			return true;
		}
	return false;
}

bool l2b_sdn_route_one(struct worker *w, const struct l2b_view *v, uint16_t in_port,
		       struct rte_mbuf *m, struct pkt_meta *pm)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	const struct rte_ipv4_hdr *ip;
	const struct l2b_net *n;
	uint8_t which;

	if (!rte_is_unicast_ether_addr(&eh->dst_addr) || (ip = ipv4_of(m)) == NULL ||
	    !l2b_route_match(v->routes[in_port], v->nb_routes[in_port], ip->dst_addr, &which))
		return false;
	w->c.port[in_port].sdn_route[which]++;
	n = &v->nets[v->port_net[in_port]];
	pm->in_port = in_port;
	if (n->host_port < 0 || n->host_port == in_port) {
		drop_traced(w, in_port, m, pm, DROP_SDN_ROUTE_NO_HOST);
		return true;
	}
	/* to the host's stack as a frame for its vNIC: it routes it */
	rte_ether_addr_copy(&n->host_vnic_mac, &eh->dst_addr);
	pm->vp_parsed = false;
	egress_routed(w, (uint16_t)n->host_port, m, pm);
	return true;
}

/* Out of the network's uplink to dst, from H (as every endpoint is seen
 * on the wire). Bridged, not routed: the TTL is left alone. */
static void to_uplink(struct worker *w, const struct l2b_net *n, struct rte_mbuf *m,
		      struct pkt_meta *pm, const struct rte_ether_addr *dst)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);

	rte_ether_addr_copy(dst, &eh->dst_addr);
	rte_ether_addr_copy(&n->host_mac, &eh->src_addr);
	pm->vp_parsed = false;
	egress_routed(w, (uint16_t)n->uplink, m, pm);
}

static bool on_uplink_link(const struct l3_view *v, uint32_t ip)
{
	for (uint8_t i = 0; i < v->nb_ips; i++)
		if ((ip & v->masks[i]) == (v->ips[i] & v->masks[i]))
			return true;
	return false;
}

/* A remote endpoint without a MAC of its own: the uplink's next hop for
 * it, from the router's neighbour table (the router's uplink must be the
 * network's). Unknown: asked for by ARP from the uplink's address and the
 * packet dropped (the sender's retransmission finds it), as the LB does. */
static void by_host_route(struct worker *w, const struct l2b_net *n, struct rte_mbuf *m,
			  struct pkt_meta *pm, uint32_t dst_be)
{
	const struct l3_view *l3 = l3_view_get(w->sw);
	uint32_t dst = rte_be_to_cpu_32(dst_be), hop;
	struct neigh_entry e;
	struct rte_mbuf *req;

	if (l3 == NULL || !l3->has_uplink || l3->uplink != n->uplink || l3->nb_ips == 0) {
		drop_traced(w, pm->in_port, m, pm, DROP_NO_ROUTE);
		return;
	}
	hop = on_uplink_link(l3, dst) ? dst : l3->default_gw;
	if (hop == 0) {
		drop_traced(w, pm->in_port, m, pm, DROP_NO_ROUTE);
		return;
	}
	if (neigh_lookup(l3->uplink_neigh, hop, &e)) {
		to_uplink(w, n, m, pm, &e.mac);
		return;
	}
	req = arp_request_build(w->pool, &l3->router_mac, l3->ips[0], hop, 0);
	if (req != NULL) {
		struct vfp_pkt vp;
		struct pkt_meta rpm = {.vid = l3->uplink_vid, .vp = &vp};

		egress_routed(w, l3->uplink, req, &rpm);
	}
	drop_traced(w, pm->in_port, m, pm, DROP_NEXT_HOP_UNRESOLVED);
}

/* Is mac a local endpoint's of network ni, other than the host vNIC? A
 * frame addressed to one is for that endpoint, whatever its IP. */
static bool local_endpoint_mac(const struct l2b_view *v, int ni,
			       const struct rte_ether_addr *mac)
{
	for (uint8_t i = 0; i < v->nb_eps; i++)
		if (v->eps[i].net == ni && v->eps[i].port != v->nets[ni].host_port &&
		    rte_is_same_ether_addr(&v->eps[i].mac, mac))
			return true;
	return false;
}

bool l2b_remote_one(struct worker *w, const struct l2b_view *v, uint16_t in_port,
		    struct rte_mbuf *m, struct pkt_meta *pm)
{
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	int ni = v->port_net[in_port];
	const struct l2b_net *n = &v->nets[ni];
	const struct rte_ipv4_hdr *ip;
	const struct l2b_remote *r;

	if (!rte_is_unicast_ether_addr(&eh->dst_addr) || (ip = ipv4_of(m)) == NULL)
		return false;
	r = l2b_remote_by_ip4(v, ip->dst_addr);
	/* by IP, as VFP does: the pod may have the gateway's MAC, H, or
	 * whatever answered its ARP for the gateway; only a frame to another
	 * local endpoint's MAC is that endpoint's */
	if (r == NULL || r->net != ni || local_endpoint_mac(v, ni, &eh->dst_addr))
		return false;
	pm->in_port = in_port;
	if (n->uplink < 0) {
		drop_traced(w, in_port, m, pm, DROP_NO_ROUTE);
		return true;
	}
	if (r->by_route)
		by_host_route(w, n, m, pm, ip->dst_addr);
	else
		to_uplink(w, n, m, pm, &r->mac);
	return true;
}
