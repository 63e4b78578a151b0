/* The one reader of the switch's counters (control layer): workers count
 * per worker (dataplane/stats.h), this sums them for whoever asks — the
 * /stats document, /metrics, endpoint stats, DPDK telemetry, the periodic
 * rate lines. Readers never write and never wait: a sum is as consistent
 * as 64-bit loads make it.
 * Layer: vswitch/control/, control layer (main lcore, the typed southbound API). */
#ifndef HVS_STATS_READ_H
#define HVS_STATS_READ_H

#include <stdbool.h>
#include <stdint.h>

#include "drop_reason.h"
#include "latency.h"
#include "stats.h"
#include "switch.h"
#include "winnat.h"

/* One worker's figures. */
struct stats_worker {
	unsigned id, lcore, rx_queues;
	uint64_t rx_packets, tx_packets; /* every port */
	uint64_t busy_polls, learn_queue_full;
};

/* One port's counters summed over the workers (zeros for a free slot). */
void stats_read_port(const struct vswitch *sw, uint16_t port,
		     struct port_counters *out);
/* Every live port's counters, and their sum. */
void stats_read_ports(const struct vswitch *sw,
		      struct port_counters per_port[VS_MAX_PORTS],
		      struct port_counters *total);
/* A port's device: what it lost before the switch saw a frame or after
 * the switch handed one over, from rte_eth_stats_get (and, for
 * net_af_packet, the kernel's packet socket, afpacket.h). Counted since
 * the port started. */
struct stats_device {
	uint64_t rx_missed; /* imissed + kernel_ring_drops: no room in the RX ring */
	uint64_t rx_errors; /* ierrors: bad frames */
	uint64_t rx_nombuf; /* RX mbuf allocation failures */
	uint64_t tx_errors; /* oerrors: frames the device did not send */
	uint64_t kernel_ring_drops; /* net_af_packet: the socket's tp_drops */
};
/* Every live port's device counters (zeros for a free slot or a device
 * without stats). Takes a lock (the kernel's af_packet counters reset when
 * read, so the reader keeps their sum). */
void stats_read_devices(const struct vswitch *sw,
			struct stats_device per_port[VS_MAX_PORTS]);
/* Worker i (i < sw->nb_workers). */
void stats_read_worker(const struct vswitch *sw, unsigned i, struct stats_worker *out);
/* Entries in the MAC table (learned and static). */
uint32_t stats_read_mac_entries(const struct vswitch *sw);
/* --latency figures; false (and zeros) when it is off. */
bool stats_read_latency(const struct vswitch *sw, struct latency_summary *out);

#endif
