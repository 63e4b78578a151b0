/* The overlay view's construction and publication (overlay_ctl.h). */
#include "overlay_ctl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "vlan.h"

static uint32_t plen_mask(uint8_t plen)
{
	return plen == 0 ? 0 : UINT32_MAX << (32 - plen);
}

static uint16_t port_mtu(const struct vswitch *sw, uint16_t port)
{
	uint16_t mtu = RTE_ETHER_MTU;

	if (port < VS_MAX_PORTS && sw->ports[port].in_use && sw->ports[port].tap == NULL &&
	    rte_eth_dev_get_mtu(sw->ports[port].eth_port, &mtu) != 0)
		mtu = RTE_ETHER_MTU;
	return mtu;
}

/* insertion sort, longest first, stable: at most OV_MAX_ROUTES */
static void sort_routes(struct ov_route *r, uint16_t n)
{
	for (uint16_t i = 1; i < n; i++) {
		struct ov_route x = r[i];
		uint16_t j = i;

		while (j > 0 && r[j - 1].plen < x.plen) {
			r[j] = r[j - 1];
			j--;
		}
		r[j] = x;
	}
}

/* Is a route of the same network before routes[i] (longer, or equal and
 * first) inside its prefix? Then an address of routes[i]'s prefix may
 * match that one instead, and a lookup cannot be skipped. */
static bool has_longer_inside(const struct ov_view *v, uint16_t i)
{
	const struct ov_route *r = &v->routes[i];

	for (uint16_t k = 0; k < i; k++)
		if (v->routes[k].net == r->net && (v->routes[k].prefix & r->mask) == r->prefix)
			return true;
	return false;
}

struct ov_view *ov_view_build(const struct vswitch *sw, const struct ov_spec *s,
			      char *err, size_t errlen)
{
	struct ov_view *v;

	err[0] = '\0';
	if (s->nb_eps == 0)
		return NULL;
	if (s->nb_nets > OV_MAX_NETS || s->nb_eps > OV_MAX_EPS ||
	    s->nb_routes > OV_MAX_ROUTES) {
		snprintf(err, errlen, "too many overlay networks, endpoints or routes");
		return NULL;
	}
	v = rte_zmalloc("ov_view", sizeof(*v), RTE_CACHE_LINE_SIZE);
	if (v == NULL) {
		snprintf(err, errlen, "out of memory for the overlay view");
		return NULL;
	}
	memset(v->port_net, -1, sizeof(v->port_net));
	for (uint8_t i = 0; i < s->nb_nets; i++) {
		const struct ov_spec_net *sn = &s->nets[i];
		struct ov_net *n = &v->nets[i];

		if (sn->uplink >= VS_MAX_PORTS)
			goto bad;
		n->vni = sn->vni;
		n->mask = plen_mask(sn->plen);
		n->subnet = sn->subnet & n->mask;
		n->gw = sn->gw;
		n->dr_mac = sn->dr_mac;
		n->pa = sn->pa;
		n->uplink = sn->uplink;
		n->udp_port = sn->udp_port ? sn->udp_port : 4789;
		n->mtu = port_mtu(sw, sn->uplink);
		portset_set(&v->uplink_ports, sn->uplink);
	}
	v->nb_nets = s->nb_nets;
	for (uint8_t i = 0; i < s->nb_eps; i++) {
		const struct ov_spec_ep *se = &s->eps[i];
		struct ov_ep *e = &v->eps[i];

		if (se->port >= VS_MAX_PORTS || se->net >= s->nb_nets)
			goto bad;
		e->ip = se->ip;
		e->mac = se->mac;
		e->port = se->port;
		e->net = se->net;
		e->vid = vlan_ingress_vid(&sw->ports[se->port].vlan, false, 0);
		portset_set(&v->ep_ports, se->port);
		v->port_net[se->port] = (int8_t)se->net;
	}
	v->nb_eps = s->nb_eps;
	for (uint8_t i = 0; i < v->nb_nets; i++) {
		struct ov_net *n = &v->nets[i];

		n->eps_in_subnet = true;
		n->host_ep = -1;
		for (uint8_t e = 0; e < v->nb_eps; e++) {
			if (v->eps[e].net != i)
				continue;
			if ((v->eps[e].ip & n->mask) != n->subnet)
				n->eps_in_subnet = false;
			if (s->nets[i].host_route && s->eps[e].host && n->host_ep < 0)
				n->host_ep = (int8_t)e;
		}
	}
	for (uint16_t i = 0; i < s->nb_routes; i++) {
		const struct ov_spec_route *sr = &s->routes[i];
		struct ov_route *r = &v->routes[i];

		if (sr->net >= s->nb_nets || sr->plen > 32)
			goto bad;
		r->plen = sr->plen;
		r->mask = plen_mask(sr->plen);
		r->prefix = sr->prefix & r->mask;
		r->net = sr->net;
		r->vni = sr->vni;
		r->pa = sr->pa;
		r->dr_mac = sr->dr_mac;
		r->remote_ep = sr->remote_ep && sr->plen == 32;
	}
	v->nb_routes = s->nb_routes;
	sort_routes(v->routes, v->nb_routes);
	for (uint16_t i = 0; i < v->nb_routes; i++) {
		struct ov_route *r = &v->routes[i];

		r->no_longer_inside = !has_longer_inside(v, i);
		if (ov_route_prepare(&v->nets[r->net], r) < 0) {
			snprintf(err, errlen, "overlay spec: a route's VNI %u is over 24 bits",
				 (unsigned)r->vni);
			rte_free(v);
			return NULL;
		}
	}
	return v;
bad:
	snprintf(err, errlen, "overlay spec: a port or network index is out of range");
	rte_free(v);
	return NULL;
}

void ov_view_publish(struct vswitch *sw, struct ov_view *v)
{
	struct ov_view *old = sw->ov_view;

	__atomic_store_n(&sw->ov_view, v, __ATOMIC_RELEASE);
	if (old != NULL) {
		if (sw->qsbr != NULL)
			rte_rcu_qsbr_synchronize(sw->qsbr, RTE_QSBR_THRID_INVALID);
		rte_free(old);
	}
}

void ov_fini(struct vswitch *sw)
{
	rte_free(sw->ov_view);
	sw->ov_view = NULL;
}
