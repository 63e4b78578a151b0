#include "worker_setup.h"

#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>

#include "learn.h"
#include "port.h"
#include "worker.h"

#define POOL_CACHE 256

/* The mbuf field a traced packet's id travels in (worker.h). */
static int register_trace_field(char *err, size_t errlen)
{
	static const struct rte_mbuf_dynfield desc = {
		.name = "hvswitch_trace_id",
		.size = sizeof(uint64_t),
		.align = __alignof__(uint64_t),
	};

	trace_id_offset = rte_mbuf_dynfield_register(&desc);
	if (trace_id_offset < 0) {
		snprintf(err, errlen, "cannot register the trace mbuf field: %s",
			 rte_strerror(rte_errno));
		return -1;
	}
	return 0;
}

int workers_create(struct vswitch *sw, char *err, size_t errlen)
{
	unsigned lcore;

	if (register_trace_field(err, errlen) < 0)
		return -1;

	sw->nb_workers = 0;
	RTE_LCORE_FOREACH_WORKER(lcore) {
		int socket = (int)rte_lcore_to_socket_id(lcore);
		struct worker *w = rte_zmalloc_socket("worker", sizeof(*w),
						      RTE_CACHE_LINE_SIZE, socket);
		if (w == NULL) {
			snprintf(err, errlen, "out of memory for worker on lcore %u", lcore);
			return -1;
		}
		w->id = sw->nb_workers;
		w->lcore = lcore;
		w->sw = sw;
		w->learn_ring = learn_ring_create(w->id, socket);
		sw->workers[sw->nb_workers++] = w;
		if (w->learn_ring == NULL) {
			snprintf(err, errlen, "cannot create learn ring: %s",
				 rte_strerror(rte_errno));
			return -1;
		}
	}
	if (sw->nb_workers == 0) {
		snprintf(err, errlen, "no worker lcore: give EAL at least two "
				      "lcores, e.g. -l 0,1 (lcore 0 is the main lcore)");
		return -1;
	}
	return 0;
}

int mbuf_pools_create(struct vswitch *sw, struct mbuf_pools *pools, char *err,
		      size_t errlen)
{
	unsigned n = 1024;

	memset(pools, 0, sizeof(*pools));
	for (uint16_t p = 0; p < sw->nb_ports; p++)
		n += port_ring_mbufs(&sw->ports[p]);
	/* TX buffers: emptied at the end of every burst, so what they hold at
	 * once is one burst's frames and their flood copies; 32 ports' worth
	 * (VS_MAX_PORTS was 32 until issue 18), not VS_MAX_PORTS' 8192 a
	 * worker. A flood copy the pool cannot give is a counted drop. */
	n += sw->nb_workers * (TX_RESERVE_PORTS * TX_BUF_MAX + 2 * VS_BURST);
	n += (sw->nb_workers + 1) * POOL_CACHE * 2;
	n += sw->extra_mbufs;
	for (unsigned i = 0; i < sw->nb_workers; i++) {
		int socket = (int)rte_lcore_to_socket_id(sw->workers[i]->lcore);
		char name[RTE_MEMPOOL_NAMESIZE];

		if (pools->by_socket[socket] == NULL) {
			snprintf(name, sizeof(name), "mbufs_s%d", socket);
			pools->by_socket[socket] = rte_pktmbuf_pool_create(
				name, n, POOL_CACHE, 0, RTE_MBUF_DEFAULT_BUF_SIZE, socket);
			if (pools->by_socket[socket] == NULL) {
				snprintf(err, errlen,
					 "cannot create a pool of %u mbufs on socket %d: %s "
					 "(more hugepages, or EAL -m with --no-huge)",
					 n, socket, rte_strerror(rte_errno));
				return -1;
			}
		}
		sw->workers[i]->pool = pools->by_socket[socket];
	}
	return 0;
}

struct rte_mempool *rxq_pool(const struct vswitch *sw, uint16_t port,
			     uint16_t q)
{
	unsigned wi = port_rxq_worker(&sw->ports[port], q, sw->nb_workers);

	return sw->workers[wi]->pool;
}

/* The TX queue worker i uses on a port. */
void worker_set_txqs(struct vswitch *sw, uint16_t port)
{
	for (unsigned i = 0; i < sw->nb_workers; i++)
		sw->workers[i]->txq[port] = (uint16_t)(i % sw->ports[port].nb_txq);
}

void workers_publish_rxqs(struct vswitch *sw)
{
	for (unsigned i = 0; i < sw->nb_workers; i++) {
		struct worker *w = sw->workers[i];
		uint32_t idle = !__atomic_load_n(&w->rxq_active, __ATOMIC_RELAXED);
		struct rxq_list *l = &w->rxq_lists[idle];

		l->n = 0;
		for (uint16_t p = 0; p < sw->nb_ports; p++) {
			const struct vs_port *port = &sw->ports[p];

			if (!port->in_use)
				continue;
			for (uint16_t q = 0; q < port->nb_rxq; q++)
				if (port_rxq_worker(port, q, sw->nb_workers) == i)
					l->q[l->n++] = (struct rx_queue_ref){p, q};
		}
		__atomic_store_n(&w->rxq_active, idle, __ATOMIC_RELEASE);
	}
	/* No worker still walks a list we may rewrite next time. */
	if (sw->qsbr != NULL)
		rte_rcu_qsbr_synchronize(sw->qsbr, RTE_QSBR_THRID_INVALID);
}

void workers_assign_queues(struct vswitch *sw)
{
	for (uint16_t p = 0; p < sw->nb_ports; p++)
		worker_set_txqs(sw, p);
	workers_publish_rxqs(sw);
}

int workers_launch(struct vswitch *sw, char *err, size_t errlen)
{
	__atomic_store_n(&sw->stop, 0, __ATOMIC_RELEASE);
	for (unsigned i = 0; i < sw->nb_workers; i++) {
		int rc = rte_eal_remote_launch(worker_main, sw->workers[i],
					       sw->workers[i]->lcore);

		if (rc != 0) {
			snprintf(err, errlen, "cannot launch worker %u on lcore %u: %s",
				 i, sw->workers[i]->lcore, rte_strerror(-rc));
			__atomic_store_n(&sw->workers_running, i > 0, __ATOMIC_RELEASE);
			return -1;
		}
	}
	__atomic_store_n(&sw->workers_running, true, __ATOMIC_RELEASE);
	return 0;
}

void workers_stop(struct vswitch *sw)
{
	__atomic_store_n(&sw->stop, 1, __ATOMIC_RELEASE);
	rte_eal_mp_wait_lcore();
	__atomic_store_n(&sw->workers_running, false, __ATOMIC_RELEASE);
}

void workers_free(struct vswitch *sw)
{
	for (unsigned i = 0; i < sw->nb_workers; i++) {
		rte_ring_free(sw->workers[i]->learn_ring);
		latency_hist_free(sw->workers[i]->lat);
		rte_free(sw->workers[i]);
		sw->workers[i] = NULL;
	}
	sw->nb_workers = 0;
}

void mbuf_pools_free(struct mbuf_pools *pools)
{
	for (unsigned s = 0; s < RTE_MAX_NUMA_NODES; s++)
		rte_mempool_free(pools->by_socket[s]);
	memset(pools, 0, sizeof(*pools));
}
