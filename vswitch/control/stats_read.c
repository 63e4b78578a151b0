/* Summing the per-worker counters (stats_read.h). */
#include "stats_read.h"

#include <pthread.h>
#include <string.h>

#include <rte_ethdev.h>

#include "afpacket.h"
#include "mac_table.h"
#include "worker.h"

void stats_read_port(const struct vswitch *sw, uint16_t port,
		     struct port_counters *out)
{
	memset(out, 0, sizeof(*out));
	if (port < sw->nb_ports && sw->ports[port].in_use)
		stats_sum_port(sw, port, out);
}

void stats_read_ports(const struct vswitch *sw,
		      struct port_counters per_port[VS_MAX_PORTS],
		      struct port_counters *total)
{
	memset(total, 0, sizeof(*total));
	for (uint16_t p = 0; p < VS_MAX_PORTS; p++) {
		stats_read_port(sw, p, &per_port[p]);
		port_counters_add(total, &per_port[p]);
	}
}

void stats_read_worker(const struct vswitch *sw, unsigned i, struct stats_worker *out)
{
	const struct worker *w = sw->workers[i];

	memset(out, 0, sizeof(*out));
	out->id = w->id;
	out->lcore = w->lcore;
	out->rx_queues = w->rxq_lists[__atomic_load_n(&w->rxq_active, __ATOMIC_ACQUIRE)].n;
	for (uint16_t p = 0; p < sw->nb_ports; p++) {
		out->rx_packets += w->c.port[p].rx_packets;
		out->tx_packets += w->c.port[p].tx_packets;
	}
	out->busy_polls = w->c.busy_polls;
	out->learn_queue_full = w->c.learn_queue_full;
}

uint32_t stats_read_mac_entries(const struct vswitch *sw)
{
	return sw->macs != NULL ? mac_table_count(sw->macs) : 0;
}

bool stats_read_latency(const struct vswitch *sw, struct latency_summary *out)
{
	latency_switch_summary(sw, out);
	return sw->nb_workers > 0 && sw->workers[0]->lat != NULL;
}

/* The kernel's af_packet drops read so far, per port slot; reset when the
 * slot holds another ethdev or interface (a removed port's slot reused). */
static struct {
	pthread_mutex_t lock;
	struct {
		bool used;
		uint16_t eth_port;
		int ifindex;
		uint64_t ring_drops;
	} port[VS_MAX_PORTS];
} afp = {.lock = PTHREAD_MUTEX_INITIALIZER};

void stats_read_devices(const struct vswitch *sw,
			struct stats_device per_port[VS_MAX_PORTS])
{
	int ifindex[VS_MAX_PORTS];
	uint64_t drops[VS_MAX_PORTS];

	memset(per_port, 0, sizeof(struct stats_device) * VS_MAX_PORTS);
	memset(drops, 0, sizeof(drops));
	for (uint16_t p = 0; p < VS_MAX_PORTS; p++) {
		const struct vs_port *port = &sw->ports[p];
		struct rte_eth_dev_info info;
		struct rte_eth_stats st;

		ifindex[p] = 0;
		if (p >= sw->nb_ports || !port->in_use)
			continue;
		if (port->tap != NULL) /* no ethdev: its losses are the worker's */
			continue;
		if (rte_eth_stats_get(port->eth_port, &st) == 0) {
			per_port[p].rx_missed = st.imissed;
			per_port[p].rx_errors = st.ierrors;
			per_port[p].rx_nombuf = st.rx_nombuf;
			per_port[p].tx_errors = st.oerrors;
		}
		if (rte_eth_dev_info_get(port->eth_port, &info) == 0 &&
		    info.driver_name != NULL &&
		    strcmp(info.driver_name, "net_af_packet") == 0)
			ifindex[p] = (int)info.if_index;
	}
	pthread_mutex_lock(&afp.lock);
	afpacket_read_drops(ifindex, VS_MAX_PORTS, drops);
	for (uint16_t p = 0; p < VS_MAX_PORTS; p++) {
		if (ifindex[p] <= 0) {
			afp.port[p].used = false;
			continue;
		}
		if (!afp.port[p].used || afp.port[p].eth_port != sw->ports[p].eth_port ||
		    afp.port[p].ifindex != ifindex[p]) {
			afp.port[p].used = true;
			afp.port[p].eth_port = sw->ports[p].eth_port;
			afp.port[p].ifindex = ifindex[p];
			afp.port[p].ring_drops = 0;
		}
		afp.port[p].ring_drops += drops[p];
		per_port[p].kernel_ring_drops = afp.port[p].ring_drops;
		per_port[p].rx_missed += afp.port[p].ring_drops;
	}
	pthread_mutex_unlock(&afp.lock);
}
