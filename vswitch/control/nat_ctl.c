/* NAT objects in the running switch (nat_ctl.h, control layer): slots,
 * owners, commands posted to the owner worker. */
#include "nat_ctl.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_launch.h>
#include <rte_malloc.h>

#include "l3_internal.h"
#include "worker.h"

#define INSIDE_NEIGH_CAPACITY 4096

static struct nat_slot *slot_get(const struct vswitch *sw, int slot)
{
	if (sw->l3 == NULL || slot < 0 || slot >= NAT_DP_MAX ||
	    !sw->l3->slots[slot].used)
		return NULL;
	return &sw->l3->slots[slot];
}

static const struct vs_port *uplink_port(const struct vswitch *sw)
{
	for (uint16_t p = 0; p < sw->nb_ports; p++)
		if (sw->ports[p].in_use && sw->ports[p].uplink)
			return &sw->ports[p];
	return NULL;
}

/* external address, gateway and compartment defaults (nat_dp.h) */
static int fill_defaults(const struct vswitch *sw, struct winnat_config *c,
			 char *err, size_t errlen)
{
	const struct vs_port *up = uplink_port(sw);
	uint32_t mask = c->internal_plen == 0 ? 0 : ~UINT32_C(0) << (32 - c->internal_plen);

	if (c->external_ip == 0) {
		if (up == NULL || up->nb_ips == 0) {
			snprintf(err, errlen, "ExternalIPAddress: not given and the uplink "
				 "port has no IPAddresses");
			return -1;
		}
		c->external_ip = up->ips[0];
	}
	if (c->gateway_ip == 0)
		c->gateway_ip = (c->internal_prefix & mask) + 1;
	if (c->compartment == 0) {
		for (uint32_t id = 1; c->compartment == 0; id++) {
			bool used = false;

			for (int s = 0; s < NAT_DP_MAX; s++)
				used |= slot_get(sw, s) != NULL &&
					winnat_config(sw->l3->slots[s].nat)->compartment == id;
			if (!used)
				c->compartment = id;
		}
	}
	return 0;
}

int nat_ctl_find(const struct vswitch *sw, const char *name)
{
	for (int s = 0; s < NAT_DP_MAX; s++) {
		const struct nat_slot *ns = slot_get(sw, s);

		if (ns != NULL && strcmp(winnat_config(ns->nat)->name, name) == 0)
			return s;
	}
	return -1;
}

