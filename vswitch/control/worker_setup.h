/* Creating the workers (one per worker lcore), their mbuf pools (one per
 * socket), their queue assignment, and launching/joining them.
 * Layer: vswitch/control/, control layer (main lcore, the typed southbound API). */
#ifndef HVS_WORKER_SETUP_H
#define HVS_WORKER_SETUP_H

#include <stddef.h>

#include <rte_mempool.h>

#include "switch.h"

struct mbuf_pools {
	struct rte_mempool *by_socket[RTE_MAX_NUMA_NODES];
};

/* Allocates a worker per worker lcore. 0, or -1 with err. */
int workers_create(struct vswitch *sw, char *err, size_t errlen);
/* One pool per socket with workers, sized from the ports' rings, the
 * workers' TX buffers and caches. */
int mbuf_pools_create(struct vswitch *sw, struct mbuf_pools *pools, char *err,
		      size_t errlen);
/* Hands RX queues to workers round-robin and picks each worker's TX queue
 * on every port. */
void workers_assign_queues(struct vswitch *sw);
/* Rebuilds every worker's RX queue list from the ports in use and
 * publishes it; returns once no worker uses the previous lists. */
void workers_publish_rxqs(struct vswitch *sw);
/* Picks each worker's TX queue on one port. */
void worker_set_txqs(struct vswitch *sw, uint16_t port);
/* Launches every worker on its lcore; -1 with err when one cannot be (the
 * ones launched run: workers_stop stops them). */
int workers_launch(struct vswitch *sw, char *err, size_t errlen);
void workers_stop(struct vswitch *sw);
void workers_free(struct vswitch *sw);
void mbuf_pools_free(struct mbuf_pools *pools);

/* The pool RX queue q of port p fills from. */
struct rte_mempool *rxq_pool(const struct vswitch *sw, uint16_t port,
			     uint16_t q);

#endif
