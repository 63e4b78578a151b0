/* The L2Bridge/Private view's construction and publication, and live
 * VLAN changes of a port (l2bridge_ctl.h). */
#include "l2bridge_ctl.h"

#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "worker.h"

/* ---- the view ---- */

static int net_index(struct l2b_view *v, const char ids[][64],
		     const struct l2b_port_entry *e)
{
	for (uint8_t i = 0; i < v->nb_nets; i++)
		if (strcmp(ids[i], e->net_id) == 0)
			return i;
	return -1;
}

/* Slots for n remotes: a power of two at least twice n (probes short). */
static uint32_t remote_slot_count(size_t n)
{
	uint32_t slots = 16;

	while (slots < 2 * n)
		slots <<= 1;
	return slots;
}

/* Remotes of networks in v, into the arrays after the view. */
static void add_remotes(struct l2b_view *v, const char ids[][64],
			const enum l2b_net_type types[], struct l2b_remote *rs,
			uint32_t *slots, uint32_t nb_slots,
			const struct l2b_remote_entry *remotes, size_t n)
{
	v->remotes = rs;
	v->remote_slots = slots;
	v->remote_mask = nb_slots - 1;
	for (size_t i = 0; i < n && v->nb_remotes < L2B_MAX_REMOTES; i++) {
		const struct l2b_remote_entry *re = &remotes[i];
		uint32_t ip = rte_cpu_to_be_32(re->ip4), s;
		int ni = -1;

		for (uint8_t k = 0; k < v->nb_nets; k++)
			if (types[k] == L2B_NET_L2BRIDGE && strcmp(ids[k], re->net_id) == 0)
				ni = k;
		if (ni < 0 || l2b_remote_by_ip4(v, ip) != NULL)
			continue;
		rs[v->nb_remotes] = (struct l2b_remote){.ip4 = ip, .mac = re->mac,
							.net = (uint8_t)ni,
							.by_route = re->by_route};
		for (s = l2b_remote_hash(ip) & v->remote_mask; slots[s] != 0;
		     s = (s + 1) & v->remote_mask)
			;
		slots[s] = ++v->nb_remotes;
	}
}

struct l2b_view *l2b_view_build(const struct l2b_port_entry entries[VS_MAX_PORTS],
				bool *oom)
{
	return l2b_view_build_remotes(entries, NULL, 0, oom);
}

struct l2b_view *l2b_view_build_remotes(const struct l2b_port_entry entries[VS_MAX_PORTS],
					const struct l2b_remote_entry *remotes,
					size_t nb_remotes, bool *oom)
{
	size_t nr = RTE_MIN(nb_remotes, (size_t)L2B_MAX_REMOTES);
	uint32_t nb_slots = remote_slot_count(nr);
	size_t rs_off = RTE_ALIGN_CEIL(sizeof(struct l2b_view), 8);
	size_t slots_off = rs_off + nr * sizeof(struct l2b_remote);
	char ids[L2B_MAX_NETS][64];
	enum l2b_net_type types[L2B_MAX_NETS];
	struct l2b_view *v;
	portset_t private_ports = portset_empty();
	bool needed = false;

	*oom = false;
	for (unsigned p = 0; p < VS_MAX_PORTS; p++)
		if (entries[p].used && entries[p].type != L2B_NET_TRANSPARENT)
			needed = true;
	if (!needed)
		return NULL;
	v = rte_zmalloc("l2b_view", slots_off + nb_slots * sizeof(uint32_t),
			RTE_CACHE_LINE_SIZE);
	if (v == NULL) {
		*oom = true;
		return NULL;
	}
	for (unsigned p = 0; p < VS_MAX_PORTS; p++)
		v->port_net[p] = -1;
	for (unsigned p = 0; p < VS_MAX_PORTS; p++) {
		const struct l2b_port_entry *e = &entries[p];
		struct l2b_net *n;
		int ni;

		if (!e->used || e->type == L2B_NET_TRANSPARENT)
			continue;
		ni = net_index(v, (const char (*)[64])ids, e);
		if (ni < 0) {
			ni = v->nb_nets++;
			snprintf(ids[ni], sizeof(ids[ni]), "%s", e->net_id);
			types[ni] = e->type;
			n = &v->nets[ni];
			n->host_mac = e->host_mac;
			n->uplink = (int16_t)(e->type == L2B_NET_L2BRIDGE ? e->uplink : -1);
			n->host_port = -1;
		}
		n = &v->nets[ni];
		portset_set(&n->ports, p);
		if (types[ni] == L2B_NET_PRIVATE || types[ni] == L2B_NET_NAT) {
			portset_set(&private_ports, p);
			continue;
		}
		v->port_net[p] = (int8_t)ni;
		portset_set(&v->ingress_ports, p);
		if (n->uplink >= 0)
			portset_set(&v->ingress_ports, (unsigned)n->uplink);
		struct l2b_ep *ep = &v->eps[v->nb_eps++];

		ep->mac = e->mac;
		ep->port = (uint16_t)p;
		ep->net = (uint8_t)ni;
		ep->has_ip4 = e->has_ip4;
		ep->ip4 = rte_cpu_to_be_32(e->ip4);
		ep->has_ip6 = e->has_ip6;
		memcpy(ep->ip6, e->ip6, 16);
		if (types[ni] != L2B_NET_L2BRIDGE)
			continue;
		if (e->host_vnic && n->host_port < 0) {
			n->host_port = (int16_t)p;
			n->host_vnic_mac = e->mac;
		}
		if (e->nb_routes != 0) {
			v->nb_routes[p] = (uint8_t)RTE_MIN(e->nb_routes, L2B_MAX_ROUTES);
			memcpy(v->routes[p], e->routes, v->nb_routes[p] * sizeof(e->routes[0]));
			portset_set(&v->route_ports, p);
		}
	}
	add_remotes(v, (const char (*)[64])ids, types,
		    (struct l2b_remote *)((char *)v + rs_off),
		    (uint32_t *)((char *)v + slots_off), nb_slots, remotes, nr);
	/* Private and NAT: a network's ports reach each other; everybody else
	 * reaches every port but theirs (a NAT network is reached from
	 * outside only through the router and WinNAT, as on Windows). */
	for (unsigned p = 0; p < VS_MAX_PORTS; p++)
		v->allowed[p] = portset_andnot(portset_full(), private_ports);
	for (uint8_t i = 0; i < v->nb_nets; i++) {
		portset_t ports = v->nets[i].ports;

		if (types[i] != L2B_NET_PRIVATE && types[i] != L2B_NET_NAT)
			continue;
		for (unsigned p = 0; p < VS_MAX_PORTS; p++)
			if (portset_test(&ports, p))
				v->allowed[p] = ports;
	}
	return v;
}

