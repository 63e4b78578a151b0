/* Per-worker counters, written only by their worker (no atomics, no
 * sharing of cache lines between workers) and summed when read.
 * Layer: vswitch/dataplane/, dataplane layer (worker lcores, per packet). */
#ifndef HVS_STATS_H
#define HVS_STATS_H

#include <stdint.h>

#include "drop_reason.h"
#include "switch.h"

/* SDNRoute prefixes an endpoint port holds at most (l2bridge.h) */
#define PORT_SDN_ROUTES 8

struct port_counters {
	uint64_t rx_packets, rx_bytes;
	uint64_t tx_packets, tx_bytes;
	uint64_t drops[DROP_REASON_COUNT];
	/* packets from this port SNATed by its OutBoundNAT (obnat_dp.h) */
	uint64_t obnat_packets;
	/* ARP requests from the port's Overlay pod the DR answered (overlay.h) */
	uint64_t ov_arp_replies;
	/* packets from the port's endpoint each of its SDNRoute prefixes
	 * (l2bridge.h, in policy order) handed to the host */
	uint64_t sdn_route[PORT_SDN_ROUTES];
};

struct worker_counters {
	struct port_counters port[VS_MAX_PORTS];
	uint64_t learn_queue_full; /* learn requests lost, packets not */
	uint64_t polls, busy_polls;
};

/* Sums every worker's counters of one port. */
void stats_sum_port(const struct vswitch *sw, uint16_t port,
		    struct port_counters *out);
/* Adds b into a. */
void port_counters_add(struct port_counters *a, const struct port_counters *b);
/* Received packets on every port, all workers: the idle detector's input. */
uint64_t stats_total_rx(const struct vswitch *sw);

#endif
