/* HNS OutBoundNAT on endpoint ports (obnat_ctl.h): the NAT slots by
 * external address, and the view workers read. */
#include "obnat_ctl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "nat_ctl.h"
#include "obnat_dp.h"
#include "stats.h"
#include "vxlan.h"
#include "winnat.h"

#define OBNAT_PORT_MIN 1024

struct obnat_ctl {
	bool used[VS_MAX_PORTS];
	struct obnat_endpoint ep[VS_MAX_PORTS];
	int slot[VS_MAX_PORTS];
};

static void nat_name(const struct obnat_endpoint *ep, char *buf, size_t len)
{
	uint32_t a = ep->external_ip;

	if (ep->max_ports != 0)
		snprintf(buf, len, "OutBoundNAT %u.%u.%u.%u ports %u", a >> 24,
			 (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff, ep->max_ports);
	else
		snprintf(buf, len, "OutBoundNAT %u.%u.%u.%u", a >> 24, (a >> 16) & 0xff,
			 (a >> 8) & 0xff, a & 0xff);
}

/* The slot of ep's WinNAT object, made if none: any source is inside
 * (forwarding picks the packets), WinNAT's timers and filtering. */
static int nat_slot_for(struct vswitch *sw, const struct obnat_endpoint *ep,
			char *err, size_t errlen)
{
	struct winnat_config c;
	int slot;

	winnat_config_defaults(&c);
	nat_name(ep, c.name, sizeof(c.name));
	slot = nat_ctl_find(sw, c.name);
	if (slot >= 0)
		return slot;
	c.compartment = 0; /* the lowest free */
	c.any_source = true;
	c.internal_prefix = 0;
	c.internal_plen = 0;
	c.external_ip = ep->external_ip;
	c.gateway_ip = ep->external_ip;
	c.port_min = OBNAT_PORT_MIN;
	/* replies to the host address on VXLAN's port would be taken for
	 * VXLAN (an Overlay network's uplink is the same address) */
	c.udp_reserved_port = VXLAN_PORT;
	if (sw->obnat_max_sessions != 0)
		c.max_sessions = sw->obnat_max_sessions;
	if (ep->max_ports != 0)
		c.port_max = (uint16_t)RTE_MIN(65535u, OBNAT_PORT_MIN + ep->max_ports - 1u);
	return nat_ctl_add_obnat(sw, &c, err, errlen);
}

static bool slot_in_use(const struct obnat_ctl *c, int slot)
{
	for (uint16_t p = 0; p < VS_MAX_PORTS; p++)
		if (c->used[p] && c->slot[p] == slot)
			return true;
	return false;
}

/* Builds and publishes the view of c; -1 if out of memory (nothing changed). */
static int publish(struct vswitch *sw, const struct obnat_ctl *c)
{
	struct obnat_view *v = NULL, *old = sw->obnat_view;

	for (uint16_t p = 0; p < VS_MAX_PORTS; p++) {
		struct obnat_port *op;

		if (!c->used[p])
			continue;
		if (v == NULL) {
			v = rte_zmalloc("obnat_view", sizeof(*v), RTE_CACHE_LINE_SIZE);
			if (v == NULL)
				return -1;
		}
		op = &v->port[p];
		portset_set(&v->ports, p);
		op->rule = c->ep[p].rule;
		op->slot = (uint8_t)c->slot[p];
		op->uplink = c->ep[p].uplink;
		op->ip4 = rte_cpu_to_be_32(c->ep[p].ip4);
		op->mac = c->ep[p].mac;
		op->routed = c->ep[p].routed;
		/* loopback-DSR: its Destinations hold its own address */
		if (c->ep[p].ip4 != 0 &&
		    obnat_prefixes_hold(c->ep[p].rule.destinations,
					c->ep[p].rule.nb_destinations, c->ep[p].ip4))
			op->loopback_snat = c->ep[p].external_ip;
	}
	__atomic_store_n(&sw->obnat_view, v, __ATOMIC_RELEASE);
	if (old != NULL) {
		if (sw->qsbr != NULL)
			rte_rcu_qsbr_synchronize(sw->qsbr, RTE_QSBR_THRID_INVALID);
		rte_free(old);
	}
	return 0;
}

/* After a publish no worker sees slot through the view: its NAT goes when
 * no port uses it any more. */
static void release_slot(struct vswitch *sw, struct obnat_ctl *c, int slot)
{
	if (slot >= 0 && !slot_in_use(c, slot))
		nat_ctl_remove(sw, slot);
}

int obnat_ctl_set(struct vswitch *sw, uint16_t port, const struct obnat_endpoint *ep,
		  char *err, size_t errlen)
{
	struct obnat_ctl *c = sw->obnat_ctl;
	struct obnat_endpoint prev_ep;
	bool prev_used;
	int slot, prev_slot;

	if (port >= VS_MAX_PORTS) {
		snprintf(err, errlen, "no port %u", port);
		return -1;
	}
	if (c == NULL) {
		c = calloc(1, sizeof(*c));
		if (c == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		sw->obnat_ctl = c;
	}
	slot = nat_slot_for(sw, ep, err, errlen);
	if (slot < 0)
		return -1;
	prev_used = c->used[port];
	prev_ep = c->ep[port];
	prev_slot = prev_used ? c->slot[port] : -1;
	c->used[port] = true;
	c->ep[port] = *ep;
	c->slot[port] = slot;
	if (publish(sw, c) < 0) {
		c->used[port] = prev_used;
		c->ep[port] = prev_ep;
		c->slot[port] = prev_slot;
		release_slot(sw, c, slot);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (prev_slot != slot)
		release_slot(sw, c, prev_slot);
	return 0;
}

void obnat_ctl_clear(struct vswitch *sw, uint16_t port)
{
	struct obnat_ctl *c = sw->obnat_ctl;
	int slot;

	if (c == NULL || port >= VS_MAX_PORTS || !c->used[port])
		return;
	slot = c->slot[port];
	c->used[port] = false;
	if (publish(sw, c) < 0) { /* out of memory: the old view (and NAT) stay */
		c->used[port] = true;
		fprintf(stderr, "vswitchd: port %u: OutBoundNAT not removed (out of "
			"memory)\n", port);
		return;
	}
	release_slot(sw, c, slot);
}

struct count_ctx {
	uint32_t ip;
	uint64_t n;
};

static int count_session(void *arg, const struct winnat_session_info *s)
{
	struct count_ctx *cc = arg;

	if (s->internal.src_ip == cc->ip)
		cc->n++;
	return 0;
}

bool obnat_ctl_status(const struct vswitch *sw, uint16_t port, struct obnat_status *st)
{
	const struct obnat_ctl *c = sw->obnat_ctl;
	const struct winnat *n;
	struct port_counters pc;
	struct count_ctx cc;

	if (c == NULL || port >= VS_MAX_PORTS || !c->used[port])
		return false;
	memset(st, 0, sizeof(*st));
	st->external_ip = c->ep[port].external_ip;
	nat_name(&c->ep[port], st->nat, sizeof(st->nat));
	stats_sum_port(sw, port, &pc);
	st->packets = pc.obnat_packets;
	n = nat_ctl_get(sw, c->slot[port]);
	cc.ip = c->ep[port].ip4;
	cc.n = 0;
	if (n != NULL)
		winnat_foreach_session(n, vswitch_now(sw), count_session, &cc);
	st->sessions = cc.n;
	return true;
}

void obnat_ctl_fini(struct vswitch *sw)
{
	rte_free(sw->obnat_view);
	sw->obnat_view = NULL;
	free(sw->obnat_ctl);
	sw->obnat_ctl = NULL;
}
