#include "stats.h"

#include <string.h>

#include "worker.h"

void port_counters_add(struct port_counters *a, const struct port_counters *b)
{
	a->rx_packets += b->rx_packets;
	a->rx_bytes += b->rx_bytes;
	a->tx_packets += b->tx_packets;
	a->tx_bytes += b->tx_bytes;
	for (unsigned r = 0; r < DROP_REASON_COUNT; r++)
		a->drops[r] += b->drops[r];
	a->obnat_packets += b->obnat_packets;
	a->ov_arp_replies += b->ov_arp_replies;
	for (unsigned r = 0; r < PORT_SDN_ROUTES; r++)
		a->sdn_route[r] += b->sdn_route[r];
}

void stats_sum_port(const struct vswitch *sw, uint16_t port,
		    struct port_counters *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < sw->nb_workers; i++)
		port_counters_add(out, &sw->workers[i]->c.port[port]);
}

uint64_t stats_total_rx(const struct vswitch *sw)
{
	uint64_t total = 0;

	for (unsigned i = 0; i < sw->nb_workers; i++)
		for (uint16_t p = 0; p < sw->nb_ports; p++)
			total += !sw->ports[p].in_use ? 0 : __atomic_load_n(&sw->workers[i]->c.port[p].rx_packets,
						 __ATOMIC_RELAXED);
	return total;
}