void l2b_view_publish(struct vswitch *sw, struct l2b_view *v)
{
	struct l2b_view *old = sw->l2b_view;

	__atomic_store_n(&sw->l2b_view, v, __ATOMIC_RELEASE);
	if (old != NULL) {
		if (sw->qsbr != NULL)
			rte_rcu_qsbr_synchronize(sw->qsbr, RTE_QSBR_THRID_INVALID);
		rte_free(old);
	}
}

void l2b_fini(struct vswitch *sw)
{
	rte_free(sw->l2b_view);
	sw->l2b_view = NULL;
}

/* ---- live VLAN change ---- */

static void store_fields(struct vlan_config *live, const struct vlan_config *next,
			 enum vlan_mode mode)
{
	if (mode == VLAN_MODE_ACCESS)
		__atomic_store_n(&live->access_vid, next->access_vid, __ATOMIC_RELEASE);
	if (mode == VLAN_MODE_TRUNK) {
		__atomic_store_n(&live->native_vid, next->native_vid, __ATOMIC_RELEASE);
		for (unsigned i = 0; i < VLAN_ID_COUNT / 64; i++)
			__atomic_store_n(&live->allowed[i], next->allowed[i], __ATOMIC_RELEASE);
	}
}

void l2b_port_set_vlan(struct vswitch *sw, uint16_t port,
		       const struct vlan_config *next)
{
	struct vlan_config *live = &sw->ports[port].vlan;
	struct vlan_config old = *live;
	/* a removed port is in no flood set and must not join one */
	bool in_use = sw->ports[port].in_use;

	for (unsigned vid = 0; vid < VLAN_ID_COUNT && in_use; vid++)
		if (vlan_port_carries(next, (uint16_t)vid))
			portset_atomic_set(&sw->flood_members[vid], port);
	/* fields the new mode reads (unread by the old one when the mode
	 * changes), the mode, then whatever only the old mode read */
	store_fields(live, next, next->mode);
	if (old.mode != next->mode)
		__atomic_store_n(&live->mode, next->mode, __ATOMIC_RELEASE);
	store_fields(live, next, VLAN_MODE_ACCESS);
	store_fields(live, next, VLAN_MODE_TRUNK);
	for (unsigned vid = 0; vid < VLAN_ID_COUNT; vid++)
		if (!vlan_port_carries(next, (uint16_t)vid) && in_use)
			portset_atomic_clear(&sw->flood_members[vid], port);
}

