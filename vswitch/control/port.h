/* Switch ports on DPDK ethdevs: probing a port's Devargs (any vdev or a
 * PCI device), one RX and one TX queue per worker where the device has
 * them, start and stop.
 * Layer: vswitch/control/, control layer (main lcore, the typed southbound API). */
#ifndef HVS_PORT_H
#define HVS_PORT_H

#include <stddef.h>

#include <rte_mempool.h>

#include "port_config.h"
#include "switch.h"

#define PORT_RX_DESC 1024
#define PORT_TX_DESC 1024

/* Probes cfg->devargs and fills p from cfg; decides queue counts for
 * nb_workers. Returns 0 or -1 with err set. */
int port_open(struct vs_port *p, uint16_t index, const struct port_config *cfg,
	      unsigned nb_workers, char *err, size_t errlen);

/* The worker that polls RX queue q of port p. */
static inline unsigned port_rxq_worker(const struct vs_port *p, uint16_t q,
				       unsigned nb_workers)
{
	return (p->index + q) % nb_workers;
}

/* Configures queues (RX mbufs from pools[socket of the polling worker's
 * lcore]) and starts the port. */
int port_start(struct vs_port *p, struct rte_mempool *const *rx_pools,
	       char *err, size_t errlen);

/* Stops and closes the device (pcap ports flush their files here). */
void port_close(struct vs_port *p);

/* Closes the port and removes its device, so the same Devargs can be
 * probed again (hot-unplug). */
void port_detach(struct vs_port *p);

/* The mbufs a port can hold in its rings. */
unsigned port_ring_mbufs(const struct vs_port *p);

#endif
