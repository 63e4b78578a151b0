#include "port_hotplug.h"
#include "qos_ctl.h"

#include <stdio.h>
#include <string.h>

#include <rte_ethdev.h>

#include "l3_dp.h"
#include "port.h"
#include "stats.h"
#include "tap_port.h"
#include "vfp.h"
#include "worker.h"
#include "worker_setup.h"

int vswitch_port_find(const struct vswitch *sw, const char *name)
{
	for (uint16_t p = 0; p < sw->nb_ports; p++)
		if (sw->ports[p].in_use && strcmp(sw->ports[p].name, name) == 0)
			return p;
	return -1;
}

static unsigned ports_in_use(const struct vswitch *sw)
{
	unsigned n = 0;

	for (uint16_t p = 0; p < sw->nb_ports; p++)
		n += sw->ports[p].in_use;
	return n;
}

static int free_slot(const struct vswitch *sw)
{
	for (uint16_t p = 0; p < VS_MAX_PORTS; p++)
		if (p >= sw->nb_ports || !sw->ports[p].in_use)
			return p;
	return -1;
}

/* Flood sets change one bit (of one 64-bit word) per VLAN at a time: a
 * worker sees the port in or out of each VLAN atomically (portset.h). */
static void set_flood_membership(struct vswitch *sw, uint16_t port, bool member)
{
	for (unsigned vid = 0; vid < VLAN_ID_COUNT; vid++) {
		if (member && vlan_port_carries(&sw->ports[port].vlan, (uint16_t)vid))
			portset_atomic_set(&sw->flood_members[vid], port);
		else if (!member)
			portset_atomic_clear(&sw->flood_members[vid], port);
	}
}

static int add_static_macs(struct vswitch *sw, uint16_t port,
			   const struct port_config *cfg)
{
	for (uint16_t m = 0; m < cfg->nb_macs; m++)
		for (unsigned vid = 0; vid < VLAN_ID_COUNT; vid++)
			if (vlan_port_carries(&sw->ports[port].vlan, (uint16_t)vid) &&
			    mac_table_add_static(sw->macs, mac_key((uint16_t)vid, &cfg->macs[m]),
						 port) < 0)
				return -1;
	return 0;
}

/* A reused slot starts from zero: no worker touches it while it is out. */
static void reset_counters(struct vswitch *sw, uint16_t port)
{
	for (unsigned i = 0; i < sw->nb_workers; i++)
		memset(&sw->workers[i]->c.port[port], 0, sizeof(struct port_counters));
}

int vswitch_port_add(struct vswitch *sw, const struct port_config *cfg,
		     uint16_t *index, char *err, size_t errlen)
{
	struct rte_mempool *rx_pools[RTE_MAX_QUEUES_PER_PORT];
	struct vs_port p;
	int slot = free_slot(sw);

	if (vswitch_port_find(sw, cfg->name) >= 0) {
		snprintf(err, errlen, "port '%s' already exists", cfg->name);
		return -1;
	}
	if (slot < 0) {
		snprintf(err, errlen, "the switch has %d ports already", VS_MAX_PORTS);
		return -1;
	}
	/* every port but a tap holds an ethdev: refused here, by name,
	 * rather than as a failed probe's ENOMEM */
	if (!tap_port_is_devargs(cfg->devargs) &&
	    rte_eth_dev_count_total() >= RTE_MAX_ETHPORTS) {
		snprintf(err, errlen, "the switch has %u ports already: DPDK has no "
			 "free ethdev (RTE_MAX_ETHPORTS %d; tap ports need none)", (unsigned)ports_in_use(sw),
			 RTE_MAX_ETHPORTS);
		return -1;
	}
	if (port_open(&p, (uint16_t)slot, cfg, sw->nb_workers, err, errlen) < 0)
		return -1;
	for (uint16_t q = 0; q < p.nb_rxq; q++)
		rx_pools[q] = sw->workers[port_rxq_worker(&p, q, sw->nb_workers)]->pool;
	if (port_start(&p, rx_pools, err, errlen) < 0) {
		port_detach(&p);
		return -1;
	}
	reset_counters(sw, (uint16_t)slot);
	sw->ports[slot] = p;
	if (slot >= sw->nb_ports)
		sw->nb_ports = (uint16_t)(slot + 1);
	worker_set_txqs(sw, (uint16_t)slot);
	if (add_static_macs(sw, (uint16_t)slot, cfg) < 0) {
		mac_table_flush_port(sw->macs, (uint16_t)slot);
		sw->ports[slot].in_use = false;
		port_detach(&sw->ports[slot]);
		snprintf(err, errlen, "MAC table too small for the static addresses");
		return -1;
	}
	set_flood_membership(sw, (uint16_t)slot, true);
	workers_publish_rxqs(sw);
	if (sw->ports[slot].uplink)
		l3_publish(sw); /* the router's addresses and MAC */
	*index = (uint16_t)slot;
	return 0;
}

int vswitch_port_remove(struct vswitch *sw, const char *name, char *err,
			size_t errlen)
{
	int p = vswitch_port_find(sw, name);

	if (p < 0) {
		snprintf(err, errlen, "no port '%s'", name);
		return -1;
	}
	vfp_clear_port(sw->vfp, (uint16_t)p); /* waits for a grace period */
	qos_ctl_set(sw, (uint16_t)p, 0);
	set_flood_membership(sw, (uint16_t)p, false);
	sw->ports[p].in_use = false;
	if (sw->ports[p].uplink)
		l3_publish(sw);
	workers_publish_rxqs(sw); /* waits for a grace period */
	mac_table_flush_port(sw->macs, (uint16_t)p);
	/* Entries deleted above may still be held by a worker mid-burst. */
	rte_rcu_qsbr_synchronize(sw->qsbr, RTE_QSBR_THRID_INVALID);
	port_detach(&sw->ports[p]);
	return 0;
}

void vswitch_ports_close_all(struct vswitch *sw)
{
	for (uint16_t p = 0; p < sw->nb_ports; p++)
		if (sw->ports[p].in_use)
			port_close(&sw->ports[p]);
}
