/* Summing the per-worker counters (stats_read.h). */
#include "stats_read.h"

#include <string.h>

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
