#include "learn.h"

#include <stdio.h>

#include "worker.h"

struct rte_ring *learn_ring_create(unsigned worker_id, int socket)
{
	char name[RTE_RING_NAMESIZE];

	snprintf(name, sizeof(name), "learn%u", worker_id);
	return rte_ring_create_elem(name, sizeof(struct learn_request),
				    LEARN_RING_SIZE, socket,
				    RING_F_SP_ENQ | RING_F_SC_DEQ);
}

unsigned learn_drain(struct vswitch *sw, uint32_t now)
{
	struct learn_request reqs[64];
	unsigned total = 0;

	for (unsigned i = 0; i < sw->nb_workers; i++) {
		struct rte_ring *ring = sw->workers[i]->learn_ring;
		unsigned n;

		while ((n = rte_ring_sc_dequeue_burst_elem(ring, reqs, sizeof(reqs[0]),
							   RTE_DIM(reqs), NULL)) > 0) {
			for (unsigned k = 0; k < n; k++)
				/* a request may outlive a removed port */
				if (sw->ports[reqs[k].port].in_use)
					mac_table_learn(sw->macs, reqs[k].key,
							reqs[k].port, now);
			total += n;
		}
	}
	return total;
}