static int nat_add(struct vswitch *sw, const struct winnat_config *cfg,
		   portset_t port_mask, bool listed, bool obnat, char *err, size_t errlen)
{
	struct winnat_config c = *cfg;
	struct nat_slot *ns = NULL;
	char name[64];
	int slot;

	if (sw->l3 == NULL) {
		snprintf(err, errlen, "the router is not running");
		return -1;
	}
	if (nat_ctl_find(sw, cfg->name) >= 0) {
		snprintf(err, errlen, "Name: a NAT named '%s' exists", cfg->name);
		return -1;
	}
	for (slot = 0; slot < NAT_DP_MAX && ns == NULL; slot++)
		if (!sw->l3->slots[slot].used)
			ns = &sw->l3->slots[slot];
	if (ns == NULL) {
		snprintf(err, errlen, "at most %d NATs", NAT_DP_MAX);
		return -1;
	}
	slot--;
	if (fill_defaults(sw, &c, err, errlen) < 0)
		return -1;
	for (int s = 0; s < NAT_DP_MAX; s++) {
		const struct nat_slot *o = slot_get(sw, s);
		const struct winnat_config *oc;

		if (o == NULL)
			continue;
		oc = winnat_config(o->nat);
		if (oc->compartment == c.compartment) {
			snprintf(err, errlen, "CompartmentId: %u is used by NAT '%s'",
				 c.compartment, oc->name);
			return -1;
		}
		/* each NAT allocates from its own pool: two on one address
		 * can hand out the same port unless their ranges differ */
		if (oc->external_ip == c.external_ip && c.port_min <= oc->port_max &&
		    oc->port_min <= c.port_max)
			fprintf(stderr, "vswitchd: warning: NAT '%s' shares external "
				"ports %u-%u with NAT '%s' on the same address; give "
				"each its own ExternalPortRange\n", c.name,
				RTE_MAX(c.port_min, oc->port_min),
				RTE_MIN(c.port_max, oc->port_max), oc->name);
	}
	memset(ns, 0, sizeof(*ns));
	ns->owner = (uint16_t)(sw->nb_workers ? (unsigned)slot % sw->nb_workers : 0);
	ns->ports = port_mask;
	ns->listed = listed;
	ns->obnat = obnat;
	ns->nat = winnat_create(&c, (int)rte_socket_id(), err, errlen);
	if (ns->nat == NULL)
		return -1;
	snprintf(name, sizeof(name), "nat_neigh_%d_%u", slot,
		 (unsigned)(rte_get_tsc_cycles() & 0xffff));
	ns->inside = neigh_create(name, INSIDE_NEIGH_CAPACITY, (int)rte_socket_id(), NULL);
	if (ns->inside == NULL) {
		winnat_free(ns->nat);
		snprintf(err, errlen, "out of memory for the NAT's neighbours");
		return -1;
	}
	ns->used = true;
	if (l3_publish(sw) < 0) {
		ns->used = false;
		winnat_free(ns->nat);
		neigh_free(ns->inside);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return slot;
}

int nat_ctl_add(struct vswitch *sw, const struct winnat_config *cfg,
	       portset_t port_mask, bool listed, char *err, size_t errlen)
{
	return nat_add(sw, cfg, port_mask, listed, false, err, errlen);
}

int nat_ctl_add_obnat(struct vswitch *sw, const struct winnat_config *cfg,
		      char *err, size_t errlen)
{
	return nat_add(sw, cfg, portset_empty(), true, true, err, errlen);
}

int nat_ctl_remove(struct vswitch *sw, int slot)
{
	struct nat_slot *ns = slot_get(sw, slot);
	struct nat_slot gone;

	if (ns == NULL)
		return -ENOENT;
	gone = *ns;
	ns->used = false;
	l3_publish(sw); /* returns after a grace period: no worker sees it */
	winnat_free(gone.nat);
	neigh_free(gone.inside);
	return 0;
}

const struct winnat *nat_ctl_get(const struct vswitch *sw, int slot)
{
	const struct nat_slot *ns = slot_get(sw, slot);

	return ns != NULL ? ns->nat : NULL;
}

int nat_ctl_set_ports(struct vswitch *sw, int slot, portset_t port_mask)
{
	struct nat_slot *ns = slot_get(sw, slot);

	if (ns == NULL)
		return -ENOENT;
	ns->ports = port_mask;
	return l3_publish(sw);
}

portset_t nat_ctl_ports(const struct vswitch *sw, int slot)
{
	const struct nat_slot *ns = slot_get(sw, slot);

	return ns != NULL ? ns->ports : portset_empty();
}


/* The owner's commands, run here: only when its lcore runs nothing (its
 * launch failed, or it returned), so this is the ring's only consumer. */
static void run_queued_here(struct worker *owner)
{
	void *q;

	while (rte_ring_sc_dequeue(owner->l3->cmds, &q) == 0)
		nat_cmd_run(q);
}

static bool owner_polls(const struct worker *owner)
{
	return rte_eal_get_lcore_state(owner->lcore) == RUNNING;
}

/* Runs c on the NAT's owner, or here when no worker runs. Workers never
 * block, so the owner answers within a poll loop or two; the wait still
 * ends if the owner's lcore stops running (the command is then run here),
 * so no stop request can find the main lcore waiting for a worker that
 * will never answer. c must outlive its run: it is never abandoned. */
static int run_on_owner(struct vswitch *sw, const struct nat_slot *ns,
			struct nat_cmd *c, char *err, size_t errlen)
{
	struct worker *owner = sw->workers[ns->owner];

	c->nat = ns->nat;
	c->err[0] = '\0';
	if (!__atomic_load_n(&sw->workers_running, __ATOMIC_ACQUIRE) ||
	    owner == NULL || owner->l3 == NULL || !owner_polls(owner)) {
		nat_cmd_run(c);
	} else {
		while (rte_ring_sp_enqueue(owner->l3->cmds, c) != 0) {
			if (!owner_polls(owner))
				run_queued_here(owner);
			else
				rte_delay_us_sleep(50);
		}
		while (!__atomic_load_n(&c->done, __ATOMIC_ACQUIRE)) {
			if (!owner_polls(owner))
				run_queued_here(owner);
			else
				rte_delay_us_sleep(20);
		}
	}
	if (err != NULL && c->result < 0)
		snprintf(err, errlen, "%s", c->err);
	return c->result;
}

int nat_ctl_mapping_add(struct vswitch *sw, int slot, const struct winnat_mapping *mp,
		       char *err, size_t errlen)
{
	struct nat_slot *ns = slot_get(sw, slot);
	struct nat_cmd c = {.op = NAT_CMD_MAP_ADD, .map = *mp};

	if (ns == NULL)
		return -ENOENT;
	return run_on_owner(sw, ns, &c, err, errlen);
}

int nat_ctl_mapping_del(struct vswitch *sw, int slot, uint8_t proto,
		       uint32_t external_ip, uint16_t external_port)
{
	struct nat_slot *ns = slot_get(sw, slot);
	struct nat_cmd c = {.op = NAT_CMD_MAP_DEL,
			    .map = {.proto = proto, .external_ip = external_ip,
				    .external_port = external_port}};

	if (ns == NULL)
		return -ENOENT;
	return run_on_owner(sw, ns, &c, NULL, 0);
}

int nat_ctl_proxy_add(struct vswitch *sw, int slot, const struct winnat_proxy *px,
		     char *err, size_t errlen)
{
	struct nat_slot *ns = slot_get(sw, slot);
	struct nat_cmd c = {.op = NAT_CMD_PROXY_ADD, .proxy = *px};

	if (ns == NULL)
		return -ENOENT;
	return run_on_owner(sw, ns, &c, err, errlen);
}

int nat_ctl_proxy_del(struct vswitch *sw, int slot, uint32_t listen_ip,
		     uint16_t listen_port)
{
	struct nat_slot *ns = slot_get(sw, slot);
	struct nat_cmd c = {.op = NAT_CMD_PROXY_DEL,
			    .proxy = {.listen_ip = listen_ip, .listen_port = listen_port}};

	if (ns == NULL)
		return -ENOENT;
	return run_on_owner(sw, ns, &c, NULL, 0);
}

void nat_ctl_counters(const struct vswitch *sw, struct winnat_counters *sum)
{
	memset(sum, 0, sizeof(*sum));
	for (int s = 0; s < NAT_DP_MAX; s++) {
		const struct nat_slot *ns = slot_get(sw, s);
		struct winnat_counters c;

		if (ns == NULL)
			continue;
		winnat_read_counters(ns->nat, &c);
		sum->sessions += c.sessions;
		sum->bindings += c.bindings;
		sum->sessions_created += c.sessions_created;
		sum->sessions_deleted += c.sessions_deleted;
		sum->bindings_created += c.bindings_created;
		sum->bindings_deleted += c.bindings_deleted;
		sum->translated_out += c.translated_out;
		sum->translated_in += c.translated_in;
		for (int d = 0; d < WINNAT_DROP_COUNT; d++)
			sum->drops[d] += c.drops[d];
	}
}
