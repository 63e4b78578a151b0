/* The router on the main lcore: builds and publishes the view workers
 * read, owns the uplink neighbour table and the per-worker rings. */
#include <stdio.h>
#include <string.h>

#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "l3_internal.h"
#include "lb_ctl.h"
#include "worker.h"

#define UPLINK_NEIGH_CAPACITY 4096
#define HANDOFF_RING_SIZE 4096
#define CMD_RING_SIZE 64

int l3_init(struct vswitch *sw, char *err, size_t errlen)
{
	struct l3_ctl *c = rte_zmalloc("l3_ctl", sizeof(*c), RTE_CACHE_LINE_SIZE);

	if (c == NULL) {
		snprintf(err, errlen, "out of memory for the router");
		return -1;
	}
	c->uplink_neigh = neigh_create("uplink_neigh", UPLINK_NEIGH_CAPACITY,
				       (int)rte_socket_id(), sw->qsbr);
	if (c->uplink_neigh == NULL) {
		rte_free(c);
		snprintf(err, errlen, "cannot create the neighbour table");
		return -1;
	}
	sw->l3 = c;
	return 0;
}

int l3_worker_init(struct vswitch *sw, struct worker *w, char *err, size_t errlen)
{
	struct l3_worker *lw = rte_zmalloc_socket("l3_worker", sizeof(*lw),
						  RTE_CACHE_LINE_SIZE,
						  (int)rte_lcore_to_socket_id(w->lcore));
	char name[RTE_RING_NAMESIZE];
	int socket = (int)rte_lcore_to_socket_id(w->lcore);

	(void)sw;
	if (lw == NULL)
		goto fail;
	lw->neigh_ring = neigh_ring_create(w->id, socket);
	snprintf(name, sizeof(name), "l3_handoff_%u", w->id);
	lw->handoff = rte_ring_create(name, HANDOFF_RING_SIZE, socket, RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "l3_cmds_%u", w->id);
	lw->cmds = rte_ring_create(name, CMD_RING_SIZE, socket,
				   RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (lw->neigh_ring == NULL || lw->handoff == NULL || lw->cmds == NULL) {
		l3_worker_fini(lw);
		goto fail;
	}
	w->l3 = lw;
	return 0;
fail:
	snprintf(err, errlen, "worker %u: cannot create the router rings", w->id);
	return -1;
}

void l3_worker_fini(struct l3_worker *lw)
{
	struct rte_mbuf *m;

	if (lw == NULL)
		return;
	while (lw->handoff != NULL && rte_ring_dequeue(lw->handoff, (void **)&m) == 0)
		rte_pktmbuf_free(m);
	for (uint16_t i = 0; i < lw->out_pending.n; i++)
		rte_pktmbuf_free(lw->out_pending.q[i].m);
	for (unsigned s = 0; s < NAT_DP_MAX; s++)
		for (uint16_t i = 0; i < lw->in_pending[s].n; i++)
			rte_pktmbuf_free(lw->in_pending[s].q[i].m);
	rte_ring_free(lw->neigh_ring);
	rte_ring_free(lw->handoff);
	rte_ring_free(lw->cmds);
	rte_free(lw);
}

static uint32_t plen_mask(uint8_t plen)
{
	return plen == 0 ? 0 : ~UINT32_C(0) << (32 - plen);
}

static void view_uplink(const struct vswitch *sw, struct l3_view *v)
{
	for (uint16_t p = 0; p < sw->nb_ports; p++) {
		const struct vs_port *port = &sw->ports[p];

		if (!port->in_use || !port->uplink)
			continue;
		v->has_uplink = true;
		v->uplink = p;
		v->uplink_vid = vlan_ingress_vid(&port->vlan, false, 0);
		v->router_mac = port->mac;
		v->nb_ips = (uint8_t)RTE_MIN(port->nb_ips, L3_MAX_IPS);
		for (uint8_t i = 0; i < v->nb_ips; i++) {
			v->ips[i] = port->ips[i];
			v->masks[i] = plen_mask(port->plens[i]);
		}
		v->default_gw = port->default_gw;
		return;
	}
	/* no uplink: a locally administered router MAC for NAT gateways */
	v->router_mac = (struct rte_ether_addr){{0x02, 0x15, 0x5d, 0x00, 0x00, 0x01}};
}

static void view_nats(const struct vswitch *sw, struct l3_view *v)
{
	const struct l3_ctl *c = sw->l3;

	for (uint8_t s = 0; s < NAT_DP_MAX; s++) {
		const struct nat_slot *ns = &c->slots[s];
		const struct winnat_config *cfg;
		struct l3_nat_view *n;

		if (!ns->used)
			continue;
		cfg = winnat_config(ns->nat);
		n = &v->nats[v->nb_nats++];
		n->nat = ns->nat;
		n->inside = ns->inside;
		n->ext_ip = cfg->external_ip;
		n->gw_ip = cfg->gateway_ip;
		n->mask = plen_mask(cfg->internal_plen);
		n->prefix = cfg->internal_prefix & n->mask;
		n->ports = ns->ports;
		n->listed = ns->listed;
		n->vid = ns->vid;
		n->port_min = cfg->port_min;
		n->port_max = cfg->port_max;
		n->owner = ns->owner;
		n->slot = s;
		n->obnat = ns->obnat;
	}
}

/* The uplink's "Neighbors": set now and refreshed every second, so aging
 * never takes them. */
static void static_neighbors(struct vswitch *sw, uint32_t now)
{
	const struct l3_view *v = sw->l3_view;
	const struct vs_port *port;

	if (v == NULL || !v->has_uplink)
		return;
	port = &sw->ports[v->uplink];
	for (uint8_t i = 0; i < port->nb_neighbors; i++) {
		struct neigh_entry e = {.mac = port->neighbors[i].mac, .port = v->uplink,
					.vid = v->uplink_vid, .updated = now};

		neigh_set(sw->l3->uplink_neigh, port->neighbors[i].ip, &e);
	}
}

int l3_publish(struct vswitch *sw)
{
	struct l3_view *old = sw->l3_view, *v = NULL;

	if (sw->l3 == NULL)
		return 0;
	v = rte_zmalloc("l3_view", sizeof(*v), RTE_CACHE_LINE_SIZE);
	if (v == NULL)
		return -1;
	view_uplink(sw, v);
	view_nats(sw, v);
	v->uplink_neigh = sw->l3->uplink_neigh;
	if (v->nb_ips == 0 && v->nb_nats == 0) {
		rte_free(v); /* nothing to route: every frame is switched */
		v = NULL;
	}
	__atomic_store_n(&sw->l3_view, v, __ATOMIC_RELEASE);
	static_neighbors(sw, vswitch_now(sw));
	if (old != NULL) {
		rte_rcu_qsbr_synchronize(sw->qsbr, RTE_QSBR_THRID_INVALID);
		rte_free(old);
	}
	/* NodePorts answer on the uplink's addresses, which may have changed */
	lb_ctl_refresh_host_addresses(sw);
	return 0;
}

void l3_control_poll(struct vswitch *sw)
{
	struct l3_ctl *c = sw->l3;
	uint32_t now = vswitch_now(sw);

	if (c == NULL)
		return;
	for (unsigned i = 0; i < sw->nb_workers; i++)
		if (sw->workers[i]->l3 != NULL)
			neigh_drain(c->uplink_neigh, sw->workers[i]->l3->neigh_ring, now);
	if (now != c->last_age) {
		c->last_age = now;
		neigh_age(c->uplink_neigh, now, NEIGH_TTL_SEC);
		static_neighbors(sw, now);
	}
}

void l3_fini(struct vswitch *sw)
{
	struct l3_ctl *c = sw->l3;

	if (c == NULL)
		return;
	rte_free(sw->l3_view);
	sw->l3_view = NULL;
	for (unsigned s = 0; s < NAT_DP_MAX; s++) {
		if (!c->slots[s].used)
			continue;
		winnat_free(c->slots[s].nat);
		neigh_free(c->slots[s].inside);
	}
	for (unsigned i = 0; i < sw->nb_workers; i++) {
		l3_worker_fini(sw->workers[i]->l3);
		sw->workers[i]->l3 = NULL;
	}
	neigh_free(c->uplink_neigh);
	rte_free(c);
	sw->l3 = NULL;
}
